package message

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/parleychat/parley/internal/auth"
	"github.com/parleychat/parley/internal/blob"
	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/event"
	"github.com/parleychat/parley/internal/group/groupevent"
	"github.com/parleychat/parley/internal/httpapi"
	"github.com/parleychat/parley/internal/rights"
	"github.com/parleychat/parley/internal/sqlstore"
	"github.com/parleychat/parley/internal/sqlstore/sqlstoretest"
)

// eachDB runs fn on a migrated SQLite database and a migrated MariaDB one.
func eachDB(t *testing.T, fn func(t *testing.T, db *sqlstore.DB)) {
	t.Helper()
	sqlstoretest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		t.Parallel()
		if err := Migrate(context.Background(), db); err != nil {
			t.Fatalf("migrate: %v", err)
		}
		fn(t, db)
	})
}

// env is one Service and Handler over a migrated database, with a file
// blob store in a temporary directory served by a real HTTP server (so
// that signed PUT and GET URLs work), and a fake authentication that
// believes "Authorization: Bearer <user id>".
type env struct {
	t     *testing.T
	db    *sqlstore.DB
	blob  *blob.FileStore
	svc   *Service
	mux   *http.ServeMux
	blobs *httptest.Server
}

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

// testMaxUpload is the per-file limit the tests configure.
const testMaxUpload = 1 << 20

func newEnv(t *testing.T, db *sqlstore.DB) *env {
	t.Helper()
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	store, err := blob.NewFileStore(t.TempDir(), srv.URL, []byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	mux.Handle(blob.HandlerPrefix, store.Handler())
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc, err := NewService(Config{DB: db, Blob: store, Logger: log, MaxUploadBytes: testMaxUpload})
	if err != nil {
		t.Fatal(err)
	}
	h, err := NewHandler(HandlerConfig{Service: svc, Require: fakeRequire, Logger: log, MembershipGrace: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	api := http.NewServeMux()
	h.Register(api)
	return &env{t: t, db: db, blob: store, svc: svc, mux: api, blobs: srv}
}

func newUUID() string { return uuid.Must(uuid.NewV7()).String() }

// groupEvent builds a groups-topic event as the group role emits it.
func groupEvent(t *testing.T, typ, groupID string, payload any) event.Event {
	t.Helper()
	e, err := event.New(typ, groupID, payload)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// join makes userID a member of groupID through the projection.
func (e *env) join(groupID, userID string, role rights.Role, granted rights.Rights) {
	e.t.Helper()
	if role == rights.RoleCreator || role == rights.RoleAdmin {
		granted = rights.All
	}
	ev := groupEvent(e.t, groupevent.TypeMemberAdded, groupID, groupevent.MemberChanged{GroupID: groupID, Member: groupevent.Member{UserID: userID, Role: role, Rights: granted}})
	if err := e.svc.HandleGroupEvent(context.Background(), ev); err != nil {
		e.t.Fatalf("member event: %v", err)
	}
}

// group makes a group with a creator and returns both ids.
func (e *env) group() (groupID, creatorID string) {
	e.t.Helper()
	groupID, creatorID = newUUID(), newUUID()
	e.join(groupID, creatorID, rights.RoleCreator, rights.Rights{})
	return groupID, creatorID
}

// member adds a fresh plain member to groupID.
func (e *env) member(groupID string) string {
	e.t.Helper()
	id := newUUID()
	e.join(groupID, id, rights.RoleMember, rights.Rights{})
	return id
}

// do sends a request (body: nil, a raw string, or a value to encode) as uid.
func (e *env) do(method, path, uid string, body any) *httptest.ResponseRecorder {
	e.t.Helper()
	var raw []byte
	switch b := body.(type) {
	case nil:
	case string:
		raw = []byte(b)
	default:
		var err error
		if raw, err = json.Marshal(b); err != nil {
			e.t.Fatal(err)
		}
	}
	r := httptest.NewRequest(method, path, bytes.NewReader(raw))
	if body != nil {
		r.Header.Set("Content-Type", "application/json")
	}
	if uid != "" {
		r.Header.Set("Authorization", "Bearer "+uid)
	}
	w := httptest.NewRecorder()
	e.mux.ServeHTTP(w, r)
	return w
}

// want fails unless w has status code.
func want(t *testing.T, w *httptest.ResponseRecorder, code int) {
	t.Helper()
	if w.Code != code {
		t.Fatalf("status %d, want %d: %s", w.Code, code, w.Body.String())
	}
	if w.Code >= 400 && !strings.Contains(w.Body.String(), `"error"`) {
		t.Fatalf("error without a JSON error body: %s", w.Body.String())
	}
}

func decode[T any](t *testing.T, w *httptest.ResponseRecorder) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(w.Body.Bytes(), &v); err != nil {
		t.Fatalf("decode %s: %v", w.Body.String(), err)
	}
	return v
}

// post posts a text message as uid through the service.
func (e *env) post(groupID, uid, text string) Message {
	e.t.Helper()
	m, err := e.svc.Post(context.Background(), Submitted{GroupID: groupID, AuthorID: uid, ClientMsgID: newUUID(), Text: text})
	if err != nil {
		e.t.Fatalf("post: %v", err)
	}
	return m
}

// events returns the outbox events of type typ with key groupID, oldest
// first.
func (e *env) events(groupID, typ string) []event.Event {
	e.t.Helper()
	rows, err := e.db.QueryContext(context.Background(), "SELECT event_id, type, event_key, payload FROM outbox WHERE event_key = ? AND type = ? ORDER BY id", groupID, typ)
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

// upload asks for an upload URL as uid and PUTs content there for real.
func (e *env) upload(groupID, uid, name, contentType string, content []byte) UploadTicket {
	e.t.Helper()
	w := e.do("POST", "/api/v1/groups/"+groupID+"/uploads", uid, map[string]any{"files": []FileSpec{{Name: name, Size: int64(len(content)), ContentType: contentType}}})
	want(e.t, w, http.StatusCreated)
	ts := decode[httpapi.Items[UploadTicket]](e.t, w).Items
	if len(ts) != 1 {
		e.t.Fatalf("got %d tickets", len(ts))
	}
	e.put(ts[0], content, http.StatusOK)
	return ts[0]
}

// put sends content to a signed upload URL and checks the status.
func (e *env) put(tk UploadTicket, content []byte, code int) {
	e.t.Helper()
	req, err := http.NewRequest(tk.Method, tk.URL, bytes.NewReader(content))
	if err != nil {
		e.t.Fatal(err)
	}
	for k, v := range tk.Headers {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != code {
		e.t.Fatalf("PUT status %d, want %d: %s", res.StatusCode, code, body)
	}
}

// get downloads a URL and returns its status and body.
func get(t *testing.T, url string) (int, []byte) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, body
}
