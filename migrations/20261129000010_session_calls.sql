-- The model calls a session's transcript rests on (issue 13): each request as the session sent
-- it and the answer it got, in the order made, so a finished session can be replayed from the
-- response cache with zero calls and each answer compared with the one the session used.
-- Additive: nothing before it changes.
--
-- A call is kept once: a run resumed after a kill asks the same requests again (the cache
-- answers them), and `request_key` (SHA-256 of the request) keeps them from being listed twice.
CREATE TABLE session_calls (
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    session_id   TEXT NOT NULL REFERENCES study_sessions(id) ON DELETE CASCADE,
    -- The order the calls were made in, from 0.
    ordinal      INTEGER NOT NULL CHECK (ordinal >= 0),
    -- The turn the call was made to decide or write.
    seq          INTEGER NOT NULL CHECK (seq >= 0),
    purpose      TEXT NOT NULL CHECK (purpose IN ('reply', 'check', 'urges', 'judgement')),
    request_key  TEXT NOT NULL,
    -- The request as JSON (messages, temperature, tokens, seed), without its scope.
    request      TEXT NOT NULL CHECK (json_valid(request)),
    -- A reply's text, or a structured answer as JSON.
    answer       TEXT NOT NULL,
    -- The vendor/model that answered ('' where the gateway does not say).
    answered_by  TEXT NOT NULL DEFAULT '',
    created_at   TEXT NOT NULL,
    PRIMARY KEY (session_id, ordinal),
    UNIQUE (session_id, request_key)
);

-- A session's agreement is compared with what its twins' audiences' mentions predict; the
-- session view reads those mentions by audience.
CREATE INDEX audience_signals_audience ON audience_signals(audience_id, kind);
