-- Rows that arrive again with every sync or import are found by their natural keys, so a second
-- arrival updates the stored row instead of adding a copy (the store's AdDataWriter upserts on
-- these). Copies stored before this change are merged the way an upsert would have merged them:
-- the earliest row keeps its id (whatever pointed at a copy now points at it) and takes the
-- figures of the latest copy. Workspace files exported before this change are merged by the same
-- rules when they are imported (pw-store's transfer.rs).

-- Audiences the platform names: one row per workspace, platform and platform id. Audiences of our
-- own (no external id) stay keyed by their id alone.
CREATE TEMP TABLE audience_copies AS
SELECT copy_id, keep_id, latest_id FROM (
    SELECT id AS copy_id,
           first_value(id) OVER copies AS keep_id,
           last_value(id) OVER copies AS latest_id
    FROM audiences
    WHERE external_id IS NOT NULL
    WINDOW copies AS (PARTITION BY workspace_id, platform, external_id ORDER BY rowid
                      ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
)
WHERE keep_id <> latest_id;

-- What an upsert of the latest copy would have written.
UPDATE audiences
SET (name, size_lower, size_upper, interests, demographics) = (
    SELECT latest.name, latest.size_lower, latest.size_upper, latest.interests, latest.demographics
    FROM audience_copies JOIN audiences latest ON latest.id = audience_copies.latest_id
    WHERE audience_copies.copy_id = audiences.id)
WHERE id IN (SELECT keep_id FROM audience_copies WHERE copy_id = keep_id);

UPDATE ad_groups
SET audience_id = (SELECT keep_id FROM audience_copies WHERE copy_id = ad_groups.audience_id)
WHERE audience_id IN (SELECT copy_id FROM audience_copies WHERE copy_id <> keep_id);
UPDATE audience_signals
SET audience_id = (SELECT keep_id FROM audience_copies WHERE copy_id = audience_signals.audience_id)
WHERE audience_id IN (SELECT copy_id FROM audience_copies WHERE copy_id <> keep_id);
UPDATE twins
SET audience_id = (SELECT keep_id FROM audience_copies WHERE copy_id = twins.audience_id)
WHERE audience_id IN (SELECT copy_id FROM audience_copies WHERE copy_id <> keep_id);
DELETE FROM audiences WHERE id IN (SELECT copy_id FROM audience_copies WHERE copy_id <> keep_id);
DROP TABLE audience_copies;

CREATE UNIQUE INDEX audiences_natural_key ON audiences(workspace_id, platform, external_id)
    WHERE external_id IS NOT NULL;

-- Audience signals: the same words of the same kind from the same source on the same day, about
-- the same audience (none is a value of its own), from the same post are one signal. Which post
-- is the first of metadata's `external_id`, `permalink`, `author` that is a non-empty string
-- (pw_store::signal_occurrence computes the same in Rust); a signal without any of them has ''.
-- So two people writing "Love it!" on the same day stay two signals when their posts say who
-- or where they are, and a search term reported for two audiences stays two signals.
ALTER TABLE audience_signals ADD COLUMN occurrence_key TEXT GENERATED ALWAYS AS (
    CASE WHEN json_valid(metadata) THEN coalesce(
        CASE json_type(metadata, '$.external_id')
            WHEN 'text' THEN nullif(json_extract(metadata, '$.external_id'), '') END,
        CASE json_type(metadata, '$.permalink')
            WHEN 'text' THEN nullif(json_extract(metadata, '$.permalink'), '') END,
        CASE json_type(metadata, '$.author')
            WHEN 'text' THEN nullif(json_extract(metadata, '$.author'), '') END,
        '')
    ELSE '' END
) VIRTUAL;

CREATE TEMP TABLE signal_copies AS
SELECT copy_id, keep_id, latest_id FROM (
    SELECT id AS copy_id,
           first_value(id) OVER copies AS keep_id,
           last_value(id) OVER copies AS latest_id
    FROM audience_signals
    WINDOW copies AS (PARTITION BY workspace_id, kind, source, occurred_on, text,
                                   coalesce(audience_id, ''), occurrence_key ORDER BY rowid
                      ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
)
WHERE keep_id <> latest_id;

UPDATE audience_signals
SET (topic, sentiment, intent, volume, metadata) = (
    SELECT latest.topic, latest.sentiment, latest.intent, latest.volume, latest.metadata
    FROM signal_copies JOIN audience_signals latest ON latest.id = signal_copies.latest_id
    WHERE signal_copies.copy_id = audience_signals.id)
WHERE id IN (SELECT keep_id FROM signal_copies WHERE copy_id = keep_id);

UPDATE twin_memories
SET source_signal_id = (SELECT keep_id FROM signal_copies WHERE copy_id = twin_memories.source_signal_id)
WHERE source_signal_id IN (SELECT copy_id FROM signal_copies WHERE copy_id <> keep_id);
DELETE FROM audience_signals WHERE id IN (SELECT copy_id FROM signal_copies WHERE copy_id <> keep_id);
DROP TABLE signal_copies;

CREATE UNIQUE INDEX audience_signals_natural_key ON audience_signals(
    workspace_id, kind, source, occurred_on, text, coalesce(audience_id, ''), occurrence_key);
