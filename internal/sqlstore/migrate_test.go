package sqlstore_test

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/parleychat/parley/internal/platformtest"
	"github.com/parleychat/parley/internal/sqlstore"
	"github.com/parleychat/parley/internal/sqlstore/sqlstoretest"
)

// notesV1 to notesV3 are three versions of a small schema, written for
// both dialects. Version 2 inserts a row, so applying it twice would show.
var (
	notesV1 = map[string]string{
		"sqlite/0001_notes.sql": `-- the notes table
CREATE TABLE notes (
	id TEXT PRIMARY KEY,
	body TEXT NOT NULL
);
CREATE INDEX notes_body ON notes (body);`,
		"mysql/0001_notes.sql": `-- the notes table
CREATE TABLE notes (
	id CHAR(36) NOT NULL PRIMARY KEY,
	body VARCHAR(255) NOT NULL
) ENGINE=InnoDB;
CREATE INDEX notes_body ON notes (body);`,
	}
	notesV2 = map[string]string{
		"sqlite/0002_seed.sql": "INSERT INTO notes (id, body) VALUES ('seed', 'first');\n",
		"mysql/0002_seed.sql":  "INSERT INTO notes (id, body) VALUES ('seed', 'first');\n",
	}
	notesV3 = map[string]string{
		"sqlite/0003_tags.sql": "CREATE TABLE tags (name TEXT PRIMARY KEY);\n",
		"mysql/0003_tags.sql":  "CREATE TABLE tags (name VARCHAR(64) NOT NULL PRIMARY KEY);\n",
	}
)

// files merges migration sets into one file system.
func files(sets ...map[string]string) fstest.MapFS {
	fsys := fstest.MapFS{}
	for _, set := range sets {
		for name, text := range set {
			fsys[name] = &fstest.MapFile{Data: []byte(text)}
		}
	}
	return fsys
}

func mustMigrate(t *testing.T, db *sqlstore.DB, source string, fsys fstest.MapFS) {
	t.Helper()
	if err := sqlstore.Migrate(platformtest.Context(t), db, source, fsys); err != nil {
		t.Fatalf("Migrate(%s): %v", source, err)
	}
}

func wantApplied(t *testing.T, db *sqlstore.DB, source string, want ...int) {
	t.Helper()
	got, err := sqlstore.Applied(platformtest.Context(t), db, source)
	if err != nil {
		t.Fatalf("Applied(%s): %v", source, err)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("Applied(%s) = %v, want %v", source, got, want)
	}
}

func count(t *testing.T, db *sqlstore.DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := db.QueryRowContext(platformtest.Context(t), query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

func TestMigrateAppliesEachVersionOnce(t *testing.T) {
	t.Parallel()
	sqlstoretest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		t.Parallel()
		wantApplied(t, db, "notes") // never migrated: nothing, and no error

		fsys := files(notesV1, notesV2)
		mustMigrate(t, db, "notes", fsys)
		wantApplied(t, db, "notes", 1, 2)
		if n := count(t, db, "SELECT COUNT(*) FROM notes"); n != 1 {
			t.Fatalf("notes has %d rows after the first run, want 1", n)
		}

		mustMigrate(t, db, "notes", fsys) // no-op
		wantApplied(t, db, "notes", 1, 2)
		if n := count(t, db, "SELECT COUNT(*) FROM notes"); n != 1 {
			t.Fatalf("notes has %d rows after a re-run, want 1 (a version was applied twice)", n)
		}

		mustMigrate(t, db, "notes", files(notesV1, notesV2, notesV3)) // a newer binary
		wantApplied(t, db, "notes", 1, 2, 3)
		if n := count(t, db, "SELECT COUNT(*) FROM tags"); n != 0 {
			t.Fatalf("tags has %d rows, want 0", n)
		}
	})
}

func TestMigrateKeepsSourcesApart(t *testing.T) {
	t.Parallel()
	other := map[string]string{
		"sqlite/0001_other.sql": "CREATE TABLE other (id INTEGER PRIMARY KEY);",
		"mysql/0001_other.sql":  "CREATE TABLE other (id BIGINT NOT NULL PRIMARY KEY);",
	}
	sqlstoretest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		t.Parallel()
		mustMigrate(t, db, "notes", files(notesV1))
		mustMigrate(t, db, "other", files(other))
		mustMigrate(t, db, "notes", files(notesV1, notesV2))
		wantApplied(t, db, "notes", 1, 2)
		wantApplied(t, db, "other", 1)
		count(t, db, "SELECT COUNT(*) FROM other")
	})
}

func TestMigrateConcurrentInstancesApplyOnce(t *testing.T) {
	t.Parallel()
	sqlstoretest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		t.Parallel()
		// Two instances of a role starting at once, each with its own pool,
		// each maybe migrating from two goroutines.
		handles := []*sqlstore.DB{db, sqlstoretest.Reopen(t, db)}
		fsys := files(notesV1, notesV2, notesV3)
		var wg sync.WaitGroup
		errs := make(chan error, 4)
		for i := range 4 {
			wg.Go(func() {
				errs <- sqlstore.Migrate(platformtest.Context(t), handles[i%2], "notes", fsys)
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Errorf("concurrent Migrate: %v", err)
			}
		}
		wantApplied(t, db, "notes", 1, 2, 3)
		if n := count(t, db, "SELECT COUNT(*) FROM notes"); n != 1 {
			t.Fatalf("notes has %d rows, want 1 (a version was applied twice)", n)
		}
	})
}

func TestMigrateRefusesDatabaseNewerThanBinary(t *testing.T) {
	t.Parallel()
	sqlstoretest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		t.Parallel()
		mustMigrate(t, db, "notes", files(notesV1, notesV2, notesV3))
		err := sqlstore.Migrate(platformtest.Context(t), db, "notes", files(notesV1, notesV2))
		if err == nil {
			t.Fatal("an older binary migrated a newer database without error")
		}
		if want := "database notes is at version 3, this binary knows up to 2"; !strings.Contains(err.Error(), want) {
			t.Fatalf("error %q does not say %q", err, want)
		}
	})
}

func TestMigrateFailingFileIsNotRecorded(t *testing.T) {
	t.Parallel()
	broken := map[string]string{
		"sqlite/0002_broken.sql": "CREATE TABLE half (id INTEGER PRIMARY KEY);\nTHIS IS NOT SQL;\n",
		"mysql/0002_broken.sql":  "CREATE TABLE half (id BIGINT NOT NULL PRIMARY KEY);\nTHIS IS NOT SQL;\n",
	}
	sqlstoretest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		t.Parallel()
		err := sqlstore.Migrate(platformtest.Context(t), db, "notes", files(notesV1, broken))
		if err == nil {
			t.Fatal("a broken migration was applied without error")
		}
		for _, want := range []string{"0002_broken", "statement 2 of 2"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not name %q", err, want)
			}
		}
		wantApplied(t, db, "notes", 1)
		if db.Dialect == sqlstore.SQLite {
			// The file ran in one transaction: its first statement is gone too.
			if n := count(t, db, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'half'"); n != 0 {
				t.Fatal("the failed file's first statement stayed applied on SQLite")
			}
		}
	})
}

func TestMigrateRejectsBadFiles(t *testing.T) {
	t.Parallel()
	db := sqlstoretest.SQLite(t)
	for _, tc := range []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"no file for the dialect", map[string]string{"mysql/0001_a.sql": "SELECT 1;"}, "read migrations for sqlite"},
		{"name without a version", map[string]string{"sqlite/first.sql": "SELECT 1;"}, "NNNN_name.sql"},
		{"version zero", map[string]string{"sqlite/0000_a.sql": "SELECT 1;"}, "NNNN > 0"},
		{"not sql", map[string]string{"sqlite/0001_a.txt": "SELECT 1;"}, "not a .sql file"},
		{"duplicate version", map[string]string{"sqlite/0001_a.sql": "SELECT 1;", "sqlite/01_b.sql": "SELECT 1;"}, "appears twice"},
		{"only comments", map[string]string{"sqlite/0001_a.sql": "-- nothing;\n\n"}, "no statements"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := sqlstore.Migrate(context.Background(), db, "bad", files(tc.files))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Migrate = %v, want an error saying %q", err, tc.want)
			}
		})
	}
	wantApplied(t, db, "bad")
}
