-- ProfitWheel's system of record. Conventions:
--   * ids are UUIDv7 text, so exported workspaces import on another machine without renumbering;
--   * instants are RFC 3339 UTC text ('2026-11-25T10:00:00.000Z'); report dates are calendar days
--     ('YYYY-MM-DD') in the ad account's time zone;
--   * money is integer micros with its currency next to it, never a float;
--   * secrets never live here: connections name their keychain entry, nothing more.

-- Marks the file as ProfitWheel's, so opening someone else's SQLite file is refused, not migrated.
PRAGMA application_id = 1347901256;

CREATE TABLE workspaces (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL CHECK (length(trim(name)) > 0),
    brand       TEXT NOT NULL,
    currency    TEXT NOT NULL CHECK (length(currency) = 3),
    time_zone   TEXT NOT NULL,
    is_demo     INTEGER NOT NULL DEFAULT 0 CHECK (is_demo IN (0, 1)),
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE UNIQUE INDEX workspaces_name ON workspaces(name);

CREATE TABLE platform_connections (
    id             TEXT PRIMARY KEY,
    workspace_id   TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    platform       TEXT NOT NULL,
    label          TEXT NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('connected', 'needs_reauth', 'disconnected')),
    -- The name of the OS keychain entry that holds the token; the token itself is never stored here.
    keychain_entry TEXT,
    scopes         TEXT NOT NULL DEFAULT '[]',
    last_synced_at TEXT,
    created_at     TEXT NOT NULL
);
CREATE INDEX platform_connections_workspace ON platform_connections(workspace_id);

CREATE TABLE ad_accounts (
    id            TEXT PRIMARY KEY,
    workspace_id  TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    connection_id TEXT REFERENCES platform_connections(id) ON DELETE SET NULL,
    platform      TEXT NOT NULL,
    external_id   TEXT NOT NULL,
    name          TEXT NOT NULL,
    currency      TEXT NOT NULL CHECK (length(currency) = 3),
    time_zone     TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    UNIQUE (workspace_id, platform, external_id)
);

CREATE TABLE campaigns (
    id                  TEXT PRIMARY KEY,
    workspace_id        TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    ad_account_id       TEXT NOT NULL REFERENCES ad_accounts(id) ON DELETE CASCADE,
    platform            TEXT NOT NULL,
    external_id         TEXT NOT NULL,
    name                TEXT NOT NULL,
    objective           TEXT NOT NULL,
    status              TEXT NOT NULL CHECK (status IN ('active', 'paused', 'ended')),
    daily_budget_micros INTEGER,
    start_date          TEXT,
    end_date            TEXT,
    created_at          TEXT NOT NULL,
    UNIQUE (ad_account_id, external_id)
);
CREATE INDEX campaigns_workspace ON campaigns(workspace_id);

-- Meta's ad sets, Google's ad groups, TikTok's ad groups: one table, one name.
CREATE TABLE ad_groups (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    campaign_id  TEXT NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    external_id  TEXT NOT NULL,
    name         TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('active', 'paused', 'ended')),
    audience_id  TEXT REFERENCES audiences(id) ON DELETE SET NULL,
    targeting    TEXT NOT NULL DEFAULT '{}',
    created_at   TEXT NOT NULL,
    UNIQUE (campaign_id, external_id)
);

-- Files (creative images and videos, exports, decks) live in a content-addressed folder; this
-- table knows what each hash is.
CREATE TABLE blobs (
    sha256     TEXT PRIMARY KEY CHECK (length(sha256) = 64),
    size_bytes INTEGER NOT NULL,
    media_type TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE creatives (
    id            TEXT PRIMARY KEY,
    workspace_id  TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    ad_account_id TEXT NOT NULL REFERENCES ad_accounts(id) ON DELETE CASCADE,
    external_id   TEXT NOT NULL,
    format        TEXT NOT NULL CHECK (format IN ('image', 'video', 'carousel', 'text')),
    headline      TEXT,
    body          TEXT,
    call_to_action TEXT,
    landing_url   TEXT,
    blob_sha256   TEXT REFERENCES blobs(sha256),
    created_at    TEXT NOT NULL,
    UNIQUE (ad_account_id, external_id)
);

CREATE TABLE ads (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    ad_group_id  TEXT NOT NULL REFERENCES ad_groups(id) ON DELETE CASCADE,
    creative_id  TEXT REFERENCES creatives(id) ON DELETE SET NULL,
    external_id  TEXT NOT NULL,
    name         TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('active', 'paused', 'ended')),
    created_at   TEXT NOT NULL,
    UNIQUE (ad_group_id, external_id)
);

-- One row per entity and calendar day, as platforms report them. Reach is not additive across
-- days or levels, which is why each level keeps its own rows instead of being summed from ads.
CREATE TABLE daily_metrics (
    workspace_id            TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    level                   TEXT NOT NULL CHECK (level IN ('account', 'campaign', 'ad_group', 'ad')),
    entity_id               TEXT NOT NULL,
    date                    TEXT NOT NULL CHECK (date GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    platform                TEXT NOT NULL,
    currency                TEXT NOT NULL CHECK (length(currency) = 3),
    impressions             INTEGER NOT NULL DEFAULT 0 CHECK (impressions >= 0),
    clicks                  INTEGER NOT NULL DEFAULT 0 CHECK (clicks >= 0),
    spend_micros            INTEGER NOT NULL DEFAULT 0,
    conversions             REAL NOT NULL DEFAULT 0,
    conversion_value_micros INTEGER NOT NULL DEFAULT 0,
    reach                   INTEGER,
    video_views             INTEGER,
    PRIMARY KEY (level, entity_id, date)
) WITHOUT ROWID;
CREATE INDEX daily_metrics_workspace_date ON daily_metrics(workspace_id, level, date);

CREATE TABLE audiences (
    id            TEXT PRIMARY KEY,
    workspace_id  TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    ad_account_id TEXT REFERENCES ad_accounts(id) ON DELETE SET NULL,
    platform      TEXT NOT NULL,
    external_id   TEXT,
    name          TEXT NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('interest', 'lookalike', 'custom', 'saved')),
    -- Platforms report audience size as bounds (Meta's estimate_mau_lower/upper_bound).
    size_lower    INTEGER CHECK (size_lower IS NULL OR size_lower >= 0),
    size_upper    INTEGER CHECK (size_upper IS NULL OR size_lower IS NULL OR size_upper >= size_lower),
    interests     TEXT NOT NULL DEFAULT '[]',
    demographics  TEXT NOT NULL DEFAULT '{}',
    created_at    TEXT NOT NULL
);
CREATE INDEX audiences_workspace ON audiences(workspace_id);

-- What the audience does (behavior), wants (intent: search terms) and says (mentions).
CREATE TABLE audience_signals (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    audience_id  TEXT REFERENCES audiences(id) ON DELETE SET NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('behavior', 'intent', 'mention')),
    source       TEXT NOT NULL,
    text         TEXT NOT NULL,
    topic        TEXT,
    -- -1 (negative) .. 1 (positive); mentions only.
    sentiment    REAL CHECK (sentiment IS NULL OR sentiment BETWEEN -1 AND 1),
    -- informational | navigational | commercial | transactional; search terms only.
    intent       TEXT CHECK (intent IS NULL OR intent IN ('informational', 'navigational', 'commercial', 'transactional')),
    volume       INTEGER,
    occurred_on  TEXT NOT NULL,
    metadata     TEXT NOT NULL DEFAULT '{}',
    created_at   TEXT NOT NULL
);
CREATE INDEX audience_signals_workspace ON audience_signals(workspace_id, kind);

CREATE TABLE twins (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    audience_id  TEXT REFERENCES audiences(id) ON DELETE SET NULL,
    name         TEXT NOT NULL,
    persona      TEXT NOT NULL DEFAULT '{}',
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);

CREATE TABLE twin_memories (
    id               TEXT PRIMARY KEY,
    workspace_id     TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    twin_id          TEXT NOT NULL REFERENCES twins(id) ON DELETE CASCADE,
    kind             TEXT NOT NULL CHECK (kind IN ('grounding', 'episodic', 'reflection')),
    content          TEXT NOT NULL,
    source_signal_id TEXT REFERENCES audience_signals(id) ON DELETE SET NULL,
    importance       REAL NOT NULL DEFAULT 0.5,
    embedding        BLOB,
    created_at       TEXT NOT NULL
);
CREATE INDEX twin_memories_twin ON twin_memories(twin_id);

CREATE TABLE studies (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    kind         TEXT NOT NULL CHECK (kind IN ('focus_group', 'interview', 'survey')),
    title        TEXT NOT NULL,
    brief        TEXT NOT NULL DEFAULT '',
    status       TEXT NOT NULL CHECK (status IN ('draft', 'running', 'completed', 'cancelled', 'failed')),
    config       TEXT NOT NULL DEFAULT '{}',
    budget_micros INTEGER,
    created_at   TEXT NOT NULL,
    completed_at TEXT
);
CREATE INDEX studies_workspace ON studies(workspace_id);

CREATE TABLE study_participants (
    study_id     TEXT NOT NULL REFERENCES studies(id) ON DELETE CASCADE,
    twin_id      TEXT NOT NULL REFERENCES twins(id) ON DELETE CASCADE,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    PRIMARY KEY (study_id, twin_id)
);

CREATE TABLE study_sessions (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    study_id     TEXT NOT NULL REFERENCES studies(id) ON DELETE CASCADE,
    seq          INTEGER NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('scheduled', 'running', 'completed', 'cancelled', 'failed')),
    started_at   TEXT,
    finished_at  TEXT,
    UNIQUE (study_id, seq)
);

-- A focus group or interview transcript. `thinks` is the twin's private reasoning in interviews
-- (the Says/Thinks split); (session_id, seq) makes a resumed session append, never duplicate.
CREATE TABLE transcript_turns (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    session_id   TEXT NOT NULL REFERENCES study_sessions(id) ON DELETE CASCADE,
    seq          INTEGER NOT NULL,
    speaker      TEXT NOT NULL CHECK (speaker IN ('moderator', 'twin', 'researcher')),
    twin_id      TEXT REFERENCES twins(id) ON DELETE SET NULL,
    says         TEXT NOT NULL,
    thinks       TEXT,
    created_at   TEXT NOT NULL,
    UNIQUE (session_id, seq)
);

CREATE TABLE survey_questions (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    study_id     TEXT NOT NULL REFERENCES studies(id) ON DELETE CASCADE,
    seq          INTEGER NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('single_choice', 'multi_choice', 'likert', 'numeric', 'open')),
    prompt       TEXT NOT NULL,
    options      TEXT NOT NULL DEFAULT '[]',
    scale_min    INTEGER,
    scale_max    INTEGER,
    UNIQUE (study_id, seq)
);

-- (question_id, respondent_key) makes answering idempotent: a survey resumed after a crash
-- skips respondents that already answered.
CREATE TABLE survey_responses (
    id             TEXT PRIMARY KEY,
    workspace_id   TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    study_id       TEXT NOT NULL REFERENCES studies(id) ON DELETE CASCADE,
    question_id    TEXT NOT NULL REFERENCES survey_questions(id) ON DELETE CASCADE,
    respondent_key TEXT NOT NULL,
    twin_id        TEXT REFERENCES twins(id) ON DELETE SET NULL,
    answer         TEXT NOT NULL,
    rationale      TEXT,
    created_at     TEXT NOT NULL,
    UNIQUE (question_id, respondent_key)
);

CREATE TABLE reports (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    study_id     TEXT REFERENCES studies(id) ON DELETE SET NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('grounding', 'insights', 'recommendations', 'client_deck', 'export')),
    title        TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('draft', 'ready', 'failed')),
    content      TEXT NOT NULL DEFAULT '{}',
    blob_sha256  TEXT REFERENCES blobs(sha256),
    created_at   TEXT NOT NULL
);

-- Every LLM call, for cost accounting and audit (prompts and outputs stay on this machine).
CREATE TABLE llm_calls (
    id            TEXT PRIMARY KEY,
    workspace_id  TEXT REFERENCES workspaces(id) ON DELETE CASCADE,
    study_id      TEXT REFERENCES studies(id) ON DELETE SET NULL,
    job_id        TEXT,
    vendor        TEXT NOT NULL,
    model         TEXT NOT NULL,
    task          TEXT NOT NULL,
    input_tokens  INTEGER NOT NULL DEFAULT 0,
    output_tokens INTEGER NOT NULL DEFAULT 0,
    cost_micros   INTEGER NOT NULL DEFAULT 0,
    currency      TEXT NOT NULL DEFAULT 'USD',
    latency_ms    INTEGER NOT NULL DEFAULT 0,
    outcome       TEXT NOT NULL CHECK (outcome IN ('ok', 'error', 'cancelled', 'budget_exceeded')),
    cache_hit     INTEGER NOT NULL DEFAULT 0 CHECK (cache_hit IN (0, 1)),
    request       TEXT NOT NULL DEFAULT '{}',
    response      TEXT,
    created_at    TEXT NOT NULL
);
CREATE INDEX llm_calls_workspace ON llm_calls(workspace_id, created_at);
CREATE INDEX llm_calls_study ON llm_calls(study_id);
