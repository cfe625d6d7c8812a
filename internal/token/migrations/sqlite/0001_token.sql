-- Sessions: one row per refresh-token family. current_hash is the SHA-256
-- of the one token that may be rotated next.
CREATE TABLE refresh_families (
	id TEXT PRIMARY KEY,
	user_id TEXT NOT NULL,
	current_hash BLOB NOT NULL,
	created_at DATETIME NOT NULL,
	expires_at DATETIME NOT NULL,
	revoked INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX refresh_families_user ON refresh_families (user_id);
CREATE INDEX refresh_families_expires ON refresh_families (expires_at);

-- Every token hash a family ever had, to tell reuse of a rotated token
-- from garbage.
CREATE TABLE refresh_tokens (
	family_id TEXT NOT NULL REFERENCES refresh_families (id) ON DELETE CASCADE,
	token_hash BLOB NOT NULL,
	PRIMARY KEY (family_id, token_hash)
);

-- Access-token signing keys; one per generation, first writer wins.
CREATE TABLE signing_keys (
	kid TEXT PRIMARY KEY,
	generation INTEGER NOT NULL UNIQUE,
	created_at DATETIME NOT NULL,
	private_key BLOB NOT NULL
);
