// Package token is the token role (the seed's token-service): it issues,
// rotates and revokes sessions and publishes the keys that every role uses
// to verify access tokens locally (package auth).
//
// # Tokens
//
// An access token is a JWT signed with Ed25519 (alg EdDSA, pinned; signed
// with github.com/golang-jwt/jwt/v5 through auth.Sign) with a kid header and
// the claims iss, aud, sub (user id), sid (session id), iat, exp (15
// minutes) and jti. It cannot be revoked; it dies at exp.
//
// A refresh token is opaque: "<session id>.<256 random bits>". Stores keep
// only its SHA-256. Each Issue starts a family (a session) that lives 30
// days from login, not extended by use. Every Refresh rotates: the
// presented token is spent and a new one returned. Presenting a token that
// was already rotated means a copy exists somewhere; the whole family is
// revoked and the call fails, so whichever of the thief and the user comes
// second loses the session and the user logs in again. One exception: a
// duplicate of a rotation within ReuseGrace (2 s) of it, presenting the
// same token, gets the same new refresh token (and a fresh access token of
// the session), so that two tabs refreshing at once do not log the user
// out. The new token is derived from the presented one with an HMAC under
// a secret every instance shares (Store.Secret), which is how any
// instance hands out the same one; after the grace, or once the new token
// rotated on, the old one is reuse again. Clients should still serialise
// their refreshes. A missing, malformed, unknown, expired or revoked token
// fails with errs.Unauthenticated; a token that is merely garbage never
// revokes anything.
//
// # Signing keys
//
// Keys live in the Store, so every instance signs with, and publishes, the
// same keys. The newest key signs. When it is older than the rotation
// period (30 days) the first instance to notice creates the next
// generation; the store accepts one key per generation, so concurrent
// instances agree on it. PublicKeys returns the newest and the previous
// key: a token signed just before a rotation stays verifiable until it
// expires. Instances re-read the keys at least every minute.
//
// # Modes
//
// Embedded: the Store is SQLStore on SQLite (sqlite://data/token.db), other
// roles call the *Service directly and verify with
// auth.NewVerifier(svc.PublicKeys).
//
// Split: any number of token instances share SQLStore on MySQL/MariaDB or
// token/redisstore on Redis (redis://). NewHandler serves the Service as the
// Connect/gRPC TokenService on the node's HTTP port; other roles use
// NewClient, which has the same methods, and verify with
// auth.NewVerifier(client.PublicKeys). Internal RPC requires the internal
// secret (package rpcauth), passed in by the composition root as handler
// and client options.
//
// Signing keys are stored unencrypted in the Store: protect the token
// database (or Redis) as a secret.
package token
