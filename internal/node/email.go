package node

import (
	"fmt"
	"net/http"
	"time"

	"connectrpc.com/connect"

	"github.com/parleychat/parley/internal/email"
	"github.com/parleychat/parley/internal/email/smtpmail"
	"github.com/parleychat/parley/internal/rpcauth"
)

// startEmail serves the email role's RPC.
func startEmail(n *Node) error {
	svc, err := n.localEmail()
	if err != nil {
		return err
	}
	secret, err := n.internalSecret()
	if err != nil {
		return err
	}
	path, h := email.NewHandler(svc, connect.WithInterceptors(rpcauth.ServerInterceptor(secret)))
	n.mux.Handle(path, h)
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
		secret, err := n.internalSecret()
		if err != nil {
			return nil, err
		}
		return email.NewClient(rpcHTTPClient, n.cfg.EmailURL, connect.WithInterceptors(rpcauth.ClientInterceptor(secret))), nil
	}
	if !n.runs("email") {
		return nil, fmt.Errorf("the email role is not in this process: set email_url (PARLEY_EMAIL_URL)")
	}
	return n.localEmail()
}

// rpcHTTPClient is shared by every internal RPC client of the process.
var rpcHTTPClient = &http.Client{Timeout: 30 * time.Second}

// runs reports whether this node runs the role.
func (n *Node) runs(name string) bool {
	for _, r := range n.roles {
		if r.name == name {
			return true
		}
	}
	return false
}

// internalSecret is internal_secret, or in its absence a random key kept
// in the data dir (embedded mode: roles call each other in-process and the
// RPC endpoints stay closed to everyone else).
func (n *Node) internalSecret() ([]byte, error) {
	if n.cfg.InternalSecret != "" {
		return []byte(n.cfg.InternalSecret), nil
	}
	return n.secret("internal.key")
}
