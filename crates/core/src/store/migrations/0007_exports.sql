-- Export destinations (seeds 002, 003): where segments are delivered as marketing lists. The
-- admin accepted the data-privacy notice before the destination was connected; who and when is
-- kept. A deleted destination keeps its row (its run history stays readable).
CREATE TABLE export_destinations (
    id                   TEXT PRIMARY KEY,
    kind                 TEXT NOT NULL CHECK (kind IN ('marketo', 'dynamics')),
    name                 TEXT NOT NULL,
    -- JSON: the list and how Liaison reaches it (a connection, or its own endpoint and client ID;
    -- its own client secret is in the vault).
    settings             TEXT NOT NULL,
    privacy_accepted_by  TEXT NOT NULL REFERENCES members (id),
    privacy_accepted_at  TEXT NOT NULL,
    created_by           TEXT NOT NULL REFERENCES members (id),
    created_at           TEXT NOT NULL,
    deleted_at           TEXT
) STRICT;

CREATE UNIQUE INDEX export_destinations_live_name ON export_destinations (name COLLATE NOCASE)
    WHERE deleted_at IS NULL;

-- The admins who may edit and run exports to a destination (its creator first).
CREATE TABLE export_destination_users (
    destination_id  TEXT NOT NULL REFERENCES export_destinations (id),
    member_id       TEXT NOT NULL REFERENCES members (id),
    added_at        TEXT NOT NULL,
    PRIMARY KEY (destination_id, member_id)
) STRICT, WITHOUT ROWID;
