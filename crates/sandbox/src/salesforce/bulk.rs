//! Bulk API 2.0 query jobs: create, list, poll and CSV results.

use super::query::soql_error;
use super::records::body_object;
use super::{canonical, err, table};
use crate::clock::sf_datetime;
use crate::data::{Kind, Row, Val};
use crate::http::{Req, json_response, set_header, text_response};
use crate::soql::{self};
use crate::state::{Shared, lock};
use axum::http::{Method, StatusCode};
use axum::response::Response;
use serde_json::{Value, json};

// ------------------------------------------------------------------ Bulk API 2.0 query

#[derive(Debug, Clone)]
pub(crate) struct BulkQuery {
    pub id: String,
    pub object: String,
    pub operation: String,
    pub created_ms: i64,
    pub aborted: bool,
    pub fields: Vec<usize>,
    pub keys: Vec<String>,
}

fn bulk_state(j: &BulkQuery, now: i64, settings: &crate::state::Settings) -> &'static str {
    if j.aborted {
        "Aborted"
    } else if now >= j.created_ms + settings.salesforce_bulk_job_secs * 1000 {
        "JobComplete"
    } else {
        "InProgress"
    }
}

fn bulk_info(sh: &Shared, j: &BulkQuery, ver: u32, state: &str) -> Value {
    let user = lock(&sh.world).sf_user_id.clone();
    let mut v = json!({
        "id": j.id, "operation": j.operation, "object": j.object, "createdById": user,
        "createdDate": sf_datetime(j.created_ms), "systemModstamp": sf_datetime(j.created_ms), "state": state,
        "concurrencyMode": "Parallel", "contentType": "CSV", "apiVersion": format!("{ver}.0"), "jobType": "V2Query",
        "lineEnding": "LF", "columnDelimiter": "COMMA",
    });
    if state == "JobComplete" {
        v["numberRecordsProcessed"] = json!(j.keys.len());
        v["retries"] = json!(0);
        v["totalProcessingTime"] = json!(42);
    }
    v
}

pub(super) fn bulk_create(sh: &Shared, req: &Req, ver: u32, now: i64) -> Response {
    let body = match body_object(req) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let operation = body.get("operation").and_then(Value::as_str).unwrap_or("");
    if operation != "query" && operation != "queryAll" {
        return err(
            StatusCode::BAD_REQUEST,
            "INVALIDJOB",
            &format!("InvalidJob : Invalid operation '{operation}'. Valid values are query and queryAll."),
        );
    }
    let Some(q) = body.get("query").and_then(Value::as_str) else {
        return err(StatusCode::BAD_REQUEST, "INVALIDJOB", "InvalidJob : query is required");
    };
    let mut w = lock(&sh.world);
    let schemas =
        [w.sf_contacts.schema.clone(), w.sf_leads.schema.clone(), w.sf_tasks.schema.clone(), w.sf_users.schema.clone()];
    let query = match soql::parse(q, |o| {
        canonical(o).and_then(|(n, _, _)| schemas.iter().find(|s| s.name == n).map(|s| s.as_ref()))
    }) {
        Ok(q) => q,
        Err(e) => return soql_error(e),
    };
    if query.count_only {
        return err(
            StatusCode::BAD_REQUEST,
            "INVALIDJOB",
            "InvalidJob : COUNT() is not supported by Bulk API 2.0 query",
        );
    }
    let t = table(&mut w, &query.object);
    let schema = t.schema.clone();
    let bound = match query.filter.as_ref().map(|f| soql::bind(f, &schema, now)).transpose() {
        Ok(b) => b,
        Err(e) => return soql_error(e),
    };
    let deleted = schema.idx("IsDeleted");
    let all = operation == "queryAll";
    let mut rows: Vec<(&String, &Row)> = t
        .rows
        .iter()
        .filter(|(_, r)| all || deleted.is_none_or(|i| !r.0[i].as_bool()))
        .filter(|(_, r)| bound.as_ref().is_none_or(|b| soql::eval(b, r)))
        .collect();
    soql::order_rows(&mut rows, &query.order);
    let keys: Vec<String> =
        rows.into_iter().skip(query.offset).take(query.limit.unwrap_or(usize::MAX)).map(|(k, _)| k.clone()).collect();
    drop(w);
    let mut jobs = lock(&sh.jobs);
    jobs.next_id += 1;
    let id = crate::world::sf_id("750", jobs.next_id as u64);
    let job = BulkQuery {
        id: id.clone(),
        object: query.object,
        operation: operation.to_string(),
        created_ms: now,
        aborted: false,
        fields: query.fields,
        keys,
    };
    jobs.sf_bulk.insert(id, job.clone());
    drop(jobs);
    json_response(StatusCode::OK, &bulk_info(sh, &job, ver, "UploadComplete"))
}

pub(super) fn bulk_list(sh: &Shared, ver: u32, now: i64, settings: &crate::state::Settings) -> Response {
    let jobs: Vec<BulkQuery> = lock(&sh.jobs).sf_bulk.values().cloned().collect();
    let records: Vec<Value> = jobs.iter().map(|j| bulk_info(sh, j, ver, bulk_state(j, now, settings))).collect();
    json_response(StatusCode::OK, &json!({"done": true, "records": records, "nextRecordsUrl": null}))
}

pub(super) fn bulk_job(
    sh: &Shared,
    req: &Req,
    ver: u32,
    id: &str,
    now: i64,
    settings: &crate::state::Settings,
) -> Response {
    let Some(job) = lock(&sh.jobs).sf_bulk.get(id).cloned() else {
        return err(StatusCode::NOT_FOUND, "NOT_FOUND", "The requested resource does not exist");
    };
    match req.method {
        Method::GET => json_response(StatusCode::OK, &bulk_info(sh, &job, ver, bulk_state(&job, now, settings))),
        Method::PATCH => {
            let state = req.json().ok().and_then(|v| v.get("state").and_then(Value::as_str).map(String::from));
            if state.as_deref() != Some("Aborted") {
                return err(
                    StatusCode::BAD_REQUEST,
                    "INVALIDJOBSTATE",
                    "InvalidJobState : the only valid state for a query job update is Aborted",
                );
            }
            if bulk_state(&job, now, settings) != "InProgress" {
                return err(StatusCode::BAD_REQUEST, "INVALIDJOBSTATE", "InvalidJobState : Job is already complete");
            }
            let mut jobs = lock(&sh.jobs);
            if let Some(j) = jobs.sf_bulk.get_mut(id) {
                j.aborted = true;
            }
            let j = jobs.sf_bulk.get(id).cloned().unwrap_or(job);
            drop(jobs);
            json_response(StatusCode::OK, &bulk_info(sh, &j, ver, "Aborted"))
        }
        Method::DELETE => {
            lock(&sh.jobs).sf_bulk.remove(id);
            text_response(StatusCode::NO_CONTENT, "application/json", "")
        }
        _ => err(
            StatusCode::METHOD_NOT_ALLOWED,
            "METHOD_NOT_ALLOWED",
            "HTTP Method not allowed. Allowed are GET,PATCH,DELETE",
        ),
    }
}

fn csv_cell(def: &crate::data::FieldDef, v: &Val) -> String {
    match v {
        Val::Null => String::new(),
        Val::Int(ms) if def.kind == Kind::DateTime => sf_datetime(*ms),
        Val::Int(i) => i.to_string(),
        Val::Bool(b) => b.to_string(),
        Val::Str(s) => s.to_string(),
    }
}

pub(super) fn bulk_results(sh: &Shared, req: &Req, id: &str, now: i64, settings: &crate::state::Settings) -> Response {
    let Some(job) = lock(&sh.jobs).sf_bulk.get(id).cloned() else {
        return err(StatusCode::NOT_FOUND, "NOT_FOUND", "The requested resource does not exist");
    };
    if bulk_state(&job, now, settings) != "JobComplete" {
        return err(
            StatusCode::BAD_REQUEST,
            "INVALIDJOBSTATE",
            "InvalidJobState : Job is not in a state to return results",
        );
    }
    let start = match req.q("locator") {
        None | Some("") => 0,
        Some(l) => match u64::from_str_radix(l, 36) {
            Ok(n) if (n as usize) <= job.keys.len() => n as usize,
            _ => return err(StatusCode::BAD_REQUEST, "INVALIDLOCATOR", "Invalid locator"),
        },
    };
    let max = req.q("maxRecords").and_then(|m| m.parse::<usize>().ok()).filter(|m| *m > 0).unwrap_or(50_000);
    let mut w = lock(&sh.world);
    let t = table(&mut w, &job.object);
    let schema = t.schema.clone();
    let mut out = csv::WriterBuilder::new().terminator(csv::Terminator::Any(b'\n')).from_writer(Vec::new());
    let _ = out.write_record(job.fields.iter().map(|&i| schema.fields[i].name.as_str()));
    let page: Vec<&String> = job.keys.iter().skip(start).take(max).collect();
    for k in &page {
        if let Some(r) = t.rows.get(*k) {
            let _ = out.write_record(job.fields.iter().map(|&i| csv_cell(&schema.fields[i], &r.0[i])));
        }
    }
    drop(w);
    let end = start + page.len();
    let locator = if end < job.keys.len() { to_base36(end as u64) } else { "null".to_string() };
    let mut r = text_response(StatusCode::OK, "text/csv", out.into_inner().unwrap_or_default());
    set_header(&mut r, "Sforce-Locator", &locator);
    set_header(&mut r, "Sforce-NumberOfRecords", &page.len().to_string());
    r
}

fn to_base36(mut n: u64) -> String {
    const D: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    if n == 0 {
        return "0".into();
    }
    let mut s = Vec::new();
    while n > 0 {
        s.push(D[(n % 36) as usize]);
        n /= 36;
    }
    s.reverse();
    String::from_utf8(s).unwrap_or_default()
}
