package rpcauth

import "runtime"

// allocated is the process's cumulative heap allocation, in bytes.
func allocated() uint64 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.TotalAlloc
}
