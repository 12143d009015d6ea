-- Version 3: invitations and the durable email outbox.

-- One invitation per send of a join code. Only the SHA-256 of the code is kept: the code itself
-- appears only in the email (whose body waits in the vault, encrypted, until it is sent).
CREATE TABLE invitations (
    id           TEXT PRIMARY KEY,
    member_id    TEXT NOT NULL REFERENCES members (id),
    email        TEXT NOT NULL COLLATE NOCASE,
    invited_by   TEXT REFERENCES members (id),
    code_hash    TEXT NOT NULL UNIQUE,
    state        TEXT NOT NULL CHECK (state IN ('pending', 'accepted', 'revoked', 'superseded', 'expired')),
    created_at   TEXT NOT NULL,
    expires_at   TEXT NOT NULL,
    closed_at    TEXT,
    run_id       TEXT REFERENCES runs (id)
) STRICT;

-- At most one live invitation per address: a resend supersedes the previous one.
CREATE UNIQUE INDEX invitations_one_pending ON invitations (email) WHERE state = 'pending';
CREATE INDEX invitations_member ON invitations (member_id);

-- Messages waiting to go out, in queue order. `sending` is committed before the message is handed
-- to the mail server and `sent` right after, so a message found in `sending` at start-up may or may
-- not have been delivered: it becomes `uncertain` and is never retried automatically.
CREATE TABLE outbox (
    id             INTEGER PRIMARY KEY,
    invitation_id  TEXT REFERENCES invitations (id),
    recipient      TEXT NOT NULL,
    subject        TEXT NOT NULL,
    language       TEXT NOT NULL CHECK (language IN ('en', 'ja')),
    state          TEXT NOT NULL CHECK (state IN ('queued', 'sending', 'sent', 'failed', 'uncertain', 'cancelled')),
    attempts       INTEGER NOT NULL DEFAULT 0,
    last_error     TEXT,
    smtp_reply     TEXT,
    queued_at      TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    sent_at        TEXT
) STRICT;

CREATE INDEX outbox_state ON outbox (state, id);
CREATE INDEX outbox_invitation ON outbox (invitation_id);
