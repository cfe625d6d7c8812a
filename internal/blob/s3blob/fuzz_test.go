package s3blob

import (
	"strings"
	"testing"

	"github.com/parleychat/parley/internal/platformtest"
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
		secrets := platformtest.SecretPieces(raw)
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
