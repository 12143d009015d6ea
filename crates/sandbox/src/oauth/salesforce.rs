//! Salesforce OAuth: token endpoint (authorization code with PKCE, refresh token), revoke and userinfo.

use super::authorize::authorize;
use super::{Provider, client_credentials, hmac_sha256, pkce_s256};
use crate::http::{Req, json_response, pget, text_response};
use crate::state::{ALNUM, Shared, TokenInfo, lock};
use axum::http::{Method, StatusCode};
use axum::response::Response;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::json;

// ---------------------------------------------------------------- Salesforce

fn sf_error(status: StatusCode, error: &str, description: &str) -> Response {
    json_response(status, &json!({"error": error, "error_description": description}))
}

pub(crate) fn salesforce_oauth(sh: &Shared, req: &Req, tail: &str) -> Response {
    match (tail, &req.method) {
        ("authorize", &Method::GET) | ("authorize", &Method::POST) => {
            authorize(sh, Provider::Salesforce, req, "/services/oauth2/authorize")
        }
        ("token", &Method::POST) => salesforce_token(sh, req),
        ("revoke", &Method::POST) | ("revoke", &Method::GET) => salesforce_revoke(sh, req),
        ("userinfo", &Method::GET) => salesforce_userinfo(sh, req),
        _ => json_response(
            StatusCode::NOT_FOUND,
            &json!([{"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}]),
        ),
    }
}

fn salesforce_token(sh: &Shared, req: &Req) -> Response {
    let params = req.params();
    let ep = &sh.endpoints.salesforce;
    let (client_id, secret) = client_credentials(req, &params);
    let grant = pget(&params, "grant_type").unwrap_or("");
    if grant.is_empty() {
        return sf_error(StatusCode::BAD_REQUEST, "unsupported_grant_type", "grant type not supported");
    }
    if grant != "authorization_code" && grant != "refresh_token" {
        return sf_error(StatusCode::BAD_REQUEST, "unsupported_grant_type", "grant type not supported");
    }
    if client_id != ep.client_id {
        return sf_error(StatusCode::BAD_REQUEST, "invalid_client_id", "client identifier invalid");
    }
    if let Some(s) = &secret
        && s != &ep.client_secret
    {
        return sf_error(StatusCode::BAD_REQUEST, "invalid_client", "invalid client credentials");
    }
    let settings = sh.settings();
    let now = sh.now_ms();
    let mut auth = lock(&sh.auth);
    let (scope, refresh) = if grant == "authorization_code" {
        let code = pget(&params, "code").unwrap_or("");
        let Some(c) = auth.codes.remove(code) else {
            return sf_error(StatusCode::BAD_REQUEST, "invalid_grant", "invalid authorization code");
        };
        if c.system != "salesforce" || c.expires_ms < now || c.client_id != client_id {
            return sf_error(StatusCode::BAD_REQUEST, "invalid_grant", "expired authorization code");
        }
        if pget(&params, "redirect_uri").unwrap_or("") != c.redirect_uri {
            return sf_error(StatusCode::BAD_REQUEST, "redirect_uri_mismatch", "redirect_uri must match configuration");
        }
        if let Some((_, challenge)) = &c.challenge {
            let verifier = pget(&params, "code_verifier").unwrap_or("");
            if verifier.is_empty() {
                return sf_error(StatusCode::BAD_REQUEST, "invalid_grant", "invalid code verifier");
            }
            if verifier.len() < 43 || pkce_s256(verifier) != *challenge {
                return sf_error(
                    StatusCode::BAD_REQUEST,
                    &settings.salesforce_pkce_mismatch_error,
                    "invalid code verifier",
                );
            }
        }
        let scope = if c.scope.trim().is_empty() {
            "refresh_token api".to_string()
        } else {
            c.scope.split_whitespace().collect::<Vec<_>>().join(" ")
        };
        let wants_refresh = scope.split(' ').any(|s| s == "refresh_token" || s == "offline_access" || s == "full");
        let refresh = if wants_refresh {
            let rt = format!("5Aep861{}", auth.random(80, ALNUM));
            auth.tokens.insert(
                rt.clone(),
                TokenInfo {
                    system: "salesforce",
                    kind: "refresh",
                    token: rt.clone(),
                    client_id: client_id.clone(),
                    scope: scope.clone(),
                    issued_ms: now,
                    expires_ms: None,
                    revoked: false,
                    family: None,
                },
            );
            Some(rt)
        } else {
            None
        };
        (scope, refresh)
    } else {
        let rt = pget(&params, "refresh_token").unwrap_or("");
        let Some(info) =
            auth.tokens.get(rt).filter(|t| t.system == "salesforce" && t.kind == "refresh" && !t.revoked).cloned()
        else {
            return sf_error(StatusCode::BAD_REQUEST, "invalid_grant", "expired access/refresh token");
        };
        if settings.salesforce_refresh_rotation {
            if let Some(t) = auth.tokens.get_mut(rt) {
                t.revoked = true;
            }
            let new_rt = format!("5Aep861{}", auth.random(80, ALNUM));
            auth.tokens.insert(new_rt.clone(), TokenInfo { token: new_rt.clone(), issued_ms: now, ..info.clone() });
            (info.scope, Some(new_rt))
        } else {
            // Without rotation the response carries no refresh_token; the access token still
            // belongs to the original refresh token's family.
            let scope = info.scope.clone();
            let at = issue_sf_access(&mut auth, &client_id, &scope, now, &settings, Some(rt.to_string()));
            drop(auth);
            return sf_token_body(sh, &at, None, &scope, now);
        }
    };
    let at = issue_sf_access(&mut auth, &client_id, &scope, now, &settings, refresh.clone());
    drop(auth);
    sf_token_body(sh, &at, refresh.as_deref(), &scope, now)
}

fn issue_sf_access(
    auth: &mut crate::state::Auth,
    client_id: &str,
    scope: &str,
    now: i64,
    settings: &crate::state::Settings,
    family: Option<String>,
) -> String {
    let at = format!("00D5g000004LIAS!AR{}", auth.random(96, ALNUM));
    auth.tokens.insert(
        at.clone(),
        TokenInfo {
            system: "salesforce",
            kind: "access",
            token: at.clone(),
            client_id: client_id.to_string(),
            scope: scope.to_string(),
            issued_ms: now,
            expires_ms: Some(now + settings.salesforce_session_secs * 1000),
            revoked: false,
            family,
        },
    );
    at
}

fn sf_token_body(sh: &Shared, access: &str, refresh: Option<&str>, scope: &str, now: i64) -> Response {
    let ep = &sh.endpoints.salesforce;
    let (org, user) = {
        let w = lock(&sh.world);
        (w.org_id.clone(), w.sf_user_id.clone())
    };
    let id = format!("{}/id/{org}/{user}", ep.login_url);
    let issued_at = now.to_string();
    let signature = STANDARD.encode(hmac_sha256(ep.client_secret.as_bytes(), format!("{id}{issued_at}").as_bytes()));
    let mut body = json!({
        "access_token": access,
        "signature": signature,
        "scope": scope,
        "instance_url": ep.login_url,
        "id": id,
        "token_type": "Bearer",
        "issued_at": issued_at,
    });
    if let Some(rt) = refresh {
        body["refresh_token"] = json!(rt);
    }
    json_response(StatusCode::OK, &body)
}

fn salesforce_revoke(sh: &Shared, req: &Req) -> Response {
    let params = req.params();
    let token = pget(&params, "token").unwrap_or("");
    let mut auth = lock(&sh.auth);
    let known = auth.tokens.get(token).is_some_and(|t| t.system == "salesforce" && !t.revoked);
    if !known {
        return sf_error(StatusCode::BAD_REQUEST, "invalid_token", "invalid token");
    }
    let is_refresh = auth.tokens.get(token).is_some_and(|t| t.kind == "refresh");
    for t in auth.tokens.values_mut() {
        if t.token == token || (is_refresh && t.family.as_deref() == Some(token)) {
            t.revoked = true;
        }
    }
    text_response(StatusCode::OK, "text/plain", "")
}

fn salesforce_userinfo(sh: &Shared, req: &Req) -> Response {
    let now = sh.now_ms();
    let ok = req.bearer().is_some_and(|t| lock(&sh.auth).check("salesforce", t, now).is_ok());
    if !ok {
        return text_response(StatusCode::FORBIDDEN, "text/plain", "Bad_OAuth_Token");
    }
    let w = lock(&sh.world);
    let s = w.sf_users.schema.clone();
    let Some(u) = w.sf_users.rows.get(&w.sf_user_id) else {
        return text_response(StatusCode::FORBIDDEN, "text/plain", "Bad_OAuth_Token");
    };
    json_response(
        StatusCode::OK,
        &json!({
            "sub": format!("{}/id/{}/{}", sh.endpoints.salesforce.login_url, w.org_id, w.sf_user_id),
            "user_id": w.sf_user_id, "organization_id": w.org_id,
            "preferred_username": u.str(&s, "Username"), "email": u.str(&s, "Email"),
            "name": u.str(&s, "Name"), "given_name": u.str(&s, "FirstName"), "family_name": u.str(&s, "LastName"),
        }),
    )
}
