-- Accounts. username_key (the lower-case username) and email (stored
-- lower-case) make names and addresses unique regardless of case.
-- picture_version is the current picture's version (NULL: no picture);
-- picture_seq is the last version handed out, so versions never repeat.
CREATE TABLE users (
	id TEXT PRIMARY KEY,
	username TEXT NOT NULL,
	username_key TEXT NOT NULL UNIQUE,
	email TEXT NOT NULL UNIQUE,
	password_hash TEXT NOT NULL,
	email_verified INTEGER NOT NULL DEFAULT 0,
	picture_seq INTEGER NOT NULL DEFAULT 0,
	picture_version INTEGER NULL,
	picture_key TEXT NULL,
	created_at DATETIME NOT NULL,
	updated_at DATETIME NOT NULL
);
