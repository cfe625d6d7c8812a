package node

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/parleychat/parley/internal/config"
)

// TestMetricLabelsComeFromClosedSets is issue 12 defect 2: requests with
// made-up methods and paths must not create metric series. 300 requests
// with 300 distinct methods and paths leave the HTTP metrics with a
// handful of series, all of them with known label values.
func TestMetricLabelsComeFromClosedSets(t *testing.T) {
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	for _, f := range config.Fields() {
		if strings.Contains(f.Default, "{data}") {
			cfg.Set(f.Key, strings.ReplaceAll(f.Default, "{data}", cfg.DataDir))
		}
	}
	cfg.Roles = "user,email,token"
	n, err := New(context.Background(), cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	srv := httptest.NewServer(n.Handler())
	defer srv.Close()
	for i := range 300 {
		req, _ := http.NewRequest(fmt.Sprintf("X%dMETHOD", i), fmt.Sprintf("%s/api/v1/users/%d/%d", srv.URL, i, i*7), nil)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
	}
	families, err := n.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	allowed := map[string]bool{"GET": true, "HEAD": true, "POST": true, "PUT": true, "PATCH": true, "DELETE": true,
		"OPTIONS": true, "CONNECT": true, "TRACE": true, "other": true}
	series := 0
	for _, f := range families {
		if !strings.HasPrefix(f.GetName(), "parley_http_") {
			continue
		}
		for _, m := range f.GetMetric() {
			series++
			for _, l := range m.GetLabel() {
				switch l.GetName() {
				case "method":
					if !allowed[l.GetValue()] {
						t.Errorf("%s: method label %q is not from the closed set", f.GetName(), l.GetValue())
					}
				case "route":
					if l.GetValue() != "unmatched" && !strings.Contains(l.GetValue(), "/") {
						t.Errorf("%s: route label %q is not a pattern", f.GetName(), l.GetValue())
					}
				}
			}
		}
	}
	if series > 10 {
		t.Fatalf("300 made-up requests left %d HTTP metric series", series)
	}
}
