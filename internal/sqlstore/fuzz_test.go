package sqlstore

import (
	"strings"
	"testing"

	"github.com/parleychat/parley/internal/platformtest"
)

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
			for _, p := range platformtest.SecretPieces(raw) {
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
