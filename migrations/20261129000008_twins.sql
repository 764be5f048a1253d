-- AI twins and their evidence-linked memory (issue 13). Additive: the placeholder tables of
-- 20261125000001 keep every column they had, so workspace files exported before still import.
--
-- A twin's profile is the JSON in `twins.persona` (demographics drawn in code, the rest written
-- by a model from the evidence it was cast on); every edit adds a row to `twin_versions`.
ALTER TABLE twins ADD COLUMN version INTEGER NOT NULL DEFAULT 1 CHECK (version > 0);
-- The derived signals this twin was cast on (a JSON array of ids), and the casting's seed.
ALTER TABLE twins ADD COLUMN casting TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(casting));
ALTER TABLE twins ADD COLUMN seed INTEGER NOT NULL DEFAULT 0;
-- Who wrote the profile: the vendor/model that answered.
ALTER TABLE twins ADD COLUMN written_by TEXT NOT NULL DEFAULT '';
-- The twin's access clock: every recall ticks it, and a memory's `last_accessed` is the tick
-- it was last recalled at, so recency is counted in recalls, not wall-clock time (a session
-- replayed later recalls the same memories).
ALTER TABLE twins ADD COLUMN memory_clock INTEGER NOT NULL DEFAULT 0 CHECK (memory_clock >= 0);
ALTER TABLE twins ADD COLUMN archived_at TEXT;
CREATE INDEX twins_audience ON twins(workspace_id, audience_id);

CREATE TABLE twin_versions (
    twin_id      TEXT NOT NULL REFERENCES twins(id) ON DELETE CASCADE,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    version      INTEGER NOT NULL CHECK (version > 0),
    name         TEXT NOT NULL CHECK (length(name) > 0),
    persona      TEXT NOT NULL CHECK (json_valid(persona)),
    edited_by    TEXT NOT NULL CHECK (edited_by IN ('model', 'user')),
    note         TEXT NOT NULL DEFAULT '',
    created_at   TEXT NOT NULL,
    PRIMARY KEY (twin_id, version)
) WITHOUT ROWID;

-- A memory fragment. `kind` keeps its first meaning (grounding: from evidence; episodic: from
-- a session; reflection: from other memories); `fragment` says what it is about. `importance`
-- is 1-10 as Generative Agents rate it. `seq` orders a twin's memories as they were written.
ALTER TABLE twin_memories ADD COLUMN fragment TEXT NOT NULL DEFAULT 'note' CHECK (fragment IN
    ('demographic', 'behavior', 'intent', 'mention', 'brand', 'objection', 'media', 'said',
     'heard', 'reflection', 'note'));
ALTER TABLE twin_memories ADD COLUMN seq INTEGER NOT NULL DEFAULT 0 CHECK (seq >= 0);
ALTER TABLE twin_memories ADD COLUMN last_accessed INTEGER NOT NULL DEFAULT 0 CHECK (last_accessed >= 0);
ALTER TABLE twin_memories ADD COLUMN version INTEGER NOT NULL DEFAULT 1 CHECK (version > 0);
-- 'model' (a model wrote it from cited evidence), 'evidence' (the cited statement itself,
-- when the model's wording could not be checked), 'session', 'user'.
ALTER TABLE twin_memories ADD COLUMN written_by TEXT NOT NULL DEFAULT 'model' CHECK (written_by IN
    ('model', 'evidence', 'session', 'user'));
ALTER TABLE twin_memories ADD COLUMN embedding_model TEXT;
ALTER TABLE twin_memories ADD COLUMN updated_at TEXT;
-- A memory the user removed: kept, so what cited it still reads, but never recalled.
ALTER TABLE twin_memories ADD COLUMN retired_at TEXT;
-- Memories written before this change are numbered in the order they were written. Not a
-- unique index: a workspace file exported before this change carries its memories without
-- numbers, and they import side by side (the writers number new ones after the highest).
UPDATE twin_memories SET seq = (
    SELECT count(*) FROM twin_memories o
    WHERE o.twin_id = twin_memories.twin_id
      AND (o.created_at < twin_memories.created_at
           OR (o.created_at = twin_memories.created_at AND o.id < twin_memories.id))
);
UPDATE twin_memories SET last_accessed = seq + 1;
CREATE INDEX twin_memories_seq ON twin_memories(twin_id, seq);

CREATE TABLE memory_versions (
    memory_id    TEXT NOT NULL REFERENCES twin_memories(id) ON DELETE CASCADE,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    version      INTEGER NOT NULL CHECK (version > 0),
    content      TEXT NOT NULL,
    importance   REAL NOT NULL,
    edited_by    TEXT NOT NULL CHECK (edited_by IN ('model', 'evidence', 'session', 'user')),
    note         TEXT NOT NULL DEFAULT '',
    created_at   TEXT NOT NULL,
    PRIMARY KEY (memory_id, version)
) WITHOUT ROWID;

-- What a memory rests on: a derived signal (`ref_key` its id), a stored row (`source_table` and
-- `ref_key` as in `signal_rows`), another memory (reflections), or a transcript turn. `snapshot`
-- is what the cited evidence said when the memory was written, so a later rebuild that changes
-- or retires it can be shown beside the memory.
CREATE TABLE memory_evidence (
    memory_id    TEXT NOT NULL REFERENCES twin_memories(id) ON DELETE CASCADE,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    source       TEXT NOT NULL CHECK (source IN ('signal', 'row', 'memory', 'turn')),
    source_table TEXT NOT NULL DEFAULT '' CHECK (source_table IN
        ('', 'audience_signals', 'daily_metrics', 'metric_breakdowns', 'creatives', 'audiences')),
    ref_key      TEXT NOT NULL CHECK (length(ref_key) > 0),
    snapshot     TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (memory_id, source, source_table, ref_key)
) WITHOUT ROWID;
CREATE INDEX memory_evidence_ref ON memory_evidence(ref_key);

-- Memories are searchable: the index catches up from the outbox like every other text.
CREATE TRIGGER twin_memories_outbox_insert AFTER INSERT ON twin_memories BEGIN
    INSERT INTO search_outbox (workspace_id, doc_kind, doc_id, op)
    VALUES (NEW.workspace_id, 'twin_memory', NEW.id, 'upsert');
END;
CREATE TRIGGER twin_memories_outbox_update AFTER UPDATE OF content, retired_at, fragment ON twin_memories BEGIN
    INSERT INTO search_outbox (workspace_id, doc_kind, doc_id, op)
    VALUES (NEW.workspace_id, 'twin_memory', NEW.id,
            CASE WHEN NEW.retired_at IS NULL THEN 'upsert' ELSE 'delete' END);
END;
CREATE TRIGGER twin_memories_outbox_delete AFTER DELETE ON twin_memories BEGIN
    INSERT INTO search_outbox (workspace_id, doc_kind, doc_id, op)
    VALUES (OLD.workspace_id, 'twin_memory', OLD.id, 'delete');
END;
