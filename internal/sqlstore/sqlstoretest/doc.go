// Package sqlstoretest runs a store's tests on every SQL dialect Parley
// supports: a fresh SQLite file (embedded mode) and a fresh database on the
// real MariaDB/MySQL test server (distributed mode, from
// platformtest.MySQLDatabaseURL). Each is the entry point; SQLite, MySQL
// and Reopen serve tests that need a single dialect or a second handle on
// the same database, as a second instance of a role would have.
//
// Every database is private to the test that opened it and is closed (and,
// on MySQL, dropped) when the test ends. A MySQL server that cannot be
// reached fails the test: it is never skipped.
package sqlstoretest
