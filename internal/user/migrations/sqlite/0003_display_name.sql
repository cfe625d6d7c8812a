-- The name a user chooses to be shown by (issue 13): NULL when unset.
-- It is not unique and never used to sign in; usernames stay the handle.
ALTER TABLE users ADD COLUMN display_name TEXT NULL;
