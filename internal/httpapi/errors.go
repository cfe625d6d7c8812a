package httpapi

import (
	"errors"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/parleychat/parley/internal/errs"
)

// ErrorBody is the JSON shape of every error answer.
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail is the inside of ErrorBody.
type ErrorDetail struct {
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Detail  string            `json:"detail,omitempty"`
	Fields  map[string]string `json:"fields,omitempty"`
}

// Status maps an error kind to its HTTP status. It is the only place that
// does so.
func Status(k errs.Kind) int {
	switch k {
	case errs.Invalid:
		return http.StatusBadRequest
	case errs.Unauthenticated:
		return http.StatusUnauthorized
	case errs.Forbidden:
		return http.StatusForbidden
	case errs.NotFound:
		return http.StatusNotFound
	case errs.Conflict:
		return http.StatusConflict
	case errs.TooLarge:
		return http.StatusRequestEntityTooLarge
	case errs.RateLimited:
		return http.StatusTooManyRequests
	case errs.Unavailable:
		return http.StatusServiceUnavailable
	case errs.UnsupportedMedia:
		return http.StatusUnsupportedMediaType
	default:
		return http.StatusInternalServerError
	}
}

// DefaultRetryAfter is the Retry-After, in seconds, of a 503 that does not
// set its own.
const DefaultRetryAfter = 1

// RetryAfter may be wrapped around a RateLimited or Unavailable error to
// set the Retry-After header (seconds).
type RetryAfter struct {
	Seconds int
	Err     error
}

func (r *RetryAfter) Error() string { return r.Err.Error() }
func (r *RetryAfter) Unwrap() error { return r.Err }

// Error writes err as a JSON error answer. Classified errors show their
// message; an unclassified failure to reach another server (a database or
// broker that is down) is a 503 unavailable with Retry-After; anything else
// is logged with the request id and answered with a generic 500, so
// internals never reach users.
func Error(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	var ra *RetryAfter
	if errors.As(err, &ra) && ra.Seconds > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(ra.Seconds))
	}
	e := errs.As(err)
	if e != nil && e.Kind == errs.Unavailable && w.Header().Get("Retry-After") == "" {
		// Every 503 says when to try again (API.md). An unclassified
		// failure to reach a dependency (a database restarting, a broker
		// away) is Unavailable already: errs.As classifies it.
		w.Header().Set("Retry-After", strconv.Itoa(DefaultRetryAfter))
	}
	if e == nil || e.Kind == errs.Internal {
		if log != nil {
			log.ErrorContext(r.Context(), "internal error", "err", err, "request_id", RequestID(r.Context()), "method", r.Method, "path", r.URL.Path)
		}
		Encode(w, http.StatusInternalServerError, ErrorBody{ErrorDetail{Code: string(errs.Internal), Message: "internal error; request id " + RequestID(r.Context())}})
		return
	}
	if e.Kind == errs.Unavailable && log != nil {
		log.WarnContext(r.Context(), "unavailable", "err", err, "request_id", RequestID(r.Context()))
	}
	Encode(w, Status(e.Kind), ErrorBody{ErrorDetail{Code: string(e.Kind), Message: e.Message, Detail: e.Detail, Fields: e.Fields}})
}

// NotFound answers a JSON 404 for unknown API paths.
func NotFound() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		Error(w, r, nil, errs.E(errs.NotFound, "no such endpoint: %s %s", r.Method, r.URL.Path))
	})
}
