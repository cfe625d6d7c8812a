package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime/pprof"
	"sync"
	"time"
)

// profiler takes pprof profiles of the server under test (a Parley built
// with -tags pprof, PPROF_ADDR set) over a scenario's measured window and
// writes them to dir as <scenario>-cpu.pprof and <scenario>-heap.pprof,
// and a CPU profile of the load process itself over the same window as
// <scenario>-load-<target>-cpu.pprof (whatever the server, so that the
// load client's own cost can be read beside the server's). A nil
// profiler takes none; without url it takes only the load process's.
type profiler struct {
	url, dir, target string
	wg               sync.WaitGroup
}

func newProfiler(url, dir, target string) *profiler {
	if dir == "" {
		return nil
	}
	return &profiler{url: url, dir: dir, target: target}
}

// cpu starts CPU profiles of d in the background.
func (p *profiler) cpu(scenario string, d time.Duration) {
	if p == nil {
		return
	}
	p.self(scenario+"-load-"+p.target+"-cpu.pprof", d)
	if p.url == "" {
		return
	}
	secs := max(int(d.Seconds()), 1)
	p.wg.Go(func() {
		p.fetch(fmt.Sprintf("/debug/pprof/profile?seconds=%d", secs), scenario+"-cpu.pprof", d+30*time.Second)
	})
}

// self profiles this process's CPU for d into name.
func (p *profiler) self(name string, d time.Duration) {
	f := p.create(name)
	if f == nil {
		return
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		fmt.Printf("profile %s: %v\n", name, err)
		return
	}
	p.wg.Go(func() {
		time.Sleep(d)
		pprof.StopCPUProfile()
		f.Close()
		fmt.Printf("profile written: %s\n", filepath.Join(p.dir, name))
	})
}

// create creates the profile file name in p.dir; nil (said) when it
// cannot.
func (p *profiler) create(name string) *os.File {
	if err := os.MkdirAll(p.dir, 0o755); err != nil {
		fmt.Printf("profile %s: %v\n", name, err)
		return nil
	}
	f, err := os.Create(filepath.Join(p.dir, name))
	if err != nil {
		fmt.Printf("profile %s: %v\n", name, err)
		return nil
	}
	return f
}

// heap takes a heap profile now (after a GC, so it shows live memory).
func (p *profiler) heap(scenario string) {
	if p == nil || p.url == "" {
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
	f := p.create(name)
	if f == nil {
		return
	}
	defer f.Close()
	if _, err := io.Copy(f, io.LimitReader(res.Body, 256<<20)); err != nil {
		fmt.Printf("profile %s: %v\n", name, err)
		return
	}
	fmt.Printf("profile written: %s\n", filepath.Join(p.dir, name))
}
