-- Dynamics 365 exports (seed 003): a run reports people no contact stands for (R14: contacts
-- are never created) as their own outcome, `unmatched`. SQLite cannot change a CHECK in place,
-- so the per-row results table is rebuilt with its rows.

CREATE TABLE export_run_rows_new (
    id       INTEGER PRIMARY KEY,
    run_id   TEXT NOT NULL,
    email    TEXT,
    outcome  TEXT NOT NULL CHECK (outcome IN ('failed', 'warning', 'skipped', 'unmatched')),
    reason   TEXT NOT NULL
) STRICT;

INSERT INTO export_run_rows_new (id, run_id, email, outcome, reason)
    SELECT id, run_id, email, outcome, reason FROM export_run_rows;
DROP TABLE export_run_rows;
ALTER TABLE export_run_rows_new RENAME TO export_run_rows;
CREATE INDEX export_run_rows_run ON export_run_rows (run_id, outcome);
