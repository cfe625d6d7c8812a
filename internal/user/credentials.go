package user

import (
	"context"
	"database/sql"
	"fmt"
	"unicode/utf8"

	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/sqlstore"
)

// ResetPassword sets a new password with a reset code (single use, valid
// for ResetTTL) and revokes every session of the user. Since the code
// proves the user reads the address, an unverified account becomes
// verified. An unknown, used or expired code is errs.Invalid.
func (s *Service) ResetPassword(ctx context.Context, code, password string) error {
	if err := invalid(map[string]string{"code": required(code), "password": validPassword(password)}); err != nil {
		return err
	}
	// Check the code before spending a hash on it; it is used (atomically)
	// in the transaction below.
	if err := s.store.peekCode(ctx, code, purposeReset, s.clock()); err != nil {
		return err
	}
	hash, err := s.hasher.hash(ctx, password)
	if err != nil {
		return fmt.Errorf("reset password: %w", err)
	}
	var userID string
	verified := false
	err = sqlstore.InTx(ctx, s.db, func(tx *sql.Tx) error {
		now := s.clock()
		verified = false
		id, err := s.store.useCode(ctx, tx, code, purposeReset, now)
		if err != nil {
			return err
		}
		a, err := s.store.byID(ctx, tx, id, true)
		if err != nil {
			return err
		}
		userID = a.ID
		if err := s.store.setPassword(ctx, tx, a.ID, hash, now); err != nil {
			return err
		}
		if err := s.store.retireCodes(ctx, tx, a.ID, purposeReset, now); err != nil {
			return err
		}
		if !a.EmailVerified {
			if verified, err = s.markVerified(ctx, tx, &a, now); err != nil {
				return err
			}
		}
		// Revoke before committing: if the token role cannot be reached
		// the password stays as it was and the code stays usable.
		return s.revoke(ctx, a.ID, "")
	})
	if err != nil {
		return fmt.Errorf("reset password: %w", err)
	}
	if verified {
		s.notify()
	}
	s.revokeAgain(ctx, userID, "")
	return nil
}

// PasswordChange is the input of ChangePassword.
type PasswordChange struct {
	CurrentPassword string `json:"currentPassword"`
	NewPassword     string `json:"newPassword"`
}

// ChangePassword replaces the password of the signed-in user after
// checking the current one (errs.Forbidden when wrong; attempts are
// limited per user) and revokes every other session of the user;
// sessionID, the caller's own, stays valid.
func (s *Service) ChangePassword(ctx context.Context, userID, sessionID string, in PasswordChange) error {
	if err := invalid(map[string]string{"currentPassword": required(in.CurrentPassword), "newPassword": validPassword(in.NewPassword)}); err != nil {
		return err
	}
	if err := s.allow(ctx, "password", limitCheck{limitPasswordCheck, userID}); err != nil {
		return err
	}
	a, err := s.store.byID(ctx, s.db, userID, false)
	if err != nil {
		return fmt.Errorf("change password: %w", err)
	}
	ok := false
	if utf8.RuneCountInString(in.CurrentPassword) <= MaxPasswordLen {
		if ok, _, err = s.hasher.check(ctx, a.PasswordHash, in.CurrentPassword); err != nil {
			return fmt.Errorf("change password of %s: %w", userID, err)
		}
	}
	if !ok {
		return errs.E(errs.Forbidden, "the current password is wrong")
	}
	hash, err := s.hasher.hash(ctx, in.NewPassword)
	if err != nil {
		return fmt.Errorf("change password: %w", err)
	}
	err = sqlstore.InTx(ctx, s.db, func(tx *sql.Tx) error {
		if err := s.store.setPassword(ctx, tx, userID, hash, s.clock()); err != nil {
			return err
		}
		return s.revoke(ctx, userID, sessionID)
	})
	if err != nil {
		return fmt.Errorf("change password: %w", err)
	}
	s.revokeAgain(ctx, userID, sessionID)
	return nil
}

func (s *Service) revoke(ctx context.Context, userID, keep string) error {
	if err := s.tokens.RevokeUser(ctx, userID, keep); err != nil {
		return fmt.Errorf("revoke sessions: %w", err)
	}
	return nil
}

// revokeAgain closes the window between the revocation inside a password
// transaction and its commit, in which a login with the old password
// could have started a session. A failure is only logged: the sessions
// that existed before were revoked already.
func (s *Service) revokeAgain(ctx context.Context, userID, keep string) {
	if err := s.revoke(ctx, userID, keep); err != nil {
		s.log.WarnContext(ctx, "second session revocation after a password change failed", "user", userID, "err", err)
	}
}
