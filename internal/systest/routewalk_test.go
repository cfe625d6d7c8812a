package systest

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/google/uuid"
	"go.yaml.in/yaml/v3"
)

// walkOp is one operation of api/openapi.yaml.
type walkOp struct {
	method, path string
	body         bool // declares a request body
}

func (o walkOp) String() string { return o.method + " " + o.path }

var walkParam = regexp.MustCompile(`\{([^}]+)\}`)

func walkOps(t *testing.T) []walkOp {
	t.Helper()
	raw, err := os.ReadFile("../../api/openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Paths map[string]map[string]yaml.Node `yaml:"paths"`
	}
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	var ops []walkOp
	for p, item := range doc.Paths {
		for m, node := range item {
			switch m {
			case "get", "put", "post", "delete", "patch", "head", "options":
			default:
				continue
			}
			var op struct {
				RequestBody any `yaml:"requestBody"`
			}
			if err := node.Decode(&op); err != nil {
				t.Fatal(err)
			}
			ops = append(ops, walkOp{strings.ToUpper(m), p, op.RequestBody != nil})
		}
	}
	sort.Slice(ops, func(i, j int) bool { return ops[i].String() < ops[j].String() })
	return ops
}

// isErrorShape reports whether r is a JSON error answer of the contract.
func isErrorShape(r Response) bool {
	var e struct {
		Error *struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	return strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") &&
		json.Unmarshal(r.Body, &e) == nil && e.Error != nil && e.Error.Code != "" && e.Error.Message != ""
}

// muxNotFound reports whether r is the node's answer to a path it does
// not route at all.
func muxNotFound(r Response) bool {
	return r.Status == http.StatusNotFound && strings.Contains(string(r.Body), "no such endpoint")
}

// raw sends a request with exactly these bytes, Content-Type and headers.
func (c *Client) raw(method, path string, body []byte, ctype string, headers ...string) Response {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	return c.send(req, headers)
}

// TestEveryRouteRefusesMalformedInput walks every operation of
// api/openapi.yaml on a running embedded node, over real HTTP: every
// documented operation must be routed; no other method of a documented
// path may be served; malformed ids in every path parameter and
// malformed bodies (empty, wrong JSON types, over the limit, a gzip bomb,
// no Content-Type), with and without a valid token, must be answered
// with a 4xx with the JSON error shape, never a 5xx; and none of it may
// change what the users see (their groups, members, messages, invites and
// profiles, read through the API before and after every operation).
func TestEveryRouteRefusesMalformedInput(t *testing.T) {
	c := Start(t, Embedded)
	alice, aliceMe := signUp(t, c, "walker", "walker password")
	bob, bobMe := signUp(t, c, "bobwalk", "bobwalk password")
	carol, carolMe := signUp(t, c, "carolwalk", "carolwalk password")
	anon := c.NewClient(t)
	gid := groupWith(t, alice, "Walk", bob)
	msg := alice.Do("POST", "/api/v1/groups/"+gid+"/messages", map[string]string{"clientMsgId": "w-1", "text": "hello"})
	Expect(t, "post", msg, 201, "")
	mid := msg.Map(t)["id"].(string)
	inv := alice.Do("POST", "/api/v1/groups/"+gid+"/invites", map[string]string{"userId": carolMe["id"].(string)})
	Expect(t, "invite carol", inv, 201, "")
	invID := inv.Map(t)["id"].(string)
	aliceID, bobID := aliceMe["id"].(string), bobMe["id"].(string)

	// real is the id each path parameter names when it is not the one
	// being malformed: things that exist and that alice may act on.
	real := func(o walkOp, name string) string {
		switch name {
		case "userId":
			return bobID
		case "messageId":
			return mid
		case "key":
			return "g/" + gid + "/f/x"
		case "groupId":
			return gid
		}
		switch {
		case strings.HasPrefix(o.path, "/api/v1/users/"):
			return aliceID
		case strings.HasPrefix(o.path, "/api/v1/invites/"):
			return invID
		}
		return gid
	}
	fill := func(o walkOp, bad string, which int) string {
		i := -1
		return walkParam.ReplaceAllStringFunc(o.path, func(m string) string {
			i++
			if i == which {
				return bad
			}
			return real(o, m[1:len(m)-1])
		})
	}

	snapshot := func() string {
		var b strings.Builder
		for _, q := range []struct {
			cl   *Client
			path string
		}{
			{alice, "/api/v1/users/me"}, {bob, "/api/v1/users/me"}, {carol, "/api/v1/users/me"},
			{alice, "/api/v1/groups"}, {bob, "/api/v1/groups"}, {carol, "/api/v1/groups"},
			{alice, "/api/v1/groups/" + gid}, {alice, "/api/v1/groups/" + gid + "/members"},
			{alice, "/api/v1/groups/" + gid + "/messages?limit=100"}, {bob, "/api/v1/groups/" + gid + "/messages?limit=100"},
			{alice, "/api/v1/invites?direction=sent&status=all"}, {carol, "/api/v1/invites?status=all"},
			{alice, "/api/v1/read-state"}, {bob, "/api/v1/read-state"}, {bob, "/api/v1/read-state/settings"},
			{alice, "/api/v1/groups/" + gid + "/read-receipts"},
		} {
			r := q.cl.Do("GET", q.path, nil)
			fmt.Fprintf(&b, "%s %d %s\n", q.path, r.Status, r.Body)
		}
		return b.String()
	}
	before := snapshot()
	same := func(what string) {
		t.Helper()
		if after := snapshot(); after != before {
			t.Fatalf("%s changed state:\nbefore:\n%s\nafter:\n%s", what, before, after)
		}
	}

	// Bodies: each is (name, bytes, Content-Type, extra headers).
	var bomb bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&bomb, gzip.BestCompression)
	zeros := make([]byte, 1<<20)
	for range 256 { // 256 MiB of zeros in about 256 KB
		zw.Write(zeros)
	}
	zw.Close()
	huge := append([]byte(`{"name":"`), bytes.Repeat([]byte("a"), 1<<20+1)...)
	huge = append(huge, `"}`...)
	type body struct {
		name    string
		data    []byte
		ctype   string
		headers []string
	}
	bodies := []body{
		{"empty", nil, "application/json", nil},
		{"not an object", []byte(`[1,2]`), "application/json", nil},
		{"wrong types", []byte(`{"name":1,"text":[],"userId":{},"email":true,"password":null,"clientMsgId":7,"role":[],"code":1,"username":false,"files":"x","keys":1}`), "application/json", nil},
		{"two values", []byte(`{}{}`), "application/json", nil},
		{"over the limit", huge, "application/json", nil},
		{"gzip bomb", bomb.Bytes(), "application/json", []string{"Content-Encoding", "gzip"}},
		{"no Content-Type", []byte(`{}`), "", nil},
		{"form", []byte(`name=x`), "application/x-www-form-urlencoded", nil},
	}
	badIDs := []struct{ name, value string }{
		{"upper-case unknown UUID", strings.ToUpper(uuid.Must(uuid.NewV7()).String())},
		{"no dashes", strings.ReplaceAll(gid, "-", "")},
		{"overlong", gid + "0"},
		{"very long", strings.Repeat("a", 4000)},
		{"unicode", "ü" + gid[1:]},
		{"fullwidth", "０１９２"},
		{"dot-dot", ".."},
		{"encoded dot-dot", "%2E%2E"},
		{"encoded slash", gid[:8] + "%2F" + gid[9:]},
		{"empty", ""},
		{"NUL", "%00"},
	}
	allowed := map[int]bool{400: true, 401: true, 403: true, 404: true, 405: true, 411: true, 413: true, 415: true, 422: true, 429: true}

	statuses := map[int]int{}
	check := func(what string, r Response) {
		t.Helper()
		statuses[r.Status]++
		if r.Status >= 500 || !allowed[r.Status] || !isErrorShape(r) {
			t.Errorf("%s: %d (want a 4xx with the JSON error shape): %s %.300s", what, r.Status, r.Header.Get("Content-Type"), r.Body)
		}
	}

	ops := walkOps(t)
	if len(ops) < 40 {
		t.Fatalf("only %d operations in api/openapi.yaml", len(ops))
	}
	documented := map[string][]string{}
	for _, o := range ops {
		documented[o.path] = append(documented[o.path], o.method)
	}

	for _, o := range ops {
		// Reachable: with real ids and no token, the node routes it.
		r := anon.raw(o.method, fill(o, "", -1), nil, "")
		if muxNotFound(r) || r.Status == http.StatusMethodNotAllowed {
			t.Errorf("%s is in api/openapi.yaml but the node does not route it: %d %s", o, r.Status, r.Body)
		}
		if r.Status >= 500 {
			t.Errorf("%s anonymous: %d %s", o, r.Status, r.Body)
		}

		for which := range len(walkParam.FindAllString(o.path, -1)) {
			for _, id := range badIDs {
				for _, cl := range []*Client{alice, anon} {
					for _, b := range []body{{"no body", nil, "", nil}, bodies[2]} {
						path := fill(o, id.value, which)
						check(fmt.Sprintf("%s with %s id %q (param %d, token %v, %s)", o, id.name, path, which, cl == alice, b.name),
							cl.raw(o.method, path, b.data, b.ctype, b.headers...))
					}
				}
			}
		}
		if o.body {
			for _, b := range bodies {
				for _, cl := range []*Client{alice, anon} {
					check(fmt.Sprintf("%s with body %s (token %v)", o, b.name, cl == alice),
						cl.raw(o.method, fill(o, "", -1), b.data, b.ctype, b.headers...))
				}
			}
		}
		same(o.String())
	}

	// No other method of a documented path is served: each is refused
	// (405, as JSON) or, under /api, not routed at all.
	for path, methods := range documented {
		for _, m := range []string{"GET", "POST", "PUT", "PATCH", "DELETE"} {
			if slices.Contains(methods, m) {
				continue
			}
			r := alice.raw(m, fill(walkOp{path: path}, "", -1), nil, "")
			// A 404 of the contract's shape comes from a route that
			// takes this path as a parameter ("GET /api/v1/users/verify"
			// is "GET /api/v1/users/{id}" with id "verify"): not served.
			if r.Status != http.StatusNotFound && r.Status != http.StatusMethodNotAllowed {
				t.Errorf("%s %s is served (%d) but not in api/openapi.yaml", m, path, r.Status)
				continue
			}
			if strings.HasPrefix(path, "/api/") {
				check(m+" "+path+" (undocumented method)", r)
			}
		}
	}
	same("the whole walk")
	t.Logf("answers by status: %v", statuses)
}
