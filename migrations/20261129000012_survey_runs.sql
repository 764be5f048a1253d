-- Survey runs (issue 14): a survey asked of synthetic respondents drawn to a universe, each
-- respondent's draw, and the answers. Additive: nothing before it changes.
--
-- A run is a study (kind 'survey'): the study row carries its budget, and the model calls it
-- makes are billed and traced to it like a focus group's.
CREATE TABLE survey_runs (
    id             TEXT PRIMARY KEY REFERENCES studies(id) ON DELETE CASCADE,
    workspace_id   TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    survey_id      TEXT NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
    -- The version of the design asked (survey_versions), so later edits leave the run as it was.
    survey_version INTEGER NOT NULL CHECK (survey_version > 0),
    respondents    INTEGER NOT NULL CHECK (respondents BETWEEN 1 AND 10000),
    seed           INTEGER NOT NULL,
    -- The target population (each dimension's categories, shares and source) as JSON.
    universe       TEXT NOT NULL CHECK (json_valid(universe)),
    -- What answered: models per task, the embedding model, the anchor sets' hash, the prompt's
    -- version; written when the run starts.
    manifest       TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(manifest)),
    -- Respondents answering at once (1 asks them one at a time).
    concurrency    INTEGER NOT NULL DEFAULT 8 CHECK (concurrency BETWEEN 1 AND 64),
    status         TEXT NOT NULL CHECK (status IN
        ('queued', 'running', 'paused', 'completed', 'failed', 'cancelled')),
    -- Why a run stopped short, in words for the user.
    status_note    TEXT NOT NULL DEFAULT '',
    job_id         TEXT,
    created_at     TEXT NOT NULL,
    started_at     TEXT,
    completed_at   TEXT
);
CREATE INDEX survey_runs_survey ON survey_runs(workspace_id, survey_id, created_at);

-- One synthetic respondent: a variation of a segment's twin with demographics of its own and a
-- subset of the twin's memories, drawn from the run's seed. `answered_at` is set in the
-- transaction that writes its answers, so a kill loses at most the respondents under way and a
-- resumed run never asks an answered one again.
CREATE TABLE survey_respondents (
    run_id        TEXT NOT NULL REFERENCES survey_runs(id) ON DELETE CASCADE,
    idx           INTEGER NOT NULL CHECK (idx >= 0),
    workspace_id  TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    -- The segment (an audience) and the twin varied; the twin may later be deleted.
    segment       TEXT NOT NULL,
    twin_id       TEXT REFERENCES twins(id) ON DELETE SET NULL,
    -- age, age band, sex, region, income band, education: JSON.
    demographics  TEXT NOT NULL CHECK (json_valid(demographics)),
    -- The memory fragments it was given, with their text as drawn (JSON array).
    memories      TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(memories)),
    answered_at   TEXT,
    -- The model calls its answers took, and their prompt tokens.
    calls         INTEGER NOT NULL DEFAULT 0,
    prompt_tokens INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (run_id, idx)
) WITHOUT ROWID;

-- An answer. `id` is `<run>:<respondent>:<question>` so an open end has one key in the search
-- index; a respondent answers each question once.
CREATE TABLE survey_answers (
    id           TEXT PRIMARY KEY,
    run_id       TEXT NOT NULL,
    respondent   INTEGER NOT NULL,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    question     TEXT NOT NULL,
    -- What logic and piping read: the answer in the format's terms (definition::Answer), or
    -- NULL for an item non-response.
    value        TEXT CHECK (value IS NULL OR json_valid(value)),
    -- A rating's raw distributions (one per anchor set, temperature 1) and what made them.
    ssr          TEXT CHECK (ssr IS NULL OR json_valid(ssr)),
    -- The respondent's own words (a rating's answer, an open end).
    text         TEXT NOT NULL DEFAULT '',
    -- Why no answer could be had, in words (an item non-response).
    non_response TEXT,
    -- Options in the order this respondent saw them (indices), for the order split-half.
    option_order TEXT CHECK (option_order IS NULL OR json_valid(option_order)),
    reversed     INTEGER NOT NULL DEFAULT 0 CHECK (reversed IN (0, 1)),
    FOREIGN KEY (run_id, respondent) REFERENCES survey_respondents(run_id, idx) ON DELETE CASCADE,
    UNIQUE (run_id, respondent, question),
    CHECK ((value IS NULL) <> (non_response IS NULL))
);
CREATE INDEX survey_answers_question ON survey_answers(run_id, question);

-- Open ends are searchable beside mentions and transcripts.
CREATE TRIGGER survey_answers_outbox_insert AFTER INSERT ON survey_answers
WHEN NEW.text <> '' BEGIN
    INSERT INTO search_outbox (workspace_id, doc_kind, doc_id, op)
    VALUES (NEW.workspace_id, 'open_end', NEW.id, 'upsert');
END;
CREATE TRIGGER survey_answers_outbox_delete AFTER DELETE ON survey_answers
WHEN OLD.text <> '' BEGIN
    INSERT INTO search_outbox (workspace_id, doc_kind, doc_id, op)
    VALUES (OLD.workspace_id, 'open_end', OLD.id, 'delete');
END;
