//go:build pprof

package main

// Built only with -tags pprof (scripts/bench.sh builds bin/parley-pprof so):
// net/http/pprof's handlers on PPROF_ADDR (e.g. 127.0.0.1:6060), a
// listener of their own, so that the bench can take CPU and heap profiles
// of the server under load. Release builds have neither the handlers nor
// the variable.

import (
	"log"
	"net/http"
	_ "net/http/pprof" // registers /debug/pprof on http.DefaultServeMux
	"os"
)

func init() {
	addr := os.Getenv("PPROF_ADDR")
	if addr == "" {
		return
	}
	go func() {
		if err := http.ListenAndServe(addr, nil); err != nil {
			log.Printf("pprof on %s: %v", addr, err)
		}
	}()
}
