-- Liaison workspace schema, version 1.
-- Timestamps are RFC 3339 UTC text; ids are UUID text unless the row is a log line.

CREATE TABLE workspace (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    workspace_id  TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    activated_at  TEXT,
    client_id     TEXT
) STRICT;

CREATE TABLE settings (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
) STRICT;

CREATE TABLE members (
    id                 TEXT PRIMARY KEY,
    email              TEXT NOT NULL COLLATE NOCASE UNIQUE,
    name               TEXT,
    role               TEXT NOT NULL CHECK (role IN ('admin', 'user')),
    status             TEXT NOT NULL CHECK (status IN ('invited', 'active', 'expired', 'removed')),
    is_original_admin  INTEGER NOT NULL DEFAULT 0 CHECK (is_original_admin IN (0, 1)),
    invited_at         TEXT,
    joined_at          TEXT,
    removed_at         TEXT
) STRICT;

-- At most one original admin per workspace.
CREATE UNIQUE INDEX members_one_original_admin ON members (is_original_admin) WHERE is_original_admin = 1;

CREATE TABLE teams (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL COLLATE NOCASE UNIQUE,
    is_default  INTEGER NOT NULL DEFAULT 0 CHECK (is_default IN (0, 1)),
    created_at  TEXT NOT NULL
) STRICT;

CREATE TABLE team_members (
    team_id    TEXT NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    member_id  TEXT NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    added_at   TEXT NOT NULL,
    PRIMARY KEY (team_id, member_id)
) STRICT;

CREATE TABLE setup_steps (
    step        INTEGER PRIMARY KEY CHECK (step BETWEEN 1 AND 7),
    state       TEXT NOT NULL CHECK (state IN ('not_started', 'done', 'needs_attention')),
    detail      TEXT,
    updated_at  TEXT
) STRICT;

-- Connection metadata only: secrets live in the credential vault, never here.
CREATE TABLE connections (
    id                TEXT PRIMARY KEY,
    kind              TEXT NOT NULL CHECK (kind IN ('salesforce', 'marketo', 'dynamics', 'campaign')),
    display_name      TEXT NOT NULL,
    owner_member_id   TEXT REFERENCES members (id),
    settings          TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(settings)),
    is_sandbox        INTEGER NOT NULL DEFAULT 0 CHECK (is_sandbox IN (0, 1)),
    created_at        TEXT NOT NULL,
    disconnected_at   TEXT
) STRICT;

CREATE TABLE access_grants (
    id              TEXT PRIMARY KEY,
    connection_id   TEXT NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    member_id       TEXT NOT NULL REFERENCES members (id),
    granted_by      TEXT REFERENCES members (id),
    granted_at      TEXT NOT NULL,
    revoked_at      TEXT
) STRICT;

CREATE UNIQUE INDEX access_grants_one_live ON access_grants (connection_id, member_id) WHERE revoked_at IS NULL;

CREATE TABLE audit_log (
    id               INTEGER PRIMARY KEY,
    at               TEXT NOT NULL,
    actor_member_id  TEXT REFERENCES members (id),
    action           TEXT NOT NULL,
    target           TEXT,
    details          TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(details))
) STRICT;

CREATE INDEX audit_log_action ON audit_log (action, at);

CREATE TABLE runs (
    id           TEXT PRIMARY KEY,
    kind         TEXT NOT NULL CHECK (kind IN ('sync', 'export', 'invite')),
    state        TEXT NOT NULL CHECK (state IN ('queued', 'running', 'paused', 'succeeded', 'failed', 'cancelled')),
    started_at   TEXT NOT NULL,
    finished_at  TEXT,
    counts       TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(counts)),
    checkpoint   TEXT CHECK (checkpoint IS NULL OR json_valid(checkpoint)),
    error        TEXT CHECK (error IS NULL OR json_valid(error))
) STRICT;

CREATE INDEX runs_kind_started ON runs (kind, started_at);

INSERT INTO teams (id, name, is_default, created_at)
VALUES ('everyone', 'Everyone', 1, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'));

INSERT INTO setup_steps (step, state) VALUES
    (1, 'not_started'), (2, 'not_started'), (3, 'not_started'), (4, 'not_started'),
    (5, 'not_started'), (6, 'not_started'), (7, 'not_started');
