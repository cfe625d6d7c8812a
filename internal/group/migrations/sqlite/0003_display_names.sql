-- The display name of each user as the users topic last told it (issue
-- 13): NULL when the user has none.
ALTER TABLE group_users ADD COLUMN display_name TEXT NULL;
