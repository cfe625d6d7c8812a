package search

import (
	"cmp"
	"context"
	"slices"
	"strings"
)

// Doc is one user as the index holds it: only verified users are ever
// written, so everything in the index may be shown to any signed-in user.
type Doc struct {
	ID       string
	Username string
	// DisplayName is the name the user chose to be shown by, "" for none.
	// It is matched like the username (prefix and trigrams) but ranks
	// below username matches.
	DisplayName string
	PictureURL  *string
	// Version orders writes of the same ID: Upsert ignores a Doc whose
	// Version is lower than the one already stored, so a late, older
	// event cannot undo a newer one. The service uses the event's
	// OccurredAt in Unix nanoseconds. Zero means unversioned: such a Doc
	// is always written. Search results carry no Version (zero).
	Version int64
}

// Index is the user index port. Implementations: Bleve in this package
// (bleve://, the embedded default) and esindex (elasticsearch://).
//
// Every implementation matches and ranks the same way (see the package
// documentation for the exact rules): a user matches a query when the
// username or the display name starts with the lower-cased query, or
// when either contains at least MinGrams(n) of the n distinct trigrams of
// the query. Results are ranked exact username match first, then
// username prefix matches, then display name prefix matches, then
// trigram matches.
type Index interface {
	// Upsert writes d under d.ID, replacing any earlier document with that
	// ID, unless the stored document has a higher Version. Writing the
	// same Doc twice is harmless. A successful Upsert is visible to the
	// next Search.
	Upsert(ctx context.Context, d Doc) error
	// Delete removes the document with this id; deleting an id that is
	// not there is not an error.
	Delete(ctx context.Context, id string) error
	// Search returns at most limit documents matching q, best first. An
	// empty (or all-space) q matches nothing. A limit below 1 is an
	// errs.Invalid error.
	Search(ctx context.Context, q string, limit int) ([]Doc, error)
	// Ping reports whether the index is usable (for /readyz).
	Ping(ctx context.Context) error
	// Close releases the index. Calls after Close fail.
	Close() error
}

// MinGramsPercent is the share of a query's trigrams a username must
// contain to match on trigrams alone: Elasticsearch's
// minimum_should_match "60%", as the seed used.
const MinGramsPercent = 60

// MinGrams is how many of a query's n trigrams a username must contain:
// ⌊n·60/100⌋, but at least 1 — what Elasticsearch computes for
// minimum_should_match "60%" on a match query.
func MinGrams(n int) int {
	return max(1, n*MinGramsPercent/100)
}

// Normalize is the form of a query that prefix and exact matching
// compare against the lower-cased username and display name: trimmed and
// lower-cased.
func Normalize(q string) string {
	return strings.ToLower(strings.TrimSpace(q))
}

// Match tiers, best first.
const (
	tierGrams = iota
	tierNamePrefix
	tierPrefix
	tierExact
)

func tier(q string, d Doc) int {
	u := strings.ToLower(d.Username)
	switch {
	case u == q:
		return tierExact
	case strings.HasPrefix(u, q):
		return tierPrefix
	case d.DisplayName != "" && strings.HasPrefix(strings.ToLower(d.DisplayName), q):
		return tierNamePrefix
	default:
		return tierGrams
	}
}

// Hit is a matching document with the engine's relevance score. Adapters
// hand their hits to Rank.
type Hit struct {
	Doc
	Score float64
}

// Rank orders hits for q the same way in every adapter and keeps the
// first limit: exact username matches (case-insensitive) first, then
// username prefix matches, then display name prefix matches, then
// trigram-only matches (of either); within a tier by the engine's score
// (higher first), then shorter username, then username, then ID.
// Engines boost exact and prefix matches so that they come back within
// the limit; Rank makes the final order independent of their scoring.
func Rank(q string, hits []Hit, limit int) []Doc {
	q = Normalize(q)
	type ranked struct {
		Hit
		tier int
	}
	rs := make([]ranked, len(hits))
	for i, h := range hits {
		rs[i] = ranked{h, tier(q, h.Doc)}
	}
	slices.SortStableFunc(rs, func(a, b ranked) int {
		return cmp.Or(
			cmp.Compare(b.tier, a.tier),
			cmp.Compare(b.Score, a.Score),
			cmp.Compare(len(a.Username), len(b.Username)),
			cmp.Compare(a.Username, b.Username),
			cmp.Compare(a.ID, b.ID),
		)
	})
	if limit >= 0 && len(rs) > limit {
		rs = rs[:limit]
	}
	docs := make([]Doc, len(rs))
	for i, r := range rs {
		docs[i] = r.Doc
		docs[i].Version = 0
	}
	return docs
}
