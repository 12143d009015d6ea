//! Writes: create, update, upsert and delete of records, with the undo journal that `$batch` change sets roll back.

use super::query::{context, entity_json, etag};
use super::{API, COMPUTED, Resp, bad_request, does_not_exist, error, prefer, split_key, table};
use crate::data::{Kind, Row, Schema, Val, json_val};
use crate::http::Req;
use crate::state::Shared;
use crate::world::{World, new_uuid, touch};
use axum::http::StatusCode;
use serde_json::{Map, Value, json};
use uuid::Uuid;

/// Undo log of a change set: restoring these entries rolls the world back.
pub(super) enum Undo {
    Row(&'static str, Uuid, Option<Row>),
    Members(Uuid, Option<std::collections::BTreeMap<Uuid, Uuid>>),
}

pub(super) type Journal = Option<Vec<Undo>>;

pub(super) fn put_row(w: &mut World, set: &'static str, key: Uuid, row: Option<Row>, journal: &mut Journal) {
    tracked_change(w, set, key);
    let t = table(w, set);
    let old = match row {
        Some(r) => t.rows.insert(key, r),
        None => t.rows.remove(&key),
    };
    if let Some(j) = journal {
        j.push(Undo::Row(set, key, old));
    }
}

/// Tables with change tracking record every change's row version.
fn tracked_change(w: &mut World, set: &str, key: Uuid) {
    match set {
        "contacts" => w.dv_contact_changed(key),
        "lia_productinterests" => w.dv_interest_changed(key),
        _ => {}
    }
}

pub(super) fn change_members(
    w: &mut World,
    list: Uuid,
    journal: &mut Journal,
    f: impl FnOnce(&mut std::collections::BTreeMap<Uuid, Uuid>),
) {
    if let Some(j) = journal {
        j.push(Undo::Members(list, w.dv_members.get(&list).cloned()));
    }
    let members = w.dv_members.entry(list).or_default();
    f(members);
    let count = members.len() as i64;
    let s = w.dv_lists.schema.clone();
    if let Some(r) = w.dv_lists.rows.get_mut(&list) {
        r.set(&s, "membercount", Val::Int(count));
    }
}

pub(super) fn rollback(w: &mut World, journal: Vec<Undo>) {
    for u in journal.into_iter().rev() {
        match u {
            Undo::Row(set, key, old) => {
                // A rolled-back change is a change too: a delta already served may have shown it.
                tracked_change(w, set, key);
                let t = table(w, set);
                match old {
                    Some(r) => t.rows.insert(key, r),
                    None => t.rows.remove(&key),
                };
            }
            Undo::Members(list, old) => {
                match old {
                    Some(m) => w.dv_members.insert(list, m),
                    None => w.dv_members.remove(&list),
                };
            }
        }
    }
}

/// Applies a JSON body (with `@odata.bind` lookups) to a row.
fn apply(
    w: &World,
    schema: &Schema,
    entity: &str,
    pk: &str,
    row: &mut Row,
    body: &Map<String, Value>,
    creating: bool,
) -> Result<(), Resp> {
    for (k, v) in body {
        if k.starts_with("@odata") {
            continue;
        }
        if let Some(nav) = k.strip_suffix("@odata.bind") {
            // `lia_ContactId@odata.bind` → `_lia_contactid_value`; a polymorphic lookup names its
            // target: `regardingobjectid_contact@odata.bind` → `_regardingobjectid_value`.
            let lower = nav.to_ascii_lowercase();
            let found = schema
                .idx(&format!("_{lower}_value"))
                .or_else(|| lower.rsplit_once('_').and_then(|(lookup, _)| schema.idx(&format!("_{lookup}_value"))));
            let Some(i) = found else {
                return Err(bad_request(&format!(
                    "An undeclared property '{nav}' which only has property annotations in the payload but no property value was found in the payload."
                )));
            };
            let target = v.as_str().unwrap_or("");
            let seg = target.rsplit('/').next().unwrap_or("");
            let (tset, tkey) = split_key(seg)?;
            let Some(tkey) = tkey else { return Err(bad_request(&format!("Invalid @odata.bind value '{target}'."))) };
            let exists = match tset {
                "contacts" => w.dv_contacts.rows.contains_key(&tkey),
                "leads" => w.dv_leads.rows.contains_key(&tkey),
                "lists" => w.dv_lists.rows.contains_key(&tkey),
                _ => return Err(bad_request(&format!("Invalid @odata.bind value '{target}'."))),
            };
            if !exists {
                return Err(does_not_exist(tset.trim_end_matches('s'), &tkey.to_string()));
            }
            row.0[i] = Val::s(tkey.to_string());
            continue;
        }
        let Some(i) = schema.idx(k) else {
            return Err(bad_request(&format!(
                "The property '{k}' does not exist on type 'Microsoft.Dynamics.CRM.{entity}'. Make sure to only use property names that are defined by the type or mark the type as open type."
            )));
        };
        let def = &schema.fields[i];
        if COMPUTED.contains(&k.as_str()) || def.kind == Kind::Ref || (k == pk && !creating) {
            continue;
        }
        if !def.updateable && !creating && k != pk {
            continue;
        }
        let val = json_val(def, v).map_err(|t| {
            bad_request(&format!(
                "Cannot convert the literal '{v}' to the expected type '{}'.",
                crate::odata::edm(if t == "boolean" { Kind::Bool } else { def.kind })
            ))
        })?;
        let val = if def.kind == Kind::Id {
            Val::opt(val.as_str().and_then(|s| s.parse::<Uuid>().ok()).map(|u| u.to_string()))
        } else {
            val
        };
        row.0[i] = val;
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
pub(super) fn create(
    sh: &Shared,
    w: &mut World,
    req: &Req,
    set: &'static str,
    entity: &str,
    pk: &str,
    id: Option<Uuid>,
    now: i64,
    journal: &mut Journal,
) -> Resp {
    let body = match req.json() {
        Ok(Value::Object(m)) => m,
        _ => return bad_request("Invalid JSON. A token was not recognized in the JSON content."),
    };
    let schema = table(w, set).schema.clone();
    let mut row = schema.blank_row();
    for (i, f) in schema.fields.iter().enumerate() {
        if f.kind == Kind::Bool {
            row.0[i] = Val::Bool(false);
        }
    }
    row.set(&schema, "statecode", Val::Int(0));
    if set == "lists" {
        row.set(&schema, "membercount", Val::Int(0));
        row.set(&schema, "type", Val::Bool(false));
    }
    if let Err(r) = apply(w, &schema, entity, pk, &mut row, &body, true) {
        return r;
    }
    if set == "lists" {
        for required in ["listname", "createdfromcode"] {
            if row.get(&schema, required).is_null() {
                return error(
                    StatusCode::BAD_REQUEST,
                    "0x80040203",
                    &format!("Required field '{required}' is missing"),
                );
            }
        }
    }
    let id = id
        .or_else(|| row.get(&schema, pk).as_str().and_then(|s| s.parse().ok()))
        .unwrap_or_else(|| new_uuid(&mut w.rng));
    if table(w, set).rows.contains_key(&id) {
        return error(
            StatusCode::PRECONDITION_FAILED,
            "0x80040237",
            "A record with matching key values already exists.",
        );
    }
    row.set(&schema, pk, Val::s(id.to_string()));
    row.set(&schema, "createdon", Val::Int(now));
    touch(&schema, &mut row, now);
    let entity_id = format!("{}{API}/{set}({id})", sh.endpoints.dynamics.org_url);
    let representation = prefer(req, "return").as_deref() == Some("representation");
    let out = representation.then(|| {
        let mut v = entity_json(&schema, &row, &(0..schema.fields.len()).collect::<Vec<_>>());
        v["@odata.context"] = json!(format!("{}/$entity", context(&sh.endpoints.dynamics.org_url, set, &None)));
        v
    });
    put_row(w, set, id, Some(row), journal);
    match out {
        Some(v) => {
            Resp::json(StatusCode::CREATED, v).header("OData-EntityId", entity_id.clone()).header("Location", entity_id)
        }
        None => Resp::empty(StatusCode::NO_CONTENT).header("OData-EntityId", entity_id),
    }
}

#[allow(clippy::too_many_arguments)]
pub(super) fn upsert(
    sh: &Shared,
    w: &mut World,
    req: &Req,
    set: &'static str,
    entity: &str,
    pk: &str,
    id: Uuid,
    now: i64,
    journal: &mut Journal,
) -> Resp {
    let exists = table(w, set).rows.contains_key(&id);
    if !exists {
        if req.header("if-match") == Some("*") {
            return does_not_exist(entity, &id.to_string());
        }
        return create(sh, w, req, set, entity, pk, Some(id), now, journal);
    }
    if req.header("if-none-match") == Some("*") {
        return error(
            StatusCode::PRECONDITION_FAILED,
            "0x80040237",
            "A record with matching key values already exists.",
        );
    }
    let body = match req.json() {
        Ok(Value::Object(m)) => m,
        _ => return bad_request("Invalid JSON. A token was not recognized in the JSON content."),
    };
    let schema = table(w, set).schema.clone();
    let Some(mut row) = table(w, set).rows.get(&id).cloned() else { return does_not_exist(entity, &id.to_string()) };
    if let Some(m) = req.header("if-match").filter(|m| *m != "*")
        && m != etag(&schema, &row)
    {
        return error(
            StatusCode::PRECONDITION_FAILED,
            "0x80060882",
            "The version of the existing record doesn't match the RowVersion property provided.",
        );
    }
    if let Err(r) = apply(w, &schema, entity, pk, &mut row, &body, false) {
        return r;
    }
    touch(&schema, &mut row, now);
    let entity_id = format!("{}{API}/{set}({id})", sh.endpoints.dynamics.org_url);
    let representation = prefer(req, "return").as_deref() == Some("representation");
    let out = representation.then(|| entity_json(&schema, &row, &(0..schema.fields.len()).collect::<Vec<_>>()));
    put_row(w, set, id, Some(row), journal);
    match out {
        Some(v) => Resp::json(StatusCode::OK, v).header("OData-EntityId", entity_id),
        None => Resp::empty(StatusCode::NO_CONTENT).header("OData-EntityId", entity_id),
    }
}
