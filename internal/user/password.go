package user

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// HashParams are the argon2id parameters new password hashes are made
// with. Each stored hash records its own parameters, so changing them
// affects new hashes only; a hash made with other parameters is upgraded
// the next time its owner logs in.
type HashParams struct {
	Memory  uint32 // KiB
	Time    uint32 // passes
	Threads uint8
}

// DefaultHashParams follow the OWASP Password Storage Cheat Sheet's first
// argon2id recommendation: 19 MiB, two passes, one thread. About 30 ms per
// hash on one core of a current server.
var DefaultHashParams = HashParams{Memory: 19 * 1024, Time: 2, Threads: 1}

const (
	saltLen = 16
	keyLen  = 32
	// Bounds on parameters read back from the database, so a corrupt row
	// cannot make a login allocate gigabytes.
	maxHashMemory  = 1 << 20 // 1 GiB
	maxHashTime    = 64
	hashIDAndVer   = "$argon2id$v=19$"
	errHashCorrupt = "stored password hash is malformed"
)

func (p HashParams) valid() error {
	if p.Threads < 1 || p.Time < 1 || p.Time > maxHashTime || p.Memory < 8*uint32(p.Threads) || p.Memory > maxHashMemory {
		return fmt.Errorf("argon2id parameters m=%d t=%d p=%d out of range", p.Memory, p.Time, p.Threads)
	}
	return nil
}

// hasher hashes and checks passwords, at most a few at a time: each hash
// holds HashParams.Memory of RAM, and a burst of logins must not exhaust
// the process.
type hasher struct {
	params HashParams
	slots  chan struct{}
	// dummy is a hash of a random password with params. Logins for unknown
	// addresses are checked against it, so they take as long as logins
	// for real accounts.
	dummy string
}

func newHasher(p HashParams, concurrency int) (*hasher, error) {
	if err := p.valid(); err != nil {
		return nil, err
	}
	h := &hasher{params: p, slots: make(chan struct{}, max(concurrency, 1))}
	random := make([]byte, 32)
	_, _ = rand.Read(random)
	d, err := h.hash(context.Background(), base64.RawStdEncoding.EncodeToString(random))
	if err != nil {
		return nil, err
	}
	h.dummy = d
	return h, nil
}

func (h *hasher) acquire(ctx context.Context) error {
	select {
	case h.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (h *hasher) release() { <-h.slots }

// hash returns the PHC string form of an argon2id hash of password:
// $argon2id$v=19$m=…,t=…,p=…$<salt>$<hash>, base64 without padding.
func (h *hasher) hash(ctx context.Context, password string) (string, error) {
	if err := h.acquire(ctx); err != nil {
		return "", err
	}
	defer h.release()
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("password salt: %w", err)
	}
	p := h.params
	key := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, keyLen)
	return fmt.Sprintf("%sm=%d,t=%d,p=%d$%s$%s", hashIDAndVer, p.Memory, p.Time, p.Threads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

// check reports whether password matches encoded, comparing in constant
// time, and whether encoded was made with other parameters than the
// current ones (and so should be replaced). A malformed hash is an error.
func (h *hasher) check(ctx context.Context, encoded, password string) (ok, stale bool, err error) {
	p, salt, want, err := parseHash(encoded)
	if err != nil {
		return false, false, err
	}
	if err := h.acquire(ctx); err != nil {
		return false, false, err
	}
	defer h.release()
	got := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, uint32(len(want)))
	ok = subtle.ConstantTimeCompare(got, want) == 1
	return ok, p != h.params || len(salt) != saltLen || len(want) != keyLen, nil
}

// checkDummy spends the time of a real check on the dummy hash and always
// reports a mismatch.
func (h *hasher) checkDummy(ctx context.Context, password string) error {
	_, _, err := h.check(ctx, h.dummy, password)
	return err
}

func parseHash(s string) (HashParams, []byte, []byte, error) {
	var p HashParams
	rest, ok := strings.CutPrefix(s, hashIDAndVer)
	if !ok {
		return p, nil, nil, errors.New(errHashCorrupt)
	}
	parts := strings.Split(rest, "$")
	if len(parts) != 3 {
		return p, nil, nil, errors.New(errHashCorrupt)
	}
	var threads uint32
	if n, err := fmt.Sscanf(parts[0], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &threads); err != nil || n != 3 || threads > 255 {
		return p, nil, nil, errors.New(errHashCorrupt)
	}
	p.Threads = uint8(threads)
	if err := p.valid(); err != nil {
		return p, nil, nil, fmt.Errorf("%s: %w", errHashCorrupt, err)
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[1])
	key, err2 := base64.RawStdEncoding.DecodeString(parts[2])
	if err1 != nil || err2 != nil || len(salt) < 8 || len(key) < 16 || len(key) > 64 {
		return p, nil, nil, errors.New(errHashCorrupt)
	}
	return p, salt, key, nil
}
