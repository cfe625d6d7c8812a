package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// readResults reads every *.json result in dir.
func readResults(dir string) ([]result, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, err
	}
	slices.Sort(files)
	var out []result
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		var r result
		if err := json.Unmarshal(b, &r); err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		out = append(out, r)
	}
	return out, nil
}

// printTable prints issue 11's table from the results in dir: for each
// scenario and target the median over its runs.
func printTable(w io.Writer, dir string) error {
	rs, err := readResults(dir)
	if err != nil {
		return err
	}
	if len(rs) == 0 {
		return fmt.Errorf("no results in %s", dir)
	}
	_, err = io.WriteString(w, table(rs))
	return err
}

// table renders the results: one row per figure, Parley's and
// Centrifugo's medians side by side, the goal of issue 11 beside them.
func table(rs []result) string {
	pick := func(target, scenario string) []result {
		var out []result
		for _, r := range rs {
			if r.Target == target && r.Scenario == scenario {
				out = append(out, r)
			}
		}
		return out
	}
	med := func(in []result, f func(result) float64) float64 {
		xs := make([]float64, len(in))
		for i, r := range in {
			xs[i] = f(r)
		}
		return median(xs)
	}
	num := func(v float64, format string) string {
		if math.IsNaN(v) {
			return "—"
		}
		return fmt.Sprintf(format, v)
	}
	closes := func(in []result) string {
		sum := map[string]int{}
		for _, r := range in {
			for k, v := range r.Closes {
				sum[k] += v
			}
		}
		if len(sum) == 0 {
			return ""
		}
		keys := slices.Sorted(func(yield func(string) bool) {
			for k := range sum {
				if !yield(k) {
					return
				}
			}
		})
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = fmt.Sprintf("%d× %s", sum[k], k)
		}
		return "; closes over all runs: " + strings.Join(parts, ", ")
	}
	runs := func(in []result) string {
		if len(in) == 0 {
			return ""
		}
		return fmt.Sprintf(" [%d run(s), load %s]", len(in), num(med(in, func(r result) float64 { return r.Load1 }), "%.1f"))
	}
	var b strings.Builder
	b.WriteString("| scenario | Parley | Centrifugo | goal for Parley |\n|---|---|---|---|\n")
	row := func(name, goal string, cell func(in []result) string, scenario string) {
		p, c := pick("parley", scenario), pick("centrifugo", scenario)
		if len(p) == 0 && len(c) == 0 {
			return
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", name, cell(p), cell(c), goal)
	}
	conns := func(scenario string) int {
		for _, r := range rs {
			if r.Scenario == scenario {
				return r.Conns
			}
		}
		return 0
	}
	rate := func(scenario string) float64 {
		for _, r := range rs {
			if r.Scenario == scenario {
				return r.Rate
			}
		}
		return 0
	}
	groups := func(scenario string) int {
		for _, r := range rs {
			if r.Scenario == scenario {
				return r.Groups
			}
		}
		return 0
	}
	row(fmt.Sprintf("idle authenticated WebSocket, RSS per connection at %d", conns("idle")), "≤ 8 KB", func(in []result) string {
		if len(in) == 0 {
			return "—"
		}
		s := num(med(in, func(r result) float64 { return r.RSSPerConnKiB }), "%.1f KiB")
		s += fmt.Sprintf(" (heap %s, stack %s; %s goroutines)",
			num(med(in, func(r result) float64 { return r.HeapPerConnKiB }), "%.1f"),
			num(med(in, func(r result) float64 { return r.StackPerConnKiB }), "%.1f"),
			num(med(in, func(r result) float64 { return r.GoroutinesPer }), "%.2f"))
		return s + runs(in)
	}, "idle")
	delivery := func(in []result) string {
		if len(in) == 0 {
			return "—"
		}
		lost := med(in, func(r result) float64 { return float64(r.Lost) })
		exp := med(in, func(r result) float64 { return float64(r.Expected) })
		ms := func(f func(result) float64) string {
			v := med(in, f)
			if v >= 1000 {
				return num(v/1000, "%.1f s")
			}
			return num(v, "%.1f ms")
		}
		s := fmt.Sprintf("%s / %s (max %s); lost %s of %s",
			ms(func(r result) float64 { return r.P50ms }),
			ms(func(r result) float64 { return r.P99ms }),
			ms(func(r result) float64 { return r.MaxMs }),
			num(lost, "%.0f"), num(exp, "%.0f"))
		if lc := med(in, func(r result) float64 { return float64(r.LostClosed) }); lc > 0 {
			s += fmt.Sprintf(" (%.0f on connections the server closed)", lc)
		}
		if d := med(in, func(r result) float64 { return float64(r.Duplicates) }); d > 0 {
			s += fmt.Sprintf(", %.0f duplicates", d)
		}
		if sk := med(in, func(r result) float64 { return float64(r.Skipped + r.SendErrors) }); sk > 0 {
			s += fmt.Sprintf(", %.0f sends skipped or failed", sk)
		}
		return s + closes(in) + runs(in)
	}
	cpu := func(in []result) string {
		if len(in) == 0 {
			return "—"
		}
		return fmt.Sprintf("%s (%s of a core; waiting for a CPU %s of the time; load client %s of its core)",
			num(med(in, func(r result) float64 { return r.CPUPerMsgUs }), "%.1f µs"),
			num(100*med(in, func(r result) float64 { return r.CPUShare }), "%.0f %%"),
			num(100*med(in, func(r result) float64 { return r.WaitShare }), "%.0f %%"),
			num(100*med(in, func(r result) float64 { return r.LoadCPUShare }), "%.0f %%"))
	}
	row(fmt.Sprintf("fan-out, %d members of one group × %.0f msg/s: p50 / p99", conns("fanout"), rate("fanout")),
		"p50 ≤ 10 ms, p99 ≤ 50 ms, nothing lost", delivery, "fanout")
	row("fan-out, per message: send → first member / → last member / first → last, p50 (p99)", "—", func(in []result) string {
		if len(in) == 0 || med(in, func(r result) float64 { return r.FirstP50ms }) == 0 {
			return "—"
		}
		pair := func(p50, p99 func(result) float64) string {
			return fmt.Sprintf("%s (%s)", num(med(in, p50), "%.1f"), num(med(in, p99), "%.1f"))
		}
		return pair(func(r result) float64 { return r.FirstP50ms }, func(r result) float64 { return r.FirstP99ms }) + " / " +
			pair(func(r result) float64 { return r.LastP50ms }, func(r result) float64 { return r.LastP99ms }) + " / " +
			pair(func(r result) float64 { return r.SpreadP50ms }, func(r result) float64 { return r.SpreadP99ms }) + " ms"
	}, "fanout")
	row("fan-out: CPU per delivered message", "≤ 5 µs", cpu, "fanout")
	row(fmt.Sprintf("frame size of one %d-byte message", textLen), "≤ 250 B", func(in []result) string {
		if len(in) == 0 {
			return "—"
		}
		return num(med(in, func(r result) float64 { return float64(r.FrameBytes) }), "%.0f B")
	}, "fanout")
	row(fmt.Sprintf("rooms, %d connections in %d groups × %.0f msg/s: p50 / p99", conns("rooms"), groups("rooms"), rate("rooms")),
		"—", delivery, "rooms")
	row("rooms: CPU per delivered message", "—", cpu, "rooms")
	return b.String()
}
