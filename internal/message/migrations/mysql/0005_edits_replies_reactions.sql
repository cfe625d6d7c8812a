-- Issue 13: edits, replies, mentions and reactions. edited_at is set by
-- the latest edit. reply_to_id names a message of the same group; the
-- quote is resolved when read, never copied. mentions is a JSON array of
-- the mentioned members' ids (NULL: none). A deleted message loses its
-- reply, mentions and reactions.
-- One statement, so that a failure leaves nothing half applied.
ALTER TABLE messages
	ADD COLUMN edited_at DATETIME(6) NULL,
	ADD COLUMN reply_to_id CHAR(36) NULL,
	ADD COLUMN mentions TEXT NULL;

-- One row per (message, user, emoji); id orders the reactions as they
-- were added (emoji by their first reaction, users by theirs). emoji is
-- at most 10 code points (32 bytes), compared byte for byte.
CREATE TABLE IF NOT EXISTS message_reactions (
	id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
	message_id CHAR(36) NOT NULL,
	group_id CHAR(36) NOT NULL,
	user_id CHAR(36) NOT NULL,
	emoji VARCHAR(32) NOT NULL,
	created_at DATETIME(6) NOT NULL,
	UNIQUE KEY message_reactions_one (message_id, user_id, emoji),
	KEY message_reactions_group (group_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
