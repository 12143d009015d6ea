//! sObject Collections (`composite/sobjects`): create, update, delete and retrieve many records per call.

use super::query::record_json;
use super::records::{Plan, SaveError, body_object, insert, prepare, save_error};
use super::{canonical, err, table, with_object};
use crate::data::Val;
use crate::http::{Req, json_response};
use crate::state::{Shared, lock};
use crate::world::touch;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

pub(super) fn collection_save(sh: &Shared, req: &Req, now: i64, creating: bool) -> Response {
    let body = match body_object(req) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let all_or_none = body.get("allOrNone").and_then(Value::as_bool).unwrap_or(false);
    let Some(records) = body.get("records").and_then(Value::as_array) else {
        return err(StatusCode::BAD_REQUEST, "INVALID_FIELD", "No such column 'records'; records is required");
    };
    if records.len() > 200 {
        return err(
            StatusCode::BAD_REQUEST,
            "EXCEEDED_ID_LIMIT",
            "record limit reached. cannot submit more than 200 records into this call",
        );
    }
    let mut w = lock(&sh.world);
    // Validate everything first so allOrNone can roll back without writing.
    let mut plans: Vec<Result<Plan, SaveError>> = Vec::new();
    for rec in records {
        let plan = (|| {
            let obj = rec
                .as_object()
                .ok_or_else(|| ("INVALID_TYPE".to_string(), "Must send a concrete entity type.".to_string(), vec![]))?;
            let ty = obj.get("attributes").and_then(|a| a.get("type")).and_then(Value::as_str);
            let (name, prefix, _) = ty
                .and_then(canonical)
                .ok_or_else(|| ("INVALID_TYPE".to_string(), "Must send a concrete entity type.".to_string(), vec![]))?;
            let schema = table(&mut w, name).schema.clone();
            let id = obj.get("id").or_else(|| obj.get("Id")).and_then(Value::as_str).map(String::from);
            if creating && id.is_some() {
                return Err((
                    "INVALID_FIELD".to_string(),
                    "cannot specify Id in an insert call".to_string(),
                    vec!["Id".to_string()],
                ));
            }
            if !creating {
                let Some(id) = &id else {
                    return Err((
                        "MISSING_ARGUMENT".to_string(),
                        "Id not specified in an update call".to_string(),
                        vec![],
                    ));
                };
                if table(&mut w, name).rows.get(id).is_none_or(|r| r.get(&schema, "IsDeleted").as_bool()) {
                    return Err(("ENTITY_IS_DELETED".to_string(), "entity is deleted".to_string(), vec![]));
                }
            }
            let values = prepare(&w, &schema, obj, creating)?;
            Ok((name, prefix, id, values))
        })();
        plans.push(plan);
    }
    let any_failed = plans.iter().any(|p| p.is_err());
    let mut results = Vec::new();
    for plan in plans {
        match plan {
            Err(e) => results.push(save_error(&e)),
            Ok(_) if all_or_none && any_failed => results.push(json!({"id": null, "success": false, "errors": [{
                "statusCode": "ALL_OR_NONE_OPERATION_ROLLED_BACK",
                "message": "Record rolled back because not all records were valid and the request was using AllOrNone header", "fields": []}]})),
            Ok((name, prefix, id, values)) => {
                if creating {
                    let id = insert(&mut w, name, prefix, values, now);
                    results.push(json!({"id": id, "success": true, "errors": []}));
                } else {
                    let id = id.unwrap_or_default();
                    let t = table(&mut w, name);
                    let schema = t.schema.clone();
                    if let Some(row) = t.rows.get_mut(&id) {
                        for (i, v) in values {
                            row.0[i] = v;
                        }
                        touch(&schema, row, now);
                    }
                    results.push(json!({"id": id, "success": true, "errors": []}));
                }
            }
        }
    }
    json_response(StatusCode::OK, &Value::Array(results))
}

pub(super) fn collection_delete(sh: &Shared, req: &Req, now: i64) -> Response {
    let ids: Vec<String> =
        req.q("ids").unwrap_or("").split(',').map(str::trim).filter(|s| !s.is_empty()).map(String::from).collect();
    if ids.is_empty() {
        return err(StatusCode::BAD_REQUEST, "MISSING_ARGUMENT", "ids not specified");
    }
    if ids.len() > 200 {
        return err(
            StatusCode::BAD_REQUEST,
            "EXCEEDED_ID_LIMIT",
            "record limit reached. cannot submit more than 200 records into this call",
        );
    }
    let all_or_none = req.q("allOrNone") == Some("true");
    let mut w = lock(&sh.world);
    let found: Vec<Option<&'static str>> = ids
        .iter()
        .map(|id| {
            ["Contact", "Lead", "Task"].into_iter().find(|n| {
                let t = table(&mut w, n);
                let s = t.schema.clone();
                t.rows.get(id).is_some_and(|r| !r.get(&s, "IsDeleted").as_bool())
            })
        })
        .collect();
    let any_missing = found.iter().any(Option::is_none);
    let mut results = Vec::new();
    for (id, obj) in ids.iter().zip(found) {
        match obj {
            None => results.push(json!({"id": id, "success": false, "errors": [{"statusCode": "ENTITY_IS_DELETED", "message": "entity is deleted", "fields": []}]})),
            Some(_) if all_or_none && any_missing => results.push(json!({"id": id, "success": false, "errors": [{
                "statusCode": "ALL_OR_NONE_OPERATION_ROLLED_BACK",
                "message": "Record rolled back because not all records were valid and the request was using AllOrNone header", "fields": []}]})),
            Some(n) => {
                let t = table(&mut w, n);
                let s = t.schema.clone();
                if let Some(row) = t.rows.get_mut(id) {
                    row.set(&s, "IsDeleted", Val::Bool(true));
                    touch(&s, row, now);
                }
                results.push(json!({"id": id, "success": true, "errors": []}));
            }
        }
    }
    json_response(StatusCode::OK, &Value::Array(results))
}

pub(super) fn collection_get(sh: &Shared, req: &Req, base: &str, obj: &str) -> Response {
    let ids: Vec<String> =
        req.q("ids").unwrap_or("").split(',').map(str::trim).filter(|s| !s.is_empty()).map(String::from).collect();
    if ids.len() > 2000 {
        return err(
            StatusCode::BAD_REQUEST,
            "EXCEEDED_ID_LIMIT",
            "record limit reached. cannot submit more than 2000 records into this call",
        );
    }
    with_object(sh, obj, |w, name, schema, _| {
        let fields: Result<Vec<usize>, String> = match req.q("fields") {
            Some(f) => f.split(',').map(|n| schema.idx_ci(n.trim()).ok_or_else(|| n.trim().to_string())).collect(),
            None => return err(StatusCode::BAD_REQUEST, "MISSING_ARGUMENT", "fields not specified"),
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
        let out: Vec<Value> = ids
            .iter()
            .map(|id| t.rows.get(id).map(|r| record_json(base, name, schema, id, r, &fields)).unwrap_or(Value::Null))
            .collect();
        json_response(StatusCode::OK, &Value::Array(out))
    })
}
