-- Segments: named, saved sets of rules over the people cache (seed 002). The definition is JSON
-- ({ "match": "all" | "any", "rules": [{ "field", "op", "value"?, "values"? }] }), compiled to
-- parameterised SQL when it is counted or exported.
CREATE TABLE segments (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE COLLATE NOCASE,
    definition  TEXT NOT NULL,
    created_by  TEXT REFERENCES members (id),
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
) STRICT;
