-- The name a user chooses to be shown by (issue 13): NULL when unset, at
-- most 64 characters (code points, as the role counts them). It is not
-- unique and never used to sign in; usernames stay the handle.
ALTER TABLE users ADD COLUMN display_name VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL;
