-- Segment counts over a large cache (1,000,000 people within 200 ms): indexes for what segment
-- rules read most. `is` and `one of` compare without regard to case (`= ? COLLATE NOCASE`), so
-- the common equality columns are indexed in that collation; rows without a value are left out
-- of those (no `is` or `one of` matches them). Date rules read a range of the last change, and a
-- custom field's rule the values of one key. A first full sync drops these with the ID indexes
-- and builds them once at the end (sync::cache::begin_bulk_load / end_bulk_load): the two lists
-- must stay the same.

CREATE INDEX people_country_nocase ON people (country COLLATE NOCASE) WHERE country IS NOT NULL;
CREATE INDEX people_state_nocase ON people (state COLLATE NOCASE) WHERE state IS NOT NULL;
CREATE INDEX people_city_nocase ON people (city COLLATE NOCASE) WHERE city IS NOT NULL;
CREATE INDEX people_company_nocase ON people (company COLLATE NOCASE) WHERE company IS NOT NULL;
CREATE INDEX people_updated_at ON people (updated_at);
CREATE INDEX people_custom_key_value ON people_custom (key, value COLLATE NOCASE);
