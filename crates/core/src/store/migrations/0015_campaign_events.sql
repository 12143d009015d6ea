-- Adobe Campaign ↔ Dynamics 365 (seed 004; R18): Campaign's email events (sent, bounced,
-- opened, clicked) as `lia_emailevent` activities on the contact's timeline, each once.
--
-- Per event (the delivery or tracking log's PKey): 'sending' is committed before the POST and
-- 'written' (with the activity's ID) after it. A row found 'sending' (a kill, an unknown outcome)
-- is settled by looking the activity up by `lia_eventid`, never by sending it again blindly.
CREATE TABLE campaign_events (
    campaign_connection  TEXT NOT NULL,
    event_pkey           TEXT NOT NULL,
    contact_id           TEXT NOT NULL,
    profile_pkey         TEXT NOT NULL,
    event_type           TEXT NOT NULL CHECK (event_type IN ('sent', 'bounced', 'opened', 'clicked')),
    occurred_at          TEXT NOT NULL,
    state                TEXT NOT NULL CHECK (state IN ('sending', 'written')),
    activity_id          TEXT,
    updated_at           TEXT NOT NULL,
    PRIMARY KEY (campaign_connection, event_pkey)
) STRICT, WITHOUT ROWID;

CREATE INDEX campaign_events_sending ON campaign_events (campaign_connection, state) WHERE state = 'sending';

-- Per profile and log (`logs`: delivery, `tracking`: opens and clicks): the newest event date
-- carried, so later runs write only newer logs. Moved only once every event up to it is written.
CREATE TABLE campaign_event_marks (
    campaign_connection  TEXT NOT NULL,
    profile_pkey         TEXT NOT NULL,
    collection           TEXT NOT NULL CHECK (collection IN ('logs', 'tracking')),
    newest               TEXT NOT NULL,
    updated_at           TEXT NOT NULL,
    PRIMARY KEY (campaign_connection, profile_pkey, collection)
) STRICT, WITHOUT ROWID;
