package sqlstore

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
)

// mysqlLockWait is how long Migrate waits for another instance's
// migration to finish on MySQL, in seconds.
const mysqlLockWait = 60

const (
	sqliteMigrationsTable = `CREATE TABLE IF NOT EXISTS schema_migrations (
	source TEXT NOT NULL,
	version INTEGER NOT NULL,
	name TEXT NOT NULL,
	applied_at DATETIME NOT NULL,
	PRIMARY KEY (source, version)
)`
	mysqlMigrationsTable = `CREATE TABLE IF NOT EXISTS schema_migrations (
	source VARCHAR(64) NOT NULL,
	version INT NOT NULL,
	name VARCHAR(255) NOT NULL,
	applied_at DATETIME(6) NOT NULL,
	PRIMARY KEY (source, version)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`
)

// migration is one NNNN_name.sql file of a dialect.
type migration struct {
	version int
	name    string
	stmts   []string
}

func (m migration) String() string { return fmt.Sprintf("%04d_%s", m.version, m.name) }

// querier is what *sql.Tx and *sql.Conn have in common.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// Migrate applies, in version order, the migrations of source in fsys for
// db's dialect (the files <dialect>/NNNN_name.sql) that the database does
// not yet record in schema_migrations, and records each. Running it again
// is a no-op; several sources share one database. It refuses a database
// that records a version of source newer than the newest in fsys. On
// SQLite each file is applied in one transaction; on MySQL each version is
// recorded right after its statements, under a lock that makes concurrent
// Migrate calls on the same database wait (up to 60 s) for each other.
func Migrate(ctx context.Context, db *DB, source string, fsys fs.FS) error {
	if source == "" || len(source) > 64 {
		return fmt.Errorf("sqlstore: migrate: source %q must be 1 to 64 characters", source)
	}
	migs, err := loadMigrations(fsys, db.Dialect)
	if err != nil {
		return fmt.Errorf("sqlstore: migrate %s: %w", source, err)
	}
	switch db.Dialect {
	case SQLite:
		return migrateSQLite(ctx, db, source, migs)
	case MySQL:
		return migrateMySQL(ctx, db, source, migs)
	}
	return fmt.Errorf("sqlstore: migrate %s: unknown dialect %q", source, db.Dialect)
}

// Applied returns the versions of source the database records as applied,
// in ascending order; none when it was never migrated.
func Applied(ctx context.Context, db *DB, source string) ([]int, error) {
	var q string
	switch db.Dialect {
	case SQLite:
		q = "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'"
	case MySQL:
		q = "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = 'schema_migrations'"
	default:
		return nil, fmt.Errorf("sqlstore: applied %s: unknown dialect %q", source, db.Dialect)
	}
	var n int
	if err := db.QueryRowContext(ctx, q).Scan(&n); err != nil {
		return nil, fmt.Errorf("sqlstore: applied %s: %w", source, err)
	}
	if n == 0 {
		return nil, nil
	}
	done, err := appliedVersions(ctx, db.DB, source)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: applied %s: %w", source, err)
	}
	return done, nil
}

func migrateSQLite(ctx context.Context, db *DB, source string, migs []migration) error {
	if _, err := db.ExecContext(ctx, sqliteMigrationsTable); err != nil {
		return fmt.Errorf("sqlstore: migrate %s: create schema_migrations: %w", source, err)
	}
	// One transaction per file. Each starts with BEGIN IMMEDIATE, which
	// holds the write lock: a concurrent Migrate waits, then finds the
	// version recorded.
	for {
		var applied bool
		err := InTx(ctx, db, func(tx *sql.Tx) error {
			applied = false
			done, err := appliedVersions(ctx, tx, source)
			if err != nil {
				return err
			}
			if err := checkNotNewer(source, done, migs); err != nil {
				return err
			}
			pending := pendingOf(migs, done)
			if len(pending) == 0 {
				return nil
			}
			if err := apply(ctx, tx, source, pending[0], "rolled back"); err != nil {
				return err
			}
			applied = true
			return nil
		})
		if err != nil {
			return err
		}
		if !applied {
			return nil
		}
	}
}

func migrateMySQL(ctx context.Context, db *DB, source string, migs []migration) error {
	conn, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("sqlstore: migrate %s: %w", source, err)
	}
	defer conn.Close()
	var dbName sql.NullString
	if err := conn.QueryRowContext(ctx, "SELECT DATABASE()").Scan(&dbName); err != nil {
		return fmt.Errorf("sqlstore: migrate %s: %w", source, err)
	}
	// The named lock belongs to this connection: release it on the same one.
	lock := migrateLockName(dbName.String)
	var got sql.NullInt64
	if err := conn.QueryRowContext(ctx, "SELECT GET_LOCK(?, ?)", lock, mysqlLockWait).Scan(&got); err != nil {
		return fmt.Errorf("sqlstore: migrate %s: take lock %s: %w", source, lock, err)
	}
	if !got.Valid || got.Int64 != 1 {
		return fmt.Errorf("sqlstore: migrate %s: lock %s still held by another instance after %d s", source, lock, mysqlLockWait)
	}
	defer func() {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_, _ = conn.ExecContext(rctx, "DO RELEASE_LOCK(?)", lock)
	}()

	if _, err := conn.ExecContext(ctx, mysqlMigrationsTable); err != nil {
		return fmt.Errorf("sqlstore: migrate %s: create schema_migrations: %w", source, err)
	}
	done, err := appliedVersions(ctx, conn, source)
	if err != nil {
		return fmt.Errorf("sqlstore: migrate %s: %w", source, err)
	}
	if err := checkNotNewer(source, done, migs); err != nil {
		return err
	}
	// DDL commits implicitly on MySQL: record each version as soon as its
	// statements succeeded.
	for _, m := range pendingOf(migs, done) {
		if err := apply(ctx, conn, source, m, "earlier statements of this file stay applied (MySQL DDL is not transactional)"); err != nil {
			return err
		}
	}
	return nil
}

// apply runs m's statements on q and records m. onFailure says what
// became of the statements before a failing one.
func apply(ctx context.Context, q querier, source string, m migration, onFailure string) error {
	for i, stmt := range m.stmts {
		if _, err := q.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("sqlstore: migrate %s %s: statement %d of %d (%s): %w", source, m, i+1, len(m.stmts), onFailure, err)
		}
	}
	_, err := q.ExecContext(ctx,
		"INSERT INTO schema_migrations (source, version, name, applied_at) VALUES (?, ?, ?, ?)",
		source, m.version, m.name, Now())
	if err != nil {
		return fmt.Errorf("sqlstore: migrate %s %s: record version: %w", source, m, err)
	}
	return nil
}

func appliedVersions(ctx context.Context, q querier, source string) ([]int, error) {
	rows, err := q.QueryContext(ctx, "SELECT version FROM schema_migrations WHERE source = ? ORDER BY version", source)
	if err != nil {
		return nil, fmt.Errorf("read schema_migrations: %w", err)
	}
	defer rows.Close()
	var done []int
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			return nil, fmt.Errorf("read schema_migrations: %w", err)
		}
		done = append(done, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read schema_migrations: %w", err)
	}
	return done, nil
}

// checkNotNewer refuses a database migrated by a newer binary.
func checkNotNewer(source string, done []int, migs []migration) error {
	if len(done) == 0 {
		return nil
	}
	newest := slices.Max(done)
	known := 0
	if len(migs) > 0 {
		known = migs[len(migs)-1].version
	}
	if newest > known {
		return fmt.Errorf("sqlstore: database %s is at version %d, this binary knows up to %d: run a newer binary", source, newest, known)
	}
	return nil
}

// pendingOf returns the migrations whose versions are not in done, in
// version order.
func pendingOf(migs []migration, done []int) []migration {
	var pending []migration
	for _, m := range migs {
		if !slices.Contains(done, m.version) {
			pending = append(pending, m)
		}
	}
	return pending
}

// migrateLockName is the MySQL named lock for one database. Named locks
// are server-wide and at most 64 characters long.
func migrateLockName(dbName string) string {
	name := "parley_migrate:" + dbName
	if len(name) > 64 {
		sum := sha256.Sum256([]byte(dbName))
		name = "parley_migrate:" + hex.EncodeToString(sum[:])[:40]
	}
	return name
}

// loadMigrations reads <dialect>/NNNN_name.sql from fsys, sorted by
// version.
func loadMigrations(fsys fs.FS, d Dialect) ([]migration, error) {
	dir := string(d)
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("read migrations for %s: %w", d, err)
	}
	var migs []migration
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		m, err := parseMigrationName(e.Name())
		if err != nil {
			return nil, fmt.Errorf("%s/%s: %w", dir, e.Name(), err)
		}
		text, err := fs.ReadFile(fsys, path.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		m.stmts = splitStatements(string(text))
		if len(m.stmts) == 0 {
			return nil, fmt.Errorf("%s/%s: no statements", dir, e.Name())
		}
		migs = append(migs, m)
	}
	if len(migs) == 0 {
		return nil, fmt.Errorf("no migrations in %s/", dir)
	}
	slices.SortFunc(migs, func(a, b migration) int { return a.version - b.version })
	for i := 1; i < len(migs); i++ {
		if migs[i].version == migs[i-1].version {
			return nil, fmt.Errorf("%s: version %d appears twice (%s, %s)", dir, migs[i].version, migs[i-1], migs[i])
		}
	}
	return migs, nil
}

func parseMigrationName(file string) (migration, error) {
	base, ok := strings.CutSuffix(file, ".sql")
	if !ok {
		return migration{}, fmt.Errorf("not a .sql file: migrations are named NNNN_name.sql")
	}
	num, name, ok := strings.Cut(base, "_")
	v, err := strconv.Atoi(num)
	if !ok || name == "" || err != nil || v <= 0 || strings.TrimLeft(num, "0123456789") != "" {
		return migration{}, fmt.Errorf("migrations are named NNNN_name.sql with NNNN > 0")
	}
	return migration{version: v, name: name}, nil
}

// splitStatements splits a migration file into statements. A statement
// ends with a ';' at the end of a line; lines starting with "--" are
// comments. Text after the last ';' is a final statement.
func splitStatements(text string) []string {
	var stmts []string
	var cur strings.Builder
	flush := func() {
		if s := strings.TrimSpace(cur.String()); s != "" {
			stmts = append(stmts, s)
		}
		cur.Reset()
	}
	for line := range strings.Lines(text) {
		line = strings.TrimRight(line, " \t\r\n")
		if strings.HasPrefix(strings.TrimSpace(line), "--") {
			continue
		}
		if body, ok := strings.CutSuffix(line, ";"); ok {
			cur.WriteString(body)
			flush()
			continue
		}
		cur.WriteString(line)
		cur.WriteByte('\n')
	}
	flush()
	return stmts
}
