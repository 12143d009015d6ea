//! Marketo's User Management API (`/userservice/management/v1/users/…`): browse users, a user
//! by id, a user's roles and workspaces, and the roles and workspaces of the subscription.
//!
//! Unlike the rest of Marketo's REST API these endpoints answer in their own shape: a success
//! is HTTP 200 with the bare record or array (no `success`/`result` envelope); a failure is a
//! non-200 status whose body holds the standard `errors` array. The access token is accepted
//! in the `Authorization` header only, never as the `access_token` query parameter.

use crate::http::{Req, json_response, malformed};
use crate::state::{FaultKind, Settings};
use axum::http::{Method, StatusCode};
use axum::response::Response;
use serde_json::{Value, json};

/// The `userRoleWorkspaces` entry of a user: one role in one workspace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RoleInWorkspace {
    pub role_id: i64,
    pub workspace_id: i64,
}

/// A Marketo user (a person who signs in to Marketo, or an API-only user of a custom service).
#[derive(Debug, Clone)]
pub(crate) struct MkUser {
    pub id: i64,
    pub userid: String,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub api_only: bool,
    pub roles: Vec<RoleInWorkspace>,
    pub last_login_ms: Option<i64>,
}

/// The role id of Marketo's built-in `Admin` role.
pub(crate) const ADMIN_ROLE: i64 = 1;
/// The built-in `Standard User` role.
pub(crate) const STANDARD_ROLE: i64 = 2;
/// A custom `Marketing User` role.
pub(crate) const MARKETING_ROLE: i64 = 102;
/// The custom role of API-only users (`Access API` permissions only).
pub(crate) const API_ROLE: i64 = 104;
/// The `AllZones` pseudo-workspace that Admin (an "only all zones" role) is granted in.
pub(crate) const ALL_ZONES: i64 = 0;
/// The `Default` workspace.
pub(crate) const DEFAULT_WORKSPACE: i64 = 1;

/// (id, name, description, type, onlyAllZones, createdAt)
const ROLES: [(i64, &str, &str, &str, bool, &str); 5] = [
    (ADMIN_ROLE, "Admin", "All permissions", "system", true, "20100327T18:27:42.0t+0000"),
    (STANDARD_ROLE, "Standard User", "All permissions except Admin", "system", false, "20100327T18:27:42.0t+0000"),
    (101, "Analytics User", "Has access to Analytics", "custom", false, "20100327T18:27:42.0t+0000"),
    (MARKETING_ROLE, "Marketing User", "All permissions except Admin", "custom", false, "20100327T18:27:42.0t+0000"),
    (API_ROLE, "API Role", "Access API permissions for custom services", "custom", false, "20190129T23:36:37.0t+0000"),
];

/// (id, name, description, createdAt)
const WORKSPACES: [(i64, &str, &str, &str); 2] = [
    (
        DEFAULT_WORKSPACE,
        "Default",
        "Initial workspace for Marketing Activities, Design Studio, and so on.",
        "20160910T23:08:05.0t+0000",
    ),
    (1008, "World", "", "20181119T21:59:36.0t+0000"),
];

fn role_name(id: i64) -> &'static str {
    ROLES.iter().find(|r| r.0 == id).map_or("", |r| r.1)
}

fn workspace_name(id: i64) -> &'static str {
    if id == ALL_ZONES {
        return "AllZones";
    }
    WORKSPACES.iter().find(|w| w.0 == id).map_or("", |w| w.1)
}

/// Whether a role id exists in the subscription.
pub(crate) fn role_exists(id: i64) -> bool {
    ROLES.iter().any(|r| r.0 == id)
}

/// Whether a workspace id exists (`0` is `AllZones`).
pub(crate) fn workspace_exists(id: i64) -> bool {
    id == ALL_ZONES || WORKSPACES.iter().any(|w| w.0 == id)
}

/// `2020-02-05T01:02:23.000t+0000`, as `lastLoginAt` is written: Salesforce's shape with a `t`
/// before the offset.
fn login_time(ms: i64) -> String {
    let salesforce = crate::clock::sf_datetime(ms);
    format!("{}t+0000", salesforce.trim_end_matches("+0000"))
}

fn roles_json(user: &MkUser) -> Value {
    Value::Array(
        user.roles
            .iter()
            .map(|r| {
                json!({
                    "accessRoleId": r.role_id, "accessRoleName": role_name(r.role_id),
                    "workspaceId": r.workspace_id, "workspaceName": workspace_name(r.workspace_id),
                })
            })
            .collect(),
    )
}

/// The summary `allusers.json` lists.
fn brief_json(user: &MkUser) -> Value {
    json!({
        "userid": user.userid, "firstName": user.first_name, "lastName": user.last_name,
        "emailAddress": user.email, "id": user.id, "apiOnly": user.api_only,
    })
}

/// The full record of `{userid}/user.json`.
fn user_json(user: &MkUser) -> Value {
    json!({
        "userid": user.userid, "firstName": user.first_name, "lastName": user.last_name,
        "emailAddress": user.email, "optedIn": false, "failedLogins": 0, "failedDeviceCode": 0,
        "isLocked": false, "lockedReason": null, "id": user.id, "apiOnly": user.api_only,
        "userRoleWorkspaces": roles_json(user), "expiresAt": null,
        "lastLoginAt": user.last_login_ms.map(login_time),
    })
}

/// An error as these endpoints send it: a non-200 status and the standard `errors` array.
pub(crate) fn error(status: StatusCode, code: &str, message: &str) -> Response {
    json_response(status, &json!({ "errors": [{ "code": code, "message": message }] }))
}

/// Turns a REST envelope failure (auth, limits) into this API's shape: 601/602 are 401,
/// 603 is 403, limits are 429, anything else a 500.
pub(crate) fn from_envelope(v: &Value) -> Response {
    let code = v["errors"][0]["code"].as_str().unwrap_or("611");
    let message = v["errors"][0]["message"].as_str().unwrap_or("System error");
    let status = match code {
        "600" | "601" | "602" => StatusCode::UNAUTHORIZED,
        "603" => StatusCode::FORBIDDEN,
        "606" | "607" | "615" => StatusCode::TOO_MANY_REQUESTS,
        "610" => StatusCode::NOT_FOUND,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    };
    error(status, code, message)
}

/// An injected fault, in this API's shape.
pub(crate) async fn fault(f: FaultKind, settings: &Settings) -> Response {
    match f {
        FaultKind::ServerError => error(StatusCode::INTERNAL_SERVER_ERROR, "611", "System error"),
        FaultKind::Timeout => {
            tokio::time::sleep(std::time::Duration::from_millis(settings.fault_timeout_ms)).await;
            error(StatusCode::GATEWAY_TIMEOUT, "604", "Request time-out")
        }
        FaultKind::RateLimit => error(
            StatusCode::TOO_MANY_REQUESTS,
            "606",
            &format!(
                "Max rate limit '{}' exceeded with in '{}' secs",
                settings.marketo_rate_limit, settings.marketo_rate_window_secs
            ),
        ),
        FaultKind::ExpiredToken => error(StatusCode::UNAUTHORIZED, "602", "Access token expired"),
        FaultKind::Malformed => {
            malformed("application/json;charset=UTF-8", "[{\"userid\":\"ada.0@sandbox.example.com\",\"firstName\":")
        }
    }
}

fn paging(req: &Req, name: &str, default: usize, max: usize) -> Result<usize, Response> {
    match req.q(name).map(str::trim) {
        None | Some("") => Ok(default),
        Some(s) => match s.parse::<usize>() {
            Ok(n) if n <= max => Ok(n),
            _ => Err(error(StatusCode::BAD_REQUEST, "1003", &format!("Invalid value '{s}' for {name}"))),
        },
    }
}

/// Routes a `/userservice/…` request that passed authentication and the limits.
pub(crate) fn route(users: &[MkUser], req: &Req) -> Response {
    let segs = req.segments();
    let ok = |v: Value| json_response(StatusCode::OK, &v);
    let find = |userid: &str| users.iter().find(|u| u.userid.eq_ignore_ascii_case(userid));
    let not_found = |userid: &str| error(StatusCode::NOT_FOUND, "1004", &format!("User '{userid}' not found"));
    match (segs.as_slice(), &req.method) {
        (["userservice", "management", "v1", "users", "allusers.json"], &Method::GET) => {
            let size = match paging(req, "pageSize", 20, 200) {
                Ok(0) => 20,
                Ok(n) => n,
                Err(e) => return e,
            };
            let offset = match paging(req, "pageOffset", 0, usize::MAX) {
                Ok(n) => n,
                Err(e) => return e,
            };
            ok(Value::Array(users.iter().skip(offset).take(size).map(brief_json).collect()))
        }
        (["userservice", "management", "v1", "users", "roles.json"], &Method::GET) => ok(Value::Array(
            ROLES
                .iter()
                .map(|(id, name, description, kind, all_zones, created)| {
                    json!({
                        "id": id, "name": name, "description": description, "type": kind, "hidden": false,
                        "onlyAllZones": all_zones, "createdAt": created, "updatedAt": created,
                    })
                })
                .collect(),
        )),
        (["userservice", "management", "v1", "users", "workspaces.json"], &Method::GET) => ok(Value::Array(
            WORKSPACES
                .iter()
                .map(|(id, name, description, created)| {
                    json!({
                        "id": id, "name": name, "description": description, "globalViz": 0, "status": "active",
                        "currencyInfo": null, "createdAt": created, "updatedAt": created,
                    })
                })
                .collect(),
        )),
        (["userservice", "management", "v1", "users", userid, "user.json"], &Method::GET) => {
            let userid = &percent_encoding::percent_decode_str(userid).decode_utf8_lossy();
            find(userid).map_or_else(|| not_found(userid), |u| ok(user_json(u)))
        }
        (["userservice", "management", "v1", "users", userid, "roles.json"], &Method::GET) => {
            let userid = &percent_encoding::percent_decode_str(userid).decode_utf8_lossy();
            find(userid).map_or_else(|| not_found(userid), |u| ok(roles_json(u)))
        }
        (["userservice", "management", "v1", "users", ..], _) => {
            error(StatusCode::METHOD_NOT_ALLOWED, "605", "HTTP Method not supported")
        }
        _ => error(StatusCode::NOT_FOUND, "610", "Requested resource not found"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_login_is_written_like_the_reference() {
        assert_eq!(login_time(1_580_864_543_000), "2020-02-05T01:02:23.000t+0000");
    }
}
