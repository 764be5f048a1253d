-- A run's analysis report (issue 14, item 7): findings, segments, implications and actions a
-- model wrote from the run's result tables, each citing the tables it rests on and kept only
-- when its every figure is one of theirs, with the caveats the diagnostics give. A new version
-- each time it is written; the tables as the model was shown them are kept beside it, so every
-- citation can be read as it was. Additive: nothing before it changes.
CREATE TABLE survey_reports (
    id            TEXT PRIMARY KEY,
    workspace_id  TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    run_id        TEXT NOT NULL REFERENCES survey_runs(id) ON DELETE CASCADE,
    version       INTEGER NOT NULL CHECK (version > 0),
    -- "vendor/model", or what stood in when the model gave no usable answer.
    written_by    TEXT NOT NULL,
    -- How the results were read: weighted to the universe or not, and the rating temperature.
    weighted      INTEGER NOT NULL CHECK (weighted IN (0, 1)),
    temperature   REAL NOT NULL CHECK (temperature > 0),
    -- The result tables shown to the model, each with its line and values (JSON).
    tables        TEXT NOT NULL CHECK (json_valid(tables)),
    -- The sections, each item with the tables it cites (JSON).
    body          TEXT NOT NULL CHECK (json_valid(body)),
    items_checked INTEGER NOT NULL CHECK (items_checked >= 0),
    items_dropped INTEGER NOT NULL CHECK (items_dropped >= 0 AND items_dropped <= items_checked),
    created_at    TEXT NOT NULL,
    UNIQUE (run_id, version)
);
