package smtpmail

import (
	"bytes"
	"mime"
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley/internal/email"
)

func TestComposeWritesAValidASCIIMessage(t *testing.T) {
	t.Parallel()
	from := mail.Address{Name: "Équipe Parley", Address: "team@example.org"}
	to := mail.Address{Address: "zoe@example.com"}
	m := email.Mail{
		To:      to.Address,
		Subject: "Bienvenue à Parley ✓",
		Text:    "Bonjour Zoë,\n" + strings.Repeat("long line ", 40) + "\n.\nA line that is a lone dot above.\n",
		HTML:    "<p>Bonjour Zoë</p>",
	}
	now := time.Date(2026, 11, 27, 9, 30, 0, 0, time.UTC)
	raw, err := compose(from, to, m, now)
	if err != nil {
		t.Fatal(err)
	}
	head, _, _ := bytes.Cut(raw, []byte("\r\n\r\n"))
	for i, c := range head {
		if c > 127 {
			t.Fatalf("header byte %d is not ASCII:\n%s", i, head)
		}
	}
	for i, line := range strings.Split(string(raw), "\r\n") {
		if strings.Contains(line, "\n") {
			t.Fatalf("line %d ends with a bare LF", i+1)
		}
		if len(line) > 78 {
			t.Fatalf("line %d is %d bytes long, over 78:\n%s", i+1, len(line), line)
		}
	}
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	dec := new(mime.WordDecoder)
	if s, _ := dec.DecodeHeader(msg.Header.Get("Subject")); s != m.Subject {
		t.Errorf("Subject decodes to %q, want %q", s, m.Subject)
	}
	if f, err := msg.Header.AddressList("From"); err != nil || f[0].Name != from.Name {
		t.Errorf("From = %v (%v)", f, err)
	}
	if d, err := msg.Header.Date(); err != nil || !d.Equal(now) {
		t.Errorf("Date = %v (%v), want %v", d, err, now)
	}
	if msg.Header.Get("Auto-Submitted") != "auto-generated" {
		t.Errorf("Auto-Submitted = %q", msg.Header.Get("Auto-Submitted"))
	}
}

func TestMessageIDsAreUnique(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for range 1000 {
		id := messageID("no-reply@example.com")
		if seen[id] {
			t.Fatalf("duplicate Message-ID %s", id)
		}
		seen[id] = true
	}
}
