package user

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/parleychat/parley/internal/sqlstore"
)

// SetDisplayName sets the name the user is shown by (see
// normalizeDisplayName for what is accepted: it is trimmed first) and
// returns the account. "" (or only white space) clears it. A bad name is
// errs.Invalid with fields.displayName and changes nothing. Edits are
// counted per user against the profile limit (429); a name equal to the
// stored one is accepted and emits nothing, any other change emits
// user.updated with the whole public view.
func (s *Service) SetDisplayName(ctx context.Context, userID, name string) (Me, error) {
	name, problem := normalizeDisplayName(name)
	if err := invalid(map[string]string{"displayName": problem}); err != nil {
		return Me{}, err
	}
	if err := s.allow(ctx, "profile edit", limitCheck{limitProfileUser, userID}); err != nil {
		return Me{}, err
	}
	var me Me
	changed := false
	err := sqlstore.InTx(ctx, s.db, func(tx *sql.Tx) error {
		changed = false
		a, err := s.store.byID(ctx, tx, userID, true)
		if err != nil {
			return err
		}
		if a.DisplayName.String == name {
			me = a.me()
			return nil
		}
		if err := s.store.setDisplayName(ctx, tx, userID, name, s.clock()); err != nil {
			return err
		}
		a.DisplayName = sql.NullString{String: name, Valid: name != ""}
		me, changed = a.me(), true
		return addEvent(ctx, tx, EventUpdated, a)
	})
	if err != nil {
		return Me{}, fmt.Errorf("set display name: %w", err)
	}
	if changed {
		s.notify()
	}
	return me, nil
}
