package node

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"connectrpc.com/connect"

	"github.com/parleychat/parley/internal/event"
	"github.com/parleychat/parley/internal/group"
	"github.com/parleychat/parley/internal/message"
	"github.com/parleychat/parley/internal/outbox"
)

// startMessage mounts the message role: REST routes, the sequencer
// (consumer group "message" on messages.submitted), its projection of
// groups (which asks the group role, in-process or at group_url, on a
// miss), its outbox relay, the LastSeqs RPC and an hourly sweep of
// uploads that no message took.
func startMessage(n *Node) error {
	ctx := n.bgCtx
	log := n.log.With("role", "message")
	db, err := n.SQL(ctx, "message.database_url")
	if err != nil {
		return err
	}
	if err := message.Migrate(ctx, db); err != nil {
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
	limiter, err := n.RateLimiter(ctx)
	if err != nil {
		return err
	}
	members, err := n.Memberships(ctx)
	if err != nil {
		return err
	}
	relay := outbox.NewRelay(db, bus, outbox.Options{Name: "message", Logger: log, BatchSize: message.RelayBatchSize})
	n.Go("message outbox", relay.Run)
	svc, err := message.NewService(message.Config{DB: db, Blob: store, Notify: relay.Notify, Logger: log, MaxUploadBytes: n.cfg.MaxUploadBytes, Members: members,
		UserUploadQuota: n.cfg.UserUploadQuota, GroupUploadQuota: n.cfg.GroupUploadQuota, EditWindow: n.cfg.MessageEditWindow})
	if err != nil {
		return err
	}
	for _, sub := range []event.Subscription{
		{Topic: message.TopicSubmitted, Group: message.ConsumerGroup, Handler: svc.HandleSubmitted, Batch: svc.HandleSubmittedBatch},
		{Topic: group.Topic, Group: message.ConsumerGroup, Handler: svc.HandleGroupEvent},
	} {
		if err := bus.Subscribe(ctx, sub); err != nil {
			return fmt.Errorf("subscribe to %s: %w", sub.Topic, err)
		}
	}
	h, err := message.NewHandler(message.HandlerConfig{Service: svc, Require: verifier.Require, Logger: log, Limiter: limiter})
	if err != nil {
		return err
	}
	h.Register(n.mux)
	n.mountRPC("message", func(opts ...connect.HandlerOption) (string, http.Handler) { return message.NewRPCHandler(svc, opts...) })
	n.Go("message upload sweep", func(ctx context.Context) error {
		t := time.NewTicker(time.Hour)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return nil
			case <-t.C:
				if _, err := svc.SweepUploads(ctx, time.Now().Add(-24*time.Hour)); err != nil {
					log.Warn("sweep unused uploads", "err", err)
				}
			}
		}
	})
	n.mu.Lock()
	n.messageSvc = svc
	n.mu.Unlock()
	return nil
}

// Sequences returns how this process learns each group's last seq and a
// user's read state, and moves read cursors: from
// the message role in-process, else over RPC at message_url.
func (n *Node) Sequences() (message.Sequences, error) {
	if n.cfg.MessageURL != "" {
		opts, err := n.rpcClientOptions("message_url")
		if err != nil {
			return nil, err
		}
		return message.NewClient(rpcHTTPClient, n.cfg.MessageURL, opts...), nil
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.messageSvc == nil {
		return nil, fmt.Errorf("the message role is not in this process: set message_url (PARLEY_MESSAGE_URL)")
	}
	return n.messageSvc, nil
}
