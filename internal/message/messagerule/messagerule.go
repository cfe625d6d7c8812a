// Package messagerule holds the rules a submitted message follows, shared
// by every edge that takes one: the message role's REST endpoint and the
// chat WebSocket (role ws), which checks a frame before it publishes it.
// One rule in one place means a message one edge accepts is never refused
// later for its shape (issue 12 defect 12: clientMsgId was counted in
// characters by ws and in bytes by the message role).
//
// It also holds the shape rules of a reply and of mentions (CheckRefs),
// of an edit's text (CheckText) and of a reaction's emoji (Emoji).
//
// It is a leaf package (the standard library and package ids only).
package messagerule

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/parleychat/parley/internal/ids"
)

// Limits (API.md "Conventions"). Lengths count characters (Unicode code
// points), as JSON Schema's maxLength in api/openapi.yaml and MySQL's
// VARCHAR do.
const (
	MaxTextLen        = 4000
	MaxAttachments    = 10
	MaxClientMsgIDLen = 64
	// MaxMentions is how many user ids one message may mention.
	MaxMentions = 50
)

// Problem is what is wrong with a submission: the field and why.
type Problem struct {
	Field, Why string
}

// Check returns what is wrong with a message's clientMsgId, text and
// attachment keys, or nil when nothing is:
//   - clientMsgId: 1 to 64 characters of valid UTF-8 without control
//     characters;
//   - text: valid UTF-8, at most 4000 characters, not blank unless the
//     message has an attachment;
//   - attachments: at most 10, each with a key, no key twice.
func Check(clientMsgID, text string, keys []string) *Problem {
	n := utf8.RuneCountInString(clientMsgID)
	switch {
	case n < 1 || n > MaxClientMsgIDLen || !utf8.ValidString(clientMsgID) || strings.IndexFunc(clientMsgID, unicode.IsControl) >= 0:
		return &Problem{"clientMsgId", "must be 1 to 64 characters, without control characters"}
	case len(keys) > MaxAttachments:
		return &Problem{"attachments", "at most 10 attachments"}
	}
	if p := CheckText(text, len(keys) > 0); p != nil {
		return p
	}
	seen := make(map[string]bool, len(keys))
	for _, k := range keys {
		if k == "" {
			return &Problem{"attachments", "every attachment needs a key"}
		}
		if seen[k] {
			return &Problem{"attachments", "the same file is attached twice"}
		}
		seen[k] = true
	}
	return nil
}

// CheckText returns what is wrong with a message's text, or nil: valid
// UTF-8, at most 4000 characters, not blank unless the message has an
// attachment (hasFiles). A send and an edit follow the same rule.
func CheckText(text string, hasFiles bool) *Problem {
	switch {
	case !utf8.ValidString(text):
		return &Problem{"text", "must be valid UTF-8"}
	case utf8.RuneCountInString(text) > MaxTextLen:
		return &Problem{"text", "must be at most 4000 characters"}
	case strings.TrimSpace(text) == "" && !hasFiles:
		return &Problem{"text", "must not be empty without attachments"}
	}
	return nil
}

// CanonicalRefs returns replyToID and mentions in canonical form (package
// ids: an id in capitals is that id), or what is wrong with them: a
// replyToID or a mention that is no id, or more than MaxMentions
// mentions. The edges (REST, WebSocket) call it before anything else.
func CanonicalRefs(replyToID string, mentions []string) (string, []string, *Problem) {
	if len(mentions) > MaxMentions {
		return "", nil, &Problem{"mentions", "at most 50 mentions"}
	}
	if replyToID != "" {
		c, ok := ids.Canonical(replyToID)
		if !ok {
			return "", nil, &Problem{"replyToId", "must be a message id"}
		}
		replyToID = c
	}
	var out []string
	if mentions != nil {
		out = make([]string, len(mentions))
	}
	for i, id := range mentions {
		c, ok := ids.Canonical(id)
		if !ok {
			return "", nil, &Problem{"mentions", "every mention must be a user id"}
		}
		out[i] = c
	}
	return replyToID, out, nil
}

// CheckRefs returns what is wrong with the ids a message refers to, or
// nil: replyToID is empty or an id in canonical form; mentions are at most
// MaxMentions ids in canonical form (CanonicalRefs makes them so). Whether
// they name a message of the group and members of it is the message
// role's to check.
func CheckRefs(replyToID string, mentions []string) *Problem {
	if replyToID != "" && !ids.Valid(replyToID) {
		return &Problem{"replyToId", "must be a message id"}
	}
	if len(mentions) > MaxMentions {
		return &Problem{"mentions", "at most 50 mentions"}
	}
	for _, id := range mentions {
		if !ids.Valid(id) {
			return &Problem{"mentions", "every mention must be a user id"}
		}
	}
	return nil
}
