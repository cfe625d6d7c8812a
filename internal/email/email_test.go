package email_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/parleychat/parley/internal/email"
	"github.com/parleychat/parley/internal/errs"
)

// fakeMailer records what it is given and fails with err when set.
type fakeMailer struct {
	mu    sync.Mutex
	mails []email.Mail
	err   error
}

func (f *fakeMailer) Send(_ context.Context, m email.Mail) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return f.err
	}
	f.mails = append(f.mails, m)
	return nil
}

func (f *fakeMailer) Ping(context.Context) error { return f.err }

func (f *fakeMailer) sent() []email.Mail {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]email.Mail(nil), f.mails...)
}

func discard() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func valid() email.Request {
	return email.Request{Kind: email.KindVerification, To: "ada@example.com", Username: "ada", Code: "Zm9vYmFy-_09"}
}

func TestValidateRefusesRequestsThatCanNeverBeSent(t *testing.T) {
	t.Parallel()
	cases := map[string]func(r *email.Request){
		"empty kind":                     func(r *email.Request) { r.Kind = "" },
		"unknown kind":                   func(r *email.Request) { r.Kind = "welcome" },
		"empty address":                  func(r *email.Request) { r.To = "" },
		"address without at":             func(r *email.Request) { r.To = "ada.example.com" },
		"address without local part":     func(r *email.Request) { r.To = "@example.com" },
		"address without domain":         func(r *email.Request) { r.To = "ada@" },
		"address with display name":      func(r *email.Request) { r.To = "Ada <ada@example.com>" },
		"address with CRLF header":       func(r *email.Request) { r.To = "ada@example.com\r\nBcc: eve@example.com" },
		"address with LF":                func(r *email.Request) { r.To = "ada@example.com\n" },
		"two addresses":                  func(r *email.Request) { r.To = "ada@example.com, eve@example.com" },
		"address over 254 bytes":         func(r *email.Request) { r.To = strings.Repeat("a", 64) + "@" + strings.Repeat("b", 186) + ".com" },
		"empty username":                 func(r *email.Request) { r.Username = "" },
		"username over 32 characters":    func(r *email.Request) { r.Username = strings.Repeat("é", 33) },
		"username with a newline":        func(r *email.Request) { r.Username = "ada\nBcc: x" },
		"username with a NUL":            func(r *email.Request) { r.Username = "ada\x00" },
		"username not UTF-8":             func(r *email.Request) { r.Username = "ada\xff" },
		"empty code":                     func(r *email.Request) { r.Code = "" },
		"code with a slash":              func(r *email.Request) { r.Code = "../../admin" },
		"code with a dot":                func(r *email.Request) { r.Code = "abc.def" },
		"code with a percent escape":     func(r *email.Request) { r.Code = "abc%2Fdef" },
		"code with a quote":              func(r *email.Request) { r.Code = `abc"def` },
		"code with a space":              func(r *email.Request) { r.Code = "abc def" },
		"code with a query":              func(r *email.Request) { r.Code = "abc?x=1" },
		"code longer than the maximum":   func(r *email.Request) { r.Code = strings.Repeat("a", email.MaxCodeLen+1) },
		"code with non-ASCII characters": func(r *email.Request) { r.Code = "abcé" },
	}
	svc := email.NewService(&fakeMailer{}, "http://localhost:8080", discard())
	for name, mutate := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			r := valid()
			mutate(&r)
			err := r.Validate()
			if !errs.Is(err, errs.Invalid) {
				t.Fatalf("Validate(%+v) = %v, want errs.Invalid", r, err)
			}
			if e := errs.As(err); len(e.Fields) != 1 {
				t.Fatalf("Validate(%+v) fields = %v, want the one bad field", r, e.Fields)
			}
			if err := svc.Send(context.Background(), r); !errs.Is(err, errs.Invalid) {
				t.Fatalf("Send(%+v) = %v, want errs.Invalid", r, err)
			}
		})
	}
}

func TestValidateAcceptsWhatTheUserRoleProduces(t *testing.T) {
	t.Parallel()
	for _, r := range []email.Request{
		valid(),
		{Kind: email.KindPasswordReset, To: "first.last+tag@mail.example.co.uk", Username: strings.Repeat("é", 32), Code: strings.Repeat("A", email.MaxCodeLen)},
		{Kind: email.KindVerification, To: "dev@localhost", Username: "a.b-c_d", Code: "x"},
		{Kind: email.KindVerification, To: "ada@example.com", Username: `"><img src=x>`, Code: "abc"},
	} {
		if err := r.Validate(); err != nil {
			t.Errorf("Validate(%+v) = %v, want nil", r, err)
		}
	}
}

func TestSendRendersTheLinkIntoBothParts(t *testing.T) {
	t.Parallel()
	cases := []struct {
		kind      email.Kind
		link      string
		subject   string
		validity  string
		publicURL string
	}{
		{email.KindVerification, "https://chat.example.com/verify/Zm9vYmFy-_09", "Confirm your email address for Parley", "valid for 24 hours", "https://chat.example.com"},
		{email.KindPasswordReset, "https://chat.example.com/reset-password/Zm9vYmFy-_09", "Reset your Parley password", "valid for 1 hour", "https://chat.example.com/"},
	}
	for _, c := range cases {
		t.Run(string(c.kind), func(t *testing.T) {
			t.Parallel()
			m := &fakeMailer{}
			svc := email.NewService(m, c.publicURL, discard())
			r := valid()
			r.Kind = c.kind
			if err := svc.Send(context.Background(), r); err != nil {
				t.Fatalf("Send: %v", err)
			}
			sent := m.sent()
			if len(sent) != 1 {
				t.Fatalf("mailer got %d mails, want 1", len(sent))
			}
			got := sent[0]
			if got.To != r.To || got.Subject != c.subject {
				t.Errorf("To, Subject = %q, %q; want %q, %q", got.To, got.Subject, r.To, c.subject)
			}
			for part, body := range map[string]string{"text": got.Text, "html": got.HTML} {
				if strings.Count(body, c.link) < 1 {
					t.Errorf("%s part lacks the link %s:\n%s", part, c.link, body)
				}
				if !strings.Contains(body, c.validity) {
					t.Errorf("%s part does not say the link is %s", part, c.validity)
				}
				if !strings.Contains(body, "Hi ada,") {
					t.Errorf("%s part does not greet the user", part)
				}
			}
			if !strings.Contains(got.HTML, `<a href="`+c.link+`"`) {
				t.Errorf("html part has no button linking to %s", c.link)
			}
			if strings.Contains(got.Text, "<") {
				t.Errorf("text part contains markup:\n%s", got.Text)
			}
		})
	}
}

func TestHTMLEscapesTheUsername(t *testing.T) {
	t.Parallel()
	cases := []struct{ username, raw, escaped string }{
		{"<script>alert(1)</script>", "<script>", "&lt;script&gt;alert(1)&lt;/script&gt;"},
		{`"><img src=x>`, "<img", "&#34;&gt;&lt;img src=x&gt;"},
		{"Tom & Jerry", "Tom & Jerry", "Tom &amp; Jerry"},
		{"<a href=//evil>x</a>", "<a href=//evil>", "&lt;a href=//evil&gt;x&lt;/a&gt;"},
	}
	for _, c := range cases {
		t.Run(c.username, func(t *testing.T) {
			t.Parallel()
			svc := email.NewService(&fakeMailer{}, "http://localhost:8080", discard())
			r := valid()
			r.Username = c.username
			m, err := svc.Render(r)
			if err != nil {
				t.Fatalf("Render: %v", err)
			}
			if strings.Contains(m.HTML, c.raw) {
				t.Errorf("html contains the raw %q", c.raw)
			}
			if !strings.Contains(m.HTML, "Hi "+c.escaped+",") {
				t.Errorf("html lacks the escaped greeting %q", "Hi "+c.escaped+",")
			}
			// The text part is text/plain: the name as typed.
			if !strings.Contains(m.Text, "Hi "+c.username+",") {
				t.Errorf("text lacks the greeting with %q", c.username)
			}
		})
	}
}

func TestMailerFailuresAreRetryableUnlessPermanent(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		err  error
		want errs.Kind
	}{
		{"unclassified failure", errors.New("connection refused"), errs.Unavailable},
		{"unavailable", errs.E(errs.Unavailable, "mail server down"), errs.Unavailable},
		{"recipient refused for good", errs.E(errs.Invalid, "recipient refused"), errs.Invalid},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			svc := email.NewService(&fakeMailer{err: c.err}, "http://localhost:8080", discard())
			err := svc.Send(context.Background(), valid())
			if got := errs.KindOf(err); got != c.want {
				t.Fatalf("Send error %v has kind %s, want %s", err, got, c.want)
			}
		})
	}
}

func TestLogMailerPrintsTheWholeMailWithAClickableLink(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, nil))
	svc := email.NewService(email.NewLogMailer(log), "http://localhost:8080", discard())
	r := valid()
	r.Kind = email.KindPasswordReset
	if err := svc.Send(context.Background(), r); err != nil {
		t.Fatalf("Send: %v", err)
	}
	out := buf.String()
	for _, want := range []string{
		"level=INFO",
		"to=ada@example.com",
		`subject="Reset your Parley password"`,
		// Unquoted, so that a terminal recognises the whole URL.
		" link=http://localhost:8080/reset-password/Zm9vYmFy-_09 ",
		"text=",
		"Hi ada,",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
	if strings.Count(out, "\n") != 1 {
		t.Errorf("want one log record, got:\n%s", out)
	}
	if err := email.NewLogMailer(log).Ping(context.Background()); err != nil {
		t.Errorf("Ping: %v", err)
	}
}

func TestRequestJSONIsStable(t *testing.T) {
	t.Parallel()
	// The user role stores requests in its outbox as JSON: the names are
	// a contract between versions.
	b, err := json.Marshal(valid())
	if err != nil {
		t.Fatal(err)
	}
	want := `{"kind":"verification","to":"ada@example.com","username":"ada","code":"Zm9vYmFy-_09"}`
	if string(b) != want {
		t.Fatalf("JSON = %s, want %s", b, want)
	}
}
