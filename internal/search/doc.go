// Package search is the search role: it keeps an index of verified users
// from the users topic and serves GET /api/v1/search/users, and an index
// of messages from the messages and groups topics and serves GET
// /api/v1/search/messages (issue 14; see "Message search" below).
//
// # The ports and their adapters
//
// Index (users) and MessageIndex (messages) are the ports. Bleve and
// BleveMessages, in this package, are the embedded defaults
// (bleve://data/search, the messages beside it in data/search-messages):
// bleve v2 indexes in local directories, created with their mappings when
// missing, usable by one process at a time, so the search role then runs
// in a single node. search/esindex is the distributed adapter
// (elasticsearch://host:9200?index=parley-users&messages=parley-messages,
// Elasticsearch 8 or OpenSearch): every node shares the two indexes. Only
// internal/node chooses between them, by URL scheme. Each port has one
// contract suite in search/searchtest (Run, RunMessages) that both
// adapters run.
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
//
// # Message search
//
// What is indexed: HandleMessageEvent consumes the messages topic
// (consumer group "search"): message.created and message.updated write a
// message's text, its attachments' names, group, seq, author and creation
// time; message.deleted replaces it with a tombstone; message.hidden
// records that a user hid the message for themselves, and that user's
// searches leave it out (a page may then hold fewer items than its
// limit; next still leads on). HandleGroupEvent
// consumes the groups topic: group.deleted removes the group's messages
// and leaves a tombstone of the group. Writes are idempotent and safe out
// of order: each carries a version (MessageVersion) that ranks a deletion
// above any edit and an edit above the creation, then orders by time; a
// lower version never overwrites a higher one, nothing brings back a
// message's tombstone, and a message of a deleted group is never
// searchable again. Tombstones are small and kept. The role indexes what
// the messages topic still holds when it first subscribes (on Kafka, from
// the start of the topic's retention); older messages, such as those of
// an embedded installation upgraded from before issue 14, are not
// indexed: there is no backfill from the message role. The bus hands the
// role a partition's waiting events together (HandleMessageEvents): a
// run of message.created/updated events is written with one
// PutMessages where the index has it (bleve: one batch, one segment and
// one disk sync), so a busy group is indexed at the rate it is sent;
// each document still follows PutMessage's rules, in order.
//
// Who finds what: at every search the group role (Members: in-process,
// or the membership RPC at group_url) is asked for the caller's groups
// now, and only those groups are searched; with groupId, the caller must
// be a member of that one (404 otherwise). There is no projection of
// memberships here, so a removed member finds nothing of the group from
// the moment of the removal. Results outside the asked groups are refused,
// never shown.
//
// Matching: the query's words (QueryTerms: Unicode word segmentation,
// lower-cased, 1–16 distinct) must all match a word of the text or of an
// attachment's name (whose dots, dashes and underscores separate words):
// the same word, or a word that starts with it for a term of 3 characters
// or more. No ranking by relevance: results are newest first, by
// MessageDoc.SortKey (creation time in microseconds, then id), which is
// also the opaque paging cursor (before): stable while new messages
// arrive. Snippet cuts the text to SnippetLen characters around the first
// match and returns the matched words' [start, end) offsets in code
// points: plain text, never markup.
//
// Consistency: bleve makes a write searchable before the event is
// acknowledged; while a partition is busy its events wait up to
// Config.BatchWait (250 ms in the node) to be written with the next
// batch, so a new message is searchable within about that long. Elasticsearch message writes do not force a refresh (a
// chat writes too often): they are searchable after the index's refresh
// interval, one second by default; a group's deletion refreshes before
// its delete-by-query so that nothing written before its tombstone
// survives it.
//
// HTTP: GET /api/v1/search/messages?q=&groupId=&before=&limit= requires
// authentication, counts MessageRate (20 per 10 s per user, apart from
// user search) before anything else, validates every parameter before
// asking the group role or the index anything, and answers 200 {items:
// [{message: {id, groupId, seq, authorId, createdAt}, snippet,
// highlights}], next?} with pages of 20 (at most 50).
package search
