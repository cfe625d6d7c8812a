package message

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/parleychat/parley/internal/blob"
	"github.com/parleychat/parley/internal/sqlstore"
)

// benchService migrates db and returns a Service over it for benchmarks,
// with a file blob store in a temporary directory; notify may be nil.
func benchService(b testing.TB, db *sqlstore.DB, notify func()) *Service {
	b.Helper()
	if err := Migrate(context.Background(), db); err != nil {
		b.Fatal(err)
	}
	store, err := blob.NewFileStore(b.TempDir(), "http://localhost", []byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		b.Fatal(err)
	}
	svc, err := NewService(Config{DB: db, Blob: store, Notify: notify, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	return svc
}
