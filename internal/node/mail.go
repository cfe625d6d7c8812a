package node

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/parleychat/parley/internal/email"
	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/event"
	"github.com/parleychat/parley/internal/outbox"
)

// MailTopic is the outbox topic on which a role asks for mail. Its rows
// never reach the event bus: a dedicated relay hands them to the email
// role, so a mail survives the email role or the SMTP server being down.
// The relay is unordered (outbox.Options.Unordered): each mail is retried
// with its own backoff, a mail refused for good (a 5xx from the mail
// server, or a request the email role refuses) is parked at once, one that
// keeps failing is parked after its last attempt, and no mail ever holds
// up another (issue 12 defect 4). Parked mail stays in the role's
// outbox_parked table, is logged, and counts in
// parley_outbox_parked_total.
const MailTopic = "mail"

// mailRelayOptions are the options of a role's mail relay named name.
func (n *Node) mailRelayOptions(name string, log *slog.Logger) outbox.Options {
	return outbox.Options{
		Name: name, Topics: []string{MailTopic}, BatchSize: 20, Logger: log,
		Unordered: true, MaxAttempts: 12, RetryMin: 10 * time.Second, RetryMax: 30 * time.Minute,
		OnPark: func(string, event.Event, error) { n.parked.WithLabelValues(name).Inc() },
	}
}

// mailPublisher is the event.Publisher of the mail relay: each event's
// payload is an email.Request. A request that does not decode, or that the
// email role refuses (errs.Invalid: a bad request, or a recipient the mail
// server refused permanently), is a permanent failure; anything else is
// temporary.
type mailPublisher struct {
	email email.Sender
	log   *slog.Logger
}

var _ event.Publisher = mailPublisher{}

func (m mailPublisher) Publish(ctx context.Context, _ string, events ...event.Event) error {
	for _, e := range events {
		var req email.Request
		if err := json.Unmarshal(e.Payload, &req); err != nil {
			return event.Permanent(fmt.Errorf("mail request %s does not decode: %w", e.ID, err))
		}
		if err := m.email.Send(ctx, req); err != nil {
			if errs.Is(err, errs.Invalid) {
				return event.Permanent(fmt.Errorf("%s mail refused: %w", req.Kind, err))
			}
			return err
		}
	}
	return nil
}
