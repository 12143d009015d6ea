//! Salesforce emulator: OAuth (`/services/oauth2/...`) and REST (`/services/data/vXX.X/...`) on
//! one host, which is both the login URL and the `instance_url`.

mod bulk;
mod collections;
mod describe;
mod query;
mod records;

use crate::data::{Schema, Table};
use crate::http::{ReadError, Req, json_response, malformed, set_header, text_response};
use crate::state::{FaultKind, Shared, lock};
use crate::world::World;
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::response::Response;
pub(crate) use bulk::BulkQuery;
use bulk::{bulk_create, bulk_job, bulk_list, bulk_results};
use collections::{collection_delete, collection_get, collection_save};
use describe::{describe, describe_global, object_summary};
use query::{next_page, run_query};
use records::{create, delete_record, get_record, update_record};
use serde_json::{Value, json};
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
        ["packaging", "installPackage.apexp"] => crate::tooling::install_page(&sh, &req),
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
