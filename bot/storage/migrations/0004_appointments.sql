-- Passerelle schema, version 4: appointments made by a worker for a participant.
CREATE TABLE appointments (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    person_id   INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    starts_at   TEXT NOT NULL,                       -- UTC
    place       TEXT NOT NULL,
    worker      TEXT,
    answer      TEXT,                                -- coming | not-coming
    created_at  TEXT NOT NULL
);
