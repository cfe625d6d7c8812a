package search_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/event"
	"github.com/parleychat/parley/internal/group/groupevent"
	"github.com/parleychat/parley/internal/message"
	"github.com/parleychat/parley/internal/ratelimit"
	"github.com/parleychat/parley/internal/rights"
	"github.com/parleychat/parley/internal/search"
)

// fakeMembers is the group role as search sees it: memberships that a
// test changes at will, and a count of the questions asked.
type fakeMembers struct {
	mu    sync.Mutex
	of    map[string]map[string]bool // user → groups
	asked atomic.Int64
}

func newFakeMembers() *fakeMembers { return &fakeMembers{of: map[string]map[string]bool{}} }

func (f *fakeMembers) add(user, group string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.of[user] == nil {
		f.of[user] = map[string]bool{}
	}
	f.of[user][group] = true
}

func (f *fakeMembers) remove(user, group string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.of[user], group)
}

func (f *fakeMembers) GroupsOf(ctx context.Context, user string) ([]rights.Membership, error) {
	f.asked.Add(1)
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []rights.Membership
	for g := range f.of[user] {
		out = append(out, rights.Membership{GroupID: g, UserID: user, Role: rights.RoleMember})
	}
	return out, nil
}

func (f *fakeMembers) Member(ctx context.Context, group, user string) (rights.Membership, error) {
	f.asked.Add(1)
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.of[user][group] {
		return rights.Membership{}, errs.E(errs.NotFound, "no such member")
	}
	return rights.Membership{GroupID: group, UserID: user, Role: rights.RoleMember}, nil
}

type msgEnv struct {
	svc     *search.Service
	members *fakeMembers
	srv     *httptest.Server
	clock   time.Time
}

func newMsgEnv(t *testing.T, rate ratelimit.Rate) *msgEnv {
	t.Helper()
	m := newFakeMembers()
	svc, err := search.NewService(search.Config{Index: newBleve(t), Messages: newBleveMessages(t), Members: m})
	if err != nil {
		t.Fatal(err)
	}
	h, err := search.NewHandler(search.HandlerConfig{Service: svc, Require: fakeRequire, Limiter: ratelimit.NewMemory(), MessageRate: rate})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	h.Register(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return &msgEnv{svc: svc, members: m, srv: srv, clock: time.Date(2026, 12, 2, 8, 0, 0, 0, time.UTC)}
}

func (e *msgEnv) apply(t *testing.T, typ string, payload any) {
	t.Helper()
	ev, err := event.New(typ, "k", payload)
	if err != nil {
		t.Fatal(err)
	}
	h := e.svc.HandleMessageEvent
	if strings.HasPrefix(typ, "group.") {
		h = e.svc.HandleGroupEvent
	}
	if err := h(context.Background(), ev); err != nil {
		t.Fatalf("handle %s: %v", typ, err)
	}
}

// post indexes a new message through a message.created event.
func (e *msgEnv) post(t *testing.T, group, author, text string, files ...string) message.Message {
	t.Helper()
	e.clock = e.clock.Add(time.Second)
	m := message.Message{ID: uuid.NewString(), GroupID: group, Seq: e.clock.Unix(), AuthorID: author, Text: text, CreatedAt: e.clock}
	for _, f := range files {
		m.Attachments = append(m.Attachments, message.Attachment{Key: "groups/" + group + "/" + uuid.NewString(), Name: f, Size: 1, ContentType: "text/plain"})
	}
	e.apply(t, message.EventCreated, message.Created{Message: m})
	return m
}

func (e *msgEnv) get(t *testing.T, as string, q url.Values) (int, search.MessageResults, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, e.srv.URL+"/api/v1/search/messages?"+q.Encode(), nil)
	if as != "" {
		req.Header.Set("X-Test-User", as)
	}
	res, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var raw json.RawMessage
	json.NewDecoder(res.Body).Decode(&raw)
	var out search.MessageResults
	if res.StatusCode == http.StatusOK {
		if err := json.Unmarshal(raw, &out); err != nil {
			t.Fatalf("decode %s: %v", raw, err)
		}
	}
	return res.StatusCode, out, string(raw)
}

// all follows next until the last page and returns every result.
func (e *msgEnv) all(t *testing.T, as string, q url.Values) []search.MessageResult {
	t.Helper()
	var out []search.MessageResult
	q = maps(q)
	for range 100 {
		code, page, raw := e.get(t, as, q)
		if code != http.StatusOK {
			t.Fatalf("search %v as %s: %d %s", q, as, code, raw)
		}
		out = append(out, page.Items...)
		if page.Next == "" {
			return out
		}
		q.Set("before", page.Next)
	}
	t.Fatal("more than 100 pages")
	return nil
}

func maps(q url.Values) url.Values {
	c := url.Values{}
	for k, v := range q {
		c[k] = slices.Clone(v)
	}
	return c
}

func gid(i int) string { return fmt.Sprintf("00000000-0000-4000-8000-%012d", i) }

// TestMessageSearchNeverReturnsAnotherGroupsMessage: many groups, several
// users with overlapping memberships, every message holding the same
// word. Each user, through every page, sees exactly the messages of the
// groups they are in now, and each group's own word finds nothing for
// anyone else; a groupId they are not in is 404.
func TestMessageSearchNeverReturnsAnotherGroupsMessage(t *testing.T) {
	t.Parallel()
	e := newMsgEnv(t, ratelimit.Rate{N: 1000, Per: time.Minute})
	const nGroups, nUsers = 12, 6
	rng := rand.New(rand.NewPCG(14, 6))
	users := make([]string, nUsers)
	for u := range users {
		users[u] = fmt.Sprintf("user-%d", u)
	}
	perGroup := map[string][]string{} // group → message ids
	for g := range nGroups {
		for u := range users {
			if rng.IntN(3) == 0 {
				e.members.add(users[u], gid(g))
			}
		}
		for i := range 1 + rng.IntN(5) {
			m := e.post(t, gid(g), users[rng.IntN(nUsers)], fmt.Sprintf("shared topic w%dz number %d", g, i))
			perGroup[gid(g)] = append(perGroup[gid(g)], m.ID)
		}
	}
	e.members.add(users[0], gid(0)) // at least one member somewhere
	for _, u := range users {
		var want []string
		mine := map[string]bool{}
		for g := range nGroups {
			if e.members.of[u][gid(g)] {
				mine[gid(g)] = true
				want = append(want, perGroup[gid(g)]...)
			}
		}
		got := e.all(t, u, url.Values{"q": {"shared topic"}, "limit": {"3"}})
		var gotIDs []string
		for _, r := range got {
			if !mine[r.Message.GroupID] {
				t.Fatalf("%s found message %s of group %s, which they are not in", u, r.Message.ID, r.Message.GroupID)
			}
			gotIDs = append(gotIDs, r.Message.ID)
		}
		slices.Sort(want)
		slices.Sort(gotIDs)
		if !slices.Equal(gotIDs, want) {
			t.Errorf("%s found %d messages, want the %d of their groups", u, len(gotIDs), len(want))
		}
		for g := range nGroups {
			q := url.Values{"q": {fmt.Sprintf("w%dz", g)}}
			code, page, raw := e.get(t, u, q)
			if code != 200 || (mine[gid(g)] != (len(page.Items) > 0)) {
				t.Errorf("%s searching group %d's word: %d %s (member: %v)", u, g, code, raw, mine[gid(g)])
			}
			q.Set("groupId", gid(g))
			code, page, raw = e.get(t, u, q)
			switch {
			case mine[gid(g)] && (code != 200 || len(page.Items) != len(perGroup[gid(g)])):
				t.Errorf("%s in group %d with groupId: %d %s, want its %d messages", u, g, code, raw, len(perGroup[gid(g)]))
			case !mine[gid(g)] && code != http.StatusNotFound:
				t.Errorf("%s, not in group %d, with groupId: %d %s, want 404", u, g, code, raw)
			}
		}
	}
}

func TestARemovedMemberFindsNothingOfTheGroupAtOnce(t *testing.T) {
	t.Parallel()
	e := newMsgEnv(t, ratelimit.Rate{N: 1000, Per: time.Minute})
	g, other := gid(1), gid(2)
	e.members.add("bob", g)
	e.members.add("bob", other)
	e.post(t, g, "alice", "the password is swordfish")
	e.post(t, other, "carol", "swordfish for dinner")
	if got := e.all(t, "bob", url.Values{"q": {"swordfish"}}); len(got) != 2 {
		t.Fatalf("before removal bob finds %d, want 2", len(got))
	}
	// Removed: no event reaches the search role, the group role's answer
	// is enough.
	e.members.remove("bob", g)
	got := e.all(t, "bob", url.Values{"q": {"swordfish"}})
	if len(got) != 1 || got[0].Message.GroupID != other {
		t.Errorf("after removal bob finds %+v, want only the other group's message", got)
	}
	if code, _, raw := e.get(t, "bob", url.Values{"q": {"swordfish"}, "groupId": {g}}); code != http.StatusNotFound {
		t.Errorf("after removal, groupId of the old group: %d %s, want 404", code, raw)
	}
	// Messages posted after the removal are not found either.
	e.post(t, g, "alice", "new swordfish secret")
	if got := e.all(t, "bob", url.Values{"q": {"secret"}}); len(got) != 0 {
		t.Errorf("bob finds a message posted after his removal: %+v", got)
	}
	if code, page, _ := e.get(t, "alice", url.Values{"q": {"swordfish"}}); code != 200 || len(page.Items) != 0 {
		t.Errorf("alice, in no group, finds %+v", page.Items)
	}
}

func TestMessageSearchAnswersSnippetsHighlightsAndPages(t *testing.T) {
	t.Parallel()
	e := newMsgEnv(t, ratelimit.Rate{N: 1000, Per: time.Minute})
	g := gid(7)
	e.members.add("me", g)
	first := e.post(t, g, "alice", "Zoë says the <b>Deploy</b> is done")
	code, page, raw := e.get(t, "me", url.Values{"q": {"deploy"}, "groupId": {strings.ToUpper(g)}})
	if code != 200 {
		t.Fatalf("status %d %s", code, raw)
	}
	want := fmt.Sprintf(`{"items":[{"message":{"id":%q,"groupId":%q,"seq":%d,"authorId":"alice","createdAt":%q},"snippet":"Zoë says the <b>Deploy</b> is done","highlights":[[16,22]]}]}`,
		first.ID, g, first.Seq, first.CreatedAt.Format(time.RFC3339Nano))
	if !jsonEqual(t, []byte(raw), []byte(want)) {
		t.Errorf("body = %s\nwant   %s", raw, want)
	}
	if r := []rune(page.Items[0].Snippet); string(r[16:22]) != "Deploy" {
		t.Errorf("highlight marks %q", string(r[16:22]))
	}
	for i := range 4 {
		e.post(t, g, "bob", fmt.Sprintf("deploy step %d", i))
	}
	code, page, raw = e.get(t, "me", url.Values{"q": {"deploy"}, "limit": {"2"}})
	if code != 200 || len(page.Items) != 2 || page.Items[0].Snippet != "deploy step 3" || page.Next == "" {
		t.Fatalf("first page = %d %s, want the two newest and a next cursor", code, raw)
	}
	all := e.all(t, "me", url.Values{"q": {"deploy"}, "limit": {"2"}})
	if len(all) != 5 || all[4].Message.ID != first.ID {
		t.Errorf("all pages = %d results, want 5 ending with the first message", len(all))
	}
	// The default page holds 20.
	for i := range 25 {
		e.post(t, g, "bob", fmt.Sprintf("bulk %d", i))
	}
	if _, page, _ = e.get(t, "me", url.Values{"q": {"bulk"}}); len(page.Items) != search.DefaultMessageLimit || page.Next == "" {
		t.Errorf("default page = %d items, next %q; want %d and a next", len(page.Items), page.Next, search.DefaultMessageLimit)
	}
}

func TestMessageEventsEditDeleteAndGroupDeletion(t *testing.T) {
	t.Parallel()
	e := newMsgEnv(t, ratelimit.Rate{N: 1000, Per: time.Minute})
	g, g2 := gid(1), gid(2)
	e.members.add("me", g)
	e.members.add("me", g2)
	m := e.post(t, g, "alice", "lunch at noon")
	other := e.post(t, g2, "alice", "lunch elsewhere", "menu.pdf")
	find := func(q string) int { t.Helper(); return len(e.all(t, "me", url.Values{"q": {q}})) }

	edited := m
	at := m.CreatedAt.Add(time.Minute)
	edited.Text, edited.EditedAt = "dinner at eight", &at
	e.apply(t, message.EventUpdated, message.Updated{Message: edited})
	e.apply(t, message.EventCreated, message.Created{Message: m}) // redelivered
	if find("noon") != 0 || find("dinner") != 1 {
		t.Errorf("after the edit: noon %d, dinner %d; want 0 and 1", find("noon"), find("dinner"))
	}
	if find("menu") != 1 {
		t.Errorf("an attachment's name is not found")
	}
	e.apply(t, message.EventDeleted, message.Deleted{GroupID: g, MessageID: m.ID, Seq: m.Seq})
	e.apply(t, message.EventUpdated, message.Updated{Message: edited}) // late
	if find("dinner") != 0 {
		t.Error("a deleted message is still found")
	}
	e.apply(t, groupevent.TypeDeleted, groupevent.GroupDeleted{GroupID: g2, MemberIDs: []string{"me"}})
	e.apply(t, message.EventCreated, message.Created{Message: other}) // late
	if find("lunch") != 0 {
		t.Error("a deleted group's message is still found")
	}
	// Unknown types are ignored; undecodable payloads are permanent errors.
	e.apply(t, message.EventReactionAdded, message.ReactionChanged{GroupID: g, MessageID: m.ID, Seq: 1, Emoji: "👍", UserID: "me"})
	bad := event.Event{ID: "x", Type: message.EventCreated, Payload: json.RawMessage(`{"message":{"id":""}}`)}
	if err := e.svc.HandleMessageEvent(context.Background(), bad); err == nil || !event.IsPermanent(err) {
		t.Errorf("an event without ids: %v, want a permanent error", err)
	}
}

func TestMessageSearchRejectsBadInputBeforeDoingAnything(t *testing.T) {
	t.Parallel()
	e := newMsgEnv(t, ratelimit.Rate{N: 1000, Per: time.Minute})
	e.members.add("me", gid(1))
	e.post(t, gid(1), "me", "hello world")
	many := make([]string, search.MaxQueryTerms+1)
	for i := range many {
		many[i] = fmt.Sprintf("w%d", i)
	}
	for name, q := range map[string]url.Values{
		"missing q":          {},
		"blank q":            {"q": {"   "}},
		"q of punctuation":   {"q": {"?!… --"}},
		"q too long":         {"q": {strings.Repeat("a ", 101)}},
		"too many words":     {"q": {strings.Join(many, " ")}},
		"a word too long":    {"q": {strings.Repeat("x", 65)}},
		"invalid UTF-8":      {"q": {"hello \xff"}},
		"bad groupId":        {"q": {"hello"}, "groupId": {"not-an-id"}},
		"empty groupId":      {"q": {"hello"}, "groupId": {""}},
		"bad before":         {"q": {"hello"}, "before": {"yesterday"}},
		"limit zero":         {"q": {"hello"}, "limit": {"0"}},
		"limit over 50":      {"q": {"hello"}, "limit": {"51"}},
		"limit not a number": {"q": {"hello"}, "limit": {"x"}},
	} {
		code, _, raw := e.get(t, "me", q)
		if code != http.StatusBadRequest || !strings.Contains(raw, `"invalid"`) {
			t.Errorf("%s: %d %s, want 400 invalid", name, code, raw)
		}
	}
	if n := e.members.asked.Load(); n != 0 {
		t.Errorf("the group role was asked %d times for bad requests, want none", n)
	}
	if code, _, _ := e.get(t, "", url.Values{"q": {"hello"}}); code != http.StatusUnauthorized {
		t.Errorf("anonymous: %d, want 401", code)
	}
	// 200 characters and 16 words are fine.
	ok := strings.Join(many[:search.MaxQueryTerms], " ")
	if code, _, raw := e.get(t, "me", url.Values{"q": {ok}}); code != 200 {
		t.Errorf("16 words: %d %s", code, raw)
	}
	if code, _, raw := e.get(t, "me", url.Values{"q": {strings.Repeat("éé ", 66) + "éé"}}); code != 200 {
		t.Errorf("200 characters: %d %s", code, raw)
	}
}

func TestMessageSearchIsRateLimitedPerUserApartFromUserSearch(t *testing.T) {
	t.Parallel()
	e := newMsgEnv(t, ratelimit.Rate{N: 2, Per: time.Minute})
	for i := range 2 {
		if code, _, raw := e.get(t, "alice", url.Values{"q": {"x"}}); code != 200 {
			t.Fatalf("search %d: %d %s", i, code, raw)
		}
	}
	if code, _, _ := e.get(t, "alice", url.Values{"q": {"x"}}); code != http.StatusTooManyRequests {
		t.Errorf("3rd search: %d, want 429", code)
	}
	if code, _, _ := e.get(t, "bob", url.Values{"q": {"x"}}); code != 200 {
		t.Errorf("bob: %d, want 200 (per user)", code)
	}
	req, _ := http.NewRequest("GET", e.srv.URL+"/api/v1/search/users?q=al", nil)
	req.Header.Set("X-Test-User", "alice")
	res, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Errorf("alice's user search after her message searches ran out: %d, want 200", res.StatusCode)
	}
}

func TestAMessageHiddenForMeIsLeftOutOfMySearchesOnly(t *testing.T) {
	t.Parallel()
	e := newMsgEnv(t, ratelimit.Rate{N: 1000, Per: time.Minute})
	g := gid(3)
	e.members.add("me", g)
	e.members.add("you", g)
	var posted []message.Message
	for i := range 5 {
		posted = append(posted, e.post(t, g, "you", fmt.Sprintf("gossip number %d", i)))
	}
	// I hide the two newest and one in the middle; a repeat is harmless.
	for _, i := range []int{4, 3, 1, 1} {
		e.apply(t, message.EventHidden, message.Hidden{GroupID: g, MessageID: posted[i].ID, UserID: "me"})
	}
	var mine []string
	for _, r := range e.all(t, "me", url.Values{"q": {"gossip"}, "limit": {"2"}}) {
		mine = append(mine, r.Message.ID)
	}
	if want := []string{posted[2].ID, posted[0].ID}; !slices.Equal(mine, want) {
		t.Errorf("my pages = %v, want the two messages I did not hide %v", mine, want)
	}
	// The first page held nothing but hidden messages: it is empty, and
	// next still leads on.
	code, page, raw := e.get(t, "me", url.Values{"q": {"gossip"}, "limit": {"2"}})
	if code != 200 || len(page.Items) != 0 || page.Next == "" {
		t.Errorf("first page = %d %s, want no items and a next", code, raw)
	}
	if got := e.all(t, "you", url.Values{"q": {"gossip"}}); len(got) != 5 {
		t.Errorf("the other member finds %d, want all 5", len(got))
	}
	bad := event.Event{ID: "x", Type: message.EventHidden, Payload: json.RawMessage(`{"groupId":"g","messageId":"m"}`)}
	if err := e.svc.HandleMessageEvent(context.Background(), bad); err == nil || !event.IsPermanent(err) {
		t.Errorf("message.hidden without a user: %v, want a permanent error", err)
	}
}

// events builds events from (type, payload) pairs, as the bus hands a
// partition's waiting events to HandleMessageEvents.
func (e *msgEnv) events(t *testing.T, items ...any) []event.Event {
	t.Helper()
	var out []event.Event
	for i := 0; i < len(items); i += 2 {
		ev, err := event.New(items[i].(string), "k", items[i+1])
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, ev)
	}
	return out
}

func TestMessageEventsInOneBatchFollowTheRulesOfOneAtATime(t *testing.T) {
	t.Parallel()
	e := newMsgEnv(t, ratelimit.Rate{N: 1000, Per: time.Minute})
	g, g2, g3 := gid(1), gid(2), gid(3)
	for _, x := range []string{g, g2, g3} {
		e.members.add("me", x)
	}
	find := func(q string) int { t.Helper(); return len(e.all(t, "me", url.Values{"q": {q}})) }
	e.apply(t, groupevent.TypeDeleted, groupevent.GroupDeleted{GroupID: g3, MemberIDs: []string{"me"}})

	msg := func(group, text string) message.Message {
		e.clock = e.clock.Add(time.Second)
		return message.Message{ID: uuid.NewString(), GroupID: group, Seq: e.clock.Unix(), AuthorID: "alice", Text: text, CreatedAt: e.clock}
	}
	m1, m2, m3, m4 := msg(g, "lunch at noon"), msg(g2, "picnic by the river"), msg(g3, "lunch in a deleted group"), msg(g, "kayak rental")
	edited := m1
	at := m1.CreatedAt.Add(time.Minute)
	edited.Text, edited.EditedAt = "dinner at eight", &at
	deletedM4 := m4
	deletedM4.Deleted, deletedM4.Text = true, ""

	batch := e.events(t,
		message.EventCreated, message.Created{Message: m1},
		message.EventCreated, message.Created{Message: m2},
		message.EventUpdated, message.Updated{Message: edited}, // in the same run as its creation
		message.EventCreated, message.Created{Message: m1}, // redelivered, older than the edit
		message.EventCreated, message.Created{Message: m3}, // its group is gone
		message.EventCreated, message.Created{Message: m4},
		message.EventReactionAdded, message.ReactionChanged{GroupID: g, MessageID: m1.ID, Seq: m1.Seq, Emoji: "👍", UserID: "me"},
		message.EventDeleted, message.Deleted{GroupID: g2, MessageID: m2.ID, Seq: m2.Seq},
		message.EventCreated, message.Created{Message: m2}, // late: the tombstone wins
		message.EventUpdated, message.Updated{Message: deletedM4}, // a deleted message in an update
	)
	if n, err := e.svc.HandleMessageEvents(context.Background(), batch); n != len(batch) || err != nil {
		t.Fatalf("HandleMessageEvents = %d, %v; want %d, nil", n, err, len(batch))
	}
	for q, want := range map[string]int{"dinner": 1, "noon": 0, "picnic": 0, "lunch": 0, "kayak": 0} {
		if got := find(q); got != want {
			t.Errorf("%q found %d times, want %d", q, got, want)
		}
	}

	// A payload that does not decode stops the batch there with a
	// permanent error (the bus skips it); what came before is applied.
	m5, m6 := msg(g, "ferry timetable"), msg(g, "bicycle route")
	bad := event.Event{ID: "bad", Type: message.EventCreated, Payload: json.RawMessage(`{"message":{"id":""}}`)}
	batch = e.events(t, message.EventCreated, message.Created{Message: m5})
	batch = append(batch, bad)
	batch = append(batch, e.events(t, message.EventCreated, message.Created{Message: m6})...)
	n, err := e.svc.HandleMessageEvents(context.Background(), batch)
	if n != 1 || err == nil || !event.IsPermanent(err) {
		t.Fatalf("a batch with a bad event = %d, %v; want 1 and a permanent error", n, err)
	}
	if find("ferry") != 1 || find("bicycle") != 0 {
		t.Errorf("before the bad event: ferry %d, bicycle %d; want 1 and 0", find("ferry"), find("bicycle"))
	}
	if n, err := e.svc.HandleMessageEvents(context.Background(), batch[2:]); n != 1 || err != nil {
		t.Fatalf("the rest = %d, %v; want 1, nil", n, err)
	}
	if find("bicycle") != 1 {
		t.Error("the event after the bad one was not applied")
	}
}

// failingBatches is a message index whose batch writes fail.
type failingBatches struct{ *search.BleveMessages }

func (failingBatches) PutMessages(context.Context, []search.MessageDoc) error {
	return errors.New("disk on fire")
}

func TestAFailedBatchWriteIsRetriedFromItsFirstEvent(t *testing.T) {
	t.Parallel()
	svc, err := search.NewService(search.Config{Index: newBleve(t), Messages: failingBatches{newBleveMessages(t)}, Members: newFakeMembers()})
	if err != nil {
		t.Fatal(err)
	}
	e := &msgEnv{svc: svc, clock: time.Date(2026, 12, 2, 8, 0, 0, 0, time.UTC)}
	m := message.Message{ID: uuid.NewString(), GroupID: gid(1), Seq: 1, AuthorID: "alice", Text: "x", CreatedAt: e.clock}
	batch := e.events(t,
		message.EventDeleted, message.Deleted{GroupID: gid(1), MessageID: uuid.NewString(), Seq: 9}, // applied alone
		message.EventCreated, message.Created{Message: m},
		message.EventCreated, message.Created{Message: m},
	)
	n, err := svc.HandleMessageEvents(context.Background(), batch)
	if n != 1 || err == nil || event.IsPermanent(err) {
		t.Errorf("HandleMessageEvents = %d, %v; want 1 and a transient error", n, err)
	}
}

func TestAPartialBatchWaitsBatchWaitUnlessCancelled(t *testing.T) {
	t.Parallel()
	const wait = time.Hour // never reached: every wait below ends otherwise
	svc, err := search.NewService(search.Config{Index: newBleve(t), Messages: newBleveMessages(t), Members: newFakeMembers(), BatchWait: wait})
	if err != nil {
		t.Fatal(err)
	}
	e := &msgEnv{svc: svc, clock: time.Date(2026, 12, 2, 8, 0, 0, 0, time.UTC)}
	m := message.Message{ID: uuid.NewString(), GroupID: gid(1), Seq: 1, AuthorID: "alice", Text: "x", CreatedAt: e.clock}
	created := e.events(t, message.EventCreated, message.Created{Message: m})

	// Nothing written (only a reaction): no wait.
	n, err := svc.HandleMessageEvents(context.Background(), e.events(t, message.EventReactionAdded, message.ReactionChanged{GroupID: gid(1), MessageID: m.ID, Seq: 1, Emoji: "👍", UserID: "me"}))
	if n != 1 || err != nil {
		t.Fatalf("a reaction = %d, %v", n, err)
	}
	// A full batch: no wait.
	full := make([]event.Event, event.MaxBatch)
	for i := range full {
		full[i] = created[0]
	}
	if n, err := svc.HandleMessageEvents(context.Background(), full); n != len(full) || err != nil {
		t.Fatalf("a full batch = %d, %v", n, err)
	}
	// A partial batch waits until its context ends, with everything applied.
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int)
	go func() {
		n, _ := svc.HandleMessageEvents(ctx, created)
		done <- n
	}()
	select {
	case n := <-done:
		t.Fatalf("a partial batch returned at once (%d), without waiting", n)
	case <-time.After(100 * time.Millisecond):
	}
	cancel()
	if n := <-done; n != 1 {
		t.Errorf("after the cancel = %d, want 1", n)
	}
}
