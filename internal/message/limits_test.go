package message

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/parleychat/parley/internal/ratelimit"
	"github.com/parleychat/parley/internal/sqlstore/sqlstoretest"
)

type downLimiter struct{}

func (downLimiter) Allow(context.Context, string, ratelimit.Rate) (ratelimit.Decision, error) {
	return ratelimit.Decision{}, errors.New("redis is down")
}

func TestRESTSendsAreRateLimitedPerUser(t *testing.T) {
	t.Parallel()
	db := sqlstoretest.SQLite(t)
	if err := Migrate(t.Context(), db); err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, db)
	g, ada := e.group()
	bob := e.member(g)
	serve := func(l Limiter) *http.ServeMux {
		h, err := NewHandler(HandlerConfig{Service: e.svc, Require: fakeRequire, Limiter: l, MembershipGrace: 100 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		mux := http.NewServeMux()
		h.Register(mux)
		return mux
	}
	limited := serve(ratelimit.NewMemory())
	e.mux = limited
	// The bucket refills while the posts run, so count until the first 429.
	sent := 0
	for i := range 3 * limitSend.N {
		w := e.do("POST", "/api/v1/groups/"+g+"/messages", ada, map[string]any{"clientMsgId": itoa(int64(i)), "text": "x"})
		if w.Code == http.StatusTooManyRequests {
			if w.Header().Get("Retry-After") == "" {
				t.Fatal("429 without Retry-After")
			}
			break
		}
		want(t, w, http.StatusCreated)
		sent++
	}
	if sent < limitSend.N || sent >= 3*limitSend.N {
		t.Fatalf("%d sends before the first 429, want a burst of at least %d and then a refusal", sent, limitSend.N)
	}
	want(t, e.do("POST", "/api/v1/groups/"+g+"/messages", bob, map[string]any{"clientMsgId": "b", "text": "x"}), http.StatusCreated)

	e.mux = serve(downLimiter{})
	want(t, e.do("POST", "/api/v1/groups/"+g+"/messages", ada, map[string]any{"clientMsgId": "down", "text": "x"}), http.StatusCreated)
}

// TestEditsShareTheSendLimitAndReactionsHaveTheirOwn: an edit counts as a
// send (429 once sends have used the bucket up); reactions have a bucket
// of their own, which sends do not drain, and a refused one stores
// nothing.
func TestEditsShareTheSendLimitAndReactionsHaveTheirOwn(t *testing.T) {
	t.Parallel()
	db := sqlstoretest.SQLite(t)
	if err := Migrate(t.Context(), db); err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, db)
	g, ada := e.group()
	m := e.post(g, ada, "to edit")
	// A frozen clock: a busy machine must not refill the bucket between
	// the sends that empty it and the edit.
	frozen := time.Now()
	h, err := NewHandler(HandlerConfig{Service: e.svc, Require: fakeRequire, Limiter: ratelimit.NewMemoryClock(func() time.Time { return frozen }), MembershipGrace: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	e.mux = http.NewServeMux()
	h.Register(e.mux)
	for i := range 3 * limitSend.N {
		if w := e.do("POST", "/api/v1/groups/"+g+"/messages", ada, map[string]any{"clientMsgId": itoa(int64(i)), "text": "x"}); w.Code == http.StatusTooManyRequests {
			break
		}
	}
	before := e.snapshot(g)
	w := e.do("PATCH", "/api/v1/groups/"+g+"/messages/"+m.ID, ada, map[string]any{"text": "edited"})
	wantErr(t, "an edit after the sends used the bucket up", w, http.StatusTooManyRequests, "rate_limited", "")
	e.unchanged("a rate-limited edit", g, before)

	// Each call counts, even one that changes nothing.
	added := 0
	for range 3 * limitReact.N {
		w := e.do("PUT", reactPath(g, m.ID, "👍"), ada, nil)
		if w.Code == http.StatusTooManyRequests {
			if w.Header().Get("Retry-After") == "" {
				t.Fatal("429 without Retry-After")
			}
			break
		}
		want(t, w, http.StatusNoContent)
		added++
	}
	if added < limitReact.N || added >= 3*limitReact.N {
		t.Fatalf("%d reaction calls before the first 429, want a burst and then a refusal", added)
	}
}
