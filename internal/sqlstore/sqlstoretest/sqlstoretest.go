package sqlstoretest

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/parleychat/parley/internal/platformtest"
	"github.com/parleychat/parley/internal/sqlstore"
)

// openTimeout bounds opening, creating or dropping a test database.
const openTimeout = 30 * time.Second

// Each runs fn as two subtests of t: "sqlite", on a fresh SQLite file, and
// "mysql", on a fresh database of the MariaDB/MySQL test server. Both
// databases are empty (not migrated); each is closed, and the MySQL one
// dropped, when its subtest ends. fn may call t.Parallel.
func Each(t *testing.T, fn func(t *testing.T, db *sqlstore.DB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, SQLite(t)) })
	t.Run("mysql", func(t *testing.T) { fn(t, MySQL(t)) })
}

// SQLite returns a fresh SQLite database in a file under t.TempDir(),
// closed when the test ends.
func SQLite(t testing.TB) *sqlstore.DB {
	t.Helper()
	path := filepath.Join(t.TempDir(), "test.db")
	open := func(t testing.TB) *sqlstore.DB {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), openTimeout)
		defer cancel()
		db, err := sqlstore.OpenSQLite(ctx, path)
		if err != nil {
			t.Fatalf("open sqlite test database: %v", err)
		}
		return db
	}
	return track(t, open(t), open)
}

// MySQL returns a fresh, uniquely named database on the MariaDB/MySQL test
// server (PARLEY_TEST_MYSQL_URL, default root@127.0.0.1:3306), closed and
// dropped when the test ends. An unreachable server fails the test.
func MySQL(t testing.TB) *sqlstore.DB {
	t.Helper()
	serverURL, dbURL, name := platformtest.MySQLDatabaseURL(t)
	// Registered first, so it runs after every handle has been closed.
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), openTimeout)
		defer cancel()
		if err := sqlstore.DropMySQLDatabase(ctx, serverURL, name); err != nil {
			t.Errorf("drop test database %s: %v", name, err)
		}
	})
	open := func(t testing.TB) *sqlstore.DB {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), openTimeout)
		defer cancel()
		db, err := sqlstore.OpenMySQL(ctx, dbURL)
		if err != nil {
			t.Fatalf("open mysql test database %s: %v", name, err)
		}
		return db
	}
	return track(t, open(t), open)
}

// Reopen returns a second, independent handle (its own connection pool) on
// the database of db, which must come from Each, SQLite, MySQL or Reopen
// in a test that has not ended. It is what another instance of the same
// role would open. It is closed when t ends, before the database is
// dropped.
func Reopen(t testing.TB, db *sqlstore.DB) *sqlstore.DB {
	t.Helper()
	mu.Lock()
	open, ok := openers[db]
	mu.Unlock()
	if !ok {
		t.Fatalf("sqlstoretest.Reopen: the database was not opened by sqlstoretest, or its test has ended")
	}
	return track(t, open(t), open)
}

type opener func(t testing.TB) *sqlstore.DB

var (
	mu      sync.Mutex
	openers = map[*sqlstore.DB]opener{}
)

// track remembers how to reopen db's database, and closes db and forgets
// it when t ends.
func track(t testing.TB, db *sqlstore.DB, open opener) *sqlstore.DB {
	mu.Lock()
	openers[db] = open
	mu.Unlock()
	t.Cleanup(func() {
		mu.Lock()
		delete(openers, db)
		mu.Unlock()
		if err := db.Close(); err != nil {
			t.Errorf("close test database: %v", err)
		}
	})
	return db
}
