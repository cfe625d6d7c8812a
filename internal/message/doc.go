// Package message is the message role: it sequences the messages of every
// group, keeps their history, deletes and hides them, and issues the
// pre-signed URLs through which files are uploaded and downloaded
// (ARCHITECTURE.md §5, API.md "Messages and files").
//
// Service.Post is the one path a message takes, whether it comes from the
// WebSocket (the messages.submitted topic, consumed by HandleSubmitted as
// the sequencer) or from REST. In one transaction it deduplicates on
// (groupId, authorId, clientMsgId), checks membership in the role's own
// projection of the groups topic (HandleGroupEvent), checks the limits and
// the attachments, takes the group's next seq (contiguous: 1, 2, 3…) and
// writes message.created to the outbox. Every change leaves through the
// outbox on the "messages" topic; the node's relay publishes it.
//
// Modes: the tables live in the role's SQL store (SQLite by default, MySQL
// or MariaDB when PARLEY_MESSAGE_DATABASE_URL says so); the seq is taken
// under SQLite's write lock or under a MySQL row lock on the group's
// sequence row, so several instances of the role may sequence one group
// concurrently without gaps or duplicates. Files go to the blob port
// (local files by default, S3 when configured); the browser sends their
// bytes straight to storage with a pre-signed PUT.
//
// Membership is the role's own projection: a member the group role has
// just added can post once the member_added event has been consumed here
// (normally within milliseconds). The sequencer therefore retries a
// non-member's submission for up to two seconds after it was submitted
// before it rejects it (not_found, message.rejected to the sender); REST
// posts are refused at once. Uploads that no message
// attaches are removed by SweepUploads, which the node runs now and then.
package message
