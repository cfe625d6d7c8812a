// Package search is the search role: it keeps an index of verified users
// from the users topic and serves GET /api/v1/search/users.
//
// # The port and its adapters
//
// Index is the port. Bleve, in this package, is the embedded default
// (bleve://data/search): a bleve v2 index in a local directory, created
// with its mapping when missing, usable by one process at a time, so the
// search role then runs in a single node. search/esindex is the
// distributed adapter (elasticsearch://host:9200?index=parley-users,
// Elasticsearch 8 or OpenSearch): every node shares one index. Only
// internal/node chooses between them, by URL scheme.
//
// # What matches, and in what order
//
// The seed analyzed usernames into lower-cased trigrams and ran a match
// query with minimum_should_match "60%". Both adapters do the same, plus
// prefix matching, so that short queries work, and do it for display
// names (issue 13) as for usernames:
//
//   - The query is trimmed and lower-cased. Usernames and display names
//     are compared case-insensitively and returned as written.
//   - A username matches when it starts with the query ("al" finds Alice
//     and Albert, not Sally; "a" finds both), or
//   - when it contains at least MinGrams(n) = max(1, ⌊0.6·n⌋) of the n
//     distinct trigrams of the query. Trigrams are taken per run of
//     letters and digits: "_", "." and "-" split a name into words, and a
//     word under three characters has no trigram.
//     "ali", "lic", "ice" and "ALI" find Alice; "alise" (1 of 3) and
//     "alicia" (2 of 4) find Alice; "alcie" does not — a transposition
//     breaks every trigram of a five-letter name — and neither does a
//     query under three characters that is not a prefix.
//   - A display name matches by the same two rules, on the whole name:
//     "ada l" and "love" find "Ada Lovelace", "lo" does not.
//   - Ranking (Rank, the same code for both adapters): the exact username
//     first, then username prefix matches, then display name prefix
//     matches, then trigram-only matches (of either); within each tier by
//     the engine's relevance score, then shorter usernames first. Engines
//     boost exact and prefix clauses so that they are kept when the limit
//     cuts the list.
//
// # Events and consistency
//
// Service.HandleUserEvent consumes the users topic (consumer group
// "search"). user.verified and user.updated upsert the user;
// user.registered is ignored, so unverified users are never findable.
// Upserts are by user id and carry the event's OccurredAt as a version: a
// redelivered or late older event never overwrites a newer name, and a
// renamed user is found by the new name only; an event without a display
// name clears it. A bleve index created before display names were
// indexed is rebuilt with the current mapping when it is opened (every
// user is copied; names arrive with later events), and the Elasticsearch
// adapter adds the field to an existing index's mapping. The index is eventually
// consistent with the user role: a change is searchable once the event is
// consumed.
//
// # HTTP
//
// The handler requires authentication, rate-limits each user (DefaultRate,
// 429 with Retry-After; 503 if the limiter is unreachable), validates q
// (1–64 characters after trimming) and limit (default 10, 1–50), and
// answers 200 {items: [{id, username, displayName?, pictureUrl}]}.
package search
