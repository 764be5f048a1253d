-- The durable job queue (see ARCHITECTURE.md, "Job lanes"). Times here are unix milliseconds
-- (UTC) rather than text, because the claim and lease queries compare and add them on every poll.

CREATE TABLE jobs (
    id               TEXT PRIMARY KEY,
    kind             TEXT NOT NULL,
    title            TEXT NOT NULL,
    lane             TEXT NOT NULL CHECK (lane IN ('fast', 'default', 'slow')),
    priority         INTEGER NOT NULL DEFAULT 0,
    payload          TEXT NOT NULL DEFAULT '{}',
    workspace_id     TEXT REFERENCES workspaces(id) ON DELETE CASCADE,
    state            TEXT NOT NULL CHECK (state IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    max_attempts     INTEGER NOT NULL DEFAULT 3 CHECK (max_attempts >= 1),
    run_at           INTEGER NOT NULL,
    timeout_ms       INTEGER NOT NULL,
    lease_until      INTEGER,
    worker           TEXT,
    cancel_requested INTEGER NOT NULL DEFAULT 0,
    progress         REAL NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 1),
    progress_message TEXT,
    -- What a handler has already done, so a retried or recovered job resumes instead of repeating.
    checkpoint       TEXT,
    last_error       TEXT,
    result           TEXT,
    -- Set for scheduled fires ('schedule:<name>:<fire ms>') so a fire is enqueued at most once.
    dedupe_key       TEXT UNIQUE,
    created_at       INTEGER NOT NULL,
    started_at       INTEGER,
    finished_at      INTEGER
);
-- The claim query walks this partial index in priority order; keeping finished jobs out of it
-- keeps claims O(log n) however long the history grows.
CREATE INDEX jobs_ready ON jobs(lane, priority DESC, run_at, id) WHERE state = 'queued';
CREATE INDEX jobs_lease ON jobs(lease_until) WHERE state = 'running';
CREATE INDEX jobs_recent ON jobs(created_at DESC);

CREATE TABLE job_schedules (
    name         TEXT PRIMARY KEY,
    cron         TEXT NOT NULL,
    kind         TEXT NOT NULL,
    title        TEXT NOT NULL,
    lane         TEXT NOT NULL CHECK (lane IN ('fast', 'default', 'slow')),
    payload      TEXT NOT NULL DEFAULT '{}',
    workspace_id TEXT REFERENCES workspaces(id) ON DELETE CASCADE,
    enabled      INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    -- The last fire time that was enqueued (unix ms); the scheduler enqueues fires after it.
    last_fire_at INTEGER,
    created_at   INTEGER NOT NULL
);
