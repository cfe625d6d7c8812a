// Package errs classifies errors into the few kinds the API distinguishes
// (ARCHITECTURE.md §8, API.md "Errors"). Domain code returns *Error values
// (or wraps them with fmt.Errorf("…: %w", err)); transports map the kind to
// an HTTP status in one place (package httpapi) and to an RPC code in one
// other. An error without a kind is Internal: it is logged and never shown
// to users.
package errs

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"net"
	"syscall"
)

// Kind is the class of an error. Its string is the API's error code.
type Kind string

const (
	Internal        Kind = "internal"
	Invalid         Kind = "invalid"
	Unauthenticated Kind = "unauthenticated"
	Forbidden       Kind = "forbidden"
	NotFound        Kind = "not_found"
	Conflict        Kind = "conflict"
	TooLarge        Kind = "too_large"
	RateLimited     Kind = "rate_limited"
	Unavailable     Kind = "unavailable"
	// UnsupportedMedia is a body sent with a Content-Type the endpoint
	// does not take (415); JSON endpoints take application/json only, so
	// that no cross-site "simple request" reaches them.
	UnsupportedMedia Kind = "unsupported_media_type"
)

// Error is a classified error with a message safe to show to users.
type Error struct {
	Kind    Kind
	Message string
	// Detail refines the kind for clients that act on it, e.g.
	// "email_not_verified" on a Forbidden.
	Detail string
	// Fields maps input field names to what is wrong with them (Invalid,
	// Conflict).
	Fields map[string]string
	// Err is the cause, for logs; never shown to users.
	Err error
}

func (e *Error) Error() string {
	msg := string(e.Kind) + ": " + e.Message
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// E returns an error of the given kind with a user-facing message.
func E(kind Kind, format string, args ...any) *Error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...)}
}

// Wrap classifies cause as kind with a user-facing message; cause is kept
// for logs only.
func Wrap(kind Kind, cause error, message string) *Error {
	return &Error{Kind: kind, Message: message, Err: cause}
}

// Field returns an Invalid error about one input field.
func Field(name, why string) *Error {
	return &Error{Kind: Invalid, Message: name + ": " + why, Fields: map[string]string{name: why}}
}

// WithDetail sets Detail and returns e.
func (e *Error) WithDetail(d string) *Error { e.Detail = d; return e }

// KindOf returns the kind of the first *Error in err's chain; else
// Unavailable when err says a dependency could not be reached (see
// Unreachable); else Internal.
func KindOf(err error) Kind {
	if e := As(err); e != nil {
		return e.Kind
	}
	return Internal
}

// Is reports whether err is classified as kind.
func Is(err error, kind Kind) bool { return err != nil && KindOf(err) == kind }

// As returns the first *Error in err's chain. An error without one that
// says a dependency could not be reached (Unreachable: a database, Redis,
// object storage or another role that is down) is classified here, in the
// one place every transport asks, as Unavailable, so that an outage is a
// 503 with Retry-After and never a 500 (issue 12 defect 9). Otherwise As
// returns nil.
func As(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	if Unreachable(err) {
		return &Error{Kind: Unavailable, Message: "a service this request needs is unavailable; try again shortly", Err: err}
	}
	return nil
}

// Unreachable reports whether err says a dependency could not be reached,
// or dropped the connection: a network error (refused, reset, timed out,
// unknown host), a connection a database driver gave up on
// (driver.ErrBadConn), a broken pipe, or a deadline that expired while
// waiting for it. A request its client cancelled is not one.
func Unreachable(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) {
		return false
	}
	var ne net.Error
	return errors.As(err, &ne) ||
		errors.Is(err, driver.ErrBadConn) ||
		errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ETIMEDOUT)
}
