package search

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/custom"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	"github.com/blevesearch/bleve/v2/analysis/token/ngram"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/regexp"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/single"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search/query"
	index "github.com/blevesearch/bleve_index_api"

	"github.com/parleychat/parley/internal/errs"
)

// Field and analyzer names of the bleve mapping.
const (
	fieldUsername = "username"    // lower-cased keyword: exact and prefix matching; stored
	fieldGrams    = "grams"       // the username's trigrams
	fieldName     = "displayName" // lower-cased keyword: prefix matching; stored
	fieldNameGram = "nameGrams"   // the display name's trigrams
	fieldPicture  = "pictureUrl"  // stored only
	fieldVersion  = "version"     // stored only, decimal
	analyzerGrams = "trigrams"
	analyzerLower = "lower_keyword"
	filterTrigram = "trigram"
	tokenizerWord = "letters_digits"
)

// wordPattern makes a word of every run of letters and digits, as the
// seed's Elasticsearch tokenizer (token_chars: letter, digit) did: "_",
// "." and "-" in a username separate words, and no trigram spans them.
const wordPattern = `[\p{L}\p{Nd}]+`

// Boosts that put exact and prefix matches ahead of trigram-only matches
// in the engine's own scoring, so that they survive the limit.
const (
	boostExact      = 100
	boostPrefix     = 10
	boostNamePrefix = 5
)

// Bleve is the embedded Index: a bleve v2 index in a local directory.
// It is safe for concurrent use within one process; a directory must be
// opened by one process at a time (bleve locks it). A write is persisted
// to disk (bleve's scorch waits for it, the index not being opened with
// unsafe_batch) and visible to the next Search once Upsert or Delete
// returns, so acknowledging the event afterwards loses nothing in a crash.
type Bleve struct {
	idx   bleve.Index
	grams analysis.Analyzer
	mu    sync.Mutex // serializes Upsert and Delete (read-compare-write on Version)
}

var _ Index = (*Bleve)(nil)

// OpenBleveURL opens the index a bleve:// URL names: bleve://data/search
// is the relative directory data/search, bleve:///var/lib/parley/search
// the absolute one.
func OpenBleveURL(rawURL string) (*Bleve, error) {
	u, err := url.Parse(rawURL)
	if err != nil || u.Scheme != "bleve" {
		return nil, fmt.Errorf("search: %q is not a bleve:// URL", rawURL)
	}
	dir := u.Host + u.Path
	if dir == "" || u.RawQuery != "" {
		return nil, fmt.Errorf("search: bleve URL %q must name a directory and nothing else", rawURL)
	}
	return OpenBleve(filepath.FromSlash(dir))
}

// OpenBleve opens the index in dir, creating the directory and an empty
// index with the trigram mapping when there is none yet. An index made
// before display names were indexed is rebuilt with the current mapping
// first (see upgrade).
func OpenBleve(dir string) (*Bleve, error) {
	if err := finishUpgrade(dir); err != nil {
		return nil, fmt.Errorf("search: open bleve index %s: %w", dir, err)
	}
	idx, err := bleve.OpenUsing(dir, boltConfig())
	if errors.Is(err, bleve.ErrorIndexPathDoesNotExist) || errors.Is(err, bleve.ErrorIndexMetaMissing) {
		idx, err = create(dir)
	}
	if err == nil && !current(idx) {
		idx, err = upgrade(dir, idx)
	}
	if err != nil {
		return nil, fmt.Errorf("search: open bleve index %s: %w", dir, err)
	}
	if err := ownerOnly(dir); err != nil {
		idx.Close()
		return nil, fmt.Errorf("search: open bleve index %s: %w", dir, err)
	}
	a := idx.Mapping().AnalyzerNamed(analyzerGrams)
	if a == nil {
		idx.Close()
		return nil, fmt.Errorf("search: bleve index %s has no %s analyzer: not a Parley user index", dir, analyzerGrams)
	}
	return &Bleve{idx: idx, grams: a}, nil
}

// ownerOnly narrows the index's directories to 0700 and its files to 0600
// (bleve writes its metadata file with 0644): the index holds every
// verified user's name.
func ownerOnly(dir string) error {
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		mode := fs.FileMode(0o600)
		if d.IsDir() {
			mode = 0o700
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		if fi.Mode().Perm()&^mode != 0 {
			return os.Chmod(p, mode)
		}
		return nil
	})
}

func create(dir string) (bleve.Index, error) {
	m, err := newMapping()
	if err != nil {
		return nil, err
	}
	// Never write an index over files that are not one: a directory
	// without index metadata must be empty (or missing).
	if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
		return nil, fmt.Errorf("%s is neither empty nor a bleve index", dir)
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o700); err != nil {
		return nil, err
	}
	return bleve.NewUsing(dir, m, bleve.Config.DefaultIndexType, bleve.Config.DefaultKVStore, boltConfig())
}

// lockTimeout is how long opening waits for a directory that another
// index (in this or another process) holds, then fails, instead of
// waiting forever.
const lockTimeout = 3 * time.Second

func boltConfig() map[string]any {
	return map[string]any{"bolt_timeout": lockTimeout.String()}
}

// newMapping is the index mapping: the username and the display name
// each both as a lower-cased keyword and as trigrams (runs of letters and
// digits → lowercase → ngram 3..3).
func newMapping() (*mapping.IndexMappingImpl, error) {
	im := bleve.NewIndexMapping()
	if err := im.AddCustomTokenizer(tokenizerWord, map[string]any{"type": regexp.Name, "regexp": wordPattern}); err != nil {
		return nil, err
	}
	if err := im.AddCustomTokenFilter(filterTrigram, map[string]any{"type": ngram.Name, "min": 3.0, "max": 3.0}); err != nil {
		return nil, err
	}
	if err := im.AddCustomAnalyzer(analyzerGrams, map[string]any{
		"type": custom.Name, "tokenizer": tokenizerWord, "token_filters": []any{lowercase.Name, filterTrigram},
	}); err != nil {
		return nil, err
	}
	if err := im.AddCustomAnalyzer(analyzerLower, map[string]any{
		"type": custom.Name, "tokenizer": single.Name, "token_filters": []any{lowercase.Name},
	}); err != nil {
		return nil, err
	}
	keyword := bleve.NewTextFieldMapping()
	keyword.Analyzer = analyzerLower
	keyword.Store = true
	keyword.IncludeInAll = false
	keyword.IncludeTermVectors = false
	keyword.DocValues = false

	grams := bleve.NewTextFieldMapping()
	grams.Analyzer = analyzerGrams
	grams.Store = false
	grams.IncludeInAll = false
	grams.IncludeTermVectors = false
	grams.DocValues = false

	storedOnly := func() *mapping.FieldMapping {
		f := bleve.NewTextFieldMapping()
		f.Analyzer = analyzerLower
		f.Index = false
		f.Store = true
		f.IncludeInAll = false
		f.IncludeTermVectors = false
		f.DocValues = false
		return f
	}

	dm := bleve.NewDocumentStaticMapping()
	dm.AddFieldMappingsAt(fieldUsername, keyword)
	dm.AddFieldMappingsAt(fieldGrams, grams)
	dm.AddFieldMappingsAt(fieldName, keyword)
	dm.AddFieldMappingsAt(fieldNameGram, grams)
	dm.AddFieldMappingsAt(fieldPicture, storedOnly())
	dm.AddFieldMappingsAt(fieldVersion, storedOnly())
	im.DefaultMapping = dm
	im.IndexDynamic = false
	im.StoreDynamic = false
	im.DocValuesDynamic = false
	return im, nil
}

// Upsert implements Index.
func (b *Bleve) Upsert(ctx context.Context, d Doc) error {
	if d.ID == "" {
		return errs.E(errs.Invalid, "search: document id is empty")
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if d.Version != 0 {
		stored, err := b.version(d.ID)
		if err != nil {
			return err
		}
		if stored > d.Version {
			return nil // an older write: the newer one stays
		}
	}
	fields := map[string]any{
		fieldUsername: d.Username,
		fieldGrams:    d.Username,
		fieldVersion:  strconv.FormatInt(d.Version, 10),
	}
	if d.PictureURL != nil {
		fields[fieldPicture] = *d.PictureURL
	}
	if d.DisplayName != "" {
		fields[fieldName] = d.DisplayName
		fields[fieldNameGram] = d.DisplayName
	}
	if err := b.idx.Index(d.ID, fields); err != nil {
		return fmt.Errorf("search: index user %s: %w", d.ID, err)
	}
	return nil
}

// version returns the stored Version of id, 0 when id is not indexed.
func (b *Bleve) version(id string) (int64, error) {
	doc, err := b.idx.Document(id)
	if err != nil {
		return 0, fmt.Errorf("search: read user %s: %w", id, err)
	}
	if doc == nil {
		return 0, nil
	}
	var v int64
	doc.VisitFields(func(f index.Field) {
		if f.Name() == fieldVersion {
			v, _ = strconv.ParseInt(string(f.Value()), 10, 64)
		}
	})
	return v, nil
}

// Delete implements Index.
func (b *Bleve) Delete(ctx context.Context, id string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.idx.Delete(id); err != nil {
		return fmt.Errorf("search: delete user %s: %w", id, err)
	}
	return nil
}

// Search implements Index.
func (b *Bleve) Search(ctx context.Context, q string, limit int) ([]Doc, error) {
	if limit < 1 {
		return nil, errs.E(errs.Invalid, "search: limit must be at least 1, got %d", limit)
	}
	norm := Normalize(q)
	if norm == "" {
		return []Doc{}, nil
	}
	req := bleve.NewSearchRequestOptions(b.query(norm), limit, 0, false)
	req.Fields = []string{fieldUsername, fieldName, fieldPicture}
	res, err := b.idx.SearchInContext(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("search: query %q: %w", q, err)
	}
	hits := make([]Hit, 0, len(res.Hits))
	for _, h := range res.Hits {
		d := Doc{ID: h.ID}
		d.Username, _ = h.Fields[fieldUsername].(string)
		d.DisplayName, _ = h.Fields[fieldName].(string)
		if p, ok := h.Fields[fieldPicture].(string); ok {
			d.PictureURL = &p
		}
		hits = append(hits, Hit{Doc: d, Score: h.Score})
	}
	return Rank(norm, hits, limit), nil
}

// query builds: exact username term (boosted) OR username prefix
// (boosted) OR display name prefix (boosted less) OR at least MinGrams(n)
// of the query's n distinct trigrams in the username OR as many in the
// display name.
func (b *Bleve) query(norm string) query.Query {
	exact := bleve.NewTermQuery(norm)
	exact.SetField(fieldUsername)
	exact.SetBoost(boostExact)
	prefix := bleve.NewPrefixQuery(norm)
	prefix.SetField(fieldUsername)
	prefix.SetBoost(boostPrefix)
	namePrefix := bleve.NewPrefixQuery(norm)
	namePrefix.SetField(fieldName)
	namePrefix.SetBoost(boostNamePrefix)
	clauses := []query.Query{exact, prefix, namePrefix}

	var distinct []string
	seen := map[string]bool{}
	for _, tok := range b.grams.Analyze([]byte(norm)) {
		if g := string(tok.Term); !seen[g] {
			seen[g] = true
			distinct = append(distinct, g)
		}
	}
	if len(distinct) > 0 {
		for _, field := range []string{fieldGrams, fieldNameGram} {
			grams := make([]query.Query, len(distinct))
			for i, g := range distinct {
				t := bleve.NewTermQuery(g)
				t.SetField(field)
				grams[i] = t
			}
			dq := bleve.NewDisjunctionQuery(grams...)
			dq.SetMin(float64(MinGrams(len(grams))))
			clauses = append(clauses, dq)
		}
	}
	return bleve.NewDisjunctionQuery(clauses...)
}

// Ping implements Index: it fails once the index is closed.
func (b *Bleve) Ping(ctx context.Context) error {
	if _, err := b.idx.DocCount(); err != nil {
		return errs.Wrap(errs.Unavailable, err, "search index is not usable")
	}
	return nil
}

// Close implements Index. It waits for in-flight writes to be persisted.
func (b *Bleve) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.idx.Close(); err != nil {
		return fmt.Errorf("search: close bleve index: %w", err)
	}
	return nil
}
