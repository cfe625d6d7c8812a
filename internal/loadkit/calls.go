package loadkit

import (
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"time"
)

// CallPeer is one participant of a call load run, whatever SFU it talks
// to (Parley through internal/callclient, LiveKit through tools/lkload):
// what it publishes and what it counted of the others' media.
type CallPeer interface {
	// ID is the participant id the others key their counters by.
	ID() string
	// Sources lists what it publishes ("microphone", "camera").
	Sources() []string
	Sent(source string) uint64
	Received(participantID, source string) uint64
	FirstMedia(participantID, source string) time.Duration
}

// CallRun says how to measure a set of joined calls.
type CallRun struct {
	Scenario string
	Pid      int // the server's process
	Idle     Proc
	// IdleCPU is the server's CPU, in cores, before the joins (IdleCPU):
	// what it spends on other work, subtracted for the CPU above idle.
	IdleCPU          float64
	Bitrate          int
	Warmup, Duration time.Duration
	// PprofURL, when set, is a Go server's pprof base URL
	// (http://127.0.0.1:6060): a CPU profile of the measuring window is
	// written to ProfilePath.
	PprofURL, ProfilePath string
}

// CallResult is what a run measured in its window.
type CallResult struct {
	Forwarded, Expected uint64 // packets received / sent × receivers
	VideoForwarded      uint64
	Elapsed             time.Duration
	CPU                 time.Duration
	Joined              Proc
	// Subscriptions counts publisher → receiver pairs: in the fan-out,
	// the subscribers.
	Subscriptions int
	Joins         []time.Duration
}

// MeasureCalls waits r.Warmup after the joins, then measures the server
// over r.Duration and prints the figures to w.
func MeasureCalls(w io.Writer, r CallRun, rooms [][]CallPeer) (CallResult, error) {
	time.Sleep(r.Warmup)
	var res CallResult
	joined, err := ReadProc(r.Pid)
	if err != nil {
		return res, err
	}
	var prof chan error
	if r.PprofURL != "" {
		prof = make(chan error, 1)
		go func() { prof <- fetchProfile(r.PprofURL, r.ProfilePath, r.Duration) }()
	}
	sent0, recv0, video0 := callTotals(rooms)
	t0 := time.Now()
	time.Sleep(r.Duration)
	end, err := ReadProc(r.Pid)
	if err != nil {
		return res, err
	}
	sent1, recv1, video1 := callTotals(rooms)
	res.Elapsed = time.Since(t0)
	res.Forwarded, res.Expected, res.VideoForwarded = recv1-recv0, sent1-sent0, video1-video0
	res.CPU, res.Joined = end.CPU-joined.CPU, joined
	for _, room := range rooms {
		for _, p := range room {
			if len(p.Sources()) > 0 {
				res.Subscriptions += len(room) - 1
			}
			for _, tx := range room {
				if tx == p {
					continue
				}
				for _, src := range tx.Sources() {
					if d := p.FirstMedia(tx.ID(), src); d > 0 {
						res.Joins = append(res.Joins, d)
					}
				}
			}
		}
	}
	slices.Sort(res.Joins)
	if prof != nil {
		if err := <-prof; err != nil {
			return res, err
		}
	}
	res.print(w, r, rooms)
	return res, nil
}

func (res CallResult) print(w io.Writer, r CallRun, rooms [][]CallPeer) {
	n := 0
	for _, room := range rooms {
		n += len(room)
	}
	el := res.Elapsed
	fmt.Fprintf(w, "scenario %s: %d calls, %d participants, %d subscriptions (publisher → receiver pairs), video %d kbit/s\n",
		r.Scenario, len(rooms), n, res.Subscriptions, r.Bitrate/1000)
	fmt.Fprintf(w, "forwarded:        %d packets in %v (%.0f packets/s; video %.0f/s)\n", res.Forwarded, el.Round(time.Millisecond),
		float64(res.Forwarded)/el.Seconds(), float64(res.VideoForwarded)/el.Seconds())
	fmt.Fprintf(w, "server CPU:       %v in %v (%.0f%% of a core), %.2f µs per forwarded packet\n",
		res.CPU, el.Round(time.Millisecond), 100*res.CPU.Seconds()/el.Seconds(), float64(res.CPU.Microseconds())/float64(max(1, res.Forwarded)))
	above := res.CPU.Seconds() - r.IdleCPU*el.Seconds()
	fmt.Fprintf(w, "above idle:       %.1f%% of a core idle, %.2f µs per forwarded packet above it\n",
		100*r.IdleCPU, 1e6*above/float64(max(1, res.Forwarded)))
	fmt.Fprintf(w, "server memory:    %.1f MiB idle → %.1f MiB in the calls: %.0f KiB per subscription\n",
		float64(r.Idle.RSS)/(1<<20), float64(res.Joined.RSS)/(1<<20), float64(res.Joined.RSS-r.Idle.RSS)/1024/float64(max(1, res.Subscriptions)))
	if res.Expected > 0 {
		fmt.Fprintf(w, "packet loss:      %.2f%% (%d received of %d sent × receivers)\n",
			100*(1-float64(res.Forwarded)/float64(res.Expected)), res.Forwarded, res.Expected)
	}
	if j := res.Joins; len(j) > 0 {
		pct := func(p int) time.Duration { return j[min(len(j)-1, len(j)*p/100)].Round(time.Millisecond) }
		fmt.Fprintf(w, "join → first media: p50 %v, p95 %v, max %v (%d)\n", pct(50), pct(95), j[len(j)-1].Round(time.Millisecond), len(j))
	}
	if r.ProfilePath != "" {
		fmt.Fprintf(w, "CPU profile:      %s\n", r.ProfilePath)
	}
}

// IdleCPU reads the server's CPU over d before a run: it returns the
// process at the end and the cores it used.
func IdleCPU(pid int, d time.Duration) (Proc, float64, error) {
	a, err := ReadProc(pid)
	if err != nil {
		return Proc{}, 0, err
	}
	t0 := time.Now()
	time.Sleep(d)
	b, err := ReadProc(pid)
	if err != nil {
		return Proc{}, 0, err
	}
	return b, (b.CPU - a.CPU).Seconds() / time.Since(t0).Seconds(), nil
}

// callTotals sums, over every publisher → receiver pair, packets sent by
// the publisher and received by the receiver, and the video among those
// received.
func callTotals(rooms [][]CallPeer) (sent, recv, video uint64) {
	for _, room := range rooms {
		for _, tx := range room {
			for _, src := range tx.Sources() {
				s := tx.Sent(src)
				for _, rx := range room {
					if rx != tx {
						n := rx.Received(tx.ID(), src)
						sent += s
						recv += n
						if src != "microphone" {
							video += n
						}
					}
				}
			}
		}
	}
	return sent, recv, video
}

// fetchProfile takes a CPU profile of d from a Go server's pprof handler.
func fetchProfile(base, path string, d time.Duration) error {
	resp, err := http.Get(fmt.Sprintf("%s/debug/pprof/profile?seconds=%d", base, int(d.Seconds())))
	if err != nil {
		return fmt.Errorf("cpu profile: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("cpu profile: %s", resp.Status)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// CallFlags are the command-line settings every call load driver shares
// (parley-callload against Parley, tools/lkload against LiveKit), so that
// both run the same scenarios under the same names and defaults.
type CallFlags struct {
	Pid, Subs, Rooms, Size, Bitrate int
	Scenario                        string
	Warmup, Duration, Idle          time.Duration
	Audio                           bool
}

// Register defines the shared flags on fs.
func (f *CallFlags) Register(fs *flag.FlagSet) {
	fs.IntVar(&f.Pid, "pid", 0, "the server's process id, for its CPU and memory (required)")
	fs.StringVar(&f.Scenario, "scenario", "fanout", "fanout or rooms")
	fs.IntVar(&f.Subs, "subs", 50, "fanout: subscribers")
	fs.IntVar(&f.Rooms, "rooms", 10, "rooms: how many calls")
	fs.IntVar(&f.Size, "size", 5, "rooms: participants per call")
	fs.IntVar(&f.Bitrate, "bitrate", 1_000_000, "video bitrate of each publisher, bits/s")
	fs.DurationVar(&f.Warmup, "warmup", 5*time.Second, "time after the joins before measuring")
	fs.DurationVar(&f.Duration, "duration", 20*time.Second, "measuring window")
	fs.DurationVar(&f.Idle, "idle", 5*time.Second, "how long the server's idle CPU is read before the joins")
	fs.BoolVar(&f.Audio, "audio", true, "publishers send audio as well as video (false: video only)")
}
