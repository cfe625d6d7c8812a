-- Direct (one-to-one) conversations (issue 14): kind is "group" or
-- "direct"; direct_key is "<lower user id>/<higher user id>" for a direct
-- conversation and NULL for a group, so at most one exists per pair of
-- users, however many start it at once (a unique key allows many NULLs).
ALTER TABLE chat_groups ADD COLUMN kind VARCHAR(16) NOT NULL DEFAULT 'group';
ALTER TABLE chat_groups ADD COLUMN direct_key VARCHAR(80) NULL;
ALTER TABLE chat_groups ADD UNIQUE KEY chat_groups_direct (direct_key);
