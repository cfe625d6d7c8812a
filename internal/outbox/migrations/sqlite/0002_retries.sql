-- Retries of relays that publish each event on its own (Options.Unordered,
-- the mail relay): how often an event failed and when it is due again.
ALTER TABLE outbox ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN next_attempt_at DATETIME NULL;

-- The dead letters of such relays: events that failed for good (refused,
-- or failed MaxAttempts times), kept for an operator to read or replay.
CREATE TABLE outbox_parked (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	relay TEXT NOT NULL,
	event_id TEXT NOT NULL,
	topic TEXT NOT NULL,
	event_key TEXT NOT NULL,
	type TEXT NOT NULL,
	payload BLOB NOT NULL,
	occurred_at DATETIME NOT NULL,
	attempts INTEGER NOT NULL,
	last_error TEXT NOT NULL,
	parked_at DATETIME NOT NULL
);
CREATE INDEX outbox_parked_relay ON outbox_parked (relay, parked_at);
