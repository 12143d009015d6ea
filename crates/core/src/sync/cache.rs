//! The local people cache: one row per normalised email, merged from Marketo leads,
//! Salesforce contacts and leads and Dynamics 365 contacts, with each system's ID, field values chosen by the conflict
//! rules, and the provenance of every value.
//!
//! Writes go through [`CacheWriter`]: one prepared upsert inside one transaction per batch, with
//! the conflict rules compiled into the SQL, so a full sync writes hundreds of thousands of
//! people per second. Duplicates inside one system are reported, not merged away.

use std::collections::HashSet;

use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{Connection, Transaction, params_from_iter};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::Result;

/// A system a person record comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    Marketo,
    SalesforceContact,
    SalesforceLead,
    DynamicsContact,
}

/// The provenance code of Dynamics 365 values. It never wins a Marketo-or-Salesforce rule: a
/// Dynamics value fills a cell that is empty or already Dynamics's, and Marketo and Salesforce
/// replace it as they would an empty cell, so the two-system rules behave as before.
const DYNAMICS: i64 = 3;

impl Source {
    /// The provenance code stored per field (1 Marketo, 2 Salesforce, 3 Dynamics 365).
    fn system_code(self) -> i64 {
        match self {
            Self::Marketo => 1,
            Self::SalesforceContact | Self::SalesforceLead => 2,
            Self::DynamicsContact => DYNAMICS,
        }
    }

    /// The system's name in provenance and per-record errors.
    pub fn system(self) -> &'static str {
        system_name(self.system_code())
    }

    fn id_column(self) -> &'static str {
        match self {
            Self::Marketo => "marketo_id",
            Self::SalesforceContact => "sf_contact_id",
            Self::SalesforceLead => "sf_lead_id",
            Self::DynamicsContact => "dyn_contact_id",
        }
    }

    fn modified_column(self) -> &'static str {
        match self {
            Self::Marketo => "marketo_modified_at",
            Self::SalesforceContact | Self::SalesforceLead => "salesforce_modified_at",
            Self::DynamicsContact => "dynamics_modified_at",
        }
    }

    /// The other systems' last-change columns (for "most recent wins").
    fn other_modified_columns(self) -> [&'static str; 2] {
        match self {
            Self::Marketo => ["salesforce_modified_at", "dynamics_modified_at"],
            Self::SalesforceContact | Self::SalesforceLead => ["marketo_modified_at", "dynamics_modified_at"],
            Self::DynamicsContact => ["marketo_modified_at", "salesforce_modified_at"],
        }
    }

    /// SQL: `at` is at least as recent as every other system's last change of the person.
    fn newer_than_others(self, at: &str) -> String {
        let [a, b] = self.other_modified_columns();
        format!("(({a} IS NULL OR {at} >= {a}) AND ({b} IS NULL OR {at} >= {b}))")
    }

    /// SQL: the cell's source (`src`) is one this writer may replace under a rule that another
    /// system wins: its own, or Dynamics's (below both others), or none.
    fn may_replace(self, src: &str) -> String {
        let code = self.system_code();
        if code == DYNAMICS {
            format!("coalesce({src}, {code}) = {code}")
        } else {
            format!("coalesce({src}, {code}) IN ({code}, {DYNAMICS})")
        }
    }
}

/// The provenance name of a stored system code.
fn system_name(code: i64) -> &'static str {
    match code {
        1 => "marketo",
        DYNAMICS => "dynamics",
        _ => "salesforce",
    }
}

/// The person fields Liaison syncs (email is the key and always synced).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum PersonField {
    FirstName,
    LastName,
    Title,
    Company,
    Phone,
    City,
    State,
    Country,
    Unsubscribed,
    EmailInvalid,
    LeadOwner,
}

impl PersonField {
    /// Every field, in column order.
    pub const ALL: [Self; 11] = [
        Self::FirstName,
        Self::LastName,
        Self::Title,
        Self::Company,
        Self::Phone,
        Self::City,
        Self::State,
        Self::Country,
        Self::Unsubscribed,
        Self::EmailInvalid,
        Self::LeadOwner,
    ];

    /// The cache column.
    pub fn column(self) -> &'static str {
        match self {
            Self::FirstName => "first_name",
            Self::LastName => "last_name",
            Self::Title => "title",
            Self::Company => "company",
            Self::Phone => "phone",
            Self::City => "city",
            Self::State => "state",
            Self::Country => "country",
            Self::Unsubscribed => "unsubscribed",
            Self::EmailInvalid => "email_invalid",
            Self::LeadOwner => "lead_owner",
        }
    }
}

/// Who wins when Marketo and Salesforce disagree on a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ConflictRule {
    SalesforceWins,
    MarketoWins,
    /// The value from the record changed most recently.
    MostRecent,
}

impl ConflictRule {
    /// The defaults: the CRM owns identity and ownership; Marketo owns email consent and
    /// deliverability (it records unsubscribes and bounces).
    pub fn default_for(field: PersonField) -> Self {
        match field {
            PersonField::Unsubscribed | PersonField::EmailInvalid => Self::MarketoWins,
            _ => Self::SalesforceWins,
        }
    }
}

/// A value of one field; booleans are stored as 0/1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Text(String),
    Bool(bool),
}

/// One record from a source system.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceRecord {
    pub email: String,
    /// The record's ID in its system (Marketo lead id, Salesforce 18-character id).
    pub system_id: String,
    /// When the record last changed in its system (RFC 3339 UTC).
    pub modified_at: String,
    /// Field values; `None` leaves the cached value alone.
    pub values: [Option<Value>; 11],
    /// Custom field values, in the order the writer was given them ([`CacheWriter::with_custom`]).
    pub custom: Vec<Option<Value>>,
}

/// What a batch did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct UpsertCounts {
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
    /// Records where the systems disagreed on a field and the field's rule decided.
    pub conflicts: u64,
    /// Records with an email seen earlier in this run from the same system (not merged).
    pub duplicates: u64,
    /// Records without a usable email.
    pub without_email: u64,
}

impl UpsertCounts {
    /// Adds another batch's counts.
    pub fn add(&mut self, other: &Self) {
        self.created += other.created;
        self.updated += other.updated;
        self.unchanged += other.unchanged;
        self.conflicts += other.conflicts;
        self.duplicates += other.duplicates;
        self.without_email += other.without_email;
    }
}

/// A record that was not merged because another record of the same system has its email.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Duplicate {
    pub source: Source,
    pub email: String,
    pub system_id: String,
}

/// The normalised form of an email: trimmed and lower-cased.
pub fn email_key(email: &str) -> String {
    crate::invites::csv::normalize_email(email)
}

/// Writes records of one source into the cache for one run.
pub struct CacheWriter {
    source: Source,
    sql: String,
    seen: HashSet<String>,
    notes: std::sync::Arc<Notes>,
    custom: Vec<(String, String)>,
}

/// What the upsert reports about each row through `liaison_note()`: a RETURNING clause would
/// cost a fifth of the throughput, a SQL function called only when something happened almost
/// nothing.
#[derive(Debug, Default)]
struct Notes {
    changed: std::sync::atomic::AtomicU64,
    conflicts: std::sync::atomic::AtomicU64,
}

impl CacheWriter {
    /// A writer for `source` with per-field `rules` (missing fields use the defaults).
    pub fn new(source: Source, rules: &[(PersonField, ConflictRule)]) -> Self {
        let rule =
            |f: PersonField| rules.iter().find(|(g, _)| *g == f).map_or(ConflictRule::default_for(f), |(_, r)| *r);
        Self {
            source,
            sql: upsert_sql(source, &rule),
            seen: HashSet::new(),
            notes: Default::default(),
            custom: Vec::new(),
        }
    }

    /// Also writes these custom fields (key and rule), from [`SourceRecord::custom`].
    pub fn with_custom(mut self, fields: &[(String, ConflictRule)]) -> Self {
        self.custom = fields.iter().map(|(key, rule)| (key.clone(), custom_sql(self.source, *rule))).collect();
        self
    }

    /// Upserts a batch in one transaction; returns its counts and the duplicates it skipped.
    pub fn write(&mut self, conn: &mut Connection, records: &[SourceRecord]) -> Result<(UpsertCounts, Vec<Duplicate>)> {
        // A bulk write touches the email index all over: give it room (64 MiB of page cache).
        conn.pragma_update(None, "cache_size", -65_536)?;
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let result = self.write_in(&tx, records)?;
        tx.commit()?;
        Ok(result)
    }

    /// Upserts a batch inside the caller's transaction (so a checkpoint can commit with it).
    pub fn write_in(
        &mut self,
        tx: &Transaction<'_>,
        records: &[SourceRecord],
    ) -> Result<(UpsertCounts, Vec<Duplicate>)> {
        use std::sync::atomic::Ordering::Relaxed;
        let mut counts = UpsertCounts::default();
        let mut duplicates = Vec::new();
        let notes = self.notes.clone();
        tx.create_scalar_function("liaison_note", 1, rusqlite::functions::FunctionFlags::SQLITE_UTF8, move |ctx| {
            match ctx.get::<i64>(0)? {
                1 => notes.changed.fetch_add(1, Relaxed),
                _ => notes.conflicts.fetch_add(1, Relaxed),
            };
            Ok(1i64)
        })?;
        let now = crate::store::now();
        let mut stmt = tx.prepare_cached(&self.sql)?;
        for record in records {
            let key = email_key(&record.email);
            if key.is_empty() || !key.contains('@') {
                counts.without_email += 1;
                continue;
            }
            if self.seen.contains(&key) {
                counts.duplicates += 1;
                duplicates.push(Duplicate {
                    source: self.source,
                    email: record.email.trim().to_owned(),
                    system_id: record.system_id.clone(),
                });
                continue;
            }
            let mut args = [ValueRef::Null; 5 + PersonField::ALL.len()];
            args[0] = ValueRef::Text(key.as_bytes());
            args[1] = ValueRef::Text(record.email.trim().as_bytes());
            args[2] = ValueRef::Text(record.system_id.as_bytes());
            args[3] = ValueRef::Text(record.modified_at.as_bytes());
            args[4] = ValueRef::Text(now.as_bytes());
            for (slot, value) in args[5..].iter_mut().zip(&record.values) {
                *slot = match value {
                    None => ValueRef::Null,
                    Some(Value::Text(t)) => ValueRef::Text(t.as_bytes()),
                    Some(Value::Bool(b)) => ValueRef::Integer(i64::from(*b)),
                };
            }
            let (rowid, changed, conflicts) =
                (tx.last_insert_rowid(), self.notes.changed.load(Relaxed), self.notes.conflicts.load(Relaxed));
            stmt.execute(params_from_iter(args.iter().map(|v| ToSqlOutput::Borrowed(*v))))?;
            // A new row moves the last insert rowid; an upsert that updated leaves it alone.
            if tx.last_insert_rowid() != rowid {
                counts.created += 1;
            } else if self.notes.changed.load(Relaxed) != changed {
                counts.updated += 1;
            } else {
                counts.unchanged += 1;
            }
            counts.conflicts += self.notes.conflicts.load(Relaxed) - conflicts;
            if record.custom.iter().any(Option::is_some) && !self.custom.is_empty() {
                let id: i64 =
                    tx.prepare_cached("SELECT id FROM people WHERE email_key = ?1")?.query_row([&key], |r| r.get(0))?;
                for ((field, sql), value) in self.custom.iter().zip(&record.custom) {
                    let text = match value {
                        None => continue,
                        Some(Value::Text(t)) => t.clone(),
                        Some(Value::Bool(b)) => b.to_string(),
                    };
                    tx.prepare_cached(sql)?.execute(rusqlite::params![id, field, text, record.modified_at])?;
                }
            }
            self.seen.insert(key);
        }
        Ok((counts, duplicates))
    }
}

/// The indexes a load into an empty cache builds once at the end, with their definitions: the
/// lookups on each system's ID (deletions and activity logging use them) and those segment counts
/// read (migration 0009, which must define them the same way).
pub(crate) const BULK_INDEXES: [(&str, &str); 10] = [
    ("people_marketo_id", "people (marketo_id) WHERE marketo_id IS NOT NULL"),
    ("people_sf_contact_id", "people (sf_contact_id) WHERE sf_contact_id IS NOT NULL"),
    ("people_sf_lead_id", "people (sf_lead_id) WHERE sf_lead_id IS NOT NULL"),
    ("people_dyn_contact_id", "people (dyn_contact_id) WHERE dyn_contact_id IS NOT NULL"),
    ("people_country_nocase", "people (country COLLATE NOCASE) WHERE country IS NOT NULL"),
    ("people_state_nocase", "people (state COLLATE NOCASE) WHERE state IS NOT NULL"),
    ("people_city_nocase", "people (city COLLATE NOCASE) WHERE city IS NOT NULL"),
    ("people_company_nocase", "people (company COLLATE NOCASE) WHERE company IS NOT NULL"),
    ("people_updated_at", "people (updated_at)"),
    ("people_custom_key_value", "people_custom (key, value COLLATE NOCASE)"),
];

/// Before loading a whole system into an empty cache: the indexes of [`BULK_INDEXES`] are
/// dropped and built once at the end ([`end_bulk_load`]), which is much cheaper than keeping them
/// up to date row by row. Does nothing when the cache already holds people. Returns whether it
/// dropped them.
pub fn begin_bulk_load(conn: &Connection) -> Result<bool> {
    let empty: bool = conn.query_row("SELECT NOT EXISTS (SELECT 1 FROM people)", [], |r| r.get(0))?;
    if empty {
        for (name, _) in BULK_INDEXES {
            conn.execute(&format!("DROP INDEX IF EXISTS {name}"), [])?;
        }
    }
    Ok(empty)
}

/// Builds the indexes of [`BULK_INDEXES`] that are missing (after a bulk load, or one a crash
/// interrupted).
pub fn end_bulk_load(conn: &Connection) -> Result<()> {
    for (name, definition) in BULK_INDEXES {
        conn.execute(&format!("CREATE INDEX IF NOT EXISTS {name} ON {definition}"), [])?;
    }
    Ok(())
}

/// The upsert of one custom field's value, with the same rules as the standard fields.
fn custom_sql(source: Source, rule: ConflictRule) -> String {
    let code = source.system_code();
    let applies = match rule {
        ConflictRule::SalesforceWins if code == 2 => "1".to_owned(),
        ConflictRule::MarketoWins if code == 1 => "1".to_owned(),
        ConflictRule::SalesforceWins | ConflictRule::MarketoWins => source.may_replace("src"),
        ConflictRule::MostRecent => {
            format!("src = {code} OR (SELECT {} FROM people WHERE id = ?1)", source.newer_than_others("?4"))
        }
    };
    format!(
        "INSERT INTO people_custom (person_id, key, value, src) VALUES (?1, ?2, ?3, {code}) \
         ON CONFLICT (person_id, key) DO UPDATE SET \
         value = CASE WHEN {applies} THEN excluded.value ELSE value END, \
         src = CASE WHEN {applies} THEN {code} ELSE src END \
         WHERE ?4 IS NOT NULL"
    )
}

/// Builds the upsert: values apply when the cell is empty, when this system provided the current
/// value, or when the field's rule says this system wins (or its record is the more recent).
fn upsert_sql(source: Source, rule: &dyn Fn(PersonField) -> ConflictRule) -> String {
    let code = source.system_code();
    let (id_col, mod_col) = (source.id_column(), source.modified_column());
    let mut insert_cols: Vec<String> =
        ["email_key", "email", id_col, mod_col, "updated_at"].iter().map(|c| (*c).to_owned()).collect();
    let mut insert_vals: Vec<String> = ["?1", "?2", "?3", "?4", "?5"].iter().map(|v| (*v).to_owned()).collect();
    let mut sets = vec![format!("{id_col} = excluded.{id_col}"), format!("{mod_col} = excluded.{mod_col}")];
    let mut changed =
        vec![format!("{id_col} IS NOT excluded.{id_col}"), format!("{mod_col} IS NOT excluded.{mod_col}")];
    let mut rejected = Vec::new();
    for (i, field) in PersonField::ALL.iter().enumerate() {
        let col = field.column();
        let param = i + 6;
        insert_cols.push(col.to_owned());
        insert_vals.push(format!("?{param}"));
        insert_cols.push(format!("{col}_src"));
        insert_vals.push(format!("CASE WHEN ?{param} IS NULL THEN NULL ELSE {code} END"));
        // A cell's value and its source are set together, so "empty" is "no source"; the
        // rule is folded into the SQL where it is a constant for this writer.
        let mine = format!("coalesce({col}_src, {code}) = {code}");
        let may = match rule(*field) {
            ConflictRule::SalesforceWins if code == 2 => None,
            ConflictRule::MarketoWins if code == 1 => None,
            ConflictRule::SalesforceWins | ConflictRule::MarketoWins => Some(source.may_replace(&format!("{col}_src"))),
            ConflictRule::MostRecent => {
                Some(format!("({mine} OR {})", source.newer_than_others(&format!("excluded.{mod_col}"))))
            }
        };
        let applies = match &may {
            None => format!("excluded.{col} IS NOT NULL"),
            Some(may) => format!("excluded.{col} IS NOT NULL AND {may}"),
        };
        sets.push(format!("{col} = CASE WHEN {applies} THEN excluded.{col} ELSE {col} END"));
        sets.push(format!("{col}_src = CASE WHEN {applies} THEN {code} ELSE {col}_src END"));
        changed.push(format!("({applies} AND {col} IS NOT excluded.{col})"));
        if let Some(may) = may {
            rejected.push(format!("(excluded.{col} IS NOT NULL AND {col} IS NOT excluded.{col} AND NOT {may})"));
        }
    }
    if rejected.is_empty() {
        rejected.push("0".to_owned());
    }
    let (changed, rejected) = (changed.join(" OR "), rejected.join(" OR "));
    // Every SET expression sees the row as it was, so `changed` and `rejected` are judged on the
    // old values; `liaison_note()` tells the writer (counts without a RETURNING clause). A WHERE
    // clause skipping unchanged rows would evaluate the same expressions a second time;
    // rewriting an unchanged row is cheaper.
    format!(
        "INSERT INTO people ({}) VALUES ({}) ON CONFLICT (email_key) DO UPDATE SET {}, \
         has_conflict = CASE WHEN {rejected} THEN liaison_note(2) ELSE 0 END, \
         updated_at = CASE WHEN ({changed}) AND liaison_note(1) THEN ?5 ELSE updated_at END",
        insert_cols.join(", "),
        insert_vals.join(", "),
        sets.join(", "),
    )
}

/// One person as the People view shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Person {
    pub email: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub company: Option<String>,
    pub marketo_id: Option<String>,
    pub sf_contact_id: Option<String>,
    pub sf_lead_id: Option<String>,
    /// The Dynamics 365 contact the sync read for this person (by email), if any.
    pub dyn_contact_id: Option<String>,
    pub unsubscribed: Option<bool>,
    /// How the person matches a contact of the sync's Dynamics connection (R13), when there is
    /// one: the contact ID a Dynamics list export would use, and by what it was matched.
    pub dynamics: Option<crate::sync::dynamics_match::PersonMatch>,
    /// Field → `marketo`, `salesforce` or `dynamics`: where each value came from.
    #[ts(type = "Record<string, string>")]
    pub provenance: std::collections::BTreeMap<String, String>,
    /// Field → its cached value as text (yes/no fields as `true`/`false`); empty fields absent.
    #[ts(type = "Record<string, string>")]
    pub values: std::collections::BTreeMap<String, String>,
}

/// Searches the cache by name, email or company (case-insensitive substring), at most `limit`.
pub fn search(conn: &Connection, query: &str, limit: u32) -> Result<Vec<Person>> {
    let pattern = format!("%{}%", query.trim().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"));
    let src_cols: Vec<String> = PersonField::ALL.iter().map(|f| format!("{}_src", f.column())).collect();
    let value_cols: Vec<&str> = PersonField::ALL.iter().map(|f| f.column()).collect();
    let sql = format!(
        "SELECT email, first_name, last_name, company, marketo_id, sf_contact_id, sf_lead_id, unsubscribed, {}, {}, id, dyn_contact_id, email_key
           FROM people
          WHERE email_key LIKE ?1 ESCAPE '\\' OR first_name LIKE ?1 ESCAPE '\\' OR last_name LIKE ?1 ESCAPE '\\'
             OR company LIKE ?1 ESCAPE '\\' OR (first_name || ' ' || last_name) LIKE ?1 ESCAPE '\\'
          ORDER BY email_key LIMIT ?2",
        src_cols.join(", "),
        value_cols.join(", ")
    );
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map(rusqlite::params![pattern, limit.clamp(1, 1_000)], |r| {
        let mut provenance = std::collections::BTreeMap::new();
        for (i, field) in PersonField::ALL.iter().enumerate() {
            let code: Option<i64> = r.get(8 + i)?;
            if let Some(code) = code {
                provenance.insert(field.column().to_owned(), system_name(code).to_owned());
            }
        }
        let mut values = std::collections::BTreeMap::new();
        for (i, field) in PersonField::ALL.iter().enumerate() {
            let text = match r.get_ref(8 + PersonField::ALL.len() + i)? {
                ValueRef::Text(t) => Some(String::from_utf8_lossy(t).into_owned()),
                ValueRef::Integer(n) => Some((n != 0).to_string()),
                _ => None,
            };
            if let Some(text) = text {
                values.insert(field.column().to_owned(), text);
            }
        }
        let id: i64 = r.get(8 + 2 * PersonField::ALL.len())?;
        let key: String = r.get(10 + 2 * PersonField::ALL.len())?;
        Ok((
            (id, key),
            Person {
                dyn_contact_id: r.get(9 + 2 * PersonField::ALL.len())?,
                dynamics: None,
                values,
                email: r.get(0)?,
                first_name: r.get(1)?,
                last_name: r.get(2)?,
                company: r.get(3)?,
                marketo_id: r.get(4)?,
                sf_contact_id: r.get(5)?,
                sf_lead_id: r.get(6)?,
                unsubscribed: r.get::<_, Option<i64>>(7)?.map(|v| v != 0),
                provenance,
            },
        ))
    })?;
    let found: Vec<((i64, String), Person)> = rows.collect::<rusqlite::Result<_>>()?;
    let keys: Vec<&str> = found.iter().map(|((_, k), _)| k.as_str()).collect();
    let mut matches = crate::sync::dynamics_match::for_people(conn, &keys)?;
    let mut custom = conn.prepare_cached("SELECT key, value, src FROM people_custom WHERE person_id = ?1")?;
    found
        .into_iter()
        .map(|((id, key), mut person)| {
            let values = custom.query_map([id], |r| Ok((r.get::<_, String>(0)?, r.get(1)?, r.get::<_, i64>(2)?)))?;
            for value in values {
                let (key, value, src) = value?;
                person.provenance.insert(key.clone(), system_name(src).to_owned());
                person.values.insert(key, value);
            }
            person.dynamics = matches.remove(&key);
            Ok(person)
        })
        .collect()
}

#[cfg(test)]
mod tests;
