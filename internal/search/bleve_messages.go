package search

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/custom"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search/query"
	index "github.com/blevesearch/bleve_index_api"

	"github.com/parleychat/parley/internal/errs"
)

// Fields of the message index (bleve and Elasticsearch alike).
const (
	mfKind      = "kind"      // "message", "deleted" (a message's tombstone) or "group" (a deleted group)
	mfContent   = "content"   // text and file names, analysed into words; not stored
	mfText      = "text"      // stored only
	mfFiles     = "files"     // stored only
	mfGroup     = "groupId"   // keyword
	mfSeq       = "seq"       // stored only, decimal
	mfAuthor    = "authorId"  // stored only
	mfCreatedAt = "createdAt" // stored only, RFC 3339 with nanoseconds
	mfSortKey   = "sortKey"   // keyword with doc values: the order and the cursor
	mfVersion   = "version"   // stored only, decimal
	analyzerMsg = "message_words"

	kindMessage = "message"
	kindDeleted = "deleted"
	kindGroup   = "group"
	kindHidden  = "hidden"
)

// hiddenID is the document that records that userID hid message id.
func hiddenID(userID, id string) string { return "hidden:" + userID + ":" + id }

// groupTombstoneID is the document that marks a deleted group. Message
// ids are UUIDs, so it cannot collide with one.
func groupTombstoneID(groupID string) string { return "group:" + groupID }

// MessagesDir is where the embedded message index lives for a user
// index in dir: beside it, in dir + "-messages".
func MessagesDir(dir string) string { return filepath.Clean(dir) + "-messages" }

// BleveMessages is the embedded MessageIndex: a bleve v2 index in a local
// directory, for one process at a time. Writes are persisted before they
// return, so an event acknowledged afterwards is never lost; a write is
// visible to the next search. Writes of one message are serialized (each
// reads the stored version first); writes of different messages run
// concurrently, so that the bus's parallel handlers share bleve's disk
// syncs instead of queueing for one each. DeleteGroup excludes every
// other write while it runs.
type BleveMessages struct {
	idx     bleve.Index
	mu      sync.RWMutex // RLock: a message write; Lock: DeleteGroup and Close
	stripes [64]sync.Mutex
}

// lockMessage takes the write locks of message id and returns their
// release.
func (b *BleveMessages) lockMessage(id string) func() {
	s := &b.stripes[stripeOf(id, len(b.stripes))]
	b.mu.RLock()
	s.Lock()
	return func() { s.Unlock(); b.mu.RUnlock() }
}

// stripeOf is the stripe of message id among n.
func stripeOf(id string, n int) int {
	h := fnv.New32a()
	h.Write([]byte(id))
	return int(h.Sum32() % uint32(n))
}

var (
	_ MessageIndex       = (*BleveMessages)(nil)
	_ MessageBatchWriter = (*BleveMessages)(nil)
)

// OpenBleveMessages opens the message index in dir, creating it when
// missing. The directory holds every indexed message's text: it is
// narrowed to its owner.
func OpenBleveMessages(dir string) (*BleveMessages, error) {
	idx, err := bleve.OpenUsing(dir, boltConfig())
	if errors.Is(err, bleve.ErrorIndexPathDoesNotExist) || errors.Is(err, bleve.ErrorIndexMetaMissing) {
		idx, err = createMessages(dir)
	}
	if err != nil {
		return nil, fmt.Errorf("search: open bleve message index %s: %w", dir, err)
	}
	if err := ownerOnly(dir); err != nil {
		idx.Close()
		return nil, fmt.Errorf("search: open bleve message index %s: %w", dir, err)
	}
	if idx.Mapping().AnalyzerNamed(analyzerMsg) == nil {
		idx.Close()
		return nil, fmt.Errorf("search: bleve index %s has no %s analyzer: not a Parley message index", dir, analyzerMsg)
	}
	return &BleveMessages{idx: idx}, nil
}

func createMessages(dir string) (bleve.Index, error) {
	m, err := newMessageMapping()
	if err != nil {
		return nil, err
	}
	if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
		return nil, fmt.Errorf("%s is neither empty nor a bleve index", dir)
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o700); err != nil {
		return nil, err
	}
	return bleve.NewUsing(dir, m, bleve.Config.DefaultIndexType, bleve.Config.DefaultKVStore, boltConfig())
}

// newMessageMapping: content analysed into lower-cased Unicode words
// (the analyzer QueryTerms and Snippet use), groupId and kind as
// keywords, sortKey as a keyword with doc values, the rest stored only.
func newMessageMapping() (*mapping.IndexMappingImpl, error) {
	im := bleve.NewIndexMapping()
	if err := im.AddCustomAnalyzer(analyzerMsg, map[string]any{
		"type": custom.Name, "tokenizer": unicode.Name, "token_filters": []any{lowercase.Name},
	}); err != nil {
		return nil, err
	}
	field := func(analyzer string, index, store, docValues bool) *mapping.FieldMapping {
		f := bleve.NewTextFieldMapping()
		f.Analyzer = analyzer
		f.Index = index
		f.Store = store
		f.DocValues = docValues
		f.IncludeInAll = false
		f.IncludeTermVectors = false
		return f
	}
	dm := bleve.NewDocumentStaticMapping()
	dm.AddFieldMappingsAt(mfKind, field(keyword.Name, true, true, false))
	dm.AddFieldMappingsAt(mfContent, field(analyzerMsg, true, false, false))
	dm.AddFieldMappingsAt(mfText, field(keyword.Name, false, true, false))
	dm.AddFieldMappingsAt(mfFiles, field(keyword.Name, false, true, false))
	dm.AddFieldMappingsAt(mfGroup, field(keyword.Name, true, true, false))
	dm.AddFieldMappingsAt(mfSeq, field(keyword.Name, false, true, false))
	dm.AddFieldMappingsAt(mfAuthor, field(keyword.Name, false, true, false))
	dm.AddFieldMappingsAt(mfCreatedAt, field(keyword.Name, false, true, false))
	dm.AddFieldMappingsAt(mfSortKey, field(keyword.Name, true, true, true))
	dm.AddFieldMappingsAt(mfVersion, field(keyword.Name, false, true, false))
	im.DefaultMapping = dm
	im.IndexDynamic = false
	im.StoreDynamic = false
	im.DocValuesDynamic = false
	return im, nil
}

// stored reads the kind and version of a document ("" and 0 when absent).
func (b *BleveMessages) stored(id string) (kind string, version int64, err error) {
	doc, err := b.idx.Document(id)
	if err != nil {
		return "", 0, fmt.Errorf("search: read message %s: %w", id, err)
	}
	if doc == nil {
		return "", 0, nil
	}
	doc.VisitFields(func(f index.Field) {
		switch f.Name() {
		case mfKind:
			kind = string(f.Value())
		case mfVersion:
			version, _ = strconv.ParseInt(string(f.Value()), 10, 64)
		}
	})
	return kind, version, nil
}

// PutMessage implements MessageIndex.
func (b *BleveMessages) PutMessage(ctx context.Context, d MessageDoc) error {
	if d.ID == "" || d.GroupID == "" {
		return errs.E(errs.Invalid, "search: message id or group id is empty")
	}
	defer b.lockMessage(d.ID)()
	if kind, _, err := b.stored(groupTombstoneID(d.GroupID)); err != nil {
		return err
	} else if kind == kindGroup {
		return nil // the group is gone
	}
	kind, v, err := b.stored(d.ID)
	if err != nil {
		return err
	}
	if kind == kindDeleted || v > d.Version {
		return nil
	}
	if err := b.idx.Index(d.ID, messageFields(d)); err != nil {
		return fmt.Errorf("search: index message %s: %w", d.ID, err)
	}
	return nil
}

// PutMessages writes docs as PutMessage would write each in turn, in
// one bleve batch (one segment and one disk sync for all of them): the
// search role hands it a partition's waiting message.created events, so
// that a busy group is indexed at the rate it is sent instead of one sync
// per message. A later document of the same id in docs counts as written
// after an earlier one. A document without an id or group id fails the
// call before anything is written.
func (b *BleveMessages) PutMessages(ctx context.Context, docs []MessageDoc) error {
	for _, d := range docs {
		if d.ID == "" || d.GroupID == "" {
			return errs.E(errs.Invalid, "search: message id or group id is empty")
		}
	}
	if len(docs) == 0 {
		return nil
	}
	defer b.lockMessages(docs)()
	batch := b.idx.NewBatch()
	gone := map[string]bool{}     // group → deleted
	written := map[string]int64{} // id → version put in this batch
	for _, d := range docs {
		deleted, seen := gone[d.GroupID]
		if !seen {
			kind, _, err := b.stored(groupTombstoneID(d.GroupID))
			if err != nil {
				return err
			}
			deleted = kind == kindGroup
			gone[d.GroupID] = deleted
		}
		if deleted {
			continue
		}
		v, inBatch := written[d.ID]
		if !inBatch {
			kind, sv, err := b.stored(d.ID)
			if err != nil {
				return err
			}
			if kind == kindDeleted {
				continue
			}
			v = sv
		}
		if v > d.Version {
			continue
		}
		if err := batch.Index(d.ID, messageFields(d)); err != nil {
			return fmt.Errorf("search: index message %s: %w", d.ID, err)
		}
		written[d.ID] = d.Version
	}
	if batch.Size() == 0 {
		return nil
	}
	if err := b.idx.Batch(batch); err != nil {
		return fmt.Errorf("search: index %d messages: %w", len(docs), err)
	}
	return nil
}

// lockMessages takes the write locks of every message of docs, stripes in
// ascending order (so that two batches never wait for each other), and
// returns their release.
func (b *BleveMessages) lockMessages(docs []MessageDoc) func() {
	var take [len(b.stripes)]bool
	for _, d := range docs {
		take[stripeOf(d.ID, len(b.stripes))] = true
	}
	b.mu.RLock()
	for i := range take {
		if take[i] {
			b.stripes[i].Lock()
		}
	}
	return func() {
		for i := range take {
			if take[i] {
				b.stripes[i].Unlock()
			}
		}
		b.mu.RUnlock()
	}
}

// messageFields is the document of a live message.
func messageFields(d MessageDoc) map[string]any {
	fields := map[string]any{
		mfKind:      kindMessage,
		mfContent:   Content(d),
		mfText:      d.Text,
		mfGroup:     d.GroupID,
		mfSeq:       strconv.FormatInt(d.Seq, 10),
		mfAuthor:    d.AuthorID,
		mfCreatedAt: d.CreatedAt.UTC().Format(time.RFC3339Nano),
		mfSortKey:   d.SortKey(),
		mfVersion:   strconv.FormatInt(d.Version, 10),
	}
	if len(d.Files) > 0 {
		fields[mfFiles] = d.Files
	}
	return fields
}

// DeleteMessage implements MessageIndex.
func (b *BleveMessages) DeleteMessage(ctx context.Context, groupID, id string) error {
	if id == "" {
		return errs.E(errs.Invalid, "search: message id is empty")
	}
	defer b.lockMessage(id)()
	fields := map[string]any{mfKind: kindDeleted, mfGroup: groupID, mfVersion: strconv.FormatInt(VersionDeleted, 10)}
	if err := b.idx.Index(id, fields); err != nil {
		return fmt.Errorf("search: delete message %s: %w", id, err)
	}
	return nil
}

// HideMessage implements MessageIndex.
func (b *BleveMessages) HideMessage(ctx context.Context, userID, groupID, id string) error {
	if userID == "" || groupID == "" || id == "" {
		return errs.E(errs.Invalid, "search: user, group or message id is empty")
	}
	b.mu.RLock()
	defer b.mu.RUnlock()
	if err := b.idx.Index(hiddenID(userID, id), map[string]any{mfKind: kindHidden, mfGroup: groupID}); err != nil {
		return fmt.Errorf("search: hide message %s: %w", id, err)
	}
	return nil
}

// Hidden implements MessageIndex.
func (b *BleveMessages) Hidden(ctx context.Context, userID string, ids []string) (map[string]bool, error) {
	out := map[string]bool{}
	for _, id := range ids {
		kind, _, err := b.stored(hiddenID(userID, id))
		if err != nil {
			return nil, err
		}
		if kind == kindHidden {
			out[id] = true
		}
	}
	return out, nil
}

// deletePage is how many documents DeleteGroup removes per batch.
const deletePage = 500

// DeleteGroup implements MessageIndex: the group's tombstone first, then
// every document of the group, a batch at a time.
func (b *BleveMessages) DeleteGroup(ctx context.Context, groupID string) error {
	if groupID == "" {
		return errs.E(errs.Invalid, "search: group id is empty")
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.idx.Index(groupTombstoneID(groupID), map[string]any{mfKind: kindGroup}); err != nil {
		return fmt.Errorf("search: delete group %s: %w", groupID, err)
	}
	q := bleve.NewTermQuery(groupID)
	q.SetField(mfGroup)
	for {
		req := bleve.NewSearchRequestOptions(q, deletePage, 0, false)
		req.Score = "none"
		res, err := b.idx.SearchInContext(ctx, req)
		if err != nil {
			return fmt.Errorf("search: delete group %s: %w", groupID, err)
		}
		if len(res.Hits) == 0 {
			return nil
		}
		batch := b.idx.NewBatch()
		for _, h := range res.Hits {
			batch.Delete(h.ID)
		}
		if err := b.idx.Batch(batch); err != nil {
			return fmt.Errorf("search: delete group %s: %w", groupID, err)
		}
	}
}

// SearchMessages implements MessageIndex.
func (b *BleveMessages) SearchMessages(ctx context.Context, q MessageQuery) ([]MessageDoc, error) {
	if q.Limit < 1 {
		return nil, errs.E(errs.Invalid, "search: limit must be at least 1, got %d", q.Limit)
	}
	if len(q.Terms) == 0 || len(q.GroupIDs) == 0 {
		return []MessageDoc{}, nil
	}
	var clauses []query.Query
	for _, t := range q.Terms {
		if IsPrefixTerm(t) {
			p := bleve.NewPrefixQuery(t)
			p.SetField(mfContent)
			clauses = append(clauses, p)
		} else {
			tq := bleve.NewTermQuery(t)
			tq.SetField(mfContent)
			clauses = append(clauses, tq)
		}
	}
	groups := make([]query.Query, len(q.GroupIDs))
	for i, g := range q.GroupIDs {
		tq := bleve.NewTermQuery(g)
		tq.SetField(mfGroup)
		groups[i] = tq
	}
	kind := bleve.NewTermQuery(kindMessage)
	kind.SetField(mfKind)
	clauses = append(clauses, bleve.NewDisjunctionQuery(groups...), kind)
	req := bleve.NewSearchRequestOptions(bleve.NewConjunctionQuery(clauses...), q.Limit, 0, false)
	req.Score = "none"
	req.SortBy([]string{"-" + mfSortKey})
	if q.Before != "" {
		req.SetSearchAfter([]string{q.Before})
	}
	req.Fields = []string{mfText, mfFiles, mfGroup, mfSeq, mfAuthor, mfCreatedAt}
	res, err := b.idx.SearchInContext(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("search: query messages: %w", err)
	}
	out := make([]MessageDoc, 0, len(res.Hits))
	for _, h := range res.Hits {
		d := MessageDoc{ID: h.ID}
		d.Text, _ = h.Fields[mfText].(string)
		d.GroupID, _ = h.Fields[mfGroup].(string)
		d.AuthorID, _ = h.Fields[mfAuthor].(string)
		if s, ok := h.Fields[mfSeq].(string); ok {
			d.Seq, _ = strconv.ParseInt(s, 10, 64)
		}
		if s, ok := h.Fields[mfCreatedAt].(string); ok {
			d.CreatedAt, _ = time.Parse(time.RFC3339Nano, s)
		}
		switch f := h.Fields[mfFiles].(type) {
		case string:
			d.Files = []string{f}
		case []any:
			for _, x := range f {
				if s, ok := x.(string); ok {
					d.Files = append(d.Files, s)
				}
			}
		}
		out = append(out, d)
	}
	return out, nil
}

// Ping implements MessageIndex.
func (b *BleveMessages) Ping(ctx context.Context) error {
	if _, err := b.idx.DocCount(); err != nil {
		return errs.Wrap(errs.Unavailable, err, "search index is not usable")
	}
	return nil
}

// Close implements MessageIndex.
func (b *BleveMessages) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.idx.Close(); err != nil {
		return fmt.Errorf("search: close bleve message index: %w", err)
	}
	return nil
}
