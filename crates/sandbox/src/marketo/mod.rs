//! Marketo Engage REST API emulator: `{base_url}/identity`, `/rest/v1`, `/rest/asset/v1`, `/bulk/v1`.
//! Errors are HTTP 200 with `success:false` (only 401 on identity, 413 and 414 are HTTP errors).

mod activities;
mod leads;
mod lists;
mod usage;
pub(crate) mod users;

use crate::clock::iso_z;
use crate::data::{Row, Schema, val_json};
use crate::http::{ReadError, Req, json_response, malformed, text_response};
use crate::state::{FaultKind, InFlight, Shared, central_day, lock};
use activities::{Feed, activities, activity_types, paging_token};
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::response::Response;
pub(crate) use leads::sync_one;
use leads::{delete_leads, describe, describe2, lead_by_id, leads_by_filter, sync_leads};
use lists::{
    asset_create_list, asset_delete_list, asset_list, asset_list_by_name, asset_lists, asset_update_list,
    change_membership, get_list, get_lists, is_member, list_members, list_membership,
};
use serde_json::{Map, Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use usage::{errors_stats, usage};

const MAX_BATCH: usize = 300;
const DEFAULT_FIELDS: [&str; 6] = ["id", "email", "updatedAt", "createdAt", "firstName", "lastName"];
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
    // Marketo always returns a lead's `id`, whatever `fields` names.
    if let Some(id) = schema.idx("id").filter(|i| !fields.contains(i)) {
        let def = &schema.fields[id];
        m.insert(def.name.clone(), val_json(def, &row.0[id], iso_z));
    }
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
    // The body of an import may be a little over the file's 10 MB (multipart framing); the
    // file itself is checked once read (`marketo_bulk::IMPORT_MAX_FILE`).
    let limit = if is_import { 10 * 1024 * 1024 + 64 * 1024 } else { 1024 * 1024 };
    let mut req = match Req::read(request, limit).await {
        Ok(r) => r,
        Err(ReadError::TooLarge) => return entity_too_large(&sh),
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
    // User Management answers failures with HTTP statuses and takes the token from the header only.
    let user_management = req.path.starts_with("/userservice/");
    let reply = |v: Value| if user_management { users::from_envelope(&v) } else { reply(v) };
    let token = req.bearer().map(String::from).or_else(|| {
        (settings.marketo_accept_access_token_param && !user_management)
            .then(|| req.q("access_token").map(String::from))
            .flatten()
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
        return if user_management { users::fault(f, &settings).await } else { fault(f, &settings).await };
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
    if user_management {
        return users::route(&lock(&sh.world).mk_users, &req);
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

/// HTTP 413, as Marketo's front end sends it: one of the three HTTP-level errors (with 401 and 414).
pub(crate) fn entity_too_large(sh: &Shared) -> Response {
    sh.violation("marketo", "413");
    text_response(
        StatusCode::PAYLOAD_TOO_LARGE,
        "text/html",
        "<html><head><title>413 Request Entity Too Large</title></head><body><center><h1>413 Request Entity Too Large</h1></center></body></html>",
    )
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

pub(crate) fn json_body(req: &Req) -> Result<Value, Value> {
    if !req.content_type().starts_with("application/json") {
        return Err(fail("612", "Invalid Content Type"));
    }
    req.json().map_err(|_| fail("609", "Invalid JSON"))
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
