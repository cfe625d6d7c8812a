package search_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/parleychat/parley/internal/search"
	"github.com/parleychat/parley/internal/search/searchtest"
)

func newBleve(t *testing.T) search.Index {
	t.Helper()
	idx, err := search.OpenBleve(filepath.Join(t.TempDir(), "search"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := idx.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return idx
}

func TestBleveContract(t *testing.T) {
	t.Parallel()
	searchtest.Run(t, func(t *testing.T) search.Index { return newBleve(t) })
}

func TestBleveKeepsDocumentsAcrossReopen(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "nested", "search")
	idx, err := search.OpenBleve(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := idx.Upsert(ctx, search.Doc{ID: "u1", Username: "Alice", Version: 5}); err != nil {
		t.Fatal(err)
	}
	if err := idx.Close(); err != nil {
		t.Fatal(err)
	}
	if err := idx.Ping(ctx); err == nil {
		t.Error("Ping after Close = nil, want an error")
	}

	idx, err = search.OpenBleve(dir)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	t.Cleanup(func() { idx.Close() })
	docs, err := idx.Search(ctx, "ali", 10)
	if err != nil || len(docs) != 1 || docs[0].ID != "u1" {
		t.Fatalf("Search after reopen = %+v, %v; want u1", docs, err)
	}
	// The version survives too: an older write is still ignored.
	if err := idx.Upsert(ctx, search.Doc{ID: "u1", Username: "Zed", Version: 4}); err != nil {
		t.Fatal(err)
	}
	if docs, _ := idx.Search(ctx, "zed", 10); len(docs) != 0 {
		t.Errorf("stale write after reopen was applied: %+v", docs)
	}
}

func TestOpenBleveCreatesTheIndexInAnExistingEmptyDirectory(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	idx, err := search.OpenBleve(dir)
	if err != nil {
		t.Fatal(err)
	}
	idx.Close()
}

func TestOpenBleveRefusesADirectoryThatIsNotAnIndex(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("hi"), 0o644); err != nil {
		t.Fatal(err)
	}
	if idx, err := search.OpenBleve(dir); err == nil {
		idx.Close()
		t.Fatal("OpenBleve on a directory with foreign files succeeded")
	}
}

func TestOpenBleveURL(t *testing.T) {
	t.Parallel()
	base := t.TempDir()
	idx, err := search.OpenBleveURL("bleve://" + filepath.ToSlash(base) + "/search")
	if err != nil {
		t.Fatal(err)
	}
	idx.Close()
	if _, err := os.Stat(filepath.Join(base, "search", "index_meta.json")); err != nil {
		t.Errorf("index not created where the URL says: %v", err)
	}
	for _, bad := range []string{"elasticsearch://x:9200", "bleve://", "bleve://a?x=1", "::"} {
		if idx, err := search.OpenBleveURL(bad); err == nil {
			idx.Close()
			t.Errorf("OpenBleveURL(%q) succeeded, want an error", bad)
		}
	}
}

func TestRankOrdersByTierThenScore(t *testing.T) {
	t.Parallel()
	hits := []search.Hit{
		{Doc: search.Doc{ID: "1", Username: "malice"}, Score: 9},
		{Doc: search.Doc{ID: "2", Username: "alicent"}, Score: 1},
		{Doc: search.Doc{ID: "3", Username: "ALICE"}, Score: 0.5},
		{Doc: search.Doc{ID: "4", Username: "alice2"}, Score: 3},
	}
	got := search.Rank(" Alice ", hits, 3)
	var ids []string
	for _, d := range got {
		ids = append(ids, d.ID)
	}
	if !slices.Equal(ids, []string{"3", "4", "2"}) {
		t.Errorf("Rank = %v, want [3 4 2]", ids)
	}
}

func TestMinGramsFollowsSixtyPercentRoundedDownAtLeastOne(t *testing.T) {
	t.Parallel()
	for n, want := range map[int]int{1: 1, 2: 1, 3: 1, 4: 2, 5: 3, 7: 4, 10: 6} {
		if got := search.MinGrams(n); got != want {
			t.Errorf("MinGrams(%d) = %d, want %d", n, got, want)
		}
	}
}

func TestBleveKeepsExactAndPrefixMatchesWhenTheLimitCuts(t *testing.T) {
	t.Parallel()
	idx := newBleve(t)
	ctx := context.Background()
	for i, u := range []string{"malice", "palice", "xalicex", "alice_the_great_and_powerful_wizard_of_the_north", "alicent_and_a_very_long_suffix_indeed", "Alice"} {
		if err := idx.Upsert(ctx, search.Doc{ID: string(rune('a' + i)), Username: u, Version: 1}); err != nil {
			t.Fatal(err)
		}
	}
	docs, err := idx.Search(ctx, "alice", 1)
	if err != nil || len(docs) != 1 || docs[0].Username != "Alice" {
		t.Fatalf("Search(alice, 1) = %+v, %v; want the exact match", docs, err)
	}
	docs, err = idx.Search(ctx, "alic", 3)
	if err != nil || len(docs) != 3 {
		t.Fatalf("Search(alic, 3) = %+v, %v", docs, err)
	}
	for _, d := range docs {
		if d.Username == "malice" || d.Username == "palice" || d.Username == "xalicex" {
			t.Errorf("Search(alic, 3) kept trigram match %q over a prefix match: %+v", d.Username, docs)
		}
	}
}

func TestOpenBleveFailsInsteadOfWaitingWhenTheDirectoryIsInUse(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	idx, err := search.OpenBleve(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { idx.Close() })
	start := time.Now()
	if second, err := search.OpenBleve(dir); err == nil {
		second.Close()
		t.Fatal("a second OpenBleve of the same directory succeeded")
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("the second OpenBleve took %s to fail", d)
	}
}
