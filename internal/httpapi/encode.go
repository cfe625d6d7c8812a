package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strings"

	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/ids"
)

// DefaultBodyLimit caps JSON request bodies unless a route sets its own.
const DefaultBodyLimit = 1 << 20

// Encode writes v as JSON with the given status.
func Encode(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if v == nil {
		return
	}
	_ = json.NewEncoder(w).Encode(v)
}

// Decode reads a JSON request body into a T. The request must say
// Content-Type: application/json (else errs.UnsupportedMedia, 415: without
// it a hostile page could send the body cross-site as a CORS "simple
// request", with no preflight), and the body must be at most
// DefaultBodyLimit bytes (or what Limit set), one object, with no unknown
// fields. Every failure is an errs.Invalid, errs.TooLarge or
// errs.UnsupportedMedia error with a message a client developer can act on.
func Decode[T any](r *http.Request) (T, error) {
	var v T
	if !IsJSON(r) {
		return v, errs.E(errs.UnsupportedMedia, "request body must be sent with Content-Type: application/json")
	}
	body := http.MaxBytesReader(nil, r.Body, DefaultBodyLimit)
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil {
		return v, decodeError(err)
	}
	if err := dec.Decode(&struct{}{}); !errors.Is(err, io.EOF) {
		return v, errs.E(errs.Invalid, "request body must hold a single JSON value")
	}
	return v, nil
}

// PathID returns the path value name (an id) in canonical form, and false
// when it is not an id at all: handlers answer that as "not found", like
// an id that names nothing, before any lookup (package ids).
func PathID(r *http.Request, name string) (string, bool) {
	return ids.Canonical(r.PathValue(name))
}

// IsJSON reports whether r declares a JSON body (application/json, with
// or without parameters such as charset).
func IsJSON(r *http.Request) bool {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && mt == "application/json"
}

func decodeError(err error) error {
	var (
		syntax   *json.SyntaxError
		typeErr  *json.UnmarshalTypeError
		tooLarge *http.MaxBytesError
	)
	switch {
	case errors.Is(err, io.EOF):
		return errs.E(errs.Invalid, "request body is empty")
	case errors.As(err, &tooLarge):
		return errs.E(errs.TooLarge, "request body is larger than %d bytes", tooLarge.Limit)
	case errors.As(err, &syntax):
		return errs.E(errs.Invalid, "request body is not valid JSON (at byte %d)", syntax.Offset)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return errs.E(errs.Invalid, "request body is truncated JSON")
	case errors.As(err, &typeErr):
		if typeErr.Field != "" {
			return errs.Field(typeErr.Field, fmt.Sprintf("must be %s", jsonType(typeErr.Type.Kind().String())))
		}
		return errs.E(errs.Invalid, "request body must be a JSON object")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return errs.Field(name, "unknown field")
	default:
		return errs.Wrap(errs.Invalid, err, "request body could not be read")
	}
}

func jsonType(kind string) string {
	switch kind {
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "slice", "array":
		return "an array"
	case "map", "struct":
		return "an object"
	default:
		return "a number"
	}
}

// Reply answers v as JSON with status, or err as an error answer when err
// is not nil. A nil v with no error answers the bare status (204).
func Reply(w http.ResponseWriter, r *http.Request, log *slog.Logger, status int, v any, err error) {
	if err != nil {
		Error(w, r, log, err)
		return
	}
	if v == nil {
		w.WriteHeader(status)
		return
	}
	Encode(w, status, v)
}

// Items is the JSON shape of an unpaginated list: {"items": [...]}.
type Items[T any] struct {
	Items []T `json:"items"`
}
