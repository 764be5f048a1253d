-- Real people's answers to a survey (issue 14, the fidelity harness): a CSV file read with a
-- column picked for each question and demographic, kept as read, with the rows that could
-- not be read and why. Additive: nothing before it changes.
-- Also a run's open answers coded into themes (below).
CREATE TABLE survey_human_sets (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    survey_id    TEXT NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
    -- The file's name as the user knows it.
    name         TEXT NOT NULL CHECK (length(trim(name)) > 0),
    -- The people's answers and groups, the rows skipped and why, and the mappings used (JSON).
    answers      TEXT NOT NULL CHECK (json_valid(answers)),
    -- The dimensions the groups are categories of, with the file's own shares (JSON): a run
    -- can be drawn to them.
    dimensions   TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(dimensions)),
    rows_read    INTEGER NOT NULL CHECK (rows_read > 0),
    rows_skipped INTEGER NOT NULL DEFAULT 0 CHECK (rows_skipped >= 0),
    created_at   TEXT NOT NULL
);
CREATE INDEX survey_human_sets_survey ON survey_human_sets(survey_id, created_at);

-- A run's open answers coded into themes once it has answered (issue 14, item 4): per open
-- question the themes, each with its members and most typical quotes as respondents' positions
-- (so every count and quote traces to a stored answer), and who named it.
CREATE TABLE survey_open_themes (
    run_id       TEXT NOT NULL REFERENCES survey_runs(id) ON DELETE CASCADE,
    question     TEXT NOT NULL,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    themes       TEXT NOT NULL CHECK (json_valid(themes)),
    -- Open answers coded; some fall in no theme (too few alike).
    answers      INTEGER NOT NULL CHECK (answers >= 0),
    created_at   TEXT NOT NULL,
    PRIMARY KEY (run_id, question)
) WITHOUT ROWID;
