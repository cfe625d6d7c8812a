package errs

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"net"
	"syscall"
	"testing"
)

// TestUnreachableDependenciesAreUnavailable: an unclassified error that
// says a dependency is down classifies as Unavailable (issue 12 defect 9),
// a classified error keeps its kind, anything else stays unclassified.
func TestUnreachableDependenciesAreUnavailable(t *testing.T) {
	_, dialErr := net.Dial("tcp", "127.0.0.1:1")
	for name, err := range map[string]error{
		"dial refused":      fmt.Errorf("list groups: %w", dialErr),
		"bad conn":          fmt.Errorf("query: %w", driver.ErrBadConn),
		"reset":             fmt.Errorf("read: %w", syscall.ECONNRESET),
		"deadline exceeded": fmt.Errorf("rpc: %w", context.DeadlineExceeded),
	} {
		if KindOf(err) != Unavailable || As(err) == nil || As(err).Kind != Unavailable {
			t.Errorf("%s: kind %s", name, KindOf(err))
		}
	}
	for name, err := range map[string]error{
		"plain":     errors.New("disk on fire"),
		"cancelled": fmt.Errorf("query: %w", context.Canceled),
	} {
		if As(err) != nil || KindOf(err) != Internal {
			t.Errorf("%s: kind %s, want unclassified", name, KindOf(err))
		}
	}
	if k := KindOf(Wrap(NotFound, dialErr, "no such thing")); k != NotFound {
		t.Errorf("a classified error kept %s, want not_found", k)
	}
}
