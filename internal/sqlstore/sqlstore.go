package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// Dialect names the SQL dialect of a DB. Its value is also the directory
// that holds the dialect's migrations.
type Dialect string

const (
	SQLite Dialect = "sqlite"
	MySQL  Dialect = "mysql"
)

// DB is a connection pool together with the dialect it speaks. It is safe
// for concurrent use; Close it when done.
type DB struct {
	*sql.DB
	Dialect Dialect
}

// Pool size for SQLite: WAL lets readers run alongside the single writer,
// so a few connections are useful; writers queue on the write lock.
const sqliteMaxConns = 8

// OpenSQLite opens (creating if needed) the SQLite database file at path,
// and its parent directory. The file is readable by its owner only (0600;
// an existing file with wider permissions is narrowed, with its -wal and
// -shm files, which SQLite creates with the database file's mode) and a
// new directory is 0700: the token store's file holds the signing key.
// Every connection uses WAL, busy_timeout 5 s,
// foreign keys, synchronous NORMAL, UTC times and BEGIN IMMEDIATE
// transactions. In-memory databases are refused: each pooled connection
// would see a different one. Tests use a file in t.TempDir().
func OpenSQLite(ctx context.Context, path string) (*DB, error) {
	switch {
	case path == "":
		return nil, errors.New("sqlstore: open sqlite: empty path")
	case path == ":memory:" || strings.HasPrefix(path, "file:") || strings.Contains(path, "mode=memory"):
		return nil, fmt.Errorf("sqlstore: open sqlite: %q: in-memory and file: URI databases are not supported, use a file path", path)
	case strings.ContainsAny(path, "?#"):
		return nil, fmt.Errorf("sqlstore: open sqlite: %q: path must not contain '?' or '#'", path)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("sqlstore: open sqlite %s: %w", path, err)
	}
	if err := ownerOnly(path); err != nil {
		return nil, fmt.Errorf("sqlstore: open sqlite %s: %w", path, err)
	}
	q := url.Values{}
	q.Set("_busy_timeout", "5000")
	q.Set("_journal_mode", "WAL")
	q.Set("_foreign_keys", "1")
	q.Set("_synchronous", "NORMAL")
	q.Set("_txlock", "immediate")
	q.Set("_time_format", "sqlite")
	q.Set("_timezone", "UTC")
	sqldb, err := sql.Open("sqlite", path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("sqlstore: open sqlite %s: %w", path, err)
	}
	sqldb.SetMaxOpenConns(sqliteMaxConns)
	sqldb.SetMaxIdleConns(sqliteMaxConns)
	var mode string
	if err := sqldb.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		sqldb.Close()
		return nil, fmt.Errorf("sqlstore: open sqlite %s: %w", path, err)
	}
	if !strings.EqualFold(mode, "wal") {
		sqldb.Close()
		return nil, fmt.Errorf("sqlstore: open sqlite %s: journal mode is %q, want wal (is the file on a network file system?)", path, mode)
	}
	return &DB{DB: sqldb, Dialect: SQLite}, nil
}

// ownerOnly creates the database file at path with mode 0600 when it is
// missing, and narrows the file and its companions to 0600 otherwise.
func ownerOnly(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	f.Close()
	for _, p := range []string{path, path + "-wal", path + "-shm", path + "-journal"} {
		fi, err := os.Stat(p)
		if err != nil {
			continue // companions exist only at times
		}
		if fi.Mode().Perm()&0o077 != 0 {
			if err := os.Chmod(p, 0o600); err != nil {
				return err
			}
		}
	}
	return nil
}

// SQLitePathFromURL returns the file path of a sqlite:// URL:
// sqlite://data/user.db is the relative path "data/user.db" and
// sqlite:///abs/x.db the absolute path "/abs/x.db". The opaque form
// sqlite:data/user.db is accepted too. Query parameters are ignored.
func SQLitePathFromURL(u *url.URL) string {
	if u.Opaque != "" {
		return u.Opaque
	}
	return u.Host + u.Path
}

// Time returns t as the SQL stores keep it: in UTC, truncated to the
// microsecond. A time bound in this form reads back Equal on both dialects.
func Time(t time.Time) time.Time {
	return t.UTC().Truncate(time.Microsecond)
}

// Now returns the current time in the form the SQL stores keep (see Time).
func Now() time.Time { return Time(time.Now()) }
