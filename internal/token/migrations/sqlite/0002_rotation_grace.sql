-- The last rotation of each family, so that a duplicate of it within a
-- second or two (two tabs refreshing at once) gets the same new token
-- instead of counting as reuse (issue 12 defect 11).
ALTER TABLE refresh_families ADD COLUMN previous_hash BLOB NULL;
ALTER TABLE refresh_families ADD COLUMN rotated_at DATETIME NULL;

-- Named random secrets every token instance shares (first writer wins):
-- the key from which a refresh token's successor is derived.
CREATE TABLE token_secrets (
	name TEXT PRIMARY KEY,
	secret BLOB NOT NULL
);
