package smtpmail_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"net/mail"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/parleychat/parley/internal/email"
	"github.com/parleychat/parley/internal/email/smtpmail"
	"github.com/parleychat/parley/internal/errs"
)

const from = "Parley <no-reply@parley.test>"

func discard() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func open(t *testing.T, rawURL string) *smtpmail.Mailer {
	t.Helper()
	m, err := smtpmail.Open(rawURL, from, discard())
	if err != nil {
		t.Fatalf("Open(%s): %v", rawURL, err)
	}
	return m
}

func mailURL(userinfo, addr string, params ...string) string {
	u := "smtp://" + userinfo + addr
	if len(params) > 0 {
		u += "?" + strings.Join(params, "&")
	}
	return u
}

func ca(ts *testServer) string { return "ca=" + url.QueryEscape(ts.CAFile) }

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return c
}

// sendVerification sends a verification mail for a user with a hostile
// name through the email role's Service, as in production.
func sendVerification(t *testing.T, m email.Mailer) error {
	t.Helper()
	svc := email.NewService(m, "https://chat.example.com", discard())
	return svc.Send(ctx(t), email.Request{
		Kind: email.KindVerification, To: "ada@example.com", Username: "<b>Ada</b> ✓", Code: "c0de-_XYZ",
	})
}

const link = "https://chat.example.com/verify/c0de-_XYZ"

// parsed is a received message, decoded.
type parsed struct {
	header     mail.Header
	text, html string
}

// parse reads a message as a mail client would: headers (RFC 2047
// decoded), then both parts of the multipart/alternative body with their
// transfer encoding undone.
func parse(t *testing.T, data []byte) parsed {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("received message does not parse: %v\n%s", err, data)
	}
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/alternative" {
		t.Fatalf("Content-Type %q: %v, want multipart/alternative", msg.Header.Get("Content-Type"), err)
	}
	p := parsed{header: msg.Header}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	var types []string
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("multipart: %v", err)
		}
		b, err := io.ReadAll(part) // NextPart undoes quoted-printable
		if err != nil {
			t.Fatal(err)
		}
		ct, cparams, _ := mime.ParseMediaType(part.Header.Get("Content-Type"))
		if !strings.EqualFold(cparams["charset"], "utf-8") {
			t.Errorf("part %s has charset %q, want utf-8", ct, cparams["charset"])
		}
		types = append(types, ct)
		switch ct {
		case "text/plain":
			p.text = string(b)
		case "text/html":
			p.html = string(b)
		}
	}
	if strings.Join(types, ",") != "text/plain,text/html" {
		t.Fatalf("parts %v, want text/plain then text/html", types)
	}
	return p
}

func checkVerificationMail(t *testing.T, r received) {
	t.Helper()
	if r.From != "no-reply@parley.test" || r.To != "ada@example.com" {
		t.Errorf("envelope %s → %s, want no-reply@parley.test → ada@example.com", r.From, r.To)
	}
	p := parse(t, r.Data)
	dec := new(mime.WordDecoder)
	subject, err := dec.DecodeHeader(p.header.Get("Subject"))
	if err != nil || subject != "Confirm your email address for Parley" {
		t.Errorf("Subject = %q (%v)", subject, err)
	}
	if f, err := p.header.AddressList("From"); err != nil || len(f) != 1 || f[0].Name != "Parley" || f[0].Address != "no-reply@parley.test" {
		t.Errorf("From = %v (%v), want Parley <no-reply@parley.test>", f, err)
	}
	if to, err := p.header.AddressList("To"); err != nil || len(to) != 1 || to[0].Address != "ada@example.com" {
		t.Errorf("To = %v (%v)", to, err)
	}
	if d, err := p.header.Date(); err != nil || time.Since(d) > time.Minute || time.Until(d) > time.Minute {
		t.Errorf("Date = %v (%v), want about now", d, err)
	}
	if id := p.header.Get("Message-ID"); !strings.HasPrefix(id, "<") || !strings.HasSuffix(id, "@parley.test>") {
		t.Errorf("Message-ID = %q, want <…@parley.test>", id)
	}
	if p.header.Get("MIME-Version") != "1.0" {
		t.Errorf("MIME-Version = %q", p.header.Get("MIME-Version"))
	}
	if !strings.Contains(p.text, link) || !strings.Contains(p.text, "Hi <b>Ada</b> ✓,") {
		t.Errorf("text part lacks the link or the greeting:\n%s", p.text)
	}
	if !strings.Contains(p.html, `href="`+link+`"`) || !strings.Contains(p.html, "Hi &lt;b&gt;Ada&lt;/b&gt; ✓,") {
		t.Errorf("html part lacks the link or the escaped greeting:\n%s", p.html)
	}
}

func TestSendsOverSTARTTLSWithAuth(t *testing.T) {
	t.Parallel()
	ts := startServer(t, serverOpts{starttls: true, user: "parley", pass: "s3cret p@ss"})
	m := open(t, mailURL(url.UserPassword("parley", "s3cret p@ss").String()+"@", ts.Addr, "tls=starttls", ca(ts)))
	if err := sendVerification(t, m); err != nil {
		t.Fatalf("Send: %v", err)
	}
	got := ts.received()
	if len(got) != 1 {
		t.Fatalf("server received %d mails, want 1", len(got))
	}
	if !got[0].TLS || got[0].User != "parley" {
		t.Errorf("mail arrived with TLS=%v user=%q, want TLS and user parley", got[0].TLS, got[0].User)
	}
	checkVerificationMail(t, got[0])
}

func TestSendsOverImplicitTLSWithAuth(t *testing.T) {
	t.Parallel()
	ts := startServer(t, serverOpts{implicitTLS: true, user: "parley", pass: "pw"})
	m := open(t, mailURL("parley:pw@", ts.Addr, "tls=tls", ca(ts)))
	if err := sendVerification(t, m); err != nil {
		t.Fatalf("Send: %v", err)
	}
	got := ts.received()
	if len(got) != 1 || !got[0].TLS || got[0].User != "parley" {
		t.Fatalf("received %+v, want one mail over TLS from user parley", got)
	}
	checkVerificationMail(t, got[0])
}

func TestDefaultModeUsesSTARTTLSWhenOffered(t *testing.T) {
	t.Parallel()
	t.Run("offered", func(t *testing.T) {
		t.Parallel()
		ts := startServer(t, serverOpts{starttls: true})
		if err := sendVerification(t, open(t, mailURL("", ts.Addr, ca(ts)))); err != nil {
			t.Fatalf("Send: %v", err)
		}
		if got := ts.received(); len(got) != 1 || !got[0].TLS {
			t.Fatalf("received %+v, want one mail over TLS", got)
		}
	})
	t.Run("not offered", func(t *testing.T) {
		t.Parallel()
		ts := startServer(t, serverOpts{})
		if err := sendVerification(t, open(t, mailURL("", ts.Addr))); err != nil {
			t.Fatalf("Send: %v", err)
		}
		if got := ts.received(); len(got) != 1 || got[0].TLS {
			t.Fatalf("received %+v, want one mail in clear", got)
		}
	})
}

func TestPlainConnectionToLoopbackMayAuthenticate(t *testing.T) {
	t.Parallel()
	ts := startServer(t, serverOpts{user: "dev", pass: "dev", insecureAuth: true})
	if err := sendVerification(t, open(t, mailURL("dev:dev@", ts.Addr, "tls=none"))); err != nil {
		t.Fatalf("Send: %v", err)
	}
	if got := ts.received(); len(got) != 1 || got[0].TLS || got[0].User != "dev" {
		t.Fatalf("received %+v, want one authenticated mail in clear", got)
	}
}

func TestCertificatesAreVerified(t *testing.T) {
	t.Parallel()
	for _, o := range []serverOpts{{starttls: true}, {implicitTLS: true}} {
		ts := startServer(t, o)
		mode := "tls=starttls"
		if o.implicitTLS {
			mode = "tls=tls"
		}
		// Without ca= the self-signed certificate is not trusted.
		m := open(t, mailURL("", ts.Addr, mode))
		err := sendVerification(t, m)
		if !errs.Is(err, errs.Unavailable) || !strings.Contains(err.Error(), "certificate") {
			t.Errorf("%s: Send = %v, want errs.Unavailable about the certificate", mode, err)
		}
		if err := m.Ping(ctx(t)); err == nil {
			t.Errorf("%s: Ping succeeded with an untrusted certificate", mode)
		}
		if n := len(ts.received()); n != 0 {
			t.Errorf("%s: server received %d mails over an unverified connection", mode, n)
		}
	}
}

func TestSTARTTLSRequiredButNotOfferedIsRetryable(t *testing.T) {
	t.Parallel()
	ts := startServer(t, serverOpts{})
	err := sendVerification(t, open(t, mailURL("", ts.Addr, "tls=starttls")))
	if !errs.Is(err, errs.Unavailable) || !strings.Contains(err.Error(), "STARTTLS") {
		t.Fatalf("Send = %v, want errs.Unavailable about STARTTLS", err)
	}
	if n := len(ts.received()); n != 0 {
		t.Fatalf("server received %d mails", n)
	}
}

func TestWrongPasswordIsRetryable(t *testing.T) {
	t.Parallel()
	ts := startServer(t, serverOpts{starttls: true, user: "parley", pass: "right"})
	err := sendVerification(t, open(t, mailURL("parley:wrong@", ts.Addr, ca(ts))))
	if !errs.Is(err, errs.Unavailable) {
		t.Fatalf("Send = %v, want errs.Unavailable", err)
	}
	if strings.Contains(err.Error(), "wrong") {
		t.Errorf("the password appears in the error: %v", err)
	}
}

func TestServerDownIsRetryable(t *testing.T) {
	t.Parallel()
	m := open(t, mailURL("", deadPort(t)))
	err := sendVerification(t, m)
	if err == nil || errs.Is(err, errs.Invalid) || !errs.Is(err, errs.Unavailable) {
		t.Fatalf("Send = %v, want errs.Unavailable", err)
	}
	if err := m.Ping(ctx(t)); !errs.Is(err, errs.Unavailable) {
		t.Fatalf("Ping = %v, want errs.Unavailable", err)
	}
}

func TestRecipientRefusals(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		err  *smtp.SMTPError
		want errs.Kind
	}{
		{"no such mailbox is permanent", &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"}, errs.Invalid},
		{"unknown domain is permanent", &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 2}, Message: "bad domain"}, errs.Invalid},
		{"mailbox full for now is temporary", &smtp.SMTPError{Code: 452, EnhancedCode: smtp.EnhancedCode{4, 2, 2}, Message: "mailbox full"}, errs.Unavailable},
		// Issue 12 defect 4: every 5xx refuses this mail for good, with
		// or without an enhanced code, so that it can never hold up others.
		{"mailbox unavailable without an enhanced code is permanent", &smtp.SMTPError{Code: 550, EnhancedCode: smtp.NoEnhancedCode, Message: "mailbox unavailable"}, errs.Invalid},
		{"relaying denied is permanent for this mail", &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 7, 1}, Message: "relay denied"}, errs.Invalid},
		{"service not available is temporary", &smtp.SMTPError{Code: 421, EnhancedCode: smtp.NoEnhancedCode, Message: "try later"}, errs.Unavailable},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			ts := startServer(t, serverOpts{rcptErr: c.err})
			err := sendVerification(t, open(t, mailURL("", ts.Addr, "tls=none")))
			if got := errs.KindOf(err); got != c.want {
				t.Fatalf("Send = %v (kind %s), want kind %s", err, got, c.want)
			}
		})
	}
}

func TestPingGreetsAndQuits(t *testing.T) {
	t.Parallel()
	ts := startServer(t, serverOpts{starttls: true, user: "u", pass: "p"})
	m := open(t, mailURL("u:p@", ts.Addr, "tls=starttls", ca(ts)))
	if err := m.Ping(ctx(t)); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	if ts.sessions() == 0 || len(ts.received()) != 0 {
		t.Fatalf("sessions %d, mails %d; want a greeting and no mail", ts.sessions(), len(ts.received()))
	}
}

func TestCancellationInterruptsAStalledServer(t *testing.T) {
	t.Parallel()
	m := open(t, mailURL("", silentServer(t), "tls=none"))
	c, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := m.Send(c, email.Mail{To: "ada@example.com", Subject: "s", Text: "t", HTML: "h"})
	if !errs.Is(err, errs.Unavailable) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Send = %v, want errs.Unavailable wrapping context.DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("Send returned after %s, long after its deadline", d)
	}
}

func TestTimeoutParameterBoundsASend(t *testing.T) {
	t.Parallel()
	m := open(t, mailURL("", silentServer(t), "tls=none", "timeout=200ms"))
	start := time.Now()
	err := m.Send(context.Background(), email.Mail{To: "ada@example.com", Subject: "s", Text: "t", HTML: "h"})
	if !errs.Is(err, errs.Unavailable) {
		t.Fatalf("Send = %v, want errs.Unavailable", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("Send returned after %s despite timeout=200ms", d)
	}
}

func TestSendRefusesHeaderInjection(t *testing.T) {
	t.Parallel()
	ts := startServer(t, serverOpts{})
	m := open(t, mailURL("", ts.Addr, "tls=none"))
	for _, bad := range []email.Mail{
		{To: "ada@example.com\r\nBcc: eve@example.com", Subject: "s"},
		{To: "ada@example.com", Subject: "hello\r\nBcc: eve@example.com"},
		{To: "not an address", Subject: "s"},
	} {
		if err := m.Send(ctx(t), bad); !errs.Is(err, errs.Invalid) {
			t.Errorf("Send(%q, %q) = %v, want errs.Invalid", bad.To, bad.Subject, err)
		}
	}
	if n := ts.sessions(); n != 0 {
		t.Fatalf("the mailer connected %d times for mails it should refuse up front", n)
	}
}

func TestFromParameterOverridesMailFrom(t *testing.T) {
	t.Parallel()
	ts := startServer(t, serverOpts{})
	m := open(t, mailURL("", ts.Addr, "tls=none", "from="+url.QueryEscape("Équipe Parley <team@example.org>")))
	if err := sendVerification(t, m); err != nil {
		t.Fatal(err)
	}
	got := ts.received()
	if len(got) != 1 || got[0].From != "team@example.org" {
		t.Fatalf("received %+v, want envelope sender team@example.org", got)
	}
	p := parse(t, got[0].Data)
	f, err := p.header.AddressList("From")
	if err != nil || len(f) != 1 || f[0].Name != "Équipe Parley" || f[0].Address != "team@example.org" {
		t.Fatalf("From = %v (%v)", f, err)
	}
}

func TestOpenRejectsBadConfiguration(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ url, from string }{
		{"smtps://mail.example.com", from},
		{"http://mail.example.com", from},
		{"smtp://", from},
		{"smtp://mail.example.com/path", from},
		{"smtp://mail.example.com?tls=maybe", from},
		{"smtp://mail.example.com?insecure=1", from},
		{"smtp://mail.example.com?timeout=soon", from},
		{"smtp://mail.example.com?timeout=-1s", from},
		{"smtp://mail.example.com?tls=tls&tls=none", from},
		{"smtp://mail.example.com?ca=/nonexistent/ca.pem", from},
		{"smtp://mail.example.com", "not an address"},
		{"smtp://mail.example.com", "Parley <a@b>\r\nBcc: eve@example.com"},
		{"smtp://mail.example.com?from=nobody", from},
		{"smtp://mail.example.com?helo=a%20b", from},
		// Credentials in clear off the loopback interface.
		{"smtp://user:pass@mail.example.com:25?tls=none", from},
	} {
		if _, err := smtpmail.Open(c.url, c.from, discard()); err == nil {
			t.Errorf("Open(%q, %q) succeeded", c.url, c.from)
		} else if strings.Contains(err.Error(), "pass@") {
			t.Errorf("Open(%q) error shows the password: %v", c.url, err)
		}
	}
	// Loopback relays may take credentials without TLS.
	for _, u := range []string{"smtp://u:p@127.0.0.1:25?tls=none", "smtp://u:p@localhost:25?tls=none", "smtp://u:p@[::1]:25?tls=none"} {
		if _, err := smtpmail.Open(u, from, discard()); err != nil {
			t.Errorf("Open(%q): %v", u, err)
		}
	}
}
