-- The connectors context: connections to ad platforms and their syncs. A connection's token
-- lives only in the OS keychain (entry `connector/<connection id>`); these tables hold what is
-- not secret: the accounts it reaches, where each stream's sync got to, and every sync's report.

-- How the connection was made, and where its API is (NULL: the platform's own hosts; set: a
-- sandbox or a proxy with every platform under its root). `status_reason` says in words why a
-- connection needs the person ('needs_reauth'); `paused_until` is a rate-limit wait the
-- platform asked for beyond what a sync holds on for (RFC 3339).
ALTER TABLE platform_connections ADD COLUMN auth_kind TEXT NOT NULL DEFAULT 'token'
    CHECK (auth_kind IN ('token', 'oauth'));
ALTER TABLE platform_connections ADD COLUMN api_root TEXT;
ALTER TABLE platform_connections ADD COLUMN status_reason TEXT;
ALTER TABLE platform_connections ADD COLUMN paused_until TEXT;
-- The cron expression of its scheduled sync (NULL: not scheduled).
ALTER TABLE platform_connections ADD COLUMN sync_cron TEXT;

-- The accounts a connection can read, as the platform listed them; only selected ones sync.
CREATE TABLE connection_accounts (
    connection_id TEXT NOT NULL REFERENCES platform_connections(id) ON DELETE CASCADE,
    workspace_id  TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    external_id   TEXT NOT NULL,
    name          TEXT NOT NULL,
    currency      TEXT NOT NULL CHECK (length(currency) = 3),
    time_zone     TEXT NOT NULL,
    -- Google Ads: the manager account the customer is reached through.
    via_manager   TEXT,
    selected      INTEGER NOT NULL DEFAULT 1 CHECK (selected IN (0, 1)),
    discovered_at TEXT NOT NULL,
    PRIMARY KEY (connection_id, external_id)
);
CREATE INDEX connection_accounts_workspace ON connection_accounts(workspace_id);

-- Where each stream of each account got to, written in the same transaction as the rows it
-- covers, so a sync killed mid-way resumes after the last rows it stored. Entity streams keep
-- the newest change time seen; report streams the last day stored.
CREATE TABLE sync_cursors (
    connection_id       TEXT NOT NULL REFERENCES platform_connections(id) ON DELETE CASCADE,
    workspace_id        TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    account_external_id TEXT NOT NULL,
    stream              TEXT NOT NULL,
    cursor              TEXT NOT NULL,
    updated_at          TEXT NOT NULL,
    PRIMARY KEY (connection_id, account_external_id, stream)
);
CREATE INDEX sync_cursors_workspace ON sync_cursors(workspace_id);

-- One sync of one connection: its plan and progress per account and stream (`streams`, JSON),
-- which a resumed job continues from, and the end report (`report`, JSON).
CREATE TABLE sync_runs (
    id             TEXT PRIMARY KEY,
    workspace_id   TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    connection_id  TEXT NOT NULL REFERENCES platform_connections(id) ON DELETE CASCADE,
    job_id         TEXT,
    requested_from TEXT,
    status         TEXT NOT NULL CHECK (status IN ('running', 'succeeded', 'partial', 'failed', 'cancelled')),
    streams        TEXT NOT NULL DEFAULT '[]',
    report         TEXT,
    started_at     TEXT NOT NULL,
    finished_at    TEXT
);
CREATE INDEX sync_runs_connection ON sync_runs(connection_id, started_at);
CREATE INDEX sync_runs_workspace ON sync_runs(workspace_id);
