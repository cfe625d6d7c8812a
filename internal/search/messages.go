package search

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"

	"github.com/parleychat/parley/internal/errs"
)

// MessageDoc is one message as the message index holds it: what the
// search role learned from the messages topic. Only live messages are
// returned by searches; deleted ones are kept as tombstones that match
// nothing.
type MessageDoc struct {
	ID        string
	GroupID   string
	Seq       int64
	AuthorID  string
	CreatedAt time.Time
	Text      string
	// Files are the names of the message's attachments; they are matched
	// like the text.
	Files []string
	// Version orders the writes of one message (see MessageVersion):
	// PutMessage ignores a document whose Version is lower than the one
	// stored, and a deleted message's tombstone outranks every version.
	Version int64
}

// SortKey is the order of search results, newest first, and the paging
// cursor: the creation time in microseconds since the Unix epoch,
// zero-padded to 19 digits, then "-" and the message id. It sorts the
// same as a string and as (time, id), so it is a stable cursor: a page
// "before" a key never repeats or skips a message that existed when the
// first page was read.
func (d MessageDoc) SortKey() string {
	return fmt.Sprintf("%019d-%s", max(0, d.CreatedAt.UnixMicro()), d.ID)
}

// cursorPattern is what a SortKey looks like; `before` must match it.
var cursorPattern = regexp.MustCompile(`^[0-9]{19}-[A-Za-z0-9_-]{1,64}$`)

// Version ranks of MessageVersion: an edit always outranks the creation
// (whatever the clocks of the message role's instances say), and a
// deletion outranks both.
const (
	rankCreated = 0
	rankEdited  = 1
	rankDeleted = 2
	rankShift   = 56 // microseconds since 1970 need 51 bits
)

// MessageVersion is the version of a message written by an event:
// message.created gives (created, createdAt), message.updated (edited,
// editedAt), message.deleted (deleted). Versions order by rank first, so
// a redelivered creation never undoes an edit, and nothing undoes a
// deletion. The result stays below 2^59, well inside what Elasticsearch
// accepts as an external version.
func MessageVersion(rank int, at time.Time) int64 {
	us := max(0, at.UnixMicro())
	us = min(us, 1<<rankShift-1)
	return int64(rank)<<rankShift | us
}

// VersionCreated, VersionEdited and VersionDeleted are MessageVersion
// for each kind of event.
func VersionCreated(createdAt time.Time) int64 { return MessageVersion(rankCreated, createdAt) }
func VersionEdited(editedAt time.Time) int64   { return MessageVersion(rankEdited, editedAt) }

// VersionDeleted is the version of a tombstone: higher than any other.
const VersionDeleted = int64(rankDeleted)<<rankShift | (1<<rankShift - 1)

// MessageQuery is a search of the message index.
type MessageQuery struct {
	// Terms are the query's words as QueryTerms returns them (lower-cased,
	// distinct, at least one). A message matches when every term matches a
	// word of its text or of an attachment's name: the same word, or, for
	// a term of MinPrefixLen characters or more, a word that starts with
	// it.
	Terms []string
	// GroupIDs are the only groups whose messages may be returned. An
	// empty list matches nothing.
	GroupIDs []string
	// Before, when not empty, is a SortKey: only messages that sort
	// after it (older) are returned.
	Before string
	// Limit is the most documents returned (at least 1).
	Limit int
}

// MessageIndex is the message index port. Implementations: BleveMessages
// in this package (the embedded default) and esindex.Messages.
//
// Every write is idempotent and safe out of order: PutMessage is
// versioned, DeleteMessage leaves a tombstone that no later PutMessage
// of that message overrides, and DeleteGroup leaves a tombstone of the
// group that keeps any later PutMessage of its messages out of
// searches.
type MessageIndex interface {
	// PutMessage writes d unless the stored document of d.ID has a
	// higher Version or is a tombstone, or d's group was deleted.
	PutMessage(ctx context.Context, d MessageDoc) error
	// DeleteMessage replaces the message with a tombstone: it is never
	// returned again, whatever is written later. Deleting an unknown id
	// leaves the tombstone too (the creation may come later).
	DeleteMessage(ctx context.Context, groupID, id string) error
	// DeleteGroup removes every message of the group and keeps it from
	// taking new ones.
	DeleteGroup(ctx context.Context, groupID string) error
	// HideMessage records that userID hid the message for themselves
	// ("delete for me"); Hidden reports it. Recording it twice is
	// harmless; a deleted group's records go with it.
	HideMessage(ctx context.Context, userID, groupID, id string) error
	// Hidden returns which of ids userID hid (at most MaxMessageLimit+1
	// ids: the service asks about one page at a time).
	Hidden(ctx context.Context, userID string, ids []string) (map[string]bool, error)
	// SearchMessages returns at most q.Limit matching live messages of
	// q.GroupIDs, newest first (by SortKey, descending), older than
	// q.Before when set. Documents carry no Version.
	SearchMessages(ctx context.Context, q MessageQuery) ([]MessageDoc, error)
	// Ping reports whether the index is usable (for /readyz).
	Ping(ctx context.Context) error
	// Close releases the index. Calls after Close fail.
	Close() error
}

// MessageBatchWriter is what a MessageIndex may also do: write many
// documents at once, with PutMessage's rules applied to each in turn
// (BleveMessages: one batch, one disk sync). The search role uses it for
// the run of message.created events a partition has waiting; without it,
// it calls PutMessage for each.
type MessageBatchWriter interface {
	PutMessages(ctx context.Context, docs []MessageDoc) error
}

// Message search bounds (API.md; SECURITY.md "Limits").
const (
	// MaxMessageQueryLen is the most characters of q, after trimming.
	MaxMessageQueryLen = 200
	// MaxQueryTerms is the most distinct words q may hold: each is one
	// clause of the query, so this bounds the work one search costs.
	MaxQueryTerms = 16
	// MinPrefixLen is the shortest term matched as a prefix: shorter
	// ones match whole words only, so that "a" does not expand to every
	// word of the index.
	MinPrefixLen = 3
	// DefaultMessageLimit and MaxMessageLimit bound a page.
	DefaultMessageLimit = 20
	MaxMessageLimit     = 50
	// SnippetLen is the most characters of a result's snippet.
	SnippetLen = 160
	// maxTermLen is the most characters of one term; longer words
	// cannot be in the index's vocabulary in any useful way and would
	// only cost.
	maxTermLen = 64
)

// wordAnalyzer splits text into lower-cased words (Unicode text
// segmentation, UAX #29: what Elasticsearch's standard tokenizer does).
// The index, the query and the highlighter use it alike.
var wordAnalyzer = &analysis.DefaultAnalyzer{
	Tokenizer:    unicode.NewUnicodeTokenizer(),
	TokenFilters: []analysis.TokenFilter{lowercase.NewLowerCaseFilter()},
}

// QueryTerms validates a message query and returns its distinct
// lower-cased words, in order. q is trimmed; it must then be valid UTF-8
// of 1 to MaxMessageQueryLen characters holding 1 to MaxQueryTerms
// distinct words of at most 64 characters. Violations are errs.Invalid
// errors on the field "q".
func QueryTerms(q string) ([]string, error) {
	q = strings.TrimSpace(q)
	switch n := utf8.RuneCountInString(q); {
	case !utf8.ValidString(q):
		return nil, errs.Field("q", "must be valid UTF-8")
	case n == 0:
		return nil, errs.Field("q", "must not be empty")
	case n > MaxMessageQueryLen:
		return nil, errs.Field("q", fmt.Sprintf("must be at most %d characters", MaxMessageQueryLen))
	}
	var terms []string
	seen := map[string]bool{}
	for _, tok := range wordAnalyzer.Analyze([]byte(q)) {
		w := string(tok.Term)
		if seen[w] {
			continue
		}
		if utf8.RuneCountInString(w) > maxTermLen {
			return nil, errs.Field("q", fmt.Sprintf("words must be at most %d characters", maxTermLen))
		}
		seen[w] = true
		terms = append(terms, w)
	}
	switch {
	case len(terms) == 0:
		return nil, errs.Field("q", "must contain a word (letters or digits)")
	case len(terms) > MaxQueryTerms:
		return nil, errs.Field("q", fmt.Sprintf("must hold at most %d different words", MaxQueryTerms))
	}
	return terms, nil
}

// ValidCursor reports whether before is a cursor a page could have
// returned (see MessageDoc.SortKey).
func ValidCursor(before string) bool { return cursorPattern.MatchString(before) }

// IsPrefixTerm reports whether a query term matches words that start with
// it (MinPrefixLen characters or more) or only the same word.
func IsPrefixTerm(term string) bool { return utf8.RuneCountInString(term) >= MinPrefixLen }

// Content is what the index analyses for a message: its text and its
// attachments' names (see fileWords), one per line.
func Content(d MessageDoc) string {
	if len(d.Files) == 0 {
		return d.Text
	}
	names := make([]string, len(d.Files))
	for i, f := range d.Files {
		names[i] = fileWords(f)
	}
	return d.Text + "\n" + strings.Join(names, "\n")
}

// fileWords makes separate words of a file name's parts: ".", "_" and "-"
// become spaces, one character for one, so that "q3-Budget.xlsx" is
// found by "budget" and by "xlsx" (word segmentation alone keeps
// "budget.xlsx" whole) and offsets in it are offsets in the name.
var fileWords = strings.NewReplacer(".", " ", "_", " ", "-", " ").Replace

// wordMatches reports whether word (lower-cased) matches one of terms.
func wordMatches(word string, terms []string) bool {
	for _, t := range terms {
		if word == t || (IsPrefixTerm(t) && strings.HasPrefix(word, t)) {
			return true
		}
	}
	return false
}

// Snippet cuts a message's text (or, when only an attachment's name
// matched, that name) to at most SnippetLen characters around its first
// match, with "…" where it was cut, and returns the [start, end) offsets,
// in characters (Unicode code points) of the snippet, of every matching
// word within it. It never returns markup: the client marks the ranges.
func Snippet(d MessageDoc, terms []string) (string, [][2]int) {
	src := d.Text
	spans := matchSpans(src, terms)
	if len(spans) == 0 {
		for _, f := range d.Files {
			if s := matchSpans(fileWords(f), terms); len(s) > 0 {
				src, spans = f, s
				break
			}
		}
	}
	runes := []rune(src)
	start, end := 0, len(runes)
	if end > SnippetLen {
		// Some context before the first match, the rest after it.
		first := 0
		if len(spans) > 0 {
			first = spans[0][0]
		}
		start = max(0, first-SnippetLen/4)
		// Start at a word: skip forward to just after a space when one
		// is near.
		if start > 0 {
			for i := start; i < first && i < start+15; i++ {
				if runes[i] == ' ' || runes[i] == '\n' {
					start = i + 1
					break
				}
			}
		}
		end = min(len(runes), start+SnippetLen-2) // room for the ellipses
	}
	var b strings.Builder
	shift := -start
	if start > 0 {
		b.WriteRune('…')
		shift++
	}
	b.WriteString(string(runes[start:end]))
	if end < len(runes) {
		b.WriteRune('…')
	}
	hl := [][2]int{}
	for _, s := range spans {
		if s[0] >= start && s[1] <= end {
			hl = append(hl, [2]int{s[0] + shift, s[1] + shift})
		}
	}
	return b.String(), hl
}

// matchSpans returns the [start, end) rune offsets in s of the words that
// match terms, in order.
func matchSpans(s string, terms []string) [][2]int {
	var spans [][2]int
	// Token offsets are in bytes; convert them by counting runes once.
	byteToRune := func() func(int) int {
		pos, runes := 0, 0
		return func(b int) int {
			runes += utf8.RuneCountInString(s[pos:b])
			pos = b
			return runes
		}
	}()
	for _, tok := range wordAnalyzer.Analyze([]byte(s)) {
		if !wordMatches(string(tok.Term), terms) {
			continue
		}
		a := byteToRune(tok.Start)
		z := byteToRune(tok.End)
		spans = append(spans, [2]int{a, z})
	}
	return spans
}
