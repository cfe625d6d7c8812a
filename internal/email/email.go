package email

import (
	"context"
	"fmt"
	"log/slog"
	"net/mail"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/parleychat/parley/internal/errs"
)

// Kind is which mail to send.
type Kind string

const (
	// KindVerification asks a new user to confirm their address, with a
	// link to <public URL>/verify/<code>.
	KindVerification Kind = "verification"
	// KindPasswordReset lets a user choose a new password, with a link to
	// <public URL>/reset-password/<code>.
	KindPasswordReset Kind = "password_reset"
)

// How long the codes in the links stay valid. The user role, which issues
// and checks the codes, uses the same durations (API.md); the mails only
// state them.
const (
	VerificationValidity = 24 * time.Hour
	ResetValidity        = time.Hour
)

// Limits on a Request.
const (
	MaxAddressLen  = 254 // RFC 5321 path limit
	MaxUsernameLen = 32  // characters, as for usernames (API.md)
	MaxCodeLen     = 256
)

// Request asks for one mail. Its JSON form is what the user role stores in
// its outbox.
type Request struct {
	Kind     Kind   `json:"kind"`
	To       string `json:"to"`       // a bare address, e.g. ada@example.com
	Username string `json:"username"` // shown in the greeting
	Code     string `json:"code"`     // put into the link; [A-Za-z0-9_-]
}

// Validate returns an errs.Invalid error, naming the field, unless the
// kind is known, To is one plausible bare address (no display name, no
// CR or LF, at most MaxAddressLen bytes), Username has 1 to MaxUsernameLen
// printable characters, and Code has 1 to MaxCodeLen characters of the
// URL-safe alphabet A–Z a–z 0–9 - _.
func (r Request) Validate() error {
	switch r.Kind {
	case KindVerification, KindPasswordReset:
	default:
		return errs.Field("kind", fmt.Sprintf("unknown mail kind %q", r.Kind))
	}
	if !validAddress(r.To) {
		return errs.Field("to", "not a valid email address")
	}
	if n := utf8.RuneCountInString(r.Username); n == 0 || n > MaxUsernameLen || !printable(r.Username) {
		return errs.Field("username", fmt.Sprintf("must be 1 to %d printable characters", MaxUsernameLen))
	}
	if len(r.Code) == 0 || len(r.Code) > MaxCodeLen || !urlSafe(r.Code) {
		return errs.Field("code", fmt.Sprintf("must be 1 to %d characters of A-Z a-z 0-9 - _", MaxCodeLen))
	}
	return nil
}

func validAddress(s string) bool {
	if s == "" || len(s) > MaxAddressLen || strings.ContainsAny(s, "\r\n") {
		return false
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s {
		return false
	}
	at := strings.LastIndexByte(s, '@')
	return at > 0 && at < len(s)-1
}

func printable(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if !unicode.IsPrint(r) {
			return false
		}
	}
	return true
}

func urlSafe(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// Mail is one rendered mail, ready for a Mailer. The From address is the
// Mailer's own configuration (mail_from).
type Mail struct {
	To      string // a bare address
	Subject string
	Text    string // text/plain body
	HTML    string // text/html body
}

// Mailer delivers rendered mail. Implementations: LogMailer in this package
// (log://, the embedded default) and smtpmail (smtp://).
type Mailer interface {
	// Send delivers one mail. Success means the mail was handed over (to
	// the mail server, or the log). An errs.Invalid error means this mail
	// can never be delivered (the server refused the recipient
	// permanently); any other error is temporary.
	Send(ctx context.Context, m Mail) error
	// Ping reports whether the mail server is reachable.
	Ping(ctx context.Context) error
}

// Sender is what callers of the email role use: *Service in-process and
// *Client over RPC both implement it.
type Sender interface {
	Send(ctx context.Context, r Request) error
}

// Service is the email role.
type Service struct {
	mailer    Mailer
	publicURL string
	log       *slog.Logger
}

var (
	_ Sender = (*Service)(nil)
	_ Sender = (*Client)(nil)
)

// NewService returns the email role sending through mailer, with links
// under publicURL (the public_url the users reach, e.g.
// https://chat.example.com; a trailing slash is ignored).
func NewService(mailer Mailer, publicURL string, logger *slog.Logger) *Service {
	return &Service{mailer: mailer, publicURL: strings.TrimRight(publicURL, "/"), log: logger}
}

// Send validates r, renders it and hands it to the mailer. Bad input is an
// errs.Invalid error, as is a recipient the mail server refuses
// permanently; the caller must not retry those. Every other error is
// temporary (errs.Unavailable when the mail server failed), and the
// caller retries.
func (s *Service) Send(ctx context.Context, r Request) error {
	m, err := s.Render(r)
	if err != nil {
		return err
	}
	if err := s.mailer.Send(ctx, m); err != nil {
		s.log.LogAttrs(ctx, slog.LevelWarn, "mail not sent",
			slog.String("kind", string(r.Kind)), slog.String("domain", domainOf(r.To)), slog.Any("err", err))
		if errs.As(err) == nil {
			err = errs.Wrap(errs.Unavailable, err, "mail server unavailable")
		}
		return fmt.Errorf("send %s mail: %w", r.Kind, err)
	}
	s.log.LogAttrs(ctx, slog.LevelDebug, "mail sent",
		slog.String("kind", string(r.Kind)), slog.String("domain", domainOf(r.To)))
	return nil
}

// Ping reports whether the mailer's server is reachable, for /readyz.
func (s *Service) Ping(ctx context.Context) error { return s.mailer.Ping(ctx) }

// Render validates r and returns the mail it stands for, without sending
// it.
func (s *Service) Render(r Request) (Mail, error) {
	if err := r.Validate(); err != nil {
		return Mail{}, err
	}
	return render(r, s.publicURL)
}

// domainOf returns what follows the last @, for logs that should not hold
// whole addresses.
func domainOf(addr string) string {
	if at := strings.LastIndexByte(addr, '@'); at >= 0 {
		return addr[at+1:]
	}
	return ""
}
