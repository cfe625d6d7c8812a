package platformtest

import (
	"net/url"
	"strings"
)

// SecretPieces returns the password a URL carries the way a reader would
// find it (between the first ':' after "://" and the last '@'), its
// unescaped form, and every run of it between reserved characters (what
// a parser quotes when it stops at one): each at least 6 bytes long and
// found only once in raw, so that finding one in a message is a leak.
func SecretPieces(raw string) []string {
	_, rest, ok := strings.Cut(raw, "://")
	if !ok {
		return nil
	}
	at := strings.LastIndex(rest, "@")
	if at < 0 {
		return nil
	}
	user, pass, ok := strings.Cut(rest[:at], ":")
	if !ok || strings.ContainsAny(user, "/?#") || strings.Contains(pass, "@") {
		return nil // no user info (the ':' is in a path, query or fragment), or no telling where it ends
	}
	cands := []string{pass}
	if p, err := url.PathUnescape(pass); err == nil {
		cands = append(cands, p)
	}
	cands = append(cands, strings.FieldsFunc(pass, func(r rune) bool { return strings.ContainsRune("/?#@ :[]", r) })...)
	var out []string
	for _, c := range cands {
		if len(c) >= 6 && strings.Count(raw, c) == 1 {
			out = append(out, c)
		}
	}
	return out
}
