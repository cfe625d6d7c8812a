// Package message is the message role: it sequences the messages of every
// group, keeps their history, deletes and hides them, and issues the
// pre-signed URLs through which files are uploaded and downloaded
// (ARCHITECTURE.md §5, API.md "Messages and files").
//
// Service.Post is the one path a message takes, whether it comes from the
// WebSocket (the messages.submitted topic, consumed by HandleSubmittedBatch
// as the sequencer) or from REST. In one transaction it deduplicates on
// (groupId, authorId, clientMsgId), checks membership in the role's own
// projection of the groups topic (HandleGroupEvent), checks the limits and
// the attachments, takes the group's next seq (contiguous: 1, 2, 3…) and
// writes message.created to the outbox. Every change leaves through the
// outbox on the "messages" topic; the node's relay publishes it.
//
// Hot groups (issue 11) are sequenced by group commit (sequencer.go):
// each group has a queue; the first submission of an idle group starts a
// committer that takes up to 128 waiting submissions per transaction until
// the queue is empty, so a lone message commits at once and those that
// arrive meanwhile share the next commit. Within a batch each submission
// is checked on its own, in queue order, under the group's sequence lock
// (clientMsgId already stored or earlier in the batch, membership, limits,
// reply target, attachments), and a refusal is that caller's alone; the
// others get the next seqs, written with one multi-row INSERT and one
// outbox insert. A transaction that fails as a whole is retried one
// submission at a time. A caller whose context ends while it waits
// returns at once, and a submission not yet taken is dropped. The
// sequencer takes every submission waiting on a bus partition in one call
// (event.Subscription.Batch), so a busy group's backlog shares one commit
// in split mode too; one group's submissions keep their order.
//
// Edits, replies, reactions and mentions (issue 13) take the same care.
// Edit (the author only, within Config.EditWindow) locks the message's
// row, replaces its text and mentions and emits message.updated with the
// new state; seq never changes. A reply stores only the id of the message
// it answers (same group, not deleted); the quote (replyTo: seq, author,
// an excerpt of the current text, or deleted) is resolved when read, with
// one join per history page. Reactions are rows (message, user, emoji),
// unique, added and removed idempotently (reaction.added / .removed only
// when something changed); the limit of MaxReactionEmoji different emoji
// is checked with a locking read under the message's row lock, so
// concurrent adds cannot pass it; a history page reads its reactions in
// one query. Mentions are checked against the member projection when
// stored (non-members and duplicates dropped); a mentioned user the
// projection does not know is first confirmed with the group role (at
// most five per send or edit, before the transaction), so that a member
// who has just joined is not dropped while their member_added event is
// still on the bus. Deleting a message for
// everyone removes its reply, mentions and reactions. The emoji and id
// rules the edges share live in messagerule.
//
// Read state (issue 14) is a cursor per member (message_read_cursors):
// MarkRead moves it forward only, clamped to the group's last seq, under
// the row's lock, and emits read.updated (for the reader's sessions) and,
// when the reader shares receipts, receipt.updated with the list of
// members who share theirs (a user who does not share sees none). Counts
// (unread: after the cursor, not the reader's own, not deleted; mentions:
// those naming the reader) are computed when asked, never stored: for any
// number of groups, two queries per 500 groups, the second only over the
// groups with something after the cursor and each a range of the
// (group_id, seq) index bounded to the newest readstate.Window messages.
// A removed member's cursor is dropped with the membership. The ws role
// reaches MarkRead and ReadStates through Sequences (in-process or RPC).
//
// Modes: the tables live in the role's SQL store (SQLite by default, MySQL
// or MariaDB when PARLEY_MESSAGE_DATABASE_URL says so); the seq is taken
// under SQLite's write lock or under a MySQL row lock on the group's
// sequence row, so several instances of the role may sequence one group
// concurrently without gaps or duplicates. Files go to the blob port
// (local files by default, S3 when configured); the browser sends their
// bytes straight to storage with a pre-signed PUT.
//
// Membership is the role's own projection of the groups topic. When it
// does not know a membership (the member_added event of a group just
// created, or of an invite just accepted, is still on the bus), the role
// asks the owner, the group role (Config.Members: in-process or over RPC),
// writes the answer into the projection and goes on, so that a client's
// next request after a successful answer never fails because this role
// lags; a member whose removal the projection has applied is not written
// back from an older answer. Without Config.Members (unit tests) the
// sequencer retries a non-member's submission for up to two seconds and
// REST calls wait as long before they answer not_found. Uploads that no message
// attaches are removed by SweepUploads, which the node runs now and then.
// The uploads of a deleted message stay as tombstones until their upload
// URLs have expired, and the sweep then deletes their objects once more,
// so that nothing written through such a URL after the delete (or left by
// a delete that failed) survives; upload URLs write once, so an attached
// file's contents never change.
package message
