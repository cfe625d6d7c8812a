package search

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/event"
	"github.com/parleychat/parley/internal/user"
)

// Query and limit bounds of Service.Search (API.md: q is 1–64 characters).
const (
	MaxQueryLen  = 64
	DefaultLimit = 10
	MaxLimit     = 50
)

// ConsumerGroup is the consumer group the node subscribes
// Service.HandleUserEvent with, on topic user.Topic.
const ConsumerGroup = "search"

// Config holds what a Service needs.
type Config struct {
	Index Index
	// Messages is the message index. Nil leaves message search off:
	// HandleMessageEvent and HandleGroupEvent then fail and
	// SearchMessages answers Unavailable.
	Messages MessageIndex
	// Members is the owner of memberships (the group role, in-process or
	// over RPC), asked at every message search. Required with Messages.
	Members Members
	// Logger receives what the service skips on purpose. Nil discards.
	Logger *slog.Logger
	// BatchWait, when set and Messages writes batches (MessageBatchWriter),
	// is how long HandleMessageEvents waits after writing a partial batch
	// (fewer than event.MaxBatch events) before it returns, so that the
	// next call finds more events waiting: a busy group's messages go into
	// fewer, larger segments, which bleve then merges far less often, at
	// the cost of searches seeing a message up to BatchWait later. The
	// node sets DefaultBatchWait for the embedded index.
	BatchWait time.Duration
}

// DefaultBatchWait is the node's BatchWait for the embedded message
// index: below Elasticsearch's default refresh interval (1 s), so both
// modes make a message searchable within about a second.
const DefaultBatchWait = 250 * time.Millisecond

// Service keeps the user and message indexes in step with their topics
// and answers searches.
type Service struct {
	index    Index
	messages MessageIndex
	members  Members
	log      *slog.Logger
	wait     time.Duration
}

// NewService checks c and returns a Service.
func NewService(c Config) (*Service, error) {
	if c.Index == nil {
		return nil, errors.New("search: NewService: Index is required")
	}
	if c.Messages != nil && c.Members == nil {
		return nil, errors.New("search: NewService: Members is required with Messages")
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return &Service{index: c.Index, messages: c.Messages, members: c.Members, log: c.Logger, wait: c.BatchWait}, nil
}

// HandleUserEvent applies one event of the users topic. user.verified and
// user.updated write the user (idempotently: an upsert by id, versioned by
// the event's OccurredAt so that a late, older event is ignored);
// user.registered and unknown types are acknowledged and ignored, so an
// unverified user is never findable. A payload that does not decode or
// has no user id is a permanent error; index failures are returned for
// the bus to retry.
func (s *Service) HandleUserEvent(ctx context.Context, e event.Event) error {
	switch e.Type {
	case user.EventVerified, user.EventUpdated:
	default:
		return nil
	}
	var p user.Changed
	if err := e.Decode(&p); err != nil {
		return fmt.Errorf("search: decode %s %s: %w", e.Type, e.ID, err)
	}
	if p.UserID == "" || p.Username == "" {
		return event.Permanent(fmt.Errorf("search: %s %s has no user id or username", e.Type, e.ID))
	}
	if utf8.RuneCountInString(p.DisplayName) > user.MaxDisplayNameLen {
		// The user role never sends these; retrying cannot index them.
		return event.Permanent(fmt.Errorf("search: %s %s: displayName over %d characters", e.Type, e.ID, user.MaxDisplayNameLen))
	}
	var version int64
	if !e.OccurredAt.IsZero() {
		version = e.OccurredAt.UnixNano()
	}
	d := Doc{ID: p.UserID, Username: p.Username, DisplayName: p.DisplayName, PictureURL: p.PictureURL, Version: version}
	if err := s.index.Upsert(ctx, d); err != nil {
		return fmt.Errorf("search: apply %s %s: %w", e.Type, e.ID, err)
	}
	return nil
}

// Search validates and runs a user search. q is trimmed and must then be
// 1 to MaxQueryLen characters; limit 0 means DefaultLimit, otherwise it
// must be 1 to MaxLimit. Violations are errs.Invalid field errors ("q",
// "limit").
func (s *Service) Search(ctx context.Context, q string, limit int) ([]Doc, error) {
	q = strings.TrimSpace(q)
	switch n := utf8.RuneCountInString(q); {
	case !utf8.ValidString(q):
		return nil, errs.Field("q", "must be valid UTF-8")
	case n == 0:
		return nil, errs.Field("q", "must not be empty")
	case n > MaxQueryLen:
		return nil, errs.Field("q", fmt.Sprintf("must be at most %d characters", MaxQueryLen))
	}
	if limit == 0 {
		limit = DefaultLimit
	}
	if limit < 1 || limit > MaxLimit {
		return nil, errs.Field("limit", fmt.Sprintf("must be between 1 and %d", MaxLimit))
	}
	docs, err := s.index.Search(ctx, q, limit)
	if err != nil {
		return nil, fmt.Errorf("search users: %w", err)
	}
	return docs, nil
}

// Ping reports whether the index is usable (for /readyz).
func (s *Service) Ping(ctx context.Context) error { return s.index.Ping(ctx) }
