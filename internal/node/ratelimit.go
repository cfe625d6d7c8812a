package node

import (
	"context"
	"fmt"

	"github.com/parleychat/parley/internal/ratelimit"
	"github.com/parleychat/parley/internal/ratelimit/redislimit"
)

// RateLimiter returns the node's abuse-limit counters (ratelimit_url),
// opening them on first use.
func (n *Node) RateLimiter(ctx context.Context) (ratelimit.Limiter, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.limiter != nil {
		return n.limiter, nil
	}
	u, err := parseURL("ratelimit_url", n.cfg.RateLimitURL)
	if err != nil {
		return nil, err
	}
	switch u.Scheme {
	case "mem":
		n.limiter = ratelimit.NewMemory()
	case "redis":
		l, err := redislimit.Open(ctx, n.cfg.RateLimitURL)
		if err != nil {
			return nil, fmt.Errorf("ratelimit_url: %w", err)
		}
		n.closers = append(n.closers, l.Close)
		n.limiter = l
	default:
		return nil, unknownScheme("ratelimit_url", u.Scheme, "mem", "redis")
	}
	n.health.Add("ratelimit", n.limiter.Ping)
	return n.limiter, nil
}
