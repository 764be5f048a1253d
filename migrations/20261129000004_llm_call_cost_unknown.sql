-- A call to a model nobody has priced has an unknown cost, not a zero one: `cost_micros` may be
-- NULL. SQLite can't relax a column's NOT NULL in place, so the table is rebuilt with the same
-- columns, checks and indexes (no table references llm_calls). Rows from before keep their cost.
CREATE TABLE llm_calls_rebuilt (
    id            TEXT PRIMARY KEY,
    workspace_id  TEXT REFERENCES workspaces(id) ON DELETE CASCADE,
    study_id      TEXT REFERENCES studies(id) ON DELETE SET NULL,
    job_id        TEXT,
    vendor        TEXT NOT NULL,
    model         TEXT NOT NULL,
    task          TEXT NOT NULL,
    input_tokens  INTEGER NOT NULL DEFAULT 0,
    output_tokens INTEGER NOT NULL DEFAULT 0,
    -- Millionths of `currency`; NULL when the model had no price.
    cost_micros   INTEGER,
    currency      TEXT NOT NULL DEFAULT 'USD',
    latency_ms    INTEGER NOT NULL DEFAULT 0,
    outcome       TEXT NOT NULL CHECK (outcome IN ('ok', 'error', 'cancelled', 'budget_exceeded')),
    cache_hit     INTEGER NOT NULL DEFAULT 0 CHECK (cache_hit IN (0, 1)),
    request       TEXT NOT NULL DEFAULT '{}',
    response      TEXT,
    created_at    TEXT NOT NULL
);

INSERT INTO llm_calls_rebuilt (id, workspace_id, study_id, job_id, vendor, model, task,
    input_tokens, output_tokens, cost_micros, currency, latency_ms, outcome, cache_hit, request,
    response, created_at)
SELECT id, workspace_id, study_id, job_id, vendor, model, task, input_tokens, output_tokens,
    cost_micros, currency, latency_ms, outcome, cache_hit, request, response, created_at
FROM llm_calls;

DROP TABLE llm_calls;
ALTER TABLE llm_calls_rebuilt RENAME TO llm_calls;

CREATE INDEX llm_calls_workspace ON llm_calls(workspace_id, created_at);
CREATE INDEX llm_calls_study ON llm_calls(study_id);
CREATE INDEX llm_calls_study_created ON llm_calls(study_id, created_at);
