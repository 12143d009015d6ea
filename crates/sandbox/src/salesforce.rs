//! Salesforce emulator: OAuth (`/services/oauth2/...`) and REST (`/services/data/vXX.X/...`) on
//! one host, which is both the login URL and the `instance_url`.

use crate::clock::sf_datetime;
use crate::data::{Kind, Row, Schema, Table, Val, json_val, val_json};
use crate::http::{ReadError, Req, json_response, malformed, set_header, text_response};
use crate::soql::{self, SoqlError};
use crate::state::{FaultKind, Shared, lock};
use crate::world::{World, touch};
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::response::Response;
use serde_json::{Map, Value, json};
use std::sync::Arc;

const LATEST: u32 = 67;

/// A server-side query cursor (`nextRecordsUrl`).
#[derive(Debug, Clone)]
pub(crate) struct Cursor {
    pub object: String,
    pub fields: Vec<usize>,
    pub keys: Vec<String>,
}

fn err(status: StatusCode, code: &str, message: &str) -> Response {
    json_response(status, &json!([{"message": message, "errorCode": code}]))
}

fn err_fields(status: StatusCode, code: &str, message: &str, fields: &[String]) -> Response {
    json_response(status, &json!([{"message": message, "errorCode": code, "fields": fields}]))
}

fn not_found() -> Response {
    err(StatusCode::NOT_FOUND, "NOT_FOUND", "The requested resource does not exist")
}

fn release_label(v: u32) -> String {
    let season = ["Winter", "Spring", "Summer"][((v as i64 - 65).rem_euclid(3)) as usize];
    let year = 26 + (v as i64 - 65).div_euclid(3);
    format!("{season} '{year:02}")
}

fn parse_version(seg: &str) -> Option<u32> {
    let v = seg.strip_prefix('v')?;
    let (major, minor) = v.split_once('.')?;
    if minor != "0" {
        return None;
    }
    major.parse().ok().filter(|m| (20..=LATEST + 1).contains(m))
}

pub(crate) async fn entry(State(sh): State<Arc<Shared>>, request: Request) -> Response {
    let req = match Req::read(request, 50 * 1024 * 1024).await {
        Ok(r) => r,
        Err(ReadError::TooLarge) => {
            return err(StatusCode::PAYLOAD_TOO_LARGE, "REQUEST_ENTITY_TOO_LARGE", "Request entity too large");
        }
        Err(ReadError::Broken) => {
            return err(StatusCode::BAD_REQUEST, "JSON_PARSER_ERROR", "The request body could not be read");
        }
    };
    sh.count_call("salesforce", req.endpoint_label());
    let segs: Vec<String> = req.segments().iter().map(|s| s.to_string()).collect();
    let segs: Vec<&str> = segs.iter().map(String::as_str).collect();
    match segs.as_slice() {
        ["services", "oauth2", tail] => crate::oauth::salesforce_oauth(&sh, &req, tail),
        ["services", "data"] if req.method == Method::GET => {
            let versions: Vec<Value> = (31..=LATEST)
                .map(|v| json!({"label": release_label(v), "url": format!("/services/data/v{v}.0"), "version": format!("{v}.0")}))
                .collect();
            json_response(StatusCode::OK, &Value::Array(versions))
        }
        ["id", _org, _user] => identity(&sh, &req),
        ["services", "data", ver, rest @ ..] => {
            let Some(v) = parse_version(ver) else { return not_found() };
            api(&sh, &req, v, rest).await
        }
        _ => not_found(),
    }
}

fn identity(sh: &Shared, req: &Req) -> Response {
    let now = sh.now_ms();
    if req.bearer().is_none_or(|t| lock(&sh.auth).check("salesforce", t, now).is_err()) {
        return text_response(StatusCode::FORBIDDEN, "text/plain", "Bad_OAuth_Token");
    }
    let w = lock(&sh.world);
    let s = w.sf_users.schema.clone();
    let u = w.sf_users.rows.get(&w.sf_user_id);
    let base = &sh.endpoints.salesforce.login_url;
    json_response(
        StatusCode::OK,
        &json!({
            "id": format!("{base}/id/{}/{}", w.org_id, w.sf_user_id), "asserted_user": true, "user_id": w.sf_user_id,
            "organization_id": w.org_id, "username": u.map(|u| u.str(&s, "Username")), "display_name": u.map(|u| u.str(&s, "Name")),
            "email": u.map(|u| u.str(&s, "Email")), "active": true, "user_type": "STANDARD", "language": "en_US", "locale": "en_US",
            "utcOffset": 0, "urls": {"rest": format!("{base}/services/data/v{{version}}/"), "query": format!("{base}/services/data/v{{version}}/query/"),
                "sobjects": format!("{base}/services/data/v{{version}}/sobjects/")},
        }),
    )
}

async fn api(sh: &Shared, req: &Req, ver: u32, rest: &[&str]) -> Response {
    let now = sh.now_ms();
    let Some(token) = req.bearer() else {
        return err(StatusCode::UNAUTHORIZED, "INVALID_SESSION_ID", "Session expired or invalid");
    };
    if lock(&sh.auth).check("salesforce", token, now).is_err() {
        return err(StatusCode::UNAUTHORIZED, "INVALID_SESSION_ID", "Session expired or invalid");
    }
    let settings = sh.settings();
    if let Some(f) = sh.fault("salesforce") {
        return match f {
            FaultKind::ServerError => {
                err(StatusCode::SERVICE_UNAVAILABLE, "SERVER_UNAVAILABLE", "Server is busy, please try again later.")
            }
            FaultKind::Timeout => {
                tokio::time::sleep(std::time::Duration::from_millis(settings.fault_timeout_ms)).await;
                err(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "UNKNOWN_EXCEPTION",
                    "An unexpected error occurred. Please include this ErrorId if you contact support: 1234567890-12345 (-1234567890)",
                )
            }
            FaultKind::RateLimit => {
                // Injected: counted under `faults`; `violations` counts only the client's own overuse.
                err(StatusCode::FORBIDDEN, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")
            }
            FaultKind::ExpiredToken => {
                err(StatusCode::UNAUTHORIZED, "INVALID_SESSION_ID", "Session expired or invalid")
            }
            FaultKind::Malformed => malformed(
                "application/json;charset=UTF-8",
                "{\"totalSize\":1,\"done\":true,\"records\":[{\"attributes\":",
            ),
        };
    }
    let used = {
        let mut limits = lock(&sh.limits);
        if settings.limits_enabled
            && limits.salesforce_daily.admit(now, 86_400_000, settings.salesforce_daily_limit as usize).is_err()
        {
            drop(limits);
            sh.violation("salesforce", "REQUEST_LIMIT_EXCEEDED");
            let mut r = err(StatusCode::FORBIDDEN, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.");
            set_header(
                &mut r,
                "Sforce-Limit-Info",
                &format!("api-usage={}/{}", settings.salesforce_daily_limit, settings.salesforce_daily_limit),
            );
            return r;
        }
        if !settings.limits_enabled {
            let _ = limits.salesforce_daily.admit(now, 86_400_000, usize::MAX);
        }
        limits.salesforce_daily.count(now, 86_400_000)
    };
    if settings.latency_ms > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(settings.latency_ms)).await;
    }
    let mut r = route(sh, req, ver, rest, now, used as u64, &settings);
    set_header(&mut r, "Sforce-Limit-Info", &format!("api-usage={used}/{}", settings.salesforce_daily_limit));
    r
}

fn route(
    sh: &Shared,
    req: &Req,
    ver: u32,
    rest: &[&str],
    now: i64,
    used: u64,
    settings: &crate::state::Settings,
) -> Response {
    let m = &req.method;
    let base = format!("/services/data/v{ver}.0");
    match rest {
        [] if m == Method::GET => json_response(
            StatusCode::OK,
            &json!({"sobjects": format!("{base}/sobjects"), "query": format!("{base}/query"), "queryAll": format!("{base}/queryAll"),
                "limits": format!("{base}/limits"), "composite": format!("{base}/composite"), "jobs": format!("{base}/jobs")}),
        ),
        ["limits"] if m == Method::GET => json_response(
            StatusCode::OK,
            &json!({
                "DailyApiRequests": {"Max": settings.salesforce_daily_limit, "Remaining": settings.salesforce_daily_limit.saturating_sub(used)},
                "DailyBulkApiBatches": {"Max": 15000, "Remaining": 15000},
                "DailyBulkV2QueryJobs": {"Max": 10000, "Remaining": 10000},
                "DailyBulkV2QueryFileStorageMB": {"Max": 976562, "Remaining": 976562},
                "DataStorageMB": {"Max": 5120, "Remaining": 5000},
                "FileStorageMB": {"Max": 20480, "Remaining": 20400},
                "SingleEmail": {"Max": 5000, "Remaining": 5000},
            }),
        ),
        ["query"] | ["queryAll"] if m == Method::GET => {
            let all = rest[0] == "queryAll";
            match req.q("q") {
                Some(q) if !q.trim().is_empty() => run_query(sh, req, &base, q, all, now, settings),
                _ => err(StatusCode::BAD_REQUEST, "MALFORMED_QUERY", "A query string has to be specified"),
            }
        }
        ["query", locator] | ["queryAll", locator] if m == Method::GET => next_page(sh, &base, locator, rest[0]),
        ["tooling", "query"] if m == Method::GET => crate::tooling::query(req, &base, settings),
        ["sobjects"] if m == Method::GET => describe_global(sh, &base),
        ["sobjects", obj] if m == Method::GET => with_object(sh, obj, |_, name, schema, _| {
            json_response(
                StatusCode::OK,
                &json!({"objectDescribe": object_summary(name, schema, &base), "recentItems": []}),
            )
        }),
        ["sobjects", obj] if m == Method::POST => create(sh, req, obj, now),
        ["sobjects", obj, "describe"] if m == Method::GET => {
            with_object(sh, obj, |_, name, schema, _| json_response(StatusCode::OK, &describe(name, schema, &base)))
        }
        ["sobjects", obj, id] => match *m {
            Method::GET => get_record(sh, req, &base, obj, id),
            Method::PATCH => update_record(sh, req, obj, id, now),
            Method::DELETE => delete_record(sh, obj, id, now),
            _ => err(
                StatusCode::METHOD_NOT_ALLOWED,
                "METHOD_NOT_ALLOWED",
                &format!("HTTP Method '{m}' not allowed. Allowed are GET,PATCH,DELETE,HEAD"),
            ),
        },
        ["jobs", "query"] if m == Method::POST => bulk_create(sh, req, ver, now),
        ["jobs", "query"] if m == Method::GET => bulk_list(sh, ver, now, settings),
        ["jobs", "query", id] => bulk_job(sh, req, ver, id, now, settings),
        ["jobs", "query", id, "results"] if m == Method::GET => bulk_results(sh, req, id, now, settings),
        ["composite", "sobjects"] if m == Method::POST || m == Method::PATCH => {
            collection_save(sh, req, now, m == Method::POST)
        }
        ["composite", "sobjects"] if m == Method::DELETE => collection_delete(sh, req, now),
        ["composite", "sobjects", obj] if m == Method::GET => collection_get(sh, req, &base, obj),
        _ => not_found(),
    }
}

const OBJECTS: [(&str, &str, &str); 4] =
    [("Contact", "003", "Contacts"), ("Lead", "00Q", "Leads"), ("Task", "00T", "Tasks"), ("User", "005", "Users")];

fn canonical(name: &str) -> Option<(&'static str, &'static str, &'static str)> {
    OBJECTS.iter().copied().find(|(n, _, _)| n.eq_ignore_ascii_case(name))
}

fn table<'a>(w: &'a mut World, name: &str) -> &'a mut Table<String> {
    match name {
        "Contact" => &mut w.sf_contacts,
        "Lead" => &mut w.sf_leads,
        "Task" => &mut w.sf_tasks,
        _ => &mut w.sf_users,
    }
}

fn with_object(sh: &Shared, obj: &str, f: impl FnOnce(&mut World, &str, &Schema, &str) -> Response) -> Response {
    let Some((name, prefix, _)) = canonical(obj) else {
        return err(StatusCode::NOT_FOUND, "NOT_FOUND", "The requested resource does not exist");
    };
    let mut w = lock(&sh.world);
    let schema = table(&mut w, name).schema.clone();
    f(&mut w, name, &schema, prefix)
}

fn sf_type(k: Kind) -> (&'static str, &'static str) {
    match k {
        Kind::Id => ("id", "tns:ID"),
        Kind::Str => ("string", "xsd:string"),
        Kind::Email => ("email", "xsd:string"),
        Kind::Phone => ("phone", "xsd:string"),
        Kind::Text => ("textarea", "xsd:string"),
        Kind::Bool => ("boolean", "xsd:boolean"),
        Kind::Int => ("int", "xsd:int"),
        Kind::DateTime => ("datetime", "xsd:dateTime"),
        Kind::Date => ("date", "xsd:date"),
        Kind::Ref => ("reference", "tns:ID"),
        Kind::Picklist => ("picklist", "xsd:string"),
    }
}

fn object_summary(name: &str, _schema: &Schema, base: &str) -> Value {
    let (_, prefix, plural) = canonical(name).unwrap_or(("", "", ""));
    json!({
        "name": name, "label": name, "labelPlural": plural, "keyPrefix": prefix, "custom": false, "createable": true,
        "updateable": true, "deletable": name != "User", "queryable": true, "retrieveable": true, "searchable": true,
        "urls": {"sobject": format!("{base}/sobjects/{name}"), "describe": format!("{base}/sobjects/{name}/describe"),
            "rowTemplate": format!("{base}/sobjects/{name}/{{ID}}")},
    })
}

fn describe(name: &str, schema: &Schema, base: &str) -> Value {
    let fields: Vec<Value> = schema
        .fields
        .iter()
        .map(|f| {
            let (t, soap) = sf_type(f.kind);
            let refs: Vec<&str> = match f.name.as_str() {
                "OwnerId" => vec!["User"],
                "WhoId" => vec!["Contact", "Lead"],
                "WhatId" => vec!["Account", "Opportunity", "Campaign", "Case"],
                _ => vec![],
            };
            let system = matches!(f.name.as_str(), "Id" | "IsDeleted" | "CreatedDate" | "LastModifiedDate" | "SystemModstamp" | "Name");
            json!({
                "name": f.name, "label": f.label, "type": t, "soapType": soap, "length": if matches!(f.kind, Kind::Bool | Kind::DateTime | Kind::Date | Kind::Int) { 0 } else { f.len },
                "byteLength": if matches!(f.kind, Kind::Bool | Kind::DateTime | Kind::Date | Kind::Int) { 0 } else { f.len * 3 },
                "createable": f.updateable, "updateable": f.updateable, "nillable": !f.required && f.kind != Kind::Bool && !system,
                "custom": false, "defaultedOnCreate": system || f.kind == Kind::Bool || f.name == "OwnerId" || f.name == "Status",
                "externalId": false, "unique": false, "idLookup": f.name == "Id" || f.kind == Kind::Email, "calculated": false,
                "filterable": true, "sortable": f.kind != Kind::Text, "groupable": f.kind != Kind::Text,
                "picklistValues": f.picklist.iter().enumerate().map(|(i, v)| json!({"active": true, "defaultValue": i == 0 && f.name == "Status", "label": v, "validFor": null, "value": v})).collect::<Vec<_>>(),
                "restrictedPicklist": false, "dependentPicklist": false, "referenceTo": refs,
                "relationshipName": match f.name.as_str() { "OwnerId" => json!("Owner"), "WhoId" => json!("Who"), "WhatId" => json!("What"), _ => Value::Null },
                "precision": 0, "scale": 0, "digits": 0, "htmlFormatted": false, "nameField": f.name == "Name", "autoNumber": false,
            })
        })
        .collect();
    let mut v = object_summary(name, schema, base);
    v["fields"] = Value::Array(fields);
    v["childRelationships"] = json!([]);
    v["recordTypeInfos"] = json!([]);
    v
}

fn describe_global(sh: &Shared, base: &str) -> Response {
    let w = lock(&sh.world);
    let list: Vec<Value> = OBJECTS.iter().map(|(n, _, _)| object_summary(n, &w.sf_contacts.schema, base)).collect();
    json_response(StatusCode::OK, &json!({"encoding": "UTF-8", "maxBatchSize": 200, "sobjects": list}))
}

fn record_json(base: &str, name: &str, schema: &Schema, key: &str, row: &Row, fields: &[usize]) -> Value {
    let mut m = Map::new();
    m.insert("attributes".into(), json!({"type": name, "url": format!("{base}/sobjects/{name}/{key}")}));
    for &i in fields {
        let def = &schema.fields[i];
        m.insert(def.name.clone(), val_json(def, &row.0[i], sf_datetime));
    }
    Value::Object(m)
}

fn soql_error(e: SoqlError) -> Response {
    match e {
        SoqlError::Malformed(m) => err(StatusCode::BAD_REQUEST, "MALFORMED_QUERY", &m),
        SoqlError::InvalidField(m) => err(StatusCode::BAD_REQUEST, "INVALID_FIELD", &m),
        SoqlError::InvalidType(m) => err(StatusCode::BAD_REQUEST, "INVALID_TYPE", &m),
    }
}

fn batch_size(req: &Req, settings: &crate::state::Settings) -> usize {
    req.header("sforce-query-options")
        .and_then(|h| {
            h.split(',').find_map(|p| p.trim().strip_prefix("batchSize=").and_then(|n| n.trim().parse::<usize>().ok()))
        })
        .map(|n| n.clamp(200, 2000))
        .unwrap_or(settings.salesforce_query_batch)
}

fn run_query(
    sh: &Shared,
    req: &Req,
    base: &str,
    q: &str,
    all: bool,
    now: i64,
    settings: &crate::state::Settings,
) -> Response {
    let mut w = lock(&sh.world);
    let schemas =
        [w.sf_contacts.schema.clone(), w.sf_leads.schema.clone(), w.sf_tasks.schema.clone(), w.sf_users.schema.clone()];
    let parsed =
        soql::parse(q, |o| canonical(o).and_then(|(n, _, _)| schemas.iter().find(|s| s.name == n).map(|s| s.as_ref())));
    let query = match parsed {
        Ok(q) => q,
        Err(e) => return soql_error(e),
    };
    let t = table(&mut w, &query.object);
    let schema = t.schema.clone();
    let bound = match query.filter.as_ref().map(|f| soql::bind(f, &schema, now)).transpose() {
        Ok(b) => b,
        Err(e) => return soql_error(e),
    };
    let deleted = schema.idx("IsDeleted");
    let mut rows: Vec<(&String, &Row)> = t
        .rows
        .iter()
        .filter(|(_, r)| all || deleted.is_none_or(|i| !r.0[i].as_bool()))
        .filter(|(_, r)| bound.as_ref().is_none_or(|b| soql::eval(b, r)))
        .collect();
    soql::order_rows(&mut rows, &query.order);
    let rows: Vec<(&String, &Row)> =
        rows.into_iter().skip(query.offset).take(query.limit.unwrap_or(usize::MAX)).collect();
    if query.count_only {
        return json_response(StatusCode::OK, &json!({"totalSize": rows.len(), "done": true, "records": []}));
    }
    let size = batch_size(req, settings);
    let total = rows.len();
    let records: Vec<Value> =
        rows.iter().take(size).map(|(k, r)| record_json(base, &query.object, &schema, k, r, &query.fields)).collect();
    let mut body = json!({"totalSize": total, "done": total <= size, "records": records});
    if total > size {
        let keys: Vec<String> = rows.iter().map(|(k, _)| (*k).clone()).collect();
        drop(w);
        let mut jobs = lock(&sh.jobs);
        jobs.next_id += 1;
        let id = crate::world::sf_id("01g", jobs.next_id as u64);
        jobs.sf_cursors
            .insert(id.clone(), (Cursor { object: query.object.clone(), fields: query.fields.clone(), keys }, size));
        body["nextRecordsUrl"] = json!(format!("{base}/{}/{id}-{size}", if all { "queryAll" } else { "query" }));
    }
    json_response(StatusCode::OK, &body)
}

fn next_page(sh: &Shared, base: &str, locator: &str, kind: &str) -> Response {
    let Some((id, offset)) = locator.rsplit_once('-').and_then(|(id, o)| o.parse::<usize>().ok().map(|o| (id, o)))
    else {
        return err(StatusCode::BAD_REQUEST, "INVALID_QUERY_LOCATOR", "invalid query locator");
    };
    let Some((cursor, size)) = lock(&sh.jobs).sf_cursors.get(id).cloned() else {
        return err(StatusCode::BAD_REQUEST, "INVALID_QUERY_LOCATOR", "invalid query locator");
    };
    if offset > cursor.keys.len() {
        return err(StatusCode::BAD_REQUEST, "INVALID_QUERY_LOCATOR", "invalid query locator");
    }
    let mut w = lock(&sh.world);
    let t = table(&mut w, &cursor.object);
    let schema = t.schema.clone();
    let records: Vec<Value> = cursor.keys[offset..]
        .iter()
        .take(size)
        .filter_map(|k| t.rows.get(k).map(|r| record_json(base, &cursor.object, &schema, k, r, &cursor.fields)))
        .collect();
    let end = offset + size;
    let mut body = json!({"totalSize": cursor.keys.len(), "done": end >= cursor.keys.len(), "records": records});
    if end < cursor.keys.len() {
        body["nextRecordsUrl"] = json!(format!("{base}/{kind}/{id}-{end}"));
    }
    json_response(StatusCode::OK, &body)
}

/// A validated collection record: object, key prefix, id (updates), values.
type Plan = (&'static str, &'static str, Option<String>, Vec<(usize, Val)>);

/// One record-level failure: `(statusCode, message, fields)`.
type SaveError = (String, String, Vec<String>);

/// Validates incoming fields against the schema the way the REST API does.
fn prepare(
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

fn insert(w: &mut World, name: &str, prefix: &str, values: Vec<(usize, Val)>, now: i64) -> String {
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

fn body_object(req: &Req) -> Result<Map<String, Value>, Response> {
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

fn create(sh: &Shared, req: &Req, obj: &str, now: i64) -> Response {
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

fn get_record(sh: &Shared, req: &Req, base: &str, obj: &str, id: &str) -> Response {
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

fn update_record(sh: &Shared, req: &Req, obj: &str, id: &str, now: i64) -> Response {
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

fn delete_record(sh: &Shared, obj: &str, id: &str, now: i64) -> Response {
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

fn save_error(e: &SaveError) -> Value {
    json!({"id": null, "success": false, "errors": [{"statusCode": e.0, "message": e.1, "fields": e.2}]})
}

fn collection_save(sh: &Shared, req: &Req, now: i64, creating: bool) -> Response {
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

fn collection_delete(sh: &Shared, req: &Req, now: i64) -> Response {
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

fn collection_get(sh: &Shared, req: &Req, base: &str, obj: &str) -> Response {
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

fn bulk_create(sh: &Shared, req: &Req, ver: u32, now: i64) -> Response {
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

fn bulk_list(sh: &Shared, ver: u32, now: i64, settings: &crate::state::Settings) -> Response {
    let jobs: Vec<BulkQuery> = lock(&sh.jobs).sf_bulk.values().cloned().collect();
    let records: Vec<Value> = jobs.iter().map(|j| bulk_info(sh, j, ver, bulk_state(j, now, settings))).collect();
    json_response(StatusCode::OK, &json!({"done": true, "records": records, "nextRecordsUrl": null}))
}

fn bulk_job(sh: &Shared, req: &Req, ver: u32, id: &str, now: i64, settings: &crate::state::Settings) -> Response {
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

fn bulk_results(sh: &Shared, req: &Req, id: &str, now: i64, settings: &crate::state::Settings) -> Response {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn release_labels_follow_the_calendar() {
        assert_eq!(release_label(67), "Summer '26");
        assert_eq!(release_label(65), "Winter '26");
        assert_eq!(release_label(64), "Summer '25");
        assert_eq!(release_label(68), "Winter '27");
        assert_eq!(parse_version("v67.0"), Some(67));
        assert_eq!(parse_version("v67"), None);
    }
}
