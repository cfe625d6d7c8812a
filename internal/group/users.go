package group

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/parleychat/parley/internal/event"
	"github.com/parleychat/parley/internal/sqlstore"
	"github.com/parleychat/parley/internal/user"
)

// HandleUserEvent applies one event of the users topic to the role's user
// projection. The node subscribes it to user.Topic with consumer group
// "group". Only verified users exist for the role: user.verified and
// user.updated insert or update the user (user.updated is only emitted
// for accounts that can sign in, which are verified), user.registered and
// unknown types are ignored. It is idempotent and ignores events older
// than the newest one applied to the user, so duplicates and replays
// change nothing. A payload that does not decode is event.Permanent.
func (s *Service) HandleUserEvent(ctx context.Context, e event.Event) error {
	if e.Type != user.EventVerified && e.Type != user.EventUpdated {
		return nil
	}
	var c user.Changed
	if err := e.Decode(&c); err != nil {
		return fmt.Errorf("group: %s %s: %w", e.Type, e.ID, err)
	}
	if c.UserID == "" || len(c.UserID) > 36 || c.Username == "" || len(c.Username) > 32 ||
		(c.PictureURL != nil && len(*c.PictureURL) > 512) {
		// The user role never sends these; retrying cannot store them.
		return event.Permanent(fmt.Errorf("group: %s %s: userId (1–36), username (1–32) or pictureUrl (≤ 512) out of bounds", e.Type, e.ID))
	}
	at := e.OccurredAt
	if at.IsZero() {
		at = time.Unix(0, 0)
	}
	at = sqlstore.Time(at)
	pic := sql.NullString{}
	if c.PictureURL != nil {
		pic = sql.NullString{String: *c.PictureURL, Valid: true}
	}
	err := sqlstore.InTx(ctx, s.db, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE group_users SET username = ?, picture_url = ?, event_at = ?
			WHERE id = ? AND event_at <= ?`, c.Username, pic, at, c.UserID, at)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n > 0 {
			return err
		}
		var one int
		err = tx.QueryRowContext(ctx, `SELECT 1 FROM group_users WHERE id = ?`, c.UserID).Scan(&one)
		if err == nil {
			return nil // a newer event was applied already (or MySQL saw no change)
		}
		if err != sql.ErrNoRows {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO group_users (id, username, picture_url, event_at) VALUES (?, ?, ?, ?)`,
			c.UserID, c.Username, pic, at)
		return err
	})
	if err != nil {
		return fmt.Errorf("group: apply %s %s: %w", e.Type, e.ID, err)
	}
	return nil
}
