package group

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parleychat/parley/internal/auth"
	"github.com/parleychat/parley/internal/blob"
	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/event"
	"github.com/parleychat/parley/internal/httpapi"
	"github.com/parleychat/parley/internal/sqlstore"
	"github.com/parleychat/parley/internal/sqlstore/sqlstoretest"
	"github.com/parleychat/parley/internal/user"
)

// eachDB runs fn on a migrated SQLite database and a migrated MariaDB one.
func eachDB(t *testing.T, fn func(t *testing.T, db *sqlstore.DB)) {
	t.Helper()
	sqlstoretest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		if err := Migrate(context.Background(), db); err != nil {
			t.Fatalf("migrate: %v", err)
		}
		fn(t, db)
	})
}

// env is one Service and Handler over a migrated database, with a file
// blob store in a temporary directory and a fake authentication that
// believes "Authorization: Bearer <user id>". Envs on one database share
// its rows; every helper makes fresh ids.
type env struct {
	t        *testing.T
	db       *sqlstore.DB
	svc      *Service
	mux      *http.ServeMux
	notified atomic.Int32
}

// fakeRequire authenticates "Bearer <user id>" and answers 401 otherwise.
func fakeRequire(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		uid, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || uid == "" {
			httpapi.Error(w, r, nil, errs.E(errs.Unauthenticated, "no token"))
			return
		}
		next.ServeHTTP(w, r.WithContext(auth.WithClaims(r.Context(), auth.Claims{UserID: uid, SessionID: "s"})))
	})
}

func newEnv(t *testing.T, db *sqlstore.DB) *env {
	t.Helper()
	return newEnvWith(t, db, func(*Config) {})
}

// newEnvWith is newEnv with a Config that set has changed.
func newEnvWith(t *testing.T, db *sqlstore.DB, set func(*Config)) *env {
	t.Helper()
	store, err := blob.NewFileStore(t.TempDir(), "http://localhost:8080", []byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, db: db}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	c := Config{DB: db, Blob: store, Logger: log, Notify: func() { e.notified.Add(1) }}
	set(&c)
	e.svc, err = NewService(c)
	if err != nil {
		t.Fatal(err)
	}
	h, err := NewHandler(HandlerConfig{Service: e.svc, Require: fakeRequire, Logger: log, PublicURL: "http://localhost:8080"})
	if err != nil {
		t.Fatal(err)
	}
	e.mux = http.NewServeMux()
	h.Register(e.mux)
	return e
}

var uniqN atomic.Int64

// uniq returns a short name unique in the test binary.
func uniq(prefix string) string {
	return fmt.Sprintf("%s%d_%d", prefix, time.Now().UnixNano()%1e6, uniqN.Add(1))
}

func newUUID() string { return newID() }

// userEvent builds a users-topic event as the user role emits it.
func userEvent(t *testing.T, typ, id, name string, pic *string, at time.Time) event.Event {
	t.Helper()
	var payload any = user.Changed{UserID: id, Username: name, PictureURL: pic}
	if typ == user.EventRegistered {
		payload = user.Registered{UserID: id, Username: name}
	}
	e, err := event.New(typ, id, payload)
	if err != nil {
		t.Fatal(err)
	}
	e.OccurredAt = at
	return e
}

// user makes a verified user known to the role, through the projection.
func (e *env) user(name string) string {
	e.t.Helper()
	id := newUUID()
	if err := e.svc.HandleUserEvent(context.Background(), userEvent(e.t, user.EventVerified, id, name, nil, time.Now())); err != nil {
		e.t.Fatalf("user event: %v", err)
	}
	return id
}

// do sends a JSON request (body nil: none) as uid ("" : anonymous).
func (e *env) do(method, path, uid string, body any) *httptest.ResponseRecorder {
	e.t.Helper()
	var raw []byte
	if body != nil {
		if s, ok := body.(string); ok {
			raw = []byte(s)
		} else {
			var err error
			if raw, err = json.Marshal(body); err != nil {
				e.t.Fatal(err)
			}
		}
	}
	ct := ""
	if body != nil {
		ct = "application/json"
	}
	return e.raw(method, path, uid, raw, ct)
}

func (e *env) raw(method, path, uid string, body []byte, contentType string) *httptest.ResponseRecorder {
	e.t.Helper()
	r := httptest.NewRequest(method, path, bytes.NewReader(body))
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	if uid != "" {
		r.Header.Set("Authorization", "Bearer "+uid)
	}
	w := httptest.NewRecorder()
	e.mux.ServeHTTP(w, r)
	return w
}

// wantStatus fails unless rec has status; it returns the body.
func wantStatus(t *testing.T, rec *httptest.ResponseRecorder, status int) []byte {
	t.Helper()
	if rec.Code != status {
		t.Fatalf("status %d, want %d; body %s", rec.Code, status, rec.Body.String())
	}
	return rec.Body.Bytes()
}

func decodeAs[T any](t *testing.T, b []byte) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
	return v
}

// errorCode returns the error code of a JSON error body.
func errorCode(t *testing.T, b []byte) string {
	t.Helper()
	return decodeAs[httpapi.ErrorBody](t, b).Error.Code
}

// createGroup makes a group through the API as uid.
func (e *env) createGroup(uid, name string) MyGroup {
	e.t.Helper()
	return decodeAs[MyGroup](e.t, wantStatus(e.t, e.do("POST", "/api/v1/groups", uid, map[string]string{"name": name}), http.StatusCreated))
}

// join makes uid a member of groupID with role and rights, as an invite
// accepted and then changed would, without going through the API.
func (e *env) join(groupID, uid string, role Role, r Rights) {
	e.t.Helper()
	err := sqlstore.InTx(context.Background(), e.db, func(tx *sql.Tx) error {
		return e.svc.store.insertMember(context.Background(), tx, groupID, uid, role, r, sqlstore.Now())
	})
	if err != nil {
		e.t.Fatalf("join: %v", err)
	}
}

// events returns the events queued in the outbox for key, oldest first.
func (e *env) events(key string) []event.Event {
	e.t.Helper()
	rows, err := e.db.QueryContext(context.Background(),
		`SELECT event_id, type, event_key, payload FROM outbox WHERE topic = ? AND event_key = ? ORDER BY id`, Topic, key)
	if err != nil {
		e.t.Fatal(err)
	}
	defer rows.Close()
	var out []event.Event
	for rows.Next() {
		var ev event.Event
		var payload []byte
		if err := rows.Scan(&ev.ID, &ev.Type, &ev.Key, &payload); err != nil {
			e.t.Fatal(err)
		}
		ev.Payload = payload
		out = append(out, ev)
	}
	if err := rows.Err(); err != nil {
		e.t.Fatal(err)
	}
	return out
}

// types lists the types of evs.
func types(evs []event.Event) []string {
	out := make([]string, len(evs))
	for i, ev := range evs {
		out[i] = ev.Type
	}
	return out
}

// lastEvent returns the newest event for key, decoded into T, failing
// unless it has type typ.
func lastEvent[T any](e *env, key, typ string) T {
	e.t.Helper()
	evs := e.events(key)
	if len(evs) == 0 {
		e.t.Fatalf("no events for %s, want %s", key, typ)
	}
	last := evs[len(evs)-1]
	if last.Type != typ {
		e.t.Fatalf("last event %s, want %s (all: %v)", last.Type, typ, types(evs))
	}
	var v T
	if err := last.Decode(&v); err != nil {
		e.t.Fatal(err)
	}
	return v
}

func httptestRequest(method, path string) *http.Request {
	return httptest.NewRequest(method, path, nil)
}

func serve(e *env, r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	e.mux.ServeHTTP(w, r)
	return w
}
