//! Dataverse Web API emulator (`{org_url}/api/data/v9.2/...`): contacts, leads, marketing lists
//! and members, tasks, a custom email-event activity, OData query options, server-driven paging,
//! `$batch` with atomic change sets, and per-user service-protection limits.

use crate::clock::iso_z;
use crate::data::{Kind, Row, Schema, Table, Val, cmp_vals, json_val, val_json};
use crate::http::{ReadError, Req, json_response, malformed, set_header, text_response};
use crate::soql::{self, Bound};
use crate::state::{FaultKind, InFlight, Shared, lock};
use crate::world::{World, new_uuid, touch};
use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::response::Response;
use serde_json::{Map, Value, json};
use std::sync::Arc;
use uuid::Uuid;

const API: &str = "/api/data/v9.2";
const MAX_PAGE: usize = 5000;
const COMPUTED: [&str; 5] = ["fullname", "membercount", "createdon", "modifiedon", "versionnumber"];

/// (entity set, logical name, primary key)
const SETS: [(&str, &str, &str); 5] = [
    ("contacts", "contact", "contactid"),
    ("leads", "lead", "leadid"),
    ("lists", "list", "listid"),
    ("tasks", "task", "activityid"),
    ("lia_emailevents", "lia_emailevent", "activityid"),
];

fn set_info(name: &str) -> Option<(&'static str, &'static str, &'static str)> {
    SETS.iter().copied().find(|(s, _, _)| *s == name)
}

fn table<'a>(w: &'a mut World, set: &str) -> &'a mut Table<Uuid> {
    match set {
        "contacts" => &mut w.dv_contacts,
        "leads" => &mut w.dv_leads,
        "lists" => &mut w.dv_lists,
        "tasks" => &mut w.dv_tasks,
        _ => &mut w.dv_emailevents,
    }
}

/// A finished response, kept abstract so `$batch` can embed it as an HTTP message.
struct Resp {
    status: StatusCode,
    headers: Vec<(&'static str, String)>,
    body: Option<Value>,
}

impl Resp {
    fn json(status: StatusCode, body: Value) -> Resp {
        Resp { status, headers: Vec::new(), body: Some(body) }
    }
    fn empty(status: StatusCode) -> Resp {
        Resp { status, headers: Vec::new(), body: None }
    }
    fn header(mut self, k: &'static str, v: String) -> Resp {
        self.headers.push((k, v));
        self
    }
    fn into_response(self) -> Response {
        let raw = self.headers.iter().find(|(k, _)| *k == "Content-Type").map(|(_, v)| v.clone());
        let mut r = match &self.body {
            Some(Value::String(s)) if raw.is_some() => {
                let mut r = text_response(self.status, "text/plain", s.clone());
                set_header(&mut r, "Content-Type", raw.as_deref().unwrap_or("text/plain"));
                r
            }
            Some(b) => {
                let mut r = json_response(self.status, b);
                set_header(&mut r, "Content-Type", "application/json; odata.metadata=minimal");
                r
            }
            None => text_response(self.status, "application/json; odata.metadata=minimal", ""),
        };
        set_header(&mut r, "OData-Version", "4.0");
        for (k, v) in &self.headers {
            set_header(&mut r, k, v);
        }
        r
    }
}

fn error(status: StatusCode, code: &str, message: &str) -> Resp {
    Resp::json(status, json!({"error": {"code": code, "message": message}}))
}

fn not_found_segment(seg: &str) -> Resp {
    error(StatusCode::NOT_FOUND, "0x8006088a", &format!("Resource not found for the segment '{seg}'."))
}

fn bad_request(message: &str) -> Resp {
    error(StatusCode::BAD_REQUEST, "0x80060888", message)
}

fn does_not_exist(entity: &str, id: &str) -> Resp {
    error(StatusCode::NOT_FOUND, "0x80040217", &format!("{entity} With Id = {id} Does Not Exist"))
}

fn unauthorized(sh: &Shared, expired: bool) -> Response {
    let mut r = text_response(StatusCode::UNAUTHORIZED, "text/plain", "");
    let auth = format!(
        "Bearer {}authorization_uri={}/oauth2/authorize, resource_id={}",
        if expired { "error=invalid_token, error_description=\"Error during token validation!\", " } else { "" },
        sh.endpoints.dynamics.authority_url,
        sh.endpoints.dynamics.org_url
    );
    set_header(&mut r, "WWW-Authenticate", &auth);
    r
}

pub(crate) async fn entry(State(sh): State<Arc<Shared>>, request: Request) -> Response {
    let req = match Req::read(request, 50 * 1024 * 1024).await {
        Ok(r) => r,
        Err(ReadError::TooLarge) => {
            return error(StatusCode::PAYLOAD_TOO_LARGE, "0x8004f003", "Request entity too large").into_response();
        }
        Err(ReadError::Broken) => return bad_request("The request body could not be read.").into_response(),
    };
    sh.count_call("dynamics", req.endpoint_label());
    let Some(rest) = req.path.strip_prefix(API).map(|r| r.trim_start_matches('/').to_string()) else {
        let seg = req.segments().first().map(|s| s.to_string()).unwrap_or_default();
        return not_found_segment(&seg).into_response();
    };
    let now = sh.now_ms();
    let Some(token) = req.bearer() else { return unauthorized(&sh, false) };
    let user = match lock(&sh.auth).check("microsoft", token, now) {
        Ok(t) => t.client_id.clone(),
        Err(expired) => return unauthorized(&sh, expired),
    };
    let settings = sh.settings();
    if let Some(f) = sh.fault("dynamics") {
        return match f {
            FaultKind::ServerError => {
                error(StatusCode::SERVICE_UNAVAILABLE, "0x80040216", "An unexpected error occurred.").into_response()
            }
            FaultKind::Timeout => {
                tokio::time::sleep(std::time::Duration::from_millis(settings.fault_timeout_ms)).await;
                error(
                    StatusCode::GATEWAY_TIMEOUT,
                    "0x80040216",
                    "The request channel timed out while waiting for a reply.",
                )
                .into_response()
            }
            FaultKind::RateLimit => {
                // Injected: counted under `faults`; `violations` counts only the client's own overuse.
                let limit = settings.dynamics_requests_per_window;
                error(
                    StatusCode::TOO_MANY_REQUESTS,
                    "0x80072322",
                    &format!(
                        "Number of requests exceeded the limit of {limit} over time window of {} seconds.",
                        settings.dynamics_window_secs
                    ),
                )
                .header("Retry-After", "1".into())
                .into_response()
            }
            FaultKind::ExpiredToken => unauthorized(&sh, true),
            FaultKind::Malformed => malformed(
                "application/json; odata.metadata=minimal",
                "{\"@odata.context\":\"$metadata#contacts\",\"value\":[{",
            ),
        };
    }
    let (_guard, inflight) = InFlight::enter(&sh.dynamics_inflight);
    if settings.limits_enabled {
        if inflight > settings.dynamics_concurrency {
            sh.violation("dynamics", "0x80072326");
            return error(
                StatusCode::TOO_MANY_REQUESTS,
                "0x80072326",
                &format!("Number of concurrent requests exceeded the limit of {}.", settings.dynamics_concurrency),
            )
            .header("Retry-After", "1".into())
            .into_response();
        }
        let window = settings.dynamics_window_secs * 1000;
        let admitted = lock(&sh.limits).dynamics.entry(user).or_default().admit(
            now,
            window,
            settings.dynamics_requests_per_window,
        );
        if let Err(wait) = admitted {
            sh.violation("dynamics", "0x80072322");
            return error(
                StatusCode::TOO_MANY_REQUESTS,
                "0x80072322",
                &format!(
                    "Number of requests exceeded the limit of {} over time window of {} seconds.",
                    settings.dynamics_requests_per_window, settings.dynamics_window_secs
                ),
            )
            .header("Retry-After", sh.clock.real_secs(wait).to_string())
            .into_response();
        }
    }
    if settings.latency_ms > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(settings.latency_ms)).await;
    }
    if rest == "$batch" && req.method == Method::POST {
        return batch(&sh, &req, now);
    }
    let mut w = lock(&sh.world);
    exec(&sh, &mut w, &req, &rest, now, &mut None).into_response()
}

/// Undo log of a change set: restoring these entries rolls the world back.
enum Undo {
    Row(&'static str, Uuid, Option<Row>),
    Members(Uuid, Option<std::collections::BTreeMap<Uuid, Uuid>>),
}

type Journal = Option<Vec<Undo>>;

fn put_row(w: &mut World, set: &'static str, key: Uuid, row: Option<Row>, journal: &mut Journal) {
    let t = table(w, set);
    let old = match row {
        Some(r) => t.rows.insert(key, r),
        None => t.rows.remove(&key),
    };
    if let Some(j) = journal {
        j.push(Undo::Row(set, key, old));
    }
}

fn change_members(
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

fn rollback(w: &mut World, journal: Vec<Undo>) {
    for u in journal.into_iter().rev() {
        match u {
            Undo::Row(set, key, old) => {
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

/// `contacts(00000000-…)` → ("contacts", Some(id)); errors are Dataverse responses.
fn split_key(seg: &str) -> Result<(&str, Option<Uuid>), Resp> {
    match seg.find('(') {
        Some(open) if seg.ends_with(')') => {
            let inner = &seg[open + 1..seg.len() - 1];
            if inner.is_empty() {
                return Ok((&seg[..open], None));
            }
            inner
                .parse::<Uuid>()
                .map(|u| (&seg[..open], Some(u)))
                .map_err(|_| bad_request(&format!("Bad Request - Error in query syntax: invalid key '{inner}'.")))
        }
        _ => Ok((seg, None)),
    }
}

fn prefer(req: &Req, what: &str) -> Option<String> {
    req.headers
        .get_all("prefer")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .find_map(|p| {
            if p == what {
                Some(String::new())
            } else {
                p.strip_prefix(what).and_then(|r| r.strip_prefix('=')).map(|v| v.trim_matches('"').to_string())
            }
        })
}

fn exec(sh: &Shared, w: &mut World, req: &Req, rest: &str, now: i64, journal: &mut Journal) -> Resp {
    let org = &sh.endpoints.dynamics.org_url;
    let segs: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
    let m = &req.method;
    if segs.is_empty() {
        let value: Vec<Value> =
            SETS.iter().map(|(s, _, _)| json!({"name": s, "kind": "EntitySet", "url": s})).collect();
        return Resp::json(StatusCode::OK, json!({"@odata.context": format!("{org}{API}/$metadata"), "value": value}));
    }
    if matches!(segs[0], "WhoAmI" | "WhoAmI()") && *m == Method::GET {
        return Resp::json(
            StatusCode::OK,
            json!({"@odata.context": format!("{org}{API}/$metadata#Microsoft.Dynamics.CRM.WhoAmIResponse"),
                "BusinessUnitId": w.dv_user.1, "UserId": w.dv_user.0, "OrganizationId": w.dv_user.2}),
        );
    }
    if segs[0] == "$metadata" {
        return metadata(w);
    }
    if segs[0] == "AddListMembersList" && *m == Method::POST {
        return add_list_members_list(w, req, now, journal);
    }
    let (set, key) = match split_key(segs[0]) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let Some((set, entity, pk)) = set_info(set) else { return not_found_segment(segs[0]) };
    match (segs.len(), key) {
        (1, None) if *m == Method::GET => query(sh, w, req, set, entity, pk),
        (1, None) if *m == Method::POST => create(sh, w, req, set, entity, pk, None, now, journal),
        (1, Some(id)) => match *m {
            Method::GET => get_one(sh, w, req, set, entity, pk, id),
            Method::PATCH => upsert(sh, w, req, set, entity, pk, id, now, journal),
            Method::DELETE => {
                if table(w, set).rows.contains_key(&id) {
                    put_row(w, set, id, None, journal);
                    if set == "contacts" || set == "leads" {
                        let lists: Vec<Uuid> =
                            w.dv_members.iter().filter(|(_, m)| m.contains_key(&id)).map(|(l, _)| *l).collect();
                        for l in lists {
                            change_members(w, l, journal, |m| {
                                m.remove(&id);
                            });
                        }
                    }
                    Resp::empty(StatusCode::NO_CONTENT)
                } else {
                    does_not_exist(entity, &id.to_string())
                }
            }
            _ => error(
                StatusCode::METHOD_NOT_ALLOWED,
                "0x80060888",
                "The requested resource does not support http method.",
            ),
        },
        (2, None) if segs[1] == "$count" && *m == Method::GET => {
            let n = table(w, set).rows.len().min(MAX_PAGE);
            Resp {
                status: StatusCode::OK,
                headers: vec![("Content-Type", "text/plain".into())],
                body: Some(Value::String(n.to_string())),
            }
        }
        (2, Some(list)) if set == "lists" => match (segs[1], m) {
            ("Microsoft.Dynamics.CRM.AddMemberList", &Method::POST) => member_op(w, req, list, true, journal),
            ("Microsoft.Dynamics.CRM.RemoveMemberList", &Method::POST) => member_op(w, req, list, false, journal),
            ("listcontact_association" | "listlead_association", &Method::GET) => {
                list_members(sh, w, req, list, segs[1])
            }
            _ => not_found_segment(segs[1]),
        },
        (3, Some(list)) if set == "lists" && segs[2] == "$ref" => {
            let (nav, member) = match split_key(segs[1]) {
                Ok(x) => x,
                Err(r) => return r,
            };
            if !matches!(nav, "listcontact_association" | "listlead_association") {
                return not_found_segment(segs[1]);
            }
            match (m, member) {
                (&Method::POST, None) => {
                    let target =
                        req.json().ok().and_then(|v| v.get("@odata.id").and_then(Value::as_str).map(String::from));
                    let Some(id) = target
                        .as_deref()
                        .and_then(|t| t.rsplit('/').next())
                        .and_then(|s| split_key(s).ok())
                        .and_then(|(_, k)| k)
                    else {
                        return bad_request("The @odata.id of the entity reference is missing or invalid.");
                    };
                    ref_member(w, list, id, true, journal)
                }
                (&Method::DELETE, Some(id)) => ref_member(w, list, id, false, journal),
                _ => error(
                    StatusCode::METHOD_NOT_ALLOWED,
                    "0x80060888",
                    "The requested resource does not support http method.",
                ),
            }
        }
        _ => not_found_segment(segs.last().copied().unwrap_or("")),
    }
}

fn etag(schema: &Schema, row: &Row) -> String {
    format!("W/\"{}\"", row.get(schema, "versionnumber").as_int().unwrap_or(0))
}

fn entity_json(schema: &Schema, row: &Row, fields: &[usize]) -> Value {
    let mut m = Map::new();
    m.insert("@odata.etag".into(), json!(etag(schema, row)));
    for &i in fields {
        let def = &schema.fields[i];
        m.insert(def.name.clone(), val_json(def, &row.0[i], iso_z));
    }
    Value::Object(m)
}

/// `$select` (primary key always included) or every column.
fn select(req: &Req, schema: &Schema, entity: &str, pk: &str) -> Result<(Vec<usize>, Option<String>), Resp> {
    let Some(sel) = req.q("$select").filter(|s| !s.trim().is_empty()) else {
        return Ok(((0..schema.fields.len()).collect(), None));
    };
    let mut out = Vec::new();
    for name in sel.split(',').map(str::trim) {
        let i = schema.idx(name).ok_or_else(|| {
            bad_request(&format!("Could not find a property named '{name}' on type 'Microsoft.Dynamics.CRM.{entity}'."))
        })?;
        if !out.contains(&i) {
            out.push(i);
        }
    }
    if let Some(p) = schema.idx(pk)
        && !out.contains(&p)
    {
        out.push(p);
    }
    Ok((out, Some(sel.to_string())))
}

fn order(req: &Req, schema: &Schema, entity: &str) -> Result<Vec<(usize, bool)>, Resp> {
    let mut out = Vec::new();
    for part in req.q("$orderby").unwrap_or("").split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let mut it = part.split_whitespace();
        let name = it.next().unwrap_or("");
        let i = schema.idx(name).ok_or_else(|| {
            bad_request(&format!("Could not find a property named '{name}' on type 'Microsoft.Dynamics.CRM.{entity}'."))
        })?;
        let desc = match it.next() {
            None | Some("asc") => false,
            Some("desc") => true,
            Some(other) => {
                return Err(bad_request(&format!(
                    "Syntax error: character '{other}' is not valid at position {}.",
                    part.len()
                )));
            }
        };
        out.push((i, desc));
    }
    Ok(out)
}

fn page_size(req: &Req) -> Option<usize> {
    prefer(req, "odata.maxpagesize").and_then(|v| v.parse::<usize>().ok()).map(|n| n.clamp(1, MAX_PAGE))
}

fn page_number(req: &Req) -> Result<usize, Resp> {
    match req.q("$skiptoken") {
        None => Ok(1),
        Some(tok) => tok
            .split("pagenumber=\"")
            .nth(1)
            .and_then(|r| r.split('"').next())
            .and_then(|n| n.parse::<usize>().ok())
            .filter(|n| *n >= 1)
            .ok_or_else(|| bad_request("The $skiptoken is invalid.")),
    }
}

fn context(org: &str, set: &str, sel: &Option<String>) -> String {
    match sel {
        Some(s) => format!("{org}{API}/$metadata#{set}({s})"),
        None => format!("{org}{API}/$metadata#{set}"),
    }
}

/// Runs `$filter`/`$orderby`/`$top`/`$count` and server-driven paging over `keys`.
#[allow(clippy::too_many_arguments)]
fn run_query(
    sh: &Shared,
    req: &Req,
    schema: &Schema,
    rows: Vec<(&Uuid, &Row)>,
    entity: &str,
    pk: &str,
    set_path: &str,
    ctx_set: &str,
) -> Resp {
    let org = &sh.endpoints.dynamics.org_url;
    if req.q("$skip").is_some() {
        return bad_request("The query parameter $skip is not supported");
    }
    let (fields, sel) = match select(req, schema, entity, pk) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let filter: Option<Bound> = match req.q("$filter") {
        Some(f) => match crate::odata::parse(f, schema, entity) {
            Ok(b) => Some(b),
            Err(msg) => return bad_request(&msg),
        },
        None => None,
    };
    let ord = match order(req, schema, entity) {
        Ok(o) => o,
        Err(r) => return r,
    };
    let top = match req.q("$top").map(|t| t.parse::<usize>()) {
        None => None,
        Some(Ok(t)) => Some(t),
        Some(Err(_)) => return bad_request("Invalid value for $top."),
    };
    let mut matched: Vec<(&Uuid, &Row)> =
        rows.into_iter().filter(|(_, r)| filter.as_ref().is_none_or(|f| soql::eval(f, r))).collect();
    if !ord.is_empty() {
        matched.sort_by(|a, b| {
            for (i, desc) in &ord {
                let o = cmp_vals(&a.1.0[*i], &b.1.0[*i]);
                let o = if *desc { o.reverse() } else { o };
                if o != std::cmp::Ordering::Equal {
                    return o;
                }
            }
            std::cmp::Ordering::Equal
        });
    }
    if let Some(t) = top {
        matched.truncate(t);
    }
    let total = matched.len();
    let max_page = page_size(req);
    let size = max_page.unwrap_or(MAX_PAGE);
    let pageno = match page_number(req) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let start = (pageno - 1) * size;
    let value: Vec<Value> =
        matched.iter().skip(start).take(size).map(|(_, r)| entity_json(schema, r, &fields)).collect();
    let mut body = json!({"@odata.context": context(org, ctx_set, &sel), "value": value});
    if req.q("$count") == Some("true") {
        body["@odata.count"] = json!(total.min(MAX_PAGE));
    }
    if start + size < total {
        let cookie = format!(
            "<cookie pagenumber=\"{}\" pagingcookie=\"%253ccookie%2520page%253d%2522{pageno}%2522%253e%253c%252fcookie%253e\" istracking=\"False\" />",
            pageno + 1
        );
        let mut q: Vec<(String, String)> = req.query.iter().filter(|(k, _)| k != "$skiptoken").cloned().collect();
        q.push(("$skiptoken".into(), cookie));
        let qs = q.iter().map(|(k, v)| format!("{k}={}", crate::http::enc(v))).collect::<Vec<_>>().join("&");
        body["@odata.nextLink"] = json!(format!("{org}{API}/{set_path}?{qs}"));
    }
    let mut r = Resp::json(StatusCode::OK, body);
    if let Some(n) = max_page {
        r = r.header("Preference-Applied", format!("odata.maxpagesize={n}"));
    }
    r
}

fn query(sh: &Shared, w: &mut World, req: &Req, set: &str, entity: &str, pk: &str) -> Resp {
    let t = table(w, set);
    let schema = t.schema.clone();
    let rows: Vec<(&Uuid, &Row)> = t.rows.iter().collect();
    run_query(sh, req, &schema, rows, entity, pk, set, set)
}

fn list_members(sh: &Shared, w: &mut World, req: &Req, list: Uuid, nav: &str) -> Resp {
    if !w.dv_lists.rows.contains_key(&list) {
        return does_not_exist("list", &list.to_string());
    }
    let (set, entity, pk) =
        if nav == "listlead_association" { ("leads", "lead", "leadid") } else { ("contacts", "contact", "contactid") };
    let members: Vec<Uuid> = w.dv_members.get(&list).map(|m| m.keys().copied().collect()).unwrap_or_default();
    let t = table(w, set);
    let schema = t.schema.clone();
    let rows: Vec<(&Uuid, &Row)> = members.iter().filter_map(|id| t.rows.get_key_value(id)).collect();
    run_query(sh, req, &schema, rows, entity, pk, &format!("lists({list})/{nav}"), set)
}

fn get_one(sh: &Shared, w: &mut World, req: &Req, set: &str, entity: &str, pk: &str, id: Uuid) -> Resp {
    let org = &sh.endpoints.dynamics.org_url;
    let t = table(w, set);
    let schema = t.schema.clone();
    let (fields, sel) = match select(req, &schema, entity, pk) {
        Ok(x) => x,
        Err(r) => return r,
    };
    match t.rows.get(&id) {
        Some(r) => {
            let mut v = entity_json(&schema, r, &fields);
            v["@odata.context"] = json!(format!("{}/$entity", context(org, set, &sel)));
            Resp::json(StatusCode::OK, v).header("ETag", etag(&schema, r))
        }
        None => does_not_exist(entity, &id.to_string()),
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
            let lookup = nav.split('_').next().unwrap_or(nav);
            let Some(i) = schema.idx(&format!("_{lookup}_value")) else {
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
fn create(
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
fn upsert(
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

/// Member type must match the list's `createdfromcode` (2 = contact, 4 = lead).
fn check_member(w: &World, list: Uuid, member: Uuid) -> Result<(), Resp> {
    let s = w.dv_lists.schema.clone();
    let Some(l) = w.dv_lists.rows.get(&list) else { return Err(does_not_exist("list", &list.to_string())) };
    if l.get(&s, "lockstatus").as_bool() {
        return Err(error(StatusCode::BAD_REQUEST, "0x80040225", "Cannot add members to a locked marketing list."));
    }
    let ok = match l.get(&s, "createdfromcode").as_int() {
        Some(4) => w.dv_leads.rows.contains_key(&member),
        _ => w.dv_contacts.rows.contains_key(&member),
    };
    if ok {
        Ok(())
    } else {
        let entity = if l.get(&s, "createdfromcode").as_int() == Some(4) { "lead" } else { "contact" };
        Err(does_not_exist(entity, &member.to_string()))
    }
}

fn member_op(w: &mut World, req: &Req, list: Uuid, add: bool, journal: &mut Journal) -> Resp {
    let Some(member) =
        req.json().ok().and_then(|v| v.get("EntityId").and_then(Value::as_str).and_then(|s| s.parse::<Uuid>().ok()))
    else {
        return bad_request("Parameter 'EntityId' is missing or is not a valid Edm.Guid.");
    };
    if let Err(r) = check_member(w, list, member) {
        return r;
    }
    if add {
        let new_id = new_uuid(&mut w.rng);
        let mut id = new_id;
        change_members(w, list, journal, |m| {
            id = *m.entry(member).or_insert(new_id);
        });
        Resp::json(
            StatusCode::OK,
            json!({"@odata.context": format!("$metadata#Microsoft.Dynamics.CRM.AddMemberListResponse"), "Id": id}),
        )
    } else {
        change_members(w, list, journal, |m| {
            m.remove(&member);
        });
        Resp::empty(StatusCode::NO_CONTENT)
    }
}

fn ref_member(w: &mut World, list: Uuid, member: Uuid, add: bool, journal: &mut Journal) -> Resp {
    if let Err(r) = check_member(w, list, member) {
        return r;
    }
    let new_id = new_uuid(&mut w.rng);
    change_members(w, list, journal, |m| {
        if add {
            m.entry(member).or_insert(new_id);
        } else {
            m.remove(&member);
        }
    });
    Resp::empty(StatusCode::NO_CONTENT)
}

fn add_list_members_list(w: &mut World, req: &Req, _now: i64, journal: &mut Journal) -> Resp {
    let body = match req.json() {
        Ok(v) => v,
        Err(_) => return bad_request("Invalid JSON. A token was not recognized in the JSON content."),
    };
    let Some(list) =
        body.get("List").and_then(|l| l.get("listid")).and_then(Value::as_str).and_then(|s| s.parse::<Uuid>().ok())
    else {
        return bad_request("Parameter 'List' is missing or has no valid 'listid'.");
    };
    let Some(members) = body.get("Members").and_then(Value::as_array) else {
        return bad_request("Parameter 'Members' is missing.");
    };
    let mut ids = Vec::new();
    for m in members {
        let id = ["contactid", "leadid", "accountid"]
            .iter()
            .find_map(|k| m.get(*k).and_then(Value::as_str))
            .and_then(|s| s.parse::<Uuid>().ok());
        let Some(id) = id else { return bad_request("Each member needs a contactid, leadid or accountid.") };
        if let Err(r) = check_member(w, list, id) {
            return r;
        }
        ids.push(id);
    }
    let new_ids: Vec<Uuid> = ids.iter().map(|_| new_uuid(&mut w.rng)).collect();
    change_members(w, list, journal, |m| {
        for (id, nid) in ids.iter().zip(new_ids) {
            m.entry(*id).or_insert(nid);
        }
    });
    Resp::empty(StatusCode::NO_CONTENT)
}

fn metadata(w: &World) -> Resp {
    let mut xml = String::from(
        r#"<?xml version="1.0" encoding="utf-8"?><edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx"><edmx:DataServices><Schema Namespace="Microsoft.Dynamics.CRM" Alias="mscrm" xmlns="http://docs.oasis-open.org/odata/ns/edm">"#,
    );
    let mut container = String::from(r#"<EntityContainer Name="System">"#);
    for (set, entity, pk) in SETS {
        let schema = match set {
            "contacts" => &w.dv_contacts.schema,
            "leads" => &w.dv_leads.schema,
            "lists" => &w.dv_lists.schema,
            "tasks" => &w.dv_tasks.schema,
            _ => &w.dv_emailevents.schema,
        };
        xml.push_str(&format!(r#"<EntityType Name="{entity}"><Key><PropertyRef Name="{pk}" /></Key>"#));
        for f in &schema.fields {
            xml.push_str(&format!(r#"<Property Name="{}" Type="{}" />"#, f.name, crate::odata::edm(f.kind)));
        }
        xml.push_str("</EntityType>");
        container.push_str(&format!(r#"<EntitySet Name="{set}" EntityType="Microsoft.Dynamics.CRM.{entity}" />"#));
    }
    xml.push_str(&container);
    xml.push_str("</EntityContainer></Schema></edmx:DataServices></edmx:Edmx>");
    Resp {
        status: StatusCode::OK,
        headers: vec![("Content-Type", "application/xml".into())],
        body: Some(Value::String(xml)),
    }
}

// ------------------------------------------------------------------ $batch

/// One embedded HTTP request of a batch.
struct Part {
    content_id: Option<String>,
    method: Method,
    target: String,
    headers: HeaderMap,
    body: Bytes,
}

fn boundary_of(content_type: &str) -> Option<String> {
    content_type
        .split(';')
        .map(str::trim)
        .find_map(|p| p.strip_prefix("boundary="))
        .map(|b| b.trim_matches('"').to_string())
}

/// Splits a multipart/mixed body into (part headers, part body) pairs.
fn split_multipart(body: &str, boundary: &str) -> Option<Vec<(HeaderMap, String)>> {
    let delim = format!("--{boundary}");
    let mut parts = Vec::new();
    let mut sections = body.split(delim.as_str());
    sections.next()?;
    for sec in sections {
        if sec.starts_with("--") {
            return Some(parts);
        }
        let sec = sec.strip_prefix("\r\n").or_else(|| sec.strip_prefix('\n')).unwrap_or(sec);
        let (head, rest) = split_head(sec);
        parts.push((parse_headers(head), rest.trim_end_matches(['\r', '\n']).to_string()));
    }
    None
}

fn split_head(s: &str) -> (&str, &str) {
    if let Some(i) = s.find("\r\n\r\n") {
        (&s[..i], &s[i + 4..])
    } else if let Some(i) = s.find("\n\n") {
        (&s[..i], &s[i + 2..])
    } else {
        (s, "")
    }
}

fn parse_headers(head: &str) -> HeaderMap {
    let mut h = HeaderMap::new();
    for line in head.lines() {
        if let Some((k, v)) = line.split_once(':')
            && let (Ok(k), Ok(v)) = (HeaderName::from_bytes(k.trim().as_bytes()), HeaderValue::from_str(v.trim()))
        {
            h.append(k, v);
        }
    }
    h
}

fn parse_part(headers: &HeaderMap, body: &str) -> Option<Part> {
    let (head, payload) = split_head(body);
    let mut lines = head.lines();
    let request_line = lines.next()?.trim();
    let (method, rest) = request_line.split_once(' ')?;
    let method = Method::from_bytes(method.as_bytes()).ok()?;
    // Tolerate unencoded spaces in the target: it runs up to the trailing " HTTP/1.1".
    let target = rest.rsplit_once(" HTTP/").map(|(t, _)| t).unwrap_or(rest).trim().to_string();
    let inner_headers = parse_headers(&lines.collect::<Vec<_>>().join("\n"));
    Some(Part {
        content_id: headers.get("content-id").and_then(|v| v.to_str().ok()).map(String::from),
        method,
        target,
        headers: inner_headers,
        body: Bytes::from(payload.to_string()),
    })
}

fn http_text(r: &Resp, content_id: Option<&str>) -> String {
    let mut s = String::from("Content-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n");
    if let Some(id) = content_id {
        s.push_str(&format!("Content-ID: {id}\r\n"));
    }
    s.push_str(&format!("\r\nHTTP/1.1 {} {}\r\n", r.status.as_u16(), r.status.canonical_reason().unwrap_or("")));
    s.push_str("OData-Version: 4.0\r\n");
    for (k, v) in &r.headers {
        s.push_str(&format!("{k}: {v}\r\n"));
    }
    match &r.body {
        Some(b) => s.push_str(&format!("Content-Type: application/json; odata.metadata=minimal\r\n\r\n{b}\r\n")),
        None => s.push_str("\r\n"),
    }
    s
}

/// A top-level batch item: a change set (`Ok`, its parts) or a single request part (`Err`).
type BatchUnit = Result<Vec<(HeaderMap, String)>, (HeaderMap, String)>;

fn batch(sh: &Shared, req: &Req, now: i64) -> Response {
    let ct = req.content_type();
    let Some(boundary) =
        ct.starts_with("multipart/mixed").then(|| boundary_of(req.header("content-type").unwrap_or(""))).flatten()
    else {
        return bad_request("The content type of a batch request must be multipart/mixed with a boundary.")
            .into_response();
    };
    let body = String::from_utf8_lossy(&req.body).to_string();
    let Some(parts) = split_multipart(&body, &boundary) else {
        return bad_request("The batch request body is not a valid multipart/mixed message.").into_response();
    };
    // Count embedded requests (change-set items count individually).
    let mut units: Vec<BatchUnit> = Vec::new();
    let mut count = 0;
    for (h, b) in parts {
        let pct = h.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
        if pct.to_ascii_lowercase().starts_with("multipart/mixed") {
            let Some(items) = boundary_of(&pct).and_then(|cb| split_multipart(&b, &cb)) else {
                return bad_request("A change set in the batch is not a valid multipart/mixed message.")
                    .into_response();
            };
            count += items.len();
            units.push(Ok(items));
        } else {
            count += 1;
            units.push(Err((h, b)));
        }
    }
    if count > 1000 {
        return bad_request("The number of requests in the batch exceeds the limit of 1000.").into_response();
    }
    let continue_on_error = prefer(req, "odata.continue-on-error").is_some();
    let out_boundary = format!("batchresponse_{}", Uuid::new_v4());
    let mut out = String::new();
    let mut w = lock(&sh.world);
    let org = sh.endpoints.dynamics.org_url.clone();
    let to_req = |p: &Part, refs: &std::collections::HashMap<String, String>| -> Req {
        let mut target = p.target.clone();
        if let Some(rest) = target.strip_prefix('$') {
            let (id, tail) = rest.split_once('/').map(|(a, b)| (a, format!("/{b}"))).unwrap_or((rest, String::new()));
            if let Some(url) = refs.get(id) {
                target = format!("{url}{tail}");
            }
        }
        let target = target.strip_prefix(&org).unwrap_or(&target).to_string();
        let target = if target.starts_with('/') { target } else { format!("{API}/{target}") };
        let (path, query) = target.split_once('?').unwrap_or((&target, ""));
        // `"x@odata.bind": "$1"` refers to an entity created earlier in the change set.
        let mut body = p.body.clone();
        if let Ok(Value::Object(mut m)) = serde_json::from_slice::<Value>(&p.body) {
            let mut changed = false;
            for (k, v) in m.iter_mut() {
                if k.ends_with("@odata.bind")
                    && let Some(url) = v.as_str().and_then(|s| s.strip_prefix('$')).and_then(|id| refs.get(id))
                {
                    *v = Value::String(url.clone());
                    changed = true;
                }
            }
            if changed {
                body = Bytes::from(Value::Object(m).to_string());
            }
        }
        Req {
            method: p.method.clone(),
            path: path.to_string(),
            query: crate::http::parse_form(query.as_bytes()),
            headers: p.headers.clone(),
            body,
        }
    };
    let run = |w: &mut World, inner: &Req, journal: &mut Journal| -> Resp {
        match inner.path.strip_prefix(API) {
            Some(rest) => exec(sh, w, inner, rest.trim_start_matches('/'), now, journal),
            None => not_found_segment(inner.path.trim_start_matches('/')),
        }
    };
    for unit in units {
        out.push_str(&format!("--{out_boundary}\r\n"));
        match unit {
            Err((h, b)) => {
                let Some(p) = parse_part(&h, &b) else {
                    out.push_str(&http_text(&bad_request("Invalid embedded HTTP request in batch."), None));
                    if !continue_on_error {
                        break;
                    }
                    continue;
                };
                let inner = to_req(&p, &Default::default());
                let r = run(&mut w, &inner, &mut None);
                let failed = r.status.is_client_error() || r.status.is_server_error();
                out.push_str(&http_text(&r, None));
                if failed && !continue_on_error {
                    break;
                }
            }
            Ok(items) => {
                let cs = format!("changesetresponse_{}", Uuid::new_v4());
                let mut journal: Journal = Some(Vec::new());
                let mut refs = std::collections::HashMap::new();
                let mut texts = Vec::new();
                let mut failure: Option<Resp> = None;
                for (h, b) in items {
                    let Some(p) = parse_part(&h, &b) else {
                        failure = Some(bad_request("Invalid embedded HTTP request in change set."));
                        break;
                    };
                    if p.method == Method::GET {
                        failure = Some(bad_request("GET requests are not allowed inside a change set."));
                        break;
                    }
                    let inner = to_req(&p, &refs);
                    let r = run(&mut w, &inner, &mut journal);
                    if r.status.is_client_error() || r.status.is_server_error() {
                        failure = Some(r);
                        break;
                    }
                    if let (Some(id), Some((_, url))) =
                        (&p.content_id, r.headers.iter().find(|(k, _)| *k == "OData-EntityId"))
                    {
                        refs.insert(id.clone(), url.clone());
                    }
                    texts.push(http_text(&r, p.content_id.as_deref()));
                }
                match failure {
                    Some(r) => {
                        rollback(&mut w, journal.unwrap_or_default());
                        out.push_str(&http_text(&r, None));
                        if !continue_on_error {
                            break;
                        }
                    }
                    None => {
                        out.push_str(&format!("Content-Type: multipart/mixed; boundary={cs}\r\n\r\n"));
                        for t in texts {
                            out.push_str(&format!("--{cs}\r\n{t}"));
                        }
                        out.push_str(&format!("--{cs}--\r\n"));
                    }
                }
            }
        }
    }
    out.push_str(&format!("--{out_boundary}--\r\n"));
    let mut r = text_response(StatusCode::OK, "multipart/mixed", out);
    set_header(&mut r, "Content-Type", &format!("multipart/mixed; boundary={out_boundary}"));
    set_header(&mut r, "OData-Version", "4.0");
    r
}
