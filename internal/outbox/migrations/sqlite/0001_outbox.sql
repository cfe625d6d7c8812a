-- Events waiting to be published, in commit order (id).
CREATE TABLE outbox (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	event_id TEXT NOT NULL UNIQUE,
	topic TEXT NOT NULL,
	event_key TEXT NOT NULL,
	type TEXT NOT NULL,
	payload BLOB NOT NULL,
	occurred_at DATETIME NOT NULL,
	created_at DATETIME NOT NULL
);

-- Which instance of the role publishes, until when.
CREATE TABLE outbox_lease (
	name TEXT PRIMARY KEY,
	holder TEXT NOT NULL,
	expires_at DATETIME NOT NULL
);
