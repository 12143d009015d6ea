//! Exports (R11, R15): a destination, one or more segments and a field mapping — email always,
//! first name, last name, city, state and country when the admin adds them — run on demand,
//! after each data sync or every N hours. Saving never runs one; every change is audited.

use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::destinations::{self, Destination, require_destination_usable, require_export_user};
use crate::connections::access;
use crate::members::admin::require_actor;
use crate::segments::{self, FieldKind, SegmentField};
use crate::store::{Store, now};
use crate::vault::Vault;
use crate::{Error, ErrorCode, Result, Text, Workspace, audit, msg};

/// What an export may deliver about a person (seed 002's "Add attribute").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Attribute {
    Email,
    FirstName,
    LastName,
    City,
    State,
    Country,
}

impl Attribute {
    pub const ALL: [Self; 6] = [Self::Email, Self::FirstName, Self::LastName, Self::City, Self::State, Self::Country];

    /// The lead field it is delivered to in Marketo.
    pub fn marketo_field(self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::FirstName => "firstName",
            Self::LastName => "lastName",
            Self::City => "city",
            Self::State => "state",
            Self::Country => "country",
        }
    }

    /// The cached field it reads unless the admin picks another.
    pub fn default_cache_field(self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::FirstName => "first_name",
            Self::LastName => "last_name",
            Self::City => "city",
            Self::State => "state",
            Self::Country => "country",
        }
    }

    fn key(self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::FirstName => "first_name",
            Self::LastName => "last_name",
            Self::City => "city",
            Self::State => "state",
            Self::Country => "country",
        }
    }

    /// Reads `first_name`, `firstName`, `first-name` or `country_region` (case does not matter).
    pub fn parse(text: &str) -> Result<Self> {
        let folded: String =
            text.trim().chars().filter(|c| c.is_ascii_alphanumeric()).collect::<String>().to_lowercase();
        let folded = if folded == "countryregion" { "country".to_owned() } else { folded };
        Self::ALL
            .into_iter()
            .find(|a| a.key().replace('_', "") == folded)
            .ok_or_else(|| Error::invalid_input(msg!("export-attribute-unknown", attribute = text.trim())))
    }
}

/// One delivered attribute: which cached field it reads and which destination field it fills.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct FieldMap {
    pub attribute: Attribute,
    pub cache_field: String,
    pub target_field: String,
}

/// When an export runs by itself (R15: never when saved).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Schedule {
    /// Only when an admin runs it.
    Manual,
    /// After each data sync that finished.
    AfterSync,
    /// Every `hours` hours.
    EveryHours { hours: u32 },
}

impl Schedule {
    /// Reads `manual`, `after-sync` or `hours:N` (1 to 168).
    pub fn parse(text: &str) -> Result<Self> {
        let text = text.trim().to_ascii_lowercase();
        match text.as_str() {
            "manual" => Ok(Self::Manual),
            "after-sync" | "after_sync" => Ok(Self::AfterSync),
            _ => text
                .strip_prefix("hours:")
                .and_then(|n| n.trim().parse::<u32>().ok())
                .filter(|n| (1..=168).contains(n))
                .map(|hours| Self::EveryHours { hours })
                .ok_or_else(|| Error::invalid_input(msg!("export-schedule-invalid", schedule = text.as_str()))),
        }
    }

    fn stored(self) -> String {
        match self {
            Self::Manual => "manual".to_owned(),
            Self::AfterSync => "after-sync".to_owned(),
            Self::EveryHours { hours } => format!("hours:{hours}"),
        }
    }
}

/// A saved export.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct Export {
    pub id: String,
    pub name: String,
    pub destination_id: String,
    pub destination: String,
    /// The segments' names, by name.
    pub segments: Vec<String>,
    pub mapping: Vec<FieldMap>,
    pub schedule: Schedule,
    pub created_at: String,
    pub updated_at: String,
    /// Why it cannot run now (a segment names a field that was removed, a mapped field is gone).
    pub problem: Option<Text>,
}

/// One attribute the admin asks for: the cached field it reads (its default when empty).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, TS)]
pub struct AttributeChoice {
    pub attribute: Attribute,
    pub cache_field: Option<String>,
}

/// What the admin enters to create or change an export.
#[derive(Debug, Clone, Deserialize, TS)]
pub struct NewExport {
    pub name: String,
    /// The destination's name.
    pub destination: String,
    /// The segments' names (at least one).
    pub segments: Vec<String>,
    /// The attributes beyond email (email is always delivered, from `email` unless chosen here).
    pub fields: Vec<AttributeChoice>,
    pub schedule: Schedule,
}

struct Checked {
    name: String,
    destination: Destination,
    segment_ids: Vec<(String, String)>,
    mapping: Vec<FieldMap>,
}

/// Checks everything that can be checked without Marketo, then the mapped fields against its
/// describe (a field the instance does not have is named). A Dynamics 365 list maps nothing.
async fn check(ws: &Workspace, vault: &Vault, new: &NewExport) -> Result<Checked> {
    let name = new.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 120 {
        return Err(Error::invalid_input(msg!("export-name-invalid")));
    }
    let destination = destinations::get(ws.store(), &new.destination)?;
    destinations::check_destination_usable(ws.store(), &destination)?;
    if new.segments.iter().all(|s| s.trim().is_empty()) {
        return Err(Error::invalid_input(msg!("export-segments-missing")));
    }
    let mut segment_ids = Vec::new();
    for wanted in new.segments.iter().filter(|s| !s.trim().is_empty()) {
        let segment = segments::get(ws.store(), wanted)?;
        if let Some(problem) = segment.problem {
            return Err(Error::invalid_input(msg!("export-segment-broken", segment = segment.name, why = problem)));
        }
        if !segment_ids.iter().any(|(id, _)| *id == segment.id) {
            segment_ids.push((segment.id, segment.name));
        }
    }
    let fields = segments::fields(ws.store())?;
    if destination.kind == destinations::DestinationKind::Dynamics {
        // Existing contacts join the list as they are (R14): only the email is read, to report
        // who was matched.
        if new.fields.iter().any(|c| c.attribute != Attribute::Email) {
            return Err(Error::invalid_input(msg!("export-dynamics-no-attributes")));
        }
        let mapping = mapping(&[], &fields)?;
        return Ok(Checked { name, destination, segment_ids, mapping });
    }
    let mapping = mapping(&new.fields, &fields)?;
    let client = destinations::client(ws, vault, &destination)?;
    let described = client.describe().await?;
    for map in &mapping {
        if !described.iter().any(|f| f.name.eq_ignore_ascii_case(&map.target_field)) {
            return Err(Error::invalid_input(msg!("export-target-field-missing", field = map.target_field.as_str())));
        }
    }
    Ok(Checked { name, destination, segment_ids, mapping })
}

/// The mapping the admin asked for, email first, every cached field checked.
pub(crate) fn mapping(choices: &[AttributeChoice], fields: &[SegmentField]) -> Result<Vec<FieldMap>> {
    let mut mapping: Vec<FieldMap> = Vec::new();
    let mut wanted: Vec<&AttributeChoice> = choices.iter().collect();
    let email = AttributeChoice { attribute: Attribute::Email, cache_field: None };
    if !wanted.iter().any(|c| c.attribute == Attribute::Email) {
        wanted.insert(0, &email);
    }
    wanted.sort_by_key(|c| c.attribute);
    for choice in wanted {
        if mapping.iter().any(|m| m.attribute == choice.attribute) {
            return Err(Error::invalid_input(msg!(
                "export-attribute-twice",
                attribute = choice.attribute.marketo_field()
            )));
        }
        let key = choice
            .cache_field
            .as_deref()
            .map(str::trim)
            .filter(|k| !k.is_empty())
            .unwrap_or(choice.attribute.default_cache_field());
        let field = fields
            .iter()
            .find(|f| f.key.eq_ignore_ascii_case(key) && f.kind == FieldKind::Text)
            .ok_or_else(|| Error::invalid_input(msg!("export-cache-field-unknown", field = key)))?;
        mapping.push(FieldMap {
            attribute: choice.attribute,
            cache_field: field.key.clone(),
            target_field: choice.attribute.marketo_field().to_owned(),
        });
    }
    Ok(mapping)
}

/// Saves a new export (R15: it does not run). Only the destination's export users may. Audited.
pub async fn create(ws: &Workspace, vault: &Vault, new: NewExport) -> Result<Export> {
    let checked = check(ws, vault, &new).await?;
    let id = uuid::Uuid::new_v4().to_string();
    let mapping_json = serde_json::to_string(&checked.mapping)?;
    let written = ws.store().write(|tx| {
        let actor = require_actor(tx)?;
        require_export_user(tx, &checked.destination.id, &actor.id, &checked.destination.name)?;
        require_destination_usable(tx, &checked.destination)?;
        refuse_taken_name(tx, &checked.name, None)?;
        let at = now();
        tx.execute(
            "INSERT INTO exports (id, name, destination_id, mapping, schedule, created_by, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)",
            params![id, checked.name, checked.destination.id, mapping_json, new.schedule.stored(), actor.id, at],
        )?;
        for (segment_id, _) in &checked.segment_ids {
            tx.execute("INSERT INTO export_segments (export_id, segment_id) VALUES (?1, ?2)", params![id, segment_id])?;
        }
        audit::record(
            tx,
            Some(&actor.id),
            "export.created",
            Some(&id),
            serde_json::json!({
                "name": checked.name,
                "destination": checked.destination.name,
                "segments": checked.segment_ids.iter().map(|(_, n)| n).collect::<Vec<_>>(),
                "mapping": checked.mapping,
                "schedule": new.schedule,
            }),
        )
    });
    access::keep_refusal_audited(ws.store(), written)?;
    get(ws.store(), &checked.name)
}

/// Changes a saved export (it does not run). Audited with the export before and after.
pub async fn update(ws: &Workspace, vault: &Vault, name: &str, new: NewExport) -> Result<Export> {
    let old = get(ws.store(), name)?;
    let old_destination = destinations::by_id(ws.store(), &old.destination_id)?;
    destinations::check_destination_usable(ws.store(), &old_destination)?;
    let checked = check(ws, vault, &new).await?;
    let mapping_json = serde_json::to_string(&checked.mapping)?;
    let written = ws.store().write(|tx| {
        let actor = require_actor(tx)?;
        require_export_user(tx, &old.destination_id, &actor.id, &old.destination)?;
        require_export_user(tx, &checked.destination.id, &actor.id, &checked.destination.name)?;
        require_destination_usable(tx, &old_destination)?;
        require_destination_usable(tx, &checked.destination)?;
        refuse_taken_name(tx, &checked.name, Some(&old.id))?;
        if checked.destination.id != old.destination_id {
            // Another list: what was delivered to the old one says nothing about the new one.
            tx.execute("DELETE FROM export_members WHERE export_id = ?1", [&old.id])?;
        }
        tx.execute(
            "UPDATE exports SET name = ?2, destination_id = ?3, mapping = ?4, schedule = ?5, updated_at = ?6 WHERE id = ?1",
            params![old.id, checked.name, checked.destination.id, mapping_json, new.schedule.stored(), now()],
        )?;
        tx.execute("DELETE FROM export_segments WHERE export_id = ?1", [&old.id])?;
        for (segment_id, _) in &checked.segment_ids {
            tx.execute(
                "INSERT INTO export_segments (export_id, segment_id) VALUES (?1, ?2)",
                params![old.id, segment_id],
            )?;
        }
        audit::record(
            tx,
            Some(&actor.id),
            "export.updated",
            Some(&old.id),
            serde_json::json!({
                "before": { "name": old.name, "destination": old.destination, "segments": old.segments,
                            "mapping": old.mapping, "schedule": old.schedule },
                "after": { "name": checked.name, "destination": checked.destination.name,
                           "segments": checked.segment_ids.iter().map(|(_, n)| n).collect::<Vec<_>>(),
                           "mapping": checked.mapping, "schedule": new.schedule },
            }),
        )
    });
    access::keep_refusal_audited(ws.store(), written)?;
    get(ws.store(), &checked.name)
}

fn refuse_taken_name(tx: &rusqlite::Connection, name: &str, except: Option<&str>) -> Result<()> {
    let taken: Option<String> = tx
        .query_row(
            "SELECT name FROM exports WHERE name = ?1 COLLATE NOCASE AND deleted_at IS NULL AND id IS NOT ?2",
            params![name, except],
            |r| r.get(0),
        )
        .optional()?;
    match taken {
        Some(taken) => Err(Error::new(ErrorCode::Conflict, msg!("export-name-taken", name = taken))),
        None => Ok(()),
    }
}

const SELECT: &str = "SELECT e.id, e.name, e.destination_id, d.name, e.mapping, e.schedule, e.created_at, e.updated_at
                        FROM exports e JOIN export_destinations d ON d.id = e.destination_id";

fn read(c: &rusqlite::Connection, row: &rusqlite::Row<'_>, fields: &[SegmentField]) -> Result<Export> {
    let id: String = row.get(0)?;
    let mapping_json: String = row.get(4)?;
    let schedule: String = row.get(5)?;
    let mut problem = None;
    let mapping: Vec<FieldMap> = serde_json::from_str(&mapping_json).unwrap_or_else(|_| {
        problem = Some(msg!("error-stored-data-unreadable"));
        Vec::new()
    });
    let mut stmt = c.prepare_cached(
        "SELECT s.name, s.definition FROM export_segments x JOIN segments s ON s.id = x.segment_id
          WHERE x.export_id = ?1 ORDER BY s.name COLLATE NOCASE",
    )?;
    let mut segment_names = Vec::new();
    for pair in stmt.query_map([&id], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))? {
        let (name, definition) = pair?;
        let broken = serde_json::from_str::<segments::Definition>(&definition)
            .map_err(|_| msg!("error-stored-data-unreadable"))
            .and_then(|d| segments::compile(&d, fields).map(|_| ()).map_err(|e| e.message));
        if let (Err(why), None) = (broken, &problem) {
            problem = Some(msg!("export-segment-broken", segment = name.as_str(), why = why));
        }
        segment_names.push(name);
    }
    if problem.is_none()
        && let Some(gone) = mapping.iter().find(|m| !fields.iter().any(|f| f.key.eq_ignore_ascii_case(&m.cache_field)))
    {
        problem = Some(msg!("export-cache-field-unknown", field = gone.cache_field.as_str()));
    }
    Ok(Export {
        id,
        name: row.get(1)?,
        destination_id: row.get(2)?,
        destination: row.get(3)?,
        segments: segment_names,
        mapping,
        schedule: Schedule::parse(&schedule).unwrap_or(Schedule::Manual),
        created_at: row.get(6)?,
        updated_at: row.get(7)?,
        problem,
    })
}

/// The live exports, by name.
pub fn list(store: &Store) -> Result<Vec<Export>> {
    let fields = segments::fields(store)?;
    store.read(|c| {
        let mut stmt = c.prepare(&format!("{SELECT} WHERE e.deleted_at IS NULL ORDER BY e.name COLLATE NOCASE"))?;
        let mut rows = stmt.query([])?;
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            out.push(read(c, row, &fields)?);
        }
        Ok(out)
    })
}

/// The export called `name` (case does not matter).
pub fn get(store: &Store, name: &str) -> Result<Export> {
    let fields = segments::fields(store)?;
    let found = store.read(|c| {
        let mut stmt = c.prepare(&format!("{SELECT} WHERE e.name = ?1 COLLATE NOCASE AND e.deleted_at IS NULL"))?;
        let mut rows = stmt.query([name.trim()])?;
        rows.next()?.map(|row| read(c, row, &fields)).transpose()
    })?;
    found.ok_or_else(|| Error::not_found(msg!("export-not-found", name = name.trim())))
}

/// Deletes an export: it stops, its history stays readable, the list in the destination is left
/// as it is. Only an export user of its destination may. Audited.
pub fn delete(ws: &Workspace, name: &str) -> Result<()> {
    let export = get(ws.store(), name)?;
    ws.store().write(|tx| {
        let actor = require_actor(tx)?;
        require_export_user(tx, &export.destination_id, &actor.id, &export.destination)?;
        remove_in(tx, &export.id)?;
        audit::record(
            tx,
            Some(&actor.id),
            "export.deleted",
            Some(&export.id),
            serde_json::json!({ "name": export.name }),
        )
    })
}

/// Marks an export deleted and forgets what it delivered (a later export starts afresh).
pub(crate) fn remove_in(tx: &rusqlite::Connection, export_id: &str) -> Result<()> {
    tx.execute("UPDATE exports SET deleted_at = ?2 WHERE id = ?1 AND deleted_at IS NULL", params![export_id, now()])?;
    tx.execute("DELETE FROM export_segments WHERE export_id = ?1", [export_id])?;
    tx.execute("DELETE FROM export_members WHERE export_id = ?1", [export_id])?;
    Ok(())
}

/// The live exports that deliver the segment `segment_id`, by name.
pub(crate) fn using_segment(tx: &rusqlite::Connection, segment_id: &str) -> Result<Vec<String>> {
    let mut stmt = tx.prepare(
        "SELECT e.name FROM export_segments x JOIN exports e ON e.id = x.export_id
          WHERE x.segment_id = ?1 AND e.deleted_at IS NULL ORDER BY e.name COLLATE NOCASE",
    )?;
    Ok(stmt.query_map([segment_id], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?)
}
