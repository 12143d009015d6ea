//! Adobe Campaign Standard emulator: `{base_url}/{org_id}/campaign/{profileAndServices|profileAndServicesExt}/...`
//! behind the Adobe I/O gateway (Bearer token from IMS plus `X-Api-Key`).

use crate::clock::{acs_datetime, date_only};
use crate::data::{Kind, Row, Schema, Table, Val, json_val, val_json};
use crate::http::{ReadError, Req, json_response, malformed, set_header, text_response};
use crate::state::{FaultKind, Shared, lock};
use crate::world::{ANCHOR_MS, CpEventKind, new_pkey, touch};
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
    let ext = *api == "profileAndServicesExt";
    match (*api, rest) {
        ("profileAndServices" | "profileAndServicesExt", ["profile"]) if m == Method::GET => {
            list(&sh, &req, &base, ext, "profile", Search::All)
        }
        ("profileAndServices" | "profileAndServicesExt", ["profile"]) if m == Method::POST => {
            create_profile(&sh, &req, &base, ext, now)
        }
        ("profileAndServices" | "profileAndServicesExt", ["profile", "byText"]) if m == Method::GET => {
            list(&sh, &req, &base, ext, "profile", Search::ByText)
        }
        ("profileAndServices" | "profileAndServicesExt", ["profile", "email"]) if m == Method::GET => {
            list(&sh, &req, &base, ext, "profile", Search::EmailProjection)
        }
        ("profileAndServices" | "profileAndServicesExt", ["profile", pkey, coll @ ("logs" | "tracking")])
            if m == Method::GET && pkey.starts_with('@') =>
        {
            event_logs(&sh, &req, &base, pkey, *coll == "logs")
        }
        ("profileAndServices" | "profileAndServicesExt", ["resourceType", res]) if m == Method::GET => {
            resource_metadata(&sh, &base, ext, res)
        }
        ("profileAndServices" | "profileAndServicesExt", ["resourceType", res, "filters"]) if m == Method::GET => {
            filters(&base, ext, res)
        }
        ("profileAndServices" | "profileAndServicesExt", [res, "metadata"]) if m == Method::GET => {
            resource_metadata(&sh, &base, ext, res)
        }
        ("profileAndServicesExt", [res, filter]) if m == Method::GET && filter.starts_with("by") => {
            match custom_filter(res, filter) {
                Some(f) => list(&sh, &req, &base, ext, res, Search::Custom(f)),
                None => oops(),
            }
        }
        ("profileAndServices" | "profileAndServicesExt", ["profile", pkey]) if pkey.starts_with('@') => match *m {
            Method::GET => get_one(&sh, &base, ext, pkey, "profile"),
            Method::PATCH => patch(&sh, &req, &base, ext, pkey, "profile", now),
            Method::DELETE => delete(&sh, pkey, "profile"),
            _ => acs_error(StatusCode::METHOD_NOT_ALLOWED, "Method not allowed"),
        },
        ("profileAndServices", ["service"]) if m == Method::GET => services(&sh, &base),
        ("profileAndServices", ["history", pkey]) if m == Method::GET => history(&sh, &base, pkey),
        ("profileAndServices", ["history", pkey, "events"]) if m == Method::GET => events(&sh, &base, pkey),
        ("profileAndServicesExt", []) if m == Method::GET => {
            let content: Vec<Value> = CUSTOM
                .iter()
                .map(|(name, label)| {
                    json!({"name": name, "label": label, "href": format!("{base}/{name}"),
                        "metadata": {"href": format!("{base}/{name}/metadata")}})
                })
                .collect();
            json_response(StatusCode::OK, &json!({"content": content}))
        }
        ("profileAndServicesExt", [res]) if is_custom(res) && m == Method::GET => {
            list(&sh, &req, &base, true, res, Search::All)
        }
        ("profileAndServicesExt", [res]) if is_custom(res) && m == Method::POST => {
            create_custom(&sh, &req, &base, res, now)
        }
        ("profileAndServicesExt", [res, pkey]) if is_custom(res) && pkey.starts_with('@') => match *m {
            Method::GET => get_one(&sh, &base, true, pkey, res),
            Method::PATCH => patch(&sh, &req, &base, true, pkey, res, now),
            Method::DELETE => delete(&sh, pkey, res),
            _ => acs_error(StatusCode::METHOD_NOT_ALLOWED, "Method not allowed"),
        },
        _ => oops(),
    }
}

/// The org's custom resources (always `cus`-prefixed and linked to the profile).
const CUSTOM: [(&str, &str); 2] = [("cusProduct", "Products"), ("cusProductInterest", "Product interests")];

fn is_custom(res: &str) -> bool {
    CUSTOM.iter().any(|(n, _)| *n == res)
}

/// A custom filter defined on a resource of the extension: `GET /profileAndServicesExt/<resource>/<name>?<param>=…`
/// matches records whose `field` equals the value.
#[derive(Clone, Copy, PartialEq)]
struct CustomFilter {
    resource: &'static str,
    name: &'static str,
    param: &'static str,
    field: &'static str,
    label: &'static str,
}

const CUSTOM_FILTERS: [CustomFilter; 2] = [
    CustomFilter {
        resource: "profile",
        name: "byCrmContactId",
        param: "crmContactId",
        field: "cusCrmContactId",
        label: "By CRM contact ID",
    },
    CustomFilter {
        resource: "cusProductInterest",
        name: "byCrmId",
        param: "crmId",
        field: "crmId",
        label: "By CRM ID",
    },
];

fn custom_filter(res: &str, name: &str) -> Option<CustomFilter> {
    CUSTOM_FILTERS.iter().copied().find(|f| f.resource == res && f.name == name)
}

fn table<'a>(w: &'a mut crate::world::World, resource: &str) -> &'a mut Table<String> {
    match resource {
        "cusProduct" => &mut w.cp_products,
        "cusProductInterest" => &mut w.cp_interests,
        _ => &mut w.cp_profiles,
    }
}

/// Extension fields of the profile: only `profileAndServicesExt` serves and accepts them.
fn is_extension(name: &str) -> bool {
    name.starts_with("cus")
}

fn entity_json(schema: &Schema, row: &Row, base: &str, resource: &str, ext: bool) -> Value {
    let mut m = Map::new();
    for (i, def) in schema.fields.iter().enumerate() {
        if !ext && is_extension(&def.name) {
            continue;
        }
        let v = match (def.kind, &row.0[i]) {
            (Kind::DateTime, Val::Int(ms)) => json!(acs_datetime(*ms)),
            (Kind::Ref, Val::Str(p)) if def.name == "profile" => {
                json!({"PKey": p.to_string(), "href": format!("{base}/profile/{p}")})
            }
            (_, Val::Null) if def.kind == Kind::Bool => json!(false),
            (_, Val::Null) if def.kind != Kind::Int => json!(""),
            (_, v) => val_json(def, v, acs_datetime),
        };
        m.insert(def.name.clone(), v);
    }
    let pkey = row.str(schema, "PKey");
    m.insert("href".into(), json!(format!("{base}/{resource}/{pkey}")));
    if resource == "profile" {
        for coll in ["subscriptions", "logs", "tracking"] {
            m.insert(coll.into(), json!({"href": format!("{base}/{resource}/{pkey}/{coll}/")}));
        }
    }
    Value::Object(m)
}

#[derive(PartialEq, Clone, Copy)]
enum Search {
    All,
    ByText,
    EmailProjection,
    Custom(CustomFilter),
}

fn line_count(req: &Req) -> Result<usize, Response> {
    match req.q("_lineCount") {
        None => Ok(DEFAULT_PAGE),
        Some(s) => s.parse::<usize>().ok().filter(|n| *n > 0).ok_or_else(|| {
            acs_error(StatusCode::BAD_REQUEST, &format!("Invalid value '{s}' for parameter '_lineCount'"))
        }),
    }
}

/// `_order=<field>[ desc]` (ACS "Sorting"): the one documented way to find recently changed
/// profiles is `_order=lastModified desc`, reading pages until `lastModified` is older than the
/// last sync. Ordered pages continue with an offset in `_lineStart` (`@~<n>`).
fn order(req: &Req, schema: &Schema, ext: bool) -> Result<Option<(usize, bool)>, Response> {
    let Some(o) = req.q("_order").map(str::trim).filter(|o| !o.is_empty()) else { return Ok(None) };
    let (field, desc) = match o.split_once(' ') {
        Some((f, d)) if d.trim().eq_ignore_ascii_case("desc") => (f, true),
        Some((f, d)) if d.trim().eq_ignore_ascii_case("asc") => (f, false),
        Some(_) => {
            return Err(acs_error(StatusCode::BAD_REQUEST, &format!("Invalid value '{o}' for parameter '_order'")));
        }
        None => (o, false),
    };
    match schema.idx(field) {
        Some(i) if ext || !is_extension(field) => Ok(Some((i, desc))),
        _ => Err(acs_error(
            StatusCode::BAD_REQUEST,
            &format!("The field '{field}' cannot be used to sort '{}'.", schema.name),
        )),
    }
}

fn list(sh: &Shared, req: &Req, base: &str, ext: bool, resource: &str, search: Search) -> Response {
    let size = match line_count(req) {
        Ok(n) => n,
        Err(r) => return r,
    };
    let mut w = lock(&sh.world);
    let t = table(&mut w, resource);
    let schema = t.schema.clone();
    let text = req.q("text").unwrap_or("");
    let filter_type = req.q("filterType");
    if search == Search::ByText && text.is_empty() {
        return acs_error(StatusCode::BAD_REQUEST, "Missing parameter 'text'");
    }
    let custom_value = match search {
        Search::Custom(f) => match req.q(f.param) {
            Some(v) => v.to_string(),
            None => return acs_error(StatusCode::BAD_REQUEST, &format!("Missing parameter '{}'", f.param)),
        },
        _ => String::new(),
    };
    let fields: Vec<&str> = match filter_type {
        Some(f) => {
            if schema.idx(f).is_none() || (!ext && is_extension(f)) {
                return acs_error(StatusCode::BAD_REQUEST, &format!("Unknown filter type '{f}'"));
            }
            vec![f]
        }
        None => vec!["email", "lastName"],
    };
    let ord = match order(req, &schema, ext) {
        Ok(o) => o,
        Err(r) => return r,
    };
    let keep = |r: &Row| match search {
        // byText is a case-sensitive prefix match (§4.4).
        Search::ByText => fields.iter().any(|f| r.str(&schema, f).starts_with(text)),
        Search::Custom(f) => r.str(&schema, f.field) == custom_value,
        _ => true,
    };
    let start = req.q("_lineStart").map(String::from);
    let (page, next): (Vec<&Row>, Option<String>) = match ord {
        None => {
            let range = match &start {
                Some(s) => t.rows.range::<String, _>((Included(s.clone()), Unbounded)),
                None => t.rows.range::<String, _>(..),
            };
            let mut matching = range.filter(|(_, r)| keep(r));
            let page: Vec<&Row> = matching.by_ref().take(size).map(|(_, r)| r).collect();
            (page, matching.next().map(|(k, _)| k.clone()))
        }
        Some((i, desc)) => {
            let offset: usize =
                start.as_deref().and_then(|s| s.strip_prefix("@~")).and_then(|n| n.parse().ok()).unwrap_or(0);
            let mut all: Vec<&Row> = t.rows.values().filter(|r| keep(r)).collect();
            all.sort_by(|a, b| {
                let o = crate::data::cmp_vals(&a.0[i], &b.0[i]);
                if desc { o.reverse() } else { o }
            });
            let more = all.len() > offset + size;
            (all.into_iter().skip(offset).take(size).collect(), more.then(|| format!("@~{}", offset + size)))
        }
    };
    let content: Vec<Value> = page
        .iter()
        .map(|r| {
            if search == Search::EmailProjection {
                json!(r.str(&schema, "email"))
            } else {
                entity_json(&schema, r, base, resource, ext)
            }
        })
        .collect();
    let mut body = json!({"content": content});
    if let Some(n) = next {
        let mut path = match search {
            Search::ByText => {
                format!("{resource}/byText?text={}&", crate::http::enc(text))
                    + &filter_type.map(|f| format!("filterType={f}&")).unwrap_or_default()
            }
            Search::EmailProjection => format!("{resource}/email?"),
            Search::Custom(f) => format!("{resource}/{}?{}={}&", f.name, f.param, crate::http::enc(&custom_value)),
            Search::All => format!("{resource}?"),
        };
        if let Some(o) = req.q("_order") {
            path += &format!("_order={}&", crate::http::enc(o));
        }
        body["next"] = json!({"href": format!("{base}/{path}_lineCount={size}&_lineStart={n}")});
    }
    json_response(StatusCode::OK, &body)
}

fn get_one(sh: &Shared, base: &str, ext: bool, pkey: &str, resource: &str) -> Response {
    let mut w = lock(&sh.world);
    let t = table(&mut w, resource);
    let schema = t.schema.clone();
    match t.rows.get(pkey) {
        Some(r) => json_response(StatusCode::OK, &entity_json(&schema, r, base, resource, ext)),
        None => acs_error(StatusCode::NOT_FOUND, &format!("The requested resource '{pkey}' was not found.")),
    }
}

fn apply(schema: &Schema, row: &mut Row, body: &Map<String, Value>, ext: bool) -> Result<(), Response> {
    for (k, v) in body {
        if k == "PKey"
            || k == "href"
            || (schema.name == "profile" && matches!(k.as_str(), "subscriptions" | "logs" | "tracking"))
        {
            continue;
        }
        let found = schema.idx(k).filter(|_| ext || !is_extension(k));
        let Some(i) = found else {
            return Err(acs_error(
                StatusCode::BAD_REQUEST,
                &format!("Unknown property '{k}' on resource '{}'.", schema.name),
            ));
        };
        let def = &schema.fields[i];
        if def.kind == Kind::Ref && def.name == "profile" {
            // A link: `{"PKey": "@…"}` (a bare PKey string is accepted too).
            let pkey = v.get("PKey").and_then(Value::as_str).or_else(|| v.as_str());
            let Some(pkey) = pkey.filter(|p| p.starts_with('@')) else {
                return Err(acs_error(
                    StatusCode::BAD_REQUEST,
                    &format!("Invalid value for property '{k}': link expected"),
                ));
            };
            row.0[i] = Val::s(pkey);
            continue;
        }
        if !def.updateable {
            return Err(acs_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                &format!("Cannot update the '{k}' property that is read-only"),
            ));
        }
        let val = json_val(def, v).map_err(|t| {
            acs_error(StatusCode::BAD_REQUEST, &format!("Invalid value for property '{k}': {t} expected"))
        })?;
        if def.kind == Kind::Picklist
            && !def.picklist.is_empty()
            && val.as_str().is_some_and(|s| !def.picklist.contains(&s))
        {
            return Err(acs_error(
                StatusCode::BAD_REQUEST,
                &format!("The value '{}' is not valid for the enumeration '{k}'.", val.as_str().unwrap_or("")),
            ));
        }
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

fn create_profile(sh: &Shared, req: &Req, base: &str, ext: bool, now: i64) -> Response {
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
    if let Err(r) = apply(&schema, &mut row, &body, ext) {
        return r;
    }
    let pkey = new_pkey(&mut w.rng);
    row.set(&schema, "PKey", Val::s(&pkey));
    row.set(&schema, "created", Val::Int(now));
    touch(&schema, &mut row, now);
    let v = entity_json(&schema, &row, base, "profile", ext);
    w.cp_profiles.rows.insert(pkey, row);
    json_response(StatusCode::CREATED, &v)
}

fn patch(sh: &Shared, req: &Req, base: &str, ext: bool, pkey: &str, resource: &str, now: i64) -> Response {
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
    if let Err(r) = apply(&schema, &mut copy, &body, ext) {
        return r;
    }
    touch(&schema, &mut copy, now);
    *row = copy;
    json_response(StatusCode::OK, &json!({"PKey": pkey, "href": format!("{base}/{resource}/{pkey}")}))
}

fn delete(sh: &Shared, pkey: &str, resource: &str) -> Response {
    let mut w = lock(&sh.world);
    if resource == "profile" {
        w.cp_events.remove(pkey);
    }
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

fn create_custom(sh: &Shared, req: &Req, base: &str, resource: &str, now: i64) -> Response {
    let body = match body_map(req) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let mut w = lock(&sh.world);
    let schema = table(&mut w, resource).schema.clone();
    let mut row = schema.blank_row();
    if let Err(r) = apply(&schema, &mut row, &body, true) {
        return r;
    }
    let link = if schema.idx("profile").is_some() { "profile" } else { "profilePKey" };
    let owner = row.str(&schema, link).to_string();
    if !w.cp_profiles.rows.contains_key(&owner) {
        return acs_error(
            StatusCode::BAD_REQUEST,
            &format!("A custom resource must be linked to an existing profile ('{link}')."),
        );
    }
    let pkey = new_pkey(&mut w.rng);
    row.set(&schema, "PKey", Val::s(&pkey));
    row.set(&schema, "created", Val::Int(now));
    touch(&schema, &mut row, now);
    let v = entity_json(&schema, &row, base, resource, true);
    table(&mut w, resource).rows.insert(pkey, row);
    json_response(StatusCode::CREATED, &v)
}

/// A profile's delivery logs (`logs`: sent, bounced) or tracking logs (`tracking`: opened,
/// clicked), oldest first, paged like every collection (`_lineCount`, `next.href` whose
/// `_lineStart` is the next log's PKey). The field names follow the data model (broadLog,
/// trackingLog); ACS documents no dedicated log resource, so the exact shape is \[U\].
fn event_logs(sh: &Shared, req: &Req, base: &str, pkey: &str, delivery: bool) -> Response {
    let size = match line_count(req) {
        Ok(n) => n,
        Err(r) => return r,
    };
    let w = lock(&sh.world);
    if !w.cp_profiles.rows.contains_key(pkey) {
        return acs_error(StatusCode::NOT_FOUND, &format!("The requested resource '{pkey}' was not found."));
    }
    let coll = if delivery { "logs" } else { "tracking" };
    let all: Vec<&crate::world::CpEvent> =
        w.cp_events.get(pkey).into_iter().flatten().filter(|e| e.kind.is_delivery() == delivery).collect();
    let from = match req.q("_lineStart") {
        Some(s) => all.iter().position(|e| e.pkey == s).unwrap_or(all.len()),
        None => 0,
    };
    let profile = json!({"PKey": pkey, "href": format!("{base}/profile/{pkey}")});
    let content: Vec<Value> = all
        .iter()
        .skip(from)
        .take(size)
        .map(|e| {
            let delivery_link = json!({"label": e.label, "PKey": format!("@{}", delivery_key(&e.label))});
            let href = format!("{base}/profile/{pkey}/{coll}/{}", e.pkey);
            if delivery {
                let bounced = e.kind == CpEventKind::Bounced;
                json!({"PKey": e.pkey, "href": href, "eventDate": acs_datetime(e.date_ms),
                    "status": if bounced { "failed" } else { "sent" },
                    "failureType": if bounced { "hard" } else { "" },
                    "failureReason": if bounced { "User unknown" } else { "" },
                    "delivery": delivery_link, "profile": profile})
            } else {
                let click = e.kind == CpEventKind::Clicked;
                json!({"PKey": e.pkey, "href": href, "logDate": acs_datetime(e.date_ms),
                    "type": if click { "click" } else { "open" },
                    "url": match &e.url { Some(u) => json!({"source": u, "label": u}), None => json!({}) },
                    "delivery": delivery_link, "profile": profile})
            }
        })
        .collect();
    let mut body = json!({"content": content, "_lineCount": size});
    if let Some(n) = all.get(from + size) {
        body["next"] =
            json!({"href": format!("{base}/profile/{pkey}/{coll}/?_lineCount={size}&_lineStart={}", n.pkey)});
    }
    json_response(StatusCode::OK, &body)
}

/// A stable delivery PKey from its label (the emulator keeps no delivery table).
fn delivery_key(label: &str) -> String {
    let h = Sha256::digest(label.as_bytes());
    h.iter().take(12).map(|b| format!("{b:02x}")).collect()
}

fn field_type(kind: Kind) -> (&'static str, &'static str) {
    match kind {
        Kind::Bool => ("boolean", "boolean"),
        Kind::Int => ("number", "long"),
        Kind::DateTime => ("datetime", "datetime"),
        Kind::Date => ("date", "date"),
        Kind::Picklist => ("enumeration", "string"),
        Kind::Ref => ("link", "link"),
        Kind::Id => ("string", "primarykey"),
        _ => ("string", "string"),
    }
}

/// `GET /<api>/resourceType/<resource>` and `GET /<api>/<resource>/metadata` (ACS "Metadata
/// mechanism"): the `content` node describes each field (`apiName`, `type`, `resType`, `length`,
/// `dataPolicy`, `sortable`…), `filters.href` leads to the filter definitions.
fn resource_metadata(sh: &Shared, base: &str, ext: bool, res: &str) -> Response {
    if res != "profile" && !(ext && is_custom(res)) {
        return oops();
    }
    let mut w = lock(&sh.world);
    let schema = table(&mut w, res).schema.clone();
    let mut content = Map::new();
    for def in schema.fields.iter().filter(|d| ext || !is_extension(&d.name)) {
        let (ty, res_type) = field_type(def.kind);
        let mut f = json!({"apiName": def.name, "label": def.label, "type": ty, "resType": res_type,
            "category": if is_extension(&def.name) { "99_extension" } else { "0100_identity" },
            "readOnly": !def.updateable, "mandatory": def.name == "PKey", "sortable": def.kind != Kind::Ref,
            "dataPolicy": if def.kind == Kind::Email { "email" } else { "none" }});
        if def.len > 0 {
            f["length"] = json!(def.len);
        }
        if def.kind == Kind::Picklist {
            let values: Map<String, Value> =
                def.picklist.iter().map(|v| (v.to_string(), json!({"label": v, "value": v}))).collect();
            f["values"] = Value::Object(values);
        }
        if def.kind == Kind::Ref {
            f["resTarget"] = json!("profile");
        }
        content.insert(def.name.clone(), f);
    }
    if res == "profile" {
        for (coll, target, label) in [
            ("subscriptions", "subscription", "Subscriptions"),
            ("logs", "broadLog", "Delivery logs"),
            ("tracking", "trackingLog", "Tracking logs"),
        ] {
            content.insert(
                coll.into(),
                json!({"apiName": coll, "label": label, "type": "collection", "resType": "collection",
                    "resTarget": target, "readOnly": true, "mandatory": false, "sortable": false}),
            );
        }
    }
    let (label, schema_name) = match res {
        "profile" => ("Profiles", "nms:recipient"),
        "cusProduct" => ("Products", "cus:product"),
        _ => ("Product interests", "cus:productInterest"),
    };
    let api = base.rsplit('/').next().unwrap_or("");
    json_response(
        StatusCode::OK,
        &json!({"content": content, "data": format!("/{api}/{res}/"), "filters": {"href": format!("{base}/resourceType/{res}/filters/")},
            "help": label, "href": format!("{base}/{res}/metadata"), "label": label, "mandatory": false, "name": res,
            "pkgStatus": "never", "readOnly": false, "schema": schema_name, "type": "item"}),
    )
}

/// The filter definitions of a resource (`filters.href` of its metadata).
fn filters(base: &str, ext: bool, res: &str) -> Response {
    if res != "profile" && !(ext && is_custom(res)) {
        return oops();
    }
    let api = base.rsplit('/').next().unwrap_or("");
    let mut out = Map::new();
    if res == "profile" {
        out.insert(
            "byText".into(),
            json!({"PKey": "@byText", "category": "99_none", "data": format!("/{api}/profile/byText?text=$value"),
                "formType": "none", "fragmentName": "", "label": "By name or email",
                "metadata": {"text": {"type": "string", "label": "Text"}, "filterType": {"type": "string", "label": "Field"}}}),
        );
    }
    if ext {
        for f in CUSTOM_FILTERS.iter().filter(|f| f.resource == res) {
            out.insert(
                f.name.into(),
                json!({"PKey": format!("@{}", f.name), "category": "99_none",
                    "data": format!("/{api}/{res}/{}?{}=$value", f.name, f.param), "formType": "none",
                    "fragmentName": "", "label": f.label, "metadata": {f.param: {"type": "string", "label": f.label}},
                    "condition": format!("@{} = ${}", f.field, f.param)}),
            );
        }
    }
    json_response(StatusCode::OK, &Value::Object(out))
}
