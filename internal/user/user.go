package user

import (
	"net/mail"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/ids"
)

// Input limits (API.md "Conventions").
const (
	MinUsernameLen = 3
	MaxUsernameLen = 32
	MaxEmailLen    = 254 // bytes, the longest address SMTP carries (RFC 5321)
	MinPasswordLen = 8   // characters
	MaxPasswordLen = 128 // characters
	maxCodeLen     = 128 // longer codes cannot be ours; refused before hashing
	// MaxDisplayNameLen is the longest display name, in characters (code
	// points) after trimming (CONTRACT-13 "Display names").
	MaxDisplayNameLen = 64
)

// User is what anyone signed in may see of an account (API.md "User").
type User struct {
	ID       string `json:"id"`
	Username string `json:"username"`
	// DisplayName is the name the user chose to be shown by; omitted
	// when unset (clients show the username then).
	DisplayName string  `json:"displayName,omitempty"`
	PictureURL  *string `json:"pictureUrl"`
}

// Me is what the owner of an account sees of it (API.md "Me").
type Me struct {
	ID            string    `json:"id"`
	Username      string    `json:"username"`
	DisplayName   string    `json:"displayName,omitempty"`
	Email         string    `json:"email"`
	EmailVerified bool      `json:"emailVerified"`
	CreatedAt     time.Time `json:"createdAt"`
	PictureURL    *string   `json:"pictureUrl"`
}

// PictureURL is the public URL of version v of a user's picture. The
// version changes with every upload, so the URL of one version never
// changes content and may be cached for ever.
func PictureURL(userID string, v int64) string {
	return "/api/v1/users/" + userID + "/picture?v=" + strconv.FormatInt(v, 10)
}

// validUsername reports what is wrong with a username, or "".
func validUsername(s string) string {
	if len(s) < MinUsernameLen || len(s) > MaxUsernameLen {
		return "must be 3 to 32 characters"
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '_', c == '.', c == '-':
		default:
			return "may contain only letters, digits and _ . -"
		}
	}
	return ""
}

// usernameKey is the form in which usernames are unique: "Alice" and
// "alice" are the same name. Usernames are ASCII, so this is exact.
func usernameKey(s string) string { return strings.ToLower(s) }

// normalizeDisplayName checks a display name and returns the form it is
// stored in: trimmed of white space at both ends, "" meaning none. A name
// is at most MaxDisplayNameLen characters and holds no control or format
// characters (Unicode Cc; Cf other than the zero-width joiner that emoji
// sequences need), no private-use or surrogate code points (Co, Cs), no
// line breaks (also Zl, Zp), no U+FFFD (what a lone surrogate escape
// decodes to) and nothing that is not UTF-8, so it can be shown on one
// line anywhere without hiding what it says. It reports what is wrong
// otherwise.
func normalizeDisplayName(s string) (string, string) {
	if !utf8.ValidString(s) {
		return "", "must be valid UTF-8"
	}
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) > MaxDisplayNameLen {
		return "", "must be at most 64 characters"
	}
	for _, r := range s {
		switch {
		case r == '\u200d': // ZWJ, part of emoji sequences
		case unicode.In(r, unicode.Zl, unicode.Zp) || r == '\n' || r == '\r' || r == '\u0085':
			return "", "must be on one line"
		case unicode.In(r, unicode.Cc, unicode.Cf, unicode.Co, unicode.Cs) || r == utf8.RuneError:
			// JSON decodes a lone surrogate escape (\ud800) to U+FFFD.
			return "", "may not contain control, format, private-use or surrogate characters"
		}
	}
	return s, ""
}

// normalizeEmail checks an address and returns the form it is stored,
// compared and mailed in: trimmed and lower-case. It reports what is
// wrong with it otherwise. Only a bare address is accepted ("a@b.example",
// not "A <a@b.example>").
func normalizeEmail(s string) (string, string) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return "", "is required"
	case len(s) > MaxEmailLen:
		return "", "must be at most 254 characters"
	}
	addr, err := mail.ParseAddress(s)
	if err != nil || addr.Name != "" || addr.Address != s {
		return "", "is not a valid email address"
	}
	at := strings.LastIndexByte(s, '@')
	if at < 1 || at == len(s)-1 || strings.ContainsAny(s, "\r\n") {
		return "", "is not a valid email address"
	}
	// Lower-casing may lengthen a non-ASCII address or change how it
	// parses; the stored form must pass the same checks.
	lower := strings.ToLower(s)
	if addr, err := mail.ParseAddress(lower); len(lower) > MaxEmailLen || err != nil || addr.Address != lower {
		return "", "is not a valid email address"
	}
	return lower, ""
}

// validPassword reports what is wrong with a new password, or "".
func validPassword(s string) string {
	n := utf8.RuneCountInString(s)
	if n < MinPasswordLen || n > MaxPasswordLen {
		return "must be 8 to 128 characters"
	}
	return ""
}

// invalid builds one Invalid error from every field problem found, or
// returns nil when there is none.
func invalid(fields map[string]string) error {
	for k, v := range fields {
		if v == "" {
			delete(fields, k)
		}
	}
	if len(fields) == 0 {
		return nil
	}
	msg := "invalid input"
	if len(fields) == 1 {
		for k, v := range fields {
			msg = k + ": " + v
		}
	}
	return &errs.Error{Kind: errs.Invalid, Message: msg, Fields: fields}
}

// validID reports whether s is a user id in canonical form (handlers
// canonicalise ids with package ids). Anything else cannot name a user, so
// callers answer not found without a query.
func validID(s string) bool { return ids.Valid(s) }
