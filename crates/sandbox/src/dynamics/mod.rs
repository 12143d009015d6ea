//! Dataverse Web API emulator (`{org_url}/api/data/v9.2/...`): contacts, leads, marketing lists
//! and members, tasks, a custom email-event activity, OData query options, server-driven paging,
//! `$batch` with atomic change sets, and per-user service-protection limits.

mod batch;
mod changes;
mod lists;
mod metadata;
mod query;
mod writes;

use crate::data::Table;
use crate::http::{ReadError, Req, json_response, malformed, set_header, text_response};
use crate::state::{FaultKind, InFlight, Shared, lock};
use crate::world::World;
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::response::Response;
use batch::batch;
use lists::{add_list_members_list, list_members, member_op, ref_member};
use query::{get_one, query};
use serde_json::{Value, json};
use std::sync::Arc;
use uuid::Uuid;
use writes::{Journal, change_members, create, put_row, upsert};

const API: &str = "/api/data/v9.2";
const MAX_PAGE: usize = 5000;
const COMPUTED: [&str; 5] = ["fullname", "membercount", "createdon", "modifiedon", "versionnumber"];

/// (entity set, logical name, primary key)
const SETS: [(&str, &str, &str); 6] = [
    ("contacts", "contact", "contactid"),
    ("leads", "lead", "leadid"),
    ("lists", "list", "listid"),
    ("tasks", "task", "activityid"),
    ("lia_emailevents", "lia_emailevent", "activityid"),
    ("lia_productinterests", "lia_productinterest", "lia_productinterestid"),
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
        "lia_productinterests" => &mut w.dv_interests,
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
    if segs[0].starts_with("EntityDefinitions") && *m == Method::GET {
        return metadata::entity_definitions(sh, w, req, &segs);
    }
    if segs[0].starts_with("RetrieveCurrentOrganization(") && *m == Method::GET {
        return metadata::retrieve_current_organization(sh, w, req, segs[0]);
    }
    if matches!(segs[0], "RetrieveVersion" | "RetrieveVersion()") && *m == Method::GET {
        let version = if sh.settings().dynamics_on_premises { "9.1.0.32091" } else { "9.2.25113.171" };
        return Resp::json(
            StatusCode::OK,
            json!({"@odata.context": format!("{org}{API}/$metadata#Microsoft.Dynamics.CRM.RetrieveVersionResponse"),
                "Version": version}),
        );
    }
    if segs == ["activitypointers"] && *m == Method::GET {
        return metadata::activitypointers(sh, w, req);
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
        (1, None) if *m == Method::GET => query(sh, w, req, set, entity, pk, now),
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
            "lia_productinterests" => &w.dv_interests.schema,
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
