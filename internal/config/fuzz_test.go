package config

import (
	"strings"
	"testing"
)

// urlSecret returns the password a URL carries the way a reader would
// find it (between the first ':' of the authority and its last '@'),
// when it is long enough, and unique enough in raw, to look for in
// messages; else "".
func urlSecret(raw string) string {
	_, rest, ok := strings.Cut(raw, "://")
	if !ok {
		return ""
	}
	at := strings.LastIndex(rest, "@")
	if at < 0 {
		return ""
	}
	user, pass, ok := strings.Cut(rest[:at], ":")
	if !ok || strings.ContainsAny(user, "/?#") || len(pass) < 6 || strings.Count(raw, pass) != 1 {
		return ""
	}
	return pass
}

// FuzzURLs: any value of any URL setting (database, bus, store, registry,
// rate limit, mail, RPC addresses) is accepted or refused by Validate
// without a panic, and neither Validate's message nor Redact ever shows
// the password the value carries.
func FuzzURLs(f *testing.F) {
	var keys []string
	for _, fl := range Fields() {
		if len(fl.Schemes) > 0 {
			keys = append(keys, fl.Key)
		}
	}
	for i, s := range []string{
		"mysql://parley:s3cretpass@db:3306/parley_user?tls=true",
		"mysql://parley:s3cret%40pass@db/parley", "mysql://parley:s3cretpass@db host/parley",
		"redis://:s3cretpass@redis:6379/0?prefix=p.", "s3://AKIA:s3cretpass@bucket?endpoint=http://s3:9000&region=x",
		"s3://AKIA:s3cret/pass@bucket", "smtp://user:s3cretpass@mail:587?tls=starttls", "kafka://k1:9092,k2:9092?prefix=p.",
		"sqlite://{data}/user.db", "file://{data}/blobs", "bleve://{data}/search", "elasticsearch://es:9200",
		"mem://", "log://", "http://user:1", "%zz", "mysql://parley:s3cret\npass@db/x", "::", "mysql://u:p@[::1",
		"mysql://parley:s3cret pass@db/x",
	} {
		f.Add(uint8(i), s)
	}
	f.Fuzz(func(t *testing.T, k uint8, val string) {
		key := keys[int(k)%len(keys)]
		c := Default()
		if err := c.Set(key, val); err != nil {
			return
		}
		secret := urlSecret(val)
		err := c.Validate()
		if err != nil && secret != "" && strings.Contains(err.Error(), secret) {
			t.Fatalf("Validate shows the password of %s=%q: %v", key, val, err)
		}
		if secret != "" && strings.Contains(Redact(val), secret) {
			t.Fatalf("Redact(%q) = %q shows the password", val, Redact(val))
		}
	})
}
