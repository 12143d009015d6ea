//! Segments (seed 002): named, saved sets of rules over the people cache — any cached field,
//! custom sync fields included, and which systems know a person — counted live while the admin
//! edits them, and later exported to marketing lists.

mod rules;

use rusqlite::{OptionalExtension, params, params_from_iter};
use serde::Serialize;
use ts_rs::TS;

pub use rules::{
    Compiled, Definition, FieldKind, Match, Op, Rule, SegmentField, compile, compile_union, standard_fields, value_sql,
};

use crate::members::admin::require_actor;
use crate::store::{Store, now};
use crate::sync::fields::custom_fields;
use crate::{Error, ErrorCode, Result, Workspace, audit, msg};

/// How many people a preview shows.
pub const SAMPLE_SIZE: usize = 20;

/// A saved segment.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct Segment {
    pub id: String,
    pub name: String,
    pub definition: Definition,
    pub created_at: String,
    pub updated_at: String,
    /// Why the segment cannot be counted or exported now (a field it names was removed).
    pub problem: Option<crate::Text>,
}

/// One person of a preview's sample.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct SamplePerson {
    pub email: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub company: Option<String>,
    pub country: Option<String>,
}

/// How many people match, and the first few of them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct SegmentPreview {
    pub count: u64,
    pub sample: Vec<SamplePerson>,
}

/// Every field a rule may name now: the standard ones and the custom sync fields.
pub fn fields(store: &Store) -> Result<Vec<SegmentField>> {
    let mut fields = standard_fields();
    for custom in custom_fields(store)? {
        fields.push(SegmentField { key: custom.key, label: custom.label, kind: FieldKind::Text, custom: true });
    }
    Ok(fields)
}

/// Counts the people `definition` matches, with a sample of [`SAMPLE_SIZE`] (by cache order).
pub fn preview(store: &Store, definition: &Definition) -> Result<SegmentPreview> {
    let compiled = compile(definition, &fields(store)?)?;
    // Each alone, so that each is one step down the table (`min(id), max(id)` reads it all).
    let ids: (Option<i64>, Option<i64>) = store.read(|c| {
        Ok(c.query_row("SELECT (SELECT min(id) FROM people), (SELECT max(id) FROM people)", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?)
    })?;
    let (Some(low), Some(high)) = ids else {
        return Ok(SegmentPreview { count: 0, sample: Vec::new() });
    };
    let count = count(store, &compiled, low, high)?;
    let sample = read_mapped(store, |c| sample(c, &compiled, count, high - low + 1))?;
    Ok(SegmentPreview { count, sample })
}

/// A cache with fewer people than this is counted in one query.
const SPLIT_FROM: i64 = 100_000;
/// At most this many connections count one segment together.
const MAX_PARTS: usize = 4;

/// Counts the people `compiled` matches. A large cache is split into ranges of person IDs
/// counted at once on their own connections (one a core): a rule that no index serves reads
/// every person, and that read is what bounds the count's time. Each range reads its own
/// snapshot, so a sync committing meanwhile may show in one range and not yet in another: the
/// count is as live as the preview that shows it, no more.
fn count(store: &Store, compiled: &Compiled, low: i64, high: i64) -> Result<u64> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get()).min(MAX_PARTS) as i64;
    let parts = if cores < 2 || high - low + 1 < SPLIT_FROM || !reads_the_table(store, compiled)? { 1 } else { cores };
    count_in_parts(store, compiled, low, high, parts)
}

/// Whether counting `compiled` reads people's rows one after the other (a scan, or an index
/// that does not hold what the rules test): split, such a read goes faster. A count from an
/// index alone, or by person ID, is quick as it is and would only be read twice.
fn reads_the_table(store: &Store, compiled: &Compiled) -> Result<bool> {
    store.read(|c| {
        let mut stmt =
            c.prepare(&format!("EXPLAIN QUERY PLAN SELECT count(*) FROM people p WHERE {}", compiled.condition))?;
        let plan = stmt
            .query_map(params_from_iter(compiled.params.iter()), |r| r.get::<_, String>(3))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(plan.iter().any(|step| {
            (step == "SCAN p" || step.starts_with("SCAN p ") || step.starts_with("SEARCH p USING INDEX "))
                && !step.contains("COVERING INDEX")
        }))
    })
}

/// A read connection for counts: the database file mapped into memory, so that a count reads the
/// pages where the system keeps them instead of copying each into a cache of its own (a new
/// connection starts with an empty one). SQLite caps the size at its own limit.
fn read_mapped<T>(store: &Store, f: impl FnOnce(&rusqlite::Connection) -> Result<T>) -> Result<T> {
    store.read(|c| {
        c.pragma_update(None, "mmap_size", MMAP_SIZE)?;
        f(c)
    })
}

/// How much of the database file a count maps into memory (1 GiB).
const MMAP_SIZE: i64 = 1 << 30;

/// [`count`] in `parts` ranges of the IDs from `low` to `high`.
fn count_in_parts(store: &Store, compiled: &Compiled, low: i64, high: i64, parts: i64) -> Result<u64> {
    if parts <= 1 {
        return count_between(store, compiled, None, None);
    }
    let step = (high - low + 1) / parts + 1;
    // The first range has no lower bound and the last no upper one, so that a person added
    // since `high` was read is counted too.
    let bounds: Vec<(Option<i64>, Option<i64>)> = (0..parts)
        .map(|i| ((i > 0).then_some(low + i * step), (i + 1 < parts).then_some(low + (i + 1) * step)))
        .collect();
    std::thread::scope(|scope| {
        let parts: Vec<_> =
            bounds.iter().map(|&(from, to)| scope.spawn(move || count_between(store, compiled, from, to))).collect();
        let mut total = 0;
        for part in parts {
            total += part.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))?;
        }
        Ok(total)
    })
}

/// Counts the people `compiled` matches whose ID is at least `from` and below `to`.
fn count_between(store: &Store, compiled: &Compiled, from: Option<i64>, to: Option<i64>) -> Result<u64> {
    let mut params = compiled.params.clone();
    let mut sql = format!("SELECT count(*) FROM people p WHERE ({})", compiled.condition);
    if let Some(from) = from {
        params.push(from.into());
        sql.push_str(&format!(" AND p.id >= ?{}", params.len()));
    }
    if let Some(to) = to {
        params.push(to.into());
        sql.push_str(&format!(" AND p.id < ?{}", params.len()));
    }
    read_mapped(store, |c| {
        let count: i64 = c.query_row(&sql, params_from_iter(params.iter()), |r| r.get(0))?;
        Ok(count as u64)
    })
}

/// The first [`SAMPLE_SIZE`] people `compiled` matches, by ID. `count` of the `span` IDs match:
/// when they are common enough that reading people in ID order meets twenty of them sooner
/// than reading all of them through an index and sorting them, the read is in ID order.
fn sample(c: &rusqlite::Connection, compiled: &Compiled, count: u64, span: i64) -> Result<Vec<SamplePerson>> {
    let common = (count as f64) * (count as f64) >= (SAMPLE_SIZE as f64) * (span as f64);
    let from = if common { "people p NOT INDEXED" } else { "people p" };
    let mut stmt = c.prepare(&format!(
        "SELECT p.email, p.first_name, p.last_name, p.company, p.country FROM {from} WHERE {} ORDER BY p.id LIMIT {SAMPLE_SIZE}",
        compiled.condition
    ))?;
    let sample = stmt
        .query_map(params_from_iter(compiled.params.iter()), |r| {
            Ok(SamplePerson {
                email: r.get(0)?,
                first_name: r.get(1)?,
                last_name: r.get(2)?,
                company: r.get(3)?,
                country: r.get(4)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(sample)
}

fn check_name(name: &str) -> Result<String> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 120 {
        return Err(Error::invalid_input(msg!("segment-name-invalid")));
    }
    Ok(name.to_owned())
}

/// Saves a new segment; its rules must compile against today's fields. Audited.
pub fn create(ws: &Workspace, name: &str, definition: Definition) -> Result<Segment> {
    let name = check_name(name)?;
    compile(&definition, &fields(ws.store())?)?;
    let id = uuid::Uuid::new_v4().to_string();
    let json = serde_json::to_string(&definition)?;
    ws.store().write(|tx| {
        let actor = require_actor(tx)?;
        let taken: Option<String> =
            tx.query_row("SELECT name FROM segments WHERE name = ?1", [&name], |r| r.get(0)).optional()?;
        if let Some(taken) = taken {
            return Err(Error::new(ErrorCode::Conflict, msg!("segment-name-taken", name = taken)));
        }
        let at = now();
        tx.execute(
            "INSERT INTO segments (id, name, definition, created_by, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
            params![id, name, json, actor.id, at],
        )?;
        audit::record(tx, Some(&actor.id), "segment.created", Some(&id), serde_json::json!({ "name": name, "definition": definition }))
    })?;
    get(ws.store(), &name)
}

/// Replaces a segment's rules (and name). Audited with the rules before and after.
pub fn update(ws: &Workspace, name: &str, new_name: &str, definition: Definition) -> Result<Segment> {
    let new_name = check_name(new_name)?;
    compile(&definition, &fields(ws.store())?)?;
    let old = get(ws.store(), name)?;
    let json = serde_json::to_string(&definition)?;
    ws.store().write(|tx| {
        let actor = require_actor(tx)?;
        let clash: Option<String> = tx
            .query_row("SELECT name FROM segments WHERE name = ?1 AND id <> ?2", params![new_name, old.id], |r| {
                r.get(0)
            })
            .optional()?;
        if let Some(clash) = clash {
            return Err(Error::new(ErrorCode::Conflict, msg!("segment-name-taken", name = clash)));
        }
        tx.execute(
            "UPDATE segments SET name = ?2, definition = ?3, updated_at = ?4 WHERE id = ?1",
            params![old.id, new_name, json, now()],
        )?;
        audit::record(
            tx,
            Some(&actor.id),
            "segment.updated",
            Some(&old.id),
            serde_json::json!({ "name": new_name, "before": old.definition, "after": definition }),
        )
    })?;
    get(ws.store(), &new_name)
}

fn read(row: &rusqlite::Row<'_>, fields: &[SegmentField]) -> rusqlite::Result<Segment> {
    let json: String = row.get(2)?;
    let (definition, problem) = match serde_json::from_str::<Definition>(&json) {
        Ok(definition) => {
            let problem = compile(&definition, fields).err().map(|e| e.message);
            (definition, problem)
        }
        // An unreadable definition must never pass for "everyone": it is reported, not used.
        Err(_) => (Definition::default(), Some(msg!("error-stored-data-unreadable"))),
    };
    Ok(Segment {
        id: row.get(0)?,
        name: row.get(1)?,
        definition,
        created_at: row.get(3)?,
        updated_at: row.get(4)?,
        problem,
    })
}

/// Every segment, by name.
pub fn list(store: &Store) -> Result<Vec<Segment>> {
    let fields = fields(store)?;
    store.read(|c| {
        let mut stmt = c.prepare(
            "SELECT id, name, definition, created_at, updated_at FROM segments ORDER BY name COLLATE NOCASE",
        )?;
        Ok(stmt.query_map([], |r| read(r, &fields))?.collect::<rusqlite::Result<Vec<_>>>()?)
    })
}

/// The segment called `name` (case does not matter).
pub fn get(store: &Store, name: &str) -> Result<Segment> {
    let fields = fields(store)?;
    store
        .read(|c| {
            Ok(c.query_row(
                "SELECT id, name, definition, created_at, updated_at FROM segments WHERE name = ?1",
                [name.trim()],
                |r| read(r, &fields),
            )
            .optional()?)
        })?
        .ok_or_else(|| Error::not_found(msg!("segment-not-found", name = name.trim())))
}

/// Deletes a segment. A segment an export uses is refused, naming the exports. Audited.
pub fn delete(ws: &Workspace, name: &str) -> Result<()> {
    let segment = get(ws.store(), name)?;
    ws.store().write(|tx| {
        let actor = require_actor(tx)?;
        let exports = crate::exports::definition::using_segment(tx, &segment.id)?;
        if !exports.is_empty() {
            return Err(Error::new(
                ErrorCode::Conflict,
                msg!("segment-used-by-exports", name = segment.name.as_str(), exports = exports.join(", ")),
            ));
        }
        tx.execute("DELETE FROM segments WHERE id = ?1", [&segment.id])?;
        audit::record(
            tx,
            Some(&actor.id),
            "segment.deleted",
            Some(&segment.id),
            serde_json::json!({ "name": segment.name }),
        )
    })
}

#[cfg(test)]
mod tests;
