package node

import (
	"bytes"
	"context"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/parleychat/parley/internal/config"
)

// syncBuffer is a bytes.Buffer safe for a logger's concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestDataFilesAreTheOwnersOnly is issue 12 defect 8: in a data directory
// that exists already with mode 0755, every file an embedded node writes
// (SQLite databases, the token store holding the signing key, the search
// index, blobs, secrets) is 0600 and every directory 0700, and the node
// warns that the directory itself is open.
func TestDataFilesAreTheOwnersOnly(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil { // whatever the umask
		t.Fatal(err)
	}
	// A database file left by an older version with 0644.
	if err := os.WriteFile(filepath.Join(dir, "user.db"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	os.Chmod(filepath.Join(dir, "user.db"), 0o644)
	cfg := config.Default()
	cfg.DataDir = dir
	for _, f := range config.Fields() {
		if strings.Contains(f.Default, "{data}") {
			cfg.Set(f.Key, strings.ReplaceAll(f.Default, "{data}", dir))
		}
	}
	cfg.RTCUDPAddr = "127.0.0.1:0" // the default :50000 may be taken on a shared machine
	var logs syncBuffer
	n, err := New(context.Background(), cfg, slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	check := func(when string) {
		t.Helper()
		files := 0
		err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil || p == dir {
				return err
			}
			fi, err := d.Info()
			if err != nil {
				return err
			}
			if fi.Mode().Perm()&0o077 != 0 {
				t.Errorf("%s: %s has mode %v", when, strings.TrimPrefix(p, dir), fi.Mode().Perm())
			}
			if !d.IsDir() {
				files++
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if files < 5 {
			t.Fatalf("%s: only %d files in the data directory", when, files)
		}
	}
	check("while running")
	n.Close()
	check("after closing")
	if !strings.Contains(logs.String(), "data directory is open to other users") {
		t.Errorf("no warning about the open data directory in:\n%s", logs.String())
	}
}
