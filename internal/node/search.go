package node

import (
	"fmt"
	"path/filepath"

	"github.com/parleychat/parley/internal/event"
	"github.com/parleychat/parley/internal/group/groupevent"
	"github.com/parleychat/parley/internal/message"
	"github.com/parleychat/parley/internal/search"
	"github.com/parleychat/parley/internal/search/esindex"
	"github.com/parleychat/parley/internal/user"
)

// startSearch mounts the search role: the user and message indexes
// (search_url), its consumers of `users`, `messages` and `groups` events,
// GET /api/v1/search/users and GET /api/v1/search/messages (memberships
// asked of the group role, in-process or at group_url, at every search).
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
	var msgs search.MessageIndex
	switch u.Scheme {
	case "bleve":
		var b *search.Bleve
		if b, err = search.OpenBleveURL(n.cfg.SearchURL); err == nil {
			idx = b
			var m *search.BleveMessages
			if m, err = search.OpenBleveMessages(search.MessagesDir(filepath.FromSlash(u.Host + u.Path))); err == nil {
				msgs = m
			} else {
				b.Close()
			}
		}
	case "elasticsearch":
		var x *esindex.Index
		if x, err = esindex.Open(ctx, n.cfg.SearchURL); err == nil {
			idx = x
			var m *esindex.Messages
			if m, err = esindex.OpenMessages(ctx, n.cfg.SearchURL); err == nil {
				msgs = m
			} else {
				x.Close()
			}
		}
	default:
		return unknownScheme("search_url", u.Scheme, "bleve", "elasticsearch")
	}
	if err != nil {
		return fmt.Errorf("search_url: %w", err)
	}
	n.onClose(idx.Close)
	n.onClose(msgs.Close)
	n.health.Add("search_index", idx.Ping)
	n.health.Add("search_message_index", msgs.Ping)

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
	members, err := n.Memberships(ctx)
	if err != nil {
		return err
	}
	svc, err := search.NewService(search.Config{Index: idx, Messages: msgs, Members: members, Logger: log, BatchWait: search.DefaultBatchWait})
	if err != nil {
		return err
	}
	for _, sub := range []event.Subscription{
		{Topic: user.Topic, Group: search.ConsumerGroup, Handler: svc.HandleUserEvent},
		{Topic: message.Topic, Group: search.ConsumerGroup, Handler: svc.HandleMessageEvent, Batch: svc.HandleMessageEvents},
		{Topic: groupevent.Topic, Group: search.ConsumerGroup, Handler: svc.HandleGroupEvent},
	} {
		if err := bus.Subscribe(ctx, sub); err != nil {
			return fmt.Errorf("subscribe to %s: %w", sub.Topic, err)
		}
	}
	h, err := search.NewHandler(search.HandlerConfig{Service: svc, Require: verifier.Require, Limiter: limiter, Logger: log})
	if err != nil {
		return err
	}
	h.Register(n.mux)
	return nil
}
