package registry_test

import (
	"testing"
	"time"

	"github.com/parleychat/parley/internal/registry"
	"github.com/parleychat/parley/internal/registry/registrytest"
)

func TestMemory(t *testing.T) {
	registrytest.Run(t, func(t *testing.T, ttl time.Duration) func() registry.Registry {
		m := registry.NewMemory(ttl)
		return func() registry.Registry { return m }
	})
}
