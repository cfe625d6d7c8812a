package sqlstore

import (
	"net/url"
	"strings"
	"testing"
)

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

// FuzzMySQLURL: any mysql:// URL is turned into a driver configuration or
// refused without a panic; a refusal never shows the password (as
// written or unescaped), and an accepted configuration always has
// Parley's fixed settings (UTC, no multi-statements, a dial timeout).
func FuzzMySQLURL(f *testing.F) {
	for _, s := range []string{
		"mysql://parley:s3cretpass@db:3306/parley_user", "mysql://parley:s3cretpass@db/parley?tls=true",
		"mysql://parley:s3cret%40pass@db/parley", "mysql://parley:s3cret pass@db/parley",
		"mysql://parley:s3cretpass@db:notaport/x", "mysql://parley:s3cretpass@/x", "mysql://:s3cretpass@db/x",
		"mysql://parley:s3cretpass@db/x?multiStatements=true&loc=Local", "mysql://parley:s3cretpass@db/x#frag",
		"mysql://parley:s3cretpass@db/x?timeout=zz", "mysql://parley:s3cretpass@[::1]:3306/x", "mysql://parley:s3cret%zzpass@db/x", "mysql://parley:s3cretXX/pass@db/x", "mysql://parley:s3cretXX?pass@db/x",
		"mysql://parley:s3cretpass@db/x?tls=skip-verify&readTimeout=1s", "mysql:parley", "sqlite://x",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		cfg, err := mysqlConfig(raw)
		if err != nil {
			for _, p := range secretPieces(raw) {
				if strings.Contains(err.Error(), p) {
					t.Fatalf("the refusal of %q shows the password %q: %v", raw, p, err)
				}
			}
			return
		}
		if cfg.Loc == nil || cfg.Loc.String() != "UTC" || cfg.MultiStatements || !cfg.ParseTime || cfg.Timeout <= 0 || cfg.Net != "tcp" {
			t.Fatalf("%q gave a configuration without the fixed settings: %+v", raw, cfg)
		}
	})
}
