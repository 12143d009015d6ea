-- Adobe Campaign ↔ Dynamics 365 (seed 004; R19): opt-outs both ways.
--
-- Per contact, the opt-out each side held when Liaison last compared or wrote them: Dynamics's
-- (any of its carriers refuses email) and Campaign's (`blackListEmail`). A side whose value
-- differs from its remembered one changed it since; NULL means not known yet (a row from before
-- this migration, or a create in flight).
ALTER TABLE campaign_profiles ADD COLUMN optout_dynamics INTEGER CHECK (optout_dynamics IN (0, 1));
ALTER TABLE campaign_profiles ADD COLUMN optout_campaign INTEGER CHECK (optout_campaign IN (0, 1));

-- With opt-outs going both ways, a contact whose opt-out changed on both sides since the last run
-- to different values: the most recent change won (the profile's `lastModified` against the
-- contact's `modifiedon`). One row per contact and run, so a continued run records it once.
CREATE TABLE campaign_optout_conflicts (
    id                   INTEGER PRIMARY KEY,
    run_id               TEXT NOT NULL REFERENCES campaign_runs (id) ON DELETE CASCADE,
    contact_id           TEXT NOT NULL,
    profile_pkey         TEXT NOT NULL,
    dynamics_value       INTEGER NOT NULL CHECK (dynamics_value IN (0, 1)),
    dynamics_changed_at  TEXT,
    campaign_value       INTEGER NOT NULL CHECK (campaign_value IN (0, 1)),
    campaign_changed_at  TEXT,
    winner               TEXT NOT NULL CHECK (winner IN ('dynamics', 'campaign')),
    recorded_at          TEXT NOT NULL,
    UNIQUE (run_id, contact_id)
) STRICT;

CREATE INDEX campaign_optout_conflicts_contact ON campaign_optout_conflicts (contact_id);
