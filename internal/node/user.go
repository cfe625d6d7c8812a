package node

import (
	"fmt"
	"net/http"

	"connectrpc.com/connect"

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
	mail := outbox.NewRelay(db, mailPublisher{email: mailer, log: log}, n.mailRelayOptions("user-mail", log))
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
		ClientAddr: httpapi.ClientIPs(trusted, log),
		PublicURL:  n.cfg.PublicURL,
		Logger:     log,
	})
	if err != nil {
		return err
	}
	h.Register(n.mux)
	n.mountRPC("user", func(opts ...connect.HandlerOption) (string, http.Handler) { return user.NewRPCHandler(svc, opts...) })
	n.mu.Lock()
	n.userSvc = svc
	n.mu.Unlock()
	return nil
}

// Users returns how this process reads users from their owner: the user
// role in-process, else over RPC at user_url.
func (n *Node) Users() (user.Directory, error) {
	if n.cfg.UserURL != "" {
		opts, err := n.rpcClientOptions("user_url")
		if err != nil {
			return nil, err
		}
		return user.NewClient(rpcHTTPClient, n.cfg.UserURL, opts...), nil
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.userSvc == nil {
		return nil, fmt.Errorf("the user role is not in this process: set user_url (PARLEY_USER_URL)")
	}
	return n.userSvc, nil
}
