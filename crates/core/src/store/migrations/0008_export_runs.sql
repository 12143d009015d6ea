-- Exports (seeds 002, 003; R11, R12, R15): a destination, one or more segments and a field
-- mapping, run on demand or on a schedule. Saving never runs one. A deleted export keeps its row
-- so its run history stays readable.
CREATE TABLE exports (
    id              TEXT PRIMARY KEY,
    name            TEXT NOT NULL,
    destination_id  TEXT NOT NULL REFERENCES export_destinations (id),
    -- JSON: [{ "attribute": "email" | "first_name" | …, "cache_field": "…", "target_field": "…" }]
    mapping         TEXT NOT NULL CHECK (json_valid(mapping)),
    -- 'manual', 'after_sync' or 'hours:N'
    schedule        TEXT NOT NULL,
    created_by      TEXT REFERENCES members (id),
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    deleted_at      TEXT
) STRICT;

CREATE UNIQUE INDEX exports_live_name ON exports (name COLLATE NOCASE) WHERE deleted_at IS NULL;

-- The segments a live export delivers (a segment in use cannot be deleted).
CREATE TABLE export_segments (
    export_id   TEXT NOT NULL REFERENCES exports (id),
    segment_id  TEXT NOT NULL REFERENCES segments (id),
    PRIMARY KEY (export_id, segment_id)
) STRICT, WITHOUT ROWID;

CREATE INDEX export_segments_segment ON export_segments (segment_id);

-- What an export last delivered, per person (by email key): the list member's ID in the
-- destination when known, and a hash of the delivered values. A run sends only the difference.
CREATE TABLE export_members (
    export_id     TEXT NOT NULL,
    email_key     TEXT NOT NULL,
    member_id     TEXT,
    hash          TEXT NOT NULL,
    delivered_at  TEXT NOT NULL,
    PRIMARY KEY (export_id, email_key)
) STRICT, WITHOUT ROWID;

-- The rows of a file handed to the destination and not yet recorded as delivered: written
-- before the upload, given the destination's batch ID after it, removed when its results are
-- recorded. A killed run finds its import again by this batch ID instead of sending it twice.
CREATE TABLE export_inflight (
    export_id  TEXT NOT NULL,
    run_id     TEXT NOT NULL,
    file_seq   INTEGER NOT NULL,
    batch_id   TEXT,
    email_key  TEXT NOT NULL,
    email      TEXT NOT NULL,
    member_id  TEXT,
    hash       TEXT NOT NULL,
    is_new     INTEGER NOT NULL,
    PRIMARY KEY (export_id, file_seq, email_key)
) STRICT, WITHOUT ROWID;

-- Per-row results of an export run: rows the destination refused or warned about, and people
-- skipped for want of a valid email.
CREATE TABLE export_run_rows (
    id       INTEGER PRIMARY KEY,
    run_id   TEXT NOT NULL,
    email    TEXT,
    outcome  TEXT NOT NULL CHECK (outcome IN ('failed', 'warning', 'skipped')),
    reason   TEXT NOT NULL
) STRICT;

CREATE INDEX export_run_rows_run ON export_run_rows (run_id, outcome);

-- Which export (or other subject) a run belongs to.
ALTER TABLE runs ADD COLUMN subject TEXT;
CREATE INDEX runs_subject ON runs (subject, started_at) WHERE subject IS NOT NULL;
