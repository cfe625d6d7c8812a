package s3blob

import (
	"net/url"
	"strings"
	"testing"
)

// FuzzParseURL: any s3:// URL is read or refused without a panic; neither
// the refusal nor Redacted ever shows the secret key (as written,
// unescaped, or the part of it a parser quotes); an accepted URL names a
// bucket, and an endpoint only when it is an http(s) URL.
func FuzzParseURL(f *testing.F) {
	for _, s := range []string{
		"s3://AKIA:s3cretkey@bucket?endpoint=http://s3:9000&region=eu-west-1&path_style=true&create=true",
		"s3://bucket", "s3://AKIA:s3cret%2Fkey@bucket", "s3://AKIA:s3cret/key@bucket", "s3://AKIA:s3cret key@bucket",
		"s3://AKIA:s3cretkey@bucket?endpoint=ftp://x", "s3://AKIA:s3cretkey@bucket?region=a&region=b",
		"s3://AKIA:s3cretkey@bucket/path", "s3://:s3cretkey@bucket", "s3://AKIA:s3cretkey@bucket?path_style=maybe",
		"s3://AKIA:s3cretkey@bucket?%zz", "s3://AKIA:s3cretkey@bu cket", "http://AKIA:s3cretkey@bucket",
		"s3://AKIA:s3cretXX/key@bucket", "s3://AKIA:s3cretXX?key@bucket",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		secrets := secretPieces(raw)
		leaks := func(s string) string {
			for _, p := range secrets {
				if strings.Contains(s, p) {
					return p
				}
			}
			return ""
		}
		if p := leaks(Redacted(raw)); p != "" {
			t.Fatalf("Redacted(%q) = %q shows %q", raw, Redacted(raw), p)
		}
		o, err := parseURL(raw)
		if err != nil {
			if p := leaks(err.Error()); p != "" {
				t.Fatalf("the refusal of %q shows %q: %v", raw, p, err)
			}
			return
		}
		if o.bucket == "" {
			t.Fatalf("%q accepted without a bucket", raw)
		}
		if ep := strings.ToLower(o.endpoint); ep != "" && !strings.HasPrefix(ep, "http://") && !strings.HasPrefix(ep, "https://") {
			t.Fatalf("%q accepted endpoint %q", raw, o.endpoint)
		}
	})
}

// secretPieces returns the password a URL carries the way a reader would
// find it (between the first ':' after "://" and the last '@'), its
// unescaped form, and every run of it between reserved characters (what
// a parser quotes when it stops at one): each at least 6 bytes long and
// found only once in raw, so that finding one in a message is a leak.
func secretPieces(raw string) []string {
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
