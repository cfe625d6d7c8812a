package rpcauth

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

const echoProcedure = "/parley.test.v1.TestService/Echo"

// guarded serves a one-method Connect service behind Guard and
// HandlerOptions, as the node mounts every internal RPC.
func guarded(t *testing.T, secret []byte) string {
	t.Helper()
	h := connect.NewUnaryHandler(echoProcedure, func(ctx context.Context, req *connect.Request[wrapperspb.BytesValue]) (*connect.Response[emptypb.Empty], error) {
		return connect.NewResponse(&emptypb.Empty{}), nil
	}, HandlerOptions(secret)...)
	srv := httptest.NewServer(Guard(secret, h))
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestGuardRefusesBeforeReadingTheBody sends a request whose body never
// comes: without the secret the answer must arrive anyway.
func TestGuardRefusesBeforeReadingTheBody(t *testing.T) {
	base := guarded(t, []byte("0123456789abcdef"))
	for name, hdr := range map[string]string{"no secret": "", "wrong secret": "0123456789abcdeX"} {
		t.Run(name, func(t *testing.T) {
			pr, pw := io.Pipe()
			defer pw.Close()
			req, _ := http.NewRequest("POST", base+echoProcedure, pr)
			req.Header.Set("Content-Type", "application/proto")
			req.ContentLength = 1 << 30
			if hdr != "" {
				req.Header.Set(Header, hdr)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			res, err := http.DefaultClient.Do(req.WithContext(ctx))
			if err != nil {
				t.Fatalf("no answer without the body: %v", err)
			}
			defer res.Body.Close()
			if res.StatusCode != http.StatusUnauthorized {
				t.Fatalf("status %d, want 401", res.StatusCode)
			}
		})
	}
}

func TestGuardWithoutSecretRefusesEveryone(t *testing.T) {
	base := guarded(t, nil)
	c := connect.NewClient[wrapperspb.BytesValue, emptypb.Empty](http.DefaultClient, base+echoProcedure,
		connect.WithInterceptors(ClientInterceptor(nil)))
	_, err := c.CallUnary(context.Background(), connect.NewRequest(&wrapperspb.BytesValue{}))
	if connect.CodeOf(err) != connect.CodeUnauthenticated {
		t.Fatalf("err = %v, want unauthenticated", err)
	}
}

// gzipOf compresses n zero bytes.
func gzipOf(t *testing.T, n int) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	zero := make([]byte, 1<<20)
	for n > 0 {
		k := min(n, len(zero))
		zw.Write(zero[:k])
		n -= k
	}
	zw.Close()
	return buf.Bytes()
}

// TestGuardBoundsDecompression sends, with the secret, a small gzip body
// that inflates to 64 MiB: it is refused as too large, and the server
// never holds (or inflates much beyond) the limit.
func TestGuardBoundsDecompression(t *testing.T) {
	secret := []byte("0123456789abcdef")
	base := guarded(t, secret)
	bomb := gzipOf(t, 64<<20)
	if len(bomb) > MaxRequestBytes {
		t.Fatalf("bomb of %d bytes is larger than the wire limit; the test would not reach decompression", len(bomb))
	}
	send := func() *http.Response {
		req, _ := http.NewRequest("POST", base+echoProcedure, bytes.NewReader(bomb))
		req.Header.Set("Content-Type", "application/proto")
		req.Header.Set("Content-Encoding", "gzip")
		req.Header.Set(Header, string(secret))
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		return res
	}
	send() // warm up pools
	before := allocated()
	res := send()
	grew := allocated() - before
	if res.StatusCode != http.StatusTooManyRequests { // Connect's HTTP status for resource_exhausted
		t.Fatalf("status %d, want 429 (resource_exhausted)", res.StatusCode)
	}
	if grew > 16<<20 {
		t.Fatalf("one bomb allocated %d MiB on the server", grew>>20)
	}
}

func TestGuardCapsTheBodyOnTheWire(t *testing.T) {
	secret := []byte("0123456789abcdef")
	base := guarded(t, secret)
	c := connect.NewClient[wrapperspb.BytesValue, emptypb.Empty](http.DefaultClient, base+echoProcedure,
		connect.WithInterceptors(ClientInterceptor(secret)))
	_, err := c.CallUnary(context.Background(), connect.NewRequest(&wrapperspb.BytesValue{Value: make([]byte, MaxMessageBytes+1)}))
	if connect.CodeOf(err) != connect.CodeResourceExhausted {
		t.Fatalf("err = %v, want resource_exhausted", err)
	}
	if _, err := c.CallUnary(context.Background(), connect.NewRequest(&wrapperspb.BytesValue{Value: make([]byte, 1000)})); err != nil {
		t.Fatalf("small message refused: %v", err)
	}
}

// TestBoundedGzipStopsInflating checks the decompressor Connect drains to
// measure an oversized message: it stops just past the limit.
func TestBoundedGzipStopsInflating(t *testing.T) {
	d := newBoundedGzip()
	if err := d.Reset(bytes.NewReader(gzipOf(t, 64<<20))); err != nil {
		t.Fatal(err)
	}
	n, err := io.Copy(io.Discard, d)
	if err == nil || n != MaxMessageBytes+1 {
		t.Fatalf("inflated %d bytes (err %v), want to stop at %d", n, err, MaxMessageBytes+1)
	}
	// Reused for a small message, it inflates the whole of it.
	if err := d.Reset(bytes.NewReader(gzipOf(t, 1000))); err != nil {
		t.Fatal(err)
	}
	if n, err := io.Copy(io.Discard, d); err != nil || n != 1000 {
		t.Fatalf("small message: %d bytes, err %v", n, err)
	}
}
