package user

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
	"unicode/utf8"

	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/token"
)

// Session is a signed-in session: its tokens and its user.
type Session struct {
	Tokens token.Pair
	User   Me
}

func errBadCredentials() error {
	return errs.E(errs.Unauthenticated, "wrong email or password")
}

// Login checks an address and password and starts a session. Unknown
// addresses and wrong passwords are the same errs.Unauthenticated error
// and take the same time (unknown addresses are checked against a dummy
// hash). Only once the password matched does an unverified account get
// errs.Forbidden with Detail "email_not_verified". Attempts count against
// the login limits per client address and per (address, client address)
// before the password is checked.
func (s *Service) Login(ctx context.Context, emailIn, password string, addr netip.Addr) (Session, error) {
	if err := invalid(map[string]string{"email": required(emailIn), "password": required(password)}); err != nil {
		return Session{}, err
	}
	address, problem := normalizeEmail(emailIn)
	key := address
	if problem != "" {
		key = strings.ToLower(strings.TrimSpace(emailIn))
	}
	if err := s.allow(ctx, "login", limitCheck{limitLoginAddr, addrKey(addr)}, limitCheck{limitLoginEmailAddr, emailKey(key) + ":" + addrKey(addr)}); err != nil {
		return Session{}, err
	}
	var a account
	var err error = errs.E(errs.NotFound, "no such user")
	if problem == "" && utf8.RuneCountInString(password) <= MaxPasswordLen {
		a, err = s.store.byEmail(ctx, s.db, address)
	}
	if errs.Is(err, errs.NotFound) {
		if err := s.hasher.checkDummy(ctx, password); err != nil {
			return Session{}, fmt.Errorf("login: %w", err)
		}
		return Session{}, errBadCredentials()
	}
	if err != nil {
		return Session{}, fmt.Errorf("login: %w", err)
	}
	ok, stale, err := s.hasher.check(ctx, a.PasswordHash, password)
	if err != nil {
		return Session{}, fmt.Errorf("login %s: %w", a.ID, err)
	}
	if !ok {
		return Session{}, errBadCredentials()
	}
	if !a.EmailVerified {
		return Session{}, errs.E(errs.Forbidden, "verify your email address before logging in").WithDetail("email_not_verified")
	}
	if stale {
		s.upgradeHash(ctx, a, password)
	}
	pair, err := s.tokens.Issue(ctx, a.ID)
	if err != nil {
		return Session{}, fmt.Errorf("login %s: issue session: %w", a.ID, err)
	}
	return Session{Tokens: pair, User: a.me()}, nil
}

// upgradeHash rehashes a password whose hash used older parameters. A
// failure is logged; the login goes on.
func (s *Service) upgradeHash(ctx context.Context, a account, password string) {
	h, err := s.hasher.hash(ctx, password)
	if err == nil {
		err = s.store.replacePasswordHash(ctx, a.ID, a.PasswordHash, h)
	}
	if err != nil {
		s.log.WarnContext(ctx, "password hash upgrade failed", "user", a.ID, "err", err)
	}
}

func required(v string) string {
	if strings.TrimSpace(v) == "" {
		return "is required"
	}
	return ""
}

// Refresh rotates a refresh token (token role semantics: reuse of a
// rotated token revokes its whole family).
func (s *Service) Refresh(ctx context.Context, refreshToken string) (token.Pair, error) {
	if refreshToken == "" {
		return token.Pair{}, errs.E(errs.Unauthenticated, "no refresh token")
	}
	pair, err := s.tokens.Refresh(ctx, refreshToken)
	if err != nil {
		return token.Pair{}, fmt.Errorf("refresh: %w", err)
	}
	return pair, nil
}

// Logout revokes the session sessionID and, when refreshToken is a valid
// refresh token of another session, that one too. Revoking an already
// revoked session succeeds.
func (s *Service) Logout(ctx context.Context, sessionID, refreshToken string) error {
	if err := s.tokens.RevokeSession(ctx, sessionID); err != nil {
		return fmt.Errorf("logout: %w", err)
	}
	if refreshToken == "" {
		return nil
	}
	// The token role names a refresh token's family only when it rotates
	// it. A token of the session just revoked fails here, which is fine;
	// a valid one of another session is rotated, then revoked whole.
	pair, err := s.tokens.Refresh(ctx, refreshToken)
	switch {
	case errs.Is(err, errs.Unauthenticated):
		return nil
	case err != nil:
		return fmt.Errorf("logout: %w", err)
	case pair.SessionID != sessionID:
		if err := s.tokens.RevokeSession(ctx, pair.SessionID); err != nil {
			return fmt.Errorf("logout: %w", err)
		}
	}
	return nil
}
