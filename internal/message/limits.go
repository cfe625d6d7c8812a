package message

import (
	"context"
	"math"
	"net/http"
	"time"

	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/httpapi"
	"github.com/parleychat/parley/internal/ratelimit"
)

// Limiter is the part of ratelimit.Limiter the handler uses.
type Limiter interface {
	Allow(ctx context.Context, key string, r ratelimit.Rate) (ratelimit.Decision, error)
}

var _ Limiter = (ratelimit.Limiter)(nil)

// Per-user abuse limits of the REST routes (the WebSocket has its own
// per-connection limit in the ws role). Reads are limited too: each one
// that misses the member projection asks the group role, so a flood of
// reads by a non-member would flood both roles' databases. The read
// limit leaves room for a client catching up on many groups at once.
var (
	limitSend    = ratelimit.Rate{N: 30, Per: 10 * time.Second}
	limitUploads = ratelimit.Rate{N: 30, Per: time.Minute}
	limitRead    = ratelimit.Rate{N: 300, Per: time.Minute}
	// limitReact is generous: a user may click through a picker.
	limitReact = ratelimit.Rate{N: 60, Per: 10 * time.Second}
	// limitMarkRead lets a client mark what scrolls into view as read.
	limitMarkRead = ratelimit.Rate{N: 120, Per: time.Minute}
)

// allow counts one call of userID against r under prefix. Without a
// limiter everything is allowed. A limiter that cannot be reached lets the
// call through (and logs it): chat must keep working when Redis does not.
func (h *Handler) allow(w http.ResponseWriter, r *http.Request, prefix, userID string, rate ratelimit.Rate) bool {
	if h.limiter == nil {
		return true
	}
	d, err := h.limiter.Allow(r.Context(), prefix+userID, rate)
	if err != nil {
		h.log.WarnContext(r.Context(), "message: rate limiter unavailable, allowing", "err", err, "request_id", httpapi.RequestID(r.Context()))
		return true
	}
	if d.Allowed {
		return true
	}
	secs := int(math.Ceil(d.RetryAfter.Seconds()))
	h.fail(w, r, &httpapi.RetryAfter{Seconds: max(secs, 1), Err: errs.E(errs.RateLimited, "too many requests; try again later")})
	return false
}
