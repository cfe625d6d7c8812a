-- Retries of relays that publish each event on its own (Options.Unordered,
-- the mail relay): how often an event failed and when it is due again.
ALTER TABLE outbox ADD COLUMN attempts INT NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN next_attempt_at DATETIME(6) NULL;

-- The dead letters of such relays: events that failed for good (refused,
-- or failed MaxAttempts times), kept for an operator to read or replay.
CREATE TABLE IF NOT EXISTS outbox_parked (
	id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
	relay VARCHAR(64) NOT NULL,
	event_id VARCHAR(64) NOT NULL,
	topic VARCHAR(255) NOT NULL,
	event_key VARCHAR(255) NOT NULL,
	type VARCHAR(255) NOT NULL,
	payload MEDIUMBLOB NOT NULL,
	occurred_at DATETIME(6) NOT NULL,
	attempts INT NOT NULL,
	last_error VARCHAR(1000) NOT NULL,
	parked_at DATETIME(6) NOT NULL,
	KEY outbox_parked_relay (relay, parked_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
