// Command parley-loadgen measures a running Parley from outside, as a
// separate process (so that the server's figures are its own and each
// process stays under the open-files limit).
//
// Idle mode opens -conns authenticated chat WebSockets spread over -users
// accounts (registered and verified through parley-devmail) and reports the
// server's memory and goroutines per connection from its /metrics:
//
//	parley-loadgen -url http://127.0.0.1:8080 -devmail http://127.0.0.1:8025 -conns 10000
//
// Typing mode (-scenario typing) registers -conns users, one connection
// each, in groups of -group; a -typing share of them send a typing frame to
// their group every 3.1 s (the server passes on one per 3 s; a frame that
// arrives a moment early is dropped). It reports typing frames sent and
// received per second, the presence frames received while connecting, and
// the server's CPU and RSS (from /proc/<-pid>) over -duration after -warmup.
//
// scripts/bench-idle-ws.sh starts everything and runs it (extra arguments
// go to parley-loadgen, -pid is the server's).
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"

	"github.com/parleychat/parley/internal/loadkit"
)

func main() {
	base := flag.String("url", "http://127.0.0.1:8080", "Parley's public URL")
	devmail := flag.String("devmail", "http://127.0.0.1:8025", "parley-devmail's HTTP API")
	conns := flag.Int("conns", 10000, "WebSocket connections to open")
	users := flag.Int("users", 10, "accounts the connections are spread over")
	hold := flag.Duration("hold", 5*time.Second, "how long the connections stay idle before the final reading")
	scenario := flag.String("scenario", "idle", "idle or typing")
	group := flag.Int("group", 10, "typing: members per group")
	share := flag.Float64("typing", 0.1, "typing: share of users who type")
	every := flag.Duration("every", 3100*time.Millisecond, "typing: a typist's interval between frames (just over the server's 3 s per connection and group, which drops a frame arriving a moment early)")
	warmup := flag.Duration("warmup", 10*time.Second, "typing: time after connecting before the measured window")
	duration := flag.Duration("duration", 30*time.Second, "typing: the measured window")
	pid := flag.Int("pid", 0, "typing: the server's pid, for CPU and RSS from /proc")
	par := flag.Int("par", 16, "typing: concurrent setup requests")
	flag.Parse()
	var err error
	switch *scenario {
	case "idle":
		err = run(*base, *devmail, *conns, *users, *hold)
	case "typing":
		err = runTyping(typingOpts{base: *base, devmail: *devmail, conns: *conns, group: *group, share: *share,
			every: *every, warmup: *warmup, duration: *duration, pid: *pid, par: *par})
	default:
		err = fmt.Errorf("unknown scenario %q", *scenario)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "parley-loadgen:", err)
		os.Exit(1)
	}
}

func run(base, devmail string, conns, users int, hold time.Duration) error {
	tokens := make([]string, users)
	for i := range users {
		a, err := loadkit.NewAccount(base, devmail, i)
		if err != nil {
			return err
		}
		tokens[i] = a.Token
	}
	before, err := metrics(base)
	if err != nil {
		return err
	}
	start := time.Now()
	open := make([]*websocket.Conn, conns)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 64)
	var mu sync.Mutex
	var firstErr error
	for i := range conns {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			c, err := dial(base, tokens[i%users], nil)
			mu.Lock()
			defer mu.Unlock()
			if err != nil && firstErr == nil {
				firstErr = fmt.Errorf("connection %d: %w", i, err)
			}
			open[i] = c
		})
	}
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}
	fmt.Printf("opened %d authenticated connections in %v\n", conns, time.Since(start).Round(time.Millisecond))
	time.Sleep(hold)
	after, err := metrics(base)
	if err != nil {
		return err
	}
	per := func(name string) float64 { return (after[name] - before[name]) / float64(conns) }
	fmt.Printf("server RSS:        %.1f MiB → %.1f MiB (%.1f KiB per connection)\n", before["process_resident_memory_bytes"]/(1<<20), after["process_resident_memory_bytes"]/(1<<20), per("process_resident_memory_bytes")/1024)
	fmt.Printf("server heap inuse: %.1f KiB per connection\n", per("go_memstats_heap_inuse_bytes")/1024)
	fmt.Printf("server stacks:     %.1f KiB per connection\n", per("go_memstats_stack_inuse_bytes")/1024)
	fmt.Printf("server goroutines: %.2f per connection\n", per("go_goroutines"))
	for _, c := range open {
		c.CloseNow()
	}
	return nil
}

// dial opens one chat WebSocket, waits for ready and then hands every
// frame to onFrame (when not nil).
func dial(base, token string, onFrame func([]byte)) (*websocket.Conn, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, strings.Replace(base, "http", "ws", 1)+"/api/v1/ws", nil)
	if err != nil {
		return nil, err
	}
	auth, _ := json.Marshal(map[string]string{"type": "auth", "token": token})
	if err := c.Write(ctx, websocket.MessageText, auth); err != nil {
		return nil, err
	}
	_, b, err := c.Read(ctx)
	if err != nil || !bytes.Contains(b, []byte(`"ready"`)) {
		return nil, fmt.Errorf("no ready frame: %v %s", err, b)
	}
	// Keep reading in the background so pings are answered.
	go func() {
		for {
			_, b, err := c.Read(context.Background())
			if err != nil {
				return
			}
			if onFrame != nil {
				onFrame(b)
			}
		}
	}()
	return c, nil
}

// metrics reads the Prometheus text of /metrics into name → value (for
// metrics without labels).
func metrics(base string) (map[string]float64, error) {
	res, err := http.Get(base + "/metrics")
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	out := map[string]float64{}
	sc := bufio.NewScanner(res.Body)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") || strings.Contains(line, "{") {
			continue
		}
		name, val, ok := strings.Cut(line, " ")
		if !ok {
			continue
		}
		if v, err := strconv.ParseFloat(val, 64); err == nil {
			out[name] = v
		}
	}
	return out, sc.Err()
}
