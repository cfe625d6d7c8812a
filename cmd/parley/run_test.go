package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe to read while run writes to it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}

func envOf(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func runCmd(t *testing.T, env map[string]string, args ...string) (string, error) {
	t.Helper()
	var out, errOut syncBuffer
	err := run(context.Background(), args, envOf(env), &out, &errOut)
	return out.String(), err
}

func TestConfigPrintsTheEmbeddedDefaults(t *testing.T) {
	out, err := runCmd(t, nil, "config")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"events_url: mem://", "blob_url: file://data/blobs", "database_url: sqlite://data/user.db", "mail_url: log://", "roles: all"} {
		if !strings.Contains(out, want) {
			t.Errorf("config output lacks %q:\n%s", want, out)
		}
	}
}

func TestBadSchemeFailsNamingKeyAndValidSchemes(t *testing.T) {
	_, err := runCmd(t, map[string]string{"PARLEY_EVENTS_URL": "bogus://x"})
	if err == nil {
		t.Fatal("expected an error")
	}
	for _, want := range []string{"PARLEY_EVENTS_URL", "events_url", `"bogus"`, "mem, kafka"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
}

func TestARoleWithoutItsPeerRefusesToStartNamingTheKey(t *testing.T) {
	_, err := runCmd(t, map[string]string{"PARLEY_ADDR": "127.0.0.1:0", "PARLEY_DATA_DIR": t.TempDir(), "PARLEY_RTC_UDP_ADDR": "127.0.0.1:0"}, "serve", "--roles", "webrtc")
	if err == nil || !strings.Contains(err.Error(), "start role webrtc") || !strings.Contains(err.Error(), "PARLEY_GROUP_URL") {
		t.Fatalf("err = %v", err)
	}
}

func TestCommandsAndUsage(t *testing.T) {
	if out, err := runCmd(t, nil, "version"); err != nil || !strings.HasPrefix(out, "parley ") {
		t.Fatalf("version: %q %v", out, err)
	}
	if out, err := runCmd(t, nil, "roles"); err != nil || !strings.Contains(out, "webrtc-gateway") || !strings.Contains(out, "web ") {
		t.Fatalf("roles: %q %v", out, err)
	}
	if _, err := runCmd(t, nil, "frobnicate"); err == nil || !strings.Contains(err.Error(), "unknown command") {
		t.Fatalf("unknown command: %v", err)
	}
	if _, err := runCmd(t, nil, "serve", "stray"); err == nil || !strings.Contains(err.Error(), "unexpected arguments") {
		t.Fatalf("stray argument: %v", err)
	}
	if out, err := runCmd(t, map[string]string{"PARLEY_DATA_DIR": t.TempDir()}, "migrate"); err != nil || out == "" {
		t.Fatalf("migrate: %q %v", out, err)
	}
}

// TestServeRunsTheProgramAndDrainsOnCancel runs the real program on :0,
// waits for /healthz, then cancels (as SIGTERM does) and expects a clean
// return.
func TestServeRunsTheProgramAndDrainsOnCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errOut syncBuffer
	env := map[string]string{"PARLEY_ADDR": "127.0.0.1:0", "PARLEY_DATA_DIR": t.TempDir(), "PARLEY_LOG_LEVEL": "warn"}
	done := make(chan error, 1)
	go func() { done <- run(ctx, nil, envOf(env), &out, &errOut) }()

	addrRe := regexp.MustCompile(`listening on (127\.0\.0\.1:\d+)`)
	var addr string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline) && addr == ""; time.Sleep(10 * time.Millisecond) {
		if m := addrRe.FindStringSubmatch(out.String()); m != nil {
			addr = m[1]
		}
		select {
		case err := <-done:
			t.Fatalf("run returned early: %v\n%s", err, errOut.String())
		default:
		}
	}
	if addr == "" {
		t.Fatalf("no address printed:\n%s", out.String())
	}
	res, err := http.Get("http://" + addr + "/healthz")
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("healthz: %v %v", err, res)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("run did not return after cancel")
	}
}
