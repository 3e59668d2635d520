-- Passerelle schema, version 5: every stored instant is UTC text in one format
-- (YYYY-MM-DDTHH:MM:SS.ffffff+00:00), so comparing text compares time. Before, some rows
-- kept a Brussels offset and reminders were compared as text with UTC and fired late.
-- Also: the inbox (updates made durable before the channel confirms them) and leased,
-- multi-part outbox claims.
UPDATE people SET
    created_at = CASE WHEN created_at IS NULL THEN NULL ELSE strftime('%Y-%m-%dT%H:%M:%S', created_at) || '.' || substr(strftime('%f', created_at), 4) || '000+00:00' END,
    last_seen_at = CASE WHEN last_seen_at IS NULL THEN NULL ELSE strftime('%Y-%m-%dT%H:%M:%S', last_seen_at) || '.' || substr(strftime('%f', last_seen_at), 4) || '000+00:00' END;
UPDATE topic_views SET
    viewed_at = CASE WHEN viewed_at IS NULL THEN NULL ELSE strftime('%Y-%m-%dT%H:%M:%S', viewed_at) || '.' || substr(strftime('%f', viewed_at), 4) || '000+00:00' END;
UPDATE feedback SET
    given_at = CASE WHEN given_at IS NULL THEN NULL ELSE strftime('%Y-%m-%dT%H:%M:%S', given_at) || '.' || substr(strftime('%f', given_at), 4) || '000+00:00' END;
UPDATE tickets SET
    created_at = CASE WHEN created_at IS NULL THEN NULL ELSE strftime('%Y-%m-%dT%H:%M:%S', created_at) || '.' || substr(strftime('%f', created_at), 4) || '000+00:00' END,
    claimed_at = CASE WHEN claimed_at IS NULL THEN NULL ELSE strftime('%Y-%m-%dT%H:%M:%S', claimed_at) || '.' || substr(strftime('%f', claimed_at), 4) || '000+00:00' END,
    closed_at = CASE WHEN closed_at IS NULL THEN NULL ELSE strftime('%Y-%m-%dT%H:%M:%S', closed_at) || '.' || substr(strftime('%f', closed_at), 4) || '000+00:00' END,
    announced_at = CASE WHEN announced_at IS NULL THEN NULL ELSE strftime('%Y-%m-%dT%H:%M:%S', announced_at) || '.' || substr(strftime('%f', announced_at), 4) || '000+00:00' END,
    person_told_at = CASE WHEN person_told_at IS NULL THEN NULL ELSE strftime('%Y-%m-%dT%H:%M:%S', person_told_at) || '.' || substr(strftime('%f', person_told_at), 4) || '000+00:00' END;
UPDATE worker_threads SET
    created_at = CASE WHEN created_at IS NULL THEN NULL ELSE strftime('%Y-%m-%dT%H:%M:%S', created_at) || '.' || substr(strftime('%f', created_at), 4) || '000+00:00' END;
UPDATE relayed_messages SET
    relayed_at = CASE WHEN relayed_at IS NULL THEN NULL ELSE strftime('%Y-%m-%dT%H:%M:%S', relayed_at) || '.' || substr(strftime('%f', relayed_at), 4) || '000+00:00' END;
UPDATE enrol_tokens SET
    created_at = CASE WHEN created_at IS NULL THEN NULL ELSE strftime('%Y-%m-%dT%H:%M:%S', created_at) || '.' || substr(strftime('%f', created_at), 4) || '000+00:00' END,
    expires_at = CASE WHEN expires_at IS NULL THEN NULL ELSE strftime('%Y-%m-%dT%H:%M:%S', expires_at) || '.' || substr(strftime('%f', expires_at), 4) || '000+00:00' END,
    used_at = CASE WHEN used_at IS NULL THEN NULL ELSE strftime('%Y-%m-%dT%H:%M:%S', used_at) || '.' || substr(strftime('%f', used_at), 4) || '000+00:00' END;
UPDATE outbox SET
    due_at = CASE WHEN due_at IS NULL THEN NULL ELSE strftime('%Y-%m-%dT%H:%M:%S', due_at) || '.' || substr(strftime('%f', due_at), 4) || '000+00:00' END,
    claimed_at = CASE WHEN claimed_at IS NULL THEN NULL ELSE strftime('%Y-%m-%dT%H:%M:%S', claimed_at) || '.' || substr(strftime('%f', claimed_at), 4) || '000+00:00' END,
    sent_at = CASE WHEN sent_at IS NULL THEN NULL ELSE strftime('%Y-%m-%dT%H:%M:%S', sent_at) || '.' || substr(strftime('%f', sent_at), 4) || '000+00:00' END;
UPDATE checkin_answers SET
    answered_at = CASE WHEN answered_at IS NULL THEN NULL ELSE strftime('%Y-%m-%dT%H:%M:%S', answered_at) || '.' || substr(strftime('%f', answered_at), 4) || '000+00:00' END;
UPDATE appointments SET
    starts_at = CASE WHEN starts_at IS NULL THEN NULL ELSE strftime('%Y-%m-%dT%H:%M:%S', starts_at) || '.' || substr(strftime('%f', starts_at), 4) || '000+00:00' END,
    created_at = CASE WHEN created_at IS NULL THEN NULL ELSE strftime('%Y-%m-%dT%H:%M:%S', created_at) || '.' || substr(strftime('%f', created_at), 4) || '000+00:00' END;

ALTER TABLE outbox ADD COLUMN lease_until TEXT;                  -- a claim expires then
ALTER TABLE outbox ADD COLUMN parts_done INTEGER NOT NULL DEFAULT 0;  -- text, then .ics, ...
ALTER TABLE outbox ADD COLUMN payload TEXT;                       -- what to send, erased once sent
CREATE INDEX outbox_leases ON outbox (status, lease_until);

CREATE TABLE inbox (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    channel      TEXT NOT NULL,                   -- 'telegram', ...
    external_id  INTEGER NOT NULL,                -- the channel's update id
    lane         TEXT NOT NULL,                   -- one person's (or chat's) updates, in order
    payload      TEXT,                            -- the raw update until handled, then NULL
    received_at  TEXT NOT NULL,
    handled_at   TEXT,
    attempts     INTEGER NOT NULL DEFAULT 0,
    UNIQUE (channel, external_id)
);
CREATE INDEX inbox_waiting ON inbox (handled_at, id);

ALTER TABLE people DROP COLUMN mode;                           -- derived from the open ticket
