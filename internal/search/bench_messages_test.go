package search

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
)

// benchCorpus makes synthetic messages: 200 groups, 6–20 words each from
// a 20,000-word vocabulary with a Zipf skew (a few words very common,
// most rare), one second apart.
type benchCorpus struct {
	rng  *rand.Rand
	zipf *rand.Zipf
	at   time.Time
}

func newBenchCorpus() *benchCorpus {
	rng := rand.New(rand.NewPCG(1, 14))
	return &benchCorpus{rng: rng, zipf: rand.NewZipf(rng, 1.1, 1, 19999), at: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
}

func (c *benchCorpus) word() string { return "w" + strconv.FormatUint(c.zipf.Uint64(), 36) }

func benchGroup(i int) string { return fmt.Sprintf("00000000-0000-4000-8000-%012d", i) }

func (c *benchCorpus) next(i int) MessageDoc {
	words := make([]string, 6+c.rng.IntN(15))
	for j := range words {
		words[j] = c.word()
	}
	c.at = c.at.Add(time.Second)
	return MessageDoc{ID: fmt.Sprintf("m%09d", i), GroupID: benchGroup(c.rng.IntN(200)), Seq: int64(i + 1), AuthorID: "u", CreatedAt: c.at, Text: strings.Join(words, " "), Version: VersionCreated(c.at)}
}

// BenchmarkMessageIndexing measures PutMessage as the search role uses it
// (each write persisted before it returns) with 32 writers at once, as
// the bus's handlers of many groups would: b.N messages.
func BenchmarkMessageIndexing(b *testing.B) {
	idx, err := OpenBleveMessages(filepath.Join(b.TempDir(), "messages"))
	if err != nil {
		b.Fatal(err)
	}
	defer idx.Close()
	c := newBenchCorpus()
	docs := make([]MessageDoc, b.N)
	for i := range docs {
		docs[i] = c.next(i)
	}
	ctx := context.Background()
	var next atomic.Int64
	var failed atomic.Value
	var wg sync.WaitGroup
	b.ResetTimer()
	t0 := time.Now()
	for range 32 {
		wg.Go(func() {
			for i := next.Add(1) - 1; i < int64(len(docs)); i = next.Add(1) - 1 {
				if err := idx.PutMessage(ctx, docs[i]); err != nil {
					failed.Store(err)
				}
			}
		})
	}
	wg.Wait()
	if err := failed.Load(); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/time.Since(t0).Seconds(), "msg/s")
}

// BenchmarkMessageSearch measures a message search on the embedded index
// holding PARLEY_BENCH_MESSAGES messages (default 20,000; loaded in
// batches of PARLEY_BENCH_BATCH, default 1,000, with the documents
// PutMessage writes, since loading through PutMessage is what
// BenchmarkMessageIndexing measures; small batches leave the segments a
// busy group's stream of PutMessages leaves),
// searched by a member of 20 of the 200 groups with one or two words, a
// page of 20. It reports the p50 and p99 latency. PARLEY_BENCH_DIR keeps
// the index between runs (loaded once).
func BenchmarkMessageSearch(b *testing.B) {
	n := 20000
	if s := os.Getenv("PARLEY_BENCH_MESSAGES"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	dir := os.Getenv("PARLEY_BENCH_DIR")
	if dir == "" {
		dir = b.TempDir()
	}
	per := 1000
	if s := os.Getenv("PARLEY_BENCH_BATCH"); s != "" {
		per, _ = strconv.Atoi(s)
	}
	dir = filepath.Join(dir, fmt.Sprintf("messages-%d-%d", n, per))
	_, statErr := os.Stat(dir)
	idx, err := OpenBleveMessages(dir)
	if err != nil {
		b.Fatal(err)
	}
	defer idx.Close()
	c := newBenchCorpus()
	if statErr != nil {
		t0 := time.Now()
		batch := idx.idx.NewBatch()
		for i := range n {
			d := c.next(i)
			if err := batch.Index(d.ID, messageFields(d)); err != nil {
				b.Fatal(err)
			}
			if batch.Size() >= per || i == n-1 {
				if err := idx.idx.Batch(batch); err != nil {
					b.Fatal(err)
				}
				batch.Reset()
			}
		}
		b.Logf("loaded %d messages in %v", n, time.Since(t0).Round(time.Millisecond))
	}
	groups := make([]string, 20)
	for i := range groups {
		groups[i] = benchGroup(i * 10)
	}
	ctx := context.Background()
	var lat []time.Duration
	b.ResetTimer()
	for b.Loop() {
		terms := []string{c.word()}
		if c.rng.IntN(2) == 0 {
			terms = append(terms, c.word())
		}
		s := time.Now()
		if _, err := idx.SearchMessages(ctx, MessageQuery{Terms: terms, GroupIDs: groups, Limit: 21}); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(s))
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
}
