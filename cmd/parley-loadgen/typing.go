package main

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/parleychat/parley/internal/loadkit"
)

// typingOpts configures the typing scenario.
type typingOpts struct {
	base, devmail string
	conns         int           // users, one connection each
	group         int           // members per group
	share         float64       // fraction of users who type
	every         time.Duration // a typist's interval between typing frames
	warmup        time.Duration // after connecting, before the measured window
	duration      time.Duration // the measured window
	pid           int           // the server's pid, for /proc (0: not read)
	par           int           // concurrent setup requests
}

// groupsOf splits users 0..n-1 into consecutive groups of size members;
// the last group holds the remainder (fewer members, never empty).
func groupsOf(n, size int) [][]int {
	if size < 1 {
		size = 1
	}
	var out [][]int
	for lo := 0; lo < n; lo += size {
		g := make([]int, 0, size)
		for i := lo; i < min(lo+size, n); i++ {
			g = append(g, i)
		}
		out = append(out, g)
	}
	return out
}

// typists picks round(n*share) users spread evenly over 0..n-1 (so every
// group of a whole number of 1/share users has the same number of typists).
func typists(n int, share float64) []int {
	k := int(float64(n)*share + 0.5)
	out := make([]int, 0, k)
	for j := range k {
		out = append(out, j*n/k)
	}
	return out
}

// perSecond is count over d, 0 for an empty window.
func perSecond(count int64, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return float64(count) / d.Seconds()
}

// frameCounts counts what the connections receive.
type frameCounts struct {
	typing, presence, presenceEntries atomic.Int64
}

func (c *frameCounts) count(b []byte) {
	var f struct {
		Type     string            `json:"type"`
		Presence []json.RawMessage `json:"presence"`
	}
	if json.Unmarshal(b, &f) != nil {
		return
	}
	switch f.Type {
	case "typing":
		c.typing.Add(1)
	case "presence":
		c.presence.Add(1)
		c.presenceEntries.Add(1)
	case "presence.batch":
		c.presence.Add(1)
		c.presenceEntries.Add(int64(len(f.Presence)))
	}
}

// runTyping: o.conns users, each with one connection, in groups of
// o.group; a share of them send typing to their group every o.every. It
// reports typing frames sent and received per second, the presence frames
// received while connecting, and the server's CPU and RSS over the window.
func runTyping(o typingOpts) error {
	start := time.Now()
	accs := make([]loadkit.Account, o.conns)
	if err := parallel(o.conns, o.par, func(i int) (err error) {
		accs[i], err = loadkit.NewAccount(o.base, o.devmail, i)
		return err
	}); err != nil {
		return err
	}
	groups := groupsOf(o.conns, o.group)
	gids := make([]string, len(groups))
	groupOf := make([]int, o.conns)
	if err := parallel(len(groups), o.par, func(g int) (err error) {
		members := make([]loadkit.Account, len(groups[g]))
		for j, u := range groups[g] {
			members[j] = accs[u]
			groupOf[u] = g
		}
		gids[g], err = loadkit.Group(o.base, members[0], members[1:])
		return err
	}); err != nil {
		return err
	}
	fmt.Printf("set up %d users in %d groups of %d in %v\n", o.conns, len(groups), o.group, time.Since(start).Round(time.Second))

	var got frameCounts
	start = time.Now()
	open := make([]*websocket.Conn, o.conns)
	if err := parallel(o.conns, 64, func(i int) (err error) {
		open[i], err = dial(o.base, accs[i].Token, got.count)
		return err
	}); err != nil {
		return err
	}
	defer func() {
		for _, c := range open {
			c.CloseNow()
		}
	}()
	fmt.Printf("opened %d authenticated connections in %v\n", o.conns, time.Since(start).Round(time.Millisecond))

	ts := typists(o.conns, o.share)
	var sent atomic.Int64
	var sendErr atomic.Value
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var wg sync.WaitGroup
	for j, u := range ts {
		frame, _ := json.Marshal(map[string]string{"type": "typing", "groupId": gids[groupOf[u]]})
		// Stagger the typists evenly over one interval.
		offset := time.Duration(int64(o.every) * int64(j) / int64(len(ts)))
		wg.Go(func() {
			select {
			case <-ctx.Done():
				return
			case <-time.After(offset):
			}
			t := time.NewTicker(o.every)
			defer t.Stop()
			for {
				if err := open[u].Write(ctx, websocket.MessageText, frame); err != nil {
					if ctx.Err() == nil {
						sendErr.CompareAndSwap(nil, err)
					}
					return
				}
				sent.Add(1)
				select {
				case <-ctx.Done():
					return
				case <-t.C:
				}
			}
		})
	}
	time.Sleep(o.warmup)
	presence, entries := got.presence.Load(), got.presenceEntries.Load()
	sent0, recv0 := sent.Load(), got.typing.Load()
	var p0 loadkit.Proc
	if o.pid != 0 {
		var err error
		if p0, err = loadkit.ReadProc(o.pid); err != nil {
			return err
		}
	}
	t0 := time.Now()
	time.Sleep(o.duration)
	window := time.Since(t0)
	sent1, recv1 := sent.Load(), got.typing.Load()
	var p1 loadkit.Proc
	if o.pid != 0 {
		var err error
		if p1, err = loadkit.ReadProc(o.pid); err != nil {
			return err
		}
	}
	cancel()
	wg.Wait()
	if err, _ := sendErr.Load().(error); err != nil {
		return fmt.Errorf("typing frame: %w", err)
	}
	fmt.Printf("presence received while connecting and warming up: %d frames (%d statuses)\n", presence, entries)
	fmt.Printf("typists: %d of %d users, one frame each per %v\n", len(ts), o.conns, o.every)
	fmt.Printf("window: %v after %v warm-up\n", window.Round(time.Millisecond), o.warmup)
	fmt.Printf("typing sent:       %.0f frames/s\n", perSecond(sent1-sent0, window))
	fmt.Printf("typing received:   %.0f frames/s\n", perSecond(recv1-recv0, window))
	if o.pid != 0 {
		fmt.Printf("server CPU:        %.1f %% of a core (user+sys)\n", 100*(p1.CPU-p0.CPU).Seconds()/window.Seconds())
		fmt.Printf("server RSS:        %.1f MiB\n", float64(p1.RSS)/(1<<20))
	}
	return nil
}

// parallel runs f(0..n-1), at most par at once, and returns the first error.
func parallel(n, par int, f func(i int) error) error {
	var wg sync.WaitGroup
	sem := make(chan struct{}, max(par, 1))
	var mu sync.Mutex
	var firstErr error
	for i := range n {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			if err := f(i); err != nil {
				mu.Lock()
				if firstErr == nil {
					firstErr = fmt.Errorf("%d: %w", i, err)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return firstErr
}
