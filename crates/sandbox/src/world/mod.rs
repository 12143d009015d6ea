//! The emulated systems' data and the deterministic generator (same seed, same data).

mod generate;
mod schemas;
mod vocabulary;

use crate::data::{Row, Schema, Table, Text, Val};
use base64::Engine;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
pub(crate) use schemas::marketo_lead_schema;
// The SOQL and OData tests build their queries against these schemas.
#[cfg(test)]
pub(crate) use schemas::{dv_contact_schema, sf_contact_schema};
use std::collections::{BTreeMap, HashMap};
use uuid::Uuid;

/// Generated data is dated before this instant (2026-01-01T00:00:00Z) so the same seed gives the
/// same data whatever the wall clock says; edits made while running carry the virtual now.
pub(crate) const ANCHOR_MS: i64 = 1_767_225_600_000;
const DAY_MS: i64 = 86_400_000;
/// Records are created at most 1,000 days before the anchor (2026-01-01): from 2023-04-07 on.
pub(crate) const DATA_SINCE: &str = "2023-04-01";

#[derive(Debug, Clone)]
pub(crate) struct Activity {
    pub id: i64,
    pub guid: String,
    pub lead_id: i64,
    pub date_ms: i64,
    pub type_id: i64,
    pub primary_id: i64,
    pub primary_value: String,
    pub attributes: Vec<(String, serde_json::Value)>,
    /// For "Change Data Value" (13): (field id, field name, new, old).
    pub fields: Vec<(i64, String, Option<String>, Option<String>)>,
}

#[derive(Debug, Clone)]
pub(crate) struct MkList {
    pub id: i64,
    pub name: String,
    pub description: Option<String>,
    pub program_name: Option<String>,
    pub folder: (i64, &'static str),
    pub created: i64,
    pub updated: i64,
    /// lead id → time added.
    pub members: BTreeMap<i64, i64>,
}

/// A Campaign email event of one profile: a delivery log (`sent`, `bounced`) or a tracking log
/// (`opened`, `clicked`). Its `pkey` never changes, so a client can write it elsewhere exactly once.
#[derive(Debug, Clone)]
pub(crate) struct CpEvent {
    pub pkey: String,
    pub kind: CpEventKind,
    /// The delivery's label.
    pub label: String,
    pub date_ms: i64,
    /// The clicked link (clicks only).
    pub url: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum CpEventKind {
    Sent,
    Bounced,
    Opened,
    Clicked,
}

impl CpEventKind {
    /// Delivery logs (`logs`) hold sends and bounces; tracking logs (`tracking`) opens and clicks.
    pub(crate) fn is_delivery(self) -> bool {
        matches!(self, CpEventKind::Sent | CpEventKind::Bounced)
    }
}

#[derive(Debug)]
pub(crate) struct World {
    pub rng: ChaCha8Rng,
    pub org_id: String,
    pub sf_user_id: String,
    pub sf_seq: u64,

    pub mk_leads: Table<i64>,
    /// Lower-cased email → ids of the leads that carry it (case-duplicates share a key), so a
    /// lookup by email is a hash probe, not a scan: a bulk import of 100k rows does 100k of them.
    pub mk_by_email: EmailIndex,
    pub mk_next_id: i64,
    pub mk_lists: BTreeMap<i64, MkList>,
    pub mk_next_list: i64,
    pub mk_activities: Vec<Activity>,
    pub mk_next_activity: i64,
    /// Marketo's own users (User Management API), admins among them.
    pub mk_users: Vec<crate::marketo::users::MkUser>,

    pub sf_contacts: Table<String>,
    pub sf_leads: Table<String>,
    pub sf_tasks: Table<String>,
    pub sf_users: Table<String>,

    pub dv_user: (Uuid, Uuid, Uuid),
    pub dv_contacts: Table<Uuid>,
    pub dv_leads: Table<Uuid>,
    pub dv_lists: Table<Uuid>,
    pub dv_members: BTreeMap<Uuid, BTreeMap<Uuid, Uuid>>,
    pub dv_tasks: Table<Uuid>,
    pub dv_emailevents: Table<Uuid>,
    /// Change tracking on `contacts`: the org's row version (it only grows) and, per contact
    /// created, edited or deleted since the data was generated, the version of its last change.
    /// A contact listed here but absent from `dv_contacts` was deleted.
    pub dv_version: i64,
    pub dv_contact_versions: BTreeMap<Uuid, i64>,
    /// The custom table `lia_productinterest` (change tracking enabled, like contacts).
    pub dv_interests: Table<Uuid>,
    pub dv_interest_versions: BTreeMap<Uuid, i64>,

    pub cp_profiles: Table<String>,
    pub cp_products: Table<String>,
    pub cp_interests: Table<String>,
    /// Email events per profile PKey, oldest first.
    pub cp_events: BTreeMap<String, Vec<CpEvent>>,
    pub cp_services: Vec<(String, String, String)>,
}

/// A Salesforce 18-character id: 15 characters plus the case-safe checksum suffix.
pub(crate) fn sf_id(prefix: &str, n: u64) -> String {
    const B62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut body = [b'0'; 9];
    let mut x = n;
    for slot in body.iter_mut().rev() {
        *slot = B62[(x % 62) as usize];
        x /= 62;
    }
    let id15 = format!("{prefix}5g0{}", String::from_utf8_lossy(&body));
    let bytes = id15.as_bytes();
    let mut suffix = String::new();
    for chunk in 0..3 {
        let mut bits = 0usize;
        for i in 0..5 {
            if bytes[chunk * 5 + i].is_ascii_uppercase() {
                bits |= 1 << i;
            }
        }
        suffix.push(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"[bits] as char);
    }
    id15 + &suffix
}

pub(crate) fn new_uuid(rng: &mut ChaCha8Rng) -> Uuid {
    uuid::Builder::from_random_bytes(rng.random()).into_uuid()
}

/// Adobe Campaign primary keys are opaque strings beginning with `@`.
pub(crate) fn new_pkey(rng: &mut ChaCha8Rng) -> String {
    let bytes: [u8; 48] = rng.random();
    format!("@{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

pub(crate) fn activity_guid(id: i64) -> String {
    format!("{:08x}-{:04x}-4{:03x}-8000-{:012x}", id as u32, (id >> 32) as u16, id as u16 & 0xfff, id)
}

/// Marketo leads by lower-cased email. Entries may go stale (a lead deleted or its email edited
/// elsewhere); `ids` checks every candidate against the table, so only additions must be indexed.
#[derive(Debug, Default)]
pub(crate) struct EmailIndex(HashMap<Text, Vec<i64>>);

impl EmailIndex {
    fn key(v: &Val) -> Option<Text> {
        let s = v.as_str().filter(|s| !s.is_empty())?;
        Some(match v {
            Val::Str(t) if !s.bytes().any(|b| b.is_ascii_uppercase()) => t.clone(),
            _ => Text::from(s.to_ascii_lowercase()),
        })
    }

    /// Records that lead `id` carries `email` (a no-op for an empty or missing email).
    pub(crate) fn add(&mut self, email: &Val, id: i64) {
        if let Some(k) = Self::key(email) {
            let ids = self.0.entry(k).or_default();
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
    }

    /// Forgets that lead `id` carries `email`.
    pub(crate) fn remove(&mut self, email: &Val, id: i64) {
        if let Some(k) = Self::key(email)
            && let Some(ids) = self.0.get_mut(&k)
        {
            ids.retain(|i| *i != id);
            if ids.is_empty() {
                self.0.remove(&k);
            }
        }
    }

    /// Ids (ascending) of the leads in `table` whose email equals `email`, ignoring ASCII case.
    pub(crate) fn ids(&self, table: &Table<i64>, email: &str) -> Vec<i64> {
        let Some(fi) = table.schema.idx("email") else { return Vec::new() };
        let found = if email.bytes().any(|b| b.is_ascii_uppercase()) {
            self.0.get(email.to_ascii_lowercase().as_str())
        } else {
            self.0.get(email)
        };
        let mut ids: Vec<i64> = found
            .into_iter()
            .flatten()
            .copied()
            .filter(|id| {
                table.rows.get(id).and_then(|r| r.0[fi].as_str()).is_some_and(|e| e.eq_ignore_ascii_case(email))
            })
            .collect();
        ids.sort_unstable();
        ids
    }
}

/// Counts of what was generated (for the bench and `GET /stats`).
#[derive(Debug, Clone, serde::Serialize)]
pub struct DatasetSummary {
    pub people: usize,
    pub marketo_leads: usize,
    pub marketo_lists: usize,
    pub marketo_activities: usize,
    pub salesforce_contacts: usize,
    pub salesforce_leads: usize,
    pub dynamics_contacts: usize,
    pub dynamics_leads: usize,
    pub dynamics_lists: usize,
    pub dynamics_product_interests: usize,
    pub campaign_profiles: usize,
    /// Delivery and tracking logs of every profile together.
    pub campaign_email_events: usize,
}

impl World {
    pub(crate) fn summary(&self, people: usize) -> DatasetSummary {
        DatasetSummary {
            people,
            marketo_leads: self.mk_leads.rows.len(),
            marketo_lists: self.mk_lists.len(),
            marketo_activities: self.mk_activities.len(),
            salesforce_contacts: self.sf_contacts.rows.len(),
            salesforce_leads: self.sf_leads.rows.len(),
            dynamics_contacts: self.dv_contacts.rows.len(),
            dynamics_leads: self.dv_leads.rows.len(),
            dynamics_lists: self.dv_lists.rows.len(),
            dynamics_product_interests: self.dv_interests.rows.len(),
            campaign_profiles: self.cp_profiles.rows.len(),
            campaign_email_events: self.cp_events.values().map(Vec::len).sum(),
        }
    }

    /// Records that contact `id` was created, changed or deleted (change tracking).
    pub(crate) fn dv_contact_changed(&mut self, id: Uuid) {
        self.dv_version += 1;
        self.dv_contact_versions.insert(id, self.dv_version);
    }

    /// Records that product interest `id` was created, changed or deleted (change tracking).
    pub(crate) fn dv_interest_changed(&mut self, id: Uuid) {
        self.dv_version += 1;
        self.dv_interest_versions.insert(id, self.dv_version);
    }

    pub(crate) fn next_sf_id(&mut self, prefix: &str) -> String {
        self.sf_seq += 1;
        sf_id(prefix, self.sf_seq)
    }

    /// Appends a Marketo activity stamped `now_ms`.
    pub(crate) fn mk_activity(
        &mut self,
        lead_id: i64,
        now_ms: i64,
        type_id: i64,
        primary: (i64, String),
    ) -> &mut Activity {
        self.mk_next_activity += 1;
        let id = self.mk_next_activity;
        // Keep the log ordered by date even if a test moved the clock backwards.
        let date_ms = self.mk_activities.last().map(|a| a.date_ms.max(now_ms)).unwrap_or(now_ms);
        self.mk_activities.push(Activity {
            id,
            guid: activity_guid(id),
            lead_id,
            date_ms,
            type_id,
            primary_id: primary.0,
            primary_value: primary.1,
            attributes: Vec::new(),
            fields: Vec::new(),
        });
        self.mk_activities.last_mut().expect("just pushed")
    }
}

/// Sets a row's timestamps/`Name`-style derived fields after an edit.
pub(crate) fn touch(schema: &Schema, row: &mut Row, now_ms: i64) {
    for f in ["LastModifiedDate", "SystemModstamp", "updatedAt", "modifiedon", "lastModified"] {
        if schema.idx(f).is_some() {
            row.set(schema, f, Val::Int(now_ms));
        }
    }
    if schema.idx("Name").is_some() {
        let name = format!("{} {}", row.str(schema, "FirstName"), row.str(schema, "LastName")).trim().to_string();
        row.set(schema, "Name", Val::s(name));
    }
    if schema.idx("fullname").is_some() {
        let name = format!("{} {}", row.str(schema, "firstname"), row.str(schema, "lastname")).trim().to_string();
        row.set(schema, "fullname", Val::s(name));
    }
    if let Some(i) = schema.idx("versionnumber") {
        let v = row.0[i].as_int().unwrap_or(0) + 1;
        row.0[i] = Val::Int(v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_index_finds_every_lead_and_case_duplicates_together() {
        let mut w = World::generate(7, 2_000);
        let s = w.mk_leads.schema.clone();
        for (id, r) in &w.mk_leads.rows {
            let email = r.str(&s, "email");
            assert!(w.mk_by_email.ids(&w.mk_leads, &email.to_ascii_uppercase()).contains(id), "{email}");
        }
        let dup = w
            .mk_leads
            .rows
            .values()
            .map(|r| r.str(&s, "email").to_string())
            .find(|e| e.chars().any(|c| c.is_ascii_uppercase()));
        let dup = dup.expect("the generator makes case-duplicates");
        let ids = w.mk_by_email.ids(&w.mk_leads, &dup.to_ascii_lowercase());
        assert_eq!(ids.len(), 2, "{dup}");
        // A stale entry (lead gone, index untouched) is never returned.
        w.mk_leads.rows.remove(&ids[0]);
        assert_eq!(w.mk_by_email.ids(&w.mk_leads, &dup), [ids[1]]);
    }

    #[test]
    fn no_lead_is_older_than_data_since() {
        let w = World::generate(3, 2000);
        let since = crate::clock::parse_datetime(&format!("{DATA_SINCE}T00:00:00Z")).unwrap();
        let oldest = w.mk_leads.rows.values().filter_map(|r| r.get(&w.mk_leads.schema, "createdAt").as_int()).min();
        assert!(oldest.unwrap() >= since);
    }

    #[test]
    fn marketo_lead_ids_follow_creation_order_and_each_has_its_new_lead_activity() {
        let w = World::generate(5, 3000);
        let s = &w.mk_leads.schema;
        let dates: Vec<i64> = w.mk_leads.rows.values().filter_map(|r| r.get(s, "createdAt").as_int()).collect();
        assert_eq!(dates.len(), w.mk_leads.rows.len());
        assert!(dates.windows(2).all(|d| d[0] <= d[1]), "a later ID was created earlier");
        assert!(w.mk_leads.rows.values().all(|r| r.get(s, "updatedAt").as_int() >= r.get(s, "createdAt").as_int()));
        // Each lead's New Lead activity is dated at its creation.
        for a in w.mk_activities.iter().filter(|a| a.type_id == 12) {
            assert_eq!(Some(a.date_ms), w.mk_leads.rows.get(&a.lead_id).and_then(|r| r.get(s, "createdAt").as_int()));
        }
        assert_eq!(w.mk_activities.iter().filter(|a| a.type_id == 12).count(), w.mk_leads.rows.len());
        for list in w.mk_lists.values() {
            for (id, at) in &list.members {
                assert!(Some(*at) >= w.mk_leads.rows.get(id).and_then(|r| r.get(s, "createdAt").as_int()));
            }
        }
    }

    #[test]
    fn same_seed_same_data_and_realistic_overlap() {
        let a = World::generate(7, 3000);
        let b = World::generate(7, 3000);
        assert_eq!(a.mk_leads.rows.len(), b.mk_leads.rows.len());
        let first = |w: &World| w.mk_leads.rows.values().next().map(|r| r.0.clone());
        assert_eq!(first(&a), first(&b));
        let s = a.summary(3000);
        assert!(s.marketo_leads > 2400 && s.marketo_leads < 2900, "{s:?}");
        let linked = a
            .mk_leads
            .rows
            .values()
            .filter(|r| {
                !r.get(&a.mk_leads.schema, "sfdcContactId").is_null()
                    || !r.get(&a.mk_leads.schema, "sfdcLeadId").is_null()
            })
            .count();
        assert!(linked * 10 > s.marketo_leads * 6, "most Marketo leads are in Salesforce too");
        let japanese = a
            .mk_leads
            .rows
            .values()
            .filter(|r| r.str(&a.mk_leads.schema, "lastName").chars().any(|c| c > '\u{3000}'))
            .count();
        assert!(japanese > 0);
        let mut seen = std::collections::HashMap::new();
        let mut case_dups = 0;
        for r in a.mk_leads.rows.values() {
            let e = r.str(&a.mk_leads.schema, "email");
            if let Some(prev) = seen.insert(e.to_lowercase(), e.to_string()) {
                assert_ne!(prev, e);
                case_dups += 1;
            }
        }
        assert!(case_dups > 0, "a few duplicate emails differing in case");
        let s = &a.mk_leads.schema;
        let opted = a.mk_leads.rows.values().filter(|r| r.get(s, "unsubscribed").as_bool()).count();
        let bounced = a.mk_leads.rows.values().filter(|r| r.get(s, "emailInvalid").as_bool()).count();
        assert!(opted * 100 > s_len(&a) * 3 && opted * 100 < s_len(&a) * 10, "about 6% opted out: {opted}");
        assert!(bounced > 0 && bounced * 100 < s_len(&a) * 5, "about 2% bounced: {bounced}");
        let only_sf = a.sf_contacts.rows.len() + a.sf_leads.rows.len() - linked;
        assert!(only_sf > 0, "some people are only in Salesforce");
        assert!(linked < a.mk_leads.rows.len(), "some leads are only in Marketo");
        assert!(
            !a.dv_lists.rows.is_empty()
                && !a.mk_lists.is_empty()
                && !a.cp_profiles.rows.is_empty()
                && a.mk_users.len() >= 3
        );
    }

    #[test]
    fn seed_004_data_is_deterministic_and_linked() {
        let (a, b) = (World::generate(11, 3000), World::generate(11, 3000));
        let events = |w: &World| -> Vec<(String, String, i64)> {
            w.cp_events.iter().flat_map(|(p, es)| es.iter().map(|e| (p.clone(), e.pkey.clone(), e.date_ms))).collect()
        };
        assert!(!a.cp_events.is_empty() && events(&a) == events(&b));
        assert!(a.cp_events.values().flatten().all(|e| e.date_ms < ANCHOR_MS));
        let s = a.dv_interests.schema.clone();
        assert!(!a.dv_interests.rows.is_empty());
        for r in a.dv_interests.rows.values() {
            let contact: Uuid = r.str(&s, "_lia_contactid_value").parse().unwrap();
            assert!(a.dv_contacts.rows.contains_key(&contact));
        }
        let ps = a.cp_profiles.schema.clone();
        let linked = a.cp_profiles.rows.values().filter(|r| !r.str(&ps, "cusCrmContactId").is_empty()).count();
        assert!(linked > 0 && linked < a.cp_profiles.rows.len(), "some profiles came from Dynamics: {linked}");
    }

    fn s_len(w: &World) -> usize {
        w.mk_leads.rows.len()
    }

    #[test]
    fn salesforce_ids_carry_the_case_safe_suffix() {
        let id = sf_id("003", 1);
        assert_eq!(id.len(), 18);
        assert!(id.starts_with("0035g0"));
    }
}
