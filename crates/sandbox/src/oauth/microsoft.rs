//! Microsoft identity platform: the v2.0 token endpoint and its error bodies.

use super::authorize::authorize;
use super::{Provider, fake_jwt, pkce_s256};
use crate::http::{Req, json_response, pget, text_response};
use crate::state::{ALNUM, Shared, TokenInfo, lock};
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::response::Response;
use serde_json::json;
use std::sync::Arc;

// ---------------------------------------------------------------- Microsoft identity platform

fn ms_error(error: &str, code: u32, description: &str) -> Response {
    let trace = uuid::Uuid::new_v4();
    let corr = uuid::Uuid::new_v4();
    let now = time::OffsetDateTime::now_utc();
    let ts = format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}Z",
        now.year(),
        u8::from(now.month()),
        now.day(),
        now.hour(),
        now.minute(),
        now.second()
    );
    let status = if error == "invalid_client" { StatusCode::UNAUTHORIZED } else { StatusCode::BAD_REQUEST };
    json_response(
        status,
        &json!({
            "error": error,
            "error_description": format!("AADSTS{code}: {description} Trace ID: {trace} Correlation ID: {corr} Timestamp: {ts}"),
            "error_codes": [code],
            "timestamp": ts,
            "trace_id": trace,
            "correlation_id": corr,
            "error_uri": format!("https://login.microsoftonline.com/error?code={code}"),
        }),
    )
}

/// Listener of the Microsoft identity platform: `/{tenant}/oauth2/v2.0/{authorize,token}`.
pub(crate) async fn microsoft_entry(State(sh): State<Arc<Shared>>, request: Request) -> Response {
    let req = match Req::read(request, 1 << 20).await {
        Ok(r) => r,
        Err(_) => return ms_error("invalid_request", 900144, "The request body could not be read."),
    };
    sh.count_call("microsoft-identity", req.endpoint_label());
    let segs = req.segments();
    match segs.as_slice() {
        [tenant, "oauth2", "v2.0", "authorize"] if req.method == Method::GET || req.method == Method::POST => {
            let action = format!("/{tenant}/oauth2/v2.0/authorize");
            authorize(&sh, Provider::Microsoft, &req, &action)
        }
        [_tenant, "oauth2", "v2.0", "token"] if req.method == Method::POST => microsoft_token(&sh, &req),
        [tenant, "v2.0", ".well-known", "openid-configuration"] => {
            let base =
                sh.endpoints.dynamics.authority_url.rsplit_once('/').map(|(b, _)| b.to_string()).unwrap_or_default();
            json_response(
                StatusCode::OK,
                &json!({
                    "authorization_endpoint": format!("{base}/{tenant}/oauth2/v2.0/authorize"),
                    "token_endpoint": format!("{base}/{tenant}/oauth2/v2.0/token"),
                    "issuer": format!("{base}/{tenant}/v2.0"),
                    "response_types_supported": ["code"],
                    "code_challenge_methods_supported": ["S256", "plain"],
                    "token_endpoint_auth_methods_supported": ["client_secret_post", "none"],
                }),
            )
        }
        _ => text_response(
            StatusCode::NOT_FOUND,
            "text/html; charset=utf-8",
            "<html><body><h1>404 - Not Found</h1></body></html>",
        ),
    }
}

fn microsoft_token(sh: &Shared, req: &Req) -> Response {
    let params = req.params();
    let ep = &sh.endpoints.dynamics;
    let client_id = pget(&params, "client_id").unwrap_or("");
    if client_id.is_empty() {
        return ms_error(
            "invalid_request",
            900144,
            "The request body must contain the following parameter: 'client_id'.",
        );
    }
    if client_id != ep.client_id {
        return ms_error(
            "unauthorized_client",
            700016,
            &format!("Application with identifier '{client_id}' was not found in the directory 'Liaison Sandbox'."),
        );
    }
    if pget(&params, "client_secret").is_some() {
        return ms_error(
            "invalid_request",
            700025,
            "Client is public so neither 'client_assertion' nor 'client_secret' should be presented.",
        );
    }
    let grant = pget(&params, "grant_type").unwrap_or("");
    let settings = sh.settings();
    let now = sh.now_ms();
    let mut auth = lock(&sh.auth);
    let scope = match grant {
        "authorization_code" => {
            let code = pget(&params, "code").unwrap_or("");
            if code.is_empty() {
                return ms_error(
                    "invalid_request",
                    900144,
                    "The request body must contain the following parameter: 'code'.",
                );
            }
            let Some(c) = auth.codes.remove(code).filter(|c| c.system == "microsoft") else {
                return ms_error(
                    "invalid_grant",
                    70008,
                    "The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.",
                );
            };
            if c.expires_ms < now {
                return ms_error(
                    "invalid_grant",
                    70008,
                    "The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.",
                );
            }
            let redirect_uri = pget(&params, "redirect_uri").unwrap_or("");
            if redirect_uri != c.redirect_uri {
                return ms_error(
                    "invalid_grant",
                    70000,
                    "Provided value for the input parameter 'redirect_uri' is not valid. The expected value is a URI which matches a redirect URI registered for this client application.",
                );
            }
            if let Some((method, challenge)) = &c.challenge {
                let verifier = pget(&params, "code_verifier").unwrap_or("");
                if verifier.is_empty() {
                    return ms_error(
                        "invalid_request",
                        900144,
                        "The request body must contain the following parameter: 'code_verifier'.",
                    );
                }
                let computed = if method == "S256" { pkce_s256(verifier) } else { verifier.to_string() };
                if computed != *challenge {
                    return ms_error(
                        "invalid_grant",
                        501481,
                        "The Code_Verifier does not match the code_challenge supplied in the authorization request.",
                    );
                }
            }
            pget(&params, "scope").map(String::from).unwrap_or(c.scope)
        }
        "refresh_token" => {
            let rt = pget(&params, "refresh_token").unwrap_or("");
            let Some(info) =
                auth.tokens.get(rt).filter(|t| t.system == "microsoft" && t.kind == "refresh" && !t.revoked).cloned()
            else {
                return ms_error(
                    "invalid_grant",
                    70008,
                    "The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.",
                );
            };
            if info.expires_ms.is_some_and(|e| e <= now) {
                return ms_error("invalid_grant", 700082, "The refresh token has expired due to inactivity.");
            }
            pget(&params, "scope").map(String::from).unwrap_or(info.scope)
        }
        "" => {
            return ms_error(
                "invalid_request",
                900144,
                "The request body must contain the following parameter: 'grant_type'.",
            );
        }
        other => {
            return ms_error(
                "unsupported_grant_type",
                70003,
                &format!("The app requested an unsupported grant type '{other}'."),
            );
        }
    };
    let scopes: Vec<&str> = scope.split_whitespace().collect();
    let resource: Vec<&str> =
        scopes.iter().copied().filter(|s| !matches!(*s, "openid" | "profile" | "offline_access" | "email")).collect();
    if resource.len() > 1 && resource.iter().any(|s| !s.starts_with(&sh.endpoints.dynamics.org_url)) {
        return ms_error(
            "invalid_scope",
            70011,
            "The provided request must include a 'scope' input parameter. The provided value for the input parameter 'scope' is not valid.",
        );
    }
    let granted = if resource.is_empty() { format!("{}/user_impersonation", ep.org_url) } else { resource.join(" ") };
    let (tid, oid) = {
        let w = lock(&sh.world);
        (w.dv_user.2, w.dv_user.0)
    };
    let ttl = settings.microsoft_access_token_secs;
    let claims = json!({
        "aud": ep.org_url, "iss": format!("https://sts.windows.net/{tid}/"), "iat": now / 1000, "nbf": now / 1000,
        "exp": now / 1000 + ttl, "oid": oid, "tid": tid, "appid": client_id, "scp": "user_impersonation",
        "upn": "ada@liaison-sandbox.onmicrosoft.com", "name": "Ada Admin", "jti": auth.random(22, ALNUM),
    });
    let access = fake_jwt(&claims);
    auth.tokens.insert(
        access.clone(),
        TokenInfo {
            system: "microsoft",
            kind: "access",
            token: access.clone(),
            client_id: client_id.to_string(),
            scope: granted.clone(),
            issued_ms: now,
            expires_ms: Some(now + ttl * 1000),
            revoked: false,
            family: None,
        },
    );
    let mut body = json!({
        "token_type": "Bearer",
        "scope": granted,
        "expires_in": ttl,
        "ext_expires_in": ttl,
        "access_token": access,
    });
    if scopes.contains(&"offline_access") || grant == "refresh_token" {
        // Each use returns a new refresh token; the old one is not revoked, just superseded.
        let rt = format!("1.A{}", auth.random(200, ALNUM));
        auth.tokens.insert(
            rt.clone(),
            TokenInfo {
                system: "microsoft",
                kind: "refresh",
                token: rt.clone(),
                client_id: client_id.to_string(),
                scope: scope.clone(),
                issued_ms: now,
                expires_ms: Some(now + settings.microsoft_refresh_token_days * 86_400_000),
                revoked: false,
                family: None,
            },
        );
        body["refresh_token"] = json!(rt);
    }
    if scopes.contains(&"openid") {
        let base = ep.authority_url.rsplit_once('/').map(|(b, _)| b.to_string()).unwrap_or_default();
        body["id_token"] = json!(fake_jwt(&json!({
            "aud": client_id, "iss": format!("{base}/{tid}/v2.0"), "iat": now / 1000, "nbf": now / 1000, "exp": now / 1000 + ttl,
            "name": "Ada Admin", "oid": oid, "preferred_username": "ada@liaison-sandbox.onmicrosoft.com",
            "sub": "liaison-sandbox-subject", "tid": tid, "ver": "2.0",
        })));
    }
    json_response(StatusCode::OK, &body)
}
