-- Passerelle schema, version 1. Stores the minimum: no names, no message text.
CREATE TABLE people (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused after a deletion
    channel         TEXT NOT NULL,            -- 'telegram', 'terminal', ...
    address         TEXT NOT NULL,            -- the chat id on that channel
    language        TEXT,                     -- chosen language code
    mode            TEXT NOT NULL DEFAULT 'bot',
    failed_matches  INTEGER NOT NULL DEFAULT 0,
    pending         TEXT,                     -- what the bot waits for, e.g. 'confirm-delete'
    created_at      TEXT NOT NULL,
    last_seen_at    TEXT NOT NULL,
    UNIQUE (channel, address)
);

CREATE TABLE topic_views (
    person_id  INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    topic_id   TEXT NOT NULL,
    lang       TEXT NOT NULL,
    viewed_at  TEXT NOT NULL
);
CREATE INDEX topic_views_person ON topic_views (person_id, viewed_at);

CREATE TABLE feedback (
    person_id  INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    topic_id   TEXT NOT NULL,
    lang       TEXT NOT NULL,
    helpful    INTEGER NOT NULL,
    given_at   TEXT NOT NULL
);

CREATE TABLE media_cache (
    channel      TEXT NOT NULL,
    asset        TEXT NOT NULL,               -- e.g. 'pictogram:key'
    fingerprint  TEXT NOT NULL,               -- hash of the file, so a new image re-uploads
    remote_id    TEXT NOT NULL,
    PRIMARY KEY (channel, asset)
);
