package message

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/parleychat/parley/internal/ratelimit"
	"github.com/parleychat/parley/internal/rights"
	"github.com/parleychat/parley/internal/sqlstore"
)

// TestANonMembersReadsCostLittleAndAreLimited is the suspected item of
// issue 12 about GET history: a non-member's read once retried for 2 s
// (about 40 queries each), with no rate limit. Now each read that misses
// the projection asks the group role once, and reads are limited per user
// (429 with Retry-After beyond limitRead).
func TestANonMembersReadsCostLittleAndAreLimited(t *testing.T) {
	eachDB(t, func(t *testing.T, db *sqlstore.DB) {
		e := newEnv(t, db)
		// A frozen clock: on a slow machine 300 reads take longer than the
		// 200 ms in which the limit gives one read back.
		frozen := time.Now()
		f := &fakeMembers{ms: map[[2]string]rights.Membership{}}
		e.svc.members = f
		h, err := NewHandler(HandlerConfig{Service: e.svc, Require: fakeRequire, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Limiter: ratelimit.NewMemoryClock(func() time.Time { return frozen })})
		if err != nil {
			t.Fatal(err)
		}
		mux := http.NewServeMux()
		h.Register(mux)
		g, _ := e.group()
		stranger := newUUID()
		get := func() *httptest.ResponseRecorder {
			req := httptest.NewRequest("GET", "/api/v1/groups/"+g+"/messages", nil)
			req.Header.Set("Authorization", "Bearer "+stranger)
			w := httptest.NewRecorder()
			mux.ServeHTTP(w, req)
			return w
		}
		for i := range limitRead.N {
			if w := get(); w.Code != http.StatusNotFound {
				t.Fatalf("read %d: %d %s", i, w.Code, w.Body)
			}
			if n := f.count(); n != i+1 {
				t.Fatalf("after %d reads the group role was asked %d times, want once per read", i+1, n)
			}
		}
		w := get()
		if s, _ := strconv.Atoi(w.Header().Get("Retry-After")); w.Code != http.StatusTooManyRequests || s < 1 {
			t.Fatalf("read beyond the limit: %d (Retry-After %q)", w.Code, w.Header().Get("Retry-After"))
		}
		if n := f.count(); n != limitRead.N {
			t.Fatalf("a limited read asked the group role (%d asks)", n)
		}
	})
}
