-- What an incoming update has already caused to go out (a relay into the workers' topic,
-- a reply to the person), so handling it again after a crash does not send it twice.
-- Rows go with their inbox row.
CREATE TABLE deliveries (
    inbox_id INTEGER NOT NULL REFERENCES inbox (id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    PRIMARY KEY (inbox_id, key)
) WITHOUT ROWID;
