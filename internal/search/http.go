package search

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/parleychat/parley/internal/auth"
	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/httpapi"
	"github.com/parleychat/parley/internal/ratelimit"
)

// Limiter is the part of ratelimit.Limiter the handler uses.
type Limiter interface {
	Allow(ctx context.Context, key string, r ratelimit.Rate) (ratelimit.Decision, error)
}

var _ Limiter = (ratelimit.Limiter)(nil)

// DefaultRate is how many searches one user may make: 30 per 10 seconds,
// ample for type-ahead, tight enough to stop scraping the user list.
var DefaultRate = ratelimit.Rate{N: 30, Per: 10 * time.Second}

// MessageRate is how many message searches one user may make: 20 per
// 10 seconds. A message search costs more than a user search (a
// membership lookup and a query over every group of the user), and
// it has its own budget, so that one kind does not starve the other.
var MessageRate = ratelimit.Rate{N: 20, Per: 10 * time.Second}

// limitPrefix and messageLimitPrefix key the per-user search limits in
// the limiter's storage.
const (
	limitPrefix        = "search:user:"
	messageLimitPrefix = "search:messages:"
)

// HandlerConfig holds what a Handler needs.
type HandlerConfig struct {
	Service *Service
	// Require authenticates a request and puts its auth.Claims in the
	// context, or answers 401 itself: auth.Verifier.Require.
	Require func(http.Handler) http.Handler
	// Limiter counts searches per user (ratelimit.Memory or redislimit).
	Limiter Limiter
	// Rate overrides DefaultRate when N is not zero.
	Rate ratelimit.Rate
	// MessageRate overrides the package's MessageRate when N is not zero.
	MessageRate ratelimit.Rate
	// Logger receives internal errors (with the request id). Nil discards.
	Logger *slog.Logger
}

// Handler serves GET /api/v1/search/users.
type Handler struct {
	svc     *Service
	require func(http.Handler) http.Handler
	limiter Limiter
	rate    ratelimit.Rate
	msgRate ratelimit.Rate
	log     *slog.Logger
}

// NewHandler checks c and returns a Handler.
func NewHandler(c HandlerConfig) (*Handler, error) {
	if c.Service == nil || c.Require == nil || c.Limiter == nil {
		return nil, errors.New("search: NewHandler: Service, Require and Limiter are required")
	}
	if c.Rate.N == 0 {
		c.Rate = DefaultRate
	}
	if c.MessageRate.N == 0 {
		c.MessageRate = MessageRate
	}
	if err := ratelimit.Validate(limitPrefix+"x", c.Rate); err != nil {
		return nil, fmt.Errorf("search: NewHandler: %w", err)
	}
	if err := ratelimit.Validate(messageLimitPrefix+"x", c.MessageRate); err != nil {
		return nil, fmt.Errorf("search: NewHandler: %w", err)
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return &Handler{svc: c.Service, require: c.Require, limiter: c.Limiter, rate: c.Rate, msgRate: c.MessageRate, log: c.Logger}, nil
}

// Register mounts the role's routes on mux.
func (h *Handler) Register(mux *http.ServeMux) {
	mux.Handle("GET /api/v1/search/users", h.require(http.HandlerFunc(h.searchUsers)))
	mux.Handle("GET /api/v1/search/messages", h.require(http.HandlerFunc(h.searchMessages)))
}

// User is the API shape of a search result (API.md User).
type User struct {
	ID          string  `json:"id"`
	Username    string  `json:"username"`
	DisplayName string  `json:"displayName,omitempty"`
	PictureURL  *string `json:"pictureUrl"`
}

// Results is the body of a successful search.
type Results struct {
	Items []User `json:"items"`
}

// searchUsers answers GET /api/v1/search/users?q=&limit=. The limit is
// counted before the query is validated, so malformed requests count too.
// A limiter that cannot be reached refuses with 503 rather than letting
// searches through unmetered.
func (h *Handler) searchUsers(w http.ResponseWriter, r *http.Request) {
	if _, ok := h.allow(w, r, limitPrefix, h.rate); !ok {
		return
	}
	q := r.URL.Query()
	limit := 0
	if s, ok := q["limit"]; ok {
		n, err := strconv.Atoi(s[0])
		if err != nil || n < 1 || n > MaxLimit {
			httpapi.Error(w, r, h.log, errs.Field("limit", fmt.Sprintf("must be a whole number between 1 and %d", MaxLimit)))
			return
		}
		limit = n
	}
	docs, err := h.svc.Search(r.Context(), q.Get("q"), limit)
	if err != nil {
		httpapi.Error(w, r, h.log, err)
		return
	}
	res := Results{Items: make([]User, len(docs))}
	for i, d := range docs {
		res.Items[i] = User{ID: d.ID, Username: d.Username, DisplayName: d.DisplayName, PictureURL: d.PictureURL}
	}
	httpapi.Encode(w, http.StatusOK, res)
}

// allow authenticates and counts one search of the caller under prefix,
// answering 401, 429 (with Retry-After) or 503 itself when the search may
// not go on. A limiter that cannot be reached refuses rather than letting
// searches through unmetered.
func (h *Handler) allow(w http.ResponseWriter, r *http.Request, prefix string, rate ratelimit.Rate) (string, bool) {
	c, ok := auth.FromContext(r.Context())
	if !ok || c.UserID == "" {
		httpapi.Error(w, r, h.log, errs.E(errs.Unauthenticated, "not signed in"))
		return "", false
	}
	d, err := h.limiter.Allow(r.Context(), prefix+c.UserID, rate)
	if err != nil {
		httpapi.Error(w, r, h.log, errs.Wrap(errs.Unavailable, fmt.Errorf("search rate limit: %w", err), "the service is busy; try again shortly"))
		return "", false
	}
	if !d.Allowed {
		httpapi.Error(w, r, h.log, &httpapi.RetryAfter{
			Seconds: max(1, int(math.Ceil(d.RetryAfter.Seconds()))),
			Err:     errs.E(errs.RateLimited, "too many searches; try again shortly"),
		})
		return "", false
	}
	return c.UserID, true
}
