package node

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/parleychat/parley/internal/config"
	"github.com/parleychat/parley/internal/ratelimit"
)

// The fuzz targets of this file drive a whole embedded node in process
// (every role, SQLite, the memory bus, local files), as an attacker on
// the public port would: any route of api/openapi.yaml, any method, path
// parameter, query, Content-Type and body, with and without a valid
// token. Whatever they send, the answer is never a 5xx, and every 4xx
// has the JSON error shape of the contract.

// fuzzOp is one documented operation.
type fuzzOp struct{ method, path string }

var pathParam = regexp.MustCompile(`\{([^}]+)\}`)

// documentedOps reads the operations of api/openapi.yaml, sorted.
func documentedOps(t testing.TB) []fuzzOp {
	raw, err := os.ReadFile("../../api/openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Paths map[string]map[string]any `yaml:"paths"`
	}
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	var ops []fuzzOp
	for p, item := range doc.Paths {
		for m := range item {
			switch m {
			case "get", "put", "post", "delete", "patch", "head", "options":
				ops = append(ops, fuzzOp{strings.ToUpper(m), p})
			}
		}
	}
	sort.Slice(ops, func(i, j int) bool { return ops[i].path+ops[i].method < ops[j].path+ops[j].method })
	if len(ops) < 40 {
		t.Fatalf("only %d operations in api/openapi.yaml", len(ops))
	}
	return ops
}

// mailLog keeps the links of the mails the log:// mailer prints.
type mailLog struct {
	mu    sync.Mutex
	links map[string]string // to → last link
}

func (m *mailLog) Enabled(context.Context, slog.Level) bool { return true }
func (m *mailLog) WithAttrs([]slog.Attr) slog.Handler       { return m }
func (m *mailLog) WithGroup(string) slog.Handler            { return m }
func (m *mailLog) Handle(_ context.Context, r slog.Record) error {
	var to, link string
	r.Attrs(func(a slog.Attr) bool {
		switch a.Key {
		case "to":
			to = a.Value.String()
		case "link":
			link = a.Value.String()
		}
		return true
	})
	if to != "" && link != "" {
		m.mu.Lock()
		m.links[to] = link
		m.mu.Unlock()
	}
	return nil
}

// lenient is the node's own limiter (so that what it refuses as input,
// an over-long key say, is refused as in production) that never refuses
// a call for its rate: a fuzzer would otherwise spend most of its minute
// on 429s.
type lenient struct{ ratelimit.Limiter }

func (l lenient) Allow(ctx context.Context, key string, r ratelimit.Rate) (ratelimit.Decision, error) {
	if _, err := l.Limiter.Allow(ctx, key, r); err != nil {
		return ratelimit.Decision{}, err
	}
	return ratelimit.Decision{Allowed: true}, nil
}

// fuzzNode is a running embedded node with two users, a group of the
// first with a few messages, and an invite of the second.
type fuzzNode struct {
	h                                 http.Handler
	ops                               []fuzzOp
	alice, bob                        string // access tokens
	aliceID, bobID, groupID, inviteID string
	messageIDs                        []string
}

type answer struct {
	status int
	header http.Header
	body   []byte
}

func (a answer) json() map[string]any {
	var m map[string]any
	_ = json.Unmarshal(a.body, &m)
	return m
}

// do sends one request straight to the node's handler.
func (fn *fuzzNode) do(method, target, token, ctype string, body []byte) answer {
	r := httptest.NewRequest(http.MethodGet, "http://parley.test/", bytes.NewReader(body))
	r.Method = method
	u, err := url.ParseRequestURI(target)
	if err != nil {
		return answer{status: -1}
	}
	r.URL, r.RequestURI = u, target
	r.ContentLength = int64(len(body))
	r.RemoteAddr = "127.0.0.1:40000"
	if ctype != "" {
		r.Header.Set("Content-Type", ctype)
	}
	if token != "" {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	rec := httptest.NewRecorder()
	fn.h.ServeHTTP(rec, r)
	return answer{rec.Code, rec.Header(), rec.Body.Bytes()}
}

func (fn *fuzzNode) must(t testing.TB, want int, method, target, token string, body any) map[string]any {
	t.Helper()
	b, _ := json.Marshal(body)
	a := fn.do(method, target, token, "application/json", b)
	if a.status != want {
		t.Fatalf("%s %s: %d %s, want %d", method, target, a.status, a.body, want)
	}
	return a.json()
}

func (fn *fuzzNode) account(t testing.TB, logs *mailLog, name string) (token, id string) {
	t.Helper()
	email := name + "@example.test"
	pw := "correct horse " + name
	fn.must(t, 201, "POST", "/api/v1/users", "", map[string]string{"username": name, "email": email, "password": pw})
	var code string
	for deadline := time.Now().Add(20 * time.Second); code == "" && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		logs.mu.Lock()
		_, code, _ = strings.Cut(logs.links[email], "/verify/")
		logs.mu.Unlock()
	}
	if code == "" {
		t.Fatalf("no verification mail to %s", email)
	}
	fn.must(t, 200, "POST", "/api/v1/users/verify", "", map[string]string{"code": code})
	m := fn.must(t, 200, "POST", "/api/v1/auth/login", "", map[string]string{"email": email, "password": pw})
	return m["accessToken"].(string), m["user"].(map[string]any)["id"].(string)
}

func startFuzzNode(t testing.TB) *fuzzNode {
	t.Helper()
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	for _, f := range config.Fields() {
		if strings.Contains(f.Default, "{data}") {
			if err := cfg.Set(f.Key, strings.ReplaceAll(f.Default, "{data}", cfg.DataDir)); err != nil {
				t.Fatal(err)
			}
		}
	}
	cfg.PublicURL = "http://parley.test"
	cfg.RTCUDPAddr = "127.0.0.1:0"
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	logs := &mailLog{links: map[string]string{}}
	selected, err := selectRoles(cfg.Roles)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, r := range selected {
		names = append(names, r.name)
	}
	n := newBare(context.Background(), cfg, slog.New(logs), names)
	n.roles = selected
	n.limiter = lenient{ratelimit.NewMemory()}
	for _, r := range selected {
		if err := r.start(n); err != nil {
			n.Close()
			t.Fatalf("start role %s: %v", r.name, err)
		}
	}
	t.Cleanup(n.Close)
	fn := &fuzzNode{h: n.Handler(), ops: documentedOps(t)}
	fn.alice, fn.aliceID = fn.account(t, logs, "alice")
	fn.bob, fn.bobID = fn.account(t, logs, "bob")
	fn.groupID = fn.must(t, 201, "POST", "/api/v1/groups", fn.alice, map[string]string{"name": "fuzz"})["id"].(string)
	fn.inviteID = fn.must(t, 201, "POST", "/api/v1/groups/"+fn.groupID+"/invites", fn.alice, map[string]string{"userId": fn.bobID})["id"].(string)
	for i := range 3 {
		m := fn.must(t, 201, "POST", "/api/v1/groups/"+fn.groupID+"/messages", fn.alice, map[string]string{"clientMsgId": fmt.Sprint("c", i), "text": "hi"})
		fn.messageIDs = append(fn.messageIDs, m["id"].(string))
	}
	return fn
}

// checkAnswer fails unless a is below 500 and, when a 4xx, has the JSON
// error shape: {"error": {"code": "...", "message": "..."}}.
func checkAnswer(t *testing.T, what string, a answer) {
	t.Helper()
	if a.status >= 500 {
		t.Fatalf("%s: %d %s", what, a.status, a.body)
	}
	if a.status < 400 || a.status == http.StatusRequestedRangeNotSatisfiable {
		return
	}
	var e struct {
		Error *struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if !strings.HasPrefix(a.header.Get("Content-Type"), "application/json") || json.Unmarshal(a.body, &e) != nil ||
		e.Error == nil || e.Error.Code == "" || e.Error.Message == "" {
		t.Fatalf("%s: %d without the JSON error shape (Content-Type %q): %q", what, a.status, a.header.Get("Content-Type"), a.body)
	}
}

var fuzzMethods = []string{"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE", "PROPFIND", "get"}

var fuzzTypes = []string{"application/json", "", "application/json; charset=utf-8", "text/plain", "APPLICATION/JSON",
	"application/x-www-form-urlencoded", "multipart/form-data; boundary=b", "application/json; charset=", "application/jsonx", "image/png"}

// FuzzREST: one generic target over every documented route.
func FuzzREST(f *testing.F) {
	fn := startFuzzNode(f)
	// Seeds: every route with its own method and an empty object, and
	// with bodies of the shapes that caused past bugs.
	for i := range fn.ops {
		f.Add(uint8(i), uint8(0), uint8(0), "", "", uint8(0), true, []byte(`{}`))
		f.Add(uint8(i), uint8(0), uint8(0xff), "0192AAAA-0000-7000-8000-0000000000A1", "", uint8(1), false, []byte(``))
	}
	for _, b := range []string{
		`{"name":"x\u202ey"}`, `{"username":"a\u202eb","email":"a@b.c","password":"long enough pw"}`,
		`{"clientMsgId":"ééééééééééééééééééééééééééééééééééééééééé","text":"x"}`, `{"name":1}`, `[]`, `null`, `{"a":1}{"b":2}`,
		`{"userId":"0192AAAA00007000800000000000A1"}`, `{"role":"owner"}`, `{"rights":{"deleteMessages":"yes"}}`,
		`{"files":[{"name":"a","size":-1,"contentType":"x"}]}`, `{"keys":["../../etc/passwd"]}`, `{"email":"` + strings.Repeat("a", 5000) + `@b.c","password":"x"}`,
	} {
		for i := range fn.ops {
			if fn.ops[i].method != "GET" {
				f.Add(uint8(i), uint8(0), uint8(0), "", "", uint8(0), true, []byte(b))
			}
		}
	}
	f.Add(uint8(0), uint8(1), uint8(0), "", "limit=0&cursor=%zz&before=-1", uint8(0), true, []byte(`{}`))
	f.Fuzz(func(t *testing.T, route, method, params uint8, param, query string, ctype uint8, auth bool, body []byte) {
		op := fn.ops[int(route)%len(fn.ops)]
		m := op.method
		if method%4 == 3 {
			m = fuzzMethods[int(method/4)%len(fuzzMethods)]
		}
		i := 0
		path := pathParam.ReplaceAllStringFunc(op.path, func(name string) string {
			choice := int(params>>(2*i)) & 3
			i++
			var real string
			switch name {
			case "{userId}":
				real = fn.bobID
			case "{messageId}":
				real = fn.messageIDs[0]
			case "{key}":
				real = "g/" + fn.groupID + "/x"
			case "{id}":
				switch {
				case strings.HasPrefix(op.path, "/api/v1/users/"):
					real = fn.bobID
				case strings.HasPrefix(op.path, "/api/v1/invites/"):
					real = fn.inviteID
				default:
					real = fn.groupID
				}
			default:
				real = fn.groupID
			}
			switch choice {
			case 0:
				return real
			case 1:
				return strings.ToUpper(real)
			default:
				return url.PathEscape(param)
			}
		})
		target := path
		if query != "" {
			target += "?" + query
		}
		token := ""
		if auth {
			token = fn.alice
		}
		a := fn.do(m, target, token, fuzzTypes[int(ctype)%len(fuzzTypes)], body)
		if a.status == -1 {
			return // not a request line a client could send
		}
		checkAnswer(t, m+" "+target, a)
	})
}

// FuzzCursors: the paging and search parameters of every list (history's
// before/after/limit, the invites' cursor/direction/status/limit, search's
// q/limit, message search's q/groupId/before/limit, the picture version v)
// are refused as a 4xx or answered with a page that keeps to them.
func FuzzCursors(f *testing.F) {
	fn := startFuzzNode(f)
	lists := []string{
		"/api/v1/groups/" + fn.groupID + "/messages", "/api/v1/invites", "/api/v1/search/users", "/api/v1/groups",
		"/api/v1/groups/" + fn.groupID + "/members", "/api/v1/users/" + fn.aliceID + "/picture", "/api/v1/groups/" + fn.groupID + "/picture",
		"/api/v1/search/messages",
	}
	for i := range lists {
		for _, q := range []string{
			"", "limit=1", "limit=100", "limit=101", "limit=0", "limit=-1", "limit=1e3", "limit=9999999999999999999",
			"before=2", "before=0", "before=-1", "after=0", "after=1&limit=1", "before=1&after=1", "before=9223372036854775807",
			"after=9223372036854775808", "before=%zz", "before=1&before=2", "cursor=" + fn.inviteID, "cursor=" + strings.ToUpper(fn.inviteID),
			"cursor=garbage", "cursor=&direction=sent&status=all", "direction=up", "status=all&limit=1", "q=bo", "q=" + strings.Repeat("x", 5000),
			"q=%00%ff", "v=1", "v=-1", "v=" + strings.Repeat("9", 40),
			"q=hello&groupId=" + fn.groupID, "q=hello&groupId=" + strings.ToUpper(fn.groupID), "q=hello&groupId=nope", "q=hello&before=0001796203800123456-x",
			"q=" + strings.Repeat("a ", 17), "q=..%20--",
		} {
			f.Add(uint8(i), q, i == 1)
		}
	}
	f.Fuzz(func(t *testing.T, list uint8, query string, asBob bool) {
		path := lists[int(list)%len(lists)]
		token := fn.alice
		if asBob {
			token = fn.bob
		}
		a := fn.do("GET", path+"?"+query, token, "", nil)
		if a.status == -1 {
			return
		}
		checkAnswer(t, path+"?"+query, a)
		if a.status != 200 || !strings.HasPrefix(path, "/api/v1/groups/") || !strings.HasSuffix(path, "/messages") {
			return
		}
		// History keeps to its cursor, as the server reads the query.
		q, _ := url.ParseQuery(query)
		if u, err := url.ParseRequestURI(path + "?" + query); err == nil {
			q = u.Query()
		}
		var page struct {
			Items []struct {
				Seq int64 `json:"seq"`
			} `json:"items"`
		}
		if err := json.Unmarshal(a.body, &page); err != nil {
			t.Fatalf("history page %s: %v", a.body, err)
		}
		limit := 50
		if s := q.Get("limit"); s != "" {
			limit, _ = strconv.Atoi(s)
		}
		if len(page.Items) > limit {
			t.Fatalf("%s: %d items, limit %d", query, len(page.Items), limit)
		}
		seqs := make([]int64, len(page.Items))
		for i, it := range page.Items {
			seqs[i] = it.Seq
		}
		if after, err := strconv.ParseInt(q.Get("after"), 10, 64); err == nil {
			if !slices.IsSorted(seqs) || len(seqs) > 0 && seqs[0] <= after {
				t.Fatalf("after=%d gave seqs %v", after, seqs)
			}
		} else if before, err := strconv.ParseInt(q.Get("before"), 10, 64); err == nil {
			for i, s := range seqs {
				if s >= before || i > 0 && s >= seqs[i-1] {
					t.Fatalf("before=%d gave seqs %v", before, seqs)
				}
			}
		}
	})
}
