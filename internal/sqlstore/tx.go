package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/go-sql-driver/mysql"
	"modernc.org/sqlite"

	"github.com/parleychat/parley/internal/errs"
)

// txAttempts is how many times InTx runs fn when the database keeps
// reporting a transient conflict.
const txAttempts = 5

// SQLite result codes (the driver reports extended codes; the primary code
// is the low byte).
const (
	sqliteBusy              = 5
	sqliteLocked            = 6
	sqliteConstraintPK      = 1555 // SQLITE_CONSTRAINT_PRIMARYKEY
	sqliteConstraintUnique  = 2067 // SQLITE_CONSTRAINT_UNIQUE
	mysqlDuplicateEntry     = 1062 // ER_DUP_ENTRY
	mysqlLockWaitTimeout    = 1205 // ER_LOCK_WAIT_TIMEOUT
	mysqlDeadlock           = 1213 // ER_LOCK_DEADLOCK
	mysqlDuplicateKeyUnique = 1586 // ER_DUP_ENTRY_WITH_KEY_NAME
)

// InTx runs fn in a transaction and commits it when fn returns nil. When fn
// returns an error the transaction is rolled back and that error is
// returned as is; when fn panics the transaction is rolled back and the
// panic continues. On SQLite the transaction holds the write lock from its
// start (BEGIN IMMEDIATE).
//
// A deadlock or lock wait timeout (MySQL) or a busy or locked database
// (SQLite), whether reported to fn, by BEGIN or by COMMIT, rolls back and
// runs fn again, up to 5 times in all, with a short randomised pause, until
// ctx is done. fn must therefore do nothing outside tx that would be wrong
// to repeat (notify a relay after InTx returns, not inside fn).
func InTx(ctx context.Context, db *DB, fn func(tx *sql.Tx) error) error {
	var err error
	for attempt := 1; ; attempt++ {
		err = runTx(ctx, db, fn)
		if err == nil || !IsRetryable(err) {
			return unavailable(err)
		}
		if attempt == txAttempts {
			// Still busy or deadlocked after every attempt: the database
			// is overloaded, which a client may retry later (503).
			return errs.Wrap(errs.Unavailable, err, "the database is busy; try again shortly")
		}
		pause := time.Duration(5<<attempt)*time.Millisecond + rand.N(10*time.Millisecond)
		t := time.NewTimer(pause)
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
	}
}

func runTx(ctx context.Context, db *DB, fn func(tx *sql.Tx) error) (err error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlstore: begin: %w", err)
	}
	done := false
	defer func() {
		if !done {
			_ = tx.Rollback()
		}
	}()
	if err := fn(tx); err != nil {
		done = true
		_ = tx.Rollback()
		return err
	}
	done = true
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlstore: commit: %w", err)
	}
	return nil
}

// unavailable classifies an unclassified error that says the database
// dropped the connection mid-statement (the MySQL driver's
// ErrInvalidConn, which database/sql does not retry) as errs.Unavailable;
// errors that reach the network are classified by errs.As itself.
func unavailable(err error) error {
	if err != nil && errs.As(err) == nil && errors.Is(err, mysql.ErrInvalidConn) {
		return errs.Wrap(errs.Unavailable, err, "the database is unreachable; try again shortly")
	}
	return err
}

// IsRetryable reports whether err is a transient conflict after which the
// whole transaction may succeed when run again: a MySQL deadlock (1213) or
// lock wait timeout (1205), or a busy or locked SQLite database.
func IsRetryable(err error) bool {
	switch mysqlErrno(err) {
	case mysqlDeadlock, mysqlLockWaitTimeout:
		return true
	}
	switch sqliteCode(err) & 0xff {
	case sqliteBusy, sqliteLocked:
		return true
	}
	return false
}

// IsDuplicate reports whether err is a unique or primary key violation:
// MySQL error 1062, or SQLite's UNIQUE or PRIMARY KEY constraint failure.
func IsDuplicate(err error) bool {
	switch mysqlErrno(err) {
	case mysqlDuplicateEntry, mysqlDuplicateKeyUnique:
		return true
	}
	switch sqliteCode(err) {
	case sqliteConstraintPK, sqliteConstraintUnique:
		return true
	}
	return false
}

// sqliteCode returns the extended SQLite result code in err's chain, or 0.
func sqliteCode(err error) int {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code()
	}
	return 0
}
