package node

import (
	"fmt"
	"net/http"

	"connectrpc.com/connect"

	"github.com/parleychat/parley/internal/email"
	"github.com/parleychat/parley/internal/email/smtpmail"
)

// startEmail serves the email role's RPC.
func startEmail(n *Node) error {
	svc, err := n.localEmail()
	if err != nil {
		return err
	}
	n.mountRPC("email", func(opts ...connect.HandlerOption) (string, http.Handler) { return email.NewHandler(svc, opts...) })
	return nil
}

// localEmail builds the in-process email service once, with the mailer
// named by mail_url.
func (n *Node) localEmail() (*email.Service, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.emailSvc != nil {
		return n.emailSvc, nil
	}
	u, err := parseURL("mail_url", n.cfg.MailURL)
	if err != nil {
		return nil, err
	}
	var mailer email.Mailer
	switch u.Scheme {
	case "log":
		mailer = email.NewLogMailer(n.log.With("role", "email"))
	case "smtp":
		m, err := smtpmail.Open(n.cfg.MailURL, n.cfg.MailFrom, n.log.With("adapter", "smtpmail"))
		if err != nil {
			return nil, fmt.Errorf("mail_url: %w", err)
		}
		mailer = m
	default:
		return nil, unknownScheme("mail_url", u.Scheme, "log", "smtp")
	}
	n.emailSvc = email.NewService(mailer, n.cfg.PublicURL, n.log.With("role", "email"))
	n.health.Add("mail", mailer.Ping)
	return n.emailSvc, nil
}

// Email returns how this process reaches the email role: in-process when
// the role runs here, else over RPC at email_url.
func (n *Node) Email() (email.Sender, error) {
	if n.cfg.EmailURL != "" {
		opts, err := n.rpcClientOptions("email_url")
		if err != nil {
			return nil, err
		}
		return email.NewClient(rpcHTTPClient, n.cfg.EmailURL, opts...), nil
	}
	if !n.runs("email") {
		return nil, fmt.Errorf("the email role is not in this process: set email_url (PARLEY_EMAIL_URL)")
	}
	return n.localEmail()
}
