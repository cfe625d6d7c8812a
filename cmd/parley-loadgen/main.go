// Command parley-loadgen measures a running server from outside, as a
// separate process (so that the server's figures are its own and each
// process stays under the open-files limit). It speaks to Parley
// (-target parley: accounts registered and verified through parley-devmail)
// or, for issue 11's side-by-side figures, to Centrifugo v6
// (-target centrifugo: HS256 connection JWTs, its JSON protocol over
// WebSocket, one subscription per group, every message one HTTP API
// publish). Scenarios, each one run of the process:
//
//   - idle: -conns authenticated connections spread over -users accounts;
//     the server's RSS per connection (from /proc/<-pid>), and heap, stacks
//     and goroutines per connection from its Prometheus metrics (-metrics).
//   - fanout: -members users in one group, one connection each; -rate
//     messages/s sent in turn by -senders members (Centrifugo: published for
//     them). Each text carries its send time and index: latency send →
//     every member's receipt (p50, p99, max over the -duration window after
//     -warmup), deliveries expected and received (every message; lost and
//     duplicates counted), the close codes of connections the server ended,
//     the server's CPU (user+sys) per delivered message, the size of the
//     frame carrying one 100-byte message.
//   - rooms: -conns users in groups of -group, -rate messages/s in total,
//     each group's first member sending in turn; figures as fanout.
//   - typing: -conns users, one connection each, in groups of -group; a
//     -typing share of them send a typing frame to their group every 3.1 s
//     (the server passes on one per 3 s; a frame that arrives a moment
//     early is dropped). It reports typing frames sent and received per
//     second, the presence frames received while connecting, and the
//     server's CPU and RSS over -duration after -warmup (Parley only).
//   - table: the medians of the -out files in -results, as issue 11's table;
//     centrifugo-config prints Centrifugo's configuration.
//
// -setup-cache keeps Parley's set-up (accounts with refresh tokens, group
// ids) to start from a copy of the same data directory again; -pprof takes
// CPU and heap profiles of the window from a Parley built with -tags pprof.
// scripts/bench.sh (make bench) runs the set against both servers;
// scripts/bench-idle-ws.sh runs one scenario against Parley alone (extra
// arguments go to parley-loadgen, -pid is the server's).
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
	"time"

	"github.com/coder/websocket"
)

func main() {
	base := flag.String("url", "http://127.0.0.1:8080", "the server's public URL (Parley's, or Centrifugo's HTTP address with -target centrifugo)")
	devmail := flag.String("devmail", "http://127.0.0.1:8025", "parley-devmail's HTTP API")
	tgt := flag.String("target", "parley", "the server under test: parley or centrifugo (idle, fanout and rooms)")
	secret := flag.String("secret", "", "centrifugo: the client token HMAC secret")
	apiKey := flag.String("api-key", "", "centrifugo: the HTTP API key")
	conns := flag.Int("conns", 10000, "idle, typing and rooms: WebSocket connections to open (rooms: users, one connection each)")
	users := flag.Int("users", 10, "idle: accounts the connections are spread over")
	hold := flag.Duration("hold", 5*time.Second, "idle: how long the connections stay idle before the final reading")
	scenario := flag.String("scenario", "idle", "idle, fanout, rooms or typing; table prints the bench's table from -results")
	group := flag.Int("group", 0, "typing and rooms: members per group (default 10 for typing, 5 for rooms)")
	members := flag.Int("members", 1000, "fanout: members of the one group, one connection each")
	rate := flag.Float64("rate", 0, "fanout and rooms: messages/s sent in total (default 100 for fanout, 1000 for rooms)")
	senders := flag.Int("senders", 0, "fanout: members who send, in turn (default one per 10 msg/s: Parley allows 20 frames/s per connection)")
	share := flag.Float64("typing", 0.1, "typing: share of users who type")
	every := flag.Duration("every", 3100*time.Millisecond, "typing: a typist's interval between frames (just over the server's 3 s per connection and group, which drops a frame arriving a moment early)")
	warmup := flag.Duration("warmup", 0, "typing, fanout, rooms: time sending (typing: after connecting) before the measured window (default 10 s for typing, 5 s otherwise)")
	duration := flag.Duration("duration", 0, "typing, fanout, rooms: the measured window (default 30 s for typing, 20 s otherwise)")
	drain := flag.Duration("drain", 30*time.Second, "fanout and rooms: the longest wait for deliveries after the last send")
	pid := flag.Int("pid", 0, "the server's pid, for CPU and RSS from /proc")
	par := flag.Int("par", 16, "concurrent setup requests")
	out := flag.String("out", "", "idle, fanout and rooms: write the figures as JSON to this file")
	results := flag.String("results", "", "table: the directory of -out files")
	cache := flag.String("setup-cache", "", "parley: keep the set-up (accounts with refresh tokens, group ids) in this file, or start from it when it exists (the server's data directory must then be a copy of the one it was made in)")
	setupOnly := flag.Bool("setup-only", false, "set up (into -setup-cache) and stop")
	metricsURL := flag.String("metrics", "", "the server's Prometheus metrics (default <url>/metrics; Parley serves them on metrics_addr when set)")
	pprofURL := flag.String("pprof", "", "the server's pprof listener (a Parley built with -tags pprof and PPROF_ADDR): CPU and heap profiles of the measured window")
	profDir := flag.String("profile-dir", "", "where profiles go: -pprof's (<scenario>-cpu.pprof, <scenario>-heap.pprof) and the load process's own CPU profile of the window (<scenario>-load-<target>-cpu.pprof)")
	port := flag.Int("port", 8000, "centrifugo-config: the port Centrifugo listens on (loopback)")
	flag.Parse()
	def := func(v *time.Duration, typing, other time.Duration) {
		if *v == 0 {
			*v = other
			if *scenario == "typing" {
				*v = typing
			}
		}
	}
	def(warmup, 10*time.Second, 5*time.Second)
	def(duration, 30*time.Second, 20*time.Second)
	prof := newProfiler(*pprofURL, *profDir, *tgt)
	var t target
	switch *tgt {
	case "parley":
		pt := newParley(*base, *devmail, *metricsURL)
		pt.cache = *cache
		t = pt
	case "centrifugo":
		t = newCentrifugo(*base, *secret, *apiKey, *metricsURL)
	default:
		fail(fmt.Errorf("unknown target %q", *tgt))
	}
	var err error
	var r result
	switch *scenario {
	case "idle":
		r, err = runIdleOn(t, *tgt, *conns, *users, *pid, *hold, prof, *setupOnly)
	case "fanout":
		n := max(*members, 1)
		s := *senders
		if *rate == 0 {
			*rate = 100
		}
		if s == 0 {
			s = int(*rate+9) / 10
		}
		g := groupsOf(n, n)
		r, err = runDelivery(t, deliveryOpts{name: *tgt, scenario: "fanout", groups: g, senders: [][]int{g[0][:min(s, n)]},
			rate: *rate, warmup: *warmup, duration: *duration, drain: *drain, pid: *pid, par: *par, prof: prof, setupOnly: *setupOnly})
	case "rooms":
		size := *group
		if size == 0 {
			size = 5
		}
		if *rate == 0 {
			*rate = 1000
		}
		g := groupsOf(*conns, size)
		snd := make([][]int, len(g))
		for i := range g {
			snd[i] = g[i][:1]
		}
		r, err = runDelivery(t, deliveryOpts{name: *tgt, scenario: "rooms", groups: g, senders: snd,
			rate: *rate, warmup: *warmup, duration: *duration, drain: *drain, pid: *pid, par: *par, prof: prof, setupOnly: *setupOnly})
	case "typing":
		size := *group
		if size == 0 {
			size = 10
		}
		err = runTyping(typingOpts{base: *base, devmail: *devmail, conns: *conns, group: size, share: *share,
			every: *every, warmup: *warmup, duration: *duration, pid: *pid, par: *par})
	case "table":
		err = printTable(os.Stdout, *results)
	case "centrifugo-config":
		var b []byte
		if b, err = centrifugoConfig(*port, *secret, *apiKey); err == nil {
			_, err = os.Stdout.Write(append(b, '\n'))
		}
	default:
		err = fmt.Errorf("unknown scenario %q", *scenario)
	}
	if err == nil && r.Scenario != "" {
		err = r.write(*out)
	}
	if err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "parley-loadgen:", err)
	os.Exit(1)
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

// metrics reads the Prometheus text at url into name → value (for
// metrics without labels).
func metrics(url string) (map[string]float64, error) {
	res, err := http.Get(url)
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
