-- Ids compare byte for byte (issue 12 defect 3), as in every role: an id
-- in another spelling names nothing. The foreign key is dropped around the
-- change because MariaDB refuses to change the collation of a column a
-- foreign key uses.
ALTER TABLE user_codes DROP FOREIGN KEY user_codes_user_fk;
ALTER TABLE users MODIFY id CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL;
ALTER TABLE user_codes MODIFY user_id CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL;
ALTER TABLE user_codes ADD CONSTRAINT user_codes_user_fk FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE;
