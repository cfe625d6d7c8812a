-- Messages. seq is contiguous per group (1, 2, 3…), handed out from
-- message_sequences in the transaction that inserts the row. A deleted
-- message keeps its row as a tombstone: deleted_at set, text and
-- attachments emptied. attachments is a JSON array of
-- {key, name, size, contentType}.
CREATE TABLE messages (
	id TEXT PRIMARY KEY,
	group_id TEXT NOT NULL,
	seq INTEGER NOT NULL,
	author_id TEXT NOT NULL,
	text TEXT NOT NULL,
	attachments TEXT NOT NULL,
	created_at DATETIME NOT NULL,
	client_msg_id TEXT NULL,
	deleted_at DATETIME NULL,
	UNIQUE (group_id, seq),
	UNIQUE (group_id, author_id, client_msg_id)
);

-- The last seq handed out per group.
CREATE TABLE message_sequences (
	group_id TEXT PRIMARY KEY,
	last_seq INTEGER NOT NULL
);

-- Messages a user hid for themselves.
CREATE TABLE message_hidden (
	user_id TEXT NOT NULL,
	message_id TEXT NOT NULL,
	group_id TEXT NOT NULL,
	PRIMARY KEY (user_id, message_id)
);
CREATE INDEX message_hidden_group ON message_hidden (group_id);

-- Upload keys issued to a member for a group. message_id is set when a
-- message attaches the upload (at most once).
CREATE TABLE message_uploads (
	upload_key TEXT PRIMARY KEY,
	group_id TEXT NOT NULL,
	uploader_id TEXT NOT NULL,
	name TEXT NOT NULL,
	size INTEGER NOT NULL,
	content_type TEXT NOT NULL,
	created_at DATETIME NOT NULL,
	message_id TEXT NULL
);
CREATE INDEX message_uploads_group ON message_uploads (group_id);
CREATE INDEX message_uploads_message ON message_uploads (message_id);

-- Who belongs to which group, projected from the groups topic.
CREATE TABLE message_members (
	group_id TEXT NOT NULL,
	user_id TEXT NOT NULL,
	role TEXT NOT NULL,
	add_members INTEGER NOT NULL DEFAULT 0,
	remove_members INTEGER NOT NULL DEFAULT 0,
	delete_messages INTEGER NOT NULL DEFAULT 0,
	mute_members INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (group_id, user_id)
);
CREATE INDEX message_members_user ON message_members (user_id);

-- Groups known to be deleted, so that a late or repeated member event
-- never brings one back.
CREATE TABLE message_deleted_groups (
	group_id TEXT PRIMARY KEY,
	deleted_at DATETIME NOT NULL
);
