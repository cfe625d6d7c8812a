package main

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"math/bits"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/parleychat/parley/internal/loadkit"
)

// result is one scenario run's figures, written as JSON (-out) for the
// bench's table (scenario table reads them back and takes medians).
type result struct {
	Target   string `json:"target"`
	Scenario string `json:"scenario"`
	Conns    int    `json:"conns"`
	// idle
	RSSPerConnKiB   float64 `json:"rssPerConnKiB,omitempty"`
	HeapPerConnKiB  float64 `json:"heapPerConnKiB,omitempty"`
	StackPerConnKiB float64 `json:"stackPerConnKiB,omitempty"`
	GoroutinesPer   float64 `json:"goroutinesPerConn,omitempty"`
	// fanout and rooms
	Groups     int     `json:"groups,omitempty"`
	Rate       float64 `json:"rate,omitempty"`
	Sent       int64   `json:"sent,omitempty"`
	SendErrors int64   `json:"sendErrors,omitempty"`
	Skipped    int64   `json:"skipped,omitempty"`
	Expected   int64   `json:"expected,omitempty"`
	Delivered  int64   `json:"delivered,omitempty"`
	Lost       int64   `json:"lost,omitempty"`       // not received by the end of the drain
	LostClosed int64   `json:"lostClosed,omitempty"` // of which on connections the server closed
	Duplicates int64   `json:"duplicates,omitempty"`
	P50ms      float64 `json:"p50ms,omitempty"`
	P99ms      float64 `json:"p99ms,omitempty"`
	MaxMs      float64 `json:"maxMs,omitempty"`
	// Per message: send → its first receipt, → its last, and first → last.
	FirstP50ms   float64        `json:"firstP50ms,omitempty"`
	FirstP99ms   float64        `json:"firstP99ms,omitempty"`
	LastP50ms    float64        `json:"lastP50ms,omitempty"`
	LastP99ms    float64        `json:"lastP99ms,omitempty"`
	SpreadP50ms  float64        `json:"spreadP50ms,omitempty"`
	SpreadP99ms  float64        `json:"spreadP99ms,omitempty"`
	Closes       map[string]int `json:"closes,omitempty"`
	CPUPerMsgUs  float64        `json:"cpuPerDeliveredUs,omitempty"`
	CPUShare     float64        `json:"cpuShare,omitempty"`      // of one core over the window
	WaitShare    float64        `json:"waitShare,omitempty"`     // runnable but waiting for a CPU, over the window
	LoadCPUShare float64        `json:"loadCPUShare,omitempty"`  // the load process's own CPU
	LoadWait     float64        `json:"loadWaitShare,omitempty"` // and its wait for a CPU
	FrameBytes   int            `json:"frameBytes,omitempty"`
	WindowS      float64        `json:"windowS,omitempty"`
	RSSMiB       float64        `json:"rssMiB,omitempty"`
	Load1        float64        `json:"load1"`
	SetupSeconds float64        `json:"setupS,omitempty"`
}

func (r result) write(path string) error {
	if path == "" {
		return nil
	}
	b, _ := json.MarshalIndent(r, "", "  ")
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

// loadAvg is the one-minute load average (0 when unknown).
func loadAvg() float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0
	}
	var l float64
	fmt.Sscan(string(b), &l)
	return l
}

// runIdleOn opens conns connections spread over users users and reports
// the server's memory per connection: RSS from /proc (pid), heap, stacks
// and goroutines from its Prometheus metrics when it has them.
func runIdleOn(t target, name string, conns, users, pid int, hold time.Duration, prof *profiler, setupOnly bool) (result, error) {
	r := result{Target: name, Scenario: "idle", Conns: conns}
	users = min(users, conns)
	start := time.Now()
	if err := t.prepare(users, nil, 16); err != nil {
		return r, err
	}
	r.SetupSeconds = time.Since(start).Seconds()
	if setupOnly {
		return result{}, nil
	}
	before, _ := metrics(t.metricsURL())
	var p0 loadkit.Proc
	if pid != 0 {
		var err error
		if p0, err = loadkit.ReadProc(pid); err != nil {
			return r, err
		}
	}
	start = time.Now()
	open := make([]closer, conns)
	var closes closeCounts
	err := parallel(conns, 64, func(i int) (err error) {
		open[i], err = t.connect(i%users, nil, closes.add)
		return err
	})
	defer closeAll(open)
	if err != nil {
		return r, err
	}
	fmt.Printf("opened %d authenticated connections in %v\n", conns, time.Since(start).Round(time.Millisecond))
	time.Sleep(hold)
	after, _ := metrics(t.metricsURL())
	prof.heap("idle")
	per := func(name string) float64 { return (after[name] - before[name]) / float64(conns) }
	if pid != 0 {
		p1, err := loadkit.ReadProc(pid)
		if err != nil {
			return r, err
		}
		r.RSSPerConnKiB = float64(p1.RSS-p0.RSS) / float64(conns) / 1024
		r.RSSMiB = float64(p1.RSS) / (1 << 20)
		fmt.Printf("server RSS:        %.1f MiB → %.1f MiB (%.1f KiB per connection)\n", float64(p0.RSS)/(1<<20), r.RSSMiB, r.RSSPerConnKiB)
	}
	if _, ok := after["go_memstats_heap_inuse_bytes"]; ok {
		r.HeapPerConnKiB = per("go_memstats_heap_inuse_bytes") / 1024
		r.StackPerConnKiB = per("go_memstats_stack_inuse_bytes") / 1024
		r.GoroutinesPer = per("go_goroutines")
		fmt.Printf("server heap inuse: %.1f KiB per connection\n", r.HeapPerConnKiB)
		fmt.Printf("server stacks:     %.1f KiB per connection\n", r.StackPerConnKiB)
		fmt.Printf("server goroutines: %.2f per connection\n", r.GoroutinesPer)
	}
	r.Closes = closes.snapshot()
	if len(r.Closes) > 0 {
		fmt.Printf("connections closed by the server while idle: %v\n", r.Closes)
	}
	r.Load1 = loadAvg()
	return r, nil
}

// closeAll closes the connections that were opened.
func closeAll(open []closer) {
	for _, c := range open {
		if c != nil {
			c.close()
		}
	}
}

// closeCounts counts connections ended by the server, by close code.
type closeCounts struct {
	mu sync.Mutex
	m  map[string]int
}

func (c *closeCounts) add(code int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]int{}
	}
	c.m[fmt.Sprint(code)]++
}

func (c *closeCounts) snapshot() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return maps.Clone(c.m)
}

// deliveryOpts configures the fanout and rooms scenarios: users in groups,
// one connection per user, rate messages/s in total, each sent by the
// sender of its group (round robin over the groups, and over a group's
// senders).
type deliveryOpts struct {
	name, scenario   string
	groups           [][]int
	senders          [][]int // per group: the members who send
	rate             float64
	warmup, duration time.Duration
	drain            time.Duration // after the last send, the longest wait for deliveries
	pid              int
	par              int
	prof             *profiler
	setupOnly        bool
}

// receiver is one connection's record of what it received.
type receiver struct {
	mu      sync.Mutex
	seen    bitset
	dups    int64
	lat     []time.Duration // of messages at or after the window's first index
	inWin   int64           // deliveries of messages of the window
	frameSz int
	closed  bool // by the server
}

// runDelivery runs fanout or rooms: set up, connect everyone, send at the
// rate for warmup+duration, wait for the deliveries, and report latency
// (send → each member's receipt, over messages sent in the window),
// deliveries expected and received (all messages), close codes, and the
// server's CPU per delivered message over the window.
func runDelivery(t target, o deliveryOpts) (result, error) {
	n := 0
	for _, g := range o.groups {
		n += len(g)
	}
	r := result{Target: o.name, Scenario: o.scenario, Conns: n, Groups: len(o.groups), Rate: o.rate}
	start := time.Now()
	if err := t.prepare(n, o.groups, o.par); err != nil {
		return r, fmt.Errorf("setup: %w", err)
	}
	r.SetupSeconds = time.Since(start).Seconds()
	fmt.Printf("set up %d users in %d groups in %v\n", n, len(o.groups), time.Since(start).Round(time.Millisecond))
	if o.setupOnly {
		return result{}, nil
	}

	recv := make([]*receiver, n)
	for i := range recv {
		recv[i] = &receiver{}
	}
	var windowFirst atomic.Int64
	windowFirst.Store(1 << 62)
	var closes closeCounts
	open := make([]closer, n)
	start = time.Now()
	groupOf := make([]int, n)
	for g, us := range o.groups {
		for _, u := range us {
			groupOf[u] = g
		}
	}
	sentTo := make([]atomic.Int64, len(o.groups))
	// Per message index: the first and last receipt (Unix ns) and its send
	// time, so that the spread of one message's deliveries is told apart
	// from the time before the first one.
	nmsg := int(o.rate*(o.warmup+o.duration).Seconds())*2 + 1024
	firstAt, lastAt, sentAt := make([]atomic.Int64, nmsg), make([]atomic.Int64, nmsg), make([]atomic.Int64, nmsg)
	err := parallel(n, 64, func(u int) (err error) {
		rc := recv[u]
		open[u], err = t.connect(u, func(text []byte, size int) {
			now := time.Now()
			sent, idx, ok := parseLoadText(text)
			if !ok {
				return
			}
			if idx < int64(nmsg) {
				ns := now.UnixNano()
				sentAt[idx].Store(sent.UnixNano())
				for f := firstAt[idx].Load(); (f == 0 || ns < f) && !firstAt[idx].CompareAndSwap(f, ns); f = firstAt[idx].Load() {
				}
				for l := lastAt[idx].Load(); ns > l && !lastAt[idx].CompareAndSwap(l, ns); l = lastAt[idx].Load() {
				}
			}
			rc.mu.Lock()
			if rc.seen.set(idx) {
				rc.dups++
			} else if idx >= windowFirst.Load() {
				rc.lat = append(rc.lat, now.Sub(sent))
				rc.inWin++
			}
			if rc.frameSz == 0 {
				rc.frameSz = size
			}
			rc.mu.Unlock()
		}, func(code int) {
			rc.mu.Lock()
			rc.closed = true
			rc.mu.Unlock()
			closes.add(code)
		})
		return err
	})
	defer closeAll(open)
	if err != nil {
		return r, fmt.Errorf("connect: %w", err)
	}
	fmt.Printf("opened %d connections in %v\n", n, time.Since(start).Round(time.Millisecond))

	// One sending goroutine per sender, fed by a pacer; a sender still busy
	// with earlier sends skips (and counts) rather than lowering the rate.
	type job struct{ g int }
	type sender struct {
		u    int
		jobs chan job
	}
	var senders []*sender
	byGroup := make([][]*sender, len(o.groups))
	for g, us := range o.senders {
		for _, u := range us {
			s := &sender{u: u, jobs: make(chan job, 64)}
			senders = append(senders, s)
			byGroup[g] = append(byGroup[g], s)
		}
	}
	var index, sent, sendErrs, skipped atomic.Int64
	var expected atomic.Int64
	var expWin atomic.Int64
	var firstErr atomic.Value
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var wg sync.WaitGroup
	for _, s := range senders {
		wg.Go(func() {
			for j := range s.jobs {
				i := index.Add(1) - 1
				if err := t.send(ctx, s.u, j.g, loadText(time.Now(), i)); err != nil {
					sendErrs.Add(1)
					firstErr.CompareAndSwap(nil, err)
					continue
				}
				sent.Add(1)
				sentTo[j.g].Add(1)
				expected.Add(int64(len(o.groups[j.g])))
				if i >= windowFirst.Load() {
					expWin.Add(int64(len(o.groups[j.g])))
				}
			}
		})
	}
	interval := time.Duration(float64(time.Second) / o.rate)
	sendStart := time.Now()
	var p0 loadkit.Proc
	var t0 time.Time
	var wait0, selfWait0 time.Duration
	var self0 loadkit.Proc
	windowOpen := false
	next := make([]int, len(o.groups))
	for k := 0; ; k++ {
		due := sendStart.Add(time.Duration(k) * interval)
		if d := time.Until(due); d > 0 {
			time.Sleep(d)
		}
		if !windowOpen && time.Since(sendStart) >= o.warmup {
			windowOpen = true
			windowFirst.Store(index.Load())
			t0 = time.Now()
			o.prof.cpu(o.scenario, o.duration)
			if o.pid != 0 {
				wait0 = schedWait(o.pid)
				self0, _ = loadkit.ReadProc(os.Getpid())
				selfWait0 = schedWait(os.Getpid())
				if p0, err = loadkit.ReadProc(o.pid); err != nil {
					return r, err
				}
			}
		}
		if time.Since(sendStart) >= o.warmup+o.duration {
			break
		}
		g := k % len(o.groups)
		ss := byGroup[g]
		s := ss[next[g]%len(ss)]
		next[g]++
		select {
		case s.jobs <- job{g: g}:
		default:
			skipped.Add(1)
		}
	}
	for _, s := range senders {
		close(s.jobs)
	}
	wg.Wait()
	sendEnd := time.Now()
	var pSend loadkit.Proc
	if o.pid != 0 {
		if pSend, err = loadkit.ReadProc(o.pid); err != nil {
			return r, err
		}
	}
	delivered := func() (all, win int64) {
		for _, rc := range recv {
			rc.mu.Lock()
			for _, w := range rc.seen {
				all += int64(bits.OnesCount64(w))
			}
			win += rc.inWin
			rc.mu.Unlock()
		}
		return all, win
	}
	for time.Since(sendEnd) < o.drain {
		if all, _ := delivered(); all >= expected.Load() {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	window := time.Since(t0)
	var p1 loadkit.Proc
	if o.pid != 0 {
		if p1, err = loadkit.ReadProc(o.pid); err != nil {
			return r, err
		}
	}
	o.prof.heap(o.scenario)
	o.prof.wait()
	all, win := delivered()
	var lat []time.Duration
	for u, rc := range recv {
		rc.mu.Lock()
		if rc.closed {
			got := int64(0)
			for _, w := range rc.seen {
				got += int64(bits.OnesCount64(w))
			}
			r.LostClosed += sentTo[groupOf[u]].Load() - got
		}
		lat = append(lat, rc.lat...)
		r.Duplicates += rc.dups
		if r.FrameBytes == 0 {
			r.FrameBytes = rc.frameSz
		}
		rc.mu.Unlock()
	}
	slices.Sort(lat)
	var toFirst, toLast, spread []time.Duration
	for i := windowFirst.Load(); i < min(index.Load(), int64(nmsg)); i++ {
		s, f, l := sentAt[i].Load(), firstAt[i].Load(), lastAt[i].Load()
		if s == 0 || f == 0 {
			continue
		}
		toFirst = append(toFirst, time.Duration(f-s))
		toLast = append(toLast, time.Duration(l-s))
		spread = append(spread, time.Duration(l-f))
	}
	for _, d := range [][]time.Duration{toFirst, toLast, spread} {
		slices.Sort(d)
	}
	r.FirstP50ms, r.FirstP99ms = float64(percentile(toFirst, 50))/1e6, float64(percentile(toFirst, 99))/1e6
	r.LastP50ms, r.LastP99ms = float64(percentile(toLast, 50))/1e6, float64(percentile(toLast, 99))/1e6
	r.SpreadP50ms, r.SpreadP99ms = float64(percentile(spread, 50))/1e6, float64(percentile(spread, 99))/1e6
	r.Sent, r.SendErrors, r.Skipped = sent.Load(), sendErrs.Load(), skipped.Load()
	r.Expected, r.Delivered = expected.Load(), all
	r.Lost = r.Expected - r.Delivered
	r.P50ms = float64(percentile(lat, 50)) / 1e6
	r.P99ms = float64(percentile(lat, 99)) / 1e6
	r.MaxMs = float64(percentile(lat, 100)) / 1e6
	r.Closes = closes.snapshot()
	r.WindowS = window.Seconds()
	if o.pid != 0 {
		cpu := p1.CPU - p0.CPU
		// The share of a core is over the sending (the drain may idle).
		r.CPUShare = (pSend.CPU - p0.CPU).Seconds() / sendEnd.Sub(t0).Seconds()
		r.WaitShare = (schedWait(o.pid) - wait0).Seconds() / window.Seconds()
		self1, _ := loadkit.ReadProc(os.Getpid())
		r.LoadCPUShare = (self1.CPU - self0.CPU).Seconds() / window.Seconds()
		r.LoadWait = (schedWait(os.Getpid()) - selfWait0).Seconds() / window.Seconds()
		if win > 0 {
			r.CPUPerMsgUs = float64(cpu.Microseconds()) / float64(win)
		}
		r.RSSMiB = float64(p1.RSS) / (1 << 20)
	}
	r.Load1 = loadAvg()
	fmt.Printf("sent %d messages (%.0f/s offered; %d send errors, %d skipped: sender busy)\n", r.Sent, o.rate, r.SendErrors, r.Skipped)
	if err, _ := firstErr.Load().(error); err != nil {
		fmt.Printf("first send error: %v\n", err)
	}
	fmt.Printf("delivered %d of %d expected (%d not received by the end of the drain, %d of them on connections the server closed; %d duplicates); in the window %d of %d\n",
		all, r.Expected, r.Lost, r.LostClosed, r.Duplicates, win, expWin.Load())
	fmt.Printf("latency send → receipt over the window: p50 %s, p99 %s, max %s (%d samples)\n",
		fmtDur(percentile(lat, 50)), fmtDur(percentile(lat, 99)), fmtDur(percentile(lat, 100)), len(lat))
	fmt.Printf("per message (%d): send → first receipt p50 %s, p99 %s; send → last receipt p50 %s, p99 %s; first → last p50 %s, p99 %s\n",
		len(toFirst), fmtDur(percentile(toFirst, 50)), fmtDur(percentile(toFirst, 99)), fmtDur(percentile(toLast, 50)), fmtDur(percentile(toLast, 99)),
		fmtDur(percentile(spread, 50)), fmtDur(percentile(spread, 99)))
	fmt.Printf("connections closed by the server: %v\n", r.Closes)
	fmt.Printf("frame carrying one %d-byte message: %d bytes\n", textLen, r.FrameBytes)
	if o.pid != 0 {
		fmt.Printf("server CPU over %v: %.2f µs per delivered message; %.1f %% of a core while sending; RSS %.0f MiB; runnable but waiting for a CPU %.0f %% of the window\n",
			window.Round(time.Millisecond), r.CPUPerMsgUs, 100*r.CPUShare, r.RSSMiB, 100*r.WaitShare)
		fmt.Printf("load process: %.0f %% of a core, waiting for a CPU %.0f %% of the window\n", 100*r.LoadCPUShare, 100*r.LoadWait)
	}
	return r, nil
}
