// Package redisstore is the token.Store on Redis (token_store_url
// redis://host:6379/0), for token instances that share their sessions and
// signing keys through Redis instead of a SQL database.
//
// # Layout (every key starts with the prefix, "parley:token:" by default)
//
//	fam:<id>          hash: user, current (SHA-256 of the current token),
//	                  created and expires (Unix µs), revoked ("0"/"1")
//	fam:<id>:tokens   set: every token hash the family ever had
//	user:<userID>     set: the user's family ids
//	keys              hash: generation → signing key (JSON)
//
// A family's two keys expire with the family (their TTL is the family's
// lifetime), so Redis forgets sessions by itself and Purge does nothing; a
// user's set lives as long as the newest family it names and drops ids of
// vanished families when RevokeUser meets them. Signing keys never expire.
//
// # Atomicity
//
// Creating a family and rotating a token are each one Lua script, so a
// rotation checks and swaps the current hash (or revokes the family on
// reuse) with no other command in between: of concurrent rotations with the
// same token exactly one wins. A signing key is stored with HSETNX on its
// generation, so the first writer wins. Revocation sets a flag on the
// family only if the family still exists; it never creates keys without a
// TTL.
//
// The adapter targets a standalone Redis (or a primary with replicas): its
// scripts touch keys of different hash slots, which Redis Cluster refuses.
// Redis must not evict these keys (use noeviction or volatile-* with
// care): an evicted family logs its user out, an evicted signing key
// invalidates every access token it signed.
package redisstore
