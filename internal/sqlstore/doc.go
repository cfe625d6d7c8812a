// Package sqlstore opens the SQL database a role owns, applies its
// migrations and runs its transactions, on SQLite (embedded mode) and on
// MySQL 8 / MariaDB 10.6+ (distributed mode).
//
// # Modes
//
// Embedded: sqlite://data/<role>.db, opened with OpenSQLite on
// modernc.org/sqlite (pure Go, no cgo). Every connection runs in WAL mode
// with busy_timeout 5 s, foreign_keys ON and synchronous NORMAL, and every
// transaction starts with BEGIN IMMEDIATE, so two writers queue for the
// write lock instead of deadlocking on a lock upgrade. Readers never block
// the writer.
//
// Distributed: mysql://user:pass@host:3306/parley_<role>?params, opened with
// OpenMySQL on go-sql-driver/mysql. The database is created if missing
// (utf8mb4, utf8mb4_unicode_ci); every connection talks utf8mb4 with the
// unicode collation, in UTC, with parseTime on and time values truncated to
// the microsecond. Extra query parameters are passed to the driver (tls,
// timeout, readTimeout, writeTimeout, …; unknown ones become session
// variables). Error messages never contain the password.
//
// # One SQL for both dialects
//
// Both drivers use ? placeholders, so a store writes one query and keeps
// per-dialect SQL to its migrations (and to the rare statement that truly
// differs, switching on DB.Dialect). Conventions every store follows so
// that a value read back is identical on both:
//
//   - Ids are UUID strings: CHAR(36) on MySQL, TEXT on SQLite.
//   - Times are stored in UTC with microsecond precision: DATETIME(6) on
//     MySQL, a column declared exactly DATETIME on SQLite (the driver writes
//     "2006-01-02 15:04:05.999999999+00:00" text and parses it back into a
//     time.Time only for columns declared DATE, DATETIME or TIMESTAMP; do
//     not write DATETIME(6) there). Bind time.Time values produced by Time
//     or Now (UTC, truncated to the microsecond): a value read back is then
//     Equal to the value written, in time.UTC, on both dialects. Because
//     every stored time is UTC text of the same shape, comparing and
//     ordering times in SQL (expires_at < ?) is correct on SQLite too.
//     Never let the database fill a time (DEFAULT CURRENT_TIMESTAMP, NOW()):
//     its format differs from the one above on SQLite.
//   - Text is utf8mb4 end to end: any Unicode, emoji included, round-trips.
//   - Byte payloads are BLOB on SQLite, MEDIUMBLOB/LONGBLOB on MySQL.
//   - Booleans are INTEGER 0/1 on SQLite and TINYINT(1)/BOOLEAN on MySQL.
//
// # Migrations
//
// Migrate applies a source's embedded migrations (sqlite/NNNN_name.sql and
// mysql/NNNN_name.sql) that schema_migrations does not yet record, in
// version order. Several sources share one database (a role's own schema
// and "outbox"). A database that records a version newer than any the
// binary knows is refused with a clear error rather than used by an old
// binary. Statements in a file are separated by a ';' at the end of a line;
// a line starting with "--" is a comment. On SQLite each file is applied in
// one transaction, so it is applied entirely or not at all. On MySQL, DDL
// commits implicitly: each version is recorded right after its statements
// succeed, and a file that fails halfway leaves its earlier statements
// applied, so keep MySQL migrations to one DDL statement per file or make
// the statements idempotent. Migrate is safe when several instances start
// at once: on SQLite the write lock (BEGIN IMMEDIATE) serialises them, on
// MySQL a named lock (GET_LOCK, per database) does.
//
// # Transactions
//
// InTx runs a function in a transaction and retries the whole function a
// few times when the database reports a deadlock or lock wait timeout
// (MySQL 1213, 1205) or a busy or locked database (SQLite), so the function
// must not have effects outside the transaction it would be wrong to
// repeat. On SQLite every transaction takes the write lock when it begins,
// so reads that need no transaction should not open one. IsDuplicate
// recognises unique-key violations on both dialects.
package sqlstore
