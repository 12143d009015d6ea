//! What a run will do: the people the export's segments hold now, compared with what it last
//! delivered. New members and members whose mapped values changed are sent, members who left
//! are removed, unchanged members cost nothing, people without a valid email are skipped.

use std::collections::{HashMap, HashSet};

use rusqlite::params_from_iter;
use serde::Serialize;
use sha2::{Digest, Sha256};
use ts_rs::TS;

use super::definition::Export;
use super::target::Row;
use crate::segments::{self, compile_union, value_sql};
use crate::store::Store;
use crate::{Error, ErrorCode, Result, Text, msg};

/// R12: the most people one export run may deliver.
pub const MAX_PEOPLE: u64 = 1_000_000;

/// How many of each kind a dry run shows.
pub const SAMPLE: usize = 10;

/// What a run would change.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, TS)]
pub struct PlanCounts {
    /// Distinct people the segments hold.
    pub people: u64,
    pub added: u64,
    pub updated: u64,
    pub removed: u64,
    pub unchanged: u64,
    /// People without a valid email.
    pub skipped: u64,
    /// People with no list member to stand for them: no contact, several, or an inactive one
    /// (Dynamics 365, R14: contacts are never created).
    pub unmatched: u64,
}

/// Who stands for a person on a list that holds existing records only (a Dynamics 365 contact).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Membership {
    Member(String),
    Unmatched(Text),
}

/// Finds the list member of each email key (every key asked gets an answer).
pub(crate) type Resolver<'r> = dyn Fn(&rusqlite::Connection, &[&str]) -> Result<HashMap<String, Membership>> + 'r;

/// People resolved per call of a [`Resolver`].
const RESOLVE_CHUNK: usize = 10_000;

/// A member who left the segments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Leaver {
    pub email_key: String,
    pub member_id: Option<String>,
}

/// A person skipped for want of a valid email.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct SkippedPerson {
    pub email: String,
    pub reason: Text,
}

pub(crate) struct Plan {
    pub counts: PlanCounts,
    /// Adds and updates, in cache order.
    pub sends: Vec<Row>,
    pub leavers: Vec<Leaver>,
    pub unchanged_sample: Vec<String>,
    pub skipped: Vec<SkippedPerson>,
    /// People without a member to stand for them, with the reason.
    pub unmatched: Vec<SkippedPerson>,
    /// Earlier members who stand for a person no more (their person now matches another
    /// record): removed before the sends.
    pub replaced: Vec<String>,
}

impl Plan {
    /// Compares one person's row with what was delivered: unchanged, left for the next run, or
    /// sent (with the member ID the destination knows them by).
    #[allow(clippy::too_many_arguments)]
    fn consider(
        &mut self,
        delivered: &HashMap<String, (String, Option<String>)>,
        exclude: &HashSet<String>,
        key: String,
        address: String,
        values: Vec<Option<String>>,
        hash: String,
        member_id: Option<String>,
        replaces: bool,
    ) {
        let before = delivered.get(&key);
        match before {
            Some((old, _)) if *old == hash => {
                self.counts.unchanged += 1;
                if self.unchanged_sample.len() < SAMPLE {
                    self.unchanged_sample.push(address);
                }
                return;
            }
            _ if exclude.contains(&key) => return,
            Some(_) => self.counts.updated += 1,
            None => self.counts.added += 1,
        }
        let old_id = before.and_then(|(_, id)| id.clone());
        let member_id = if replaces {
            if let Some(old) = old_id.filter(|old| Some(old) != member_id.as_ref()) {
                self.replaced.push(old);
            }
            member_id
        } else {
            old_id.or(member_id)
        };
        self.sends.push(Row { email_key: key, email: address, values, hash, member_id, is_new: before.is_none() });
    }
}

/// The hash of the values a row delivers, with the fields they go to.
fn values_hash(fields: &[&str], values: &[Option<String>]) -> String {
    let mut h = Sha256::new();
    for (f, v) in fields.iter().zip(values) {
        h.update(f.as_bytes());
        h.update([0x1f]);
        if let Some(v) = v {
            h.update([1]);
            h.update(v.as_bytes());
        }
        h.update([0x1e]);
    }
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(24);
    for b in &h.finalize()[..12] {
        out.push(HEX[usize::from(b >> 4)] as char);
        out.push(HEX[usize::from(b & 0xf)] as char);
    }
    out
}

/// Why an email cannot be delivered, if it cannot: missing, malformed, or not ASCII (Marketo
/// takes ASCII addresses only).
fn email_problem(email: &str) -> Option<Text> {
    let email = email.trim();
    if email.is_empty() {
        return Some(msg!("export-skip-no-email"));
    }
    if let Err(problem) = crate::invites::csv::check_email(email) {
        return Some(msg!("export-skip-invalid-email", reason = problem.explain()));
    }
    if !email.is_ascii() {
        return Some(msg!("export-skip-non-ascii-email"));
    }
    None
}

/// How many distinct people the condition matches.
fn count(store: &Store, condition: &str, params: &[rusqlite::types::Value]) -> Result<u64> {
    store.read(|c| {
        let n: i64 = c.query_row(
            &format!("SELECT count(*) FROM people p WHERE {condition}"),
            params_from_iter(params.iter()),
            |r| r.get(0),
        )?;
        Ok(n as u64)
    })
}

fn condition(store: &Store, export: &Export) -> Result<(String, Vec<rusqlite::types::Value>)> {
    if let Some(problem) = &export.problem {
        return Err(Error::new(
            ErrorCode::Conflict,
            msg!("export-cannot-run", name = export.name.as_str(), why = problem),
        ));
    }
    let fields = segments::fields(store)?;
    let mut definitions = Vec::new();
    for name in &export.segments {
        definitions.push(segments::get(store, name)?.definition);
    }
    let compiled = compile_union(&definitions.iter().collect::<Vec<_>>(), &fields)?;
    Ok((compiled.condition, compiled.params))
}

/// Refuses a run over R12's limit, with the count, before any call.
pub(crate) fn check_size(store: &Store, export: &Export) -> Result<u64> {
    let (condition, params) = condition(store, export)?;
    within_limit(export, count(store, &condition, &params)?)
}

fn within_limit(export: &Export, people: u64) -> Result<u64> {
    if people > MAX_PEOPLE {
        return Err(Error::new(
            ErrorCode::InvalidInput,
            msg!("export-too-many-people", name = export.name.as_str(), count = people, max = MAX_PEOPLE),
        )
        .with_details(serde_json::json!({ "people": people, "max": MAX_PEOPLE })));
    }
    Ok(people)
}

/// Compares the segments' people with what the export delivered. People in `exclude` (rows
/// that failed earlier in this run) are left for the next run. With a `resolver` (a list of
/// existing records, Dynamics 365) each person is delivered as the member the resolver names,
/// and people it finds none for are reported as unmatched instead.
pub(crate) fn plan(
    store: &Store,
    export: &Export,
    exclude: &HashSet<String>,
    resolver: Option<&Resolver<'_>>,
) -> Result<Plan> {
    let (condition, mut params) = condition(store, export)?;
    let people = within_limit(export, count(store, &condition, &params)?)?;
    let fields = segments::fields(store)?;
    let mut exprs = Vec::new();
    for map in &export.mapping {
        let field = fields.iter().find(|f| f.key.eq_ignore_ascii_case(&map.cache_field)).ok_or_else(|| {
            Error::invalid_input(msg!("export-cache-field-unknown", field = map.cache_field.as_str()))
        })?;
        exprs.push(
            value_sql(field, &mut params)
                .ok_or_else(|| Error::invalid_input(msg!("export-cache-field-unknown", field = field.key.as_str())))?,
        );
    }
    let targets: Vec<&str> = export.mapping.iter().map(|m| m.target_field.as_str()).collect();
    store.read(|c| {
        let mut delivered: HashMap<String, (String, Option<String>)> = HashMap::new();
        {
            let mut stmt = c.prepare("SELECT email_key, hash, member_id FROM export_members WHERE export_id = ?1")?;
            let rows = stmt.query_map([&export.id], |r| Ok((r.get::<_, String>(0)?, (r.get(1)?, r.get(2)?))))?;
            for row in rows {
                let (key, value) = row?;
                delivered.insert(key, value);
            }
        }
        let sql = format!(
            "SELECT p.email_key, p.email, p.marketo_id, {} FROM people p WHERE {condition} ORDER BY p.id",
            exprs.join(", ")
        );
        let mut stmt = c.prepare(&sql)?;
        let mut rows = stmt.query(params_from_iter(params.iter()))?;
        let mut plan = Plan {
            counts: PlanCounts { people, ..PlanCounts::default() },
            sends: Vec::new(),
            leavers: Vec::new(),
            unchanged_sample: Vec::new(),
            skipped: Vec::new(),
            unmatched: Vec::new(),
            replaced: Vec::new(),
        };
        let mut seen: HashSet<String> = HashSet::with_capacity(delivered.len());
        // People whose member a resolver names: (email key, email).
        let mut to_resolve: Vec<(String, String)> = Vec::new();
        while let Some(r) = rows.next()? {
            let email_key: String = r.get(0)?;
            let email: String = r.get(1)?;
            if resolver.is_some() {
                if seen.insert(email_key.clone()) {
                    to_resolve.push((email_key, email));
                }
                continue;
            }
            let marketo_id: Option<String> = r.get(2)?;
            let values: Vec<Option<String>> = (0..exprs.len())
                .map(|i| r.get::<_, Option<String>>(3 + i).map(|v| v.filter(|s| !s.is_empty())))
                .collect::<rusqlite::Result<_>>()?;
            // The delivered email is the mapped one (email unless the admin chose another field).
            let address = values.first().cloned().flatten().unwrap_or_default();
            if let Some(reason) = email_problem(&address) {
                plan.counts.skipped += 1;
                if plan.skipped.len() < super::run::MAX_STORED_ROWS {
                    plan.skipped.push(SkippedPerson { email: address, reason });
                }
                continue;
            }
            let key = if address.eq_ignore_ascii_case(&email) {
                email_key
            } else {
                crate::invites::csv::normalize_email(&address)
            };
            if !seen.insert(key.clone()) {
                continue;
            }
            // The cached lead ID is the lead Marketo knew by the cached email; a row that delivers
            // another address (a different field mapped to email) is not that lead, so it is
            // imported and found by its own email, never listed or removed by that ID.
            let marketo_id = marketo_id.filter(|_| address.eq_ignore_ascii_case(&email));
            let hash = values_hash(&targets, &values);
            plan.consider(&delivered, exclude, key, address, values, hash, marketo_id, false);
        }
        if let Some(resolve) = resolver {
            for chunk in to_resolve.chunks(RESOLVE_CHUNK) {
                let keys: Vec<&str> = chunk.iter().map(|(k, _)| k.as_str()).collect();
                let mut found = resolve(c, &keys)?;
                for (key, email) in chunk {
                    match found.remove(key) {
                        Some(Membership::Member(id)) => {
                            let values = vec![Some(id.clone())];
                            let hash = values_hash(&["member"], &values);
                            plan.consider(
                                &delivered,
                                exclude,
                                key.clone(),
                                email.clone(),
                                values,
                                hash,
                                Some(id),
                                true,
                            );
                        }
                        Some(Membership::Unmatched(reason)) => {
                            plan.counts.unmatched += 1;
                            if plan.unmatched.len() < super::run::MAX_STORED_ROWS {
                                plan.unmatched.push(SkippedPerson { email: email.clone(), reason });
                            }
                        }
                        None => {
                            return Err(Error::internal(msg!("export-member-not-resolved", email = email.as_str())));
                        }
                    }
                }
            }
        }
        for (key, (_, member_id)) in delivered {
            if !seen.contains(&key) {
                plan.leavers.push(Leaver { email_key: key, member_id });
            }
        }
        plan.leavers.sort_by(|a, b| a.email_key.cmp(&b.email_key));
        plan.counts.removed = plan.leavers.len() as u64;
        Ok(plan)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hash_changes_with_any_value_and_with_a_value_moving_fields() {
        let a = values_hash(&["email", "city"], &[Some("a@x.jp".into()), Some("Tokyo".into())]);
        let b = values_hash(&["email", "city"], &[Some("a@x.jp".into()), Some("Osaka".into())]);
        let c = values_hash(&["email", "city"], &[Some("a@x.jp".into()), None]);
        let d = values_hash(&["email", "state"], &[Some("a@x.jp".into()), Some("Tokyo".into())]);
        assert_eq!(a, values_hash(&["email", "city"], &[Some("a@x.jp".into()), Some("Tokyo".into())]));
        assert!(a != b && a != c && a != d && b != c);
    }

    #[test]
    fn people_without_a_deliverable_email_are_skipped_with_the_reason() {
        assert!(email_problem("").is_some());
        assert!(email_problem("not-an-email").is_some());
        assert!(email_problem("山田@例え.jp").is_some());
        assert!(email_problem("ann@example.com").is_none());
    }
}
