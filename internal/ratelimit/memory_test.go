package ratelimit_test

import (
	"testing"

	"github.com/parleychat/parley/internal/ratelimit"
	"github.com/parleychat/parley/internal/ratelimit/ratelimittest"
)

func TestMemoryContract(t *testing.T) {
	t.Parallel()
	ratelimittest.Run(t, func(t *testing.T) ratelimit.Limiter { return ratelimit.NewMemory() })
}
