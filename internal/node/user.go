package node

import (
	"net/http"
	"net/netip"

	"github.com/parleychat/parley/internal/httpapi"
	"github.com/parleychat/parley/internal/outbox"
	"github.com/parleychat/parley/internal/user"
)

// startUser mounts the user role: its REST routes, and two outbox relays
// over its database — one publishing `users` events to the bus, one
// handing mail requests to the email role.
func startUser(n *Node) error {
	ctx := n.bgCtx
	log := n.log.With("role", "user")
	db, err := n.SQL(ctx, "user.database_url")
	if err != nil {
		return err
	}
	if err := user.Migrate(ctx, db); err != nil {
		return err
	}
	store, err := n.Blob(ctx)
	if err != nil {
		return err
	}
	tokens, err := n.Tokens(ctx)
	if err != nil {
		return err
	}
	limiter, err := n.RateLimiter(ctx)
	if err != nil {
		return err
	}
	verifier, err := n.Verifier(ctx)
	if err != nil {
		return err
	}
	mailer, err := n.Email()
	if err != nil {
		return err
	}
	bus, err := n.Bus(ctx)
	if err != nil {
		return err
	}
	trusted, err := n.cfg.TrustedProxyPrefixes()
	if err != nil {
		return err
	}

	events := outbox.NewRelay(db, bus, outbox.Options{Name: "user", ExceptTopics: []string{MailTopic}, Logger: log})
	mail := outbox.NewRelay(db, mailPublisher{email: mailer, log: log}, outbox.Options{
		Name: "user-mail", Topics: []string{MailTopic}, BatchSize: 1, Logger: log,
	})
	n.Go("user outbox", events.Run)
	n.Go("user mail outbox", mail.Run)

	svc, err := user.NewService(user.Config{
		DB: db, Blob: store, Tokens: tokens, Limiter: limiter, Logger: log,
		Notify: func() { events.Notify(); mail.Notify() },
	})
	if err != nil {
		return err
	}
	h, err := user.NewHandler(user.HandlerConfig{
		Service:    svc,
		Require:    verifier.Require,
		ClientAddr: func(r *http.Request) netip.Addr { return httpapi.ClientIP(r, trusted) },
		PublicURL:  n.cfg.PublicURL,
		Logger:     log,
	})
	if err != nil {
		return err
	}
	h.Register(n.mux)
	return nil
}
