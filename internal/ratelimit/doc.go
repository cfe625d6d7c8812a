// Package ratelimit is the abuse-limit port: how many times an action keyed
// by a string (an email address, a client address…) may happen per period.
// The user role uses it to throttle logins, registrations, resent
// verification mails and password-reset mails (INVENTORY.md §13.1 item 8).
//
// # Algorithm
//
// Every implementation uses the same algorithm, the generic cell rate
// algorithm (GCRA), which behaves exactly like a token bucket of capacity
// Rate.N refilled at one token every Rate.Per/Rate.N. A fresh key therefore
// allows a burst of N calls at once; after that one more call becomes
// allowed every Per/N, and a key left idle for Per is back to a full burst
// of N. A refused call consumes nothing, so hammering a limited key does not
// lock it out for longer. The whole state of a key is one timestamp (the
// theoretical arrival time), which makes the algorithm cheap in memory and
// a single atomic step on Redis.
//
// # Modes
//
//   - Embedded (ratelimit_url mem://, the default): Memory keeps the state in
//     a map in this process. Keys are forgotten once they are back to a full
//     burst, and the number of keys is capped, so memory stays bounded. It
//     counts for this process only: with several instances of a role each
//     instance allows its own N, which is why distributed deployments use…
//   - Distributed (redis://…): package redislimit keeps the state in Redis,
//     updated atomically by a Lua script on Redis's own clock, so every
//     instance of every role shares one count per key. Keys expire in Redis
//     as soon as they are back to a full burst.
//
// The contract suite in ratelimit/ratelimittest runs on both.
package ratelimit
