package systest

import (
	"bytes"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/mail"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// Mail is one message the sink received, decoded.
type Mail struct {
	From    string
	To      []string
	Subject string
	Text    string
	HTML    string
}

// MailSink is a real SMTP server on loopback that keeps what it receives,
// so scenarios read verification and reset links as a user would.
type MailSink struct {
	Addr string
	mu   sync.Mutex
	mail []Mail
	cond chan struct{}
	// refuse maps recipients to the reply RCPT TO gets for them.
	refuse map[string]*smtp.SMTPError
	// refused counts the refusals given.
	refused int
	// poll, when set, copies the mail to an address from another
	// process's sink (the cluster's parley-devmail) into mail; Wait calls
	// it every 100 ms.
	poll func(addr string)
}

// Refuse makes the sink answer RCPT TO for addr with err from now on, as
// a mail server does for a mailbox it will not deliver to.
func (s *MailSink) Refuse(addr string, err *smtp.SMTPError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.refuse == nil {
		s.refuse = map[string]*smtp.SMTPError{}
	}
	s.refuse[strings.ToLower(addr)] = err
}

// Refused reports how many RCPT TO the sink refused.
func (s *MailSink) Refused() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.refused
}

// StartMailSink runs a sink until the test ends.
func StartMailSink(t testing.TB) *MailSink {
	t.Helper()
	s := &MailSink{cond: make(chan struct{})}
	srv := smtp.NewServer(s)
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	srv.ReadTimeout = 10 * time.Second
	srv.WriteTimeout = 10 * time.Second
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.Addr = ln.Addr().String()
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return s
}

// URL is the mail_url that sends to the sink.
func (s *MailSink) URL() string { return "smtp://" + s.Addr + "?tls=none" }

// NewSession implements smtp.Backend.
func (s *MailSink) NewSession(*smtp.Conn) (smtp.Session, error) { return &sinkSession{sink: s}, nil }

type sinkSession struct {
	sink *MailSink
	from string
	to   []string
}

func (ss *sinkSession) AuthMechanisms() []string                    { return nil }
func (ss *sinkSession) Mail(from string, _ *smtp.MailOptions) error { ss.from = from; return nil }
func (ss *sinkSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.sink.mu.Lock()
	err := ss.sink.refuse[strings.ToLower(to)]
	if err != nil {
		ss.sink.refused++
	}
	ss.sink.mu.Unlock()
	if err != nil {
		return err
	}
	ss.to = append(ss.to, to)
	return nil
}
func (ss *sinkSession) Reset()        { ss.from, ss.to = "", nil }
func (ss *sinkSession) Logout() error { return nil }
func (ss *sinkSession) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	m := Mail{From: ss.from, To: ss.to}
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return err
	}
	dec := new(mime.WordDecoder)
	m.Subject, _ = dec.DecodeHeader(msg.Header.Get("Subject"))
	decodePart(msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"), msg.Body, &m)
	ss.sink.mu.Lock()
	ss.sink.mail = append(ss.sink.mail, m)
	close(ss.sink.cond)
	ss.sink.cond = make(chan struct{})
	ss.sink.mu.Unlock()
	return nil
}

func decodePart(ctype, cte string, body io.Reader, m *Mail) {
	mt, params, _ := mime.ParseMediaType(ctype)
	if strings.HasPrefix(mt, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if err != nil {
				return
			}
			decodePart(p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p, m)
		}
	}
	b, _ := io.ReadAll(decodeTransfer(cte, body))
	switch mt {
	case "text/html":
		m.HTML = string(b)
	default:
		m.Text = string(b)
	}
}

// Wait returns the first mail to addr whose subject contains subject,
// received after skip earlier ones to that address, waiting up to 10 s.
func (s *MailSink) Wait(t testing.TB, addr, subject string) Mail {
	t.Helper()
	deadline := time.After(10 * time.Second)
	var tick <-chan time.Time
	if s.poll != nil {
		tk := time.NewTicker(100 * time.Millisecond)
		defer tk.Stop()
		tick = tk.C
	}
	for {
		if s.poll != nil {
			s.poll(addr)
		}
		s.mu.Lock()
		for _, m := range s.mail {
			if len(m.To) > 0 && strings.EqualFold(m.To[0], addr) && strings.Contains(strings.ToLower(m.Subject), strings.ToLower(subject)) {
				s.mail = removeMail(s.mail, m)
				s.mu.Unlock()
				return m
			}
		}
		wake := s.cond
		s.mu.Unlock()
		select {
		case <-wake:
		case <-tick:
		case <-deadline:
			t.Fatalf("no mail to %s about %q within 10 s", addr, subject)
		}
	}
}

// Count returns how many mails to addr are waiting unread.
func (s *MailSink) Count(addr string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, m := range s.mail {
		if len(m.To) > 0 && strings.EqualFold(m.To[0], addr) {
			n++
		}
	}
	return n
}

func removeMail(all []Mail, m Mail) []Mail {
	for i := range all {
		if all[i].Subject == m.Subject && all[i].Text == m.Text {
			return append(all[:i:i], all[i+1:]...)
		}
	}
	return all
}

// LinkCode returns the code at the end of the first link in the mail's
// plain text that contains path (e.g. "/verify/").
func LinkCode(t testing.TB, m Mail, path string) string {
	t.Helper()
	re := regexp.MustCompile(`https?://[^\s"<>]*` + regexp.QuoteMeta(path) + `([A-Za-z0-9_\-]+)`)
	match := re.FindStringSubmatch(m.Text)
	if match == nil {
		t.Fatalf("no %s link in mail %q:\n%s", path, m.Subject, m.Text)
	}
	return match[1]
}
