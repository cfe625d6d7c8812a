-- Uploads of deleted messages stay as tombstones (deleted_at set) until
-- their signed upload URL has expired, so that the sweep deletes, once
-- more, an object re-created through that URL (issue 12 defect 7) or left
-- behind when the first delete failed.
ALTER TABLE message_uploads ADD COLUMN deleted_at DATETIME(6) NULL;
CREATE INDEX message_uploads_deleted ON message_uploads (deleted_at);
