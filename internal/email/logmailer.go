package email

import (
	"context"
	"fmt"
	"log/slog"
	"regexp"
)

// LogMailer is the embedded Mailer (mail_url log://): instead of sending,
// it prints each mail to the logger at INFO, with its links as separate
// attributes so that a terminal shows them as clickable URLs. Nothing
// leaves the machine, so it suits development and single-user setups
// only.
type LogMailer struct {
	log *slog.Logger
}

var _ Mailer = (*LogMailer)(nil)

// NewLogMailer returns a mailer that prints to logger.
func NewLogMailer(logger *slog.Logger) *LogMailer { return &LogMailer{log: logger} }

var linkPattern = regexp.MustCompile(`https?://[^\s<>"]+`)

// Send implements Mailer; it never fails.
func (m *LogMailer) Send(ctx context.Context, mail Mail) error {
	attrs := []slog.Attr{slog.String("to", mail.To), slog.String("subject", mail.Subject)}
	for i, link := range uniq(linkPattern.FindAllString(mail.Text, -1)) {
		key := "link"
		if i > 0 {
			key = fmt.Sprintf("link%d", i+1)
		}
		attrs = append(attrs, slog.String(key, link))
	}
	attrs = append(attrs, slog.String("text", mail.Text), slog.Int("html_bytes", len(mail.HTML)))
	m.log.LogAttrs(ctx, slog.LevelInfo, "mail (mail_url log://: printed here, not sent)", attrs...)
	return nil
}

// Ping implements Mailer; the log is always there.
func (m *LogMailer) Ping(context.Context) error { return nil }

func uniq(ss []string) []string {
	seen := make(map[string]bool, len(ss))
	out := ss[:0]
	for _, s := range ss {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}
