package node

import (
	"context"
	"encoding/json"
	"log/slog"

	"github.com/parleychat/parley/internal/email"
	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/event"
)

// MailTopic is the outbox topic on which a role asks for mail. Its rows
// never reach the event bus: a dedicated relay hands them to the email
// role, so a mail survives the email role or the SMTP server being down
// (the relay retries with backoff, in order) and is never lost.
const MailTopic = "mail"

// mailPublisher is the event.Publisher of the mail relay: each event's
// payload is an email.Request. Run it with BatchSize 1 so that a failure
// never resends mails that already left.
type mailPublisher struct {
	email email.Sender
	log   *slog.Logger
}

var _ event.Publisher = mailPublisher{}

func (m mailPublisher) Publish(ctx context.Context, _ string, events ...event.Event) error {
	for _, e := range events {
		var req email.Request
		if err := json.Unmarshal(e.Payload, &req); err != nil {
			m.log.Error("dropping a mail request that does not decode", "event_id", e.ID, "err", err)
			continue
		}
		if err := m.email.Send(ctx, req); err != nil {
			if errs.Is(err, errs.Invalid) {
				m.log.Error("dropping a mail the email role refuses", "event_id", e.ID, "kind", req.Kind, "err", err)
				continue
			}
			return err
		}
	}
	return nil
}
