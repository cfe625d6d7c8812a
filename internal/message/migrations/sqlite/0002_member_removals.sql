-- Members whose removal the projection has applied and who were not
-- added back since: a membership the group role confirmed just before
-- the removal must not re-enter the projection (see Service.askOwner).
CREATE TABLE message_removed_members (
	group_id TEXT NOT NULL,
	user_id TEXT NOT NULL,
	PRIMARY KEY (group_id, user_id)
);
