package node

import (
	"fmt"
	"net/http"
	"time"

	"connectrpc.com/connect"

	"github.com/parleychat/parley/internal/config"
	"github.com/parleychat/parley/internal/rpcauth"
)

// rpcHTTPClient is shared by every internal RPC client of the process.
var rpcHTTPClient = &http.Client{Timeout: 30 * time.Second}

// mountRPC mounts one role's internal RPC handler, built by newHandler with
// rpcauth.HandlerOptions, behind rpcauth.Guard: the secret is checked
// before any body is read and every message is bounded, compressed or not.
// It is the only way roles' RPC reaches the mux (the lead's SFU endpoint
// included), so no internal endpoint can skip the guard.
//
// Without internal_secret nothing is mounted: in embedded mode every
// caller is in-process, and the public port then serves no internal RPC
// at all. A process that runs only some roles without a secret cannot be
// reached by the others; that is logged once per role.
func (n *Node) mountRPC(role string, newHandler func(opts ...connect.HandlerOption) (string, http.Handler)) {
	secret := []byte(n.cfg.InternalSecret)
	if len(secret) == 0 {
		if !n.runsEveryRole() {
			n.log.Warn("internal RPC not served: set internal_secret so that roles in other processes can reach this one", "role", role)
		}
		return
	}
	path, h := newHandler(rpcauth.HandlerOptions(secret)...)
	n.mux.Handle(path, rpcauth.Guard(secret, h))
}

// rpcClientOptions are the options of a client of another role's RPC at
// key (e.g. "token_url"): they add the internal secret, which must be
// configured.
func (n *Node) rpcClientOptions(key string) ([]connect.ClientOption, error) {
	if n.cfg.InternalSecret == "" {
		return nil, fmt.Errorf("%s is set but internal_secret (PARLEY_INTERNAL_SECRET) is not: roles in other processes authenticate with it", key)
	}
	return []connect.ClientOption{
		connect.WithInterceptors(rpcauth.ClientInterceptor([]byte(n.cfg.InternalSecret))),
		connect.WithReadMaxBytes(rpcauth.MaxMessageBytes),
	}, nil
}

// runs reports whether this node runs the role.
func (n *Node) runs(name string) bool {
	for _, r := range n.roles {
		if r.name == name {
			return true
		}
	}
	return false
}

// runsEveryRole reports whether this node runs every role ("all"), so
// that no other process can need its internal RPC.
func (n *Node) runsEveryRole() bool {
	names, err := config.ParseRoles(n.cfg.Roles)
	return err == nil && len(names) > 0 && names[0] == "all"
}
