package esindex_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/search"
	"github.com/parleychat/parley/internal/search/esindex"
)

// exchange is one request the adapter must send and the answer the fake
// cluster gives. Answers follow Elasticsearch 8's documented format; they
// were written by hand, not captured from a cluster.
type exchange struct {
	method string
	path   string
	query  url.Values
	body   string // expected JSON body; "" for none
	status int
	answer string
}

// script is an httptest server that expects exactly the given exchanges,
// in order, and fails the test on anything else.
type script struct {
	t    *testing.T
	mu   sync.Mutex
	next int
	want []exchange
	srv  *httptest.Server
}

func newScript(t *testing.T, want ...exchange) *script {
	t.Helper()
	s := &script{t: t, want: want}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(func() {
		s.srv.Close()
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.next != len(s.want) {
			t.Errorf("the adapter sent %d of the %d expected requests; next expected: %s %s", s.next, len(s.want), s.want[s.next].method, s.want[s.next].path)
		}
	})
	return s
}

func (s *script) url(index string) string {
	return "elasticsearch://" + strings.TrimPrefix(s.srv.URL, "http://") + "?index=" + index
}

func (s *script) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	body, _ := io.ReadAll(r.Body)
	if s.next >= len(s.want) {
		s.t.Errorf("unexpected extra request %s %s?%s %s", r.Method, r.URL.Path, r.URL.RawQuery, body)
		http.Error(w, "unexpected", http.StatusTeapot)
		return
	}
	x := s.want[s.next]
	s.next++
	if r.Method != x.method || r.URL.Path != x.path {
		s.t.Errorf("request %d = %s %s, want %s %s", s.next, r.Method, r.URL.Path, x.method, x.path)
	}
	gotQuery := r.URL.Query()
	if len(gotQuery) == 0 {
		gotQuery = nil
	}
	if !reflect.DeepEqual(gotQuery, x.query) {
		s.t.Errorf("%s %s query = %v, want %v", x.method, x.path, gotQuery, x.query)
	}
	switch {
	case x.body == "" && len(body) != 0:
		s.t.Errorf("%s %s has body %s, want none", x.method, x.path, body)
	case x.body != "":
		if ct := r.Header.Get("Content-Type"); ct != "application/json" {
			s.t.Errorf("%s %s Content-Type = %q, want application/json", x.method, x.path, ct)
		}
		if !sameJSON(s.t, body, []byte(x.body)) {
			s.t.Errorf("%s %s body =\n%s\nwant\n%s", x.method, x.path, body, x.body)
		}
	}
	if a := r.Header.Get("Accept"); strings.Contains(a, "compatible-with") {
		s.t.Errorf("%s %s sends Accept %q, which OpenSearch rejects", x.method, x.path, a)
	}
	w.Header().Set("X-Elastic-Product", "Elasticsearch")
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(x.status)
	if r.Method != http.MethodHead {
		io.WriteString(w, x.answer)
	}
}

func sameJSON(t *testing.T, a, b []byte) bool {
	t.Helper()
	var x, y any
	if err := json.Unmarshal(a, &x); err != nil {
		t.Errorf("not JSON: %s: %v", a, err)
		return false
	}
	if err := json.Unmarshal(b, &y); err != nil {
		t.Fatalf("bad expected JSON: %s: %v", b, err)
	}
	return reflect.DeepEqual(x, y)
}

// The index creation request: INVENTORY.md §9's analysis plus the keyword
// sub-field. Spelled out here so that a change to the mapping is a
// deliberate change to this test.
const wantMapping = `{
  "settings": {"analysis": {
    "tokenizer": {"trigram_tokenizer": {"type": "ngram", "min_gram": 3, "max_gram": 3, "token_chars": ["letter", "digit"]}},
    "analyzer": {"trigrams": {"type": "custom", "tokenizer": "trigram_tokenizer", "filter": ["lowercase"]}},
    "normalizer": {"lower": {"type": "custom", "filter": ["lowercase"]}}
  }},
  "mappings": {"dynamic": "strict", "properties": {
    "username": {"type": "text", "analyzer": "trigrams", "fields": {"keyword": {"type": "keyword", "normalizer": "lower"}}},
    "displayName": {"type": "text", "analyzer": "trigrams", "fields": {"keyword": {"type": "keyword", "normalizer": "lower"}}},
    "pictureUrl": {"type": "keyword", "index": false}
  }}
}`

// The mapping update that adds the display name (issue 13) to an index
// created before it: sent on every open of an existing index.
const wantNamesMapping = `{"properties": {
  "displayName": {"type": "text", "analyzer": "trigrams", "fields": {"keyword": {"type": "keyword", "normalizer": "lower"}}}
}}`

var (
	indexExists  = exchange{method: "HEAD", path: "/parley-users", status: 200}
	indexMissing = exchange{method: "HEAD", path: "/parley-users", status: 404}
	createIndex  = exchange{method: "PUT", path: "/parley-users", body: wantMapping, status: 200,
		answer: `{"acknowledged":true,"shards_acknowledged":true,"index":"parley-users"}`}
	addNames = exchange{method: "PUT", path: "/parley-users/_mapping", body: wantNamesMapping, status: 200,
		answer: `{"acknowledged":true}`}
)

func open(t *testing.T, s *script) *esindex.Index {
	t.Helper()
	x, err := esindex.Open(context.Background(), s.url("parley-users"))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { x.Close() })
	return x
}

func TestOpenCreatesTheIndexWithTheTrigramMappingWhenMissing(t *testing.T) {
	t.Parallel()
	open(t, newScript(t, indexMissing, createIndex))
}

func TestOpenAddsTheDisplayNameToAnExistingIndex(t *testing.T) {
	t.Parallel()
	open(t, newScript(t, indexExists, addNames))
}

func TestOpenFailsWhenTheClusterRefusesTheMappingUpdate(t *testing.T) {
	t.Parallel()
	bad := addNames
	bad.status = 400
	bad.answer = `{"error":{"root_cause":[{"type":"illegal_argument_exception","reason":"mapper [displayName] cannot be changed from type [keyword] to [text]"}],"type":"illegal_argument_exception","reason":"mapper [displayName] cannot be changed from type [keyword] to [text]"},"status":400}`
	s := newScript(t, indexExists, bad)
	_, err := esindex.Open(context.Background(), s.url("parley-users"))
	if err == nil || !strings.Contains(err.Error(), "illegal_argument_exception") {
		t.Fatalf("Open = %v, want the cluster's reason", err)
	}
}

func TestOpenAcceptsAnIndexCreatedConcurrentlyByAnotherNode(t *testing.T) {
	t.Parallel()
	race := createIndex
	race.status = 400
	race.answer = `{"error":{"root_cause":[{"type":"resource_already_exists_exception","reason":"index [parley-users/kX3fZQ2nS5u2m9xk1yq0Ow] already exists","index_uuid":"kX3fZQ2nS5u2m9xk1yq0Ow","index":"parley-users"}],"type":"resource_already_exists_exception","reason":"index [parley-users/kX3fZQ2nS5u2m9xk1yq0Ow] already exists","index_uuid":"kX3fZQ2nS5u2m9xk1yq0Ow","index":"parley-users"},"status":400}`
	open(t, newScript(t, indexMissing, race))
}

func TestOpenFailsWhenTheClusterRefusesTheMapping(t *testing.T) {
	t.Parallel()
	bad := createIndex
	bad.status = 400
	bad.answer = `{"error":{"root_cause":[{"type":"illegal_argument_exception","reason":"unknown setting [index.foo]"}],"type":"illegal_argument_exception","reason":"unknown setting [index.foo]"},"status":400}`
	s := newScript(t, indexMissing, bad)
	_, err := esindex.Open(context.Background(), s.url("parley-users"))
	if err == nil || !strings.Contains(err.Error(), "illegal_argument_exception") {
		t.Fatalf("Open = %v, want the cluster's reason", err)
	}
}

func TestOpenFailsUnavailableWhenNothingListens(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.NotFoundHandler())
	addr := strings.TrimPrefix(srv.URL, "http://")
	srv.Close()
	_, err := esindex.Open(context.Background(), "elasticsearch://"+addr)
	if errs.KindOf(err) != errs.Unavailable {
		t.Fatalf("Open = %v, want errs.Unavailable", err)
	}
}

func TestOpenRejectsBadURLs(t *testing.T) {
	t.Parallel()
	for _, u := range []string{
		"http://localhost:9200",
		"elasticsearch://",
		"elasticsearch://localhost:9200?index=Bad%20Name",
		"elasticsearch://localhost:9200?tls=maybe",
		"elasticsearch://localhost:9200?shards=3",
	} {
		if _, err := esindex.Open(context.Background(), u); err == nil {
			t.Errorf("Open(%q) succeeded, want an error", u)
		}
	}
}

func TestUpsertWritesWithExternalVersionAndRefresh(t *testing.T) {
	t.Parallel()
	pic := "/api/v1/users/u1/picture?v=2"
	s := newScript(t, indexExists, addNames,
		exchange{method: "PUT", path: "/parley-users/_doc/u1",
			query: url.Values{"refresh": {"true"}, "version": {"1764235200123456789"}, "version_type": {"external_gte"}},
			body:  `{"username":"Alice","pictureUrl":"/api/v1/users/u1/picture?v=2"}`, status: 201,
			answer: `{"_index":"parley-users","_id":"u1","_version":1764235200123456789,"result":"created","forced_refresh":true,"_shards":{"total":2,"successful":1,"failed":0},"_seq_no":0,"_primary_term":1}`},
		exchange{method: "PUT", path: "/parley-users/_doc/u1",
			query: url.Values{"refresh": {"true"}, "version": {"1764235100000000000"}, "version_type": {"external_gte"}},
			body:  `{"username":"Alicia","pictureUrl":null}`, status: 409,
			answer: `{"error":{"root_cause":[{"type":"version_conflict_engine_exception","reason":"[u1]: version conflict, current version [1764235200123456789] is higher than the one provided [1764235100000000000]","index_uuid":"kX3fZQ2nS5u2m9xk1yq0Ow","shard":"0","index":"parley-users"}],"type":"version_conflict_engine_exception","reason":"[u1]: version conflict, current version [1764235200123456789] is higher than the one provided [1764235100000000000]","index_uuid":"kX3fZQ2nS5u2m9xk1yq0Ow","shard":"0","index":"parley-users"},"status":409}`},
		exchange{method: "PUT", path: "/parley-users/_doc/u2",
			query: url.Values{"refresh": {"true"}},
			body:  `{"username":"Bob","pictureUrl":null}`, status: 200,
			answer: `{"_index":"parley-users","_id":"u2","_version":3,"result":"updated","forced_refresh":true,"_shards":{"total":2,"successful":1,"failed":0},"_seq_no":4,"_primary_term":1}`},
		exchange{method: "PUT", path: "/parley-users/_doc/u3",
			query: url.Values{"refresh": {"true"}, "version": {"7"}, "version_type": {"external_gte"}},
			body:  `{"username":"carol","displayName":"Carol Ann 🦊","pictureUrl":null}`, status: 201,
			answer: `{"_index":"parley-users","_id":"u3","_version":7,"result":"created","forced_refresh":true,"_shards":{"total":2,"successful":1,"failed":0},"_seq_no":7,"_primary_term":1}`},
	)
	x := open(t, s)
	ctx := context.Background()
	if err := x.Upsert(ctx, search.Doc{ID: "u1", Username: "Alice", PictureURL: &pic, Version: 1764235200123456789}); err != nil {
		t.Fatalf("Upsert: %v", err)
	}
	if err := x.Upsert(ctx, search.Doc{ID: "u1", Username: "Alicia", Version: 1764235100000000000}); err != nil {
		t.Fatalf("stale Upsert = %v, want nil (version conflict means a newer write is stored)", err)
	}
	if err := x.Upsert(ctx, search.Doc{ID: "u2", Username: "Bob"}); err != nil {
		t.Fatalf("unversioned Upsert: %v", err)
	}
	if err := x.Upsert(ctx, search.Doc{ID: "u3", Username: "carol", DisplayName: "Carol Ann 🦊", Version: 7}); err != nil {
		t.Fatalf("Upsert with a display name: %v", err)
	}
}

func TestDeleteTreatsNotFoundAsDone(t *testing.T) {
	t.Parallel()
	s := newScript(t, indexExists, addNames,
		exchange{method: "DELETE", path: "/parley-users/_doc/u1", query: url.Values{"refresh": {"true"}}, status: 200,
			answer: `{"_index":"parley-users","_id":"u1","_version":2,"result":"deleted","forced_refresh":true,"_shards":{"total":2,"successful":1,"failed":0},"_seq_no":5,"_primary_term":1}`},
		exchange{method: "DELETE", path: "/parley-users/_doc/nope", query: url.Values{"refresh": {"true"}}, status: 404,
			answer: `{"_index":"parley-users","_id":"nope","_version":1,"result":"not_found","forced_refresh":true,"_shards":{"total":2,"successful":1,"failed":0},"_seq_no":6,"_primary_term":1}`},
	)
	x := open(t, s)
	for _, id := range []string{"u1", "nope"} {
		if err := x.Delete(context.Background(), id); err != nil {
			t.Errorf("Delete(%s) = %v", id, err)
		}
	}
}

const wantSearch = `{
  "size": 5,
  "query": {"bool": {
    "should": [
      {"term": {"username.keyword": {"value": "alice", "boost": 100}}},
      {"prefix": {"username.keyword": {"value": "alice", "boost": 10}}},
      {"prefix": {"displayName.keyword": {"value": "alice", "boost": 5}}},
      {"match": {"username": {"query": "alice", "minimum_should_match": "60%"}}},
      {"match": {"displayName": {"query": "alice", "minimum_should_match": "60%"}}}
    ],
    "minimum_should_match": 1
  }},
  "_source": ["username", "displayName", "pictureUrl"]
}`

func TestSearchSendsTheTrigramQueryAndRanksTheHits(t *testing.T) {
	t.Parallel()
	// Hits in the engine's order; the trigram-only "malice" scores above
	// the prefix matches to show that Rank, not the score, orders tiers:
	// the username prefix alicent before the display name prefix of u4.
	s := newScript(t, indexExists, addNames,
		exchange{method: "POST", path: "/parley-users/_search", body: wantSearch, status: 200,
			answer: `{"took":4,"timed_out":false,"_shards":{"total":1,"successful":1,"skipped":0,"failed":0},
			"hits":{"total":{"value":4,"relation":"eq"},"max_score":131.6,"hits":[
			  {"_index":"parley-users","_id":"u1","_score":131.6,"_source":{"username":"Alice","pictureUrl":"/api/v1/users/u1/picture?v=2"}},
			  {"_index":"parley-users","_id":"u3","_score":12.9,"_source":{"username":"malice","pictureUrl":null}},
			  {"_index":"parley-users","_id":"u4","_score":12.1,"_source":{"username":"zed","displayName":"Alice Z.","pictureUrl":null}},
			  {"_index":"parley-users","_id":"u2","_score":11.2,"_source":{"username":"alicent","pictureUrl":null}}
			]}}`},
	)
	x := open(t, s)
	docs, err := x.Search(context.Background(), "  ALICE ", 5)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range docs {
		got = append(got, d.ID+":"+d.Username)
	}
	if want := []string{"u1:Alice", "u2:alicent", "u4:zed", "u3:malice"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Search = %v, want %v", got, want)
	}
	if docs[2].DisplayName != "Alice Z." || docs[0].DisplayName != "" {
		t.Errorf("display names not decoded: %+v", docs)
	}
	if docs[0].PictureURL == nil || *docs[0].PictureURL != "/api/v1/users/u1/picture?v=2" || docs[1].PictureURL != nil {
		t.Errorf("picture URLs not decoded: %+v", docs)
	}
}

func TestSearchSendsNothingForABlankQueryAndRefusesABadLimit(t *testing.T) {
	t.Parallel()
	x := open(t, newScript(t, indexExists, addNames))
	if docs, err := x.Search(context.Background(), "   ", 5); err != nil || len(docs) != 0 {
		t.Errorf("Search(blank) = %v, %v; want nothing", docs, err)
	}
	if _, err := x.Search(context.Background(), "al", 0); errs.KindOf(err) != errs.Invalid {
		t.Errorf("Search(limit 0) = %v, want errs.Invalid", err)
	}
}

func TestClusterOverloadIsUnavailable(t *testing.T) {
	t.Parallel()
	busy := exchange{method: "POST", path: "/parley-users/_search", body: strings.Replace(strings.ReplaceAll(wantSearch, "alice", "al"), `"size": 5`, `"size": 10`, 1), status: 429,
		answer: `{"error":{"root_cause":[{"type":"es_rejected_execution_exception","reason":"rejected execution of coordinating operation"}],"type":"es_rejected_execution_exception","reason":"rejected execution of coordinating operation"},"status":429}`}
	ping := exchange{method: "HEAD", path: "/parley-users", status: 503}
	x := open(t, newScript(t, indexExists, addNames, busy, ping))
	if _, err := x.Search(context.Background(), "al", 10); errs.KindOf(err) != errs.Unavailable || !strings.Contains(err.Error(), "es_rejected_execution_exception") {
		t.Errorf("Search on 429 = %v, want errs.Unavailable with the reason", err)
	}
	if err := x.Ping(context.Background()); errs.KindOf(err) != errs.Unavailable {
		t.Errorf("Ping on 503 = %v, want errs.Unavailable", err)
	}
}

func TestCallsAfterCloseFailWithoutReachingTheCluster(t *testing.T) {
	t.Parallel()
	x := open(t, newScript(t, indexExists, addNames))
	if err := x.Close(); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := x.Search(ctx, "alice", 5); err == nil {
		t.Error("Search after Close succeeded")
	}
	if err := x.Upsert(ctx, search.Doc{ID: "u1", Username: "a"}); err == nil {
		t.Error("Upsert after Close succeeded")
	}
	if err := x.Ping(ctx); err == nil {
		t.Error("Ping after Close succeeded")
	}
}
