-- Adobe Campaign ↔ Dynamics 365 custom entities (seed 004; issue #12): each row of a mapped
-- Dynamics entity set written to a record of a Campaign custom resource, linked to the profile of
-- the row's contact.
--
-- Per row: 'creating' (PKey unknown) is committed before the POST and 'written' with the record's
-- PKey after it; a row found 'creating' (a kill, an unknown outcome) is settled by looking the
-- record up by its Dynamics row ID (`crmId`), never by sending it again blindly. 'waiting' is a
-- row whose contact has no profile yet: a later run writes it once the contact has one.
CREATE TABLE campaign_entity_rows (
    campaign_connection  TEXT NOT NULL,
    resource             TEXT NOT NULL,
    row_id               TEXT NOT NULL,
    entity_set           TEXT NOT NULL,
    contact_id           TEXT,
    state                TEXT NOT NULL CHECK (state IN ('creating', 'written', 'waiting')),
    pkey                 TEXT,
    updated_at           TEXT NOT NULL,
    PRIMARY KEY (campaign_connection, resource, row_id)
) STRICT, WITHOUT ROWID;

CREATE INDEX campaign_entity_rows_open ON campaign_entity_rows (campaign_connection, resource, state)
    WHERE state <> 'written';
