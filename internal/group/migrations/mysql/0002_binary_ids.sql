-- Ids compare byte for byte (issue 12 defect 3). Under utf8mb4_unicode_ci
-- an upper-case spelling of a UUID found the row, and the change was then
-- published with the caller's spelling, which the other roles (binary
-- collation, Go maps) did not match. Every column now compares in binary,
-- as the message role's tables always did; the foreign keys are dropped
-- around the change because MariaDB refuses to change the collation of a
-- column a foreign key uses.
ALTER TABLE group_members DROP FOREIGN KEY group_members_group;
ALTER TABLE group_invites DROP FOREIGN KEY group_invites_group_fk;
ALTER TABLE group_users CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
ALTER TABLE chat_groups CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
ALTER TABLE group_members CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
ALTER TABLE group_invites CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
ALTER TABLE group_members ADD CONSTRAINT group_members_group FOREIGN KEY (group_id) REFERENCES chat_groups (id) ON DELETE CASCADE;
ALTER TABLE group_invites ADD CONSTRAINT group_invites_group_fk FOREIGN KEY (group_id) REFERENCES chat_groups (id) ON DELETE CASCADE;
