package user

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"runtime"
	"time"

	"github.com/google/uuid"

	"github.com/parleychat/parley/internal/blob"
	"github.com/parleychat/parley/internal/email"
	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/sqlstore"
	"github.com/parleychat/parley/internal/token"
)

// Code lifetimes (API.md "Accounts and sessions").
const (
	VerificationTTL = email.VerificationValidity // 24 h
	ResetTTL        = email.ResetValidity        // 1 h
)

// Tokens is the part of the token role the user role uses. Both
// *token.Service (in-process) and *token.Client (RPC) implement it.
type Tokens interface {
	// Issue starts a new session (refresh-token family) for the user.
	Issue(ctx context.Context, userID string) (token.Pair, error)
	// Refresh rotates a refresh token; errs.Unauthenticated if it is
	// missing, expired, revoked or reused.
	Refresh(ctx context.Context, refreshToken string) (token.Pair, error)
	// RevokeSession revokes one family; idempotent.
	RevokeSession(ctx context.Context, sessionID string) error
	// RevokeUser revokes every family of the user but keepSessionID ("" =
	// all).
	RevokeUser(ctx context.Context, userID, keepSessionID string) error
}

// Config holds what a Service needs.
type Config struct {
	// DB is the role's database, migrated with Migrate.
	DB *sqlstore.DB
	// Blob keeps the pictures, under users/<id>/.
	Blob blob.Store
	// Tokens issues and revokes sessions.
	Tokens Tokens
	// Limiter counts attempts for the abuse limits (limits.go).
	Limiter Limiter
	// Notify, when set, is called after every commit that added outbox
	// rows (events or mail), so the relay publishes them at once; the
	// relay's Notify method fits.
	Notify func()
	// Logger receives failures that do not fail the request (a leftover
	// picture that could not be deleted…). Nil discards them.
	Logger *slog.Logger
	// Hash are the argon2id parameters of new password hashes; zero means
	// DefaultHashParams.
	Hash HashParams
	// Now is the clock; nil means time.Now. Tests move it to expire codes.
	Now func() time.Time
}

// Service is the user role's domain: accounts, verification, sessions,
// passwords and pictures. It knows nothing of HTTP. It is safe for
// concurrent use, and several instances may share one database.
type Service struct {
	db      *sqlstore.DB
	store   *store
	blob    blob.Store
	tokens  Tokens
	limiter Limiter
	notify  func()
	log     *slog.Logger
	hasher  *hasher
	now     func() time.Time
	// decode bounds how many pictures are decoded at once: a 4096×4096
	// picture takes up to 128 MiB while it is processed.
	decode chan struct{}
}

// NewService checks c and returns a Service. Building it takes one
// password hash (the dummy hash of unknown logins).
func NewService(c Config) (*Service, error) {
	switch {
	case c.DB == nil:
		return nil, errors.New("user: NewService: no database")
	case c.Blob == nil:
		return nil, errors.New("user: NewService: no blob store")
	case c.Tokens == nil:
		return nil, errors.New("user: NewService: no token service")
	case c.Limiter == nil:
		return nil, errors.New("user: NewService: no rate limiter")
	}
	if c.Hash == (HashParams{}) {
		c.Hash = DefaultHashParams
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Notify == nil {
		c.Notify = func() {}
	}
	h, err := newHasher(c.Hash, 2*runtime.GOMAXPROCS(0))
	if err != nil {
		return nil, fmt.Errorf("user: NewService: %w", err)
	}
	return &Service{
		db: c.DB, store: newStore(c.DB), blob: c.Blob, tokens: c.Tokens, limiter: c.Limiter,
		notify: c.Notify, log: c.Logger, hasher: h, now: c.Now,
		decode: make(chan struct{}, max(1, runtime.GOMAXPROCS(0)/2)),
	}, nil
}

func (s *Service) clock() time.Time { return sqlstore.Time(s.now()) }

// Registration is the input of Register.
type Registration struct {
	Username string `json:"username"`
	Email    string `json:"email"`
	Password string `json:"password"`
}

// Register creates an unverified account and queues its verification
// mail. Every invalid field is reported at once (errs.Invalid with
// Fields); a taken username or address is errs.Conflict with
// fields.username / fields.email. addr is the client address, for the
// registration limit.
func (s *Service) Register(ctx context.Context, in Registration, addr netip.Addr) (Me, error) {
	address, emailProblem := normalizeEmail(in.Email)
	if err := invalid(map[string]string{
		"username": validUsername(in.Username),
		"email":    emailProblem,
		"password": validPassword(in.Password),
	}); err != nil {
		return Me{}, err
	}
	if err := s.allow(ctx, "registration", limitCheck{limitRegisterAddr, addrKey(addr)}); err != nil {
		return Me{}, err
	}
	hash, err := s.hasher.hash(ctx, in.Password)
	if err != nil {
		return Me{}, fmt.Errorf("register: %w", err)
	}
	now := s.clock()
	a := account{ID: uuid.Must(uuid.NewV7()).String(), Username: in.Username, Email: address, PasswordHash: hash, CreatedAt: now}
	err = sqlstore.InTx(ctx, s.db, func(tx *sql.Tx) error {
		if err := s.store.insert(ctx, tx, a, now); err != nil {
			return err
		}
		code, err := s.store.issueCode(ctx, tx, a.ID, purposeVerification, VerificationTTL, false, now)
		if err != nil {
			return err
		}
		if err := addEvent(ctx, tx, EventRegistered, a); err != nil {
			return err
		}
		return addMail(ctx, tx, email.KindVerification, a, code)
	})
	if err != nil {
		return Me{}, fmt.Errorf("register: %w", err)
	}
	s.notify()
	return a.me(), nil
}

// Verify marks the account of a verification code verified and returns
// it. Codes work once, for VerificationTTL; an unknown, used or expired
// code is errs.Invalid.
func (s *Service) Verify(ctx context.Context, code string) (Me, error) {
	if code == "" {
		return Me{}, errs.Field("code", "is required")
	}
	var me Me
	changed := false
	err := sqlstore.InTx(ctx, s.db, func(tx *sql.Tx) error {
		now := s.clock()
		changed = false
		id, err := s.store.useCode(ctx, tx, code, purposeVerification, now)
		if err != nil {
			return err
		}
		a, err := s.store.byID(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if !a.EmailVerified {
			if changed, err = s.markVerified(ctx, tx, &a, now); err != nil {
				return err
			}
		}
		me = a.me()
		return nil
	})
	if err != nil {
		return Me{}, fmt.Errorf("verify: %w", err)
	}
	if changed {
		s.notify()
	}
	return me, nil
}

// markVerified sets a verified, retires its other verification codes and
// emits user.verified, in tx.
func (s *Service) markVerified(ctx context.Context, tx *sql.Tx, a *account, now time.Time) (bool, error) {
	if err := s.store.setVerified(ctx, tx, a.ID, now); err != nil {
		return false, err
	}
	a.EmailVerified = true
	if err := s.store.retireCodes(ctx, tx, a.ID, purposeVerification, now); err != nil {
		return false, err
	}
	if err := addEvent(ctx, tx, EventVerified, *a); err != nil {
		return false, err
	}
	return true, nil
}

// ResendVerification queues a new verification mail when email belongs to
// an unverified account. Outwardly it always succeeds (so nothing reveals
// whether the address has an account), unless the address is malformed
// or a limit refuses.
func (s *Service) ResendVerification(ctx context.Context, emailIn string, addr netip.Addr) error {
	return s.mailCode(ctx, emailIn, addr, "verification mail", limitResendEmail, limitResendAddr,
		func(ctx context.Context, tx *sql.Tx, a account, now time.Time) (bool, error) {
			if a.EmailVerified {
				return false, nil
			}
			code, err := s.store.issueCode(ctx, tx, a.ID, purposeVerification, VerificationTTL, false, now)
			if err != nil {
				return false, err
			}
			return true, addMail(ctx, tx, email.KindVerification, a, code)
		})
}

// ForgotPassword queues a password-reset mail when email belongs to an
// account. The new code replaces any earlier reset code. Outwardly it
// always succeeds, as ResendVerification does.
func (s *Service) ForgotPassword(ctx context.Context, emailIn string, addr netip.Addr) error {
	return s.mailCode(ctx, emailIn, addr, "password reset", limitForgotEmail, limitForgotAddr,
		func(ctx context.Context, tx *sql.Tx, a account, now time.Time) (bool, error) {
			code, err := s.store.issueCode(ctx, tx, a.ID, purposeReset, ResetTTL, true, now)
			if err != nil {
				return false, err
			}
			return true, addMail(ctx, tx, email.KindPasswordReset, a, code)
		})
}

// mailCode is the shared path of ResendVerification and ForgotPassword:
// check the address, count it against the limits, and run issue on the
// account (locked) if there is one.
func (s *Service) mailCode(ctx context.Context, emailIn string, addr netip.Addr, what string, perEmail, perAddr limit,
	issue func(ctx context.Context, tx *sql.Tx, a account, now time.Time) (bool, error)) error {
	address, problem := normalizeEmail(emailIn)
	if problem != "" {
		return errs.Field("email", problem)
	}
	if err := s.allow(ctx, what, limitCheck{perAddr, addrKey(addr)}, limitCheck{perEmail, emailKey(address)}); err != nil {
		return err
	}
	a, err := s.store.byEmail(ctx, s.db, address)
	if errs.Is(err, errs.NotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	queued := false
	err = sqlstore.InTx(ctx, s.db, func(tx *sql.Tx) error {
		locked, err := s.store.byID(ctx, tx, a.ID, true)
		if errs.Is(err, errs.NotFound) {
			queued = false
			return nil
		}
		if err != nil {
			return err
		}
		queued, err = issue(ctx, tx, locked, s.clock())
		return err
	})
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if queued {
		s.notify()
	}
	return nil
}

// Me returns the account of the signed-in user.
func (s *Service) Me(ctx context.Context, userID string) (Me, error) {
	a, err := s.store.byID(ctx, s.db, userID, false)
	if err != nil {
		return Me{}, fmt.Errorf("me: %w", err)
	}
	return a.me(), nil
}

// Get returns the public view of a verified user; anything else
// (malformed id, unknown or unverified user) is errs.NotFound.
func (s *Service) Get(ctx context.Context, id string) (User, error) {
	a, err := s.visible(ctx, id)
	if err != nil {
		return User{}, err
	}
	return a.public(), nil
}

// visible reads a user others may see: one that exists and is verified.
func (s *Service) visible(ctx context.Context, id string) (account, error) {
	if !validID(id) {
		return account{}, errs.E(errs.NotFound, "no such user")
	}
	a, err := s.store.byID(ctx, s.db, id, false)
	if err != nil {
		return account{}, fmt.Errorf("get user: %w", err)
	}
	if !a.EmailVerified {
		return account{}, errs.E(errs.NotFound, "no such user")
	}
	return a, nil
}
