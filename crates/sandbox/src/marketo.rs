//! Marketo Engage REST API emulator: `{base_url}/identity`, `/rest/v1`, `/rest/asset/v1`, `/bulk/v1`.
//! Errors are HTTP 200 with `success:false` (only 401 on identity, 413 and 414 are HTTP errors).

use crate::clock::{iso_z, parse_datetime};
use crate::data::{Kind, Row, Schema, Val, json_val, val_json};
use crate::http::{ReadError, Req, json_response, malformed, text_response};
use crate::state::{FaultKind, InFlight, Shared, central_day, lock};
use crate::world::World;
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::response::Response;
use serde_json::{Map, Value, json};
use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

const MAX_BATCH: usize = 300;
const DEFAULT_FIELDS: [&str; 6] = ["id", "email", "updatedAt", "createdAt", "firstName", "lastName"];
const SEARCHABLE: [&str; 12] = [
    "id",
    "email",
    "cookies",
    "facebookId",
    "leadPartitionId",
    "linkedInId",
    "sfdcAccountId",
    "sfdcContactId",
    "sfdcLeadId",
    "sfdcLeadOwnerId",
    "sfdcOpptyId",
    "twitterId",
];

static REQUEST_SEQ: AtomicU64 = AtomicU64::new(0x1e42b);

pub(crate) fn request_id() -> String {
    let n = REQUEST_SEQ.fetch_add(1, Ordering::Relaxed);
    let t = (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as u64;
    format!("{:x}#{:x}", n & 0xfffff, t)
}

pub(crate) fn ok(result: Vec<Value>) -> Value {
    json!({"requestId": request_id(), "success": true, "result": result})
}

pub(crate) fn fail(code: &str, message: &str) -> Value {
    json!({"requestId": request_id(), "success": false, "errors": [{"code": code, "message": message}]})
}

pub(crate) fn reply(v: Value) -> Response {
    json_response(StatusCode::OK, &v)
}

pub(crate) fn skipped(code: &str, message: &str) -> Value {
    json!({"status": "skipped", "reasons": [{"code": code, "message": message}]})
}

/// RFC 4648 base32 with padding: Marketo's paging tokens look like `GIYDAOBN...===`.
pub(crate) fn token_encode(s: &str) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let bytes = s.as_bytes();
    let mut out = String::new();
    for chunk in bytes.chunks(5) {
        let mut buf = [0u8; 5];
        buf[..chunk.len()].copy_from_slice(chunk);
        let n = u64::from_be_bytes([0, 0, 0, buf[0], buf[1], buf[2], buf[3], buf[4]]);
        let chars = (chunk.len() * 8).div_ceil(5);
        for i in 0..8 {
            if i < chars {
                out.push(A[((n >> (35 - i * 5)) & 31) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

pub(crate) fn token_decode(t: &str) -> Option<String> {
    let mut bits = 0u64;
    let mut nbits = 0;
    let mut out = Vec::new();
    for c in t.trim_end_matches('=').bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'2'..=b'7' => c - b'2' + 26,
            _ => return None,
        } as u64;
        bits = (bits << 5) | v;
        nbits += 5;
        if nbits >= 8 {
            nbits -= 8;
            out.push((bits >> nbits) as u8);
            bits &= (1 << nbits) - 1;
        }
    }
    String::from_utf8(out).ok()
}

fn position_token(offset: usize) -> String {
    token_encode(&format!("p:{offset}:liaison"))
}

fn position_of(req: &Req) -> Result<usize, Value> {
    match req.q("nextPageToken").filter(|t| !t.is_empty()) {
        None => Ok(0),
        Some(t) => token_decode(t)
            .and_then(|s| s.strip_prefix("p:").and_then(|r| r.split(':').next().and_then(|n| n.parse().ok())))
            .ok_or_else(|| fail("1003", "Invalid next page token")),
    }
}

fn batch_size(req: &Req) -> Result<usize, Value> {
    match req.q("batchSize") {
        None | Some("") => Ok(MAX_BATCH),
        Some(s) => match s.parse::<usize>() {
            Ok(n) if n >= 1 => Ok(n.min(MAX_BATCH)),
            _ => Err(fail("1003", &format!("Invalid batchSize '{s}'"))),
        },
    }
}

pub(crate) fn mk_type(k: Kind) -> &'static str {
    match k {
        Kind::Int | Kind::Id => "integer",
        Kind::Email => "email",
        Kind::Str | Kind::Picklist => "string",
        Kind::Text => "text",
        Kind::Bool => "boolean",
        Kind::DateTime => "datetime",
        Kind::Date => "date",
        Kind::Phone => "phone",
        Kind::Ref => "reference",
    }
}

/// Fields requested with `fields=a,b`; unknown names are a response-level 1006.
fn field_list(schema: &Schema, req: &Req) -> Result<Vec<usize>, Value> {
    let raw: Vec<&str> = match req.q("fields").filter(|f| !f.trim().is_empty()) {
        Some(f) => f.split(',').map(str::trim).filter(|s| !s.is_empty()).collect(),
        None => DEFAULT_FIELDS.to_vec(),
    };
    raw.iter().map(|f| schema.idx(f).ok_or_else(|| fail("1006", &format!("Field '{f}' not found")))).collect()
}

pub(crate) fn lead_json(schema: &Schema, row: &Row, fields: &[usize]) -> Value {
    let mut m = Map::new();
    for &i in fields {
        let def = &schema.fields[i];
        m.insert(def.name.clone(), val_json(def, &row.0[i], iso_z));
    }
    Value::Object(m)
}

/// Listener entry: HTTP-level limits (414/413), identity, auth, limits, faults, then routing.
pub(crate) async fn entry(State(sh): State<Arc<Shared>>, request: Request) -> Response {
    let uri_len = request.uri().to_string().len();
    if uri_len > 8 * 1024 {
        sh.violation("marketo", "414");
        return text_response(
            StatusCode::URI_TOO_LONG,
            "text/html",
            "<html><head><title>414 Request-URI Too Large</title></head><body><center><h1>414 Request-URI Too Large</h1></center></body></html>",
        );
    }
    let is_import = request.method() == Method::POST
        && crate::http::normalize_path(request.uri().path()).starts_with("/bulk/v1/leads.json");
    let limit = if is_import { 10 * 1024 * 1024 } else { 1024 * 1024 };
    let mut req = match Req::read(request, limit).await {
        Ok(r) => r,
        Err(ReadError::TooLarge) => {
            sh.violation("marketo", "413");
            return text_response(
                StatusCode::PAYLOAD_TOO_LARGE,
                "text/html",
                "<html><head><title>413 Request Entity Too Large</title></head><body><center><h1>413 Request Entity Too Large</h1></center></body></html>",
            );
        }
        Err(ReadError::Broken) => return reply(fail("609", "Invalid JSON")),
    };
    // The 414 workaround: POST with `_method=GET` (or DELETE) and the query string in the body.
    // `_method` may come in the URL (documented) or in a form body (some clients put it there).
    let override_method = req.q("_method").map(str::to_ascii_uppercase).or_else(|| {
        req.content_type()
            .starts_with("application/x-www-form-urlencoded")
            .then(|| crate::http::pget(&req.form(), "_method").map(str::to_ascii_uppercase))
            .flatten()
    });
    if req.method == Method::POST
        && let Some(m) = override_method
    {
        if m == "GET" && req.content_type().starts_with("application/x-www-form-urlencoded") {
            let form = req.form();
            req.query.extend(form);
        }
        req.method = match m.as_str() {
            "GET" => Method::GET,
            "DELETE" => Method::DELETE,
            _ => Method::POST,
        };
    }
    sh.count_call("marketo", req.endpoint_label());
    if req.path == "/identity/oauth/token" {
        return crate::oauth::marketo_identity(&sh, &req);
    }
    if !(req.path.starts_with("/rest/") || req.path.starts_with("/bulk/") || req.path.starts_with("/userservice/")) {
        return reply(fail("610", "Requested resource not found"));
    }
    let settings = sh.settings();
    let now = sh.now_ms();
    let token = req.bearer().map(String::from).or_else(|| {
        settings.marketo_accept_access_token_param.then(|| req.q("access_token").map(String::from)).flatten()
    });
    let Some(token) = token.filter(|t| !t.is_empty()) else {
        let code = settings.marketo_missing_token_code.as_str();
        let msg = if code == "600" { "Access token not specified" } else { "Access token invalid" };
        return reply(fail(code, msg));
    };
    match lock(&sh.auth).check("marketo", &token, now) {
        Ok(_) => {}
        Err(true) => return reply(fail("602", "Access token expired")),
        Err(false) => return reply(fail("601", "Access token invalid")),
    }
    if let Some(f) = sh.fault("marketo") {
        return fault(f, &settings).await;
    }
    let (_guard, inflight) = InFlight::enter(&sh.marketo_inflight);
    if settings.limits_enabled {
        if inflight > settings.marketo_concurrency {
            sh.violation("marketo", "615");
            return reply(fail("615", "Concurrent access limit reached"));
        }
        let mut limits = lock(&sh.limits);
        let window_ms = settings.marketo_rate_window_secs * 1000;
        if limits.marketo_window.count(now, window_ms) >= settings.marketo_rate_limit {
            drop(limits);
            sh.violation("marketo", "606");
            return reply(fail(
                "606",
                &format!(
                    "Max rate limit '{}' exceeded with in '{}' secs",
                    settings.marketo_rate_limit, settings.marketo_rate_window_secs
                ),
            ));
        }
        let day = central_day(now);
        if limits.marketo_daily.0 != day {
            limits.marketo_daily = (day, 0);
        }
        if limits.marketo_daily.1 >= settings.marketo_daily_quota {
            drop(limits);
            sh.violation("marketo", "607");
            return reply(fail("607", "Daily quota reached"));
        }
        let _ = limits.marketo_window.admit(now, window_ms, usize::MAX);
        limits.marketo_daily.1 += 1;
    }
    {
        let mut limits = lock(&sh.limits);
        let day = central_day(now);
        *limits.marketo_daily_log.entry(day).or_default().entry(req.endpoint_label()).or_default() += 1;
    }
    if settings.latency_ms > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(settings.latency_ms)).await;
    }
    crate::marketo_bulk::advance(&sh, now);
    if req.path.starts_with("/bulk/") {
        return crate::marketo_bulk::route(&sh, &req, now).await;
    }
    let v = route(&sh, &req, now).await;
    if let Some(Value::Array(errs)) = v.get("errors")
        && v.get("success") == Some(&Value::Bool(false))
    {
        let mut limits = lock(&sh.limits);
        for e in errs {
            if let Some(code) = e.get("code").and_then(Value::as_str) {
                *limits.marketo_errors.entry(central_day(now)).or_default().entry(code.to_string()).or_default() += 1;
            }
        }
    }
    reply(v)
}

async fn fault(f: FaultKind, settings: &crate::state::Settings) -> Response {
    match f {
        FaultKind::ServerError => {
            // Alternate between a response-level 611 and a gateway 502, deterministically.
            if REQUEST_SEQ.load(Ordering::Relaxed).is_multiple_of(2) {
                reply(fail("611", "System error"))
            } else {
                text_response(
                    StatusCode::BAD_GATEWAY,
                    "text/html",
                    "<html><body><h1>502 Bad Gateway</h1></body></html>",
                )
            }
        }
        FaultKind::Timeout => {
            tokio::time::sleep(std::time::Duration::from_millis(settings.fault_timeout_ms)).await;
            reply(fail("604", "Request time-out"))
        }
        FaultKind::RateLimit => {
            // Injected: counted under `faults`; `violations` counts only the client's own overuse.
            reply(fail(
                "606",
                &format!(
                    "Max rate limit '{}' exceeded with in '{}' secs",
                    settings.marketo_rate_limit, settings.marketo_rate_window_secs
                ),
            ))
        }
        FaultKind::ExpiredToken => reply(fail("602", "Access token expired")),
        FaultKind::Malformed => malformed(
            "application/json;charset=UTF-8",
            "{\"requestId\":\"e42b#14272d07d78\",\"success\":true,\"result\":[{\"id\":",
        ),
    }
}

async fn route(sh: &Shared, req: &Req, now: i64) -> Value {
    let segs = req.segments();
    let m = &req.method;
    match segs.as_slice() {
        ["rest", "v1", "leads", "describe.json"] if m == Method::GET => describe(),
        ["rest", "v1", "leads", "describe2.json"] if m == Method::GET => describe2(),
        ["rest", "v1", "leads.json"] if m == Method::GET => leads_by_filter(sh, req),
        ["rest", "v1", "leads.json"] if m == Method::POST => sync_leads(sh, req, now),
        ["rest", "v1", "leads.json"] if m == Method::DELETE => delete_leads(sh, req, now),
        ["rest", "v1", "leads", "delete.json"] if m == Method::POST || m == Method::DELETE => {
            delete_leads(sh, req, now)
        }
        ["rest", "v1", "lead", id] if m == Method::GET => lead_by_id(sh, req, id),
        ["rest", "v1", "leads", id, "listMembership.json"] if m == Method::GET => list_membership(sh, req, id),
        ["rest", "v1", "lists.json"] if m == Method::GET => get_lists(sh, req),
        ["rest", "v1", "lists", id] if m == Method::GET => get_list(sh, id),
        ["rest", "v1", "lists", id, "leads.json"] | ["rest", "v1", "list", id, "leads.json"] => match *m {
            Method::GET => list_members(sh, req, id),
            Method::POST => change_membership(sh, req, id, true, now),
            Method::DELETE => change_membership(sh, req, id, false, now),
            _ => method_not_supported(),
        },
        ["rest", "v1", "lists", id, "leads", "ismember.json"] if m == Method::GET => is_member(sh, req, id),
        ["rest", "asset", "v1", "staticList", "byName.json"] if m == Method::GET => asset_list_by_name(sh, req),
        ["rest", "asset", "v1", "staticList", id] if m == Method::GET => asset_list(sh, id),
        ["rest", "asset", "v1", "staticList", id] if m == Method::POST => asset_update_list(sh, req, id, now),
        ["rest", "asset", "v1", "staticList", id, "delete.json"] if m == Method::POST => asset_delete_list(sh, id),
        ["rest", "asset", "v1", "staticLists.json"] if m == Method::GET => asset_lists(sh, req),
        ["rest", "asset", "v1", "staticLists.json"] if m == Method::POST => asset_create_list(sh, req, now),
        ["rest", "v1", "activities", "types.json"] if m == Method::GET => activity_types(),
        ["rest", "v1", "activities", "pagingtoken.json"] if m == Method::GET => paging_token(req),
        ["rest", "v1", "activities.json"] if m == Method::GET => activities(sh, req, Feed::Activities),
        ["rest", "v1", "activities", "leadchanges.json"] if m == Method::GET => activities(sh, req, Feed::LeadChanges),
        ["rest", "v1", "activities", "deletedleads.json"] if m == Method::GET => activities(sh, req, Feed::Deleted),
        ["rest", "v1", "stats", "usage.json"] if m == Method::GET => usage(sh, now, 1),
        ["rest", "v1", "stats", "usage", "last7days.json"] if m == Method::GET => usage(sh, now, 7),
        ["rest", "v1", "stats", "errors.json"] if m == Method::GET => errors_stats(sh, now, 1),
        ["rest", "v1", "stats", "errors", "last7days.json"] if m == Method::GET => errors_stats(sh, now, 7),
        ["userservice", "management", "v1", "users", "allusers.json"] if m == Method::GET => {
            Value::Array(lock(&sh.world).mk_users.clone())
        }
        ["rest", "v1", "leads", "describe.json" | "describe2.json"]
        | ["rest", "v1", "leads", "delete.json"]
        | ["rest", "v1", "leads.json"]
        | ["rest", "v1", "activities" | "stats", ..]
        | ["rest", "v1", "lists.json" | "lead" | "lists", ..] => method_not_supported(),
        _ => fail("610", "Requested resource not found"),
    }
}

fn method_not_supported() -> Value {
    fail("605", "HTTP Method not supported")
}

fn describe() -> Value {
    let schema = crate::world::marketo_lead_schema();
    let result = schema
        .fields
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let mut v = json!({
                "id": i + 1,
                "displayName": f.label,
                "dataType": mk_type(f.kind),
                "rest": {"name": f.name, "readOnly": !f.updateable},
                "soap": {"name": soap_name(&f.name), "readOnly": !f.updateable},
            });
            if f.len > 0 {
                v["length"] = json!(f.len);
            }
            v
        })
        .collect();
    ok(result)
}

fn soap_name(rest: &str) -> String {
    let mut c = rest.chars();
    c.next().map(|f| f.to_uppercase().collect::<String>() + c.as_str()).unwrap_or_default()
}

fn describe2() -> Value {
    let schema = crate::world::marketo_lead_schema();
    let fields: Vec<Value> = schema
        .fields
        .iter()
        .map(|f| {
            let mut v = json!({"name": f.name, "displayName": f.label, "dataType": mk_type(f.kind), "updateable": f.updateable,
                "crmManaged": f.name.starts_with("sfdc")});
            if f.len > 0 {
                v["length"] = json!(f.len);
            }
            v
        })
        .collect();
    let searchable: Vec<Value> = ["email", "id", "sfdcContactId", "sfdcLeadId"].iter().map(|f| json!([f])).collect();
    ok(vec![json!({"name": "API Lead", "searchableFields": searchable, "fields": fields})])
}

fn split_values(s: &str) -> Vec<String> {
    s.split(',').map(|v| v.trim().to_string()).filter(|v| !v.is_empty()).collect()
}

fn matches_value(def_kind: Kind, v: &Val, wanted: &str) -> bool {
    match (def_kind, v) {
        (_, Val::Int(i)) => wanted.parse::<i64>().is_ok_and(|w| w == *i),
        (Kind::Email, Val::Str(s)) => s.eq_ignore_ascii_case(wanted),
        (_, Val::Str(s)) => &**s == wanted,
        _ => false,
    }
}

fn leads_by_filter(sh: &Shared, req: &Req) -> Value {
    let Some(filter_type) = req.q("filterType").filter(|s| !s.is_empty()) else {
        return fail("1003", "filterType cannot be blank");
    };
    let values = split_values(&req.q_all("filterValues").join(","));
    if values.is_empty() {
        return fail("1003", "filterValues cannot be blank");
    }
    if values.len() > MAX_BATCH {
        return fail("1003", &format!("Number of filterValues exceeds limit of {MAX_BATCH}"));
    }
    let w = lock(&sh.world);
    let schema = w.mk_leads.schema.clone();
    let Some(fi) = schema.idx(filter_type) else {
        return fail("1003", &format!("Invalid filterType '{filter_type}'"));
    };
    let fdef = &schema.fields[fi];
    let searchable = SEARCHABLE.contains(&filter_type)
        || (!matches!(fdef.kind, Kind::Bool | Kind::DateTime) && filter_type.starts_with("c_"));
    if !searchable {
        return fail("1011", &format!("Field '{filter_type}' not supported"));
    }
    let fields = match field_list(&schema, req) {
        Ok(f) => f,
        Err(e) => return e,
    };
    let (start, size) = match (position_of(req), batch_size(req)) {
        (Ok(s), Ok(b)) => (s, b),
        (Err(e), _) | (_, Err(e)) => return e,
    };
    let matched: Vec<&Row> = if filter_type == "id" {
        values.iter().filter_map(|v| v.parse::<i64>().ok()).filter_map(|id| w.mk_leads.rows.get(&id)).collect()
    } else {
        let wanted: BTreeSet<String> =
            values.iter().map(|v| if fdef.kind == Kind::Email { v.to_ascii_lowercase() } else { v.clone() }).collect();
        w.mk_leads
            .rows
            .values()
            .filter(|r| match &r.0[fi] {
                Val::Str(s) if fdef.kind == Kind::Email => wanted.contains(&s.to_ascii_lowercase()),
                v => wanted.iter().any(|x| matches_value(fdef.kind, v, x)),
            })
            .collect()
    };
    if matched.len() > 1000 {
        return fail("1003", "Too many results match the filter");
    }
    page(matched.iter().map(|r| lead_json(&schema, r, &fields)), start, size)
}

/// One page of results with `nextPageToken`/`moreResult` as Marketo sends them.
fn page(items: impl Iterator<Item = Value>, start: usize, size: usize) -> Value {
    let mut items = items.skip(start);
    let result: Vec<Value> = items.by_ref().take(size).collect();
    let more = items.next().is_some();
    let mut v = ok(result);
    if more {
        v["nextPageToken"] = json!(position_token(start + size));
        v["moreResult"] = json!(true);
    }
    v
}

fn lead_by_id(sh: &Shared, req: &Req, id_json: &str) -> Value {
    let Some(id) = id_json.strip_suffix(".json").and_then(|s| s.parse::<i64>().ok()) else {
        return fail("610", "Requested resource not found");
    };
    let w = lock(&sh.world);
    let schema = w.mk_leads.schema.clone();
    let fields = match field_list(&schema, req) {
        Ok(f) => f,
        Err(e) => return e,
    };
    ok(w.mk_leads.rows.get(&id).map(|r| lead_json(&schema, r, &fields)).into_iter().collect())
}

pub(crate) fn json_body(req: &Req) -> Result<Value, Value> {
    if !req.content_type().starts_with("application/json") {
        return Err(fail("612", "Invalid Content Type"));
    }
    req.json().map_err(|_| fail("609", "Invalid JSON"))
}

fn find_by_lookup(w: &World, schema: &Schema, field: usize, value: &Val) -> Vec<i64> {
    let kind = schema.fields[field].kind;
    if schema.fields[field].name == "id" {
        return value.as_int().filter(|id| w.mk_leads.rows.contains_key(id)).into_iter().collect();
    }
    w.mk_leads
        .rows
        .iter()
        .filter(|(_, r)| match (&r.0[field], value) {
            (Val::Str(a), Val::Str(b)) if kind == Kind::Email => a.eq_ignore_ascii_case(b),
            (a, b) => !a.is_null() && a == b,
        })
        .map(|(k, _)| *k)
        .collect()
}

fn sync_leads(sh: &Shared, req: &Req, now: i64) -> Value {
    let body = match json_body(req) {
        Ok(b) => b,
        Err(e) => return e,
    };
    let action = body.get("action").and_then(Value::as_str).unwrap_or("createOrUpdate");
    if !matches!(action, "createOnly" | "updateOnly" | "createOrUpdate" | "createDuplicate") {
        return fail("1003", &format!("Invalid action '{action}'"));
    }
    let lookup = body.get("lookupField").and_then(Value::as_str).unwrap_or("email");
    let Some(input) = body.get("input").and_then(Value::as_array) else {
        return fail("701", "input cannot be blank");
    };
    if input.is_empty() {
        return fail("701", "input cannot be blank");
    }
    if input.len() > MAX_BATCH {
        return fail("1003", &format!("Number of records in input exceeds limit of {MAX_BATCH}"));
    }
    let mut w = lock(&sh.world);
    let schema = w.mk_leads.schema.clone();
    let Some(li) = schema.idx(lookup).filter(|_| SEARCHABLE.contains(&lookup)) else {
        return fail("1011", &format!("Field '{lookup}' not supported"));
    };
    if lookup == "id" && action != "updateOnly" {
        return fail("1003", "Lookup field 'id' is only valid with action 'updateOnly'");
    }
    let mut results = Vec::new();
    for rec in input {
        results.push(sync_one(&mut w, &schema, rec, action, li, now));
    }
    ok(results)
}

pub(crate) fn sync_one(w: &mut World, schema: &Arc<Schema>, rec: &Value, action: &str, li: usize, now: i64) -> Value {
    let Some(obj) = rec.as_object() else {
        return skipped("1003", "Invalid data");
    };
    let mut values = Vec::new();
    for (k, v) in obj {
        let Some(i) = schema.idx(k) else {
            return skipped("1006", &format!("Field '{k}' not found"));
        };
        let def = &schema.fields[i];
        match json_val(def, v) {
            Ok(val) => {
                if def.kind == Kind::Email
                    && val.as_str().is_some_and(|s| !s.is_ascii() || (!s.is_empty() && !s.contains('@')))
                {
                    return skipped("1003", &format!("Invalid email address '{}'", val.as_str().unwrap_or("")));
                }
                values.push((i, val));
            }
            Err(t) => return skipped("1001", &format!("Invalid value '{v}'. Required of type '{t}'")),
        }
    }
    let lookup_val = values.iter().find(|(i, _)| *i == li).map(|(_, v)| v.clone());
    let existing = match &lookup_val {
        Some(v) if !v.is_null() && action != "createDuplicate" => find_by_lookup(w, schema, li, v),
        _ => Vec::new(),
    };
    if existing.len() > 1 && action != "createDuplicate" {
        return skipped("1007", "Multiple lead match lookup criteria");
    }
    match (existing.first(), action) {
        (Some(_), "createOnly") => skipped("1005", "Lead already exists"),
        (None, "updateOnly") => skipped("1004", "Lead not found"),
        (Some(id), _) => {
            let id = *id;
            let Some(row) = w.mk_leads.rows.get_mut(&id) else { return skipped("1004", "Lead not found") };
            let mut changes = Vec::new();
            for (i, v) in values {
                let def = &schema.fields[i];
                if !def.updateable {
                    continue;
                }
                if row.0[i] != v {
                    changes.push((i as i64, def.name.clone(), v.clone(), row.0[i].clone()));
                    row.0[i] = v;
                }
            }
            if !changes.is_empty() {
                crate::world::touch(schema, row, now);
            }
            for (fid, name, new, old) in changes {
                let a = w.mk_activity(id, now, 13, (fid, name.clone()));
                a.fields.push((fid, name, show(&new), show(&old)));
                a.attributes.push(("Source".into(), json!("Web service API")));
            }
            json!({"id": id, "status": "updated"})
        }
        (None, _) => {
            if lookup_val.as_ref().is_none_or(Val::is_null)
                && schema.fields[li].name == "email"
                && action != "createDuplicate"
            {
                return skipped("1003", "Value for lookup field 'email' not found");
            }
            w.mk_next_id += 1;
            let id = w.mk_next_id;
            let mut row = schema.blank_row();
            for (i, v) in values {
                if schema.fields[i].updateable {
                    row.0[i] = v;
                }
            }
            row.set(schema, "id", Val::Int(id));
            for f in ["unsubscribed", "emailInvalid", "doNotCall"] {
                if row.get(schema, f).is_null() {
                    row.set(schema, f, Val::Bool(false));
                }
            }
            row.set(schema, "createdAt", Val::Int(now));
            row.set(schema, "updatedAt", Val::Int(now));
            w.mk_leads.rows.insert(id, row);
            let a = w.mk_activity(id, now, 12, (id, "New lead".into()));
            a.attributes.push(("Source Type".into(), json!("Web service API")));
            json!({"id": id, "status": "created"})
        }
    }
}

pub(crate) fn show(v: &Val) -> Option<String> {
    match v {
        Val::Null => None,
        Val::Bool(b) => Some(b.to_string()),
        Val::Int(i) => Some(i.to_string()),
        Val::Str(s) => Some(s.to_string()),
    }
}

/// Ids from `id=1&id=2`, `id=1,2` or a JSON body `{"input":[{"id":1}]}`.
fn ids_from(req: &Req) -> Result<Vec<i64>, Value> {
    let mut ids = Vec::new();
    for raw in req.q_all("id") {
        for part in raw.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            ids.push(part.parse::<i64>().map_err(|_| fail("1003", &format!("Invalid id '{part}'")))?);
        }
    }
    if ids.is_empty() && !req.body.is_empty() {
        let body = json_body(req)?;
        for rec in body.get("input").and_then(Value::as_array).into_iter().flatten() {
            match rec.get("id").and_then(Value::as_i64) {
                Some(id) => ids.push(id),
                None => return Err(fail("1003", "Invalid input: each record needs an id")),
            }
        }
    }
    if ids.is_empty() {
        return Err(fail("701", "id cannot be blank"));
    }
    if ids.len() > MAX_BATCH {
        return Err(fail("1003", &format!("Number of ids exceeds limit of {MAX_BATCH}")));
    }
    Ok(ids)
}

fn delete_leads(sh: &Shared, req: &Req, now: i64) -> Value {
    let ids = match ids_from(req) {
        Ok(i) => i,
        Err(e) => return e,
    };
    let mut w = lock(&sh.world);
    let mut results = Vec::new();
    for id in ids {
        if w.mk_leads.rows.remove(&id).is_some() {
            for l in w.mk_lists.values_mut() {
                l.members.remove(&id);
            }
            w.mk_activity(id, now, 37, (id, "Deleted via API".into()));
            results.push(json!({"id": id, "status": "deleted"}));
        } else {
            let mut s = skipped("1004", "Lead not found");
            s["id"] = json!(id);
            results.push(s);
        }
    }
    ok(results)
}

fn list_id(raw: &str) -> Option<i64> {
    raw.strip_suffix(".json").unwrap_or(raw).parse().ok()
}

fn list_json(l: &crate::world::MkList) -> Value {
    let mut v = json!({"id": l.id, "name": l.name, "workspaceName": "Default", "createdAt": iso_z(l.created), "updatedAt": iso_z(l.updated)});
    if let Some(d) = &l.description {
        v["description"] = json!(d);
    }
    if let Some(p) = &l.program_name {
        v["programName"] = json!(p);
    }
    v
}

fn get_lists(sh: &Shared, req: &Req) -> Value {
    let ids: BTreeSet<i64> =
        req.q_all("id").iter().flat_map(|s| s.split(',')).filter_map(|s| s.trim().parse().ok()).collect();
    let names: Vec<&str> = req.q_all("name").iter().flat_map(|s| s.split(',')).collect();
    let programs: Vec<&str> = req.q_all("programName").iter().flat_map(|s| s.split(',')).collect();
    let (start, size) = match (position_of(req), batch_size(req)) {
        (Ok(s), Ok(b)) => (s, b),
        (Err(e), _) | (_, Err(e)) => return e,
    };
    let w = lock(&sh.world);
    let items = w
        .mk_lists
        .values()
        .filter(|l| ids.is_empty() || ids.contains(&l.id))
        .filter(|l| names.is_empty() || names.contains(&l.name.as_str()))
        .filter(|l| programs.is_empty() || l.program_name.as_deref().is_some_and(|p| programs.contains(&p)))
        .map(list_json);
    page(items, start, size)
}

fn get_list(sh: &Shared, raw: &str) -> Value {
    let w = lock(&sh.world);
    match list_id(raw).and_then(|id| w.mk_lists.get(&id)) {
        Some(l) => ok(vec![list_json(l)]),
        None => fail("1013", "Static list not found"),
    }
}

fn list_members(sh: &Shared, req: &Req, raw: &str) -> Value {
    let w = lock(&sh.world);
    let Some(list) = list_id(raw).and_then(|id| w.mk_lists.get(&id)) else {
        return fail("1013", "Static list not found");
    };
    let schema = w.mk_leads.schema.clone();
    let fields = match field_list(&schema, req) {
        Ok(f) => f,
        Err(e) => return e,
    };
    let (start, size) = match (position_of(req), batch_size(req)) {
        (Ok(s), Ok(b)) => (s, b),
        (Err(e), _) | (_, Err(e)) => return e,
    };
    let items = list.members.keys().filter_map(|id| w.mk_leads.rows.get(id)).map(|r| lead_json(&schema, r, &fields));
    page(items, start, size)
}

fn change_membership(sh: &Shared, req: &Req, raw: &str, add: bool, now: i64) -> Value {
    let ids = match ids_from(req) {
        Ok(i) => i,
        Err(e) => return e,
    };
    let mut w = lock(&sh.world);
    let Some(lid) = list_id(raw).filter(|id| w.mk_lists.contains_key(id)) else {
        return fail("1013", "Static list not found");
    };
    let list_name = w.mk_lists.get(&lid).map(|l| l.name.clone()).unwrap_or_default();
    let mut results = Vec::new();
    for id in ids {
        if !w.mk_leads.rows.contains_key(&id) {
            let mut s = skipped("1004", "Lead not found");
            s["id"] = json!(id);
            results.push(s);
            continue;
        }
        let list = w.mk_lists.get_mut(&lid).expect("checked above");
        if add {
            list.members.entry(id).or_insert(now);
            list.updated = now;
            w.mk_activity(id, now, 24, (lid, list_name.clone()));
            results.push(json!({"id": id, "status": "added"}));
        } else if list.members.remove(&id).is_some() {
            list.updated = now;
            w.mk_activity(id, now, 25, (lid, list_name.clone()));
            results.push(json!({"id": id, "status": "removed"}));
        } else {
            let mut s = skipped("1015", "Lead not in list");
            s["id"] = json!(id);
            results.push(s);
        }
    }
    ok(results)
}

fn is_member(sh: &Shared, req: &Req, raw: &str) -> Value {
    let ids = match ids_from(req) {
        Ok(i) => i,
        Err(e) => return e,
    };
    let w = lock(&sh.world);
    let Some(list) = list_id(raw).and_then(|id| w.mk_lists.get(&id)) else {
        return fail("1013", "Static list not found");
    };
    ok(ids
        .into_iter()
        .map(|id| {
            if !w.mk_leads.rows.contains_key(&id) {
                let mut s = skipped("1004", "Lead not found");
                s["id"] = json!(id);
                s
            } else if list.members.contains_key(&id) {
                json!({"id": id, "status": "memberof"})
            } else {
                json!({"id": id, "status": "notmemberof"})
            }
        })
        .collect())
}

fn list_membership(sh: &Shared, req: &Req, raw: &str) -> Value {
    let Ok(id) = raw.parse::<i64>() else { return fail("610", "Requested resource not found") };
    let (start, size) = match (position_of(req), batch_size(req)) {
        (Ok(s), Ok(b)) => (s, b),
        (Err(e), _) | (_, Err(e)) => return e,
    };
    let w = lock(&sh.world);
    if !w.mk_leads.rows.contains_key(&id) {
        return fail("1004", "Lead not found");
    }
    let items = w.mk_lists.values().filter_map(|l| {
        l.members.get(&id).map(|t| json!({"listId": l.id, "createdAt": iso_z(*t), "updatedAt": iso_z(*t)}))
    });
    page(items, start, size)
}

// ------------------------------------------------------------------ asset API (static lists)

fn asset_ok(result: Vec<Value>) -> Value {
    json!({"success": true, "errors": [], "requestId": request_id(), "warnings": [], "result": result})
}

fn asset_fail(code: &str, message: &str) -> Value {
    json!({"success": false, "errors": [{"code": code, "message": message}], "requestId": request_id(), "warnings": []})
}

fn asset_list_json(l: &crate::world::MkList) -> Value {
    json!({
        "id": l.id, "name": l.name, "description": l.description,
        "createdAt": format!("{}+0000", iso_z(l.created)), "updatedAt": format!("{}+0000", iso_z(l.updated)),
        "folder": {"id": l.folder.0, "type": l.folder.1}, "workspace": "Default",
        "computedUrl": format!("https://app-sj01.marketo.com/#ST{}A1", l.id),
    })
}

fn asset_list(sh: &Shared, raw: &str) -> Value {
    let w = lock(&sh.world);
    match list_id(raw).and_then(|id| w.mk_lists.get(&id)) {
        Some(l) => asset_ok(vec![asset_list_json(l)]),
        None => asset_ok(vec![]).tap(|v| v["warnings"] = json!(["No assets found for the given search criteria."])),
    }
}

trait Tap: Sized {
    fn tap(mut self, f: impl FnOnce(&mut Self)) -> Self {
        f(&mut self);
        self
    }
}
impl Tap for Value {}

fn asset_list_by_name(sh: &Shared, req: &Req) -> Value {
    let Some(name) = req.q("name") else { return asset_fail("701", "name cannot be blank") };
    let w = lock(&sh.world);
    match w.mk_lists.values().find(|l| l.name == name) {
        Some(l) => asset_ok(vec![asset_list_json(l)]),
        None => asset_ok(vec![]).tap(|v| v["warnings"] = json!(["No assets found for the given search criteria."])),
    }
}

fn asset_lists(sh: &Shared, req: &Req) -> Value {
    let offset = req.q("offset").and_then(|s| s.parse::<usize>().ok()).unwrap_or(0);
    let max = req.q("maxReturn").and_then(|s| s.parse::<usize>().ok()).unwrap_or(20).clamp(1, 200);
    let folder = req.q("folder").and_then(|f| serde_json::from_str::<Value>(f).ok());
    let folder_id = folder.as_ref().and_then(|f| f.get("id")).and_then(Value::as_i64);
    let w = lock(&sh.world);
    let items: Vec<Value> = w
        .mk_lists
        .values()
        .filter(|l| folder_id.is_none_or(|f| l.folder.0 == f))
        .skip(offset)
        .take(max)
        .map(asset_list_json)
        .collect();
    if items.is_empty() {
        return asset_ok(vec![]).tap(|v| v["warnings"] = json!(["No assets found for the given search criteria."]));
    }
    asset_ok(items)
}

fn asset_create_list(sh: &Shared, req: &Req, now: i64) -> Value {
    if !req.content_type().starts_with("application/x-www-form-urlencoded") {
        return asset_fail("612", "Invalid Content Type");
    }
    let form = req.form();
    let get = |k: &str| form.iter().find(|(f, _)| f == k).map(|(_, v)| v.clone());
    let Some(name) = get("name").filter(|n| !n.trim().is_empty()) else {
        return asset_fail("701", "name cannot be blank");
    };
    let Some(folder) = get("folder") else { return asset_fail("701", "folder cannot be blank") };
    let Some(folder) =
        serde_json::from_str::<Value>(&folder).ok().filter(|f| f.get("id").and_then(Value::as_i64).is_some())
    else {
        return asset_fail("1003", "Invalid folder");
    };
    let kind = if folder.get("type").and_then(Value::as_str) == Some("Folder") { "Folder" } else { "Program" };
    let mut w = lock(&sh.world);
    if w.mk_lists.values().any(|l| l.name == name) {
        return asset_fail("709", &format!("Static List with name '{name}' already exists"));
    }
    let id = w.mk_next_list;
    w.mk_next_list += 1;
    let list = crate::world::MkList {
        id,
        name,
        description: get("description"),
        program_name: None,
        folder: (folder["id"].as_i64().unwrap_or(0), kind),
        created: now,
        updated: now,
        members: Default::default(),
    };
    let v = asset_list_json(&list);
    w.mk_lists.insert(id, list);
    asset_ok(vec![v])
}

fn asset_update_list(sh: &Shared, req: &Req, raw: &str, now: i64) -> Value {
    let form = req.form();
    let mut w = lock(&sh.world);
    let Some(l) = list_id(raw).and_then(|id| w.mk_lists.get_mut(&id)) else {
        return asset_fail("702", "Static list not found");
    };
    for (k, v) in form {
        match k.as_str() {
            "name" => l.name = v,
            "description" => l.description = Some(v),
            _ => {}
        }
    }
    l.updated = now;
    asset_ok(vec![asset_list_json(l)])
}

fn asset_delete_list(sh: &Shared, raw: &str) -> Value {
    let mut w = lock(&sh.world);
    match list_id(raw).and_then(|id| w.mk_lists.remove(&id)) {
        Some(l) => asset_ok(vec![json!({"id": l.id})]),
        None => asset_fail("702", "Static list not found"),
    }
}

// ------------------------------------------------------------------ activities

const ACTIVITY_TYPES: &[(i64, &str, &str, &str)] = &[
    (1, "Visit Webpage", "Webpage ID", "integer"),
    (2, "Fill Out Form", "Webform ID", "integer"),
    (3, "Click Link", "Link ID", "integer"),
    (6, "Send Email", "Mailing ID", "integer"),
    (7, "Email Delivered", "Mailing ID", "integer"),
    (8, "Email Bounced", "Mailing ID", "integer"),
    (9, "Unsubscribe Email", "Mailing ID", "integer"),
    (10, "Open Email", "Mailing ID", "integer"),
    (11, "Click Email", "Mailing ID", "integer"),
    (12, "New Lead", "Lead ID", "integer"),
    (13, "Change Data Value", "Field ID", "integer"),
    (24, "Add to List", "List ID", "integer"),
    (25, "Remove from List", "List ID", "integer"),
    (27, "Email Bounced Soft", "Mailing ID", "integer"),
    (37, "Delete Lead", "Lead ID", "integer"),
];

fn activity_types() -> Value {
    ok(ACTIVITY_TYPES
        .iter()
        .map(|(id, name, primary, dt)| {
            json!({"id": id, "name": name, "description": format!("User {}", name.to_lowercase()),
                "primaryAttribute": {"name": primary, "dataType": dt},
                "attributes": [{"name": "Campaign Run ID", "dataType": "integer"}, {"name": "Source", "dataType": "string"}]})
        })
        .collect())
}

fn paging_token(req: &Req) -> Value {
    let Some(since) = req.q("sinceDatetime").filter(|s| !s.is_empty()) else {
        return fail("701", "sinceDatetime cannot be blank");
    };
    let Some(ms) = parse_datetime(since) else {
        return fail("704", "Invalid date format");
    };
    json!({"requestId": request_id(), "success": true, "nextPageToken": token_encode(&format!("d:{ms}:0"))})
}

#[derive(PartialEq)]
enum Feed {
    Activities,
    LeadChanges,
    Deleted,
}

fn activities(sh: &Shared, req: &Req, feed: Feed) -> Value {
    let Some(tok) = req.q("nextPageToken").filter(|s| !s.is_empty()) else {
        return fail("701", "nextPageToken cannot be blank");
    };
    let Some((since, after)) = token_decode(tok).and_then(|s| {
        let mut p = s.strip_prefix("d:")?.split(':');
        Some((p.next()?.parse::<i64>().ok()?, p.next()?.parse::<i64>().ok()?))
    }) else {
        return fail("1003", "Invalid next page token");
    };
    let types: Vec<i64> = match feed {
        Feed::Activities => {
            let raw: Vec<&str> = req
                .q_all("activityTypeIds")
                .into_iter()
                .flat_map(|s| s.split(','))
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .collect();
            if raw.is_empty() {
                return fail("701", "activityTypeIds cannot be blank");
            }
            if raw.len() > 10 {
                return fail("1003", "Too many activityTypeIds, max 10");
            }
            match raw.iter().map(|s| s.parse::<i64>()).collect::<Result<Vec<_>, _>>() {
                Ok(t) => t,
                Err(_) => return fail("1003", "Invalid activityTypeIds"),
            }
        }
        Feed::LeadChanges => vec![12, 13],
        Feed::Deleted => vec![37],
    };
    let change_fields: Vec<String> = if feed == Feed::LeadChanges {
        match req.q("fields").filter(|s| !s.is_empty()) {
            Some(f) => f.split(',').map(|s| s.trim().to_string()).collect(),
            None => return fail("701", "fields cannot be blank"),
        }
    } else {
        Vec::new()
    };
    let lead_ids: Vec<i64> =
        req.q_all("leadIds").into_iter().flat_map(|s| s.split(',')).filter_map(|s| s.trim().parse().ok()).collect();
    if lead_ids.len() > 30 {
        return fail("1003", "Too many leadIds, max 30");
    }
    let size = match batch_size(req) {
        Ok(b) => b,
        Err(e) => return e,
    };
    let w = lock(&sh.world);
    let list_members = match req.q("listId").filter(|s| !s.is_empty()) {
        Some(l) => match l.parse::<i64>().ok().and_then(|id| w.mk_lists.get(&id)) {
            Some(list) => Some(&list.members),
            None => return fail("1013", "Static list not found"),
        },
        None => None,
    };
    let start = w
        .mk_activities
        .partition_point(|a| if after == 0 { a.date_ms < since } else { (a.date_ms, a.id) <= (since, after) });
    let mut result = Vec::new();
    let mut last = (since, after);
    let mut scanned_to_end = true;
    for a in &w.mk_activities[start..] {
        if result.len() >= size {
            scanned_to_end = false;
            break;
        }
        last = (a.date_ms, a.id);
        if !types.contains(&a.type_id) {
            continue;
        }
        if !lead_ids.is_empty() && !lead_ids.contains(&a.lead_id) {
            continue;
        }
        if list_members.is_some_and(|m| !m.contains_key(&a.lead_id)) {
            continue;
        }
        if feed == Feed::LeadChanges && a.type_id == 13 && !a.fields.iter().any(|f| change_fields.contains(&f.1)) {
            continue;
        }
        let mut item = json!({
            "id": a.id, "marketoGUID": a.guid, "leadId": a.lead_id, "activityDate": iso_z(a.date_ms),
            "activityTypeId": a.type_id,
        });
        if feed == Feed::LeadChanges {
            item["fields"] = Value::Array(
                a.fields
                    .iter()
                    .filter(|f| change_fields.contains(&f.1))
                    .map(|(id, name, new, old)| json!({"id": id, "name": name, "newValue": new, "oldValue": old}))
                    .collect(),
            );
        } else {
            item["primaryAttributeValueId"] = json!(a.primary_id);
            item["primaryAttributeValue"] = json!(a.primary_value);
        }
        item["attributes"] = Value::Array(a.attributes.iter().map(|(n, v)| json!({"name": n, "value": v})).collect());
        result.push(item);
    }
    let mut v = json!({"requestId": request_id(), "success": true,
        "nextPageToken": token_encode(&format!("d:{}:{}", last.0, last.1)), "moreResult": !scanned_to_end});
    if !result.is_empty() {
        v["result"] = Value::Array(result);
    }
    v
}

// ------------------------------------------------------------------ usage

fn usage(sh: &Shared, now: i64, days: i64) -> Value {
    let today = central_day(now);
    let limits = lock(&sh.limits);
    let mut out = Vec::new();
    for d in (today - days + 1..=today).rev() {
        let calls = limits.marketo_daily_log.get(&d);
        let total: u64 = calls.map(|c| c.values().sum()).unwrap_or(0);
        if days > 1 && total == 0 {
            continue;
        }
        let api_calls: Vec<Value> =
            calls.into_iter().flatten().map(|(k, v)| json!({"apiName": k, "count": v})).collect();
        out.push(json!({"date": crate::clock::date_only(d * 86_400_000 + 6 * 3_600_000), "total": total,
            "users": [{"userId": "liaison-api@sandbox.example.com", "count": total, "apiCalls": api_calls}]}));
    }
    ok(out)
}

fn errors_stats(sh: &Shared, now: i64, days: i64) -> Value {
    let today = central_day(now);
    let limits = lock(&sh.limits);
    let mut out = Vec::new();
    for d in (today - days + 1..=today).rev() {
        let errs = limits.marketo_errors.get(&d);
        let total: u64 = errs.map(|c| c.values().sum()).unwrap_or(0);
        let codes: Vec<Value> = errs.into_iter().flatten().map(|(k, v)| json!({"errorCode": k, "count": v})).collect();
        out.push(
            json!({"date": crate::clock::date_only(d * 86_400_000 + 6 * 3_600_000), "total": total, "errors": codes}),
        );
    }
    ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paging_tokens_round_trip_and_look_like_base32() {
        let t = token_encode("d:1767225600000:42");
        assert!(t.chars().all(|c| c.is_ascii_uppercase() || ('2'..='7').contains(&c) || c == '='));
        assert_eq!(token_decode(&t).as_deref(), Some("d:1767225600000:42"));
        assert_eq!(token_encode("f"), "MY======");
    }
}
