-- Passerelle schema, version 7, PostgreSQL: many offices in one deployment. A person belongs to an
-- office (NULL: not chosen yet, served by the default office); a person's workers'
-- thread lives in one workers' group (NULL: the deployment's single group), since forum
-- topic ids are only unique within their group.
ALTER TABLE people ADD COLUMN office TEXT;
ALTER TABLE worker_threads ADD COLUMN group_chat TEXT;
CREATE INDEX worker_threads_group ON worker_threads (group_chat, thread_id);
