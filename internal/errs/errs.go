// Package errs classifies errors into the few kinds the API distinguishes
// (ARCHITECTURE.md §8, API.md "Errors"). Domain code returns *Error values
// (or wraps them with fmt.Errorf("…: %w", err)); transports map the kind to
// an HTTP status in one place (package httpapi) and to an RPC code in one
// other. An error without a kind is Internal: it is logged and never shown
// to users.
package errs

import (
	"errors"
	"fmt"
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

// KindOf returns the kind of the first *Error in err's chain, or Internal.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return Internal
}

// Is reports whether err is classified as kind.
func Is(err error, kind Kind) bool { return err != nil && KindOf(err) == kind }

// As returns the first *Error in err's chain, or nil.
func As(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return nil
}
