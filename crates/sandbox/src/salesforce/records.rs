//! Single records: field validation, create, get, update and delete.

use super::query::record_json;
use super::{err, err_fields, not_found, table, with_object};
use crate::data::{Kind, Schema, Val, json_val};
use crate::http::{Req, json_response, text_response};
use crate::state::Shared;
use crate::world::{World, touch};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Map, Value, json};

/// A validated collection record: object, key prefix, id (updates), values.
pub(super) type Plan = (&'static str, &'static str, Option<String>, Vec<(usize, Val)>);

/// One record-level failure: `(statusCode, message, fields)`.
pub(super) type SaveError = (String, String, Vec<String>);

/// Validates incoming fields against the schema the way the REST API does.
pub(super) fn prepare(
    w: &World,
    schema: &Schema,
    obj: &Map<String, Value>,
    creating: bool,
) -> Result<Vec<(usize, Val)>, SaveError> {
    let mut out = Vec::new();
    let mut readonly = Vec::new();
    for (k, v) in obj {
        if k == "attributes" || (!creating && k.eq_ignore_ascii_case("id")) {
            continue;
        }
        let Some(i) = schema.idx_ci(k) else {
            return Err((
                "INVALID_FIELD".into(),
                format!("No such column '{k}' on sobject of type {}", schema.name),
                vec![],
            ));
        };
        let def = &schema.fields[i];
        if !def.updateable {
            readonly.push(def.name.clone());
            continue;
        }
        let val = json_val(def, v).map_err(|t| {
            (
                "JSON_PARSER_ERROR".to_string(),
                format!("Cannot deserialize instance of {t} from {v} value or request may be missing a required field"),
                vec![def.name.clone()],
            )
        })?;
        if def.kind == Kind::Email && val.as_str().is_some_and(|s| !s.is_empty() && !valid_email(s)) {
            return Err((
                "INVALID_EMAIL_ADDRESS".into(),
                format!("{}: invalid email address: {}", def.label, val.as_str().unwrap_or("")),
                vec![def.name.clone()],
            ));
        }
        if def.kind == Kind::Ref
            && let Some(id) = val.as_str()
            && !reference_exists(w, &def.name, id)
        {
            return Err((
                "FIELD_INTEGRITY_EXCEPTION".into(),
                format!("{}: id value of incorrect type: {id}", def.label),
                vec![def.name.clone()],
            ));
        }
        out.push((i, val));
    }
    if !readonly.is_empty() {
        return Err((
            "INVALID_FIELD_FOR_INSERT_UPDATE".into(),
            format!(
                "Unable to create/update fields: {}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.",
                readonly.join(", ")
            ),
            readonly,
        ));
    }
    if creating {
        let missing: Vec<String> = schema
            .fields
            .iter()
            .enumerate()
            .filter(|(i, f)| f.required && f.name != "Status" && !out.iter().any(|(j, v)| j == i && !v.is_null()))
            .map(|(_, f)| f.name.clone())
            .collect();
        if !missing.is_empty() {
            return Err((
                "REQUIRED_FIELD_MISSING".into(),
                format!("Required fields are missing: [{}]", missing.join(", ")),
                missing,
            ));
        }
    }
    Ok(out)
}

fn valid_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else { return false };
    !local.is_empty() && domain.contains('.') && !domain.starts_with('.') && !s.contains(' ')
}

fn reference_exists(w: &World, field: &str, id: &str) -> bool {
    match field {
        "OwnerId" => w.sf_users.rows.contains_key(id),
        "WhoId" => w.sf_contacts.rows.contains_key(id) || w.sf_leads.rows.contains_key(id),
        _ => id.len() == 15 || id.len() == 18,
    }
}

pub(super) fn insert(w: &mut World, name: &str, prefix: &str, values: Vec<(usize, Val)>, now: i64) -> String {
    let id = w.next_sf_id(prefix);
    let owner = w.sf_user_id.clone();
    let t = table(w, name);
    let schema = t.schema.clone();
    let mut row = schema.blank_row();
    for (i, f) in schema.fields.iter().enumerate() {
        if f.kind == Kind::Bool {
            row.0[i] = Val::Bool(false);
        }
    }
    for (i, v) in values {
        row.0[i] = v;
    }
    row.set(&schema, "Id", Val::s(&id));
    if row.get(&schema, "OwnerId").is_null() {
        row.set(&schema, "OwnerId", Val::s(owner));
    }
    if schema.idx("Status").is_some() && row.get(&schema, "Status").is_null() {
        let default = schema.fields[schema.idx("Status").unwrap_or(0)].picklist.first().copied().unwrap_or("Open");
        row.set(&schema, "Status", Val::s(default));
    }
    row.set(&schema, "CreatedDate", Val::Int(now));
    touch(&schema, &mut row, now);
    t.rows.insert(id.clone(), row);
    id
}

pub(super) fn body_object(req: &Req) -> Result<Map<String, Value>, Response> {
    match req.json() {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(err(
            StatusCode::BAD_REQUEST,
            "JSON_PARSER_ERROR",
            "Cannot deserialize instance of sObject from START_ARRAY value",
        )),
        Err(e) => Err(err(StatusCode::BAD_REQUEST, "JSON_PARSER_ERROR", &format!("Unexpected character: {e}"))),
    }
}

pub(super) fn create(sh: &Shared, req: &Req, obj: &str, now: i64) -> Response {
    let body = match body_object(req) {
        Ok(b) => b,
        Err(r) => return r,
    };
    with_object(sh, obj, |w, name, schema, prefix| match prepare(w, schema, &body, true) {
        Ok(values) => {
            let id = insert(w, name, prefix, values, now);
            json_response(StatusCode::CREATED, &json!({"id": id, "success": true, "errors": []}))
        }
        Err((code, msg, fields)) => err_fields(StatusCode::BAD_REQUEST, &code, &msg, &fields),
    })
}

pub(super) fn get_record(sh: &Shared, req: &Req, base: &str, obj: &str, id: &str) -> Response {
    with_object(sh, obj, |w, name, schema, _| {
        let fields: Result<Vec<usize>, String> = match req.q("fields") {
            Some(f) => f.split(',').map(|n| schema.idx_ci(n.trim()).ok_or_else(|| n.trim().to_string())).collect(),
            None => Ok((0..schema.fields.len()).collect()),
        };
        let fields = match fields {
            Ok(f) => f,
            Err(bad) => {
                return err(
                    StatusCode::BAD_REQUEST,
                    "INVALID_FIELD",
                    &format!("No such column '{bad}' on entity '{name}'."),
                );
            }
        };
        let t = table(w, name);
        match t.rows.get(id).filter(|r| !r.get(schema, "IsDeleted").as_bool()) {
            Some(r) => json_response(StatusCode::OK, &record_json(base, name, schema, id, r, &fields)),
            None => not_found(),
        }
    })
}

pub(super) fn update_record(sh: &Shared, req: &Req, obj: &str, id: &str, now: i64) -> Response {
    let body = match body_object(req) {
        Ok(b) => b,
        Err(r) => return r,
    };
    with_object(sh, obj, |w, name, schema, _| {
        let values = match prepare(w, schema, &body, false) {
            Ok(v) => v,
            Err((code, msg, fields)) => return err_fields(StatusCode::BAD_REQUEST, &code, &msg, &fields),
        };
        let t = table(w, name);
        let Some(row) = t.rows.get_mut(id).filter(|r| !r.get(schema, "IsDeleted").as_bool()) else {
            return not_found();
        };
        for (i, v) in values {
            row.0[i] = v;
        }
        touch(schema, row, now);
        text_response(StatusCode::NO_CONTENT, "application/json", "")
    })
}

pub(super) fn delete_record(sh: &Shared, obj: &str, id: &str, now: i64) -> Response {
    with_object(sh, obj, |w, name, schema, _| {
        if name == "User" {
            return err(
                StatusCode::METHOD_NOT_ALLOWED,
                "METHOD_NOT_ALLOWED",
                "HTTP Method 'DELETE' not allowed. Allowed are GET,PATCH,HEAD",
            );
        }
        let t = table(w, name);
        match t.rows.get_mut(id).filter(|r| !r.get(schema, "IsDeleted").as_bool()) {
            Some(row) => {
                row.set(schema, "IsDeleted", Val::Bool(true));
                touch(schema, row, now);
                text_response(StatusCode::NO_CONTENT, "application/json", "")
            }
            None => err(StatusCode::NOT_FOUND, "ENTITY_IS_DELETED", "entity is deleted"),
        }
    })
}

pub(super) fn save_error(e: &SaveError) -> Value {
    json!({"id": null, "success": false, "errors": [{"statusCode": e.0, "message": e.1, "fields": e.2}]})
}
