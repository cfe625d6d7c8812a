// Package messagerule holds the rules a submitted message follows, shared
// by every edge that takes one: the message role's REST endpoint and the
// chat WebSocket (role ws), which checks a frame before it publishes it.
// One rule in one place means a message one edge accepts is never refused
// later for its shape (issue 12 defect 12: clientMsgId was counted in
// characters by ws and in bytes by the message role).
//
// It is a leaf package (standard library only).
package messagerule

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits (API.md "Conventions"). Lengths count characters (Unicode code
// points), as JSON Schema's maxLength in api/openapi.yaml and MySQL's
// VARCHAR do.
const (
	MaxTextLen        = 4000
	MaxAttachments    = 10
	MaxClientMsgIDLen = 64
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
	case !utf8.ValidString(text):
		return &Problem{"text", "must be valid UTF-8"}
	case utf8.RuneCountInString(text) > MaxTextLen:
		return &Problem{"text", "must be at most 4000 characters"}
	case len(keys) > MaxAttachments:
		return &Problem{"attachments", "at most 10 attachments"}
	case strings.TrimSpace(text) == "" && len(keys) == 0:
		return &Problem{"text", "must not be empty without attachments"}
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
