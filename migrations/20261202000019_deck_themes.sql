-- White-label themes (issue 17): how a workspace's decks and reports look. The names, colours
-- and font names as one JSON document per workspace; the logos and the font files a report
-- embeds are copies in the content-addressed blob store (so a theme still works after the
-- original file is moved, and travels with an exported workspace), one row per role.
-- Additive.
CREATE TABLE deck_themes (
    workspace_id TEXT PRIMARY KEY REFERENCES workspaces(id) ON DELETE CASCADE,
    theme        TEXT NOT NULL CHECK (json_valid(theme)),
    updated_at   TEXT NOT NULL
);
CREATE TABLE deck_theme_files (
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    role         TEXT NOT NULL
                 CHECK (role IN ('client_logo', 'agency_logo', 'font_regular', 'font_bold')),
    file_name    TEXT NOT NULL CHECK (length(file_name) > 0),
    blob_sha256  TEXT NOT NULL REFERENCES blobs(sha256),
    size_bytes   INTEGER NOT NULL CHECK (size_bytes >= 0),
    PRIMARY KEY (workspace_id, role)
);
