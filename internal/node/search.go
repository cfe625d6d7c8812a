package node

import (
	"fmt"

	"github.com/parleychat/parley/internal/event"
	"github.com/parleychat/parley/internal/search"
	"github.com/parleychat/parley/internal/search/esindex"
	"github.com/parleychat/parley/internal/user"
)

// startSearch mounts the search role: the user index (search_url), its
// consumer of `users` events and GET /api/v1/search/users.
func startSearch(n *Node) error {
	ctx := n.bgCtx
	log := n.log.With("role", "search")
	u, err := parseURL("search_url", n.cfg.SearchURL)
	if err != nil {
		return err
	}
	// The index opens before the bus, so it closes after it: handlers in
	// flight at shutdown still find it open.
	var idx search.Index
	switch u.Scheme {
	case "bleve":
		idx, err = search.OpenBleveURL(n.cfg.SearchURL)
	case "elasticsearch":
		idx, err = esindex.Open(ctx, n.cfg.SearchURL)
	default:
		return unknownScheme("search_url", u.Scheme, "bleve", "elasticsearch")
	}
	if err != nil {
		return fmt.Errorf("search_url: %w", err)
	}
	n.onClose(idx.Close)
	n.health.Add("search_index", idx.Ping)

	bus, err := n.Bus(ctx)
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
	svc, err := search.NewService(search.Config{Index: idx, Logger: log})
	if err != nil {
		return err
	}
	if err := bus.Subscribe(ctx, event.Subscription{Topic: user.Topic, Group: search.ConsumerGroup, Handler: svc.HandleUserEvent}); err != nil {
		return fmt.Errorf("subscribe to %s: %w", user.Topic, err)
	}
	h, err := search.NewHandler(search.HandlerConfig{Service: svc, Require: verifier.Require, Limiter: limiter, Logger: log})
	if err != nil {
		return err
	}
	h.Register(n.mux)
	return nil
}
