-- Accounts. username_key (the lower-case username) and email (stored
-- lower-case) make names and addresses unique regardless of case; both
-- compare byte for byte (utf8mb4_bin) so that MySQL and SQLite agree on
-- what is a duplicate. picture_version is the current picture's version
-- (NULL: no picture); picture_seq is the last version handed out.
CREATE TABLE IF NOT EXISTS users (
	id CHAR(36) NOT NULL PRIMARY KEY,
	username VARCHAR(32) NOT NULL,
	username_key VARCHAR(32) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
	email VARCHAR(254) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
	password_hash VARCHAR(255) NOT NULL,
	email_verified BOOLEAN NOT NULL DEFAULT FALSE,
	picture_seq BIGINT NOT NULL DEFAULT 0,
	picture_version BIGINT NULL,
	picture_key VARCHAR(512) NULL,
	created_at DATETIME(6) NOT NULL,
	updated_at DATETIME(6) NOT NULL,
	UNIQUE KEY users_username_key (username_key),
	UNIQUE KEY users_email (email)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
