package node

import (
	"context"
	"fmt"
	"net/http"

	"connectrpc.com/connect"

	"github.com/parleychat/parley/internal/auth"
	"github.com/parleychat/parley/internal/token"
	"github.com/parleychat/parley/internal/token/redisstore"
)

// startToken serves the token role's RPC.
func startToken(n *Node) error {
	svc, err := n.localToken(n.bgCtx)
	if err != nil {
		return err
	}
	n.mountRPC("token", func(opts ...connect.HandlerOption) (string, http.Handler) { return token.NewHandler(svc, opts...) })
	return nil
}

// localToken builds the in-process token service once, on the store named
// by token_store_url.
func (n *Node) localToken(ctx context.Context) (*token.Service, error) {
	n.mu.Lock()
	if n.tokenSvc != nil {
		defer n.mu.Unlock()
		return n.tokenSvc, nil
	}
	n.mu.Unlock()

	u, err := parseURL("token_store_url", n.cfg.TokenStoreURL)
	if err != nil {
		return nil, err
	}
	var store token.Store
	switch u.Scheme {
	case "sqlite", "mysql":
		db, err := n.SQL(ctx, "token_store_url")
		if err != nil {
			return nil, err
		}
		if err := token.Migrate(ctx, db); err != nil {
			return nil, fmt.Errorf("token_store_url: %w", err)
		}
		store = token.NewSQLStore(db)
	case "redis":
		rs, err := redisstore.Open(ctx, n.cfg.TokenStoreURL)
		if err != nil {
			return nil, fmt.Errorf("token_store_url: %w", err)
		}
		n.onClose(rs.Close)
		store = rs
	default:
		return nil, unknownScheme("token_store_url", u.Scheme, "sqlite", "mysql", "redis")
	}
	svc, err := token.NewService(store, n.log.With("role", "token"), token.Options{})
	if err != nil {
		return nil, err
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.tokenSvc == nil {
		n.tokenSvc = svc
		n.health.Add("token_store", svc.Ping)
	}
	return n.tokenSvc, nil
}

// Tokens returns how this process reaches the token role: in-process when
// the role runs here, else over RPC at token_url.
func (n *Node) Tokens(ctx context.Context) (token.Tokens, error) {
	if n.cfg.TokenURL != "" {
		opts, err := n.rpcClientOptions("token_url")
		if err != nil {
			return nil, err
		}
		return token.NewClient(rpcHTTPClient, n.cfg.TokenURL, opts...), nil
	}
	if !n.runs("token") {
		return nil, fmt.Errorf("the token role is not in this process: set token_url (PARLEY_TOKEN_URL)")
	}
	return n.localToken(ctx)
}

// Verifier returns the access-token verifier every role uses; it fetches
// the token role's public keys and caches them.
func (n *Node) Verifier(ctx context.Context) (*auth.Verifier, error) {
	n.mu.Lock()
	v := n.verifier
	n.mu.Unlock()
	if v != nil {
		return v, nil
	}
	tokens, err := n.Tokens(ctx)
	if err != nil {
		return nil, err
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.verifier == nil {
		n.verifier = auth.NewVerifier(tokens.PublicKeys)
	}
	return n.verifier, nil
}
