// Package user is the user role (the seed's user-service): accounts,
// email verification, sign-in sessions, password reset and change,
// profile pictures and display names. It serves every route of API.md
// "Accounts and sessions" except user search (role search), and
// PATCH /api/v1/users/me (issue 13's display names).
//
// Service is the domain, with no HTTP in it; Handler maps it onto
// /api/v1/users… and /api/v1/auth…. The role owns two tables (users and
// user_codes, migrations in migrations/{sqlite,mysql}) plus its outbox,
// and the objects under users/<id>/ in the blob store.
//
// # What it guarantees
//
//   - Passwords are stored as argon2id hashes (DefaultHashParams, each hash
//     records its parameters) and compared in constant time. A login for
//     an unknown address is checked against a dummy hash, so it takes as
//     long as a wrong password and gets the same 401. An unverified
//     account learns it is unverified (403, detail email_not_verified) only
//     after its password matched.
//   - Verification and reset codes carry 256 random bits, are stored only
//     as their SHA-256, work once, and expire (24 h and 1 h). A new reset
//     code retires the earlier ones. Resetting the password revokes every
//     session of the user; changing it revokes every session but the
//     caller's. Both revoke before the new password is committed, so a
//     password never changes while old sessions live on.
//   - Resending a verification mail and asking for a reset always answer
//     202, whether or not the address has an account.
//   - Abuse limits (limits.go, the only place their numbers live) throttle
//     logins, registrations and mails per address and per client address;
//     refusals are 429 with Retry-After.
//   - Every change others must learn of is written with its event in one
//     transaction (outbox, topic "users": user.registered, user.verified,
//     user.updated), and every mail is an outbox row on topic "mail"
//     carrying an email.Request: nothing is lost when the bus, the email
//     role or SMTP is down. Events carry no codes, addresses or hashes.
//   - Pictures are accepted by content (PNG, JPEG, GIF, WebP; at most
//     5 MiB and 4096×4096, the size read from the header before any
//     decoding), decoded, scaled to fit 512×512 and re-encoded (PNG when
//     transparent, else JPEG), so nothing but pixels of an upload is ever
//     served. Each upload gets a new version and a new object key, and its
//     URL (/api/v1/users/<id>/picture?v=<version>) may be cached for ever.
//   - A display name is optional, trimmed, 1–64 characters on one line
//     with no control, format (but the emoji ZWJ), private-use or
//     surrogate characters; it is not unique and never signs anyone in.
//     Every change emits user.updated with it, so the group and search
//     roles show and find it; edits are limited per user.
//   - Bad input is a 4xx with a JSON error naming the field; users that do
//     not exist or are not verified are 404.
//
// # Modes
//
// The package does not know which mode it runs in. Embedded: SQLite in
// the data directory, the file blob store, the token role in-process, the
// in-memory limiter, and the node's outbox relay publishing "users" to the
// in-process bus and "mail" to the in-process email role. Distributed:
// any number of instances share one MySQL/MariaDB database (every
// read-modify-write takes a row lock), pictures live in S3, the token role
// is reached over RPC, limits are counted in Redis so they hold across
// instances, and the relay of one instance at a time publishes "users" to
// Kafka and hands "mail" to the email role.
//
// Other roles read one verified user through the Directory interface: in
// one process the *Service itself, across processes the RPC *Client
// (UserService, api/proto/parley/user/v1), served by NewRPCHandler. The
// group role asks it when its projection of the users topic lags.
package user
