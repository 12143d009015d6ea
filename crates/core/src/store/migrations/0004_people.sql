-- The local people cache (data sync): one row per normalised email, with each system's ID, the
-- merged field values and, per field, which system the value came from (1 Marketo, 2 Salesforce).

CREATE TABLE people (
    id                      INTEGER PRIMARY KEY,
    email_key               TEXT NOT NULL UNIQUE,
    email                   TEXT NOT NULL,
    marketo_id              TEXT,
    sf_contact_id           TEXT,
    sf_lead_id              TEXT,
    marketo_modified_at     TEXT,
    salesforce_modified_at  TEXT,
    inserted                INTEGER NOT NULL DEFAULT 1,
    first_name TEXT, first_name_src INTEGER,
    last_name TEXT, last_name_src INTEGER,
    title TEXT, title_src INTEGER,
    company TEXT, company_src INTEGER,
    phone TEXT, phone_src INTEGER,
    city TEXT, city_src INTEGER,
    state TEXT, state_src INTEGER,
    country TEXT, country_src INTEGER,
    unsubscribed INTEGER, unsubscribed_src INTEGER,
    email_invalid INTEGER, email_invalid_src INTEGER,
    lead_owner TEXT, lead_owner_src INTEGER,
    updated_at              TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
) STRICT;

CREATE INDEX people_marketo_id ON people (marketo_id) WHERE marketo_id IS NOT NULL;
CREATE INDEX people_sf_contact_id ON people (sf_contact_id) WHERE sf_contact_id IS NOT NULL;
CREATE INDEX people_sf_lead_id ON people (sf_lead_id) WHERE sf_lead_id IS NOT NULL;
