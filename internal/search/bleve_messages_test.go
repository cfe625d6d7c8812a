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

func newBleveMessages(t *testing.T) *search.BleveMessages {
	t.Helper()
	idx, err := search.OpenBleveMessages(search.MessagesDir(filepath.Join(t.TempDir(), "search")))
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

func TestBleveMessagesContract(t *testing.T) {
	t.Parallel()
	searchtest.RunMessages(t, func(t *testing.T) (search.MessageIndex, func()) { return newBleveMessages(t), func() {} })
}

func TestBleveMessagesSurviveAReopenAndKeepTheirDirectoryPrivate(t *testing.T) {
	t.Parallel()
	dir := search.MessagesDir(filepath.Join(t.TempDir(), "search"))
	idx, err := search.OpenBleveMessages(dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	at := time.Now()
	if err := idx.PutMessage(ctx, search.MessageDoc{ID: "m1", GroupID: "g1", Seq: 1, AuthorID: "u1", CreatedAt: at, Text: "persisted words", Version: search.VersionCreated(at)}); err != nil {
		t.Fatal(err)
	}
	if err := idx.Close(); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("directory mode = %v, %v; want 0700", fi.Mode().Perm(), err)
	}
	idx = newBleveMessagesAt(t, dir)
	got, err := idx.SearchMessages(ctx, search.MessageQuery{Terms: []string{"persisted"}, GroupIDs: []string{"g1"}, Limit: 5})
	if err != nil || len(got) != 1 || got[0].ID != "m1" {
		t.Errorf("after reopen = %+v, %v; want m1", got, err)
	}
	users := filepath.Join(t.TempDir(), "users")
	u, err := search.OpenBleve(users)
	if err != nil {
		t.Fatal(err)
	}
	u.Close()
	if _, err := search.OpenBleveMessages(users); err == nil {
		t.Error("OpenBleveMessages opened a user index")
	}
}

func newBleveMessagesAt(t *testing.T, dir string) *search.BleveMessages {
	t.Helper()
	idx, err := search.OpenBleveMessages(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { idx.Close() })
	return idx
}

func TestSnippetMarksTheMatchedWordsInCharacters(t *testing.T) {
	t.Parallel()
	d := search.MessageDoc{Text: "Zoë 🦊 said: the Release is out"}
	snip, hl := search.Snippet(d, []string{"release", "zo"})
	if snip != d.Text {
		t.Fatalf("snippet = %q, want the whole short text", snip)
	}
	r := []rune(snip)
	var marked []string
	for _, h := range hl {
		marked = append(marked, string(r[h[0]:h[1]]))
	}
	// "zo" is under three characters: it matches the whole word "zo" only.
	if !slices.Equal(marked, []string{"Release"}) {
		t.Errorf("highlights %v mark %q, want [Release]", hl, marked)
	}

	long := ""
	for range 60 {
		long += "filler "
	}
	d = search.MessageDoc{Text: long + "the needle is here " + long}
	snip, hl = search.Snippet(d, []string{"needle"})
	r = []rune(snip)
	if len(r) > search.SnippetLen || r[0] != '…' || r[len(r)-1] != '…' {
		t.Errorf("snippet of a long text = %q (%d characters), want at most %d cut on both sides", snip, len(r), search.SnippetLen)
	}
	if len(hl) != 1 || string(r[hl[0][0]:hl[0][1]]) != "needle" {
		t.Errorf("highlights = %v in %q, want the needle", hl, snip)
	}

	d = search.MessageDoc{Text: "see attached", Files: []string{"q3-Budget.xlsx"}}
	snip, hl = search.Snippet(d, []string{"budget"})
	if snip != "q3-Budget.xlsx" || len(hl) != 1 || hl[0] != [2]int{3, 9} {
		t.Errorf("snippet = %q %v, want the file name with Budget marked", snip, hl)
	}
}

func TestBlevePutMessagesRefusesADocumentWithoutIdsAndWritesNothing(t *testing.T) {
	t.Parallel()
	idx := newBleveMessages(t)
	ctx := context.Background()
	at := time.Now()
	good := search.MessageDoc{ID: "m1", GroupID: "g1", Seq: 1, AuthorID: "u1", CreatedAt: at, Text: "kept out", Version: search.VersionCreated(at)}
	for _, bad := range []search.MessageDoc{{GroupID: "g1", Text: "no id"}, {ID: "m2", Text: "no group"}} {
		if err := idx.PutMessages(ctx, []search.MessageDoc{good, bad}); err == nil {
			t.Errorf("PutMessages with %+v: no error", bad)
		}
	}
	got, err := idx.SearchMessages(ctx, search.MessageQuery{Terms: []string{"kept"}, GroupIDs: []string{"g1"}, Limit: 5})
	if err != nil || len(got) != 0 {
		t.Errorf("after refused batches: %+v, %v; want nothing written", got, err)
	}
}
