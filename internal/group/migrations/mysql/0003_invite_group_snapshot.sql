-- What an invite showed of its group when it was made (issue 12 defect
-- 10): people who can no longer see the group see this name, and no
-- picture, in their invite history instead of the group as it is now.
ALTER TABLE group_invites ADD COLUMN group_name VARCHAR(64) NOT NULL DEFAULT '';
UPDATE group_invites SET group_name = (SELECT g.name FROM chat_groups g WHERE g.id = group_invites.group_id);
