-- Surveys (issue 14): the designs users import, edit and export, versioned. Additive: the
-- placeholder tables `survey_questions` and `survey_responses` of 20261125000001 stay as they
-- are (nothing writes them; runs and answers get tables of their own with the run job).
CREATE TABLE surveys (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    title        TEXT NOT NULL CHECK (length(trim(title)) > 0),
    -- The survey as its JSON format holds it (docs/survey-format.md), checked before it is
    -- written.
    definition   TEXT NOT NULL CHECK (json_valid(definition)),
    -- Raised by every edit; an edit names the version it was made on, so two editors never
    -- overwrite each other unseen.
    version      INTEGER NOT NULL DEFAULT 1 CHECK (version > 0),
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);
CREATE INDEX surveys_workspace ON surveys(workspace_id, updated_at);

-- Every version a survey had, so a run can name the one it asked.
CREATE TABLE survey_versions (
    survey_id    TEXT NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    version      INTEGER NOT NULL CHECK (version > 0),
    definition   TEXT NOT NULL CHECK (json_valid(definition)),
    created_at   TEXT NOT NULL,
    PRIMARY KEY (survey_id, version)
);
