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

// MessageFactory returns a new, empty message index the suite may write
// to (closed by the factory through t.Cleanup) and a settle function that
// makes every earlier write searchable: a no-op for an index whose writes
// are searchable at once (bleve), a refresh for Elasticsearch, whose
// writes are searchable after its refresh interval.
type MessageFactory func(t *testing.T) (idx search.MessageIndex, settle func())

var t0 = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)

// msg is a message of group g created i minutes after t0.
func msg(id, g string, i int, text string, files ...string) search.MessageDoc {
	at := t0.Add(time.Duration(i) * time.Minute)
	return search.MessageDoc{ID: id, GroupID: g, Seq: int64(i + 1), AuthorID: "author-" + id, CreatedAt: at, Text: text, Files: files, Version: search.VersionCreated(at)}
}

type msgSuite struct {
	t      *testing.T
	idx    search.MessageIndex
	settle func()
}

func (s msgSuite) put(docs ...search.MessageDoc) {
	s.t.Helper()
	for _, d := range docs {
		if err := s.idx.PutMessage(context.Background(), d); err != nil {
			s.t.Fatalf("PutMessage(%s): %v", d.ID, err)
		}
	}
}

func (s msgSuite) search(q string, groups []string, before string, limit int) []search.MessageDoc {
	s.t.Helper()
	s.settle()
	terms, err := search.QueryTerms(q)
	if err != nil {
		s.t.Fatalf("QueryTerms(%q): %v", q, err)
	}
	docs, err := s.idx.SearchMessages(context.Background(), search.MessageQuery{Terms: terms, GroupIDs: groups, Before: before, Limit: limit})
	if err != nil {
		s.t.Fatalf("SearchMessages(%q, %v, %q, %d): %v", q, groups, before, limit, err)
	}
	return docs
}

func (s msgSuite) ids(q string, groups ...string) []string {
	s.t.Helper()
	return msgIDs(s.search(q, groups, "", 50))
}

func msgIDs(docs []search.MessageDoc) []string {
	out := make([]string, len(docs))
	for i, d := range docs {
		out[i] = d.ID
	}
	return out
}

// RunMessages runs the message index contract suite.
func RunMessages(t *testing.T, newIndex MessageFactory) {
	open := func(t *testing.T) msgSuite {
		idx, settle := newIndex(t)
		return msgSuite{t: t, idx: idx, settle: settle}
	}

	t.Run("every word must match a word of the text, whole or as its start, whatever the case", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		s.put(msg("m1", "g1", 0, "Deploying the new Gopher release tonight"),
			msg("m2", "g1", 1, "the release notes are ready"),
			msg("m3", "g1", 2, "Go go GO"))
		cases := map[string][]string{
			"release":          {"m2", "m1"},
			"RELEASE gopher":   {"m1"},
			"deploy":           {"m1"},       // a prefix of three characters or more
			"go":               {"m3"},       // a shorter word matches whole words only
			"gop":              {"m1"},       // "gop" starts "gopher"
			"release  release": {"m2", "m1"}, // repeated words count once
			"release pizza":    nil,          // every word must match
			"elease":           nil,          // only the start of a word
			"notes, ready!":    {"m2"},
		}
		for q, want := range cases {
			if got := s.ids(q, "g1"); !slices.Equal(got, want) && !(len(got) == 0 && len(want) == 0) {
				t.Errorf("search %q = %v, want %v", q, got, want)
			}
		}
	})

	t.Run("results carry the message's fields and attachment names are matched", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		d := msg("m1", "g1", 3, "see the attached plan", "Budget-2027.xlsx", "photo.png")
		s.put(d, msg("m2", "g1", 4, "nothing here"))
		got := s.search("budget", []string{"g1"}, "", 10)
		if len(got) != 1 {
			t.Fatalf(`search "budget" = %v, want m1 by its attachment's name`, msgIDs(got))
		}
		g := got[0]
		if g.ID != "m1" || g.GroupID != "g1" || g.Seq != d.Seq || g.AuthorID != d.AuthorID || !g.CreatedAt.Equal(d.CreatedAt) || g.Text != d.Text || !slices.Equal(g.Files, d.Files) {
			t.Errorf("result = %+v, want %+v", g, d)
		}
		if g.Version != 0 {
			t.Errorf("result Version = %d, want 0", g.Version)
		}
		if ids := s.ids("xlsx", "g1"); !slices.Equal(ids, []string{"m1"}) {
			t.Errorf(`search "xlsx" = %v, want m1 (a file name's dots, dashes and underscores separate words)`, ids)
		}
		if ids := s.ids("photo plan", "g1"); !slices.Equal(ids, []string{"m1"}) {
			t.Errorf(`search "photo plan" = %v, want m1 (a word of the text and a word of a file name)`, ids)
		}
	})

	t.Run("only the groups asked for are searched", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		s.put(msg("a1", "ga", 0, "secret plan"), msg("b1", "gb", 1, "secret plan"), msg("c1", "gc", 2, "secret plan"))
		if got := s.ids("secret", "ga", "gc"); !slices.Equal(got, []string{"c1", "a1"}) {
			t.Errorf("search in ga and gc = %v, want c1 and a1", got)
		}
		if got := s.ids("secret"); len(got) != 0 {
			t.Errorf("search in no group = %v, want nothing", got)
		}
		if got := s.ids("secret", "gzzz"); len(got) != 0 {
			t.Errorf("search in an unknown group = %v, want nothing", got)
		}
	})

	t.Run("a deleted message leaves and nothing older brings it back", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		ctx := context.Background()
		d := msg("m1", "g1", 0, "launch codes")
		s.put(d, msg("m2", "g1", 1, "launch party"))
		if err := s.idx.DeleteMessage(ctx, "g1", "m1"); err != nil {
			t.Fatal(err)
		}
		if got := s.ids("launch", "g1"); !slices.Equal(got, []string{"m2"}) {
			t.Errorf("after delete = %v, want [m2]", got)
		}
		// A redelivered creation and a late edit do not resurrect it.
		edited := d
		edited.Text, edited.Version = "launch codes v2", search.VersionEdited(t0.Add(time.Hour))
		s.put(d, edited)
		if got := s.ids("launch", "g1"); !slices.Equal(got, []string{"m2"}) {
			t.Errorf("after a late create and edit = %v, want [m2]", got)
		}
		// Deleted before it was ever indexed: the creation arriving after
		// the deletion stays out.
		if err := s.idx.DeleteMessage(ctx, "g1", "m3"); err != nil {
			t.Fatal(err)
		}
		if err := s.idx.DeleteMessage(ctx, "g1", "m3"); err != nil {
			t.Fatalf("a second delete: %v", err)
		}
		s.put(msg("m3", "g1", 2, "launch window"))
		if got := s.ids("launch", "g1"); !slices.Equal(got, []string{"m2"}) {
			t.Errorf("after a create that followed its delete = %v, want [m2]", got)
		}
	})

	t.Run("an edit replaces the text and an older write does not undo it", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		d := msg("m1", "g1", 0, "meet at the harbour")
		e := d
		e.Text, e.Version = "meet at the station", search.VersionEdited(t0.Add(5*time.Minute))
		s.put(d, e)
		if got := s.ids("harbour", "g1"); len(got) != 0 {
			t.Errorf("old text after edit = %v, want nothing", got)
		}
		if got := s.ids("station", "g1"); !slices.Equal(got, []string{"m1"}) {
			t.Errorf("new text after edit = %v, want [m1]", got)
		}
		// The creation redelivered, even one whose clock ran ahead.
		late := d
		late.Version = search.VersionCreated(t0.Add(24 * time.Hour))
		s.put(d, late)
		if got := s.ids("station", "g1"); !slices.Equal(got, []string{"m1"}) {
			t.Errorf("after a redelivered creation = %v, want the edit to stay", got)
		}
		// A later edit wins over an earlier one delivered after it.
		e2 := d
		e2.Text, e2.Version = "meet at the airport", search.VersionEdited(t0.Add(10*time.Minute))
		s.put(e2, e)
		if got := s.ids("airport", "g1"); !slices.Equal(got, []string{"m1"}) {
			t.Errorf("newest edit = %v, want [m1]", got)
		}
		if got := s.ids("station", "g1"); len(got) != 0 {
			t.Errorf("older edit delivered late = %v, want nothing", got)
		}
		// Written twice, found once.
		s.put(e2)
		if got := s.ids("airport", "g1"); !slices.Equal(got, []string{"m1"}) {
			t.Errorf("after a repeat = %v, want [m1] once", got)
		}
	})

	t.Run("a deleted group's messages leave and later ones stay out", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		ctx := context.Background()
		var docs []search.MessageDoc
		for i := range 12 {
			docs = append(docs, msg(fmt.Sprintf("d%02d", i), "gdel", i, "quarterly numbers"))
		}
		s.put(docs...)
		s.put(msg("k1", "gkeep", 0, "quarterly numbers"))
		if err := s.idx.DeleteMessage(ctx, "gdel", "d00"); err != nil {
			t.Fatal(err)
		}
		if err := s.idx.DeleteGroup(ctx, "gdel"); err != nil {
			t.Fatal(err)
		}
		if err := s.idx.DeleteGroup(ctx, "gdel"); err != nil {
			t.Fatalf("a second DeleteGroup: %v", err)
		}
		if got := s.ids("quarterly", "gdel", "gkeep"); !slices.Equal(got, []string{"k1"}) {
			t.Errorf("after the group's deletion = %v, want [k1]", got)
		}
		// An event of the group delivered after its deletion.
		s.put(msg("d99", "gdel", 99, "quarterly numbers"), docs[3])
		if got := s.ids("quarterly", "gdel", "gkeep"); !slices.Equal(got, []string{"k1"}) {
			t.Errorf("after late writes to the deleted group = %v, want [k1]", got)
		}
	})

	t.Run("pages go from newest to oldest without repeats or gaps", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		var want []string
		for i := range 11 {
			g := []string{"p1", "p2"}[i%2]
			s.put(msg(fmt.Sprintf("m%02d", i), g, i, "standup notes"))
			want = append([]string{fmt.Sprintf("m%02d", i)}, want...)
		}
		// Two messages of the same microsecond: ordered by id.
		same := msg("m-b", "p1", 20, "standup notes")
		same2 := msg("m-a", "p2", 20, "standup notes")
		s.put(same2, same)
		want = append([]string{"m-b", "m-a"}, want...)
		s.put(msg("x1", "p3", 30, "standup notes")) // another group
		var got []string
		before := ""
		for range 10 {
			page := s.search("standup", []string{"p1", "p2"}, before, 4)
			if len(page) == 0 {
				break
			}
			if len(page) > 4 {
				t.Fatalf("page of %d, want at most 4", len(page))
			}
			got = append(got, msgIDs(page)...)
			before = page[len(page)-1].SortKey()
		}
		if !slices.Equal(got, want) {
			t.Errorf("pages = %v, want %v", got, want)
		}
	})

	t.Run("concurrent writes all land and one message's newest version wins", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		ctx := context.Background()
		const n = 24
		var wg sync.WaitGroup
		errc := make(chan error, 3*n)
		base := msg("same", "g1", 0, "version zero")
		for i := range n {
			wg.Add(3)
			go func() {
				defer wg.Done()
				errc <- s.idx.PutMessage(ctx, msg(fmt.Sprintf("c%02d", i), "g1", i, "concurrent write"))
			}()
			go func() {
				defer wg.Done()
				e := base
				e.Text, e.Version = fmt.Sprintf("version v%02d", i), search.VersionEdited(t0.Add(time.Duration(i)*time.Minute))
				errc <- s.idx.PutMessage(ctx, e)
			}()
			go func() {
				defer wg.Done()
				_, err := s.idx.SearchMessages(ctx, search.MessageQuery{Terms: []string{"concurrent"}, GroupIDs: []string{"g1"}, Limit: 5})
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
		if got := s.ids("concurrent", "g1"); len(got) != n {
			t.Errorf("found %d of %d concurrent writes", len(got), n)
		}
		if got := s.ids(fmt.Sprintf("v%02d", n-1), "g1"); !slices.Equal(got, []string{"same"}) {
			t.Errorf("the newest edit = %v, want [same]", got)
		}
		if got := s.ids("version", "g1"); len(got) != 1 {
			t.Errorf("one message edited %d times is found %d times", n, len(got))
		}
	})

	t.Run("a message hidden by a user is hidden for that user only", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		ctx := context.Background()
		s.put(msg("m1", "g1", 0, "hide me"), msg("m2", "g1", 1, "keep me"), msg("m3", "g2", 2, "other group"))
		for range 2 { // a repeat is harmless
			if err := s.idx.HideMessage(ctx, "u1", "g1", "m1"); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.idx.HideMessage(ctx, "u1", "g2", "m3"); err != nil {
			t.Fatal(err)
		}
		got, err := s.idx.Hidden(ctx, "u1", []string{"m1", "m2", "m3", "nope"})
		if err != nil || len(got) != 2 || !got["m1"] || !got["m3"] {
			t.Errorf("Hidden(u1) = %v, %v; want m1 and m3", got, err)
		}
		if got, err := s.idx.Hidden(ctx, "u2", []string{"m1", "m2", "m3"}); err != nil || len(got) != 0 {
			t.Errorf("Hidden(u2) = %v, %v; want none", got, err)
		}
		if got, err := s.idx.Hidden(ctx, "u1", nil); err != nil || len(got) != 0 {
			t.Errorf("Hidden(no ids) = %v, %v", got, err)
		}
		// Hidden records match no search.
		if got := s.ids("hide", "g1"); !slices.Equal(got, []string{"m1"}) {
			t.Errorf(`search "hide" = %v, want [m1] (the index does not filter; the service does)`, got)
		}
		if err := s.idx.DeleteGroup(ctx, "g1"); err != nil {
			t.Fatal(err)
		}
		if got, err := s.idx.Hidden(ctx, "u1", []string{"m1", "m3"}); err != nil || len(got) != 1 || !got["m3"] {
			t.Errorf("Hidden(u1) after g1's deletion = %v, %v; want m3 only", got, err)
		}
	})

	t.Run("a limit below one is invalid and no words or groups find nothing", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		s.put(msg("m1", "g1", 0, "hello"))
		ctx := context.Background()
		if _, err := s.idx.SearchMessages(ctx, search.MessageQuery{Terms: []string{"hello"}, GroupIDs: []string{"g1"}, Limit: 0}); errs.KindOf(err) != errs.Invalid {
			t.Errorf("limit 0: %v, want errs.Invalid", err)
		}
		s.settle()
		if got, err := s.idx.SearchMessages(ctx, search.MessageQuery{GroupIDs: []string{"g1"}, Limit: 5}); err != nil || len(got) != 0 {
			t.Errorf("no terms = %v, %v; want nothing", got, err)
		}
		if err := s.idx.Ping(ctx); err != nil {
			t.Errorf("Ping = %v", err)
		}
	})
}
