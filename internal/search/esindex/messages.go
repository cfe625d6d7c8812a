package esindex

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/elastic/elastic-transport-go/v8/elastictransport"
	"github.com/elastic/go-elasticsearch/v8/esapi"

	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/search"
)

// DefaultMessageIndex is the message index name when the URL names none
// (parameter messages).
const DefaultMessageIndex = "parley-messages"

// Messages is a search.MessageIndex on an Elasticsearch or OpenSearch
// index, shared by every node. Writes do not force a refresh (a chat
// writes too often for that): a message is searchable after the index's
// refresh interval, one second by default. Versions are the cluster's
// external versions, so an older write loses to a newer one on any node.
type Messages struct {
	tp     *elastictransport.Client
	rt     *http.Transport
	index  string
	closed atomic.Bool
}

var _ search.MessageIndex = (*Messages)(nil)

// OpenMessages connects to the cluster an elasticsearch:// URL names (see
// Open) and creates its message index (parameter messages, default
// parley-messages) when it does not exist yet.
func OpenMessages(ctx context.Context, rawURL string) (*Messages, error) {
	c, err := connect(rawURL)
	if err != nil {
		return nil, err
	}
	x := &Messages{tp: c.tp, rt: c.rt, index: c.messages}
	if err := x.ensureIndex(ctx); err != nil {
		c.rt.CloseIdleConnections()
		return nil, err
	}
	return x, nil
}

func (x *Messages) ensureIndex(ctx context.Context) error {
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	res, err := esapi.IndicesExistsRequest{Index: []string{x.index}}.Do(ctx, x.tp)
	if err != nil {
		return unavailable("check index "+x.index, err)
	}
	drain(res)
	switch res.StatusCode {
	case http.StatusOK:
		return nil
	case http.StatusNotFound:
	default:
		return failWith("check index "+x.index, res.StatusCode, errorResponse{})
	}
	res, err = esapi.IndicesCreateRequest{Index: x.index, Body: strings.NewReader(messageIndexBody)}.Do(ctx, x.tp)
	if err != nil {
		return unavailable("create index "+x.index, err)
	}
	defer drain(res)
	if res.IsError() {
		e := decodeError(res)
		if e.Error.Type == "resource_already_exists_exception" {
			return nil
		}
		return failWith("create index "+x.index, res.StatusCode, e)
	}
	return nil
}

// put writes a document with an external version; a 409 (a version at
// least as high is stored) counts as done.
func (x *Messages) put(ctx context.Context, id string, version int64, doc any) error {
	body, err := json.Marshal(doc)
	if err != nil {
		return fmt.Errorf("esindex: encode %s: %w", id, err)
	}
	req := esapi.IndexRequest{Index: x.index, DocumentID: id, Body: bytes.NewReader(body)}
	if version != 0 {
		v := int(version)
		req.Version = &v
		req.VersionType = "external_gte"
	}
	res, err := req.Do(ctx, x.tp)
	if err != nil {
		return unavailable("index "+id, err)
	}
	defer drain(res)
	if res.StatusCode == http.StatusConflict || !res.IsError() {
		return nil
	}
	return x.fail("index "+id, res)
}

// PutMessage implements search.MessageIndex: the message is written
// first, then the group's tombstone is looked up (a real-time GET); when
// the group is gone the message is replaced by its tombstone. In that
// order, a message written while its group is being deleted is removed
// either by DeleteGroup's delete-by-query or by this check.
func (x *Messages) PutMessage(ctx context.Context, d search.MessageDoc) error {
	if d.ID == "" || d.GroupID == "" {
		return errs.E(errs.Invalid, "search: message id or group id is empty")
	}
	ctx, cancel, err := x.start(ctx)
	if err != nil {
		return err
	}
	defer cancel()
	doc := messageSource{
		Kind: "message", Content: search.Content(d), Text: d.Text, Files: d.Files, GroupID: d.GroupID,
		Seq: d.Seq, AuthorID: d.AuthorID, CreatedAt: d.CreatedAt.UTC().Format(time.RFC3339Nano), SortKey: d.SortKey(),
	}
	if err := x.put(ctx, d.ID, d.Version, doc); err != nil {
		return err
	}
	gone, err := x.groupDeleted(ctx, d.GroupID)
	if err != nil || !gone {
		return err
	}
	return x.put(ctx, d.ID, search.VersionDeleted, tombstone{Kind: "deleted", GroupID: d.GroupID})
}

// groupDeleted reports whether the group's tombstone exists.
func (x *Messages) groupDeleted(ctx context.Context, groupID string) (bool, error) {
	res, err := esapi.GetRequest{Index: x.index, DocumentID: groupTombstone(groupID), Source: []string{"false"}}.Do(ctx, x.tp)
	if err != nil {
		return false, unavailable("read group "+groupID, err)
	}
	defer drain(res)
	switch res.StatusCode {
	case http.StatusOK:
		return true, nil
	case http.StatusNotFound:
		return false, nil
	}
	return false, x.fail("read group "+groupID, res)
}

func groupTombstone(groupID string) string { return "group:" + groupID }

// DeleteMessage implements search.MessageIndex: a tombstone at the
// highest version, which no later write of the message overrides.
func (x *Messages) DeleteMessage(ctx context.Context, groupID, id string) error {
	if id == "" {
		return errs.E(errs.Invalid, "search: message id is empty")
	}
	ctx, cancel, err := x.start(ctx)
	if err != nil {
		return err
	}
	defer cancel()
	return x.put(ctx, id, search.VersionDeleted, tombstone{Kind: "deleted", GroupID: groupID})
}

// DeleteGroup implements search.MessageIndex: the group's tombstone, a
// refresh (so that every message written before the tombstone is seen),
// then a delete-by-query of the group's documents.
func (x *Messages) DeleteGroup(ctx context.Context, groupID string) error {
	if groupID == "" {
		return errs.E(errs.Invalid, "search: group id is empty")
	}
	ctx, cancel, err := x.start(ctx)
	if err != nil {
		return err
	}
	defer cancel()
	if err := x.put(ctx, groupTombstone(groupID), 0, tombstone{Kind: "group"}); err != nil {
		return err
	}
	res, err := esapi.IndicesRefreshRequest{Index: []string{x.index}}.Do(ctx, x.tp)
	if err != nil {
		return unavailable("refresh "+x.index, err)
	}
	drain(res)
	if res.IsError() {
		return failWith("refresh "+x.index, res.StatusCode, errorResponse{})
	}
	body, err := json.Marshal(object{"query": object{"term": object{"groupId": groupID}}})
	if err != nil {
		return err
	}
	refresh := true
	res, err = esapi.DeleteByQueryRequest{Index: []string{x.index}, Body: bytes.NewReader(body), Conflicts: "proceed", Refresh: &refresh}.Do(ctx, x.tp)
	if err != nil {
		return unavailable("delete group "+groupID, err)
	}
	defer drain(res)
	if res.IsError() {
		return x.fail("delete group "+groupID, res)
	}
	return nil
}

// HideMessage implements search.MessageIndex: a document
// hidden:<user>:<message> with the group (so that the group's deletion
// takes it too).
func (x *Messages) HideMessage(ctx context.Context, userID, groupID, id string) error {
	if userID == "" || groupID == "" || id == "" {
		return errs.E(errs.Invalid, "search: user, group or message id is empty")
	}
	ctx, cancel, err := x.start(ctx)
	if err != nil {
		return err
	}
	defer cancel()
	return x.put(ctx, hiddenDoc(userID, id), 0, tombstone{Kind: "hidden", GroupID: groupID})
}

func hiddenDoc(userID, id string) string { return "hidden:" + userID + ":" + id }

// Hidden implements search.MessageIndex with one real-time multi-get.
func (x *Messages) Hidden(ctx context.Context, userID string, ids []string) (map[string]bool, error) {
	out := map[string]bool{}
	if len(ids) == 0 {
		return out, nil
	}
	docs := make([]string, len(ids))
	back := make(map[string]string, len(ids))
	for i, id := range ids {
		docs[i] = hiddenDoc(userID, id)
		back[docs[i]] = id
	}
	body, err := json.Marshal(object{"ids": docs})
	if err != nil {
		return nil, err
	}
	ctx, cancel, err := x.start(ctx)
	if err != nil {
		return nil, err
	}
	defer cancel()
	res, err := esapi.MgetRequest{Index: x.index, Body: bytes.NewReader(body), Source: []string{"false"}}.Do(ctx, x.tp)
	if err != nil {
		return nil, unavailable("read hidden messages", err)
	}
	defer drain(res)
	if res.IsError() {
		return nil, x.fail("read hidden messages", res)
	}
	var mr struct {
		Docs []struct {
			ID    string `json:"_id"`
			Found bool   `json:"found"`
		} `json:"docs"`
	}
	if err := json.NewDecoder(res.Body).Decode(&mr); err != nil {
		return nil, fmt.Errorf("esindex: decode multi-get answer: %w", err)
	}
	for _, d := range mr.Docs {
		if id, ok := back[d.ID]; ok && d.Found {
			out[id] = true
		}
	}
	return out, nil
}

// SearchMessages implements search.MessageIndex: every clause is a
// filter (no scoring), sorted by sortKey descending, paged with
// search_after.
func (x *Messages) SearchMessages(ctx context.Context, q search.MessageQuery) ([]search.MessageDoc, error) {
	if q.Limit < 1 {
		return nil, errs.E(errs.Invalid, "search: limit must be at least 1, got %d", q.Limit)
	}
	if len(q.Terms) == 0 || len(q.GroupIDs) == 0 {
		return []search.MessageDoc{}, nil
	}
	body, err := json.Marshal(messageSearchBody(q))
	if err != nil {
		return nil, fmt.Errorf("esindex: encode query: %w", err)
	}
	ctx, cancel, err := x.start(ctx)
	if err != nil {
		return nil, err
	}
	defer cancel()
	res, err := esapi.SearchRequest{Index: []string{x.index}, Body: bytes.NewReader(body)}.Do(ctx, x.tp)
	if err != nil {
		return nil, unavailable("search messages", err)
	}
	defer drain(res)
	if res.IsError() {
		return nil, x.fail("search messages", res)
	}
	var sr struct {
		Hits struct {
			Hits []struct {
				ID     string        `json:"_id"`
				Source messageSource `json:"_source"`
			} `json:"hits"`
		} `json:"hits"`
	}
	if err := json.NewDecoder(res.Body).Decode(&sr); err != nil {
		return nil, fmt.Errorf("esindex: decode search answer: %w", err)
	}
	out := make([]search.MessageDoc, 0, len(sr.Hits.Hits))
	for _, h := range sr.Hits.Hits {
		s := h.Source
		d := search.MessageDoc{ID: h.ID, GroupID: s.GroupID, Seq: s.Seq, AuthorID: s.AuthorID, Text: s.Text, Files: s.Files}
		d.CreatedAt, _ = time.Parse(time.RFC3339Nano, s.CreatedAt)
		out = append(out, d)
	}
	return out, nil
}

// messageSearchBody is the body of POST /{index}/_search for q.
func messageSearchBody(q search.MessageQuery) object {
	filter := []any{
		object{"term": object{"kind": "message"}},
		object{"terms": object{"groupId": q.GroupIDs}},
	}
	for _, t := range q.Terms {
		if search.IsPrefixTerm(t) {
			filter = append(filter, object{"prefix": object{"content": t}})
		} else {
			filter = append(filter, object{"term": object{"content": t}})
		}
	}
	body := object{
		"size":             q.Limit,
		"query":            object{"bool": object{"filter": filter}},
		"sort":             []any{object{"sortKey": "desc"}},
		"track_total_hits": false,
		"_source":          []string{"text", "files", "groupId", "seq", "authorId", "createdAt"},
	}
	if q.Before != "" {
		body["search_after"] = []string{q.Before}
	}
	return body
}

// Ping implements search.MessageIndex.
func (x *Messages) Ping(ctx context.Context) error {
	ctx, cancel, err := x.start(ctx)
	if err != nil {
		return err
	}
	defer cancel()
	res, err := esapi.IndicesExistsRequest{Index: []string{x.index}}.Do(ctx, x.tp)
	if err != nil {
		return unavailable("ping", err)
	}
	drain(res)
	if res.StatusCode != http.StatusOK {
		return errs.Wrap(errs.Unavailable, fmt.Errorf("esindex: index %s: HTTP %d", x.index, res.StatusCode), "search index is not usable")
	}
	return nil
}

// Close implements search.MessageIndex.
func (x *Messages) Close() error {
	x.closed.Store(true)
	x.rt.CloseIdleConnections()
	return nil
}

func (x *Messages) start(ctx context.Context) (context.Context, context.CancelFunc, error) {
	if x.closed.Load() {
		return nil, nil, errs.E(errs.Unavailable, "search index is closed")
	}
	ctx, cancel := withTimeout(ctx)
	return ctx, cancel, nil
}

func (x *Messages) fail(what string, res *esapi.Response) error {
	return failWith(what, res.StatusCode, decodeError(res))
}

// messageSource is a message as stored in the index.
type messageSource struct {
	Kind      string   `json:"kind"`
	Content   string   `json:"content,omitempty"`
	Text      string   `json:"text"`
	Files     []string `json:"files,omitempty"`
	GroupID   string   `json:"groupId"`
	Seq       int64    `json:"seq"`
	AuthorID  string   `json:"authorId"`
	CreatedAt string   `json:"createdAt"`
	SortKey   string   `json:"sortKey"`
}

// tombstone is a deleted message ("deleted", with its group), a deleted
// group ("group") or a message a user hid ("hidden", with its group). It
// has no content, so no search matches it.
type tombstone struct {
	Kind    string `json:"kind"`
	GroupID string `json:"groupId,omitempty"`
}

// messageIndexBody is the body of PUT /{index} for the message index:
// content analysed by the standard tokenizer (Unicode text segmentation,
// as bleve's unicode tokenizer) and lowercase, the fields that filter and
// sort as keywords, the rest kept in _source only. Dynamic mapping is
// strict.
const messageIndexBody = `{
  "settings": {
    "analysis": {
      "analyzer": {
        "message_words": {"type": "custom", "tokenizer": "standard", "filter": ["lowercase"]}
      }
    }
  },
  "mappings": {
    "dynamic": "strict",
    "properties": {
      "kind": {"type": "keyword"},
      "content": {"type": "text", "analyzer": "message_words", "norms": false, "index_options": "docs"},
      "text": {"type": "text", "index": false},
      "files": {"type": "keyword", "index": false, "doc_values": false},
      "groupId": {"type": "keyword"},
      "seq": {"type": "long", "index": false},
      "authorId": {"type": "keyword", "index": false, "doc_values": false},
      "createdAt": {"type": "keyword", "index": false, "doc_values": false},
      "sortKey": {"type": "keyword"}
    }
  }
}`
