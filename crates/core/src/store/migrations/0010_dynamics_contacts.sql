-- Dynamics 365 contacts as the third source of the data sync (provenance code 3), and the
-- synced contacts of each Dynamics connection, which people are matched to (R13).

ALTER TABLE people ADD COLUMN dyn_contact_id TEXT;
ALTER TABLE people ADD COLUMN dynamics_modified_at TEXT;

CREATE INDEX people_dyn_contact_id ON people (dyn_contact_id) WHERE dyn_contact_id IS NOT NULL;

-- What matching needs of every contact read by the sync, per connection: its normalised email,
-- whether it is active (statecode 0) or inactive (1), and the value of the attribute the
-- connection matches on when it matches by a key instead of email.
CREATE TABLE dynamics_contacts (
    connection_id  TEXT NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    contact_id     TEXT NOT NULL,
    email_key      TEXT,
    statecode      INTEGER NOT NULL DEFAULT 0,
    match_value    TEXT,
    modified_at    TEXT,
    -- The sync run that last read the contact: after a read of all contacts, those another run
    -- read last were deleted in Dynamics.
    run_id         TEXT,
    PRIMARY KEY (connection_id, contact_id)
) STRICT, WITHOUT ROWID;

-- Covering indexes led by the matched value: the matching join looks each person up with one
-- index probe (led by connection_id, SQLite prefers scanning the primary key's prefix).
CREATE INDEX dynamics_contacts_email ON dynamics_contacts (email_key, connection_id, statecode);
CREATE INDEX dynamics_contacts_match ON dynamics_contacts (match_value, connection_id, statecode);

-- Per-record errors may now come from Dynamics too: the CHECK is part of the table, so the
-- table is rebuilt.
CREATE TABLE sync_record_errors_new (
    id         INTEGER PRIMARY KEY,
    run_id     TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    system     TEXT NOT NULL CHECK (system IN ('marketo', 'salesforce', 'dynamics')),
    record_id  TEXT NOT NULL,
    email      TEXT,
    code       TEXT NOT NULL,
    message    TEXT NOT NULL
) STRICT;
INSERT INTO sync_record_errors_new (id, run_id, system, record_id, email, code, message)
    SELECT id, run_id, system, record_id, email, code, message FROM sync_record_errors;
DROP TABLE sync_record_errors;
ALTER TABLE sync_record_errors_new RENAME TO sync_record_errors;
CREATE INDEX sync_record_errors_run ON sync_record_errors (run_id);
