-- Job attempts are fenced, schedules are scoped to their workspace (see ARCHITECTURE.md, "Job
-- lanes").

-- Set anew on every claim. Every write by a running attempt (heartbeat, progress, checkpoint,
-- outcome) names it, so an attempt whose job was recovered and claimed again (after a laptop
-- sleep or a stalled writer) can never overwrite what the newer attempt wrote.
ALTER TABLE jobs ADD COLUMN attempt_token TEXT;

-- Schedule names were global, so importing a workspace whose schedule shared a name with one
-- here failed. They are now unique per workspace (global schedules, with no workspace, form one
-- scope of their own). `last_error` says why a schedule does not fire (an imported cron
-- expression this version cannot read) without stopping the others.
CREATE TABLE job_schedules_scoped (
    name         TEXT NOT NULL,
    cron         TEXT NOT NULL,
    kind         TEXT NOT NULL,
    title        TEXT NOT NULL,
    lane         TEXT NOT NULL CHECK (lane IN ('fast', 'default', 'slow')),
    payload      TEXT NOT NULL DEFAULT '{}',
    workspace_id TEXT REFERENCES workspaces(id) ON DELETE CASCADE,
    enabled      INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    -- The last fire time that was enqueued (unix ms); the scheduler enqueues fires after it.
    last_fire_at INTEGER,
    created_at   INTEGER NOT NULL,
    last_error   TEXT
);
INSERT INTO job_schedules_scoped (name, cron, kind, title, lane, payload, workspace_id, enabled, last_fire_at, created_at)
    SELECT name, cron, kind, title, lane, payload, workspace_id, enabled, last_fire_at, created_at FROM job_schedules;
DROP TABLE job_schedules;
ALTER TABLE job_schedules_scoped RENAME TO job_schedules;
CREATE UNIQUE INDEX job_schedules_scope_name ON job_schedules(coalesce(workspace_id, ''), name);
CREATE INDEX job_schedules_workspace ON job_schedules(workspace_id);
