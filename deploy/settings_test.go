package deploy

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/parleychat/parley/internal/config"
	"github.com/parleychat/parley/internal/node"
)

// knownEnv is every PARLEY_* variable the binary reads.
func knownEnv() map[string]bool {
	out := map[string]bool{"PARLEY_CONFIG": true}
	for _, f := range config.Fields() {
		out[f.Env] = true
	}
	return out
}

// samples stand in for the ${VAR} of the compose files when their
// settings are checked: what an operator's .env would hold.
var samples = map[string]string{
	"PUBLIC_IP":           "192.0.2.10",
	"INTERNAL_SECRET":     "sample-internal-secret-0123456789",
	"MYSQL_PASSWORD":      "sample",
	"MYSQL_ROOT_PASSWORD": "sample",
	"MINIO_PASSWORD":      "sample",
	"TURN_SECRET":         "sample",
	"PARLEY_VERSION":      "dev",
}

var varRE = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}`)

// interpolate replaces ${VAR}, ${VAR:-default} and ${VAR:?message} as
// docker compose does, with samples for the variables.
func interpolate(t *testing.T, s string) string {
	t.Helper()
	return varRE.ReplaceAllStringFunc(s, func(m string) string {
		p := varRE.FindStringSubmatch(m)
		if v, ok := samples[p[1]]; ok {
			return v
		}
		if strings.HasSuffix(p[2], "-") {
			return p[3]
		}
		t.Errorf("%s: no sample value for ${%s}", m, p[1])
		return ""
	})
}

// checkSettings checks one process's PARLEY_* environment as the binary
// would at start: every variable is a setting, and the values load and
// validate (URLs and their schemes, roles, secrets, addresses). It returns
// the configuration and the roles the process runs.
func checkSettings(t *testing.T, where string, env map[string]string) (*config.Config, []string) {
	t.Helper()
	known := knownEnv()
	var unknown []string
	for k := range env {
		if strings.HasPrefix(k, "PARLEY_") && !known[k] {
			unknown = append(unknown, k)
		}
	}
	sort.Strings(unknown)
	if len(unknown) > 0 {
		t.Errorf("%s: Parley refuses to start with unknown variables %s", where, strings.Join(unknown, ", "))
	}
	cfg, _, err := config.Load(nil, func(k string) string { return env[k] })
	if err != nil {
		t.Errorf("%s: %v", where, err)
		return nil, nil
	}
	roles, err := config.ParseRoles(cfg.Roles)
	if err != nil {
		t.Errorf("%s: %v", where, err)
	}
	if slices.Contains(roles, "all") {
		roles = node.Implemented()
	}
	return cfg, roles
}

// checkDistributed fails unless a process of a split deployment uses the
// shared adapters: with the embedded defaults (memory bus, SQLite, local
// files…) each process would live in a world of its own.
func checkDistributed(t *testing.T, where string, cfg *config.Config) {
	t.Helper()
	want := map[string]string{
		"events_url": "kafka", "blob_url": "s3", "token_store_url": "redis", "ratelimit_url": "redis",
		"registry_url": "redis", "user.database_url": "mysql", "group.database_url": "mysql",
		"message.database_url": "mysql", "search_url": "elasticsearch", "mail_url": "smtp",
	}
	for key, scheme := range want {
		if v := cfg.Get(key); !strings.HasPrefix(v, scheme+"://") {
			t.Errorf("%s: %s is %q, want %s:// (shared by every process)", where, key, config.Redact(v), scheme)
		}
	}
	if cfg.InternalSecret == "" {
		t.Errorf("%s: no internal_secret: roles in other processes cannot call this one", where)
	}
	for _, key := range []string{"user_url", "token_url", "email_url", "group_url", "message_url"} {
		if cfg.Get(key) == "" {
			t.Errorf("%s: %s is empty: the role is not in this process", where, key)
		}
	}
}

// checkRoles fails unless every role the binary implements runs somewhere.
func checkRoles(t *testing.T, where string, running map[string][]string) {
	t.Helper()
	for _, r := range node.Implemented() {
		if len(running[r]) == 0 {
			t.Errorf("%s: no process runs the %s role", where, r)
		}
	}
}

func fmtList(m map[string][]string) string {
	var out []string
	for k, v := range m {
		out = append(out, fmt.Sprintf("%s=%v", k, v))
	}
	sort.Strings(out)
	return strings.Join(out, " ")
}
