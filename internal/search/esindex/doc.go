// Package esindex is the Elasticsearch adapter of the search.Index and
// search.MessageIndex ports
// (elasticsearch://host:9200?index=parley-users&messages=parley-messages),
// for deployments where every node must share the user and message
// indexes. It speaks the REST API of
// Elasticsearch 8 and of OpenSearch 2 (it sends no compatibility headers
// and does not insist on the X-Elastic-Product header).
//
// Open creates the index with the trigram mapping when it is missing: a
// tokenizer of type ngram (3..3, letters and digits), a lowercase filter,
// username as text with that analyzer and a username.keyword sub-field
// (keyword, lowercase normalizer) for exact and prefix matching, and
// displayName mapped the same way. To an existing index it adds the
// displayName field (PUT _mapping, a no-op when it is there), since an
// index created before display names refuses documents with one. Upserts
// use external versioning (version_type=external_gte, the event time), so
// an older event never overwrites a newer one even across nodes, and
// refresh=true so that a verified user is searchable at once. Search sends
// a bool query — term on username.keyword (boost 100) or prefix on it
// (boost 10) or prefix on displayName.keyword (boost 5) or match on
// username or on displayName with minimum_should_match "60%" — and
// orders the hits with search.Rank: the same semantics as the embedded
// bleve index (see package search).
//
// Messages (OpenMessages) live in their own index: content (text and
// attachment names) analysed by the standard tokenizer and lowercase,
// kind, groupId and sortKey as keywords, the rest in _source only.
// PutMessage and DeleteMessage write with external versions (a deletion's
// tombstone has the highest), without forcing a refresh, and PutMessage
// then looks up the group's tombstone (a real-time GET) to undo a write to
// a deleted group; DeleteGroup writes that tombstone, refreshes, and
// deletes the group's documents by query. SearchMessages sends only
// filters (kind, terms on groupId, a term or prefix per word on content),
// sorted by sortKey descending with search_after as the cursor. A message
// a user hid is a document hidden:<user>:<message> (with its group, so
// the group's deletion takes it), read back for a page in one _mget.
//
// Testing: no Elasticsearch can be installed on the development machines.
// Without PARLEY_TEST_ES_URL the tests check the exact requests (method,
// path, query string, JSON body) against an httptest server that answers
// with canned responses in Elasticsearch 8's documented format (written
// by hand after the reference documentation, not captured from a live
// cluster). That proves the adapter sends what it should and decodes
// such answers; it does not prove that a cluster matches and ranks as the
// contract suite expects — only the run against a real cluster does. With PARLEY_TEST_ES_URL set (for example
// http://127.0.0.1:9200) the full search/searchtest contract suite also
// runs against that real cluster, each test in its own index, and so
// does the message suite (searchtest.RunMessages), refreshing the index
// before each search.
package esindex
