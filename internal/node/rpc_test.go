package node

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley/internal/config"
	"github.com/parleychat/parley/internal/rpcauth"
)

// startNode runs a node with the given roles and internal secret on
// embedded adapters under a temporary data directory, behind httptest, and
// returns its URL.
func startNode(t *testing.T, roles, secret string) string {
	t.Helper()
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	for _, f := range config.Fields() {
		if strings.Contains(f.Default, "{data}") {
			if err := cfg.Set(f.Key, strings.ReplaceAll(f.Default, "{data}", cfg.DataDir)); err != nil {
				t.Fatal(err)
			}
		}
	}
	cfg.RTCUDPAddr = "127.0.0.1:0" // the default :50000 may be taken on a shared machine
	cfg.Roles, cfg.InternalSecret = roles, secret
	srv := httptest.NewUnstartedServer(nil)
	cfg.PublicURL = "http://" + srv.Listener.Addr().String()
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	n, err := New(context.Background(), cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = n.Handler()
	srv.Start()
	t.Cleanup(func() { srv.Close(); n.Close() })
	return srv.URL
}

const issuePath = "/parley.token.v1.TokenService/Issue"

// TestEmbeddedNodeServesNoInternalRPC is issue 12 defect 1: without
// internal_secret every role runs in-process and the public port must not
// answer internal RPC.
func TestEmbeddedNodeServesNoInternalRPC(t *testing.T) {
	base := startNode(t, "all", "")
	for _, path := range []string{issuePath, "/parley.email.v1.EmailService/Send", "/parley.user.v1.UserService/User", "/parley.group.v1.GroupService/Member", "/parley.message.v1.MessageService/LastSeqs"} {
		req, _ := http.NewRequest("POST", base+path, strings.NewReader("{}"))
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		// Not mounted: the web client's catch-all answers (405 for a
		// POST), never the RPC's 401.
		if res.StatusCode != http.StatusNotFound && res.StatusCode != http.StatusMethodNotAllowed {
			t.Errorf("%s: %d %s, want the answer of an unknown path", path, res.StatusCode, body)
		}
	}
}

// TestInternalRPCRefusesBeforeReadingTheBody is issue 12 defect 1 against a
// token node with a secret: an unauthenticated request is answered 401
// while its (endless) body is still being sent.
func TestInternalRPCRefusesBeforeReadingTheBody(t *testing.T) {
	base := startNode(t, "token", "0123456789abcdef-secret")
	pr, pw := io.Pipe()
	defer pw.Close()
	go func() {
		chunk := make([]byte, 32<<10)
		for {
			if _, err := pw.Write(chunk); err != nil {
				return
			}
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "POST", base+issuePath, pr)
	req.Header.Set("Content-Type", "application/proto")
	req.Header.Set("Content-Encoding", "gzip")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("no answer while the body was still coming: %v", err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("status %d, want 401", res.StatusCode)
	}
}

// TestInternalRPCBoundsADecompressionBomb sends, with the secret, 64 KiB of
// gzip that inflates to 64 MiB: it is refused as too large and the node
// never buffers it.
func TestInternalRPCBoundsADecompressionBomb(t *testing.T) {
	secret := "0123456789abcdef-secret"
	base := startNode(t, "token", secret)
	var bomb bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&bomb, gzip.BestCompression)
	zero := make([]byte, 1<<20)
	for range 64 {
		zw.Write(zero)
	}
	zw.Close()
	send := func() int {
		req, _ := http.NewRequest("POST", base+issuePath, bytes.NewReader(bomb.Bytes()))
		req.Header.Set("Content-Type", "application/proto")
		req.Header.Set("Content-Encoding", "gzip")
		req.Header.Set(rpcauth.Header, secret)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		return res.StatusCode
	}
	send()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	status := send()
	runtime.ReadMemStats(&after)
	if status != http.StatusTooManyRequests { // Connect's status for resource_exhausted
		t.Fatalf("status %d, want 429 resource_exhausted", status)
	}
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 16<<20 {
		t.Fatalf("one 64 KiB request allocated %d MiB", grew>>20)
	}
}
