// Package ids parses and canonicalises the identifiers that reach Parley
// from outside: path segments, query parameters, JSON bodies, WebSocket
// frames and events. Every id in Parley is a UUID (v7 for what Parley
// creates) and is stored, compared, keyed and published in one spelling
// only: 36 characters, 8-4-4-4-12 lower-case hex digits. Handlers run
// every id they receive through Canonical at the edge, so that no other
// spelling can reach a query (where a case-insensitive collation would
// match it), an event, a map key or a blob key.
//
// It is a leaf package (standard library only), used by every role.
package ids

// Len is the length of an id in canonical form.
const Len = 36

// Canonical returns the canonical form of s and true when s is a UUID
// spelled as 8-4-4-4-12 hexadecimal digits, in any case; anything else
// (braces, a urn:uuid: prefix, no dashes, other lengths, non-ASCII) is
// "", false. It allocates only when s needs lower-casing.
func Canonical(s string) (string, bool) {
	if len(s) != Len {
		return "", false
	}
	upper := false
	for i := 0; i < Len; i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return "", false
			}
			continue
		}
		switch {
		case '0' <= c && c <= '9', 'a' <= c && c <= 'f':
		case 'A' <= c && c <= 'F':
			upper = true
		default:
			return "", false
		}
	}
	if !upper {
		return s, true
	}
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'F' {
			b[i] = c + ('a' - 'A')
		}
	}
	return string(b), true
}

// Valid reports whether s is an id already in canonical form.
func Valid(s string) bool {
	c, ok := Canonical(s)
	return ok && c == s
}
