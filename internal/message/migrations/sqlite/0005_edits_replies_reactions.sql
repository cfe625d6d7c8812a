-- Issue 13: edits, replies, mentions and reactions. edited_at is set by
-- the latest edit. reply_to_id names a message of the same group; the
-- quote is resolved when read, never copied. mentions is a JSON array of
-- the mentioned members' ids (NULL: none). A deleted message loses its
-- reply, mentions and reactions.
ALTER TABLE messages ADD COLUMN edited_at DATETIME NULL;
ALTER TABLE messages ADD COLUMN reply_to_id TEXT NULL;
ALTER TABLE messages ADD COLUMN mentions TEXT NULL;

-- One row per (message, user, emoji); id orders the reactions as they
-- were added (emoji by their first reaction, users by theirs).
CREATE TABLE message_reactions (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	message_id TEXT NOT NULL,
	group_id TEXT NOT NULL,
	user_id TEXT NOT NULL,
	emoji TEXT NOT NULL,
	created_at DATETIME NOT NULL,
	UNIQUE (message_id, user_id, emoji)
);
CREATE INDEX message_reactions_group ON message_reactions (group_id);
