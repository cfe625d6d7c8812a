-- Events waiting to be published, in commit order (id).
CREATE TABLE IF NOT EXISTS outbox (
	id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
	event_id VARCHAR(64) NOT NULL,
	topic VARCHAR(255) NOT NULL,
	event_key VARCHAR(255) NOT NULL,
	type VARCHAR(255) NOT NULL,
	payload MEDIUMBLOB NOT NULL,
	occurred_at DATETIME(6) NOT NULL,
	created_at DATETIME(6) NOT NULL,
	UNIQUE KEY outbox_event_id (event_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Which instance of the role publishes, until when.
CREATE TABLE IF NOT EXISTS outbox_lease (
	name VARCHAR(64) NOT NULL PRIMARY KEY,
	holder VARCHAR(255) NOT NULL,
	expires_at DATETIME(6) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
