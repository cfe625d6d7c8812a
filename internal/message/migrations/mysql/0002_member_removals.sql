-- Members whose removal the projection has applied and who were not
-- added back since: a membership the group role confirmed just before
-- the removal must not re-enter the projection (see Service.askOwner).
CREATE TABLE IF NOT EXISTS message_removed_members (
	group_id CHAR(36) NOT NULL,
	user_id CHAR(36) NOT NULL,
	PRIMARY KEY (group_id, user_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
