package main

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

const maxMessageBytes = 10 << 20

func newSMTPServer(st *store, logger *slog.Logger) *smtp.Server {
	s := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) {
		return &session{st: st, log: logger}, nil
	}))
	s.Domain = "parley-devmail"
	s.AllowInsecureAuth = true
	s.MaxMessageBytes = maxMessageBytes
	s.MaxRecipients = 100
	s.ReadTimeout = time.Minute
	s.WriteTimeout = time.Minute
	s.ErrorLog = log.New(io.Discard, "", 0)
	return s
}

// session accepts everything: any credentials, sender and recipient.
type session struct {
	st   *store
	log  *slog.Logger
	from string
	to   []string
}

func (s *session) AuthMechanisms() []string { return []string{sasl.Plain} }

func (s *session) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, _, _ string) error { return nil }), nil
}

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	s.from = from
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.to = append(s.to, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	m := decode(raw, s.from)
	m.To = append([]string(nil), s.to...)
	s.st.add(m)
	s.log.Info("mail received", "id", m.ID, "from", m.From, "to", strings.Join(m.To, ","), "subject", m.Subject)
	return nil
}

func (s *session) Reset()        { s.from, s.to = "", nil }
func (s *session) Logout() error { return nil }

// decode turns a received message into what the API shows. It never fails:
// what cannot be decoded stays empty, and the raw message is kept.
func decode(raw []byte, envelopeFrom string) *message {
	m := &message{raw: raw, From: envelopeFrom, Date: time.Now().UTC()}
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		m.Text = string(raw)
		return m
	}
	dec := new(mime.WordDecoder)
	if s, err := dec.DecodeHeader(msg.Header.Get("Subject")); err == nil {
		m.Subject = s
	} else {
		m.Subject = msg.Header.Get("Subject")
	}
	if from, err := msg.Header.AddressList("From"); err == nil && len(from) > 0 {
		m.From = formatAddress(from[0])
	}
	if tos, err := msg.Header.AddressList("To"); err == nil {
		for _, a := range tos {
			m.headerTos = append(m.headerTos, a.Address)
		}
	}
	if d, err := msg.Header.Date(); err == nil {
		m.Date = d.UTC()
	}
	_ = m.walk(msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"), msg.Body, 0)
	return m
}

// walk collects the first text/plain and text/html parts.
func (m *message) walk(contentType, encoding string, body io.Reader, depth int) error {
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		mt = "text/plain"
	}
	if strings.HasPrefix(mt, "multipart/") {
		if depth > 5 {
			return errors.New("multipart nested too deeply")
		}
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextPart()
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return err
			}
			// NextPart undoes quoted-printable itself and drops the header.
			if err := m.walk(p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p, depth+1); err != nil {
				return err
			}
		}
	}
	if mt != "text/plain" && mt != "text/html" {
		return nil
	}
	switch strings.ToLower(strings.TrimSpace(encoding)) {
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, body)
	case "quoted-printable":
		body = quotedprintable.NewReader(body)
	}
	b, err := io.ReadAll(io.LimitReader(body, maxMessageBytes))
	if err != nil {
		return fmt.Errorf("%s part: %w", mt, err)
	}
	s := strings.ReplaceAll(string(b), "\r\n", "\n")
	if mt == "text/plain" && m.Text == "" {
		m.Text = s
	} else if mt == "text/html" && m.HTML == "" {
		m.HTML = s
	}
	return nil
}

// formatAddress writes an address for people: Name <addr>, undecorated.
func formatAddress(a *mail.Address) string {
	if a.Name == "" {
		return a.Address
	}
	return a.Name + " <" + a.Address + ">"
}
