package group

import (
	"context"
	"database/sql"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/parleychat/parley/internal/errs"
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
		(c.PictureURL != nil && len(*c.PictureURL) > 512) || !displayNameFits(c.DisplayName) {
		// The user role never sends these; retrying cannot store them.
		return event.Permanent(fmt.Errorf("group: %s %s: userId (1–36), username (1–32), displayName (≤ 64) or pictureUrl (≤ 512) out of bounds", e.Type, e.ID))
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
		res, err := tx.ExecContext(ctx, `UPDATE group_users SET username = ?, display_name = ?, picture_url = ?, event_at = ?
			WHERE id = ? AND event_at <= ?`, c.Username, displayName(c.DisplayName), pic, at, c.UserID, at)
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
		_, err = tx.ExecContext(ctx, `INSERT INTO group_users (id, username, display_name, picture_url, event_at) VALUES (?, ?, ?, ?, ?)`,
			c.UserID, c.Username, displayName(c.DisplayName), pic, at)
		return err
	})
	if err != nil {
		return fmt.Errorf("group: apply %s %s: %w", e.Type, e.ID, err)
	}
	return nil
}

// displayNameFits reports whether a display name fits the projection's
// column (user.MaxDisplayNameLen characters of valid UTF-8).
func displayNameFits(s string) bool {
	return utf8.ValidString(s) && utf8.RuneCountInString(s) <= user.MaxDisplayNameLen
}

// displayName is the column value of a display name: NULL for none.
func displayName(s string) sql.NullString {
	return sql.NullString{String: s, Valid: s != ""}
}

// Users is the owner of users, the user role: *user.Service in-process,
// *user.Client over RPC. Get returns a verified user; anyone else is
// errs.NotFound.
type Users interface {
	Get(ctx context.Context, id string) (user.User, error)
}

// knownUser makes sure the projection knows userID when the user role
// does: a user who has just verified, and at once creates a group or is
// invited, must not wait for the users topic (read-your-writes across
// roles). On a miss it asks the user role and inserts what it answers,
// unless a row appeared meanwhile. The row carries the oldest possible
// event time, so every event still on its way replaces it and the
// projection ends on the newest event exactly as before.
//
// It returns errs.NotFound when neither knows the user (or no Users is
// configured) and the user role's error when it cannot be asked.
func (s *Service) knownUser(ctx context.Context, userID string) error {
	_, err := s.store.user(ctx, s.db, userID)
	if !errs.Is(err, errs.NotFound) || s.users == nil {
		return err
	}
	u, err := s.users.Get(ctx, userID)
	if err != nil {
		return fmt.Errorf("ask the user role for %s: %w", userID, err)
	}
	if u.ID != userID || u.Username == "" || len(u.Username) > 32 || (u.PictureURL != nil && len(*u.PictureURL) > 512) || !displayNameFits(u.DisplayName) {
		return errs.E(errs.Internal, "the user role answered an unusable user for %s", userID)
	}
	pic := sql.NullString{}
	if u.PictureURL != nil {
		pic = sql.NullString{String: *u.PictureURL, Valid: true}
	}
	insert := "INSERT OR IGNORE"
	if s.db.Dialect == sqlstore.MySQL {
		insert = "INSERT IGNORE"
	}
	_, err = s.db.ExecContext(ctx, insert+` INTO group_users (id, username, display_name, picture_url, event_at) VALUES (?, ?, ?, ?, ?)`,
		u.ID, u.Username, displayName(u.DisplayName), pic, sqlstore.Time(time.Unix(0, 0)))
	if err != nil {
		return fmt.Errorf("project user %s: %w", userID, err)
	}
	return nil
}
