package config

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the README's configuration reference")

func fakeEnv(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestDefaultsAreTheEmbeddedMode(t *testing.T) {
	c, rest, err := Load(nil, fakeEnv(nil))
	if err != nil {
		t.Fatal(err)
	}
	if len(rest) != 0 {
		t.Fatalf("rest = %v", rest)
	}
	want := map[string]string{
		"roles":                "all",
		"addr":                 ":8080",
		"events_url":           "mem://",
		"blob_url":             "file://data/blobs",
		"user.database_url":    "sqlite://data/user.db",
		"message.database_url": "sqlite://data/message.db",
		"token_store_url":      "sqlite://data/token.db",
		"search_url":           "bleve://data/search",
		"mail_url":             "log://",
		"registry_url":         "mem://",
		"shutdown_timeout":     "15s",
	}
	for k, v := range want {
		if got := c.Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
}

func TestPrecedenceIsYAMLThenEnvThenFlags(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "parley.yaml")
	yaml := "addr: ':7000'\nevents_url: kafka://yaml:9092\nuser:\n  database_url: mysql://u:p@db:3306/parley_user\nlog:\n  level: debug\n"
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	env := fakeEnv(map[string]string{"PARLEY_CONFIG": path, "PARLEY_EVENTS_URL": "kafka://env:9092", "PARLEY_DATA_DIR": "/var/parley"})
	c, rest, err := Load([]string{"--addr", ":9000", "extra"}, env)
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != ":9000" {
		t.Errorf("flag should win: addr = %q", c.Addr)
	}
	if c.EventsURL != "kafka://env:9092" {
		t.Errorf("env should beat YAML: events_url = %q", c.EventsURL)
	}
	if c.UserDatabaseURL != "mysql://u:p@db:3306/parley_user" || c.LogLevel != "debug" {
		t.Errorf("nested YAML keys not read: %q %q", c.UserDatabaseURL, c.LogLevel)
	}
	if c.GroupDatabaseURL != "sqlite:///var/parley/group.db" {
		t.Errorf("data dir not applied to defaults: %q", c.GroupDatabaseURL)
	}
	if len(rest) != 1 || rest[0] != "extra" {
		t.Errorf("rest = %v", rest)
	}
}

func TestBadInputFailsNamingTheKey(t *testing.T) {
	dir := t.TempDir()
	unknownYAML := filepath.Join(dir, "u.yaml")
	os.WriteFile(unknownYAML, []byte("adress: ':1'\nuser:\n  databse_url: x\n"), 0o600)
	cases := []struct {
		name string
		args []string
		env  map[string]string
		want []string
	}{
		{"unknown scheme", nil, map[string]string{"PARLEY_EVENTS_URL": "bogus://x"}, []string{"events_url", "PARLEY_EVENTS_URL", "bogus", "mem, kafka"}},
		{"not a URL", nil, map[string]string{"PARLEY_BLOB_URL": "just-a-path"}, []string{"blob_url", "file, s3"}},
		{"unknown YAML keys", nil, map[string]string{"PARLEY_CONFIG": unknownYAML}, []string{"adress", "user.databse_url"}},
		{"unknown flag", []string{"--bogus"}, nil, []string{"bogus"}},
		{"bad duration", nil, map[string]string{"PARLEY_SHUTDOWN_TIMEOUT": "soon"}, []string{"shutdown_timeout", "soon"}},
		{"unknown role", []string{"--roles", "user,chat"}, nil, []string{"roles", "chat"}},
		{"bad enum", nil, map[string]string{"PARLEY_LOG_FORMAT": "xml"}, []string{"log.format", "text, json"}},
		{"missing file", nil, map[string]string{"PARLEY_CONFIG": filepath.Join(dir, "none.yaml")}, []string{"none.yaml"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := Load(tc.args, fakeEnv(tc.env))
			if err == nil {
				t.Fatal("expected an error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestUnknownParleyEnvironmentVariableIsAnError(t *testing.T) {
	old := environ
	t.Cleanup(func() { environ = old })
	environ = func() []string {
		return []string{"PARLEY_EVENT_URL=kafka://x", "PARLEY_TEST_MYSQL_URL=x", "HOME=/root"}
	}
	_, _, err := Load(nil, fakeEnv(map[string]string{"PARLEY_EVENT_URL": "kafka://x", "PARLEY_TEST_MYSQL_URL": "x"}))
	if err == nil || !strings.Contains(err.Error(), "PARLEY_EVENT_URL") || strings.Contains(err.Error(), "PARLEY_TEST_MYSQL_URL") {
		t.Fatalf("err = %v", err)
	}
}

func TestWriteYAMLRedactsSecretsAndReadsBack(t *testing.T) {
	c, _, err := Load(nil, fakeEnv(map[string]string{
		"PARLEY_USER_DATABASE_URL": "mysql://parley:hunter2@db:3306/parley_user",
		"PARLEY_INTERNAL_SECRET":   "s3cret-s3cret-s3cret",
		"PARLEY_SHUTDOWN_TIMEOUT":  "3s",
	}))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := c.WriteYAML(&buf); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if strings.Contains(out, "hunter2") || strings.Contains(out, "s3cret") {
		t.Fatalf("secret printed:\n%s", out)
	}
	if !strings.Contains(out, "parley:xxxxx@db:3306") || !strings.Contains(out, "<redacted-secret>") {
		t.Fatalf("redaction markers missing:\n%s", out)
	}
	// The printed file is valid input again (with the redacted values).
	path := filepath.Join(t.TempDir(), "out.yaml")
	os.WriteFile(path, buf.Bytes(), 0o600)
	back, _, err := Load(nil, fakeEnv(map[string]string{"PARLEY_CONFIG": path}))
	if err != nil {
		t.Fatalf("printed config does not load: %v\n%s", err, out)
	}
	if back.ShutdownTimeout != 3*time.Second || back.EventsURL != "mem://" {
		t.Fatalf("round trip lost values: %+v", back)
	}
}

func TestReadmeConfigurationReferenceIsCurrent(t *testing.T) {
	raw, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	const begin, end = "<!-- config:begin -->\n", "<!-- config:end -->"
	s := string(raw)
	i, j := strings.Index(s, begin), strings.Index(s, end)
	if i < 0 || j < i {
		t.Fatal("README.md has no config reference markers")
	}
	if got, want := s[i+len(begin):j], Markdown(); got != want {
		if *update {
			if err := os.WriteFile("../../README.md", []byte(s[:i+len(begin)]+want+s[j:]), 0o644); err != nil {
				t.Fatal(err)
			}
			return
		}
		t.Fatalf("README configuration reference is stale; run: go test ./internal/config -run Readme -update")
	}
}
