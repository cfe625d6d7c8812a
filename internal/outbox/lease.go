package outbox

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"time"

	"github.com/parleychat/parley/internal/sqlstore"
)

// lease is one relay's view of the outbox_lease row of its outbox. The row
// names the holder and when its hold expires; a holder renews it well
// before then, anyone may take it after. Times come from each instance's
// clock, so instance clocks must agree to well within the TTL.
type lease struct {
	db     *sqlstore.DB
	name   string
	ttl    time.Duration
	holder string

	// Owned by the relay's goroutine.
	held    bool
	renewAt time.Time // when to renew (a third of the TTL after taking it)
}

func newLease(db *sqlstore.DB, name string, ttl time.Duration) *lease {
	host, _ := os.Hostname()
	if len(host) > 100 {
		host = host[:100]
	}
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return &lease{
		db:     db,
		name:   name,
		ttl:    ttl,
		holder: fmt.Sprintf("%s/%d/%s", host, os.Getpid(), hex.EncodeToString(b)),
	}
}

// hold reports whether this relay holds the lease, taking or renewing it
// when it is not held or due for renewal. The take is atomic: of several
// relays trying at once, at most one succeeds.
func (l *lease) hold(ctx context.Context) (bool, error) {
	now := sqlstore.Now()
	if l.held && now.Before(l.renewAt) {
		return true, nil
	}
	l.held = false
	expires := now.Add(l.ttl)
	res, err := l.db.ExecContext(ctx,
		"UPDATE outbox_lease SET holder = ?, expires_at = ? WHERE name = ? AND (holder = ? OR expires_at < ?)",
		l.holder, expires, l.name, l.holder, now)
	if err != nil {
		return false, fmt.Errorf("take lease %s: %w", l.name, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("take lease %s: %w", l.name, err)
	}
	if n == 0 {
		// No row yet, or another holder's unexpired row (or, on MySQL, our
		// own row with an unchanged expiry, which counts as unchanged).
		_, err := l.db.ExecContext(ctx,
			"INSERT INTO outbox_lease (name, holder, expires_at) VALUES (?, ?, ?)", l.name, l.holder, expires)
		switch {
		case err == nil:
		case sqlstore.IsDuplicate(err):
			var holder string
			if err := l.db.QueryRowContext(ctx, "SELECT holder FROM outbox_lease WHERE name = ?", l.name).Scan(&holder); err != nil {
				return false, fmt.Errorf("read lease %s: %w", l.name, err)
			}
			if holder != l.holder {
				return false, nil
			}
		default:
			return false, fmt.Errorf("create lease %s: %w", l.name, err)
		}
	}
	l.held = true
	l.renewAt = now.Add(l.ttl / 3)
	return true, nil
}

// release deletes the lease row if this relay holds it, so that another
// relay takes the lease at its next attempt, and reports whether it did.
func (l *lease) release(ctx context.Context) (bool, error) {
	l.held = false
	res, err := l.db.ExecContext(ctx, "DELETE FROM outbox_lease WHERE name = ? AND holder = ?", l.name, l.holder)
	if err != nil {
		return false, fmt.Errorf("release lease %s: %w", l.name, err)
	}
	n, err := res.RowsAffected()
	return n > 0, err
}
