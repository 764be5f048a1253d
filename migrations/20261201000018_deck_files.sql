-- Client decks as built (issue 17): every file a deck build wrote, as a version of its deck
-- (by name and format) in the workspace; the file itself in the content-addressed blob store
-- (exported with the workspace, as a creative's image is); the spec it was built from; every
-- figure it showed, keyed by the record it came from; and what moved since the version
-- before. Additive.
CREATE TABLE deck_files (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    name         TEXT NOT NULL CHECK (length(name) > 0),
    format       TEXT NOT NULL CHECK (format IN ('pptx', 'xlsx', 'pdf')),
    version      INTEGER NOT NULL CHECK (version >= 1),
    blob_sha256  TEXT NOT NULL REFERENCES blobs(sha256),
    size_bytes   INTEGER NOT NULL CHECK (size_bytes >= 0),
    spec         TEXT NOT NULL CHECK (json_valid(spec)),
    figures      TEXT NOT NULL CHECK (json_valid(figures)),
    changes      TEXT CHECK (changes IS NULL OR json_valid(changes)),
    created_at   TEXT NOT NULL,
    UNIQUE (workspace_id, name, format, version)
);
CREATE INDEX deck_files_by_workspace ON deck_files (workspace_id, created_at);
