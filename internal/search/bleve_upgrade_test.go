package search

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/blevesearch/bleve/v2"
)

// TestOpenBleveUpgradesAnIndexWithoutDisplayNames opens an index made
// with the mapping before issue 13 (no display name fields), as an
// upgraded installation has, and checks that it is rebuilt: every user is
// still found with its picture and version, and display names written
// afterwards are found.
func TestOpenBleveUpgradesAnIndexWithoutDisplayNames(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "search")
	m, err := newMapping()
	if err != nil {
		t.Fatal(err)
	}
	delete(m.DefaultMapping.Properties, fieldName)
	delete(m.DefaultMapping.Properties, fieldNameGram)
	old, err := bleve.NewUsing(dir, m, bleve.Config.DefaultIndexType, bleve.Config.DefaultKVStore, boltConfig())
	if err != nil {
		t.Fatal(err)
	}
	if current(old) {
		t.Fatal("the old mapping counts as current")
	}
	const users = 2*upgradePage + 7 // more than one page
	batch := old.NewBatch()
	for i := range users {
		name := "user" + string(rune('a'+i%26)) + itoa(i)
		if err := batch.Index("id-"+itoa(i), map[string]any{fieldUsername: name, fieldGrams: name, fieldVersion: "5"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := old.Batch(batch); err != nil {
		t.Fatal(err)
	}
	if err := old.Index("ada", map[string]any{fieldUsername: "ada", fieldGrams: "ada", fieldVersion: "9", fieldPicture: "/p?v=1"}); err != nil {
		t.Fatal(err)
	}
	if err := old.Close(); err != nil {
		t.Fatal(err)
	}

	idx, err := OpenBleve(dir)
	if err != nil {
		t.Fatalf("OpenBleve on an old index: %v", err)
	}
	t.Cleanup(func() { idx.Close() })
	if !current(idx.idx) {
		t.Fatal("the index was not upgraded")
	}
	if n, err := idx.idx.DocCount(); err != nil || n != users+1 {
		t.Fatalf("%d documents after the upgrade (%v), want %d", n, err, users+1)
	}
	docs, err := idx.Search(ctx, "ada", 5)
	if err != nil || len(docs) != 1 || docs[0].ID != "ada" || docs[0].PictureURL == nil || *docs[0].PictureURL != "/p?v=1" {
		t.Fatalf(`Search("ada") = %+v, %v`, docs, err)
	}
	// Users of the first, middle and last pages (in id order) came along.
	for _, i := range []int{0, 25, 1500, 999, users - 1} {
		name := "user" + string(rune('a'+i%26)) + itoa(i)
		if docs, err := idx.Search(ctx, name, 1); err != nil || len(docs) != 1 || docs[0].ID != "id-"+itoa(i) || docs[0].Username != name {
			t.Errorf("Search(%q) = %+v, %v; want the copied user id-%d", name, docs, err, i)
		}
	}
	// The version came along: an older write is still ignored.
	if err := idx.Upsert(ctx, Doc{ID: "ada", Username: "ada", DisplayName: "Stale Name", Version: 8}); err != nil {
		t.Fatal(err)
	}
	if docs, _ := idx.Search(ctx, "stale", 5); len(docs) != 0 {
		t.Errorf("a stale write was applied after the upgrade: %+v", docs)
	}
	if err := idx.Upsert(ctx, Doc{ID: "ada", Username: "ada", DisplayName: "Ada Lovelace", Version: 10}); err != nil {
		t.Fatal(err)
	}
	if docs, _ := idx.Search(ctx, "lovelace", 5); len(docs) != 1 || docs[0].DisplayName != "Ada Lovelace" {
		t.Errorf(`Search("lovelace") = %+v, want ada with her display name`, docs)
	}
	for _, leftover := range []string{dir + ".new", dir + ".old"} {
		if _, err := os.Stat(leftover); !os.IsNotExist(err) {
			t.Errorf("%s left behind (%v)", leftover, err)
		}
	}
}

// TestOpenBleveFinishesAnInterruptedUpgrade: a crash between the two
// renames leaves only dir.old; opening puts it back.
func TestOpenBleveFinishesAnInterruptedUpgrade(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "search")
	idx, err := OpenBleve(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := idx.Upsert(ctx, Doc{ID: "u1", Username: "alice", Version: 1}); err != nil {
		t.Fatal(err)
	}
	idx.Close()
	if err := os.Rename(dir, dir+".old"); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir+".new", 0o700); err != nil {
		t.Fatal(err)
	}
	idx, err = OpenBleve(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { idx.Close() })
	if docs, err := idx.Search(ctx, "alice", 5); err != nil || len(docs) != 1 {
		t.Fatalf(`Search("alice") = %+v, %v; want the user of the restored index`, docs, err)
	}
	if _, err := os.Stat(dir + ".new"); !os.IsNotExist(err) {
		t.Errorf("the interrupted rebuild's directory is still there (%v)", err)
	}
}

func itoa(i int) string {
	const digits = "0123456789"
	if i < 10 {
		return digits[i : i+1]
	}
	return itoa(i/10) + digits[i%10:i%10+1]
}
