-- Issue 14: read state. One read cursor per (group, member): the highest
-- seq the member has read, which only grows and never passes the group's
-- last seq. A member's cursor goes with their membership (removed member,
-- deleted group).
CREATE TABLE message_read_cursors (
	group_id TEXT NOT NULL,
	user_id TEXT NOT NULL,
	last_read_seq INTEGER NOT NULL,
	PRIMARY KEY (group_id, user_id)
);
CREATE INDEX message_read_cursors_user ON message_read_cursors (user_id);

-- Whether a user shares their read receipts (no row: they do). A user who
-- does not share sees no one else's either.
CREATE TABLE message_receipt_settings (
	user_id TEXT PRIMARY KEY,
	share_receipts INTEGER NOT NULL
);
