package systest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley/internal/node"
)

// TestHealth is the first scenario: every node is alive and ready, the web
// client is served at "/", unknown API paths answer a JSON 404, and in split
// mode every shared server is reachable through the adapters.
func TestHealth(t *testing.T) {
	for _, mode := range Modes {
		t.Run(string(mode), func(t *testing.T) {
			c := Start(t, mode)
			for _, p := range c.Procs {
				code, body := Get(t, p.URL+"/healthz")
				var h struct {
					Status string   `json:"status"`
					Roles  []string `json:"roles"`
				}
				if code != 200 || json.Unmarshal([]byte(body), &h) != nil || h.Status != "ok" || !slices.Equal(h.Roles, p.Roles) {
					t.Fatalf("%v /healthz = %d %s", p.Roles, code, body)
				}
				// Public readiness says ready or not, nothing more (issue
				// 12 defect 13); the admin listener names every check.
				if code, body := Get(t, p.URL+"/readyz"); code != 200 || strings.TrimSpace(body) != `{"status":"ready"}` {
					t.Fatalf("%v public /readyz = %d %s", p.Roles, code, body)
				}
				if code, body := Get(t, p.AdminURL+"/readyz"); code != 200 || !strings.Contains(body, `"checks"`) {
					t.Fatalf("%v admin /readyz = %d %s", p.Roles, code, body)
				}
				if code, body := Get(t, p.URL+"/metrics"); code != 404 || !strings.Contains(body, "metrics_addr") {
					t.Fatalf("%v public /metrics = %d %.200s", p.Roles, code, body)
				}
				if code, body := Get(t, p.AdminURL+"/metrics"); code != 200 || !strings.Contains(body, "parley_http_requests_total") {
					t.Fatalf("%v admin /metrics = %d %.200s", p.Roles, code, body)
				}
			}

			code, body := Get(t, c.URL+"/")
			if !(code == 200 && strings.Contains(body, `id="root"`)) && !(code == 503 && strings.Contains(body, "make run")) {
				t.Fatalf("GET / = %d %.200s", code, body)
			}
			code, body = Get(t, c.URL+"/api/v1/no-such-thing")
			if code != 404 || !strings.Contains(body, `"not_found"`) {
				t.Fatalf("unknown API path = %d %s", code, body)
			}

			if mode == Split {
				var out bytes.Buffer
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				defer cancel()
				if err := node.Check(ctx, c.Base, slog.New(slog.NewTextHandler(io.Discard, nil)), &out); err != nil {
					t.Fatalf("shared servers not reachable through the adapters: %v\n%s", err, out.String())
				}
				t.Logf("parley check:\n%s", out.String())
				for _, want := range []string{"events_url", "user.database_url", "blob_url"} {
					if !strings.Contains(out.String(), want) {
						t.Fatalf("check did not report %s:\n%s", want, out.String())
					}
				}
			}
		})
	}
}

// TestGracefulStop checks that a node stops when asked and stops answering.
func TestGracefulStop(t *testing.T) {
	c := Start(t, Embedded)
	p := c.Procs[0]
	if err := p.Stop(); err != nil {
		t.Fatalf("stop: %v", err)
	}
	if _, err := http.Get(p.URL + "/healthz"); err == nil {
		t.Fatal("node still answers after stop")
	}
}
