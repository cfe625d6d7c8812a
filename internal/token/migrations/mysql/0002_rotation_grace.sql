-- The last rotation of each family, so that a duplicate of it within a
-- second or two (two tabs refreshing at once) gets the same new token
-- instead of counting as reuse (issue 12 defect 11).
ALTER TABLE refresh_families ADD COLUMN previous_hash BINARY(32) NULL;
ALTER TABLE refresh_families ADD COLUMN rotated_at DATETIME(6) NULL;

-- Named random secrets every token instance shares (first writer wins):
-- the key from which a refresh token's successor is derived.
CREATE TABLE IF NOT EXISTS token_secrets (
	name VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
	secret VARBINARY(64) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
