-- The user upload quota sums a user's uploads of the last 24 hours.
CREATE INDEX message_uploads_uploader ON message_uploads (uploader_id, created_at);
