package main

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"time"
)

// percentile returns the p-th percentile (0 ≤ p ≤ 100) of sorted by the
// nearest-rank method: the smallest value with at least p % of the values
// at or below it. 0 for an empty slice.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	rank = min(max(rank, 1), len(sorted))
	return sorted[rank-1]
}

// median of xs (the mean of the middle two for an even count); NaN for
// none. xs is not changed.
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// The text of every load message is exactly textLen bytes: the send time
// in Unix nanoseconds, a space, the message's index in the run, a space,
// then padding. Both servers carry it unchanged inside a JSON string.
const textLen = 100

// loadText makes the text of message index sent at t.
func loadText(t time.Time, index int64) string {
	b := make([]byte, 0, textLen)
	b = strconv.AppendInt(b, t.UnixNano(), 10)
	b = append(b, ' ')
	b = strconv.AppendInt(b, index, 10)
	b = append(b, ' ')
	for len(b) < textLen {
		b = append(b, 'x')
	}
	return string(b)
}

// parseLoadText reads the send time and index back from a load text.
func parseLoadText(text []byte) (sent time.Time, index int64, ok bool) {
	ns, rest, ok1 := bytes.Cut(text, []byte(" "))
	idx, _, ok2 := bytes.Cut(rest, []byte(" "))
	if !ok1 || !ok2 {
		return time.Time{}, 0, false
	}
	n, err1 := strconv.ParseInt(string(ns), 10, 64)
	i, err2 := strconv.ParseInt(string(idx), 10, 64)
	if err1 != nil || err2 != nil || i < 0 {
		return time.Time{}, 0, false
	}
	return time.Unix(0, n), i, true
}

// textField returns the value of the first "text" string field in a JSON
// frame, without decoding the rest (the load client reads up to 100,000
// frames/s on one core). It does not unescape: load texts hold no
// characters JSON escapes, and a text with a backslash is refused.
func textField(frame []byte) ([]byte, bool) {
	const key = `"text":"`
	i := bytes.Index(frame, []byte(key))
	if i < 0 {
		return nil, false
	}
	rest := frame[i+len(key):]
	j := bytes.IndexByte(rest, '"')
	if j < 0 || bytes.IndexByte(rest[:j], '\\') >= 0 {
		return nil, false
	}
	return rest[:j], true
}

// bitset records which message indexes a connection has received.
type bitset []uint64

// set marks i and reports whether it was already marked.
func (b *bitset) set(i int64) (dup bool) {
	w := int(i / 64)
	if w >= len(*b) {
		*b = append(*b, make([]uint64, w+1-len(*b))...)
	}
	m := uint64(1) << (i % 64)
	dup = (*b)[w]&m != 0
	(*b)[w] |= m
	return dup
}

// fmtDur prints a latency with a precision that suits its size.
func fmtDur(d time.Duration) string {
	switch {
	case d >= 10*time.Second:
		return fmt.Sprintf("%.0f s", d.Seconds())
	case d >= time.Second:
		return fmt.Sprintf("%.1f s", d.Seconds())
	case d >= 10*time.Millisecond:
		return fmt.Sprintf("%.0f ms", float64(d)/1e6)
	default:
		return fmt.Sprintf("%.1f ms", float64(d)/1e6)
	}
}

// schedWait is the time the threads of process pid have spent runnable but
// waiting for a CPU (the second field of /proc/<pid>/task/*/schedstat),
// summed: on a shared machine, how much of a window the server was kept
// from running by others. Threads that ended are missed; 0 when unknown.
func schedWait(pid int) time.Duration {
	tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/schedstat", pid))
	var sum int64
	for _, t := range tasks {
		b, err := os.ReadFile(t)
		if err != nil {
			continue
		}
		sum += parseSchedWait(b)
	}
	return time.Duration(sum)
}

// parseSchedWait reads the wait field (ns) of a schedstat line.
func parseSchedWait(b []byte) int64 {
	f := bytes.Fields(b)
	if len(f) < 2 {
		return 0
	}
	n, _ := strconv.ParseInt(string(f[1]), 10, 64)
	return n
}
