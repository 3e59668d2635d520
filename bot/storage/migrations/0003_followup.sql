-- Passerelle schema, version 3: follow-up check-ins and appointment reminders.
-- Every promised message is a row of `outbox` before it is sent (never only a job in
-- memory), so a restart or a crash neither loses nor doubles it.
CREATE TABLE enrol_tokens (
    token_hash     TEXT PRIMARY KEY,                 -- sha256 of the link's token
    programme_end  TEXT NOT NULL,
    worker         TEXT,
    office         TEXT,
    created_at     TEXT NOT NULL,
    expires_at     TEXT NOT NULL,
    used_at        TEXT
);

CREATE TABLE participants (
    person_id      INTEGER PRIMARY KEY REFERENCES people(id) ON DELETE CASCADE,
    programme_end  TEXT NOT NULL,
    worker         TEXT,
    office         TEXT,
    consented_at   TEXT,                             -- NULL until the person agrees
    stopped_at     TEXT
);

CREATE TABLE outbox (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    person_id   INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    kind        TEXT NOT NULL,                       -- checkin | reminder
    key         TEXT NOT NULL,                       -- e.g. 'month-1', 'appt-3:day-before'
    due_at      TEXT NOT NULL,
    status      TEXT NOT NULL DEFAULT 'pending',     -- pending | claimed | sent | cancelled | failed
    attempts    INTEGER NOT NULL DEFAULT 0,
    claim       TEXT,                                -- which dispatcher run claimed it
    claimed_at  TEXT,
    sent_at     TEXT,
    UNIQUE (person_id, kind, key)
);
CREATE INDEX outbox_due ON outbox (status, due_at);

CREATE TABLE checkin_answers (
    person_id    INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    checkin      TEXT NOT NULL,
    question     TEXT NOT NULL,
    answer       TEXT NOT NULL,                      -- 1..5, question, help
    answered_at  TEXT NOT NULL
);
