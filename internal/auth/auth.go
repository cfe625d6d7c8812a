package auth

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Issuer and Audience are the iss and aud of every access token.
const (
	Issuer   = "parley"
	Audience = "parley"
)

// Algorithm is the only JWS algorithm access tokens use and Verify accepts.
const Algorithm = "EdDSA"

// PublicKey is an Ed25519 verification key and the kid that names it in
// token headers.
type PublicKey struct {
	KID string
	Key ed25519.PublicKey
}

// KeySource returns the current verification keys. It is called rarely
// (see Verifier) and may be slow or fail; it must be safe for concurrent
// use.
type KeySource func(ctx context.Context) ([]PublicKey, error)

// Claims is the verified identity an access token carries.
type Claims struct {
	UserID    string
	SessionID string
	ExpiresAt time.Time
}

// jwtClaims is the JSON payload of an access token.
type jwtClaims struct {
	jwt.RegisteredClaims
	SessionID string `json:"sid"`
}

// Sign returns an access token for c, issued at issuedAt and signed with
// priv under the key id kid: a JWT with alg EdDSA and a kid header, claims
// iss, aud, sub, sid, iat, exp and a random jti. Times have one-second
// precision (c.ExpiresAt is truncated). It is the token role's signer and
// the way tests of other roles mint tokens; a Verifier whose KeySource
// returns priv's public key under kid accepts the token until c.ExpiresAt.
func Sign(kid string, priv ed25519.PrivateKey, c Claims, issuedAt time.Time) (string, error) {
	switch {
	case kid == "":
		return "", errors.New("auth: sign: empty kid")
	case len(priv) != ed25519.PrivateKeySize:
		return "", fmt.Errorf("auth: sign: private key is %d bytes, want %d", len(priv), ed25519.PrivateKeySize)
	case c.UserID == "" || c.SessionID == "":
		return "", errors.New("auth: sign: user id and session id are required")
	case !c.ExpiresAt.After(issuedAt):
		return "", errors.New("auth: sign: expiry must be after issue time")
	}
	var id [16]byte
	_, _ = rand.Read(id[:]) // never fails (crypto/rand)
	t := jwt.NewWithClaims(jwt.SigningMethodEdDSA, jwtClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    Issuer,
			Subject:   c.UserID,
			Audience:  jwt.ClaimStrings{Audience},
			IssuedAt:  jwt.NewNumericDate(issuedAt),
			ExpiresAt: jwt.NewNumericDate(c.ExpiresAt),
			ID:        base64.RawURLEncoding.EncodeToString(id[:]),
		},
		SessionID: c.SessionID,
	})
	t.Header["kid"] = kid
	s, err := t.SignedString(priv)
	if err != nil {
		return "", fmt.Errorf("auth: sign: %w", err)
	}
	return s, nil
}

type claimsKey struct{}

// WithClaims returns a copy of ctx that carries c, as Require does after
// verifying a token. The ws role uses it for a connection authenticated by
// its first frame; tests use it to skip token handling.
func WithClaims(ctx context.Context, c Claims) context.Context {
	return context.WithValue(ctx, claimsKey{}, c)
}

// FromContext returns the claims Require (or WithClaims) put in ctx, and
// whether there are any.
func FromContext(ctx context.Context) (Claims, bool) {
	c, ok := ctx.Value(claimsKey{}).(Claims)
	return c, ok
}
