-- Passerelle schema, version 8: when a person was told, once, what Passerelle keeps; and
-- closed tickets pseudonymised for statistics: the facts a CPAS counts (source, urgent,
-- times, who closed, the rating) with no link to the person, their chat or their office
-- worker. The retention job moves a closed ticket here after its period.
ALTER TABLE people ADD COLUMN privacy_noted_at TEXT;
CREATE TABLE ticket_history (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    source        TEXT NOT NULL,
    urgent        INTEGER NOT NULL DEFAULT 0,
    created_at    TEXT NOT NULL,
    claimed_at    TEXT,
    closed_at     TEXT,
    closed_by     TEXT,
    satisfaction  INTEGER
);
