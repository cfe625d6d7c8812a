-- Direct (one-to-one) conversations (issue 14): kind is "group" or
-- "direct"; direct_key is "<lower user id>/<higher user id>" for a direct
-- conversation and NULL for a group, so at most one exists per pair of
-- users, however many start it at once.
ALTER TABLE chat_groups ADD COLUMN kind TEXT NOT NULL DEFAULT 'group';
ALTER TABLE chat_groups ADD COLUMN direct_key TEXT NULL;
CREATE UNIQUE INDEX chat_groups_direct ON chat_groups (direct_key);
