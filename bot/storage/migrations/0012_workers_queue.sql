-- Passerelle schema, version 12: the workers' send queue. Telegram takes about 20 messages
-- a minute into one group, so what goes to a workers' group (announcements, relays,
-- information lines) is a row first, sent by a pacer per group: crisis, then urgent, then
-- normal, oldest first, each person's rows in their order. A row is leased while it is
-- sent (a crashed sender's lease runs out) and marked sent once Telegram accepted it; its
-- payload (ids, never a message's text) is erased then. `dedupe` names the row after the
-- update that caused it, so handling that update again adds no second row.
CREATE TABLE workers_queue (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    group_chat   TEXT NOT NULL,                 -- the target workers' group chat id
    person_id    INTEGER NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    priority     INTEGER NOT NULL,              -- 0 crisis, 1 urgent, 2 normal
    kind         TEXT NOT NULL,                 -- 'announce', 'relay', 'notify'
    dedupe       TEXT UNIQUE,                   -- '<inbox id>:<key>', NULL outside an update
    payload      TEXT,                          -- what to send, erased once sent
    status       TEXT NOT NULL DEFAULT 'queued',  -- queued, sending, sent, skipped
    attempts     INTEGER NOT NULL DEFAULT 0,
    not_before   TEXT NOT NULL,                 -- UTC text, later after a failed attempt
    claim        TEXT,
    lease_until  TEXT,
    queued_at    TEXT NOT NULL,
    sent_at      TEXT
);
CREATE INDEX workers_queue_next ON workers_queue (group_chat, status, priority, id);
CREATE INDEX workers_queue_lane ON workers_queue (group_chat, person_id, status, id);
CREATE INDEX workers_queue_sent ON workers_queue (group_chat, sent_at);
-- A group Telegram asked to wait (429 retry_after) is held until then, for every process.
CREATE TABLE workers_pace (
    group_chat   TEXT PRIMARY KEY,
    hold_until   TEXT NOT NULL
);
