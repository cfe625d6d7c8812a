package sqlstore_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/platformtest"
	"github.com/parleychat/parley/internal/sqlstore"
	"github.com/parleychat/parley/internal/sqlstore/sqlstoretest"
)

// exec runs the statement written for db's dialect.
func exec(t *testing.T, db *sqlstore.DB, sqlite, mysql string, args ...any) {
	t.Helper()
	q := sqlite
	if db.Dialect == sqlstore.MySQL {
		q = mysql
	}
	if _, err := db.ExecContext(platformtest.Context(t), q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

func createItems(t *testing.T, db *sqlstore.DB) {
	t.Helper()
	exec(t, db,
		`CREATE TABLE items (id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, n INTEGER NOT NULL DEFAULT 0, at DATETIME)`,
		`CREATE TABLE items (id CHAR(36) NOT NULL PRIMARY KEY, name VARCHAR(255) NOT NULL UNIQUE, n BIGINT NOT NULL DEFAULT 0, at DATETIME(6) NULL) ENGINE=InnoDB`)
}

func insertItem(ctx context.Context, q interface {
	ExecContext(context.Context, string, ...any) (sql.Result, error)
}, id, name string) error {
	_, err := q.ExecContext(ctx, "INSERT INTO items (id, name) VALUES (?, ?)", id, name)
	return err
}

func TestInTx(t *testing.T) {
	t.Parallel()
	sqlstoretest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		t.Parallel()
		ctx := platformtest.Context(t)
		createItems(t, db)

		t.Run("commits when fn returns nil", func(t *testing.T) {
			err := sqlstore.InTx(ctx, db, func(tx *sql.Tx) error { return insertItem(ctx, tx, "a", "committed") })
			if err != nil {
				t.Fatalf("InTx: %v", err)
			}
			if n := count(t, db, "SELECT COUNT(*) FROM items WHERE id = 'a'"); n != 1 {
				t.Fatal("committed row is missing")
			}
		})

		t.Run("rolls back and returns fn's error", func(t *testing.T) {
			boom := errors.New("boom")
			err := sqlstore.InTx(ctx, db, func(tx *sql.Tx) error {
				if err := insertItem(ctx, tx, "b", "rolled back"); err != nil {
					return err
				}
				return fmt.Errorf("step two: %w", boom)
			})
			if !errors.Is(err, boom) {
				t.Fatalf("InTx = %v, want fn's error", err)
			}
			if n := count(t, db, "SELECT COUNT(*) FROM items WHERE id = 'b'"); n != 0 {
				t.Fatal("row of a failed transaction was committed")
			}
		})

		t.Run("rolls back and re-panics when fn panics", func(t *testing.T) {
			func() {
				defer func() {
					if p := recover(); p != "kaboom" {
						t.Fatalf("recovered %v, want the panic of fn", p)
					}
				}()
				_ = sqlstore.InTx(ctx, db, func(tx *sql.Tx) error {
					if err := insertItem(ctx, tx, "c", "panicked"); err != nil {
						return err
					}
					panic("kaboom")
				})
				t.Fatal("InTx returned instead of panicking")
			}()
			if n := count(t, db, "SELECT COUNT(*) FROM items WHERE id = 'c'"); n != 0 {
				t.Fatal("row of a panicked transaction was committed")
			}
			// The connection went back to the pool usable.
			if err := sqlstore.InTx(ctx, db, func(tx *sql.Tx) error { return insertItem(ctx, tx, "d", "after panic") }); err != nil {
				t.Fatalf("InTx after a panic: %v", err)
			}
		})
	})
}

func TestInTxConcurrentWritersLoseNoUpdate(t *testing.T) {
	t.Parallel()
	sqlstoretest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		t.Parallel()
		ctx := platformtest.Context(t)
		createItems(t, db)
		if err := insertItem(ctx, db, "counter", "counter"); err != nil {
			t.Fatal(err)
		}
		// A read then a write of the same row from two pools. On MySQL the
		// shared lock makes concurrent increments deadlock, which InTx
		// retries; on SQLite BEGIN IMMEDIATE serialises them.
		read := "SELECT n FROM items WHERE id = 'counter'"
		if db.Dialect == sqlstore.MySQL {
			read += " LOCK IN SHARE MODE"
		}
		handles := []*sqlstore.DB{db, sqlstoretest.Reopen(t, db)}
		const workers, each = 3, 10
		var wg sync.WaitGroup
		for w := range workers {
			wg.Go(func() {
				for range each {
					// InTx gives up with Unavailable after five deadlocks in a
					// row, which a loaded machine reaches; a client retries
					// that (503), so the test does too, a bounded number of
					// times. A given-up increment must have changed nothing.
					var err error
					for range 20 {
						err = sqlstore.InTx(ctx, handles[w%2], func(tx *sql.Tx) error {
							var n int
							if err := tx.QueryRowContext(ctx, read).Scan(&n); err != nil {
								return err
							}
							_, err := tx.ExecContext(ctx, "UPDATE items SET n = ? WHERE id = 'counter'", n+1)
							return err
						})
						if !errs.Is(err, errs.Unavailable) {
							break
						}
					}
					if err != nil {
						t.Errorf("increment: %v", err)
						return
					}
				}
			})
		}
		wg.Wait()
		if n := count(t, db, "SELECT n FROM items WHERE id = 'counter'"); n != workers*each {
			t.Fatalf("counter = %d, want %d", n, workers*each)
		}
	})
}

func TestIsDuplicate(t *testing.T) {
	t.Parallel()
	sqlstoretest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		t.Parallel()
		ctx := platformtest.Context(t)
		createItems(t, db)
		if err := insertItem(ctx, db, "a", "alpha"); err != nil {
			t.Fatal(err)
		}
		dupKey := insertItem(ctx, db, "a", "other")
		dupUnique := insertItem(ctx, db, "b", "alpha")
		_, notNull := db.ExecContext(ctx, "INSERT INTO items (id, name) VALUES ('c', NULL)")
		_, syntax := db.ExecContext(ctx, "INSERT INTO nowhere VALUES (1)")
		for _, tc := range []struct {
			name string
			err  error
			want bool
		}{
			{"primary key", dupKey, true},
			{"unique column", dupUnique, true},
			{"wrapped", fmt.Errorf("add item: %w", dupUnique), true},
			{"not null", notNull, false},
			{"missing table", syntax, false},
			{"nil", nil, false},
		} {
			if got := sqlstore.IsDuplicate(tc.err); got != tc.want {
				t.Errorf("IsDuplicate(%s: %v) = %v, want %v", tc.name, tc.err, got, tc.want)
			}
		}
		if dupKey == nil || notNull == nil || syntax == nil {
			t.Fatal("a statement that must fail succeeded")
		}
	})
}

func TestTextRoundTripsUTF8MB4(t *testing.T) {
	t.Parallel()
	sqlstoretest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		t.Parallel()
		ctx := platformtest.Context(t)
		createItems(t, db)
		names := []string{"👋🏽 hello 🎉", "Grüße, 漢字, עברית", "𝄞 music", "zero\u200dwidth 👩‍👩‍👧"}
		for i, name := range names {
			if err := insertItem(ctx, db, fmt.Sprint(i), name); err != nil {
				t.Fatalf("insert %q: %v", name, err)
			}
		}
		for i, name := range names {
			var got string
			if err := db.QueryRowContext(ctx, "SELECT name FROM items WHERE id = ?", fmt.Sprint(i)).Scan(&got); err != nil {
				t.Fatal(err)
			}
			if got != name {
				t.Errorf("read back %q, want %q", got, name)
			}
			var id string
			if err := db.QueryRowContext(ctx, "SELECT id FROM items WHERE name = ?", name).Scan(&id); err != nil {
				t.Errorf("look up by %q: %v", name, err)
			}
		}
	})
}

func TestTimeRoundTripsInUTCToTheMicrosecond(t *testing.T) {
	t.Parallel()
	sqlstoretest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		t.Parallel()
		ctx := platformtest.Context(t)
		createItems(t, db)
		zone := time.FixedZone("UTC+05:30", 5*3600+1800)
		times := []time.Time{
			sqlstore.Time(time.Date(2024, 2, 29, 23, 59, 59, 123456789, zone)),
			sqlstore.Time(time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)),
			sqlstore.Time(time.Date(1999, 12, 31, 23, 59, 59, 999999999, time.UTC)),
			sqlstore.Time(time.Date(2038, 1, 19, 3, 14, 8, 1000, zone)),
			sqlstore.Now(),
		}
		for i, at := range times {
			if at.Location() != time.UTC || at.Nanosecond()%1000 != 0 {
				t.Fatalf("sqlstore.Time(%v) is not UTC microseconds", at)
			}
			if _, err := db.ExecContext(ctx, "INSERT INTO items (id, name, at) VALUES (?, ?, ?)", fmt.Sprint(i), fmt.Sprint(i), at); err != nil {
				t.Fatal(err)
			}
		}
		for i, want := range times {
			var got time.Time
			if err := db.QueryRowContext(ctx, "SELECT at FROM items WHERE id = ?", fmt.Sprint(i)).Scan(&got); err != nil {
				t.Fatal(err)
			}
			if !got.Equal(want) || got.Location() != time.UTC {
				t.Errorf("read back %v, want %v", got, want)
			}
			// Equality on a stored time works in SQL too.
			if n := count(t, db, "SELECT COUNT(*) FROM items WHERE at = ?", want); n != 1 {
				t.Errorf("WHERE at = %v matched %d rows, want 1", want, n)
			}
		}
		// Comparisons order times correctly, fractions included.
		if n := count(t, db, "SELECT COUNT(*) FROM items WHERE at < ?", times[1]); n != 2 {
			t.Errorf("%d rows before %v, want 2", n, times[1])
		}
		if n := count(t, db, "SELECT COUNT(*) FROM items WHERE at > ?", times[0]); n != 3 {
			t.Errorf("%d rows after %v, want 3", n, times[0])
		}
		// NULL reads as an invalid NullTime.
		if err := insertItem(ctx, db, "null", "null"); err != nil {
			t.Fatal(err)
		}
		var nt sql.NullTime
		if err := db.QueryRowContext(ctx, "SELECT at FROM items WHERE id = 'null'").Scan(&nt); err != nil || nt.Valid {
			t.Fatalf("NULL time read as %v, %v", nt, err)
		}
	})
}

func TestOpenSQLiteConfiguresEveryConnection(t *testing.T) {
	t.Parallel()
	ctx := platformtest.Context(t)
	path := filepath.Join(t.TempDir(), "nested", "dir", "role.db")
	db, err := sqlstore.OpenSQLite(ctx, path)
	if err != nil {
		t.Fatalf("OpenSQLite: %v", err)
	}
	defer db.Close()
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("database file not created: %v", err)
	}
	if db.Dialect != sqlstore.SQLite {
		t.Fatalf("Dialect = %q", db.Dialect)
	}
	// Hold several connections at once so the checks see more than one.
	var conns []*sql.Conn
	for range 3 {
		c, err := db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	for _, c := range conns {
		for pragma, want := range map[string]string{
			"journal_mode": "wal", "busy_timeout": "5000", "foreign_keys": "1", "synchronous": "1",
		} {
			var got string
			if err := c.QueryRowContext(ctx, "PRAGMA "+pragma).Scan(&got); err != nil {
				t.Fatal(err)
			}
			if got != want {
				t.Errorf("PRAGMA %s = %s, want %s", pragma, got, want)
			}
		}
		c.Close()
	}
	// Foreign keys are enforced.
	for _, q := range []string{
		"CREATE TABLE parent (id INTEGER PRIMARY KEY)",
		"CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER NOT NULL REFERENCES parent (id))",
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.ExecContext(ctx, "INSERT INTO child (id, parent_id) VALUES (1, 42)"); err == nil {
		t.Fatal("a row referencing a missing parent was inserted")
	}
}

func TestOpenSQLiteRejectsInMemoryDatabases(t *testing.T) {
	t.Parallel()
	for _, path := range []string{"", ":memory:", "file::memory:?cache=shared", "x.db?mode=memory"} {
		if db, err := sqlstore.OpenSQLite(context.Background(), path); err == nil {
			db.Close()
			t.Errorf("OpenSQLite(%q) succeeded, want an error", path)
		}
	}
}

func TestSQLitePathFromURL(t *testing.T) {
	t.Parallel()
	for raw, want := range map[string]string{
		"sqlite://data/user.db":          "data/user.db",
		"sqlite:///abs/x.db":             "/abs/x.db",
		"sqlite://./data/group.db":       "./data/group.db",
		"sqlite:data/message.db":         "data/message.db",
		"sqlite://data/my%20role.db?x=1": "data/my role.db",
	} {
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		if got := sqlstore.SQLitePathFromURL(u); got != want {
			t.Errorf("SQLitePathFromURL(%s) = %q, want %q", raw, got, want)
		}
	}
}

func TestOpenMySQLCreatesUTF8MB4DatabaseAndUTCSession(t *testing.T) {
	t.Parallel()
	db := sqlstoretest.MySQL(t) // created by OpenMySQL, as it did not exist
	ctx := platformtest.Context(t)
	if db.Dialect != sqlstore.MySQL {
		t.Fatalf("Dialect = %q", db.Dialect)
	}
	var charset, collation string
	err := db.QueryRowContext(ctx, "SELECT DEFAULT_CHARACTER_SET_NAME, DEFAULT_COLLATION_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = DATABASE()").Scan(&charset, &collation)
	if err != nil {
		t.Fatal(err)
	}
	if charset != "utf8mb4" || collation != "utf8mb4_unicode_ci" {
		t.Errorf("database is %s/%s, want utf8mb4/utf8mb4_unicode_ci", charset, collation)
	}
	var connCharset, connCollation, tz string
	err = db.QueryRowContext(ctx, "SELECT @@character_set_connection, @@collation_connection, @@time_zone").Scan(&connCharset, &connCollation, &tz)
	if err != nil {
		t.Fatal(err)
	}
	if connCharset != "utf8mb4" || connCollation != "utf8mb4_unicode_ci" || tz != "+00:00" {
		t.Errorf("session is %s/%s in %s, want utf8mb4/utf8mb4_unicode_ci in +00:00", connCharset, connCollation, tz)
	}
}

func TestOpenMySQLRejectsBadURLsWithoutLeakingThePassword(t *testing.T) {
	t.Parallel()
	const secret = "s3cr3tPa55"
	server, err := url.Parse(platformtest.MySQLServer(t))
	if err != nil {
		t.Fatal(err)
	}
	host := server.Host
	for _, tc := range []struct {
		name, url, want string
	}{
		{"wrong scheme", "postgres://u:" + secret + "@" + host + "/parley_x", "want mysql://"},
		{"no host", "mysql://u:" + secret + "@/parley_x", "no host"},
		{"no user", "mysql://:" + secret + "@" + host + "/parley_x", "no user"},
		{"bad port", "mysql://u:" + secret + "@localhost:port/parley_x", "invalid MySQL URL"},
		{"unparsable", "mysql://u:" + secret + "@host name/parley_x", "invalid MySQL URL"},
		{"space in password", "mysql://u:" + secret + " x@" + host + "/parley_x", "invalid MySQL URL"},
		{"no database", "mysql://u:" + secret + "@" + host + "/", "names no database"},
		{"bad database name", "mysql://u:" + secret + "@" + host + "/parley-x;DROP", "invalid MySQL database name"},
		{"bad parameter", "mysql://u:" + secret + "@" + host + "/parley_x?timeout=soon", "parameters"},
		{"wrong password", "mysql://root:" + secret + "@" + host + "/parley_x", "Access denied"},
		{"nothing listening", "mysql://u:" + secret + "@127.0.0.1:1/parley_x", "127.0.0.1:1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			db, err := sqlstore.OpenMySQL(platformtest.Context(t), tc.url)
			if err == nil {
				db.Close()
				t.Fatalf("OpenMySQL(%s) succeeded", tc.url)
			}
			msg := err.Error()
			if strings.Contains(msg, secret) || strings.Contains(msg, "s3cr3t") {
				t.Errorf("error leaks the password: %s", msg)
			}
			if !strings.Contains(msg, tc.want) {
				t.Errorf("error %q does not say %q", msg, tc.want)
			}
		})
	}
}

func TestDropMySQLDatabaseToleratesMissingDatabase(t *testing.T) {
	t.Parallel()
	server := platformtest.MySQLServer(t)
	if err := sqlstore.DropMySQLDatabase(platformtest.Context(t), server, platformtest.Name("parley_test_missing_")); err != nil {
		t.Fatalf("drop a missing database: %v", err)
	}
	if err := sqlstore.DropMySQLDatabase(platformtest.Context(t), server, "bad-name"); err == nil {
		t.Fatal("dropped a database with an invalid name")
	}
}
