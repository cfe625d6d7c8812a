package sfu

import (
	"context"

	"github.com/parleychat/parley/internal/event"
)

// HandleGroupEvent applies a groups event synchronously (tests that must
// order an event against a join in progress).
func (s *Server) HandleGroupEvent(ctx context.Context, e event.Event) error {
	return s.handleGroupEvent(ctx, e)
}
