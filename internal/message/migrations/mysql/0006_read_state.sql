-- Issue 14: read state. One read cursor per (group, member): the highest
-- seq the member has read, which only grows and never passes the group's
-- last seq. A member's cursor goes with their membership (removed member,
-- deleted group).
CREATE TABLE IF NOT EXISTS message_read_cursors (
	group_id CHAR(36) NOT NULL,
	user_id CHAR(36) NOT NULL,
	last_read_seq BIGINT NOT NULL,
	PRIMARY KEY (group_id, user_id),
	KEY message_read_cursors_user (user_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Whether a user shares their read receipts (no row: they do). A user who
-- does not share sees no one else's either.
CREATE TABLE IF NOT EXISTS message_receipt_settings (
	user_id CHAR(36) NOT NULL PRIMARY KEY,
	share_receipts BOOLEAN NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
