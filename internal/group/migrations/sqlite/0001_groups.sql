-- The verified users the role knows, projected from the users topic.
-- event_at is the time of the newest event applied, so an older or
-- repeated event changes nothing.
CREATE TABLE group_users (
	id TEXT PRIMARY KEY,
	username TEXT NOT NULL,
	picture_url TEXT NULL,
	event_at DATETIME NOT NULL
);

-- Groups. picture_version is the current picture's version (NULL: none);
-- picture_seq is the last version handed out, so versions never repeat.
CREATE TABLE chat_groups (
	id TEXT PRIMARY KEY,
	name TEXT NOT NULL,
	creator_id TEXT NOT NULL,
	picture_seq INTEGER NOT NULL DEFAULT 0,
	picture_version INTEGER NULL,
	picture_key TEXT NULL,
	created_at DATETIME NOT NULL,
	updated_at DATETIME NOT NULL
);

-- Members. Rights are stored as held: all four for creators and admins.
CREATE TABLE group_members (
	group_id TEXT NOT NULL REFERENCES chat_groups (id) ON DELETE CASCADE,
	user_id TEXT NOT NULL,
	role TEXT NOT NULL,
	add_members INTEGER NOT NULL DEFAULT 0,
	remove_members INTEGER NOT NULL DEFAULT 0,
	delete_messages INTEGER NOT NULL DEFAULT 0,
	mute_members INTEGER NOT NULL DEFAULT 0,
	joined_at DATETIME NOT NULL,
	PRIMARY KEY (group_id, user_id)
);
CREATE INDEX group_members_user ON group_members (user_id);

-- Invites. pending_key is "<group id>/<invitee id>" while the invite is
-- pending and NULL after, so at most one pending invite exists per
-- group and invitee. Ids are UUIDv7: ordering by id is newest first.
CREATE TABLE group_invites (
	id TEXT PRIMARY KEY,
	group_id TEXT NOT NULL REFERENCES chat_groups (id) ON DELETE CASCADE,
	inviter_id TEXT NOT NULL,
	invitee_id TEXT NOT NULL,
	status TEXT NOT NULL,
	pending_key TEXT NULL UNIQUE,
	created_at DATETIME NOT NULL,
	updated_at DATETIME NOT NULL
);
CREATE INDEX group_invites_invitee ON group_invites (invitee_id, id);
CREATE INDEX group_invites_inviter ON group_invites (inviter_id, id);
CREATE INDEX group_invites_group ON group_invites (group_id);
