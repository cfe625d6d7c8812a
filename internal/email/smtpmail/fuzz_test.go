package smtpmail

import (
	"log/slog"
	"net/url"
	"strings"
	"testing"
)

// FuzzOpen: any mail_url is read or refused without a panic (Open does
// not connect); a refusal never shows the password (as written,
// unescaped, or the part of it a parser quotes); an accepted URL never
// sends credentials in clear off the loopback interface.
func FuzzOpen(f *testing.F) {
	for _, s := range []string{
		"smtp://user:s3cretpass@mail.example.com:587?tls=starttls", "smtp://user:s3cretpass@mail.example.com?tls=none",
		"smtp://user:s3cretpass@127.0.0.1:2525?tls=none", "smtp://user:s3cret%2Fpass@mail:465?tls=tls",
		"smtp://user:s3cret pass@mail:587", "smtp://user:s3cret/pass@mail:587", "smtp://user:s3cretpass@mail:587?tls=bogus",
		"smtp://user:s3cretpass@mail:587?from=%3Cbad", "smtp://user:s3cretpass@mail:587?helo=a%20b", "smtp://mail/path",
		"smtp://user:s3cretpass@mail:587?timeout=-1s", "smtp://user:s3cretpass@[::1]:25?tls=none", "smtp://user:s3cretpass@mail:587?x=1",
		"smtp://user:s3cretXX/pass@mail:587",
	} {
		f.Add(s)
	}
	log := slog.New(slog.DiscardHandler)
	f.Fuzz(func(t *testing.T, raw string) {
		if strings.Contains(raw, "ca=") {
			return // reads a file named by the operator; not outside input
		}
		m, err := Open(raw, "Parley <no-reply@example.com>", log)
		if err != nil {
			for _, p := range secretPieces(raw) {
				if strings.Contains(err.Error(), p) {
					t.Fatalf("the refusal of %q shows %q: %v", raw, p, err)
				}
			}
			return
		}
		if m.password != "" && m.mode == TLSNone && !isLoopback(m.host) {
			t.Fatalf("%q sends credentials in clear to %s", raw, m.host)
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
