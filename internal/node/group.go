package node

import (
	"context"
	"fmt"
	"net/http"

	"connectrpc.com/connect"

	"github.com/parleychat/parley/internal/event"
	"github.com/parleychat/parley/internal/group"
	"github.com/parleychat/parley/internal/outbox"
	"github.com/parleychat/parley/internal/user"
)

// startGroup mounts the group role: REST routes, the membership RPC, its
// outbox relay, and its projection of users (consumer group "group"),
// which asks the user role (in-process or at user_url) on a miss.
func startGroup(n *Node) error {
	ctx := n.bgCtx
	log := n.log.With("role", "group")
	db, err := n.SQL(ctx, "group.database_url")
	if err != nil {
		return err
	}
	if err := group.Migrate(ctx, db); err != nil {
		return err
	}
	store, err := n.Blob(ctx)
	if err != nil {
		return err
	}
	bus, err := n.Bus(ctx)
	if err != nil {
		return err
	}
	verifier, err := n.Verifier(ctx)
	if err != nil {
		return err
	}
	users, err := n.Users()
	if err != nil {
		return err
	}
	limiter, err := n.RateLimiter(ctx)
	if err != nil {
		return err
	}
	relay := outbox.NewRelay(db, bus, outbox.Options{Name: "group", Logger: log})
	n.Go("group outbox", relay.Run)
	svc, err := group.NewService(group.Config{DB: db, Blob: store, Notify: relay.Notify, Logger: log, Users: users, Limiter: limiter})
	if err != nil {
		return err
	}
	if err := bus.Subscribe(ctx, event.Subscription{Topic: user.Topic, Group: "group", Handler: svc.HandleUserEvent}); err != nil {
		return fmt.Errorf("subscribe to %s: %w", user.Topic, err)
	}
	h, err := group.NewHandler(group.HandlerConfig{Service: svc, Require: verifier.Require, Logger: log, PublicURL: n.cfg.PublicURL})
	if err != nil {
		return err
	}
	h.Register(n.mux)
	n.mountRPC("group", func(opts ...connect.HandlerOption) (string, http.Handler) { return group.NewRPCHandler(svc, opts...) })
	n.mu.Lock()
	n.groupSvc = svc
	n.mu.Unlock()
	return nil
}

// Memberships returns how this process learns group memberships: from
// the group role in-process, else over RPC at group_url.
func (n *Node) Memberships(ctx context.Context) (group.Memberships, error) {
	if n.cfg.GroupURL != "" {
		opts, err := n.rpcClientOptions("group_url")
		if err != nil {
			return nil, err
		}
		return group.NewClient(rpcHTTPClient, n.cfg.GroupURL, opts...), nil
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.groupSvc == nil {
		return nil, fmt.Errorf("the group role is not in this process: set group_url (PARLEY_GROUP_URL)")
	}
	return n.groupSvc, nil
}
