-- How this machine reaches language models, and what their answers cost. API keys are never
-- here: they live in the OS keychain under the vendor's name.

-- Configured vendors: a hosted vendor by kind, or any OpenAI-compatible server by address.
CREATE TABLE llm_vendors (
    name                TEXT PRIMARY KEY CHECK (length(trim(name)) > 0),
    kind                TEXT NOT NULL,
    base_url            TEXT NOT NULL,
    -- JSON array of [name, value] pairs; never an Authorization header (checked in code).
    extra_headers       TEXT NOT NULL DEFAULT '[]',
    requests_per_minute INTEGER CHECK (requests_per_minute IS NULL OR requests_per_minute > 0),
    tokens_per_minute   INTEGER CHECK (tokens_per_minute IS NULL OR tokens_per_minute > 0),
    max_concurrency     INTEGER CHECK (max_concurrency IS NULL OR max_concurrency > 0),
    azure_api_version   TEXT,
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL
);

-- The model chain per task, first choice at position 0.
CREATE TABLE llm_routes (
    task     TEXT NOT NULL CHECK (task IN ('twin_dialogue', 'moderation', 'analysis', 'extraction', 'embeddings')),
    position INTEGER NOT NULL CHECK (position >= 0),
    vendor   TEXT NOT NULL,
    model    TEXT NOT NULL,
    PRIMARY KEY (task, position)
);

-- The user's edits to the built-in model catalogue (prices in millionths of a dollar per
-- million tokens).
CREATE TABLE llm_model_prices (
    vendor                 TEXT NOT NULL,
    model                  TEXT NOT NULL,
    context_window         INTEGER NOT NULL CHECK (context_window > 0),
    input_micros_per_mtok  INTEGER NOT NULL CHECK (input_micros_per_mtok >= 0),
    output_micros_per_mtok INTEGER NOT NULL CHECK (output_micros_per_mtok >= 0),
    embedding              INTEGER NOT NULL DEFAULT 0 CHECK (embedding IN (0, 1)),
    updated_at             TEXT NOT NULL,
    PRIMARY KEY (vendor, model)
);

-- Machine-wide preferences (offline mode, trace export), one JSON value per key.
CREATE TABLE app_settings (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- A workspace may answer with its own model first (a client's own deployment).
ALTER TABLE workspaces ADD COLUMN default_model_vendor TEXT;
ALTER TABLE workspaces ADD COLUMN default_model TEXT;

-- Answers kept for reproducible re-runs and zero-call replays. The key is a SHA-256 of the
-- workspace, vendor and exact request; the answer is JSON.
CREATE TABLE llm_cache (
    key          TEXT PRIMARY KEY,
    workspace_id TEXT REFERENCES workspaces(id) ON DELETE CASCADE,
    vendor       TEXT NOT NULL,
    model        TEXT NOT NULL,
    answer       TEXT NOT NULL,
    created_at   TEXT NOT NULL
);
CREATE INDEX llm_cache_workspace ON llm_cache(workspace_id);

CREATE INDEX llm_calls_study_created ON llm_calls(study_id, created_at);
