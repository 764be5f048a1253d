-- Sessions with twins (issue 13): 1:1 interviews and moderated focus groups, persisted turn by
-- turn. Additive: the placeholder tables of 20261125000001 keep every column they had.
--
-- A session is the cursor of the job that runs it: the turns stored are the turns taken, so a
-- job that dies mid-turn resumes at the first missing `seq` (UNIQUE(session_id, seq) keeps a
-- turn from being written twice). A paused session is `scheduled` with a `paused_reason`.
ALTER TABLE study_sessions ADD COLUMN kind TEXT NOT NULL DEFAULT 'focus_group'
    CHECK (kind IN ('focus_group', 'interview'));
-- The discussion guide's TOML (a focus group) or the questions as a JSON array (an interview),
-- as the user gave them.
ALTER TABLE study_sessions ADD COLUMN guide TEXT NOT NULL DEFAULT '';
-- What reproduces the session: models, prompt versions, seed, constants, settings.
ALTER TABLE study_sessions ADD COLUMN manifest TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(manifest));
ALTER TABLE study_sessions ADD COLUMN seed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE study_sessions ADD COLUMN paused_reason TEXT;
-- Why it failed, in words a person understands.
ALTER TABLE study_sessions ADD COLUMN failure TEXT;
-- The job that runs the session: only it may take turns, so two runs never race (a second job
-- from a double resume finds itself not the runner and stops).
ALTER TABLE study_sessions ADD COLUMN runner TEXT;
-- The guide section under way (a focus group), counted from 0.
ALTER TABLE study_sessions ADD COLUMN section INTEGER NOT NULL DEFAULT 0 CHECK (section >= 0);

-- A turn's place in the guide, what the speaker did, how long it was, and how the persona
-- check went: 'caught' means the first reply contradicted the twin's profile or memory and was
-- regenerated once (`rejected` keeps it, `catch_reason` says why).
ALTER TABLE transcript_turns ADD COLUMN section INTEGER NOT NULL DEFAULT 0 CHECK (section >= 0);
ALTER TABLE transcript_turns ADD COLUMN question INTEGER NOT NULL DEFAULT 0 CHECK (question >= 0);
ALTER TABLE transcript_turns ADD COLUMN act TEXT NOT NULL DEFAULT 'answer' CHECK (act IN
    ('question', 'probe', 'draw_in', 'transition', 'answer', 'interjection', 'closing',
     'non_response'));
ALTER TABLE transcript_turns ADD COLUMN words INTEGER NOT NULL DEFAULT 0 CHECK (words >= 0);
-- The twin's stated position on the question under discussion, -2 (against) to 2 (for).
ALTER TABLE transcript_turns ADD COLUMN stance INTEGER CHECK (stance IS NULL OR stance BETWEEN -2 AND 2);
ALTER TABLE transcript_turns ADD COLUMN adherence TEXT NOT NULL DEFAULT 'unchecked'
    CHECK (adherence IN ('passed', 'caught', 'unchecked'));
ALTER TABLE transcript_turns ADD COLUMN rejected TEXT;
ALTER TABLE transcript_turns ADD COLUMN catch_reason TEXT;
-- The vendor/model that wrote the turn ('' for the user's own words).
ALTER TABLE transcript_turns ADD COLUMN written_by TEXT NOT NULL DEFAULT '';
-- Whom a moderator's turn is put to (a probe, a participant drawn in): that twin answers next.
ALTER TABLE transcript_turns ADD COLUMN addressed_to TEXT REFERENCES twins(id) ON DELETE SET NULL;
-- The memories the twin brought to this turn (a JSON array of memory ids).
ALTER TABLE transcript_turns ADD COLUMN recalled TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(recalled));

-- What the user asked of a running session: pause, resume, speak as the moderator, add a
-- probe, skip the section. Applied between turns, in order; `applied_at` marks it done.
CREATE TABLE session_commands (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    session_id   TEXT NOT NULL REFERENCES study_sessions(id) ON DELETE CASCADE,
    kind         TEXT NOT NULL CHECK (kind IN ('pause', 'resume', 'speak', 'probe', 'skip')),
    text         TEXT NOT NULL DEFAULT '',
    created_at   TEXT NOT NULL,
    applied_at   TEXT
);
CREATE INDEX session_commands_pending ON session_commands(session_id, applied_at, created_at);

-- Transcripts are searchable: the index catches up from the outbox like every other text.
CREATE TRIGGER transcript_turns_outbox_insert AFTER INSERT ON transcript_turns BEGIN
    INSERT INTO search_outbox (workspace_id, doc_kind, doc_id, op)
    VALUES (NEW.workspace_id, 'transcript', NEW.id, 'upsert');
END;
CREATE TRIGGER transcript_turns_outbox_update AFTER UPDATE OF says, thinks ON transcript_turns BEGIN
    INSERT INTO search_outbox (workspace_id, doc_kind, doc_id, op)
    VALUES (NEW.workspace_id, 'transcript', NEW.id, 'upsert');
END;
CREATE TRIGGER transcript_turns_outbox_delete AFTER DELETE ON transcript_turns BEGIN
    INSERT INTO search_outbox (workspace_id, doc_kind, doc_id, op)
    VALUES (OLD.workspace_id, 'transcript', OLD.id, 'delete');
END;

-- What a session found, written by a model from its transcript and checked after generation:
-- every theme, agreement, disagreement and recommended action cites the turns it rests on
-- (`body` JSON holds them with the turns' ids; quotes are the turns' own words, never the
-- model's). Writing again adds a version; earlier versions stay.
CREATE TABLE session_insights (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    session_id   TEXT NOT NULL REFERENCES study_sessions(id) ON DELETE CASCADE,
    version      INTEGER NOT NULL CHECK (version > 0),
    written_by   TEXT NOT NULL,
    body         TEXT NOT NULL CHECK (json_valid(body)),
    -- Items the model wrote, and of those how many were dropped for citing no turn it was shown.
    items_checked INTEGER NOT NULL CHECK (items_checked >= 0),
    items_dropped INTEGER NOT NULL CHECK (items_dropped >= 0),
    created_at   TEXT NOT NULL,
    UNIQUE (session_id, version)
);
