-- Passerelle schema, version 11: named leases, so several processes on one database share
-- the work without doing it twice: one person's lane of the inbox, the Telegram poll, a
-- periodic job. A lease is held until `until`; a process that died lets it run out.
CREATE TABLE leases (
    name   TEXT PRIMARY KEY,   -- 'lane:telegram:123:', 'poll:telegram', 'job:retention'
    owner  TEXT NOT NULL,      -- the process that holds it
    until  TEXT NOT NULL       -- UTC text
);
