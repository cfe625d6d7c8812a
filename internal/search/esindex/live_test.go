package esindex_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/parleychat/parley/internal/search"
	"github.com/parleychat/parley/internal/search/esindex"
	"github.com/parleychat/parley/internal/search/searchtest"
)

// TestContractAgainstARealCluster runs the search.Index contract suite on
// the cluster PARLEY_TEST_ES_URL names (http://host:9200, https://… or
// elasticsearch://…), one fresh index per test, deleted afterwards. It
// does not run without the variable: no cluster can be installed on the
// development machines, and the recorded-request tests in this package
// stand in for it there (they do not check matching).
func TestContractAgainstARealCluster(t *testing.T) {
	raw := os.Getenv("PARLEY_TEST_ES_URL")
	if raw == "" {
		// Reported as skipped, never as passed: what runs instead is the
		// recorded-request test, which checks requests, not matching.
		t.Skip("PARLEY_TEST_ES_URL is not set: no Elasticsearch cluster to run the contract suite on (none can be installed here)")
	}
	base, err := url.Parse(raw)
	if err != nil || base.Host == "" {
		t.Fatalf("PARLEY_TEST_ES_URL %q is not a URL", raw)
	}
	httpScheme, tls := "http", "false"
	if base.Scheme == "https" {
		httpScheme, tls = "https", "true"
	}
	t.Run("messages", func(t *testing.T) {
		searchtest.RunMessages(t, func(t *testing.T) (search.MessageIndex, func()) {
			t.Helper()
			var b [6]byte
			rand.Read(b[:])
			name := "parley-test-" + hex.EncodeToString(b[:])
			u := url.URL{Scheme: "elasticsearch", Host: base.Host, User: base.User, RawQuery: url.Values{"index": {name + "-u"}, "messages": {name}, "tls": {tls}}.Encode()}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			x, err := esindex.OpenMessages(ctx, u.String())
			if err != nil {
				t.Fatalf("OpenMessages(%s): %v", u.Redacted(), err)
			}
			call := func(method, path string) {
				t.Helper()
				target := url.URL{Scheme: httpScheme, Host: base.Host, User: base.User, Path: path}
				req, _ := http.NewRequest(method, target.String(), nil)
				if res, err := http.DefaultClient.Do(req); err != nil {
					t.Errorf("%s %s: %v", method, path, err)
				} else {
					res.Body.Close()
				}
			}
			t.Cleanup(func() { x.Close(); call(http.MethodDelete, "/"+name) })
			// Writes are searchable after the refresh interval; the suite
			// asks for a refresh before each search instead of waiting.
			return x, func() { call(http.MethodPost, "/"+name+"/_refresh") }
		})
	})
	searchtest.Run(t, func(t *testing.T) search.Index {
		t.Helper()
		var b [6]byte
		rand.Read(b[:])
		name := "parley-test-" + hex.EncodeToString(b[:])
		u := url.URL{Scheme: "elasticsearch", Host: base.Host, User: base.User, RawQuery: url.Values{"index": {name}, "tls": {tls}}.Encode()}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		x, err := esindex.Open(ctx, u.String())
		if err != nil {
			t.Fatalf("Open(%s): %v", u.Redacted(), err)
		}
		t.Cleanup(func() {
			x.Close()
			del := url.URL{Scheme: httpScheme, Host: base.Host, User: base.User, Path: "/" + name}
			req, _ := http.NewRequest(http.MethodDelete, del.String(), nil)
			if res, err := http.DefaultClient.Do(req); err != nil {
				t.Errorf("delete test index %s: %v", name, err)
			} else {
				res.Body.Close()
			}
		})
		return x
	})
}
