package esindex

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"time"

	"github.com/elastic/elastic-transport-go/v8/elastictransport"
	"github.com/elastic/go-elasticsearch/v8/esapi"

	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/search"
)

// DefaultIndex is the index name when the URL names none.
const DefaultIndex = "parley-users"

// requestTimeout bounds one request when the caller's context has no
// deadline.
const requestTimeout = 10 * time.Second

// Index is a search.Index on an Elasticsearch or OpenSearch index. It is
// safe for concurrent use; any number of nodes may share the index.
type Index struct {
	tp     *elastictransport.Client
	rt     *http.Transport
	index  string
	closed atomic.Bool
}

var _ search.Index = (*Index)(nil)

// validIndex is what Elasticsearch accepts as an index name, minus the
// rarely wanted characters.
var validIndex = regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]{0,199}$`)

// Open connects to the cluster a URL names and creates the user index
// with its mapping if it does not exist yet:
//
//	elasticsearch://[user:password@]host:9200[?index=parley-users][&messages=parley-messages][&tls=true]
//
// index names the user index, messages the message index (see
// OpenMessages); tls=true speaks HTTPS to the node. Open fails if the
// cluster cannot be reached or refuses to create the index.
func Open(ctx context.Context, rawURL string) (*Index, error) {
	c, err := connect(rawURL)
	if err != nil {
		return nil, err
	}
	x := &Index{tp: c.tp, rt: c.rt, index: c.users}
	if err := x.ensureIndex(ctx); err != nil {
		c.rt.CloseIdleConnections()
		return nil, err
	}
	return x, nil
}

// conn is a parsed elasticsearch:// URL with its transport.
type conn struct {
	tp              *elastictransport.Client
	rt              *http.Transport
	users, messages string
}

// connect parses an elasticsearch:// URL and makes its transport.
func connect(rawURL string) (conn, error) {
	u, err := url.Parse(rawURL)
	if err != nil || u.Scheme != "elasticsearch" || u.Host == "" {
		return conn{}, fmt.Errorf("esindex: %q is not an elasticsearch://host:port URL", redact(rawURL))
	}
	q := u.Query()
	c := conn{users: q.Get("index"), messages: q.Get("messages")}
	if c.users == "" {
		c.users = DefaultIndex
	}
	if c.messages == "" {
		c.messages = DefaultMessageIndex
	}
	for _, name := range []string{c.users, c.messages} {
		if !validIndex.MatchString(name) {
			return conn{}, fmt.Errorf("esindex: index name %q is not valid (lower-case letters, digits, _ . -)", name)
		}
	}
	if c.users == c.messages {
		return conn{}, fmt.Errorf("esindex: the user and message indexes must differ, both are %q", c.users)
	}
	scheme := "http"
	switch q.Get("tls") {
	case "", "false":
	case "true":
		scheme = "https"
	default:
		return conn{}, fmt.Errorf("esindex: tls must be true or false, got %q", q.Get("tls"))
	}
	for k := range q {
		if k != "index" && k != "messages" && k != "tls" {
			return conn{}, fmt.Errorf("esindex: unknown URL parameter %q", k)
		}
	}
	cfg := elastictransport.Config{
		URLs: []*url.URL{{Scheme: scheme, Host: u.Host}},
		// The bus retries failed events and users retry searches; the
		// transport retrying too would only multiply the load on a
		// struggling cluster.
		DisableRetry: true,
	}
	if u.User != nil {
		cfg.Username = u.User.Username()
		cfg.Password, _ = u.User.Password()
	}
	c.rt = http.DefaultTransport.(*http.Transport).Clone()
	cfg.Transport = c.rt
	// The transport client is used directly, not elasticsearch.Client:
	// the latter refuses servers without X-Elastic-Product, OpenSearch.
	c.tp, err = elastictransport.New(cfg)
	if err != nil {
		return conn{}, fmt.Errorf("esindex: %w", err)
	}
	return c, nil
}

func redact(raw string) string {
	if u, err := url.Parse(raw); err == nil {
		return u.Redacted()
	}
	return "(unparsable URL)"
}

// ensureIndex creates the index unless it exists, and adds the display
// name field to one that exists (an index made before issue 13 refuses
// documents with it: dynamic mapping is strict). Another node creating it
// at the same moment is fine.
func (x *Index) ensureIndex(ctx context.Context) error {
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	res, err := esapi.IndicesExistsRequest{Index: []string{x.index}}.Do(ctx, x.tp)
	if err != nil {
		return unavailable("check index "+x.index, err)
	}
	drain(res)
	switch res.StatusCode {
	case http.StatusOK:
		return x.addNames(ctx)
	case http.StatusNotFound:
	default:
		return x.fail("check index "+x.index, res)
	}
	res, err = esapi.IndicesCreateRequest{Index: x.index, Body: strings.NewReader(indexBody)}.Do(ctx, x.tp)
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

// addNames puts the display name field into the index's mapping.
func (x *Index) addNames(ctx context.Context) error {
	res, err := esapi.IndicesPutMappingRequest{Index: []string{x.index}, Body: strings.NewReader(namesMappingBody)}.Do(ctx, x.tp)
	if err != nil {
		return unavailable("update mapping of "+x.index, err)
	}
	defer drain(res)
	if res.IsError() {
		return x.fail("update mapping of "+x.index, res)
	}
	return nil
}

// Upsert implements search.Index. A Doc with a Version is written with
// external versioning: Elasticsearch itself refuses an older version
// (409), which Upsert reports as success.
func (x *Index) Upsert(ctx context.Context, d search.Doc) error {
	if d.ID == "" {
		return errs.E(errs.Invalid, "search: document id is empty")
	}
	body, err := json.Marshal(source{Username: d.Username, DisplayName: d.DisplayName, PictureURL: d.PictureURL})
	if err != nil {
		return fmt.Errorf("esindex: encode user %s: %w", d.ID, err)
	}
	req := esapi.IndexRequest{Index: x.index, DocumentID: d.ID, Body: bytes.NewReader(body), Refresh: "true"}
	if d.Version != 0 {
		v := int(d.Version)
		req.Version = &v
		req.VersionType = "external_gte"
	}
	ctx, cancel, err := x.start(ctx)
	if err != nil {
		return err
	}
	defer cancel()
	res, err := req.Do(ctx, x.tp)
	if err != nil {
		return unavailable("index user "+d.ID, err)
	}
	defer drain(res)
	if res.StatusCode == http.StatusConflict {
		return nil // a newer version is stored
	}
	if res.IsError() {
		return x.fail("index user "+d.ID, res)
	}
	return nil
}

// Delete implements search.Index.
func (x *Index) Delete(ctx context.Context, id string) error {
	ctx, cancel, err := x.start(ctx)
	if err != nil {
		return err
	}
	defer cancel()
	res, err := esapi.DeleteRequest{Index: x.index, DocumentID: id, Refresh: "true"}.Do(ctx, x.tp)
	if err != nil {
		return unavailable("delete user "+id, err)
	}
	defer drain(res)
	if res.IsError() && res.StatusCode != http.StatusNotFound {
		return x.fail("delete user "+id, res)
	}
	return nil
}

// Search implements search.Index.
func (x *Index) Search(ctx context.Context, q string, limit int) ([]search.Doc, error) {
	if limit < 1 {
		return nil, errs.E(errs.Invalid, "search: limit must be at least 1, got %d", limit)
	}
	norm := search.Normalize(q)
	if norm == "" {
		return []search.Doc{}, nil
	}
	body, err := json.Marshal(searchBody{Size: limit, Query: searchQuery(norm), Source: []string{"username", "displayName", "pictureUrl"}})
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
		return nil, unavailable("search users", err)
	}
	defer drain(res)
	if res.IsError() {
		return nil, x.fail("search users", res)
	}
	var sr searchResponse
	if err := json.NewDecoder(res.Body).Decode(&sr); err != nil {
		return nil, fmt.Errorf("esindex: decode search answer: %w", err)
	}
	hits := make([]search.Hit, 0, len(sr.Hits.Hits))
	for _, h := range sr.Hits.Hits {
		hits = append(hits, search.Hit{Doc: search.Doc{ID: h.ID, Username: h.Source.Username, DisplayName: h.Source.DisplayName, PictureURL: h.Source.PictureURL}, Score: h.Score})
	}
	return search.Rank(norm, hits, limit), nil
}

// Ping implements search.Index: the cluster answers and the index exists.
func (x *Index) Ping(ctx context.Context) error {
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

// Close implements search.Index: later calls fail and idle connections
// are dropped. The index itself stays in the cluster.
func (x *Index) Close() error {
	x.closed.Store(true)
	x.rt.CloseIdleConnections()
	return nil
}

// start bounds a request by requestTimeout unless ctx has a deadline,
// and refuses it once the Index is closed.
func (x *Index) start(ctx context.Context) (context.Context, context.CancelFunc, error) {
	if x.closed.Load() {
		return nil, nil, errs.E(errs.Unavailable, "search index is closed")
	}
	ctx, cancel := withTimeout(ctx)
	return ctx, cancel, nil
}

func withTimeout(ctx context.Context) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, requestTimeout)
}

func drain(res *esapi.Response) {
	if res != nil && res.Body != nil {
		_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 1<<20))
		res.Body.Close()
	}
}

func decodeError(res *esapi.Response) errorResponse {
	var e errorResponse
	_ = json.NewDecoder(io.LimitReader(res.Body, 1<<20)).Decode(&e)
	return e
}

func unavailable(what string, err error) error {
	return errs.Wrap(errs.Unavailable, fmt.Errorf("esindex: %s: %w", what, err), "search is unavailable; try again shortly")
}

// fail turns an error answer into an error: 429 and 5xx are Unavailable
// (worth retrying), anything else is an internal error.
func (x *Index) fail(what string, res *esapi.Response) error {
	return failWith(what, res.StatusCode, decodeError(res))
}

func failWith(what string, status int, e errorResponse) error {
	err := fmt.Errorf("esindex: %s: HTTP %d: %s: %s", what, status, e.Error.Type, e.Error.Reason)
	if status == http.StatusTooManyRequests || status >= 500 {
		return errs.Wrap(errs.Unavailable, err, "search is unavailable; try again shortly")
	}
	return err
}
