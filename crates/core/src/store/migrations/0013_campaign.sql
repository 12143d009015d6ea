-- Adobe Campaign ↔ Dynamics 365 (seed 004; R17): contacts to profiles. Its runs keep a history
-- of their own (`runs.kind` has a CHECK that SQLite cannot change in place).
CREATE TABLE campaign_runs (
    id            TEXT PRIMARY KEY,
    state         TEXT NOT NULL CHECK (state IN ('running', 'succeeded', 'failed', 'cancelled')),
    full          INTEGER NOT NULL,
    started_at    TEXT NOT NULL,
    finished_at   TEXT,
    counts        TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(counts)),
    -- The position to continue from after a kill, and the owner token of the process driving it.
    checkpoint    TEXT CHECK (checkpoint IS NULL OR json_valid(checkpoint)),
    heartbeat_at  TEXT,
    error         TEXT CHECK (error IS NULL OR json_valid(error))
) STRICT;

CREATE INDEX campaign_runs_started ON campaign_runs (started_at);

-- Per contact: its profile in the Campaign connection and a hash of the values Liaison last
-- wrote there. `pkey` is NULL while a create is in flight: such a row found later is settled by
-- looking the profile up by its contact ID, never by creating again.
CREATE TABLE campaign_profiles (
    campaign_connection  TEXT NOT NULL,
    contact_id           TEXT NOT NULL,
    pkey                 TEXT,
    values_hash          TEXT NOT NULL,
    written_at           TEXT NOT NULL,
    PRIMARY KEY (campaign_connection, contact_id)
) STRICT, WITHOUT ROWID;

-- The profiles a first (full) run found in Campaign before creating any: read page by page so a
-- killed run continues the listing, matched by contact ID and then email. Emptied when the run
-- ends.
CREATE TABLE campaign_profile_scan (
    run_id     TEXT NOT NULL,
    pkey       TEXT NOT NULL,
    crm_id     TEXT,
    email_key  TEXT,
    profile    TEXT NOT NULL CHECK (json_valid(profile)),
    PRIMARY KEY (run_id, pkey)
) STRICT, WITHOUT ROWID;

CREATE INDEX campaign_profile_scan_crm ON campaign_profile_scan (run_id, crm_id) WHERE crm_id IS NOT NULL;
CREATE INDEX campaign_profile_scan_email ON campaign_profile_scan (run_id, email_key) WHERE email_key IS NOT NULL;

-- Per-contact problems of a run (a value Campaign refused); the run goes on.
CREATE TABLE campaign_record_errors (
    id          INTEGER PRIMARY KEY,
    run_id      TEXT NOT NULL REFERENCES campaign_runs (id) ON DELETE CASCADE,
    contact_id  TEXT NOT NULL,
    code        TEXT NOT NULL,
    message     TEXT NOT NULL
) STRICT;

CREATE INDEX campaign_record_errors_run ON campaign_record_errors (run_id);
