-- Rows that arrive again with every sync or import are found by their natural keys, so a second
-- arrival updates the stored row instead of adding a copy (the store's AdDataWriter upserts on
-- these). Copies stored before this change are merged into the earliest one, and whatever pointed
-- at a copy now points at the row that is kept.

-- Audiences the platform names: one row per workspace, platform and platform id. Audiences of our
-- own (no external id) stay keyed by their id alone.
CREATE TEMP TABLE audience_copies AS
SELECT copy_id, keep_id FROM (
    SELECT id AS copy_id,
           first_value(id) OVER (PARTITION BY workspace_id, platform, external_id ORDER BY rowid) AS keep_id
    FROM audiences
    WHERE external_id IS NOT NULL
)
WHERE copy_id <> keep_id;

UPDATE ad_groups
SET audience_id = (SELECT keep_id FROM audience_copies WHERE copy_id = ad_groups.audience_id)
WHERE audience_id IN (SELECT copy_id FROM audience_copies);
UPDATE audience_signals
SET audience_id = (SELECT keep_id FROM audience_copies WHERE copy_id = audience_signals.audience_id)
WHERE audience_id IN (SELECT copy_id FROM audience_copies);
UPDATE twins
SET audience_id = (SELECT keep_id FROM audience_copies WHERE copy_id = twins.audience_id)
WHERE audience_id IN (SELECT copy_id FROM audience_copies);
DELETE FROM audiences WHERE id IN (SELECT copy_id FROM audience_copies);
DROP TABLE audience_copies;

CREATE UNIQUE INDEX audiences_natural_key ON audiences(workspace_id, platform, external_id)
    WHERE external_id IS NOT NULL;

-- Audience signals: the same words from the same source on the same day are one signal.
CREATE TEMP TABLE signal_copies AS
SELECT copy_id, keep_id FROM (
    SELECT id AS copy_id,
           first_value(id) OVER (PARTITION BY workspace_id, kind, source, occurred_on, text ORDER BY rowid) AS keep_id
    FROM audience_signals
)
WHERE copy_id <> keep_id;

UPDATE twin_memories
SET source_signal_id = (SELECT keep_id FROM signal_copies WHERE copy_id = twin_memories.source_signal_id)
WHERE source_signal_id IN (SELECT copy_id FROM signal_copies);
DELETE FROM audience_signals WHERE id IN (SELECT copy_id FROM signal_copies);
DROP TABLE signal_copies;

CREATE UNIQUE INDEX audience_signals_natural_key
    ON audience_signals(workspace_id, kind, source, occurred_on, text);
