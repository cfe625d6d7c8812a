package user

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/netip"
	"time"

	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/ratelimit"
)

// Limiter is the part of ratelimit.Limiter the service uses.
type Limiter interface {
	Allow(ctx context.Context, key string, r ratelimit.Rate) (ratelimit.Decision, error)
}

var _ Limiter = (ratelimit.Limiter)(nil)

// limit is one abuse limit: a key prefix and its rate. Every limit of the
// role is in the table below, and nowhere else.
type limit struct {
	prefix string
	rate   ratelimit.Rate
}

// The abuse limits (INVENTORY.md §13.1 item 8). Login attempts are counted
// before the password is checked, so a refused attempt never learns
// whether its password was right; a successful login does not reset any
// count. Limits keyed by email apply whether or not the address has an
// account, so a 429 reveals nothing about accounts either.
//
// Logins are limited per client address and per (account, client
// address), never per account alone: a limit on the account alone let
// anyone lock its owner out with ten wrong passwords (issue 12 defect 6).
// An attacker is slowed to one guess every 90 s per account from each
// address (and 30 guesses per 15 minutes over all accounts), while the
// owner, from any other address, is not affected (OWASP ASVS 2.2.1).
var (
	limitLoginEmailAddr = limit{"user:login:emailaddr:", ratelimit.Rate{N: 10, Per: 15 * time.Minute}}
	limitLoginAddr      = limit{"user:login:addr:", ratelimit.Rate{N: 30, Per: 15 * time.Minute}}
	limitRegisterAddr   = limit{"user:register:addr:", ratelimit.Rate{N: 10, Per: time.Hour}}
	limitResendEmail    = limit{"user:resend:email:", ratelimit.Rate{N: 3, Per: time.Hour}}
	limitResendAddr     = limit{"user:resend:addr:", ratelimit.Rate{N: 20, Per: time.Hour}}
	limitForgotEmail    = limit{"user:forgot:email:", ratelimit.Rate{N: 3, Per: time.Hour}}
	limitForgotAddr     = limit{"user:forgot:addr:", ratelimit.Rate{N: 20, Per: time.Hour}}
	limitPasswordCheck  = limit{"user:password:user:", ratelimit.Rate{N: 10, Per: 15 * time.Minute}}
	// Profile edits (the display name) are events that the group and
	// search roles re-project: a user may make a few in a row, not a
	// stream.
	limitProfileUser = limit{"user:profile:user:", ratelimit.Rate{N: 20, Per: 15 * time.Minute}}
)

// RateLimitedError is a refusal by an abuse limit. It classifies as
// errs.RateLimited; RetryAfter says when the caller may try again.
type RateLimitedError struct {
	After time.Duration
	err   *errs.Error
}

func (e *RateLimitedError) Error() string             { return e.err.Error() }
func (e *RateLimitedError) Unwrap() error             { return e.err }
func (e *RateLimitedError) RetryAfter() time.Duration { return e.After }

// emailKey keeps addresses out of the limiter's storage: limits are keyed
// by a digest of the normalised address.
func emailKey(email string) string {
	sum := sha256.Sum256([]byte(email))
	return hex.EncodeToString(sum[:16])
}

// addrKey is the client address a limit counts against. IPv6 clients
// usually own a whole /64, so they are counted per /64.
func addrKey(a netip.Addr) string {
	if !a.IsValid() {
		return "unknown"
	}
	a = a.Unmap()
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.String()
	}
	return a.String()
}

// allow counts one attempt against every (limit, key) pair in order and
// refuses at the first that is exhausted; later limits are not counted
// then. A limiter that cannot be reached refuses too (503): an outage of
// the limiter must not switch off brute-force protection.
func (s *Service) allow(ctx context.Context, what string, checks ...limitCheck) error {
	for _, c := range checks {
		d, err := s.limiter.Allow(ctx, c.l.prefix+c.key, c.l.rate)
		if err != nil {
			return errs.Wrap(errs.Unavailable, fmt.Errorf("rate limit %s: %w", c.l.prefix, err), "the service is busy; try again shortly")
		}
		if !d.Allowed {
			return &RateLimitedError{After: d.RetryAfter, err: errs.E(errs.RateLimited, "too many %s attempts; try again later", what)}
		}
	}
	return nil
}

type limitCheck struct {
	l   limit
	key string
}
