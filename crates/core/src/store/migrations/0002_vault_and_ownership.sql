-- Version 2: the credential vault and connection handovers.

-- AEAD-encrypted secrets (ChaCha20-Poly1305, key from the OS keychain; the secret's name is
-- the associated data, so a ciphertext cannot be moved to another name).
CREATE TABLE secrets (
    name        TEXT PRIMARY KEY,
    nonce       BLOB NOT NULL CHECK (length(nonce) = 12),
    ciphertext  BLOB NOT NULL,
    updated_at  TEXT NOT NULL
) STRICT;

-- A guided change of a connection's owner (R8): A removes B's grant, B connects, A disconnects.
CREATE TABLE handovers (
    id                  TEXT PRIMARY KEY,
    kind                TEXT NOT NULL CHECK (kind IN ('salesforce', 'marketo')),
    from_connection_id  TEXT NOT NULL REFERENCES connections (id),
    from_member_id      TEXT NOT NULL REFERENCES members (id),
    to_member_id        TEXT NOT NULL REFERENCES members (id),
    to_connection_id    TEXT REFERENCES connections (id),
    state               TEXT NOT NULL CHECK (state IN ('grant_removed', 'new_connected', 'completed', 'cancelled')),
    started_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL
) STRICT;

CREATE UNIQUE INDEX handovers_one_open ON handovers (kind) WHERE state IN ('grant_removed', 'new_connected');
