// Package auth verifies Parley access tokens locally, in every role, and
// carries the verified identity through a request's context.
//
// An access token is a JWT signed by the token role with Ed25519 (alg
// EdDSA) and a "kid" header naming the key. Its claims are iss and aud
// (both Issuer/Audience, "parley"), sub (the user id), sid (the session,
// i.e. refresh-token family, id), iat, exp (15 minutes after iat) and jti.
// Sign makes such a token; Verifier checks one.
//
// # Guarantees
//
// Verify accepts a token only when all of these hold: it is a well-formed
// compact JWS of at most 8 KiB; its alg is exactly EdDSA (alg "none", HMAC
// and RSA tokens are refused before any key is looked up, so an HMAC token
// "signed" with the public key cannot pass); its kid names a key of the
// KeySource and the signature verifies with that key; iss and aud are
// "parley"; exp is present and in the future; sub and sid are not empty.
// Every refusal is an errs.Unauthenticated error, except that when the
// keys cannot be fetched at all the error is errs.Unavailable (a 503, not a
// 401: the client's session may be fine, the token role is not). Malformed
// input of any kind never panics.
//
// The Verifier caches the keys. It fetches them on first use, again when a
// token names a kid it does not know (at most once every few seconds,
// however many such tokens arrive, so garbage kids cannot flood the token
// role), and again when the cache is older than ten minutes (keeping the
// old keys if that fetch fails). The token role publishes the current and
// the previous key, so tokens signed just before a key rotation stay
// valid until they expire.
//
// Access tokens cannot be revoked: logging out revokes the refresh family,
// and the access token dies at its exp, at most 15 minutes later.
//
// # Modes
//
// Embedded: the KeySource is the in-process token service's PublicKeys
// method, so fetching is a store read. Split: it is the token RPC client's
// PublicKeys (token.NewClient), so fetching is one internal RPC; every
// instance of every role verifies on its own, without calling the token role
// per request.
package auth
