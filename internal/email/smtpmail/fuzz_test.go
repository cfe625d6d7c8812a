package smtpmail

import (
	"log/slog"
	"strings"
	"testing"

	"github.com/parleychat/parley/internal/platformtest"
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
			for _, p := range platformtest.SecretPieces(raw) {
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
