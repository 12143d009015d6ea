-- The profile scan's lookups by contact ID and by email (one per contact in a first Campaign run,
-- named in the queries) as plain indexes: SQLite took neither partial one for a lookup and scanned
-- every listed profile instead (a first run over 76,000 profiles wrote two contacts a second).
DROP INDEX campaign_profile_scan_crm;
DROP INDEX campaign_profile_scan_email;
CREATE INDEX campaign_profile_scan_crm ON campaign_profile_scan (run_id, crm_id);
CREATE INDEX campaign_profile_scan_email ON campaign_profile_scan (run_id, email_key, pkey);
