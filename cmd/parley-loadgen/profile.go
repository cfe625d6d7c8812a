package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// profiler takes pprof profiles of the server under test (a Parley built
// with -tags pprof, PPROF_ADDR set) over a scenario's measured window and
// writes them to dir as <scenario>-cpu.pprof and <scenario>-heap.pprof.
// A nil profiler takes none.
type profiler struct {
	url, dir string
	wg       sync.WaitGroup
}

func newProfiler(url, dir string) *profiler {
	if url == "" || dir == "" {
		return nil
	}
	return &profiler{url: url, dir: dir}
}

// cpu starts a CPU profile of d in the background.
func (p *profiler) cpu(scenario string, d time.Duration) {
	if p == nil {
		return
	}
	secs := max(int(d.Seconds()), 1)
	p.wg.Go(func() {
		p.fetch(fmt.Sprintf("/debug/pprof/profile?seconds=%d", secs), scenario+"-cpu.pprof", d+30*time.Second)
	})
}

// heap takes a heap profile now (after a GC, so it shows live memory).
func (p *profiler) heap(scenario string) {
	if p == nil {
		return
	}
	p.fetch("/debug/pprof/heap?gc=1", scenario+"-heap.pprof", 30*time.Second)
}

// wait waits for a CPU profile under way.
func (p *profiler) wait() {
	if p != nil {
		p.wg.Wait()
	}
}

func (p *profiler) fetch(path, name string, timeout time.Duration) {
	c := http.Client{Timeout: timeout}
	res, err := c.Get(p.url + path)
	if err != nil {
		fmt.Printf("profile %s: %v\n", name, err)
		return
	}
	defer res.Body.Close()
	if res.StatusCode != 200 {
		fmt.Printf("profile %s: %s\n", name, res.Status)
		return
	}
	if err := os.MkdirAll(p.dir, 0o755); err != nil {
		fmt.Printf("profile %s: %v\n", name, err)
		return
	}
	f, err := os.Create(filepath.Join(p.dir, name))
	if err != nil {
		fmt.Printf("profile %s: %v\n", name, err)
		return
	}
	defer f.Close()
	if _, err := io.Copy(f, io.LimitReader(res.Body, 256<<20)); err != nil {
		fmt.Printf("profile %s: %v\n", name, err)
		return
	}
	fmt.Printf("profile written: %s\n", filepath.Join(p.dir, name))
}
