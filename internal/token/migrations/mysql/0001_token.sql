-- Sessions: one row per refresh-token family. current_hash is the SHA-256
-- of the one token that may be rotated next.
CREATE TABLE IF NOT EXISTS refresh_families (
	id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
	user_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
	current_hash BINARY(32) NOT NULL,
	created_at DATETIME(6) NOT NULL,
	expires_at DATETIME(6) NOT NULL,
	revoked TINYINT(1) NOT NULL DEFAULT 0,
	KEY refresh_families_user (user_id),
	KEY refresh_families_expires (expires_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Every token hash a family ever had, to tell reuse of a rotated token
-- from garbage.
CREATE TABLE IF NOT EXISTS refresh_tokens (
	family_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
	token_hash BINARY(32) NOT NULL,
	PRIMARY KEY (family_id, token_hash),
	CONSTRAINT refresh_tokens_family FOREIGN KEY (family_id) REFERENCES refresh_families (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Access-token signing keys; one per generation, first writer wins.
CREATE TABLE IF NOT EXISTS signing_keys (
	kid VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
	generation BIGINT NOT NULL,
	created_at DATETIME(6) NOT NULL,
	private_key VARBINARY(64) NOT NULL,
	UNIQUE KEY signing_keys_generation (generation)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
