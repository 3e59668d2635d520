-- Passerelle schema, version 11, PostgreSQL: named leases (the same as ../0011_leases.sql).
CREATE TABLE leases (
    name   TEXT PRIMARY KEY,   -- 'lane:telegram:123:', 'poll:telegram', 'job:retention'
    owner  TEXT NOT NULL,      -- the process that holds it
    until  TEXT NOT NULL       -- UTC text
);
