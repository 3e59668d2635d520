-- Passerelle schema, version 2: talking to a person (tickets, worker threads, relays).
-- No message text: relayed messages are copied by the channel; we keep only their ids.
CREATE TABLE tickets (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    person_id       INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    status          TEXT NOT NULL DEFAULT 'open',     -- open | claimed | closed
    source          TEXT NOT NULL,                    -- request | failed-matches | crisis | checkin
    urgent          INTEGER NOT NULL DEFAULT 0,
    asking          INTEGER NOT NULL DEFAULT 1,       -- waiting for "what is it about?"
    about           TEXT,                             -- a topic or theme id, or 'own-words'
    worker          TEXT,                             -- how the worker who claimed signs
    created_at      TEXT NOT NULL,
    claimed_at      TEXT,
    closed_at       TEXT,
    closed_by       TEXT,                             -- worker | person
    announced_at    TEXT,                             -- last time the workers were told
    person_told_at  TEXT,                             -- last "still waiting" to the person
    person_blocked  INTEGER NOT NULL DEFAULT 0,       -- Telegram said 403 for this person
    satisfaction    INTEGER                           -- 1..3 after closing
);
CREATE UNIQUE INDEX tickets_one_open ON tickets (person_id) WHERE status != 'closed';

CREATE TABLE worker_threads (
    person_id   INTEGER PRIMARY KEY REFERENCES people(id) ON DELETE CASCADE,
    thread_id   TEXT NOT NULL,                        -- forum topic id in the workers' group
    created_at  TEXT NOT NULL
);

CREATE TABLE relayed_messages (
    ticket_id       INTEGER NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
    direction       TEXT NOT NULL,                    -- to-workers | to-person
    source_message  TEXT NOT NULL,
    copy_message    TEXT NOT NULL,
    relayed_at      TEXT NOT NULL
);
CREATE INDEX relayed_by_copy ON relayed_messages (copy_message);
