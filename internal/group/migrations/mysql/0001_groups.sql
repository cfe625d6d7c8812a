-- The verified users the role knows, projected from the users topic.
-- event_at is the time of the newest event applied, so an older or
-- repeated event changes nothing.
CREATE TABLE IF NOT EXISTS group_users (
	id CHAR(36) NOT NULL PRIMARY KEY,
	username VARCHAR(32) NOT NULL,
	picture_url VARCHAR(512) NULL,
	event_at DATETIME(6) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Groups. picture_version is the current picture's version (NULL: none);
-- picture_seq is the last version handed out, so versions never repeat.
CREATE TABLE IF NOT EXISTS chat_groups (
	id CHAR(36) NOT NULL PRIMARY KEY,
	name VARCHAR(64) NOT NULL,
	creator_id CHAR(36) NOT NULL,
	picture_seq BIGINT NOT NULL DEFAULT 0,
	picture_version BIGINT NULL,
	picture_key VARCHAR(512) NULL,
	created_at DATETIME(6) NOT NULL,
	updated_at DATETIME(6) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Members. Rights are stored as held: all four for creators and admins.
CREATE TABLE IF NOT EXISTS group_members (
	group_id CHAR(36) NOT NULL,
	user_id CHAR(36) NOT NULL,
	role VARCHAR(16) NOT NULL,
	add_members BOOLEAN NOT NULL DEFAULT FALSE,
	remove_members BOOLEAN NOT NULL DEFAULT FALSE,
	delete_messages BOOLEAN NOT NULL DEFAULT FALSE,
	mute_members BOOLEAN NOT NULL DEFAULT FALSE,
	joined_at DATETIME(6) NOT NULL,
	PRIMARY KEY (group_id, user_id),
	KEY group_members_user (user_id),
	CONSTRAINT group_members_group FOREIGN KEY (group_id) REFERENCES chat_groups (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Invites. pending_key is "<group id>/<invitee id>" while the invite is
-- pending and NULL after, so at most one pending invite exists per
-- group and invitee. Ids are UUIDv7: ordering by id is newest first.
CREATE TABLE IF NOT EXISTS group_invites (
	id CHAR(36) NOT NULL PRIMARY KEY,
	group_id CHAR(36) NOT NULL,
	inviter_id CHAR(36) NOT NULL,
	invitee_id CHAR(36) NOT NULL,
	status VARCHAR(16) NOT NULL,
	pending_key VARCHAR(80) NULL,
	created_at DATETIME(6) NOT NULL,
	updated_at DATETIME(6) NOT NULL,
	UNIQUE KEY group_invites_pending (pending_key),
	KEY group_invites_invitee (invitee_id, id),
	KEY group_invites_inviter (inviter_id, id),
	KEY group_invites_group (group_id),
	CONSTRAINT group_invites_group_fk FOREIGN KEY (group_id) REFERENCES chat_groups (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
