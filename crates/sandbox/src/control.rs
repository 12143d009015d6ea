//! Control API for tests and the desktop app: counters, tokens, mail, reset, faults, settings,
//! virtual clock and vendor-side edits.

use crate::data::{Val, json_val};
use crate::http::json_response;
use crate::state::{FaultKind, QueuedFault, Settings, Shared, lock};
use crate::world::{World, touch};
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;

pub(crate) fn router() -> Router<Arc<Shared>> {
    Router::new()
        .route("/", get(index))
        .route("/stats", get(stats))
        .route("/tokens", get(tokens))
        .route("/mail", get(mail).delete(clear_mail))
        .route("/reset", post(reset))
        .route("/faults", get(get_faults).post(set_faults))
        .route("/settings", get(get_settings).post(set_settings))
        .route("/clock", get(get_clock).post(advance_clock))
        .route("/edits", post(edits))
        .route("/marketo/user-roles", post(marketo_user_roles))
        .route("/campaign/events", post(campaign_events))
        .fallback(|| async {
            json_response(StatusCode::NOT_FOUND, &json!({"error": "not_found", "message": "No such control endpoint"}))
        })
        .layer(axum::middleware::from_fn(same_machine_only))
}

/// The control API answers this machine only: the Host must be a loopback name (a DNS
/// rebinding page cannot read `/tokens` or `/mail`), and a request with a body must be JSON
/// (a cross-site form or `text/plain` POST cannot change anything).
async fn same_machine_only(request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let (host, content_type) = {
        let header = |name: &str| request.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
        (header("host"), header("content-type"))
    };
    let name = host.rsplit_once(':').map_or(host.as_str(), |(h, _)| h);
    if !matches!(name, "127.0.0.1" | "localhost" | "[::1]") {
        return json_response(
            StatusCode::FORBIDDEN,
            &json!({"error": "forbidden", "message": "The control API answers requests to 127.0.0.1 or localhost only"}),
        );
    }
    let json = content_type.to_ascii_lowercase().starts_with("application/json");
    if *request.method() == axum::http::Method::POST && !json {
        return json_response(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            &json!({"error": "unsupported_media_type", "message": "Send JSON (Content-Type: application/json)"}),
        );
    }
    next.run(request).await
}

fn bad(msg: impl Into<String>) -> Response {
    json_response(StatusCode::BAD_REQUEST, &json!({"error": "bad_request", "message": msg.into()}))
}

async fn index(State(sh): State<Arc<Shared>>) -> Response {
    json_response(StatusCode::OK, &serde_json::to_value(&sh.endpoints).unwrap_or_default())
}

async fn stats(State(sh): State<Arc<Shared>>) -> Response {
    let mut v = lock(&sh.stats).view();
    v["dataset"] = serde_json::to_value(lock(&sh.world).summary(sh.config.people)).unwrap_or_default();
    json_response(StatusCode::OK, &v)
}

async fn tokens(State(sh): State<Arc<Shared>>) -> Response {
    let now = sh.now_ms();
    let auth = lock(&sh.auth);
    let mut list: Vec<Value> = auth
        .tokens
        .values()
        .filter(|t| !t.revoked && t.expires_ms.is_none_or(|e| e > now))
        .map(|t| {
            json!({
                "system": t.system, "kind": t.kind, "token": t.token, "client_id": t.client_id, "scope": t.scope,
                "issued_at": crate::clock::iso_z(t.issued_ms), "expires_at": t.expires_ms.map(crate::clock::iso_z),
            })
        })
        .collect();
    list.sort_by(|a, b| a["issued_at"].as_str().cmp(&b["issued_at"].as_str()));
    json_response(StatusCode::OK, &json!({"tokens": list}))
}

async fn mail(State(sh): State<Arc<Shared>>) -> Response {
    let m = lock(&sh.mail).clone();
    json_response(StatusCode::OK, &json!({"messages": m}))
}

async fn clear_mail(State(sh): State<Arc<Shared>>) -> Response {
    lock(&sh.mail).clear();
    json_response(StatusCode::OK, &json!({"ok": true}))
}

async fn reset(State(sh): State<Arc<Shared>>) -> Response {
    let (seed, people) = (sh.config.seed, sh.config.people);
    match tokio::task::spawn_blocking(move || World::generate(seed, people)).await {
        Ok(w) => {
            sh.reset(w);
            json_response(StatusCode::OK, &json!({"ok": true}))
        }
        Err(e) => {
            json_response(StatusCode::INTERNAL_SERVER_ERROR, &json!({"error": "internal", "message": e.to_string()}))
        }
    }
}

async fn get_faults(State(sh): State<Arc<Shared>>) -> Response {
    json_response(StatusCode::OK, &lock(&sh.faults).view())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FaultUpdate {
    rate: Option<f64>,
    kinds: Option<Vec<FaultKind>>,
    systems: Option<Option<Vec<String>>>,
    next: Option<Vec<QueuedFault>>,
    clear: Option<bool>,
}

async fn set_faults(State(sh): State<Arc<Shared>>, body: Bytes) -> Response {
    let u: FaultUpdate = match serde_json::from_slice(&body) {
        Ok(u) => u,
        Err(e) => return bad(format!("invalid fault settings: {e}")),
    };
    let mut f = lock(&sh.faults);
    if u.clear == Some(true) {
        f.rate = 0.0;
        f.queue.clear();
        f.systems = None;
        f.kinds = crate::state::ALL_FAULTS.to_vec();
    }
    if let Some(r) = u.rate {
        if !(0.0..=1.0).contains(&r) {
            return bad("rate must be between 0 and 1");
        }
        f.rate = r;
    }
    if let Some(k) = u.kinds {
        f.kinds = k;
    }
    if let Some(s) = u.systems {
        f.systems = s;
    }
    if let Some(n) = u.next {
        f.queue.extend(n);
    }
    json_response(StatusCode::OK, &f.view())
}

async fn get_settings(State(sh): State<Arc<Shared>>) -> Response {
    json_response(StatusCode::OK, &serde_json::to_value(sh.settings()).unwrap_or_default())
}

async fn set_settings(State(sh): State<Arc<Shared>>, body: Bytes) -> Response {
    let patch: Value = match serde_json::from_slice(&body) {
        Ok(v @ Value::Object(_)) => v,
        _ => return bad("send a JSON object of settings to change"),
    };
    let mut current = serde_json::to_value(sh.settings()).unwrap_or_default();
    if let (Some(c), Some(p)) = (current.as_object_mut(), patch.as_object()) {
        for (k, v) in p {
            if !c.contains_key(k) {
                return bad(format!("unknown setting '{k}'"));
            }
            c.insert(k.clone(), v.clone());
        }
    }
    match serde_json::from_value::<Settings>(current) {
        Ok(s) => {
            *sh.settings.write().unwrap_or_else(|e| e.into_inner()) = s.clone();
            json_response(StatusCode::OK, &serde_json::to_value(s).unwrap_or_default())
        }
        Err(e) => bad(format!("invalid settings: {e}")),
    }
}

async fn get_clock(State(sh): State<Arc<Shared>>) -> Response {
    let now = sh.now_ms();
    json_response(
        StatusCode::OK,
        &json!({"now": crate::clock::iso_z(now), "now_ms": now, "time_scale": sh.config.time_scale}),
    )
}

async fn advance_clock(State(sh): State<Arc<Shared>>, body: Bytes) -> Response {
    let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let Some(secs) = v.get("advance_secs").and_then(Value::as_f64).filter(|s| *s >= 0.0) else {
        return bad("send {\"advance_secs\": N} with N ≥ 0");
    };
    sh.clock.advance((secs * 1000.0) as i64);
    get_clock(State(sh)).await
}

#[derive(Deserialize)]
struct Edit {
    system: String,
    #[serde(default)]
    object: Option<String>,
    #[serde(default)]
    id: Option<Value>,
    #[serde(default)]
    email: Option<String>,
    fields: serde_json::Map<String, Value>,
}

async fn edits(State(sh): State<Arc<Shared>>, body: Bytes) -> Response {
    let v: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => return bad(format!("invalid JSON: {e}")),
    };
    let list: Vec<Value> = match v {
        Value::Array(a) => a,
        other => vec![other],
    };
    let now = sh.now_ms();
    let mut done = Vec::new();
    let mut w = lock(&sh.world);
    for item in list {
        let e: Edit = match serde_json::from_value(item) {
            Ok(e) => e,
            Err(e) => return bad(format!("invalid edit: {e} (expected {{system, id|email, fields}})")),
        };
        match apply_edit(&mut w, &e, now) {
            Ok(id) => done.push(json!({"system": e.system, "id": id})),
            Err(msg) => return json_response(StatusCode::NOT_FOUND, &json!({"error": "not_found", "message": msg})),
        }
    }
    json_response(StatusCode::OK, &json!({"updated": done}))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct UserRoles {
    userid: String,
    user_role_workspaces: Vec<RoleWorkspace>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RoleWorkspace {
    access_role_id: i64,
    workspace_id: i64,
}

/// Replaces a Marketo user's roles, as an admin does in Marketo's Users & Roles screen:
/// `{"userid": "…", "userRoleWorkspaces": [{"accessRoleId": 2, "workspaceId": 1}]}`.
async fn marketo_user_roles(State(sh): State<Arc<Shared>>, body: Bytes) -> Response {
    use crate::marketo::users::{RoleInWorkspace, role_exists, workspace_exists};
    let edit: UserRoles = match serde_json::from_slice(&body) {
        Ok(e) => e,
        Err(e) => return bad(format!("invalid JSON: {e} (expected {{userid, userRoleWorkspaces}})")),
    };
    if let Some(r) =
        edit.user_role_workspaces.iter().find(|r| !role_exists(r.access_role_id) || !workspace_exists(r.workspace_id))
    {
        return bad(format!("no role {} or workspace {}", r.access_role_id, r.workspace_id));
    }
    let mut w = lock(&sh.world);
    let Some(user) = w.mk_users.iter_mut().find(|u| u.userid.eq_ignore_ascii_case(&edit.userid)) else {
        return json_response(
            StatusCode::NOT_FOUND,
            &json!({"error": "not_found", "message": format!("no Marketo user '{}'", edit.userid)}),
        );
    };
    user.roles = edit
        .user_role_workspaces
        .iter()
        .map(|r| RoleInWorkspace { role_id: r.access_role_id, workspace_id: r.workspace_id })
        .collect();
    json_response(StatusCode::OK, &json!({"userid": user.userid, "roles": user.roles.len()}))
}

fn id_str(v: &Option<Value>) -> Option<String> {
    match v {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    }
}

macro_rules! edit_table {
    ($table:expr, $key:expr, $email_field:expr, $e:expr, $now:expr, $parse:expr) => {{
        let schema = $table.schema.clone();
        let key = match (id_str(&$e.id), &$e.email) {
            (Some(id), _) => $parse(&id).filter(|k| $table.rows.contains_key(k)),
            (None, Some(email)) => $table
                .rows
                .iter()
                .find(|(_, r)| r.str(&schema, $email_field).eq_ignore_ascii_case(email))
                .map(|(k, _)| k.clone()),
            _ => None,
        };
        let Some(key) = key else { return Err(format!("no {} record matches the edit", $key)) };
        let row = $table.rows.get_mut(&key).expect("key found above");
        let mut changes = Vec::new();
        for (k, v) in &$e.fields {
            let Some(i) = schema.idx(k) else { return Err(format!("{} has no field '{k}'", $key)) };
            let val = json_val(&schema.fields[i], v).map_err(|t| format!("field '{k}' needs a {t}"))?;
            let old = row.0[i].clone();
            row.0[i] = val.clone();
            changes.push((i as i64, k.clone(), val, old));
        }
        touch(&schema, row, $now);
        (key, changes)
    }};
}

fn show(v: &Val) -> Option<String> {
    match v {
        Val::Null => None,
        Val::Bool(b) => Some(b.to_string()),
        Val::Int(i) => Some(i.to_string()),
        Val::Str(s) => Some(s.to_string()),
    }
}

fn apply_edit(w: &mut World, e: &Edit, now: i64) -> Result<String, String> {
    match e.system.as_str() {
        "marketo" => {
            let (key, changes) =
                edit_table!(w.mk_leads, "Marketo lead", "email", e, now, |s: &str| s.parse::<i64>().ok());
            for (fid, name, new, old) in changes {
                if name == "email" {
                    w.mk_by_email.remove(&old, key);
                    w.mk_by_email.add(&new, key);
                }
                let a = w.mk_activity(key, now, 13, (fid, name.clone()));
                a.fields.push((fid, name, show(&new), show(&old)));
                a.attributes.push(("Source".into(), json!("Marketo Flow Action")));
            }
            Ok(key.to_string())
        }
        "salesforce" => {
            let object = e.object.clone().unwrap_or_else(|| "Contact".into());
            let (key, _) = match object.as_str() {
                "Contact" => edit_table!(w.sf_contacts, "Contact", "Email", e, now, |s: &str| Some(s.to_string())),
                "Lead" => edit_table!(w.sf_leads, "Lead", "Email", e, now, |s: &str| Some(s.to_string())),
                other => return Err(format!("edits support Contact and Lead, not {other}")),
            };
            Ok(key)
        }
        "dynamics" => {
            let object = e.object.clone().unwrap_or_else(|| "contact".into());
            let (key, _) = match object.as_str() {
                "contact" => edit_table!(w.dv_contacts, "contact", "emailaddress1", e, now, |s: &str| s
                    .parse::<uuid::Uuid>()
                    .ok()),
                "lead" => {
                    edit_table!(w.dv_leads, "lead", "emailaddress1", e, now, |s: &str| s.parse::<uuid::Uuid>().ok())
                }
                other => return Err(format!("edits support contact and lead, not {other}")),
            };
            if object == "contact" {
                w.dv_contact_changed(key);
            }
            Ok(key.to_string())
        }
        "campaign" => {
            let (key, _) = edit_table!(w.cp_profiles, "profile", "email", e, now, |s: &str| Some(s.to_string()));
            Ok(key)
        }
        other => Err(format!("unknown system '{other}' (marketo, salesforce, dynamics, campaign)")),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CampaignEvent {
    /// The profile's PKey, or `email` to find it.
    #[serde(default)]
    profile: Option<String>,
    #[serde(default)]
    email: Option<String>,
    #[serde(rename = "type")]
    kind: crate::world::CpEventKind,
    label: String,
    /// When it happened (ISO 8601); the virtual now when absent.
    #[serde(default)]
    at: Option<String>,
    /// The clicked link (clicks).
    #[serde(default)]
    url: Option<String>,
}

/// Campaign-side email events, as if a delivery had run: `{profile|email, type: sent|bounced|
/// opened|clicked, label, at?, url?}` (or an array of them) → each lands in the profile's
/// `logs` (sent, bounced) or `tracking` (opened, clicked) with a new PKey.
async fn campaign_events(State(sh): State<Arc<Shared>>, body: Bytes) -> Response {
    let v: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => return bad(format!("invalid JSON: {e}")),
    };
    let list: Vec<Value> = match v {
        Value::Array(a) => a,
        other => vec![other],
    };
    let now = sh.now_ms();
    let mut parsed = Vec::new();
    for item in list {
        let e: CampaignEvent = match serde_json::from_value(item) {
            Ok(e) => e,
            Err(e) => {
                return bad(format!(
                    "invalid event: {e} (expected {{profile|email, type: sent|bounced|opened|clicked, label, at?, url?}})"
                ));
            }
        };
        let at = match &e.at {
            Some(s) => match crate::clock::parse_datetime(s) {
                Some(ms) => ms,
                None => return bad(format!("'at' is not a date-time: {s}")),
            },
            None => now,
        };
        parsed.push((e, at));
    }
    let mut w = lock(&sh.world);
    let mut created = Vec::new();
    for (e, at) in parsed {
        let schema = w.cp_profiles.schema.clone();
        let profile = match (&e.profile, &e.email) {
            (Some(p), _) => w.cp_profiles.rows.contains_key(p).then(|| p.clone()),
            (None, Some(email)) => w
                .cp_profiles
                .rows
                .iter()
                .find(|(_, r)| r.str(&schema, "email").eq_ignore_ascii_case(email))
                .map(|(k, _)| k.clone()),
            (None, None) => return bad("name the profile: 'profile' (its PKey) or 'email'"),
        };
        let Some(profile) = profile else {
            return json_response(
                StatusCode::NOT_FOUND,
                &json!({"error": "not_found", "message": "no Campaign profile matches the event"}),
            );
        };
        let pkey = crate::world::new_pkey(&mut w.rng);
        let event = crate::world::CpEvent { pkey: pkey.clone(), kind: e.kind, label: e.label, date_ms: at, url: e.url };
        let events = w.cp_events.entry(profile.clone()).or_default();
        let pos = events.partition_point(|x| x.date_ms <= at);
        events.insert(pos, event);
        let collection = if e.kind.is_delivery() { "logs" } else { "tracking" };
        created.push(json!({"PKey": pkey, "profile": profile, "collection": collection}));
    }
    json_response(StatusCode::OK, &json!({"created": created}))
}
