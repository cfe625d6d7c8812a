package user

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/parleychat/parley/internal/blob"
	"github.com/parleychat/parley/internal/email"
	"github.com/parleychat/parley/internal/event"
	"github.com/parleychat/parley/internal/platformtest"
	"github.com/parleychat/parley/internal/sqlstore"
	"github.com/parleychat/parley/internal/sqlstore/sqlstoretest"
)

// testHash keeps password hashing cheap in tests; the parameters are
// recorded in each hash, so production parameters are exercised by
// TestPasswordHashes.
var testHash = HashParams{Memory: 256, Time: 1, Threads: 1}

// env is one Service and Handler over a migrated database, with
// hand-written fakes for the token role, the limiter and auth, and a file
// blob store in a temporary directory. Envs on one database share its
// rows, so tests use fresh names (uniq).
type env struct {
	t        *testing.T
	db       *sqlstore.DB
	svc      *Service
	mux      *http.ServeMux
	tokens   *fakeTokens
	limiter  *fakeLimiter
	blob     *blob.FileStore
	clock    *fakeClock
	notified atomic.Int32
}

type envOption func(*Config, *HandlerConfig)

func withPublicURL(u string) envOption {
	return func(_ *Config, h *HandlerConfig) { h.PublicURL = u }
}

func withHash(p HashParams) envOption {
	return func(c *Config, _ *HandlerConfig) { c.Hash = p }
}

func newEnv(t *testing.T, db *sqlstore.DB, opts ...envOption) *env {
	t.Helper()
	store, err := blob.NewFileStore(t.TempDir(), "http://localhost:8080", []byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, db: db, tokens: newFakeTokens(), limiter: newFakeLimiter(), blob: store, clock: &fakeClock{}}
	cfg := Config{
		DB: db, Blob: store, Tokens: e.tokens, Limiter: e.limiter, Hash: testHash, Now: e.clock.now,
		Notify: func() { e.notified.Add(1) },
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	hcfg := HandlerConfig{Require: e.tokens.require, PublicURL: "https://parley.example"}
	for _, o := range opts {
		o(&cfg, &hcfg)
	}
	e.svc, err = NewService(cfg)
	if err != nil {
		t.Fatal(err)
	}
	hcfg.Service = e.svc
	h, err := NewHandler(hcfg)
	if err != nil {
		t.Fatal(err)
	}
	e.mux = http.NewServeMux()
	h.Register(e.mux)
	return e
}

// eachDB runs fn on a migrated database of every dialect.
func eachDB(t *testing.T, fn func(t *testing.T, db *sqlstore.DB)) {
	t.Helper()
	sqlstoretest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		t.Parallel()
		if err := Migrate(platformtest.Context(t), db); err != nil {
			t.Fatalf("Migrate: %v", err)
		}
		fn(t, db)
	})
}

var (
	uniqN    atomic.Int64
	uniqSalt = platformtest.Name("")[:4]
)

// uniq returns a fresh username with the given prefix.
func uniq(prefix string) string {
	return fmt.Sprintf("%s%s%d", prefix, uniqSalt, uniqN.Add(1))
}

// addrN hands every request its own client address unless it sets one,
// so per-address limits only bite where a test means them to.
var addrN atomic.Int64

func nextAddr() string {
	n := addrN.Add(1)
	return fmt.Sprintf("10.%d.%d.%d:40000", n>>16&255, n>>8&255, n&255)
}

// req is one request to the handler.
type req struct {
	method, path string
	body         any // JSON-encoded unless []byte or string
	contentType  string
	bearer       string
	cookie       string // value of parley_refresh
	headers      map[string]string
	remote       string
}

func (e *env) do(r req) *httptest.ResponseRecorder {
	e.t.Helper()
	var body io.Reader
	switch b := r.body.(type) {
	case nil:
	case []byte:
		body = bytes.NewReader(b)
	case string:
		body = strings.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		body = bytes.NewReader(raw)
		if r.contentType == "" {
			r.contentType = "application/json"
		}
	}
	hr := httptest.NewRequest(r.method, r.path, body)
	if r.contentType != "" {
		hr.Header.Set("Content-Type", r.contentType)
	}
	if r.bearer != "" {
		hr.Header.Set("Authorization", "Bearer "+r.bearer)
	}
	if r.cookie != "" {
		hr.AddCookie(&http.Cookie{Name: RefreshCookie, Value: r.cookie})
	}
	for k, v := range r.headers {
		hr.Header.Set(k, v)
	}
	hr.RemoteAddr = r.remote
	if hr.RemoteAddr == "" {
		hr.RemoteAddr = nextAddr()
	}
	rec := httptest.NewRecorder()
	e.mux.ServeHTTP(rec, hr)
	return rec
}

// post sends a JSON body.
func (e *env) post(path string, body any) *httptest.ResponseRecorder {
	e.t.Helper()
	return e.do(req{method: "POST", path: path, body: body})
}

// wantStatus fails the test unless rec has the status; for errors it also
// checks the JSON error code matches the status and returns the error.
func wantStatus(t *testing.T, rec *httptest.ResponseRecorder, status int) errorBody {
	t.Helper()
	if rec.Code != status {
		t.Fatalf("status %d, want %d; body %s", rec.Code, status, rec.Body.String())
	}
	var b errorBody
	if status >= 400 {
		if err := json.Unmarshal(rec.Body.Bytes(), &b); err != nil || b.Error.Code == "" {
			t.Fatalf("error answer is not a JSON error: %q", rec.Body.String())
		}
	}
	return b
}

type errorBody struct {
	Error struct {
		Code    string            `json:"code"`
		Message string            `json:"message"`
		Detail  string            `json:"detail"`
		Fields  map[string]string `json:"fields"`
	} `json:"error"`
}

func decode[T any](t *testing.T, rec *httptest.ResponseRecorder) T {
	t.Helper()
	var v T
	dec := json.NewDecoder(rec.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("decode %T from %q: %v", v, rec.Body.String(), err)
	}
	return v
}

// account is what tests know of a registered user.
type testUser struct {
	ID, Username, Email, Password string
}

// register registers a fresh user through the API.
func (e *env) register(prefix string) testUser {
	e.t.Helper()
	name := uniq(prefix)
	u := testUser{Username: name, Email: strings.ToLower(name) + "@example.com", Password: "correct horse " + name}
	rec := e.post("/api/v1/users", map[string]string{"username": u.Username, "email": u.Email, "password": u.Password})
	wantStatus(e.t, rec, http.StatusCreated)
	u.ID = decode[Me](e.t, rec).ID
	return u
}

// verified registers a user and verifies it with the mailed code.
func (e *env) verified(prefix string) testUser {
	e.t.Helper()
	u := e.register(prefix)
	wantStatus(e.t, e.post("/api/v1/users/verify", map[string]string{"code": e.lastCode(u.Email, email.KindVerification)}), http.StatusOK)
	return u
}

// session is a signed-in client.
type session struct {
	access, refresh, sid string
}

func (e *env) login(u testUser) session {
	e.t.Helper()
	rec := e.post("/api/v1/auth/login", map[string]string{"email": u.Email, "password": u.Password})
	wantStatus(e.t, rec, http.StatusOK)
	body := decode[accessResponse](e.t, rec)
	c, ok := e.tokens.claims(body.AccessToken)
	if !ok {
		e.t.Fatalf("login answered an access token the token role did not issue: %q", body.AccessToken)
	}
	return session{access: body.AccessToken, refresh: refreshCookie(e.t, rec).Value, sid: c.SessionID}
}

// refreshCookie returns the parley_refresh cookie an answer sets.
func refreshCookie(t *testing.T, rec *httptest.ResponseRecorder) *http.Cookie {
	t.Helper()
	for _, c := range rec.Result().Cookies() {
		if c.Name == RefreshCookie {
			return c
		}
	}
	t.Fatalf("no %s cookie in %v", RefreshCookie, rec.Header().Values("Set-Cookie"))
	return nil
}

// outboxRow is one row of the outbox.
type outboxRow struct {
	topic, key, typ string
	payload         []byte
}

func (e *env) outbox(topic, key string) []outboxRow {
	e.t.Helper()
	rows, err := e.db.QueryContext(context.Background(), "SELECT topic, event_key, type, payload FROM outbox WHERE topic = ? AND event_key = ? ORDER BY id", topic, key)
	if err != nil {
		e.t.Fatal(err)
	}
	defer rows.Close()
	var out []outboxRow
	for rows.Next() {
		var r outboxRow
		if err := rows.Scan(&r.topic, &r.key, &r.typ, &r.payload); err != nil {
			e.t.Fatal(err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		e.t.Fatal(err)
	}
	return out
}

// mails returns the mail requests queued for the user with address to.
func (e *env) mails(to string) []email.Request {
	e.t.Helper()
	var id string
	err := e.db.QueryRowContext(context.Background(), "SELECT id FROM users WHERE email = ?", to).Scan(&id)
	if err != nil {
		return nil
	}
	var out []email.Request
	for _, r := range e.outbox(MailTopic, id) {
		if r.typ != EventMailRequested {
			e.t.Fatalf("mail row of type %q", r.typ)
		}
		var m email.Request
		if err := json.Unmarshal(r.payload, &m); err != nil {
			e.t.Fatal(err)
		}
		if err := m.Validate(); err != nil {
			e.t.Fatalf("queued mail request the email role would refuse: %v", err)
		}
		out = append(out, m)
	}
	return out
}

// lastCode returns the code of the newest mail of the kind sent to to.
func (e *env) lastCode(to string, kind email.Kind) string {
	e.t.Helper()
	ms := e.mails(to)
	for i := len(ms) - 1; i >= 0; i-- {
		if ms[i].Kind == kind {
			return ms[i].Code
		}
	}
	e.t.Fatalf("no %s mail to %s", kind, to)
	return ""
}

// events returns the users-topic events about a user.
func (e *env) events(userID string) []event.Event {
	e.t.Helper()
	var out []event.Event
	for _, r := range e.outbox(Topic, userID) {
		out = append(out, event.Event{Type: r.typ, Key: r.key, Payload: r.payload})
	}
	return out
}
