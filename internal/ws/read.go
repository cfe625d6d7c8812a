package ws

import (
	"context"

	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/ids"
)

// read hands a read frame {groupId, seq} to the message role (MarkRead,
// in-process or over RPC), which stores the cursor and emits read.updated
// for every session of the user, this one included. Nothing is answered
// on success; a bad frame gets an error frame and changes nothing. A seq
// at or below the cursor the message role last answered this connection
// for the group cannot move it and is not passed on: a client may send a
// read frame whenever something scrolls into view.
func (c *conn) read(ctx context.Context, f inFrame, userID string) {
	if f.Seq == nil || *f.Seq < 0 {
		c.enqueueError("invalid", "seq must be a non-negative integer")
		return
	}
	groupID, ok := ids.Canonical(f.GroupID)
	if !ok || !c.srv.hub.isMember(c, groupID) {
		c.enqueueError("not_found", "group not found")
		return
	}
	if cur, ok := c.srv.hub.readCursor(c, groupID); ok && *f.Seq <= cur {
		return
	}
	mctx, cancel := context.WithTimeout(ctx, c.srv.lim.CallTimeout)
	st, err := c.srv.seqs.MarkRead(mctx, groupID, userID, *f.Seq)
	cancel()
	switch {
	case err == nil:
		c.srv.hub.setReadCursor(c, groupID, st.LastReadSeq)
	case errs.Is(err, errs.NotFound):
		c.enqueueError("not_found", "group not found")
	case errs.Is(err, errs.Invalid):
		c.enqueueError("invalid", "seq must be a non-negative integer")
	default:
		c.srv.log.Warn("ws: mark read", "group", groupID, "user", userID, "err", err)
		c.enqueueError("unavailable", "read state could not be saved, try again")
	}
}
