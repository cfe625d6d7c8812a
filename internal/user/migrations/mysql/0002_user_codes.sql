-- Single-use codes mailed to users (purpose 'verification' or 'reset').
-- Only the SHA-256 of a code is kept, never the code itself.
CREATE TABLE IF NOT EXISTS user_codes (
	code_hash CHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
	purpose VARCHAR(16) NOT NULL,
	user_id CHAR(36) NOT NULL,
	created_at DATETIME(6) NOT NULL,
	expires_at DATETIME(6) NOT NULL,
	used_at DATETIME(6) NULL,
	KEY user_codes_user (user_id, purpose),
	CONSTRAINT user_codes_user_fk FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
