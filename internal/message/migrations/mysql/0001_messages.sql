-- Messages. seq is contiguous per group (1, 2, 3…), handed out from
-- message_sequences in the transaction that inserts the row. A deleted
-- message keeps its row as a tombstone: deleted_at set, text and
-- attachments emptied. attachments is a JSON array of
-- {key, name, size, contentType}.
CREATE TABLE IF NOT EXISTS messages (
	id CHAR(36) NOT NULL PRIMARY KEY,
	group_id CHAR(36) NOT NULL,
	seq BIGINT NOT NULL,
	author_id CHAR(36) NOT NULL,
	text TEXT NOT NULL,
	attachments MEDIUMTEXT NOT NULL,
	created_at DATETIME(6) NOT NULL,
	client_msg_id VARCHAR(64) NULL,
	deleted_at DATETIME(6) NULL,
	UNIQUE KEY messages_group_seq (group_id, seq),
	UNIQUE KEY messages_client (group_id, author_id, client_msg_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- The last seq handed out per group.
CREATE TABLE IF NOT EXISTS message_sequences (
	group_id CHAR(36) NOT NULL PRIMARY KEY,
	last_seq BIGINT NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Messages a user hid for themselves.
CREATE TABLE IF NOT EXISTS message_hidden (
	user_id CHAR(36) NOT NULL,
	message_id CHAR(36) NOT NULL,
	group_id CHAR(36) NOT NULL,
	PRIMARY KEY (user_id, message_id),
	KEY message_hidden_group (group_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Upload keys issued to a member for a group. message_id is set when a
-- message attaches the upload (at most once).
CREATE TABLE IF NOT EXISTS message_uploads (
	upload_key VARCHAR(512) NOT NULL PRIMARY KEY,
	group_id CHAR(36) NOT NULL,
	uploader_id CHAR(36) NOT NULL,
	name VARCHAR(255) NOT NULL,
	size BIGINT NOT NULL,
	content_type VARCHAR(255) NOT NULL,
	created_at DATETIME(6) NOT NULL,
	message_id CHAR(36) NULL,
	KEY message_uploads_group (group_id),
	KEY message_uploads_message (message_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Who belongs to which group, projected from the groups topic.
CREATE TABLE IF NOT EXISTS message_members (
	group_id CHAR(36) NOT NULL,
	user_id CHAR(36) NOT NULL,
	role VARCHAR(16) NOT NULL,
	add_members BOOLEAN NOT NULL DEFAULT FALSE,
	remove_members BOOLEAN NOT NULL DEFAULT FALSE,
	delete_messages BOOLEAN NOT NULL DEFAULT FALSE,
	mute_members BOOLEAN NOT NULL DEFAULT FALSE,
	PRIMARY KEY (group_id, user_id),
	KEY message_members_user (user_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Groups known to be deleted, so that a late or repeated member event
-- never brings one back.
CREATE TABLE IF NOT EXISTS message_deleted_groups (
	group_id CHAR(36) NOT NULL PRIMARY KEY,
	deleted_at DATETIME(6) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
