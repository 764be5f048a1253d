-- The evidence layer. `audience_signals` keeps raw evidence as it arrived (mentions, search
-- terms, behaviours); what is derived from it and from the ad data lives in `signals`, each
-- with the exact rows it was computed from in `signal_rows`. Grounding reports are written by a
-- model from signals, and every claim cites the signals it rests on.

-- Delivery broken down by one dimension, as platforms report it (Meta's `breakdowns`
-- publisher_platform/device_platform/hourly stats, Google Ads' segments.device/hour). One row
-- per entity, day, dimension and value; rows of one dimension add up to the entity's day.
CREATE TABLE metric_breakdowns (
    workspace_id    TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    level           TEXT NOT NULL CHECK (level IN ('account', 'campaign', 'ad_group', 'ad')),
    entity_id       TEXT NOT NULL,
    date            TEXT NOT NULL CHECK (date GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    dimension       TEXT NOT NULL CHECK (dimension IN ('placement', 'device', 'daypart')),
    value           TEXT NOT NULL CHECK (length(value) > 0),
    platform        TEXT NOT NULL,
    currency        TEXT NOT NULL CHECK (length(currency) = 3),
    impressions     INTEGER NOT NULL DEFAULT 0 CHECK (impressions >= 0),
    clicks          INTEGER NOT NULL DEFAULT 0 CHECK (clicks >= 0),
    spend_micros    INTEGER NOT NULL DEFAULT 0,
    conversions     REAL NOT NULL DEFAULT 0,
    PRIMARY KEY (level, entity_id, date, dimension, value)
) WITHOUT ROWID;
CREATE INDEX metric_breakdowns_workspace ON metric_breakdowns(workspace_id, dimension, date);

-- A derived signal. Its id is a UUIDv5 of (workspace, audience, kind, signal_key), so a rebuild
-- that finds the same thing keeps the id reports cite. A signal a rebuild no longer finds is
-- retired, not deleted: reports written from it still show what they rested on.
CREATE TABLE signals (
    id            TEXT PRIMARY KEY,
    workspace_id  TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    -- NULL: about the workspace's whole public (search terms reported without an audience).
    audience_id   TEXT REFERENCES audiences(id) ON DELETE CASCADE,
    kind          TEXT NOT NULL CHECK (kind IN ('behavior', 'intent', 'mention_theme')),
    -- What it is about, stable across rebuilds: 'creative/<id>/ctr', 'intent/transactional'.
    signal_key    TEXT NOT NULL,
    statement     TEXT NOT NULL CHECK (length(statement) > 0),
    -- The effect a person reads first: a lift over baseline, a share of volume or of mentions.
    strength      REAL NOT NULL,
    -- How many stored rows it rests on, and what share of the audience's rows of its kind.
    support_rows  INTEGER NOT NULL CHECK (support_rows > 0),
    support_share REAL CHECK (support_share IS NULL OR support_share BETWEEN 0 AND 1),
    -- A rate and its 95% interval, where the signal is a rate.
    estimate      REAL,
    interval_low  REAL,
    interval_high REAL,
    -- Benjamini-Hochberg adjusted, where a test was made.
    q_value       REAL,
    -- Kind-specific figures (counts, baseline, weekly series, sentiment bands, quotes) as JSON.
    detail        TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(detail)),
    computed_at   TEXT NOT NULL,
    retired_at    TEXT
);
CREATE UNIQUE INDEX signals_natural_key
    ON signals(workspace_id, kind, coalesce(audience_id, ''), signal_key);
CREATE INDEX signals_audience ON signals(workspace_id, audience_id, kind);

-- The rows a signal was computed from. `row_key` is the row's id for tables with one
-- (`audience_signals`, `creatives`, `audiences`) and 'level/entity_id/date' (plus
-- '/dimension/value' for breakdowns) for the metric tables keyed by those columns. A signal
-- that compares a segment with its baseline lists both, so its statistic can be recomputed
-- from its rows alone.
CREATE TABLE signal_rows (
    signal_id    TEXT NOT NULL REFERENCES signals(id) ON DELETE CASCADE,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    source_table TEXT NOT NULL CHECK (source_table IN
        ('audience_signals', 'daily_metrics', 'metric_breakdowns', 'creatives', 'audiences')),
    row_key      TEXT NOT NULL,
    role         TEXT NOT NULL CHECK (role IN ('segment', 'baseline')),
    PRIMARY KEY (signal_id, source_table, row_key)
) WITHOUT ROWID;
-- Which signals a row is behind (a mention's theme, for its search facet).
CREATE INDEX signal_rows_row ON signal_rows(row_key);

-- A grounding report: a model's reading of one audience's signals of one kind. Regenerating
-- adds a version; earlier versions stay.
CREATE TABLE grounding_reports (
    id             TEXT PRIMARY KEY,
    workspace_id   TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    audience_id    TEXT NOT NULL REFERENCES audiences(id) ON DELETE CASCADE,
    kind           TEXT NOT NULL CHECK (kind IN ('behavior', 'intent', 'mentions')),
    version        INTEGER NOT NULL CHECK (version > 0),
    title          TEXT NOT NULL,
    -- Who wrote it: the vendor and model that answered.
    written_by     TEXT NOT NULL,
    -- Claims the model made, and of those how many were dropped for citing nothing valid.
    claims_checked INTEGER NOT NULL CHECK (claims_checked >= 0),
    claims_dropped INTEGER NOT NULL CHECK (claims_dropped >= 0),
    created_at     TEXT NOT NULL,
    UNIQUE (audience_id, kind, version)
);
CREATE INDEX grounding_reports_workspace ON grounding_reports(workspace_id, audience_id);

CREATE TABLE grounding_claims (
    report_id    TEXT NOT NULL REFERENCES grounding_reports(id) ON DELETE CASCADE,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    position     INTEGER NOT NULL CHECK (position >= 0),
    text         TEXT NOT NULL CHECK (length(text) > 0),
    PRIMARY KEY (report_id, position)
) WITHOUT ROWID;

-- Which signals a kept claim cites; a kept claim cites at least one (checked by the writer).
CREATE TABLE claim_citations (
    report_id    TEXT NOT NULL,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    position     INTEGER NOT NULL,
    signal_id    TEXT NOT NULL REFERENCES signals(id) ON DELETE CASCADE,
    PRIMARY KEY (report_id, position, signal_id),
    FOREIGN KEY (report_id, position) REFERENCES grounding_claims(report_id, position)
        ON DELETE CASCADE
) WITHOUT ROWID;

-- Embeddings, computed once per text and model and reused: a little-endian f32 vector.
-- Keyed by the text's SHA-256, so the same words in two workspaces are embedded once.
CREATE TABLE embeddings (
    text_sha256 TEXT NOT NULL CHECK (length(text_sha256) = 64),
    model       TEXT NOT NULL,
    dimensions  INTEGER NOT NULL CHECK (dimensions > 0),
    vector      BLOB NOT NULL CHECK (length(vector) = 4 * dimensions),
    PRIMARY KEY (text_sha256, model)
) WITHOUT ROWID;

-- Every change to a searchable text, in commit order, for the search index to catch up from.
-- AUTOINCREMENT: a sequence number is never reused, so an index's watermark stays meaningful
-- after rows below it are cleared. Filled by the triggers below, in the writing transaction.
CREATE TABLE search_outbox (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    workspace_id TEXT NOT NULL,
    doc_kind     TEXT NOT NULL,
    doc_id       TEXT NOT NULL,
    op           TEXT NOT NULL CHECK (op IN ('upsert', 'delete'))
);
CREATE INDEX search_outbox_workspace ON search_outbox(workspace_id, seq);

CREATE TRIGGER audience_signals_outbox_insert AFTER INSERT ON audience_signals BEGIN
    INSERT INTO search_outbox (workspace_id, doc_kind, doc_id, op) VALUES (NEW.workspace_id,
        CASE NEW.kind WHEN 'intent' THEN 'search_term' ELSE NEW.kind END, NEW.id, 'upsert');
END;
CREATE TRIGGER audience_signals_outbox_update AFTER UPDATE ON audience_signals BEGIN
    INSERT INTO search_outbox (workspace_id, doc_kind, doc_id, op) VALUES (NEW.workspace_id,
        CASE NEW.kind WHEN 'intent' THEN 'search_term' ELSE NEW.kind END, NEW.id, 'upsert');
END;
CREATE TRIGGER audience_signals_outbox_delete AFTER DELETE ON audience_signals BEGIN
    INSERT INTO search_outbox (workspace_id, doc_kind, doc_id, op) VALUES (OLD.workspace_id,
        CASE OLD.kind WHEN 'intent' THEN 'search_term' ELSE OLD.kind END, OLD.id, 'delete');
END;

CREATE TRIGGER creatives_outbox_insert AFTER INSERT ON creatives BEGIN
    INSERT INTO search_outbox (workspace_id, doc_kind, doc_id, op)
    VALUES (NEW.workspace_id, 'creative', NEW.id, 'upsert');
END;
CREATE TRIGGER creatives_outbox_update AFTER UPDATE ON creatives BEGIN
    INSERT INTO search_outbox (workspace_id, doc_kind, doc_id, op)
    VALUES (NEW.workspace_id, 'creative', NEW.id, 'upsert');
END;
CREATE TRIGGER creatives_outbox_delete AFTER DELETE ON creatives BEGIN
    INSERT INTO search_outbox (workspace_id, doc_kind, doc_id, op)
    VALUES (OLD.workspace_id, 'creative', OLD.id, 'delete');
END;

CREATE TRIGGER signals_outbox_insert AFTER INSERT ON signals BEGIN
    INSERT INTO search_outbox (workspace_id, doc_kind, doc_id, op)
    VALUES (NEW.workspace_id, 'signal', NEW.id, 'upsert');
END;
CREATE TRIGGER signals_outbox_update AFTER UPDATE ON signals BEGIN
    INSERT INTO search_outbox (workspace_id, doc_kind, doc_id, op)
    VALUES (NEW.workspace_id, 'signal', NEW.id, 'upsert');
END;
CREATE TRIGGER signals_outbox_delete AFTER DELETE ON signals BEGIN
    INSERT INTO search_outbox (workspace_id, doc_kind, doc_id, op)
    VALUES (OLD.workspace_id, 'signal', OLD.id, 'delete');
END;

-- A report's text is its claims, so a report is indexed once its claims are written: the writer
-- touches the report row last (`UPDATE grounding_reports SET title = title`).
CREATE TRIGGER grounding_reports_outbox_update AFTER UPDATE ON grounding_reports BEGIN
    INSERT INTO search_outbox (workspace_id, doc_kind, doc_id, op)
    VALUES (NEW.workspace_id, 'report', NEW.id, 'upsert');
END;
CREATE TRIGGER grounding_reports_outbox_delete AFTER DELETE ON grounding_reports BEGIN
    INSERT INTO search_outbox (workspace_id, doc_kind, doc_id, op)
    VALUES (OLD.workspace_id, 'report', OLD.id, 'delete');
END;
