//! Adobe Campaign Standard emulator: `{base_url}/{org_id}/campaign/{profileAndServices|profileAndServicesExt}/...`
//! behind the Adobe I/O gateway (Bearer token from IMS plus `X-Api-Key`).

use crate::clock::{acs_datetime, date_only};
use crate::data::{Kind, Row, Schema, Table, Val, json_val, val_json};
use crate::http::{ReadError, Req, json_response, malformed, set_header, text_response};
use crate::state::{FaultKind, Shared, lock};
use crate::world::{ANCHOR_MS, new_pkey, touch};
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::response::Response;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};
use std::ops::Bound::{Included, Unbounded};
use std::sync::Arc;

const DEFAULT_PAGE: usize = 25;

fn oops() -> Response {
    json_response(
        StatusCode::INTERNAL_SERVER_ERROR,
        &json!({"code": 500, "message": "Oops. Something went wrong. Check your URI and try again."}),
    )
}

fn gateway(status: StatusCode, code: &str, message: &str) -> Response {
    json_response(status, &json!({"error_code": code, "message": message}))
}

fn acs_error(status: StatusCode, message: &str) -> Response {
    json_response(status, &json!({"code": status.as_u16(), "message": message}))
}

pub(crate) async fn entry(State(sh): State<Arc<Shared>>, request: Request) -> Response {
    let req = match Req::read(request, 10 * 1024 * 1024).await {
        Ok(r) => r,
        Err(ReadError::TooLarge) => return acs_error(StatusCode::PAYLOAD_TOO_LARGE, "Request entity too large"),
        Err(ReadError::Broken) => return acs_error(StatusCode::BAD_REQUEST, "The request body could not be read"),
    };
    sh.count_call("campaign", req.endpoint_label());
    let segs: Vec<String> = req.segments().iter().map(|s| s.trim_end_matches(".json").to_string()).collect();
    let segs: Vec<&str> = segs.iter().map(String::as_str).collect();
    let [org, "campaign", api, rest @ ..] = segs.as_slice() else { return oops() };
    let now = sh.now_ms();
    let ep = &sh.endpoints.campaign;
    let Some(token) = req.bearer() else {
        return gateway(StatusCode::UNAUTHORIZED, "401013", "Oauth token is not valid");
    };
    if lock(&sh.auth).check("campaign", token, now).is_err() {
        return gateway(StatusCode::UNAUTHORIZED, "401013", "Oauth token is not valid");
    }
    match req.header("x-api-key") {
        None => return gateway(StatusCode::FORBIDDEN, "403000", "Api Key is required"),
        Some(k) if k != ep.client_id => return gateway(StatusCode::FORBIDDEN, "403003", "Api Key is invalid"),
        _ => {}
    }
    if *org != ep.org_id && *org != format!("{}-mkt-stage", ep.org_id) {
        return gateway(StatusCode::FORBIDDEN, "403023", "Profile is not valid");
    }
    let settings = sh.settings();
    if let Some(f) = sh.fault("campaign") {
        return match f {
            FaultKind::ServerError => acs_error(StatusCode::INTERNAL_SERVER_ERROR, "Internal server error"),
            FaultKind::Timeout => {
                tokio::time::sleep(std::time::Duration::from_millis(settings.fault_timeout_ms)).await;
                gateway(StatusCode::GATEWAY_TIMEOUT, "504", "Gateway Timeout")
            }
            FaultKind::RateLimit => {
                // Injected: counted under `faults`; `violations` counts only the client's own overuse.
                let mut r = gateway(StatusCode::TOO_MANY_REQUESTS, "429050", "Too many requests");
                set_header(&mut r, "Retry-After", "1");
                r
            }
            FaultKind::ExpiredToken => gateway(StatusCode::UNAUTHORIZED, "401013", "Oauth token is not valid"),
            FaultKind::Malformed => malformed("application/json;charset=utf-8", "{\"content\":[{\"PKey\":\"@"),
        };
    }
    if settings.limits_enabled && settings.campaign_rate_limit > 0 {
        let window = settings.campaign_rate_window_secs * 1000;
        if let Err(wait) = lock(&sh.limits).campaign.admit(now, window, settings.campaign_rate_limit) {
            sh.violation("campaign", "429");
            let mut r = gateway(StatusCode::TOO_MANY_REQUESTS, "429050", "Too many requests");
            set_header(&mut r, "Retry-After", &sh.clock.real_secs(wait).to_string());
            return r;
        }
    }
    if settings.latency_ms > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(settings.latency_ms)).await;
    }
    let base = format!("{}/{org}/campaign/{api}", ep.base_url);
    let m = &req.method;
    match (*api, rest) {
        ("profileAndServices" | "profileAndServicesExt", ["profile"]) if m == Method::GET => {
            list(&sh, &req, &base, None)
        }
        ("profileAndServices" | "profileAndServicesExt", ["profile"]) if m == Method::POST => {
            create_profile(&sh, &req, &base, now)
        }
        ("profileAndServices" | "profileAndServicesExt", ["profile", "byText"]) if m == Method::GET => {
            list(&sh, &req, &base, Some(Search::ByText))
        }
        ("profileAndServices" | "profileAndServicesExt", ["profile", "email"]) if m == Method::GET => {
            list(&sh, &req, &base, Some(Search::EmailProjection))
        }
        ("profileAndServices" | "profileAndServicesExt", ["profile", pkey]) if pkey.starts_with('@') => match *m {
            Method::GET => get_one(&sh, &base, pkey, "profile"),
            Method::PATCH => patch(&sh, &req, &base, pkey, "profile", now),
            Method::DELETE => delete(&sh, pkey, "profile"),
            _ => acs_error(StatusCode::METHOD_NOT_ALLOWED, "Method not allowed"),
        },
        ("profileAndServices", ["service"]) if m == Method::GET => services(&sh, &base),
        ("profileAndServices", ["history", pkey]) if m == Method::GET => history(&sh, &base, pkey),
        ("profileAndServices", ["history", pkey, "events"]) if m == Method::GET => events(&sh, &base, pkey),
        ("profileAndServicesExt", []) if m == Method::GET => json_response(
            StatusCode::OK,
            &json!({"content": [{"name": "cusProduct", "label": "Products", "href": format!("{base}/cusProduct")}]}),
        ),
        ("profileAndServicesExt", ["cusProduct"]) if m == Method::GET => list_products(&sh, &req, &base),
        ("profileAndServicesExt", ["cusProduct"]) if m == Method::POST => create_product(&sh, &req, &base, now),
        ("profileAndServicesExt", ["cusProduct", pkey]) if pkey.starts_with('@') => match *m {
            Method::GET => get_one(&sh, &base, pkey, "cusProduct"),
            Method::PATCH => patch(&sh, &req, &base, pkey, "cusProduct", now),
            Method::DELETE => delete(&sh, pkey, "cusProduct"),
            _ => acs_error(StatusCode::METHOD_NOT_ALLOWED, "Method not allowed"),
        },
        _ => oops(),
    }
}

fn table<'a>(w: &'a mut crate::world::World, resource: &str) -> &'a mut Table<String> {
    if resource == "cusProduct" { &mut w.cp_products } else { &mut w.cp_profiles }
}

fn entity_json(schema: &Schema, row: &Row, base: &str, resource: &str) -> Value {
    let mut m = Map::new();
    for (i, def) in schema.fields.iter().enumerate() {
        let v = match (def.kind, &row.0[i]) {
            (Kind::DateTime, Val::Int(ms)) => json!(acs_datetime(*ms)),
            (_, Val::Null) if def.kind == Kind::Bool => json!(false),
            (_, Val::Null) if def.kind != Kind::Int => json!(""),
            (_, v) => val_json(def, v, acs_datetime),
        };
        m.insert(def.name.clone(), v);
    }
    let pkey = row.str(schema, "PKey");
    m.insert("href".into(), json!(format!("{base}/{resource}/{pkey}")));
    if resource == "profile" {
        m.insert("subscriptions".into(), json!({"href": format!("{base}/{resource}/{pkey}/subscriptions/")}));
    }
    Value::Object(m)
}

#[derive(PartialEq, Clone, Copy)]
enum Search {
    ByText,
    EmailProjection,
}

fn line_count(req: &Req) -> Result<usize, Response> {
    match req.q("_lineCount") {
        None => Ok(DEFAULT_PAGE),
        Some(s) => s.parse::<usize>().ok().filter(|n| *n > 0).ok_or_else(|| {
            acs_error(StatusCode::BAD_REQUEST, &format!("Invalid value '{s}' for parameter '_lineCount'"))
        }),
    }
}

fn list(sh: &Shared, req: &Req, base: &str, search: Option<Search>) -> Response {
    let size = match line_count(req) {
        Ok(n) => n,
        Err(r) => return r,
    };
    let w = lock(&sh.world);
    let schema = w.cp_profiles.schema.clone();
    let text = req.q("text").unwrap_or("");
    let filter_type = req.q("filterType");
    if search == Some(Search::ByText) && text.is_empty() {
        return acs_error(StatusCode::BAD_REQUEST, "Missing parameter 'text'");
    }
    let fields: Vec<&str> = match filter_type {
        Some(f) => {
            if schema.idx(f).is_none() {
                return acs_error(StatusCode::BAD_REQUEST, &format!("Unknown filter type '{f}'"));
            }
            vec![f]
        }
        None => vec!["email", "lastName"],
    };
    let start = req.q("_lineStart").map(String::from);
    let range = match &start {
        Some(s) => w.cp_profiles.rows.range::<String, _>((Included(s.clone()), Unbounded)),
        None => w.cp_profiles.rows.range::<String, _>(..),
    };
    // byText is a case-sensitive prefix match (§4.4).
    let mut matching = range
        .filter(|(_, r)| search != Some(Search::ByText) || fields.iter().any(|f| r.str(&schema, f).starts_with(text)));
    let page: Vec<(&String, &Row)> = matching.by_ref().take(size).collect();
    let next = matching.next().map(|(k, _)| k.clone());
    let content: Vec<Value> = page
        .iter()
        .map(|(_, r)| {
            if search == Some(Search::EmailProjection) {
                json!(r.str(&schema, "email"))
            } else {
                entity_json(&schema, r, base, "profile")
            }
        })
        .collect();
    let mut body = json!({"content": content});
    if let Some(n) = next {
        let path = match search {
            Some(Search::ByText) => {
                format!("profile/byText?text={}&", crate::http::enc(text))
                    + &filter_type.map(|f| format!("filterType={f}&")).unwrap_or_default()
            }
            Some(Search::EmailProjection) => "profile/email?".into(),
            None => "profile?".into(),
        };
        body["next"] = json!({"href": format!("{base}/{path}_lineCount={size}&_lineStart={n}")});
    }
    json_response(StatusCode::OK, &body)
}

fn get_one(sh: &Shared, base: &str, pkey: &str, resource: &str) -> Response {
    let mut w = lock(&sh.world);
    let t = table(&mut w, resource);
    let schema = t.schema.clone();
    match t.rows.get(pkey) {
        Some(r) => json_response(StatusCode::OK, &entity_json(&schema, r, base, resource)),
        None => acs_error(StatusCode::NOT_FOUND, &format!("The requested resource '{pkey}' was not found.")),
    }
}

fn apply(schema: &Schema, row: &mut Row, body: &Map<String, Value>) -> Result<(), Response> {
    for (k, v) in body {
        if k == "PKey" || k == "href" {
            continue;
        }
        let Some(i) = schema.idx(k) else {
            return Err(acs_error(
                StatusCode::BAD_REQUEST,
                &format!("Unknown property '{k}' on resource '{}'.", schema.name),
            ));
        };
        let def = &schema.fields[i];
        if !def.updateable {
            return Err(acs_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                &format!("Cannot update the '{k}' property that is read-only"),
            ));
        }
        let val = json_val(def, v).map_err(|t| {
            acs_error(StatusCode::BAD_REQUEST, &format!("Invalid value for property '{k}': {t} expected"))
        })?;
        if def.kind == Kind::Email && val.as_str().is_some_and(|s| !s.is_empty() && !s.contains('@')) {
            return Err(acs_error(
                StatusCode::BAD_REQUEST,
                &format!("The email address '{}' is invalid.", val.as_str().unwrap_or("")),
            ));
        }
        row.0[i] = val;
    }
    Ok(())
}

fn body_map(req: &Req) -> Result<Map<String, Value>, Response> {
    match req.json() {
        Ok(Value::Object(m)) => Ok(m),
        _ => Err(acs_error(StatusCode::BAD_REQUEST, "Invalid JSON payload")),
    }
}

fn create_profile(sh: &Shared, req: &Req, base: &str, now: i64) -> Response {
    let body = match body_map(req) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let mut w = lock(&sh.world);
    let schema = w.cp_profiles.schema.clone();
    let mut row = schema.blank_row();
    for (i, f) in schema.fields.iter().enumerate() {
        if f.kind == Kind::Bool {
            row.0[i] = Val::Bool(false);
        }
    }
    row.set(&schema, "gender", Val::s("unknown"));
    if let Err(r) = apply(&schema, &mut row, &body) {
        return r;
    }
    let pkey = new_pkey(&mut w.rng);
    row.set(&schema, "PKey", Val::s(&pkey));
    row.set(&schema, "created", Val::Int(now));
    touch(&schema, &mut row, now);
    let v = entity_json(&schema, &row, base, "profile");
    w.cp_profiles.rows.insert(pkey, row);
    json_response(StatusCode::CREATED, &v)
}

fn patch(sh: &Shared, req: &Req, base: &str, pkey: &str, resource: &str, now: i64) -> Response {
    let body = match body_map(req) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let mut w = lock(&sh.world);
    let t = table(&mut w, resource);
    let schema = t.schema.clone();
    let Some(row) = t.rows.get_mut(pkey) else {
        return acs_error(StatusCode::NOT_FOUND, &format!("The requested resource '{pkey}' was not found."));
    };
    let mut copy = row.clone();
    if let Err(r) = apply(&schema, &mut copy, &body) {
        return r;
    }
    touch(&schema, &mut copy, now);
    *row = copy;
    json_response(StatusCode::OK, &json!({"PKey": pkey, "href": format!("{base}/{resource}/{pkey}")}))
}

fn delete(sh: &Shared, pkey: &str, resource: &str) -> Response {
    let mut w = lock(&sh.world);
    match table(&mut w, resource).rows.remove(pkey) {
        Some(_) => text_response(StatusCode::OK, "application/json;charset=utf-8", ""),
        None => acs_error(StatusCode::NOT_FOUND, &format!("The requested resource '{pkey}' was not found.")),
    }
}

fn services(sh: &Shared, base: &str) -> Response {
    let w = lock(&sh.world);
    let content: Vec<Value> = w
        .cp_services
        .iter()
        .map(|(pkey, name, label)| {
            json!({"PKey": pkey, "name": name, "label": label, "messageType": "email", "mode": "newsletter",
                "href": format!("{base}/service/{pkey}"), "subscriptions": {"href": format!("{base}/service/{pkey}/subscriptions/")}})
        })
        .collect();
    json_response(StatusCode::OK, &json!({"content": content}))
}

/// Marketing history is derived from the PKey, so it costs no memory for a million profiles.
fn history_events(pkey: &str) -> Vec<(String, i64, &'static str)> {
    let h = Sha256::digest(pkey.as_bytes());
    (0..(h[0] % 4) as usize)
        .map(|i| {
            let date = ANCHOR_MS - (h[i + 1] as i64 + 1) * 3_600_000 * 7;
            let label = ["Send via email", "Email opened", "Email clicked"][(h[i + 5] % 3) as usize];
            (format!("@{}", crate::http::enc(&format!("{pkey}-{i}")).replace('%', "")), date, label)
        })
        .collect()
}

fn history(sh: &Shared, base: &str, pkey: &str) -> Response {
    let w = lock(&sh.world);
    let schema = w.cp_profiles.schema.clone();
    let Some(r) = w.cp_profiles.rows.get(pkey) else {
        return acs_error(StatusCode::NOT_FOUND, &format!("The requested resource '{pkey}' was not found."));
    };
    let ev = history_events(pkey);
    json_response(
        StatusCode::OK,
        &json!({"PKey": pkey, "email": r.str(&schema, "email"), "firstName": r.str(&schema, "firstName"), "lastName": r.str(&schema, "lastName"),
            "countBroadLogEvents": ev.len(), "countSubHistoEvents": 0,
            "events": {"href": format!("{base}/history/{pkey}/events/"), "metadata": "subHisto"}}),
    )
}

fn events(sh: &Shared, base: &str, pkey: &str) -> Response {
    if !lock(&sh.world).cp_profiles.rows.contains_key(pkey) {
        return acs_error(StatusCode::NOT_FOUND, &format!("The requested resource '{pkey}' was not found."));
    }
    let content: Vec<Value> = history_events(pkey)
        .into_iter()
        .map(|(id, date, label)| {
            json!({"PKey": id, "category": "email", "date": acs_datetime(date), "label": label, "type": "outbound",
                "href": format!("{base}/history/{pkey}/events/{id}"), "mirrorPage": {"href": format!("{base}/mirror/{id}")},
                "day": date_only(date)})
        })
        .collect();
    json_response(StatusCode::OK, &json!({"content": content}))
}

fn list_products(sh: &Shared, req: &Req, base: &str) -> Response {
    let size = match line_count(req) {
        Ok(n) => n,
        Err(r) => return r,
    };
    let w = lock(&sh.world);
    let schema = w.cp_products.schema.clone();
    let start = req.q("_lineStart").map(String::from);
    let mut it = match &start {
        Some(s) => w.cp_products.rows.range::<String, _>((Included(s.clone()), Unbounded)),
        None => w.cp_products.rows.range::<String, _>(..),
    };
    let content: Vec<Value> =
        it.by_ref().take(size).map(|(_, r)| entity_json(&schema, r, base, "cusProduct")).collect();
    let mut body = json!({"content": content});
    if let Some((n, _)) = it.next() {
        body["next"] = json!({"href": format!("{base}/cusProduct?_lineCount={size}&_lineStart={n}")});
    }
    json_response(StatusCode::OK, &body)
}

fn create_product(sh: &Shared, req: &Req, base: &str, now: i64) -> Response {
    let body = match body_map(req) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let mut w = lock(&sh.world);
    let schema = w.cp_products.schema.clone();
    let mut row = schema.blank_row();
    if let Err(r) = apply(&schema, &mut row, &body) {
        return r;
    }
    let owner = row.str(&schema, "profilePKey").to_string();
    if !w.cp_profiles.rows.contains_key(&owner) {
        return acs_error(
            StatusCode::BAD_REQUEST,
            "A custom resource must be linked to an existing profile ('profilePKey').",
        );
    }
    let pkey = new_pkey(&mut w.rng);
    row.set(&schema, "PKey", Val::s(&pkey));
    row.set(&schema, "created", Val::Int(now));
    touch(&schema, &mut row, now);
    let v = entity_json(&schema, &row, base, "cusProduct");
    w.cp_products.rows.insert(pkey, row);
    json_response(StatusCode::CREATED, &v)
}
