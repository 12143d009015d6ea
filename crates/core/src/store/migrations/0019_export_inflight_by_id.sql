-- A file of an export may go through Marketo's import without the list (people whose lead ID is
-- known, run beside the list-bound import) and be added to the list by ID once it is complete:
-- its rows say so, and stay in flight until they are on the list and recorded.
ALTER TABLE export_inflight ADD COLUMN by_id INTEGER NOT NULL DEFAULT 0;
