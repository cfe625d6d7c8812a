package search_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parleychat/parley/internal/search"
)

// BenchmarkMessageSearch measures a message search on the embedded index:
// PARLEY_BENCH_MESSAGES messages (default 20,000) in 200 groups, each of
// 6–20 words drawn from a 20,000-word vocabulary with a Zipf skew (a few
// words are very common, most rare), searched by a member of 20 groups
// with one or two words, a page of 20. It reports the load rate and the
// search latency's p50 and p99. PARLEY_BENCH_DIR keeps the index between
// runs (loaded once).
func BenchmarkMessageSearch(b *testing.B) {
	n := 20000
	if s := os.Getenv("PARLEY_BENCH_MESSAGES"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	dir := os.Getenv("PARLEY_BENCH_DIR")
	if dir == "" {
		dir = b.TempDir()
	}
	dir = filepath.Join(dir, fmt.Sprintf("messages-%d", n))
	_, statErr := os.Stat(dir)
	idx, err := search.OpenBleveMessages(dir)
	if err != nil {
		b.Fatal(err)
	}
	defer idx.Close()
	rng := rand.New(rand.NewPCG(1, 14))
	zipf := rand.NewZipf(rng, 1.1, 1, 19999)
	word := func() string { return "w" + strconv.FormatUint(zipf.Uint64(), 36) }
	group := func(i int) string { return fmt.Sprintf("00000000-0000-4000-8000-%012d", i) }
	ctx := context.Background()
	if statErr != nil {
		// Loaded by 32 writers at once, as the bus's handlers of many
		// groups would.
		t0 := time.Now()
		at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		docs := make(chan search.MessageDoc, 64)
		var wg sync.WaitGroup
		var failed atomic.Value
		for range 32 {
			wg.Go(func() {
				for d := range docs {
					if err := idx.PutMessage(ctx, d); err != nil {
						failed.Store(err)
					}
				}
			})
		}
		for i := range n {
			words := make([]string, 6+rng.IntN(15))
			for j := range words {
				words[j] = word()
			}
			at = at.Add(time.Second)
			docs <- search.MessageDoc{ID: fmt.Sprintf("m%09d", i), GroupID: group(rng.IntN(200)), Seq: int64(i + 1), AuthorID: "u", CreatedAt: at, Text: strings.Join(words, " "), Version: search.VersionCreated(at)}
		}
		close(docs)
		wg.Wait()
		if err := failed.Load(); err != nil {
			b.Fatal(err)
		}
		b.Logf("loaded %d messages in %v (%.0f/s)", n, time.Since(t0).Round(time.Millisecond), float64(n)/time.Since(t0).Seconds())
	}
	groups := make([]string, 20)
	for i := range groups {
		groups[i] = group(i * 10)
	}
	var lat []time.Duration
	b.ResetTimer()
	for b.Loop() {
		terms := []string{word()}
		if rng.IntN(2) == 0 {
			terms = append(terms, word())
		}
		s := time.Now()
		if _, err := idx.SearchMessages(ctx, search.MessageQuery{Terms: terms, GroupIDs: groups, Limit: 21}); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(s))
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
}
