-- Data sync runs: a heartbeat so a second process can tell a live run from one that was killed,
-- per-record problems of each run, incremental cursors, and the Marketo activities already
-- logged in Salesforce (so none is logged twice, even across a kill and restart).

ALTER TABLE runs ADD COLUMN heartbeat_at TEXT;

CREATE TABLE sync_record_errors (
    id         INTEGER PRIMARY KEY,
    run_id     TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    system     TEXT NOT NULL CHECK (system IN ('marketo', 'salesforce')),
    record_id  TEXT NOT NULL,
    email      TEXT,
    code       TEXT NOT NULL,
    message    TEXT NOT NULL
) STRICT;

CREATE INDEX sync_record_errors_run ON sync_record_errors (run_id);

-- One row per incremental cursor (a Marketo paging token, a Salesforce SystemModstamp).
CREATE TABLE sync_cursors (
    name        TEXT PRIMARY KEY,
    value       TEXT NOT NULL,
    updated_at  TEXT NOT NULL
) STRICT;

-- 'sending' rows are written and committed before the Tasks are created, 'logged' after;
-- a 'sending' row found after a restart is checked against Salesforce, never blindly resent.
CREATE TABLE logged_activities (
    activity_id  INTEGER PRIMARY KEY,
    run_id       TEXT NOT NULL,
    who_id       TEXT NOT NULL,
    state        TEXT NOT NULL CHECK (state IN ('sending', 'logged', 'failed')),
    task_id      TEXT,
    error        TEXT,
    updated_at   TEXT NOT NULL
) STRICT;

CREATE INDEX logged_activities_state ON logged_activities (state) WHERE state = 'sending';

-- Set by each upsert: whether the systems disagree on a field (the rule decided).
ALTER TABLE people ADD COLUMN has_conflict INTEGER NOT NULL DEFAULT 0;

-- Values of the custom fields the admin added to the sync, with their source (1 Marketo,
-- 2 Salesforce) like the standard fields.
CREATE TABLE people_custom (
    person_id  INTEGER NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    key        TEXT NOT NULL,
    value      TEXT NOT NULL,
    src        INTEGER NOT NULL,
    PRIMARY KEY (person_id, key)
) STRICT, WITHOUT ROWID;
