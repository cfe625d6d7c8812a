// Package readstate is the read-state contract the message role shares
// with its callers (the ws role's ready frame, the RPC client): one
// group's read cursor and counts for one user. It holds types only, so
// that importing it says exactly that.
package readstate

// Window is how many of a group's newest messages the counts look at: when
// more than Window messages follow the cursor (LastSeq − LastReadSeq >
// Window), Unread and Mentions count only among the newest Window ones and
// a client shows "999+". It keeps every count a bounded range scan of the
// (group_id, seq) index.
const Window = 1000

// State is one group's read state for one user, as GET /api/v1/read-state,
// the ready frame and read.updated show it.
type State struct {
	GroupID string `json:"groupId"`
	// LastReadSeq is the user's read cursor: never more than LastSeq, and
	// it never goes back.
	LastReadSeq int64 `json:"lastReadSeq"`
	// LastSeq is the seq of the group's newest message (0: none).
	LastSeq int64 `json:"lastSeq"`
	// Unread counts the messages after LastReadSeq that the user did not
	// write and that are not deleted (bounded by Window).
	Unread int64 `json:"unread"`
	// Mentions counts those of the unread messages that mention the user.
	Mentions int64 `json:"mentions"`
}
