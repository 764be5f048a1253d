-- The analyst agents' runs (issue 16): each question asked of the copilot or a specialist,
-- how the run ended, its answer with the tool results it cites (kept as the model read them,
-- so a citation opens what the answer rests on even after the data changes), and the run
-- record of every step and model call, which replays from the response cache. Additive.
CREATE TABLE agent_runs (
    id            TEXT PRIMARY KEY,
    workspace_id  TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    -- "copilot", or a specialist's name.
    agent         TEXT NOT NULL,
    question      TEXT NOT NULL,
    -- The outcome's tag ("answered", "step_budget_reached"…) and the whole outcome (JSON).
    outcome       TEXT NOT NULL,
    outcome_detail TEXT NOT NULL CHECK (json_valid(outcome_detail)),
    answer        TEXT NOT NULL,
    citations     TEXT NOT NULL CHECK (json_valid(citations)),
    record        TEXT NOT NULL CHECK (json_valid(record)),
    model_calls   INTEGER NOT NULL CHECK (model_calls >= 0),
    input_tokens  INTEGER NOT NULL CHECK (input_tokens >= 0),
    output_tokens INTEGER NOT NULL CHECK (output_tokens >= 0),
    started_at    TEXT NOT NULL,
    finished_at   TEXT NOT NULL
);
CREATE INDEX agent_runs_by_workspace ON agent_runs (workspace_id, agent, finished_at);
