package node

import (
	"context"

	"github.com/parleychat/parley/internal/ws"
)

// startWS mounts the chat WebSocket. It learns memberships from the group
// role and each group's last seq from the message role (in-process or
// over RPC), and broadcast-consumes messages, groups and calls events.
func startWS(n *Node) error {
	ctx := n.bgCtx
	bus, err := n.Bus(ctx)
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
	seqs, err := n.Sequences()
	if err != nil {
		return err
	}
	srv, err := ws.NewServer(ws.Config{
		Bus: bus, Verify: verifier.Verify, Memberships: members, Sequences: seqs,
		PublicURL: n.cfg.PublicURL, Logger: n.log.With("role", "ws"),
	})
	if err != nil {
		return err
	}
	if err := srv.Start(ctx); err != nil {
		return err
	}
	srv.Register(n.mux)
	// Hijacked connections are not drained by http.Server.Shutdown: close
	// them first with 1001 so clients reconnect elsewhere.
	n.onDrain(func(ctx context.Context) error { return srv.Shutdown(ctx) })
	return nil
}
