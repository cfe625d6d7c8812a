// Package searchtest is the contract suite of the search.Index port: every
// implementation's tests call Run with a factory, so that the embedded
// bleve index and the Elasticsearch adapter match and rank alike.
package searchtest

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/search"
)

// Factory returns a new, empty index that the suite may write to. The
// factory closes it (t.Cleanup) when the test ends; the suite never does.
type Factory func(t *testing.T) search.Index

func ptr(s string) *string { return &s }

// seed upserts users (id = "id-"+username) at version 1.
func seed(t *testing.T, idx search.Index, usernames ...string) {
	t.Helper()
	for _, u := range usernames {
		if err := idx.Upsert(context.Background(), search.Doc{ID: "id-" + u, Username: u, Version: 1}); err != nil {
			t.Fatalf("Upsert(%s): %v", u, err)
		}
	}
}

func names(docs []search.Doc) []string {
	out := make([]string, len(docs))
	for i, d := range docs {
		out[i] = d.Username
	}
	return out
}

func find(t *testing.T, idx search.Index, q string, limit int) []string {
	t.Helper()
	docs, err := idx.Search(context.Background(), q, limit)
	if err != nil {
		t.Fatalf("Search(%q, %d): %v", q, limit, err)
	}
	return names(docs)
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

// Run runs the contract suite against indexes made by newIndex.
func Run(t *testing.T, newIndex Factory) {
	t.Run("a substring of three or more letters finds the user whatever the case", func(t *testing.T) {
		t.Parallel()
		idx := newIndex(t)
		seed(t, idx, "Alice", "Bob")
		for _, q := range []string{"ali", "lic", "ice", "ALI", "Alice", "  alice  ", "lice"} {
			if got := find(t, idx, q, 10); !slices.Equal(got, []string{"Alice"}) {
				t.Errorf("Search(%q) = %v, want [Alice]", q, got)
			}
		}
	})

	t.Run("a query under three characters matches usernames that start with it", func(t *testing.T) {
		t.Parallel()
		idx := newIndex(t)
		seed(t, idx, "Alice", "Albert", "Sally", "Bob")
		if got := sorted(find(t, idx, "al", 10)); !slices.Equal(got, []string{"Albert", "Alice"}) {
			t.Errorf(`Search("al") = %v, want Albert and Alice (not Sally: "al" is not her prefix)`, got)
		}
		if got := sorted(find(t, idx, "A", 10)); !slices.Equal(got, []string{"Albert", "Alice"}) {
			t.Errorf(`Search("A") = %v, want Albert and Alice`, got)
		}
		if got := find(t, idx, "zz", 10); len(got) != 0 {
			t.Errorf(`Search("zz") = %v, want nothing`, got)
		}
	})

	t.Run("a typo matches when enough trigrams survive it", func(t *testing.T) {
		t.Parallel()
		idx := newIndex(t)
		seed(t, idx, "Alice", "Bob")
		// "alise": ali, lis, ise — 1 of 3 trigrams in "alice"; MinGrams(3) = 1.
		if got := find(t, idx, "alise", 10); !slices.Equal(got, []string{"Alice"}) {
			t.Errorf(`Search("alise") = %v, want [Alice]`, got)
		}
		// "alicia": ali, lic, ici, cia — 2 of 4; MinGrams(4) = 2.
		if got := find(t, idx, "alicia", 10); !slices.Equal(got, []string{"Alice"}) {
			t.Errorf(`Search("alicia") = %v, want [Alice]`, got)
		}
		// "alcie": alc, lci, cie — none in "alice": a transposition in the
		// middle of a short name breaks every trigram, as in the seed.
		if got := find(t, idx, "alcie", 10); len(got) != 0 {
			t.Errorf(`Search("alcie") = %v, want nothing (no shared trigram)`, got)
		}
		// "alicexyzw": ali, lic, ice, cex, exy, xyz, yzw — 3 of 7; MinGrams(7) = 4.
		if got := find(t, idx, "alicexyzw", 10); len(got) != 0 {
			t.Errorf(`Search("alicexyzw") = %v, want nothing (3 of 7 trigrams < 4)`, got)
		}
	})

	t.Run("underscores, dots and dashes split a username into words", func(t *testing.T) {
		t.Parallel()
		idx := newIndex(t)
		seed(t, idx, "lee_smith.jr-dev", "bob")
		for _, q := range []string{"smith", "SMI", "dev", "lee_smith"} {
			if got := find(t, idx, q, 10); !slices.Equal(got, []string{"lee_smith.jr-dev"}) {
				t.Errorf("Search(%q) = %v, want [lee_smith.jr-dev]", q, got)
			}
		}
		// "e_s" and "h.j" hold no run of three letters or digits and are
		// not prefixes: no trigram spans a separator.
		for _, q := range []string{"e_s", "h.j"} {
			if got := find(t, idx, q, 10); len(got) != 0 {
				t.Errorf("Search(%q) = %v, want nothing", q, got)
			}
		}
	})

	t.Run("an exact match ranks first then prefix matches then trigram matches", func(t *testing.T) {
		t.Parallel()
		idx := newIndex(t)
		seed(t, idx, "malice", "alicent", "Alice", "alice_b", "palicek", "bob")
		got := find(t, idx, "alice", 10)
		if len(got) != 5 {
			t.Fatalf(`Search("alice") = %v, want 5 results`, got)
		}
		if got[0] != "Alice" {
			t.Errorf("first result = %q, want the exact match Alice (all: %v)", got[0], got)
		}
		if s := sorted(got[1:3]); !slices.Equal(s, []string{"alice_b", "alicent"}) {
			t.Errorf("results 2–3 = %v, want the prefix matches alice_b and alicent (all: %v)", got[1:3], got)
		}
		if s := sorted(got[3:]); !slices.Equal(s, []string{"malice", "palicek"}) {
			t.Errorf("results 4–5 = %v, want the trigram matches malice and palicek (all: %v)", got[3:], got)
		}
	})

	t.Run("a display name is found by its prefix and its trigrams, and results carry it", func(t *testing.T) {
		t.Parallel()
		idx := newIndex(t)
		ctx := context.Background()
		if err := idx.Upsert(ctx, search.Doc{ID: "u1", Username: "zed42", DisplayName: "Ada Lovelace", Version: 1}); err != nil {
			t.Fatal(err)
		}
		if err := idx.Upsert(ctx, search.Doc{ID: "u2", Username: "zoe", DisplayName: "Zoë 🦊", Version: 1}); err != nil {
			t.Fatal(err)
		}
		seed(t, idx, "bob")
		for _, q := range []string{"a", "ada", "ADA L", "  ada lovelace ", "love", "LACE", "lovelance"} {
			if got := find(t, idx, q, 10); !slices.Equal(got, []string{"zed42"}) {
				t.Errorf("Search(%q) = %v, want [zed42] (display name Ada Lovelace)", q, got)
			}
		}
		// Under three characters only a prefix of the whole name matches.
		if got := find(t, idx, "lo", 10); len(got) != 0 {
			t.Errorf(`Search("lo") = %v, want nothing ("lo" starts no username or display name)`, got)
		}
		if got := find(t, idx, "zoë", 10); !slices.Equal(got, []string{"zoe"}) {
			t.Errorf(`Search("zoë") = %v, want [zoe]`, got)
		}
		docs, err := idx.Search(ctx, "lovelace", 10)
		if err != nil || len(docs) != 1 || docs[0].ID != "u1" || docs[0].Username != "zed42" || docs[0].DisplayName != "Ada Lovelace" {
			t.Errorf(`Search("lovelace") = %+v, %v; want u1 with its display name as written`, docs, err)
		}
		docs, err = idx.Search(ctx, "bob", 10)
		if err != nil || len(docs) != 1 || docs[0].DisplayName != "" {
			t.Errorf(`Search("bob") = %+v, %v; want bob without a display name`, docs, err)
		}
	})

	t.Run("username matches rank above display name matches", func(t *testing.T) {
		t.Parallel()
		idx := newIndex(t)
		ctx := context.Background()
		seed(t, idx, "ada", "adam", "nada")
		for _, d := range []search.Doc{
			{ID: "u-zed", Username: "zed", DisplayName: "Ada Lovelace", Version: 1},
			{ID: "u-cd", Username: "cd", DisplayName: "Canada Dry", Version: 1},
		} {
			if err := idx.Upsert(ctx, d); err != nil {
				t.Fatal(err)
			}
		}
		got := find(t, idx, "ada", 10)
		if len(got) != 5 {
			t.Fatalf(`Search("ada") = %v, want 5 results`, got)
		}
		if !slices.Equal(got[:3], []string{"ada", "adam", "zed"}) {
			t.Errorf(`Search("ada") = %v, want the exact username, the username prefix, then the display name prefix`, got)
		}
		if s := sorted(got[3:]); !slices.Equal(s, []string{"cd", "nada"}) {
			t.Errorf(`Search("ada") results 4–5 = %v, want the trigram matches cd (Canada Dry) and nada`, got[3:])
		}
	})

	t.Run("a changed or cleared display name is found by the new one only", func(t *testing.T) {
		t.Parallel()
		idx := newIndex(t)
		ctx := context.Background()
		for _, d := range []search.Doc{
			{ID: "u1", Username: "zed", DisplayName: "Ada Lovelace", Version: 1},
			{ID: "u1", Username: "zed", DisplayName: "Grace Hopper", Version: 2},
		} {
			if err := idx.Upsert(ctx, d); err != nil {
				t.Fatal(err)
			}
		}
		if got := find(t, idx, "lovelace", 10); len(got) != 0 {
			t.Errorf(`Search("lovelace") after the change = %v, want nothing`, got)
		}
		if got := find(t, idx, "hopper", 10); !slices.Equal(got, []string{"zed"}) {
			t.Errorf(`Search("hopper") = %v, want [zed]`, got)
		}
		if err := idx.Upsert(ctx, search.Doc{ID: "u1", Username: "zed", Version: 3}); err != nil {
			t.Fatal(err)
		}
		if got := find(t, idx, "hopper", 10); len(got) != 0 {
			t.Errorf(`Search("hopper") after clearing = %v, want nothing`, got)
		}
		// An older write does not bring a name back.
		if err := idx.Upsert(ctx, search.Doc{ID: "u1", Username: "zed", DisplayName: "Grace Hopper", Version: 2}); err != nil {
			t.Fatal(err)
		}
		if got := find(t, idx, "grace", 10); len(got) != 0 {
			t.Errorf(`Search("grace") after a stale write = %v, want nothing`, got)
		}
	})

	t.Run("limit caps the number of results and keeps the best", func(t *testing.T) {
		t.Parallel()
		idx := newIndex(t)
		seed(t, idx, "anna1", "anna2", "anna3", "anna4", "anna")
		got := find(t, idx, "anna", 2)
		if len(got) != 2 || got[0] != "anna" {
			t.Errorf(`Search("anna", 2) = %v, want 2 results starting with the exact match`, got)
		}
		if got := find(t, idx, "anna", 50); len(got) != 5 {
			t.Errorf(`Search("anna", 50) = %v, want all 5`, got)
		}
	})

	t.Run("results carry the id, the username as written and the picture URL", func(t *testing.T) {
		t.Parallel()
		idx := newIndex(t)
		ctx := context.Background()
		if err := idx.Upsert(ctx, search.Doc{ID: "u1", Username: "Zoe.Dupont", PictureURL: ptr("/api/v1/users/u1/picture?v=3"), Version: 1}); err != nil {
			t.Fatal(err)
		}
		if err := idx.Upsert(ctx, search.Doc{ID: "u2", Username: "zoey", Version: 1}); err != nil {
			t.Fatal(err)
		}
		docs, err := idx.Search(ctx, "zo", 10)
		if err != nil {
			t.Fatal(err)
		}
		slices.SortFunc(docs, func(a, b search.Doc) int { return cmpString(a.ID, b.ID) })
		if len(docs) != 2 {
			t.Fatalf(`Search("zo") = %+v, want u1 and u2`, docs)
		}
		if d := docs[0]; d.ID != "u1" || d.Username != "Zoe.Dupont" || d.PictureURL == nil || *d.PictureURL != "/api/v1/users/u1/picture?v=3" {
			t.Errorf("u1 = %+v (picture %v), want Zoe.Dupont with its picture URL", d, deref(d.PictureURL))
		}
		if d := docs[1]; d.ID != "u2" || d.Username != "zoey" || d.PictureURL != nil {
			t.Errorf("u2 = %+v, want zoey without picture", d)
		}
	})

	t.Run("a renamed user is found by the new name and not the old one", func(t *testing.T) {
		t.Parallel()
		idx := newIndex(t)
		ctx := context.Background()
		if err := idx.Upsert(ctx, search.Doc{ID: "u1", Username: "alice", Version: 1}); err != nil {
			t.Fatal(err)
		}
		if err := idx.Upsert(ctx, search.Doc{ID: "u1", Username: "bertrand", Version: 2}); err != nil {
			t.Fatal(err)
		}
		if got := find(t, idx, "alice", 10); len(got) != 0 {
			t.Errorf(`Search("alice") after rename = %v, want nothing`, got)
		}
		if got := find(t, idx, "bertr", 10); !slices.Equal(got, []string{"bertrand"}) {
			t.Errorf(`Search("bertr") after rename = %v, want [bertrand]`, got)
		}
	})

	t.Run("an older version does not overwrite a newer one and a repeat is harmless", func(t *testing.T) {
		t.Parallel()
		idx := newIndex(t)
		ctx := context.Background()
		newer := search.Doc{ID: "u1", Username: "newname", Version: 20}
		for _, d := range []search.Doc{newer, {ID: "u1", Username: "oldname", Version: 10}, newer} {
			if err := idx.Upsert(ctx, d); err != nil {
				t.Fatalf("Upsert(%+v): %v", d, err)
			}
		}
		if got := find(t, idx, "oldname", 10); len(got) != 0 {
			t.Errorf(`Search("oldname") = %v, want nothing: the stale write must be ignored`, got)
		}
		if got := find(t, idx, "newname", 10); !slices.Equal(got, []string{"newname"}) {
			t.Errorf(`Search("newname") = %v, want [newname] once`, got)
		}
	})

	t.Run("delete removes a user and deleting an unknown id succeeds", func(t *testing.T) {
		t.Parallel()
		idx := newIndex(t)
		ctx := context.Background()
		seed(t, idx, "alice", "albert")
		if err := idx.Delete(ctx, "id-alice"); err != nil {
			t.Fatal(err)
		}
		if err := idx.Delete(ctx, "no-such-id"); err != nil {
			t.Errorf("Delete(unknown) = %v, want nil", err)
		}
		if got := find(t, idx, "al", 10); !slices.Equal(got, []string{"albert"}) {
			t.Errorf(`Search("al") after delete = %v, want [albert]`, got)
		}
	})

	t.Run("an empty query finds nothing and a limit below one is invalid", func(t *testing.T) {
		t.Parallel()
		idx := newIndex(t)
		seed(t, idx, "alice")
		for _, q := range []string{"", "   "} {
			if got := find(t, idx, q, 10); len(got) != 0 {
				t.Errorf("Search(%q) = %v, want nothing", q, got)
			}
		}
		if _, err := idx.Search(context.Background(), "alice", 0); errs.KindOf(err) != errs.Invalid {
			t.Errorf("Search(limit 0) error = %v, want errs.Invalid", err)
		}
	})

	t.Run("ping succeeds on an open index", func(t *testing.T) {
		t.Parallel()
		idx := newIndex(t)
		if err := idx.Ping(context.Background()); err != nil {
			t.Errorf("Ping = %v", err)
		}
	})

	t.Run("concurrent upserts and searches are safe and all land", func(t *testing.T) {
		t.Parallel()
		idx := newIndex(t)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		const n = 20
		var wg sync.WaitGroup
		errc := make(chan error, 2*n)
		for i := range n {
			wg.Add(2)
			go func() {
				defer wg.Done()
				errc <- idx.Upsert(ctx, search.Doc{ID: fmt.Sprintf("c%d", i), Username: fmt.Sprintf("carol%02d", i), Version: int64(i + 1)})
			}()
			go func() {
				defer wg.Done()
				_, err := idx.Search(ctx, "carol", 5)
				errc <- err
			}()
		}
		wg.Wait()
		close(errc)
		for err := range errc {
			if err != nil {
				t.Fatal(err)
			}
		}
		if got := find(t, idx, "carol", 50); len(got) != n {
			t.Errorf(`Search("carol") found %d users, want %d`, len(got), n)
		}
	})
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func deref(p *string) string {
	if p == nil {
		return "<nil>"
	}
	return *p
}
