-- Single-use codes mailed to users (purpose 'verification' or 'reset').
-- Only the SHA-256 of a code is kept, never the code itself.
CREATE TABLE user_codes (
	code_hash TEXT PRIMARY KEY,
	purpose TEXT NOT NULL,
	user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	created_at DATETIME NOT NULL,
	expires_at DATETIME NOT NULL,
	used_at DATETIME NULL
);
CREATE INDEX user_codes_user ON user_codes (user_id, purpose);
