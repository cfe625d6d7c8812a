package node

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley/internal/config"
)

// TestOpenersAcceptExactlyTheConfiguredSchemes keeps open.go's switches and
// the schemes that config declares in step: every declared scheme reaches
// an adapter (which may then fail to connect), any other is refused by
// name.
func TestOpenersAcceptExactlyTheConfiguredSchemes(t *testing.T) {
	dir := t.TempDir()
	samples := map[string]string{
		"sqlite": "sqlite://" + dir + "/x.db",
		"mysql":  "mysql://root@127.0.0.1:1/parley_none",
		"mem":    "mem://",
		"kafka":  "kafka://127.0.0.1:1",
		"file":   "file://" + dir + "/blobs",
		"s3":     "s3://k:s@bucket?endpoint=http://127.0.0.1:1&region=us-east-1",
		"redis":  "redis://127.0.0.1:1/0",
	}
	openers := map[string]func(ctx context.Context, n *Node, raw string) error{
		"events_url": func(ctx context.Context, n *Node, raw string) error {
			n.cfg.EventsURL = raw
			_, err := n.Bus(ctx)
			return err
		},
		"blob_url": func(ctx context.Context, n *Node, raw string) error {
			n.cfg.BlobURL = raw
			_, err := n.Blob(ctx)
			return err
		},
		"registry_url": func(ctx context.Context, n *Node, raw string) error {
			n.cfg.RegistryURL = raw
			_, err := n.Registry(ctx)
			return err
		},
		"user.database_url": func(ctx context.Context, n *Node, raw string) error {
			n.cfg.UserDatabaseURL = raw
			_, err := n.SQL(ctx, "user.database_url")
			return err
		},
	}
	for _, f := range config.Fields() {
		open, ok := openers[f.Key]
		if !ok {
			continue
		}
		for _, scheme := range append(append([]string{}, f.Schemes...), "bogus") {
			t.Run(f.Key+"/"+scheme, func(t *testing.T) {
				raw, ok := samples[scheme]
				if !ok {
					raw = scheme + "://x"
				}
				cfg := config.Default()
				cfg.DataDir = dir
				n := newBare(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
				defer n.Close()
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				err := open(ctx, n, raw)
				unknown := err != nil && strings.Contains(err.Error(), "unknown scheme")
				if scheme == "bogus" != unknown {
					t.Fatalf("scheme %s: err = %v", scheme, err)
				}
				if unknown && !strings.Contains(err.Error(), f.Key) {
					t.Fatalf("error does not name the key: %v", err)
				}
			})
		}
	}
}

// TestFileBlobStoreIsServedByTheNode checks that opening the embedded
// blob store mounts its signed-URL handler.
func TestFileBlobStoreIsServedByTheNode(t *testing.T) {
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.BlobURL = "file://" + cfg.DataDir + "/blobs"
	n := newBare(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
	defer n.Close()
	srv := httptest.NewServer(n.Handler())
	defer srv.Close()
	cfg.PublicURL = srv.URL
	store, err := n.Blob(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	req, err := store.PresignPut(context.Background(), "groups/g/hello.txt", 5, "text/plain", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	put, _ := http.NewRequest(req.Method, req.URL, strings.NewReader("hello"))
	for k, v := range req.Headers {
		put.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(put)
	if err != nil || res.StatusCode/100 != 2 {
		t.Fatalf("signed PUT through the node: %v %v", err, res)
	}
	if _, err := store.Stat(context.Background(), "groups/g/hello.txt"); err != nil {
		t.Fatalf("object not stored: %v", err)
	}
	// The secret is kept and reused across restarts.
	k1, _ := n.secret("blob.key")
	k2, _ := n.secret("blob.key")
	if len(k1) != 32 || string(k1) != string(k2) {
		t.Fatal("blob secret not persisted")
	}
}
