package esindex_test

import (
	"context"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/search"
	"github.com/parleychat/parley/internal/search/esindex"
)

// The message index's creation request, spelled out so that a change to
// the mapping is a deliberate change to this test.
const wantMessageMapping = `{
  "settings": {"analysis": {"analyzer": {"message_words": {"type": "custom", "tokenizer": "standard", "filter": ["lowercase"]}}}},
  "mappings": {"dynamic": "strict", "properties": {
    "kind": {"type": "keyword"},
    "content": {"type": "text", "analyzer": "message_words", "norms": false, "index_options": "docs"},
    "text": {"type": "text", "index": false},
    "files": {"type": "keyword", "index": false, "doc_values": false},
    "groupId": {"type": "keyword"},
    "seq": {"type": "long", "index": false},
    "authorId": {"type": "keyword", "index": false, "doc_values": false},
    "createdAt": {"type": "keyword", "index": false, "doc_values": false},
    "sortKey": {"type": "keyword"}
  }}
}`

var (
	msgIndexExists  = exchange{method: "HEAD", path: "/parley-messages", status: 200}
	msgIndexMissing = exchange{method: "HEAD", path: "/parley-messages", status: 404}
	createMsgIndex  = exchange{method: "PUT", path: "/parley-messages", body: wantMessageMapping, status: 200,
		answer: `{"acknowledged":true,"shards_acknowledged":true,"index":"parley-messages"}`}
	noGroupTombstone = exchange{method: "GET", path: "/parley-messages/_doc/group:g1", query: url.Values{"_source": {"false"}}, status: 404,
		answer: `{"_index":"parley-messages","_id":"group:g1","found":false}`}
	groupTombstone = exchange{method: "GET", path: "/parley-messages/_doc/group:g1", query: url.Values{"_source": {"false"}}, status: 200,
		answer: `{"_index":"parley-messages","_id":"group:g1","_version":1,"_seq_no":9,"_primary_term":1,"found":true}`}
	created = `{"_index":"parley-messages","_id":"m1","_version":1,"result":"created","_shards":{"total":2,"successful":1,"failed":0},"_seq_no":0,"_primary_term":1}`
)

func openMessages(t *testing.T, s *script) *esindex.Messages {
	t.Helper()
	x, err := esindex.OpenMessages(context.Background(), s.url("parley-users"))
	if err != nil {
		t.Fatalf("OpenMessages: %v", err)
	}
	t.Cleanup(func() { x.Close() })
	return x
}

var at = time.Date(2026, 12, 2, 9, 30, 0, 123456000, time.UTC)

func TestOpenMessagesCreatesTheIndexWhenMissingAndKeepsAnExistingOne(t *testing.T) {
	t.Parallel()
	openMessages(t, newScript(t, msgIndexMissing, createMsgIndex))
	openMessages(t, newScript(t, msgIndexExists))
	s := newScript(t, exchange{method: "HEAD", path: "/chat-msgs", status: 200})
	x, err := esindex.OpenMessages(context.Background(), strings.Replace(s.url("parley-users"), "index=parley-users", "index=parley-users&messages=chat-msgs", 1))
	if err != nil {
		t.Fatalf("OpenMessages with messages=chat-msgs: %v", err)
	}
	x.Close()
	for _, u := range []string{"elasticsearch://localhost:9200?messages=Bad%20Name", "elasticsearch://localhost:9200?index=same&messages=same"} {
		if _, err := esindex.OpenMessages(context.Background(), u); err == nil {
			t.Errorf("OpenMessages(%q) succeeded", u)
		}
		if _, err := esindex.Open(context.Background(), u); err == nil {
			t.Errorf("Open(%q) succeeded", u)
		}
	}
}

func TestPutMessageWritesWithItsVersionThenChecksTheGroup(t *testing.T) {
	t.Parallel()
	d := search.MessageDoc{ID: "m1", GroupID: "g1", Seq: 7, AuthorID: "u1", CreatedAt: at, Text: "Ship it", Files: []string{"plan_v2.pdf"}, Version: search.VersionCreated(at)}
	v := "1796203800123456" // rank 0, microseconds
	wantDoc := `{"kind":"message","content":"Ship it\nplan v2 pdf","text":"Ship it","files":["plan_v2.pdf"],"groupId":"g1","seq":7,"authorId":"u1","createdAt":"2026-12-02T09:30:00.123456Z","sortKey":"0001796203800123456-m1"}`
	conflict := `{"error":{"root_cause":[{"type":"version_conflict_engine_exception","reason":"[m1]: version conflict, current version [432345564227567615] is higher than the one provided [1796203800123456]"}],"type":"version_conflict_engine_exception","reason":"[m1]: version conflict, current version [432345564227567615] is higher than the one provided [1796203800123456]"},"status":409}`
	tomb := exchange{method: "PUT", path: "/parley-messages/_doc/m1", query: url.Values{"version": {"216172782113783807"}, "version_type": {"external_gte"}},
		body: `{"kind":"deleted","groupId":"g1"}`, status: 200, answer: created}
	s := newScript(t, msgIndexExists,
		// A live group: one write, one look at the group's tombstone.
		exchange{method: "PUT", path: "/parley-messages/_doc/m1", query: url.Values{"version": {v}, "version_type": {"external_gte"}}, body: wantDoc, status: 201, answer: created},
		noGroupTombstone,
		// A newer version is stored: the conflict is success.
		exchange{method: "PUT", path: "/parley-messages/_doc/m1", query: url.Values{"version": {v}, "version_type": {"external_gte"}}, body: wantDoc, status: 409, answer: conflict},
		noGroupTombstone,
		// The group was deleted: the message becomes a tombstone.
		exchange{method: "PUT", path: "/parley-messages/_doc/m1", query: url.Values{"version": {v}, "version_type": {"external_gte"}}, body: wantDoc, status: 201, answer: created},
		groupTombstone,
		tomb,
		// DeleteMessage is the same tombstone.
		tomb,
	)
	x := openMessages(t, s)
	ctx := context.Background()
	for i := range 3 {
		if err := x.PutMessage(ctx, d); err != nil {
			t.Fatalf("PutMessage %d: %v", i+1, err)
		}
	}
	if err := x.DeleteMessage(ctx, "g1", "m1"); err != nil {
		t.Fatalf("DeleteMessage: %v", err)
	}
	if search.VersionDeleted != 216172782113783807 {
		t.Errorf("VersionDeleted = %d; the recorded request says 216172782113783807", search.VersionDeleted)
	}
}

func TestDeleteGroupMarksItRefreshesAndDeletesItsDocuments(t *testing.T) {
	t.Parallel()
	s := newScript(t, msgIndexExists,
		exchange{method: "PUT", path: "/parley-messages/_doc/group:g1", body: `{"kind":"group"}`, status: 201, answer: created},
		exchange{method: "POST", path: "/parley-messages/_refresh", status: 200, answer: `{"_shards":{"total":2,"successful":1,"failed":0}}`},
		exchange{method: "POST", path: "/parley-messages/_delete_by_query", query: url.Values{"conflicts": {"proceed"}, "refresh": {"true"}},
			body: `{"query":{"term":{"groupId":"g1"}}}`, status: 200,
			answer: `{"took":12,"timed_out":false,"total":3,"deleted":3,"batches":1,"version_conflicts":0,"noops":0,"retries":{"bulk":0,"search":0},"throttled_millis":0,"requests_per_second":-1.0,"throttled_until_millis":0,"failures":[]}`},
	)
	if err := openMessages(t, s).DeleteGroup(context.Background(), "g1"); err != nil {
		t.Fatal(err)
	}
}

const wantMessageSearch = `{
  "size": 3,
  "query": {"bool": {"filter": [
    {"term": {"kind": "message"}},
    {"terms": {"groupId": ["g1", "g2"]}},
    {"prefix": {"content": "deploy"}},
    {"term": {"content": "go"}}
  ]}},
  "sort": [{"sortKey": "desc"}],
  "search_after": ["0001764667800123456-m9"],
  "track_total_hits": false,
  "_source": ["text", "files", "groupId", "seq", "authorId", "createdAt"]
}`

func TestSearchMessagesSendsFiltersSortAndCursor(t *testing.T) {
	t.Parallel()
	s := newScript(t, msgIndexExists,
		exchange{method: "POST", path: "/parley-messages/_search", body: wantMessageSearch, status: 200,
			answer: `{"took":3,"timed_out":false,"_shards":{"total":1,"successful":1,"skipped":0,"failed":0},"hits":{"max_score":null,"hits":[
			  {"_index":"parley-messages","_id":"m8","_score":null,"_source":{"text":"go deploy now","groupId":"g2","seq":4,"authorId":"u2","createdAt":"2026-12-02T09:29:00.5Z"},"sort":["0001764667740500000-m8"]},
			  {"_index":"parley-messages","_id":"m2","_score":null,"_source":{"text":"","files":["go-deploy.sh"],"groupId":"g1","seq":2,"authorId":"u1","createdAt":"2026-12-01T10:00:00Z"},"sort":["0001764583200000000-m2"]}
			]}}`},
		exchange{method: "POST", path: "/parley-messages/_search", body: strings.Replace(wantMessageSearch, `"search_after": ["0001764667800123456-m9"],`, "", 1), status: 503,
			answer: `{"error":{"root_cause":[{"type":"search_phase_execution_exception","reason":"all shards failed"}],"type":"search_phase_execution_exception","reason":"all shards failed"},"status":503}`},
	)
	x := openMessages(t, s)
	q := search.MessageQuery{Terms: []string{"deploy", "go"}, GroupIDs: []string{"g1", "g2"}, Before: "0001764667800123456-m9", Limit: 3}
	docs, err := x.SearchMessages(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	want := []search.MessageDoc{
		{ID: "m8", GroupID: "g2", Seq: 4, AuthorID: "u2", Text: "go deploy now", CreatedAt: time.Date(2026, 12, 2, 9, 29, 0, 500000000, time.UTC)},
		{ID: "m2", GroupID: "g1", Seq: 2, AuthorID: "u1", Files: []string{"go-deploy.sh"}, CreatedAt: time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)},
	}
	if !reflect.DeepEqual(docs, want) {
		t.Errorf("SearchMessages = %+v\nwant %+v", docs, want)
	}
	q.Before = ""
	if _, err := x.SearchMessages(context.Background(), q); errs.KindOf(err) != errs.Unavailable {
		t.Errorf("on 503: %v, want errs.Unavailable", err)
	}
	// Nothing is sent for no groups or no terms, and a limit below one is invalid.
	for _, q := range []search.MessageQuery{{Terms: []string{"x"}, Limit: 3}, {GroupIDs: []string{"g1"}, Limit: 3}} {
		if docs, err := x.SearchMessages(context.Background(), q); err != nil || len(docs) != 0 {
			t.Errorf("SearchMessages(%+v) = %v, %v; want nothing, sent nowhere", q, docs, err)
		}
	}
	if _, err := x.SearchMessages(context.Background(), search.MessageQuery{Terms: []string{"x"}, GroupIDs: []string{"g1"}}); errs.KindOf(err) != errs.Invalid {
		t.Errorf("limit 0: %v, want errs.Invalid", err)
	}
}

func TestHideMessageWritesARecordAndHiddenReadsThemInOneMultiGet(t *testing.T) {
	t.Parallel()
	s := newScript(t, msgIndexExists,
		exchange{method: "PUT", path: "/parley-messages/_doc/hidden:u1:m1", body: `{"kind":"hidden","groupId":"g1"}`, status: 201, answer: created},
		exchange{method: "POST", path: "/parley-messages/_mget", query: url.Values{"_source": {"false"}},
			body: `{"ids":["hidden:u1:m1","hidden:u1:m2"]}`, status: 200,
			answer: `{"docs":[{"_index":"parley-messages","_id":"hidden:u1:m1","_version":1,"_seq_no":3,"_primary_term":1,"found":true},{"_index":"parley-messages","_id":"hidden:u1:m2","found":false}]}`},
	)
	x := openMessages(t, s)
	ctx := context.Background()
	if err := x.HideMessage(ctx, "u1", "g1", "m1"); err != nil {
		t.Fatal(err)
	}
	got, err := x.Hidden(ctx, "u1", []string{"m1", "m2"})
	if err != nil || !reflect.DeepEqual(got, map[string]bool{"m1": true}) {
		t.Errorf("Hidden = %v, %v; want m1", got, err)
	}
	if got, err := x.Hidden(ctx, "u1", nil); err != nil || len(got) != 0 {
		t.Errorf("Hidden(no ids) = %v, %v; want nothing, sent nowhere", got, err)
	}
}
