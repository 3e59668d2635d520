-- Passerelle schema, version 6, PostgreSQL: what an incoming update already caused to go out.
CREATE TABLE deliveries (
    inbox_id BIGINT NOT NULL REFERENCES inbox (id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    PRIMARY KEY (inbox_id, key)
);
