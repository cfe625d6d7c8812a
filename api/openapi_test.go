package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"image"
	"image/png"
	"io"
	"io/fs"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"go.yaml.in/yaml/v3"

	"github.com/parleychat/parley/internal/config"
	"github.com/parleychat/parley/internal/node"
)

// doc is the parsed openapi.yaml.
type doc map[string]any

var methods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

func loadDoc(t *testing.T) doc {
	t.Helper()
	raw, err := os.ReadFile("openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	// Decoded into a plain map so that nested objects are map[string]any
	// too (yaml gives nested maps the type of the outer one).
	var m map[string]any
	if err := yaml.Unmarshal(raw, &m); err != nil {
		t.Fatalf("openapi.yaml is not valid YAML: %v", err)
	}
	return doc(m)
}

// resolve follows a local JSON pointer ("#/components/schemas/User").
func (d doc) resolve(ref string) (any, error) {
	rest, ok := strings.CutPrefix(ref, "#/")
	if !ok {
		return nil, fmt.Errorf("%q is not a local reference", ref)
	}
	var cur any = map[string]any(d)
	for _, tok := range strings.Split(rest, "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%q: %q is not inside an object", ref, tok)
		}
		if cur, ok = m[tok]; !ok {
			return nil, fmt.Errorf("%q does not resolve (no %q)", ref, tok)
		}
	}
	return cur, nil
}

// deref returns v, or what its $ref points at (transitively).
func (d doc) deref(t *testing.T, v any) map[string]any {
	t.Helper()
	for range 10 {
		m, _ := v.(map[string]any)
		ref, ok := m["$ref"].(string)
		if !ok {
			return m
		}
		var err error
		if v, err = d.resolve(ref); err != nil {
			t.Fatal(err)
		}
	}
	t.Fatalf("reference loop at %v", v)
	return nil
}

// op is one documented operation.
type op struct {
	method, path string // "GET", "/api/v1/users/{id}"
	m            map[string]any
	params       []map[string]any // path-level and operation-level, dereferenced
}

func (o op) String() string { return o.method + " " + o.path }

func (o op) inProgress() bool { return o.m["x-parley-status"] != nil }

func (d doc) ops(t *testing.T) []op {
	t.Helper()
	paths, _ := d["paths"].(map[string]any)
	if len(paths) == 0 {
		t.Fatal("no paths")
	}
	var out []op
	for p, item := range paths {
		pm, ok := item.(map[string]any)
		if !ok {
			t.Fatalf("path %s is not an object", p)
		}
		shared, _ := pm["parameters"].([]any)
		for _, meth := range methods {
			om, ok := pm[meth].(map[string]any)
			if !ok {
				continue
			}
			o := op{method: strings.ToUpper(meth), path: p, m: om}
			own, _ := om["parameters"].([]any)
			for _, prm := range append(slices.Clone(shared), own...) {
				o.params = append(o.params, d.deref(t, prm))
			}
			out = append(out, o)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].String() < out[j].String() })
	return out
}

// walk calls fn for every map in v, with its JSON-pointer-like location.
func walk(v any, at string, fn func(at string, m map[string]any)) {
	switch x := v.(type) {
	case map[string]any:
		fn(at, x)
		for k, c := range x {
			walk(c, at+"/"+k, fn)
		}
	case []any:
		for i, c := range x {
			walk(c, at+"/"+strconv.Itoa(i), fn)
		}
	}
}

var templateVar = regexp.MustCompile(`\{([^}]+)\}`)

// allowedRoles are the values of x-parley-role: a role, or "any" for
// what every process serves.
func allowedRoles() []string { return append(slices.Clone(config.AllRoles), "any") }

func TestDocumentIsWellFormed(t *testing.T) {
	t.Parallel()
	d := loadDoc(t)
	if v, _ := d["openapi"].(string); !strings.HasPrefix(v, "3.1.") {
		t.Errorf("openapi = %q, want 3.1.x", v)
	}

	refs := map[string]bool{}
	walk(map[string]any(d), "#", func(at string, m map[string]any) {
		ref, ok := m["$ref"]
		if !ok {
			return
		}
		s, _ := ref.(string)
		if _, err := d.resolve(s); err != nil {
			t.Errorf("%s: %v", at, err)
		}
		refs[s] = true
	})
	comps, _ := d["components"].(map[string]any)
	for _, kind := range []string{"schemas", "responses", "parameters", "headers"} {
		section, _ := comps[kind].(map[string]any)
		for name := range section {
			if !refs["#/components/"+kind+"/"+name] {
				t.Errorf("components/%s/%s is never used", kind, name)
			}
		}
	}
	for _, name := range []string{"User", "Me", "Group", "Member", "Rights", "Invite", "Message", "Attachment",
		"Error", "LoginResponse", "TokenResponse", "InvitePage", "MessagePage"} {
		if _, err := d.resolve("#/components/schemas/" + name); err != nil {
			t.Errorf("schema %s is missing", name)
		}
	}
	schemes, _ := comps["securitySchemes"].(map[string]any)
	for _, s := range []string{"bearer", "refreshCookie", "csrfHeader"} {
		if schemes[s] == nil {
			t.Errorf("security scheme %s is missing", s)
		}
	}

	tags := map[string]bool{}
	for _, tg := range d["tags"].([]any) {
		tags[tg.(map[string]any)["name"].(string)] = true
	}
	ids := map[string]string{}
	for _, o := range d.ops(t) {
		id, _ := o.m["operationId"].(string)
		if id == "" {
			t.Errorf("%s: no operationId", o)
		} else if prev, dup := ids[id]; dup {
			t.Errorf("%s: operationId %s also used by %s", o, id, prev)
		}
		ids[id] = o.String()
		if s, _ := o.m["summary"].(string); s == "" {
			t.Errorf("%s: no summary", o)
		}
		if role, _ := o.m["x-parley-role"].(string); !slices.Contains(allowedRoles(), role) {
			t.Errorf("%s: x-parley-role %q is not one of %v", o, role, allowedRoles())
		}
		if st, ok := o.m["x-parley-status"]; ok && st != "in-progress" {
			t.Errorf("%s: x-parley-status %v; the only value is in-progress", o, st)
		}
		opTags, _ := o.m["tags"].([]any)
		if len(opTags) == 0 {
			t.Errorf("%s: no tag", o)
		}
		for _, tg := range opTags {
			if !tags[tg.(string)] {
				t.Errorf("%s: tag %v is not declared", o, tg)
			}
		}
		if rb, ok := o.m["requestBody"]; ok {
			content, _ := d.deref(t, rb)["content"].(map[string]any)
			for mt, c := range content {
				if c.(map[string]any)["schema"] == nil {
					t.Errorf("%s: request body %s has no schema", o, mt)
				}
			}
			if len(content) == 0 {
				t.Errorf("%s: request body without content", o)
			}
		}
		checkResponses(t, d, o)
		checkPathParams(t, o)
	}
}

// notErrorBody are the error statuses whose body is not Error: readiness
// reports its checks, and a bad Range is answered by net/http.
var notErrorBody = map[string]bool{"GET /readyz 503": true, "GET /api/v1/blobs/{key} 416": true}

func checkResponses(t *testing.T, d doc, o op) {
	t.Helper()
	rs, _ := o.m["responses"].(map[string]any)
	if len(rs) == 0 {
		t.Errorf("%s: no responses", o)
	}
	success := false
	for code, r := range rs {
		n, err := strconv.Atoi(code)
		if err != nil || n < 100 || n > 599 {
			t.Errorf("%s: response key %q is not a status code", o, code)
			continue
		}
		success = success || n < 400
		res := d.deref(t, r)
		if desc, _ := res["description"].(string); desc == "" {
			t.Errorf("%s %s: no description", o, code)
		}
		if n < 400 || notErrorBody[o.String()+" "+code] {
			continue
		}
		content, _ := res["content"].(map[string]any)
		js, _ := content["application/json"].(map[string]any)
		schema, _ := js["schema"].(map[string]any)
		if schema["$ref"] != "#/components/schemas/Error" {
			t.Errorf("%s %s: an error answer must have the Error body", o, code)
		}
	}
	if !success {
		t.Errorf("%s: no success response", o)
	}
}

func checkPathParams(t *testing.T, o op) {
	t.Helper()
	want := map[string]bool{}
	for _, m := range templateVar.FindAllStringSubmatch(o.path, -1) {
		want[m[1]] = true
	}
	for _, p := range o.params {
		if p["in"] != "path" {
			continue
		}
		name, _ := p["name"].(string)
		if !want[name] {
			t.Errorf("%s: path parameter %s is not in the path", o, name)
		}
		if p["required"] != true {
			t.Errorf("%s: path parameter %s must be required", o, name)
		}
		delete(want, name)
	}
	for name := range want {
		t.Errorf("%s: {%s} is not declared as a path parameter", o, name)
	}
}

// apiMD lists every operation of API.md with its success status, so that
// the document cannot silently drop or change one.
var apiMD = []string{
	"POST /api/v1/users 201",
	"POST /api/v1/users/verify 200",
	"POST /api/v1/users/verify/resend 202",
	"POST /api/v1/auth/login 200",
	"POST /api/v1/auth/refresh 200",
	"POST /api/v1/auth/logout 204",
	"POST /api/v1/auth/password/forgot 202",
	"POST /api/v1/auth/password/reset 204",
	"GET /api/v1/users/me 200",
	"PATCH /api/v1/users/me 200",
	"PUT /api/v1/users/me/password 204",
	"PUT /api/v1/users/me/picture 200",
	"DELETE /api/v1/users/me/picture 204",
	"GET /api/v1/users/{id} 200",
	"GET /api/v1/users/{id}/picture 200",
	"GET /api/v1/search/users 200",
	"GET /api/v1/groups 200",
	"POST /api/v1/groups 201",
	"GET /api/v1/groups/{id} 200",
	"PATCH /api/v1/groups/{id} 200",
	"DELETE /api/v1/groups/{id} 204",
	"PUT /api/v1/groups/{id}/picture 200",
	"DELETE /api/v1/groups/{id}/picture 204",
	"GET /api/v1/groups/{id}/picture 200",
	"GET /api/v1/groups/{id}/members 200",
	"PATCH /api/v1/groups/{id}/members/{userId} 200",
	"DELETE /api/v1/groups/{id}/members/{userId} 204",
	"POST /api/v1/groups/{id}/owner 200",
	"POST /api/v1/groups/{id}/invites 201",
	"GET /api/v1/invites 200",
	"POST /api/v1/invites/{id}/accept 200",
	"POST /api/v1/invites/{id}/decline 200",
	"DELETE /api/v1/invites/{id} 204",
	"GET /api/v1/groups/{id}/messages 200",
	"POST /api/v1/groups/{id}/messages 201",
	"DELETE /api/v1/groups/{id}/messages/{messageId} 204",
	"POST /api/v1/groups/{id}/messages/{messageId}/hide 204",
	"POST /api/v1/groups/{id}/read 200",
	"GET /api/v1/groups/{id}/read-receipts 200",
	"GET /api/v1/read-state 200",
	"GET /api/v1/read-state/settings 200",
	"PUT /api/v1/read-state/settings 200",
	"POST /api/v1/groups/{id}/uploads 201",
	"POST /api/v1/groups/{id}/attachments/urls 200",
	"GET /api/v1/ws 101",
	"GET /api/v1/calls/{groupId}/ws 101",
	"GET /api/v1/calls/{groupId} 200",
	"GET /healthz 200",
	"GET /readyz 200",
	"GET /metrics 200",
}

func TestDocumentCoversAPIMd(t *testing.T) {
	t.Parallel()
	d := loadDoc(t)
	byName := map[string]op{}
	for _, o := range d.ops(t) {
		byName[o.String()] = o
	}
	for _, line := range apiMD {
		name, status := line[:strings.LastIndexByte(line, ' ')], line[strings.LastIndexByte(line, ' ')+1:]
		o, ok := byName[name]
		if !ok {
			t.Errorf("%s (API.md) is not documented", name)
			continue
		}
		if rs, _ := o.m["responses"].(map[string]any); rs[status] == nil {
			t.Errorf("%s: success status %s of API.md is not documented", name, status)
		}
	}
}

// captureLog keeps every log record of a node, so tests can read the
// mails the log:// mailer prints and show warnings on failure.
type captureLog struct {
	mu      sync.Mutex
	records []map[string]string
}

func (c *captureLog) Enabled(context.Context, slog.Level) bool { return true }
func (c *captureLog) WithAttrs([]slog.Attr) slog.Handler       { return c }
func (c *captureLog) WithGroup(string) slog.Handler            { return c }
func (c *captureLog) Handle(_ context.Context, r slog.Record) error {
	m := map[string]string{"msg": r.Message, "level": r.Level.String()}
	r.Attrs(func(a slog.Attr) bool {
		m[a.Key] = a.Value.String()
		return true
	})
	c.mu.Lock()
	c.records = append(c.records, m)
	c.mu.Unlock()
	return nil
}

// find returns the value of attr key of the last record that has want[k]
// for every k.
func (c *captureLog) find(key string, want map[string]string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := len(c.records) - 1; i >= 0; i-- {
		r, ok := c.records[i], true
		for k, v := range want {
			ok = ok && strings.Contains(r[k], v)
		}
		if ok && r[key] != "" {
			return r[key]
		}
	}
	return ""
}

// startNode runs a real embedded node (every implemented role, embedded
// adapters under a temporary data directory) behind httptest.
func startNode(t *testing.T) (string, *captureLog) {
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
	var h http.Handler = http.NotFoundHandler()
	var mu sync.RWMutex
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.RLock()
		hh := h
		mu.RUnlock()
		hh.ServeHTTP(w, r)
	}))
	cfg.PublicURL = "http://" + srv.Listener.Addr().String()
	cfg.Addr = srv.Listener.Addr().String()
	cfg.RTCUDPAddr = "127.0.0.1:0"
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	logs := &captureLog{}
	n, err := node.New(context.Background(), cfg, slog.New(logs))
	if err != nil {
		t.Fatalf("start node: %v", err)
	}
	mu.Lock()
	h = n.Handler()
	mu.Unlock()
	srv.Start()
	t.Cleanup(func() {
		srv.Close()
		n.Close()
		if t.Failed() {
			logs.mu.Lock()
			for _, r := range logs.records {
				if r["level"] == "WARN" || r["level"] == "ERROR" {
					t.Logf("node log: %v", r)
				}
			}
			logs.mu.Unlock()
		}
	})
	return srv.URL, logs
}

// fill replaces every {param} of path by a syntactically valid UUIDv7.
func fill(path string) string {
	return templateVar.ReplaceAllStringFunc(path, func(string) string { return uuid.Must(uuid.NewV7()).String() })
}

// routed sends an anonymous request with an empty body to o and reports
// whether the node routed it to a handler (anything but the mux's own
// "no such endpoint" 404 or a 405), with the status it answered.
func routed(t *testing.T, base string, o op) (bool, int, string) {
	t.Helper()
	req, err := http.NewRequest(o.method, base+fill(o.path), nil)
	if err != nil {
		t.Fatal(err)
	}
	if o.m["requestBody"] != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s: %v", o, err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	mux404 := res.StatusCode == http.StatusNotFound && strings.Contains(string(body), "no such endpoint")
	return !mux404 && res.StatusCode != http.StatusMethodNotAllowed, res.StatusCode, string(body)
}

func TestNodeRoutesEveryDocumentedOperation(t *testing.T) {
	t.Parallel()
	d := loadDoc(t)
	base, _ := startNode(t)
	for _, o := range d.ops(t) {
		ok, status, body := routed(t, base, o)
		t.Logf("%s → %d", o, status)
		rs, _ := o.m["responses"].(map[string]any)
		switch {
		case o.inProgress() && ok:
			t.Errorf("%s is routed now (status %d): drop its x-parley-status: in-progress", o, status)
		case o.inProgress():
		case !ok:
			t.Errorf("%s is documented but not routed: %d %s", o, status, body)
		case rs[strconv.Itoa(status)] == nil:
			t.Errorf("%s answered an anonymous empty request with undocumented status %d: %s", o, status, body)
		}
	}
}

var routePattern = regexp.MustCompile(`^(GET|HEAD|POST|PUT|PATCH|DELETE) (/api/\S*|/healthz|/readyz|/metrics)$`)

// TestEveryRouteIsDocumented finds the route patterns in the server's
// source ("GET /api/v1/users/{id}") and requires each to be documented.
func TestEveryRouteIsDocumented(t *testing.T) {
	t.Parallel()
	d := loadDoc(t)
	documented := map[string]bool{}
	for _, o := range d.ops(t) {
		documented[o.String()] = true
	}
	found := 0
	for _, root := range []string{"../internal", "../cmd"} {
		err := filepath.WalkDir(root, func(path string, e fs.DirEntry, err error) error {
			if err != nil || e.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return err
			}
			f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.SkipObjectResolution)
			if err != nil {
				return err
			}
			ast.Inspect(f, func(n ast.Node) bool {
				lit, ok := n.(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					return true
				}
				s, err := strconv.Unquote(lit.Value)
				if err != nil || !routePattern.MatchString(s) {
					return true
				}
				found++
				if !documented[s] {
					t.Errorf("%s: route %q is not in openapi.yaml", path, s)
				}
				return true
			})
			return nil
		})
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
	}
	if found < 20 {
		t.Fatalf("found only %d route patterns in the source; the scan is broken", found)
	}
}

// validate checks v (decoded JSON) against schema s, for the keywords
// this document uses; an unknown assertion keyword fails the test rather
// than passing silently.
func (d doc) validate(t *testing.T, s map[string]any, v any, at string) []string {
	t.Helper()
	if ref, ok := s["$ref"].(string); ok {
		return d.validate(t, d.deref(t, map[string]any{"$ref": ref}), v, at)
	}
	var errs []string
	bad := func(format string, args ...any) { errs = append(errs, at+": "+fmt.Sprintf(format, args...)) }
	for k := range s {
		switch k {
		case "type", "properties", "required", "additionalProperties", "items", "enum", "const", "minLength",
			"maxLength", "pattern", "minimum", "maximum", "minItems", "maxItems", "minProperties", "format",
			"description", "default", "contentMediaType":
		default:
			t.Fatalf("%s: schema keyword %q is not supported by the test's validator", at, k)
		}
	}
	if ty, ok := s["type"]; ok {
		var types []string
		switch x := ty.(type) {
		case string:
			types = []string{x}
		case []any:
			for _, e := range x {
				types = append(types, e.(string))
			}
		}
		if !slices.Contains(types, jsonType(v)) && !(jsonType(v) == "integer" && slices.Contains(types, "number")) {
			bad("is %s, want %v (%v)", jsonType(v), types, v)
			return errs
		}
	}
	if e, ok := s["enum"].([]any); ok && !slices.ContainsFunc(e, func(x any) bool { return fmt.Sprint(x) == fmt.Sprint(v) }) {
		bad("%v is not one of %v", v, e)
	}
	if c, ok := s["const"]; ok && fmt.Sprint(c) != fmt.Sprint(v) {
		bad("%v, want %v", v, c)
	}
	switch x := v.(type) {
	case string:
		n := utf8.RuneCountInString(x)
		if m, ok := num(s["minLength"]); ok && float64(n) < m {
			bad("shorter than %v", m)
		}
		if m, ok := num(s["maxLength"]); ok && float64(n) > m {
			bad("longer than %v", m)
		}
		if p, ok := s["pattern"].(string); ok && !regexp.MustCompile(p).MatchString(x) {
			bad("%q does not match %s", x, p)
		}
		if s["format"] == "date-time" {
			if _, err := time.Parse(time.RFC3339Nano, x); err != nil {
				bad("%q is not RFC 3339", x)
			}
		}
	case float64:
		if m, ok := num(s["minimum"]); ok && x < m {
			bad("%v below %v", x, m)
		}
		if m, ok := num(s["maximum"]); ok && x > m {
			bad("%v above %v", x, m)
		}
	case []any:
		if m, ok := num(s["minItems"]); ok && float64(len(x)) < m {
			bad("fewer than %v items", m)
		}
		if m, ok := num(s["maxItems"]); ok && float64(len(x)) > m {
			bad("more than %v items", m)
		}
		if items, ok := s["items"].(map[string]any); ok {
			for i, e := range x {
				errs = append(errs, d.validate(t, items, e, at+"/"+strconv.Itoa(i))...)
			}
		}
	case map[string]any:
		props, _ := s["properties"].(map[string]any)
		for _, r := range asList(s["required"]) {
			if _, ok := x[r]; !ok {
				bad("missing %q", r)
			}
		}
		for k, e := range x {
			switch ps, ok := props[k].(map[string]any); {
			case ok:
				errs = append(errs, d.validate(t, ps, e, at+"/"+k)...)
			case s["additionalProperties"] == false:
				bad("undocumented property %q", k)
			default:
				if ap, ok := s["additionalProperties"].(map[string]any); ok {
					errs = append(errs, d.validate(t, ap, e, at+"/"+k)...)
				}
			}
		}
	}
	return errs
}

func asList(v any) []string {
	var out []string
	l, _ := v.([]any)
	for _, e := range l {
		out = append(out, e.(string))
	}
	return out
}

func num(v any) (float64, bool) {
	switch x := v.(type) {
	case int:
		return float64(x), true
	case float64:
		return x, true
	}
	return 0, false
}

func jsonType(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "string"
	case float64:
		if x == float64(int64(x)) {
			return "integer"
		}
		return "number"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

// client drives the node and checks every answer against the document:
// the status must be documented for the operation, and a JSON body must
// match the documented schema.
type client struct {
	t    *testing.T
	d    doc
	base string
	ops  map[string]op
}

type answer struct {
	status int
	header http.Header
	body   []byte
	json   map[string]any
}

// do sends method to the operation path (a template) with its params
// filled in order; body is JSON-encoded unless it is a *multipart body.
func (c *client) do(method, path string, params []string, token string, body any, hdr ...string) answer {
	c.t.Helper()
	path, query, _ := strings.Cut(path, "?")
	o, ok := c.ops[method+" "+path]
	if !ok {
		c.t.Fatalf("%s %s is not documented", method, path)
	}
	i := 0
	url := templateVar.ReplaceAllStringFunc(path, func(string) string { i++; return params[i-1] })
	var rd io.Reader
	ctype := ""
	switch b := body.(type) {
	case nil:
	case multipartBody:
		rd, ctype = bytes.NewReader(b.data), b.ctype
	default:
		raw, _ := json.Marshal(b)
		rd, ctype = bytes.NewReader(raw), "application/json"
	}
	if query != "" {
		url += "?" + query
	}
	req, err := http.NewRequest(method, c.base+url, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for j := 0; j+1 < len(hdr); j += 2 {
		req.Header.Add(hdr[j], hdr[j+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, url, err)
	}
	defer res.Body.Close()
	a := answer{status: res.StatusCode, header: res.Header}
	a.body, _ = io.ReadAll(res.Body)
	rs, _ := o.m["responses"].(map[string]any)
	documented, ok := rs[strconv.Itoa(res.StatusCode)]
	if !ok {
		c.t.Fatalf("%s %s answered undocumented status %d: %s", method, url, res.StatusCode, a.body)
	}
	if strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
		var v any
		if err := json.Unmarshal(a.body, &v); err != nil {
			c.t.Fatalf("%s %s: invalid JSON %q", method, url, a.body)
		}
		a.json, _ = v.(map[string]any)
		content, _ := c.d.deref(c.t, documented)["content"].(map[string]any)
		js, _ := content["application/json"].(map[string]any)
		schema, ok := js["schema"].(map[string]any)
		if !ok {
			c.t.Fatalf("%s %s %d: JSON body but none documented: %s", method, url, res.StatusCode, a.body)
		}
		if errs := c.d.validate(c.t, schema, v, "body"); len(errs) > 0 {
			c.t.Errorf("%s %s %d does not match the document:\n  %s\n  body: %s", method, url, res.StatusCode, strings.Join(errs, "\n  "), a.body)
		}
	}
	return a
}

// want fails unless a has the status.
func (a answer) want(t *testing.T, status int) answer {
	t.Helper()
	if a.status != status {
		t.Fatalf("status %d, want %d: %s", a.status, status, a.body)
	}
	return a
}

func (a answer) str(path ...string) string {
	var cur any = a.json
	for _, p := range path {
		m, _ := cur.(map[string]any)
		cur = m[p]
	}
	s, _ := cur.(string)
	return s
}

type multipartBody struct {
	data  []byte
	ctype string
}

// pngUpload is a multipart body with a small PNG in the "picture" field.
func pngUpload(t *testing.T) multipartBody {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 16, 16))
	for i := range img.Pix {
		img.Pix[i] = byte(i)
	}
	var pic, body bytes.Buffer
	if err := png.Encode(&pic, img); err != nil {
		t.Fatal(err)
	}
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("picture", "p.png")
	fw.Write(pic.Bytes())
	mw.Close()
	return multipartBody{body.Bytes(), mw.FormDataContentType()}
}

// eventually retries fn (which reports whether it is done) for a while:
// projections fed by events (search index, the group role's user copy)
// lag behind the writes that cause them.
func eventually(t *testing.T, what string, fn func() bool) {
	t.Helper()
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if fn() {
			return
		}
	}
	t.Fatalf("%s: timed out", what)
}

// account registers, verifies (with the code from the mail the node
// logs) and logs in a user; it returns the login answer.
func (c *client) account(logs *captureLog, name string) answer {
	c.t.Helper()
	email := name + "@example.test"
	c.do("POST", "/api/v1/users", nil, "", map[string]string{"username": name, "email": email, "password": "correct horse " + name}).want(c.t, 201)
	var code string
	eventually(c.t, "verification mail to "+email, func() bool {
		link := logs.find("link", map[string]string{"to": email})
		_, code, _ = strings.Cut(link, "/verify/")
		return code != ""
	})
	me := c.do("POST", "/api/v1/users/verify", nil, "", map[string]string{"code": code}).want(c.t, 200)
	if me.json["emailVerified"] != true {
		c.t.Fatalf("verify: %s", me.body)
	}
	return c.do("POST", "/api/v1/auth/login", nil, "", map[string]string{"email": email, "password": "correct horse " + name}).want(c.t, 200)
}

// TestNodeAnswersMatchTheDocument walks the implemented API on a real
// embedded node and checks every status and body against the document.
func TestNodeAnswersMatchTheDocument(t *testing.T) {
	t.Parallel()
	d := loadDoc(t)
	base, logs := startNode(t)
	c := &client{t: t, d: d, base: base, ops: map[string]op{}}
	for _, o := range d.ops(t) {
		c.ops[o.String()] = o
	}

	c.do("GET", "/healthz", nil, "", nil).want(t, 200)
	c.do("GET", "/readyz", nil, "", nil).want(t, 200)
	if a := c.do("GET", "/api/v1/users/me", nil, "", nil).want(t, 401); a.header.Get("WWW-Authenticate") == "" {
		t.Error("401 without WWW-Authenticate")
	}
	bad := c.do("POST", "/api/v1/users", nil, "", map[string]string{"username": "x", "email": "nope", "password": "short"}).want(t, 400)
	if fields, _ := bad.json["error"].(map[string]any)["fields"].(map[string]any); len(fields) != 3 {
		t.Errorf("want three field errors: %s", bad.body)
	}

	alice := c.account(logs, "alice")
	bob := c.account(logs, "bob")
	c.do("POST", "/api/v1/users", nil, "", map[string]string{"username": "ALICE", "email": "other@example.test", "password": "long enough"}).want(t, 409)
	aTok, bTok := alice.str("accessToken"), bob.str("accessToken")
	aID, bID := alice.str("user", "id"), bob.str("user", "id")

	// Session cookie and refresh.
	ck := alice.header.Get("Set-Cookie")
	for _, part := range []string{"parley_refresh=", "Path=/api/v1/auth", "HttpOnly", "SameSite=Strict"} {
		if !strings.Contains(ck, part) {
			t.Errorf("login Set-Cookie %q lacks %s", ck, part)
		}
	}
	cookie := strings.SplitN(ck, ";", 2)[0]
	c.do("POST", "/api/v1/auth/refresh", nil, "", nil, "Cookie", cookie).want(t, 403)
	ref := c.do("POST", "/api/v1/auth/refresh", nil, "", nil, "Cookie", cookie, "X-Parley-CSRF", "1").want(t, 200)
	if !strings.Contains(ref.header.Get("Set-Cookie"), "parley_refresh=") {
		t.Error("refresh did not rotate the cookie")
	}
	// A duplicate within the grace gets the same new cookie; once that one
	// rotated too, the first cookie is reuse.
	dup := c.do("POST", "/api/v1/auth/refresh", nil, "", nil, "Cookie", cookie, "X-Parley-CSRF", "1").want(t, 200)
	if strings.SplitN(dup.header.Get("Set-Cookie"), ";", 2)[0] != strings.SplitN(ref.header.Get("Set-Cookie"), ";", 2)[0] {
		t.Error("a duplicate refresh within the grace got another cookie")
	}
	c.do("POST", "/api/v1/auth/refresh", nil, "", nil, "Cookie", strings.SplitN(ref.header.Get("Set-Cookie"), ";", 2)[0], "X-Parley-CSRF", "1").want(t, 200)
	c.do("POST", "/api/v1/auth/refresh", nil, "", nil, "Cookie", cookie, "X-Parley-CSRF", "1").want(t, 401)

	// Accounts.
	c.do("GET", "/api/v1/users/me", nil, aTok, nil).want(t, 200)
	if a := c.do("PATCH", "/api/v1/users/me", nil, bTok, map[string]any{"displayName": " Bob the Builder "}).want(t, 200); a.str("displayName") != "Bob the Builder" {
		t.Errorf("PATCH /users/me answered %s", a.body)
	}
	c.do("PATCH", "/api/v1/users/me", nil, bTok, map[string]any{"displayName": "two\nlines"}).want(t, 400)
	c.do("PATCH", "/api/v1/users/me", nil, aTok, map[string]any{"displayName": nil}).want(t, 200)
	if a := c.do("GET", "/api/v1/users/{id}", []string{bID}, aTok, nil).want(t, 200); a.str("displayName") != "Bob the Builder" {
		t.Errorf("GET /users/{id} answered %s", a.body)
	}
	c.do("GET", "/api/v1/users/{id}", []string{uuid.Must(uuid.NewV7()).String()}, aTok, nil).want(t, 404)
	c.do("PUT", "/api/v1/users/me/password", nil, aTok, map[string]string{"currentPassword": "wrong one", "newPassword": "another long one"}).want(t, 403)
	c.do("POST", "/api/v1/users/verify/resend", nil, "", map[string]string{"email": "nobody@example.test"}).want(t, 202)
	c.do("POST", "/api/v1/auth/password/forgot", nil, "", map[string]string{"email": "nobody@example.test"}).want(t, 202)
	for range 2 {
		c.do("POST", "/api/v1/users/verify/resend", nil, "", map[string]string{"email": "nobody@example.test"}).want(t, 202)
	}
	if a := c.do("POST", "/api/v1/users/verify/resend", nil, "", map[string]string{"email": "nobody@example.test"}).want(t, 429); a.header.Get("Retry-After") == "" {
		t.Error("429 without Retry-After")
	}
	c.do("POST", "/api/v1/auth/password/reset", nil, "", map[string]string{"code": "nope", "password": "long enough"}).want(t, 400)
	c.do("DELETE", "/api/v1/users/me/picture", nil, aTok, nil).want(t, 404)
	me := c.do("PUT", "/api/v1/users/me/picture", nil, aTok, pngUpload(t)).want(t, 200)
	pic := c.do("GET", "/api/v1/users/{id}/picture?"+strings.SplitN(me.str("pictureUrl"), "?", 2)[1], []string{aID}, "", nil).want(t, 200)
	if !strings.Contains(pic.header.Get("Cache-Control"), "immutable") || pic.header.Get("ETag") == "" {
		t.Errorf("versioned picture headers: %v", pic.header)
	}
	c.do("GET", "/api/v1/users/{id}/picture", []string{aID}, "", nil, "If-None-Match", pic.header.Get("ETag")).want(t, 304)
	c.do("DELETE", "/api/v1/users/me/picture", nil, aTok, nil).want(t, 204)

	// Search (fed by events).
	eventually(t, "bob in the search index", func() bool {
		a := c.do("GET", "/api/v1/search/users?q=bob", nil, aTok, nil)
		items, _ := a.json["items"].([]any)
		return a.status == 200 && len(items) > 0
	})
	c.do("GET", "/api/v1/search/users", nil, aTok, nil).want(t, 400)
	eventually(t, "bob found by his display name", func() bool {
		a := c.do("GET", "/api/v1/search/users?q=builder", nil, aTok, nil)
		items, _ := a.json["items"].([]any)
		for _, it := range items {
			if u, _ := it.(map[string]any); u["id"] == bID {
				return u["displayName"] == "Bob the Builder"
			}
		}
		return false
	})

	// Groups, invites, members (the group role learns of users by events).
	var g answer
	eventually(t, "group role knows alice", func() bool {
		g = c.do("POST", "/api/v1/groups", nil, aTok, map[string]string{"name": "Book club"})
		return g.status == 201
	})
	gID := g.str("id")
	c.do("GET", "/api/v1/groups", nil, aTok, nil).want(t, 200)
	c.do("GET", "/api/v1/groups/{id}", []string{gID}, aTok, nil).want(t, 200)
	c.do("GET", "/api/v1/groups/{id}", []string{gID}, bTok, nil).want(t, 404)
	c.do("PATCH", "/api/v1/groups/{id}", []string{gID}, aTok, map[string]string{"name": "Reading club"}).want(t, 200)
	gp := c.do("PUT", "/api/v1/groups/{id}/picture", []string{gID}, aTok, pngUpload(t)).want(t, 200)
	c.do("GET", "/api/v1/groups/{id}/picture?"+strings.SplitN(gp.str("pictureUrl"), "?", 2)[1], []string{gID}, "", nil).want(t, 200)
	c.do("GET", "/api/v1/groups/{id}/picture", []string{gID}, "", nil).want(t, 404)
	c.do("DELETE", "/api/v1/groups/{id}/picture", []string{gID}, aTok, nil).want(t, 204)
	var inv answer
	eventually(t, "group role knows bob", func() bool {
		inv = c.do("POST", "/api/v1/groups/{id}/invites", []string{gID}, aTok, map[string]string{"userId": bID})
		return inv.status == 201
	})
	c.do("POST", "/api/v1/groups/{id}/invites", []string{gID}, aTok, map[string]string{"userId": bID}).want(t, 409)
	c.do("GET", "/api/v1/invites?direction=sent&status=all&limit=1", nil, aTok, nil).want(t, 200)
	c.do("GET", "/api/v1/invites", nil, bTok, nil).want(t, 200)
	c.do("GET", "/api/v1/invites?direction=sideways", nil, bTok, nil).want(t, 400)
	c.do("POST", "/api/v1/invites/{id}/accept", []string{inv.str("id")}, aTok, nil).want(t, 403)
	c.do("POST", "/api/v1/invites/{id}/accept", []string{inv.str("id")}, bTok, nil).want(t, 200)
	c.do("POST", "/api/v1/invites/{id}/decline", []string{inv.str("id")}, bTok, nil).want(t, 409)
	c.do("DELETE", "/api/v1/invites/{id}", []string{inv.str("id")}, aTok, nil).want(t, 409)
	c.do("GET", "/api/v1/groups/{id}/members", []string{gID}, bTok, nil).want(t, 200)
	eventually(t, "bob's display name among the members", func() bool {
		a := c.do("GET", "/api/v1/groups/{id}/members", []string{gID}, aTok, nil)
		items, _ := a.json["items"].([]any)
		for _, it := range items {
			if m, _ := it.(map[string]any); m["userId"] == bID {
				return m["displayName"] == "Bob the Builder"
			}
		}
		return false
	})
	c.do("PATCH", "/api/v1/groups/{id}/members/{userId}", []string{gID, bID}, bTok, map[string]any{"role": "admin"}).want(t, 403)
	c.do("PATCH", "/api/v1/groups/{id}/members/{userId}", []string{gID, bID}, aTok, map[string]any{"rights": map[string]bool{"addMembers": true}}).want(t, 200)
	c.do("PATCH", "/api/v1/groups/{id}/members/{userId}", []string{gID, bID}, aTok, map[string]any{}).want(t, 400)
	c.do("POST", "/api/v1/groups/{id}/owner", []string{gID}, aTok, map[string]string{"userId": bID}).want(t, 200)
	c.do("DELETE", "/api/v1/groups/{id}/members/{userId}", []string{gID, aID}, aTok, nil).want(t, 204)
	c.do("DELETE", "/api/v1/groups/{id}", []string{gID}, aTok, nil).want(t, 404)
	c.do("DELETE", "/api/v1/groups/{id}", []string{gID}, bTok, nil).want(t, 204)

	// Declining and canceling invites.
	g2 := c.do("POST", "/api/v1/groups", nil, bTok, map[string]string{"name": "Second"}).want(t, 201).str("id")
	inv = c.do("POST", "/api/v1/groups/{id}/invites", []string{g2}, bTok, map[string]string{"userId": aID}).want(t, 201)
	c.do("POST", "/api/v1/invites/{id}/decline", []string{inv.str("id")}, aTok, nil).want(t, 200)
	inv = c.do("POST", "/api/v1/groups/{id}/invites", []string{g2}, bTok, map[string]string{"userId": aID}).want(t, 201)
	c.do("DELETE", "/api/v1/invites/{id}", []string{inv.str("id")}, bTok, nil).want(t, 204)

	// Edit, replies, reactions and mentions (issue 13): every answer,
	// history included, matches the document.
	var first answer
	eventually(t, "message role knows g2", func() bool {
		first = c.do("POST", "/api/v1/groups/{id}/messages", []string{g2}, bTok, map[string]any{"clientMsgId": "m1", "text": "first"})
		return first.status == 201
	})
	mID := first.str("id")
	c.do("POST", "/api/v1/groups/{id}/messages", []string{g2}, bTok, map[string]any{"clientMsgId": "m2", "text": "second", "replyToId": mID, "mentions": []string{bID, aID}}).want(t, 201)
	c.do("POST", "/api/v1/groups/{id}/messages", []string{g2}, bTok, map[string]any{"clientMsgId": "m3", "text": "x", "replyToId": uuid.Must(uuid.NewV7()).String()}).want(t, 400)
	c.do("PATCH", "/api/v1/groups/{id}/messages/{messageId}", []string{g2, mID}, bTok, map[string]any{"text": "first, edited", "mentions": []string{bID}}).want(t, 200)
	c.do("PATCH", "/api/v1/groups/{id}/messages/{messageId}", []string{g2, mID}, aTok, map[string]any{"text": "not mine"}).want(t, 404)
	c.do("PATCH", "/api/v1/groups/{id}/messages/{messageId}", []string{g2, mID}, bTok, map[string]any{"text": ""}).want(t, 400)
	thumbs := url.PathEscape("👍")
	c.do("PUT", "/api/v1/groups/{id}/messages/{messageId}/reactions/{emoji}", []string{g2, mID, thumbs}, bTok, nil).want(t, 204)
	c.do("PUT", "/api/v1/groups/{id}/messages/{messageId}/reactions/{emoji}", []string{g2, mID, "nope"}, bTok, nil).want(t, 400)
	c.do("PUT", "/api/v1/groups/{id}/messages/{messageId}/reactions/{emoji}", []string{g2, uuid.Must(uuid.NewV7()).String(), thumbs}, bTok, nil).want(t, 404)
	page := c.do("GET", "/api/v1/groups/{id}/messages", []string{g2}, bTok, nil).want(t, 200)
	for _, field := range []string{`"editedAt"`, `"replyTo"`, `"reactions"`, `"mentions"`} {
		if !bytes.Contains(page.body, []byte(field)) {
			t.Errorf("history lacks %s: %s", field, page.body)
		}
	}
	c.do("DELETE", "/api/v1/groups/{id}/messages/{messageId}/reactions/{emoji}", []string{g2, mID, thumbs}, bTok, nil).want(t, 204)

	// Read state and receipts (issue 14).
	c.do("POST", "/api/v1/groups/{id}/read", []string{g2}, bTok, map[string]any{"seq": 1}).want(t, 200)
	c.do("POST", "/api/v1/groups/{id}/read", []string{g2}, bTok, map[string]any{"seq": -1}).want(t, 400)
	c.do("POST", "/api/v1/groups/{id}/read", []string{g2}, aTok, map[string]any{"seq": 1}).want(t, 404)
	c.do("GET", "/api/v1/read-state", nil, bTok, nil).want(t, 200)
	c.do("GET", "/api/v1/groups/{id}/read-receipts", []string{g2}, bTok, nil).want(t, 200)
	c.do("GET", "/api/v1/groups/{id}/read-receipts", []string{g2}, aTok, nil).want(t, 404)
	c.do("PUT", "/api/v1/read-state/settings", nil, bTok, map[string]any{"shareReceipts": false}).want(t, 200)
	c.do("PUT", "/api/v1/read-state/settings", nil, bTok, map[string]any{}).want(t, 400)
	c.do("GET", "/api/v1/read-state/settings", nil, bTok, nil).want(t, 200)

	// Passwords.
	c.do("PUT", "/api/v1/users/me/password", nil, aTok, map[string]string{"currentPassword": "correct horse alice", "newPassword": "another long one"}).want(t, 204)
	c.do("POST", "/api/v1/auth/password/forgot", nil, "", map[string]string{"email": "bob@example.test"}).want(t, 202)
	var code string
	eventually(t, "reset mail to bob", func() bool {
		_, code, _ = strings.Cut(logs.find("link", map[string]string{"to": "bob@example.test", "link": "/reset-password/"}), "/reset-password/")
		return code != ""
	})
	c.do("POST", "/api/v1/auth/password/reset", nil, "", map[string]string{"code": code, "password": "a brand new one"}).want(t, 204)
	c.do("POST", "/api/v1/auth/login", nil, "", map[string]string{"email": "bob@example.test", "password": "a brand new one"}).want(t, 200)

	out := c.do("POST", "/api/v1/auth/logout", nil, aTok, nil, "Cookie", cookie).want(t, 204)
	if !strings.Contains(out.header.Get("Set-Cookie"), "Max-Age=0") {
		t.Errorf("logout did not clear the cookie: %q", out.header.Get("Set-Cookie"))
	}
}
