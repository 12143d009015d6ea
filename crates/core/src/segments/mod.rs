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
    store.read(|c| {
        let count: i64 = c.query_row(
            &format!("SELECT count(*) FROM people p WHERE {}", compiled.condition),
            params_from_iter(compiled.params.iter()),
            |r| r.get(0),
        )?;
        let mut stmt = c.prepare(&format!(
            "SELECT p.email, p.first_name, p.last_name, p.company, p.country FROM people p WHERE {} ORDER BY p.id LIMIT {SAMPLE_SIZE}",
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
        Ok(SegmentPreview { count: count as u64, sample })
    })
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
