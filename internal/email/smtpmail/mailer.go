package smtpmail

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"github.com/parleychat/parley/internal/config"
	"log/slog"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/parleychat/parley/internal/email"
	"github.com/parleychat/parley/internal/errs"
)

// Transport security modes (the tls= URL parameter).
const (
	TLSOpportunistic = ""         // STARTTLS when the server offers it (default)
	TLSStartTLS      = "starttls" // STARTTLS required
	TLSImplicit      = "tls"      // TLS from the first byte (port 465)
	TLSNone          = "none"     // never encrypt
)

// DefaultTimeout bounds one delivery (connect, handshake, dialogue) unless
// the caller's context ends sooner.
const DefaultTimeout = 30 * time.Second

// Mailer sends mail through one SMTP server. It keeps no connection open
// between mails and is safe for concurrent use.
type Mailer struct {
	addr     string // host:port
	host     string
	mode     string
	username string
	password string
	from     mail.Address
	helo     string
	tls      *tls.Config
	timeout  time.Duration
	log      *slog.Logger
}

var _ email.Mailer = (*Mailer)(nil)

// Open configures a mailer from rawURL:
//
//	smtp://[user:password@]host[:port][?tls=starttls|tls|none][&ca=/path/ca.pem][&from=…][&helo=name][&timeout=30s]
//
// The port defaults to 587 (465 with tls=tls). from is the From address
// (the mail_from setting, e.g. "Parley <no-reply@example.com>"); a from=
// parameter in the URL takes precedence. helo is the name given in EHLO
// (default: the From address's domain). Open does not connect; Ping does.
// It fails on an unknown parameter, a bad From address, or credentials
// that would travel in clear to a server off the loopback interface
// (tls=none).
func Open(rawURL string, from string, logger *slog.Logger) (*Mailer, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		// Not the parser's error: it repeats the URL, password and all.
		return nil, errors.New("mail url: it does not parse (characters such as / ? # @ or a space in the password must be percent-encoded)")
	}
	fail := func(format string, args ...any) (*Mailer, error) {
		return nil, fmt.Errorf("mail url %s: %s", config.Redact(rawURL), fmt.Sprintf(format, args...))
	}
	if u.Scheme != "smtp" {
		return fail("scheme must be smtp")
	}
	if u.Hostname() == "" {
		return fail("no host")
	}
	if u.Path != "" && u.Path != "/" {
		return fail("unexpected path (a / in the password must be percent-encoded as %%2F)")
	}
	m := &Mailer{host: u.Hostname(), timeout: DefaultTimeout, log: logger}
	q := u.Query()
	for k, v := range q {
		if len(v) != 1 {
			return fail("parameter %s given %d times", k, len(v))
		}
		switch k {
		case "tls", "ca", "from", "helo", "timeout":
		default:
			return fail("unknown parameter %q (want tls, ca, from, helo, timeout)", k)
		}
	}
	switch m.mode = q.Get("tls"); m.mode {
	case TLSOpportunistic, TLSStartTLS, TLSImplicit, TLSNone:
	default:
		return fail("tls=%q: want starttls, tls or none", m.mode)
	}
	port := u.Port()
	if port == "" {
		port = "587"
		if m.mode == TLSImplicit {
			port = "465"
		}
	}
	m.addr = net.JoinHostPort(m.host, port)

	if q.Has("from") {
		from = q.Get("from")
	}
	a, err := parseHeaderAddress(from)
	if err != nil {
		return fail("from address %q: %v", from, err)
	}
	m.from = *a
	m.helo = q.Get("helo")
	if m.helo == "" {
		m.helo = "localhost"
		if d := domain(a.Address); strings.Contains(d, ".") {
			m.helo = d
		}
	}
	if strings.ContainsAny(m.helo, " \r\n") {
		return fail("helo %q is not a host name", m.helo)
	}
	if t := q.Get("timeout"); t != "" {
		if m.timeout, err = time.ParseDuration(t); err != nil || m.timeout <= 0 {
			return fail("timeout=%q: want a positive duration such as 30s", t)
		}
	}

	if u.User != nil {
		m.username = u.User.Username()
		m.password, _ = u.User.Password()
		if m.mode == TLSNone && !isLoopback(m.host) {
			return fail("refusing to send credentials without TLS to %s (tls=none is for loopback servers only)", m.host)
		}
	}

	roots, err := x509.SystemCertPool()
	if err != nil || roots == nil {
		roots = x509.NewCertPool()
	}
	if ca := q.Get("ca"); ca != "" {
		pem, err := os.ReadFile(ca)
		if err != nil {
			return fail("ca: %v", err)
		}
		if !roots.AppendCertsFromPEM(pem) {
			return fail("ca: no PEM certificate in %s", ca)
		}
	}
	m.tls = &tls.Config{ServerName: m.host, RootCAs: roots, MinVersion: tls.VersionTLS12}
	return m, nil
}

// From returns the From address the mailer writes.
func (m *Mailer) From() string { return m.from.String() }

// Send implements email.Mailer: one connection, (STARTTLS,) (AUTH,) MAIL,
// RCPT, DATA, QUIT.
func (m *Mailer) Send(ctx context.Context, msg email.Mail) error {
	to, err := parseHeaderAddress(msg.To)
	if err != nil {
		return errs.Wrap(errs.Invalid, err, "invalid recipient address")
	}
	body, err := compose(m.from, *to, msg, time.Now())
	if err != nil {
		return errs.Wrap(errs.Invalid, err, "invalid mail")
	}
	err = m.session(ctx, func(c *smtp.Client, secure bool) error {
		if m.username != "" {
			if err := m.auth(c, secure); err != nil {
				return err
			}
		}
		if err := c.Mail(m.from.Address); err != nil {
			return fmt.Errorf("MAIL FROM: %w", err)
		}
		if err := c.Rcpt(to.Address); err != nil {
			if permanent(err) {
				return errs.Wrap(errs.Invalid, err, "the mail server refused the recipient")
			}
			return fmt.Errorf("RCPT TO: %w", err)
		}
		w, err := c.Data()
		if err != nil {
			return fmt.Errorf("DATA: %w", err)
		}
		if _, err := w.Write(body); err != nil {
			return fmt.Errorf("DATA: %w", err)
		}
		if err := w.Close(); err != nil {
			if permanent(err) {
				return errs.Wrap(errs.Invalid, err, "the mail server refused the mail")
			}
			return fmt.Errorf("DATA: %w", err)
		}
		return nil
	})
	if err != nil {
		return m.classify("send mail", err)
	}
	return nil
}

// Ping implements email.Mailer: connect, EHLO, the TLS the mode asks for,
// QUIT. It checks the address and the certificate, not the credentials.
func (m *Mailer) Ping(ctx context.Context) error {
	if err := m.session(ctx, func(*smtp.Client, bool) error { return nil }); err != nil {
		return m.classify("ping", err)
	}
	return nil
}

// session opens a connection, greets the server, secures the connection as
// the mode says, runs fn and says QUIT (whose failure is ignored). The context's cancellation or
// deadline (or the mailer's timeout, whichever is first) interrupts any
// step.
func (m *Mailer) session(ctx context.Context, fn func(c *smtp.Client, secure bool) error) error {
	ctx, cancel := context.WithTimeout(ctx, m.timeout)
	defer cancel()
	d := &net.Dialer{}
	var conn net.Conn
	var err error
	if m.mode == TLSImplicit {
		conn, err = (&tls.Dialer{NetDialer: d, Config: m.tls}).DialContext(ctx, "tcp", m.addr)
	} else {
		conn, err = d.DialContext(ctx, "tcp", m.addr)
	}
	if err != nil {
		return ctxErr(ctx, fmt.Errorf("connect to %s: %w", m.addr, err))
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	// Cancellation before the deadline unblocks any read or write at once.
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()

	c, err := smtp.NewClient(conn, m.host)
	if err != nil {
		return ctxErr(ctx, fmt.Errorf("greeting from %s: %w", m.addr, err))
	}
	defer c.Close()
	if err := c.Hello(m.helo); err != nil {
		return ctxErr(ctx, fmt.Errorf("EHLO: %w", err))
	}
	secure := m.mode == TLSImplicit
	if m.mode == TLSOpportunistic || m.mode == TLSStartTLS {
		if ok, _ := c.Extension("STARTTLS"); ok {
			if err := c.StartTLS(m.tls); err != nil {
				return ctxErr(ctx, fmt.Errorf("STARTTLS: %w", err))
			}
			secure = true
		} else if m.mode == TLSStartTLS {
			return fmt.Errorf("%s does not offer STARTTLS, which tls=starttls requires", m.addr)
		} else if !isLoopback(m.host) {
			m.log.LogAttrs(ctx, slog.LevelWarn, "mail server offers no STARTTLS: mail travels unencrypted",
				slog.String("server", m.addr))
		}
	}
	if err := fn(c, secure); err != nil {
		return ctxErr(ctx, err)
	}
	// Once the server accepted the mail, a failed QUIT must not make the
	// caller send it again.
	_ = c.Quit()
	return nil
}

// auth authenticates with AUTH PLAIN, but only over TLS or to a loopback
// server.
func (m *Mailer) auth(c *smtp.Client, secure bool) error {
	if !secure && !isLoopback(m.host) {
		return fmt.Errorf("%s offers no STARTTLS: refusing to send credentials in clear", m.addr)
	}
	if ok, mechs := c.Extension("AUTH"); !ok || !hasWord(mechs, "PLAIN") {
		return fmt.Errorf("%s offers no AUTH PLAIN (offers %q)", m.addr, mechs)
	}
	// net/smtp's PlainAuth makes the same TLS-or-loopback check again.
	if err := c.Auth(smtp.PlainAuth("", m.username, m.password, m.host)); err != nil {
		return fmt.Errorf("AUTH PLAIN as %s: %w", m.username, err)
	}
	return nil
}

// classify keeps errs.Invalid (a recipient refused for good) and makes
// every other failure errs.Unavailable, with the cause kept for the log.
func (m *Mailer) classify(op string, err error) error {
	if errs.Is(err, errs.Invalid) {
		return fmt.Errorf("smtp %s via %s: %w", op, m.addr, err)
	}
	return errs.Wrap(errs.Unavailable, fmt.Errorf("smtp %s via %s: %w", op, m.addr, err), "mail server unavailable")
}

// permanent reports a 5xx reply (RFC 5321 §4.2.1: permanent negative
// completion), with or without an enhanced status code. Given to RCPT or
// to the end of DATA it refuses this mail for good: sending it again
// cannot succeed, and it must never hold up other mail. (A 5xx to MAIL
// FROM or AUTH is about the sender's configuration and stays temporary:
// the relay retries it up to its cap.)
func permanent(err error) bool {
	var te *textproto.Error
	return errors.As(err, &te) && te.Code >= 500 && te.Code <= 599
}

// ctxErr prefers the context's error when the context ended, since a
// deadline set on the connection then shows up as a confusing I/O error.
func ctxErr(ctx context.Context, err error) error {
	cerr := ctx.Err()
	if dl, ok := ctx.Deadline(); ok && cerr == nil && !time.Now().Before(dl) {
		// The connection's deadline fired a moment before the context's.
		cerr = context.DeadlineExceeded
	}
	if cerr != nil {
		return fmt.Errorf("%w (%w)", cerr, err)
	}
	return err
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func hasWord(list, word string) bool {
	for _, w := range strings.Fields(list) {
		if strings.EqualFold(w, word) {
			return true
		}
	}
	return false
}

func domain(addr string) string {
	if at := strings.LastIndexByte(addr, '@'); at >= 0 {
		return addr[at+1:]
	}
	return ""
}
