//! OAuth servers: Salesforce web-server flow, Microsoft identity platform v2.0, Marketo identity
//! (client credentials) and Adobe IMS (client credentials).

use crate::http::{ReadError, Req, enc, html_escape, json_response, pget, redirect, text_response};
use crate::state::{ALNUM, AuthCode, Shared, TokenInfo, lock};
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::response::Response;
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::sync::Arc;

const CODE_TTL_MS: i64 = 10 * 60 * 1000;

pub(crate) fn pkce_s256(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

pub(crate) fn hmac_sha256(key: &[u8], msg: &[u8]) -> [u8; 32] {
    let mut k = [0u8; 64];
    if key.len() > 64 {
        k[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        k[..key.len()].copy_from_slice(key);
    }
    let mut inner = Sha256::new();
    inner.update(k.map(|b| b ^ 0x36));
    inner.update(msg);
    let mut outer = Sha256::new();
    outer.update(k.map(|b| b ^ 0x5c));
    outer.update(inner.finalize());
    outer.finalize().into()
}

/// Loopback redirect URI per RFC 8252 §7.3 (any port); Entra does not accept `[::1]`.
fn loopback_redirect(uri: &str, allow_ipv6: bool) -> bool {
    let Some(rest) = uri.strip_prefix("http://") else { return false };
    let host_port = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = if host_port.starts_with('[') {
        host_port.split(']').next().map(|h| format!("{h}]")).unwrap_or_default()
    } else {
        host_port.split(':').next().unwrap_or("").to_string()
    };
    match host.as_str() {
        "127.0.0.1" | "localhost" => true,
        "[::1]" => allow_ipv6,
        _ => false,
    }
}

fn with_params(uri: &str, params: &[(&str, &str)]) -> String {
    let mut out = uri.to_string();
    let mut sep = if uri.contains('?') { '&' } else { '?' };
    for (k, v) in params {
        out.push(sep);
        out.push_str(k);
        out.push('=');
        out.push_str(&enc(v));
        sep = '&';
    }
    out
}

#[derive(Clone, Copy, PartialEq)]
enum Provider {
    Salesforce,
    Microsoft,
}

struct AuthorizeRequest {
    params: Vec<(String, String)>,
}

impl AuthorizeRequest {
    fn get(&self, k: &str) -> &str {
        pget(&self.params, k).unwrap_or("")
    }
}

fn error_page(provider: Provider, title: &str, detail: &str) -> Response {
    let brand = if provider == Provider::Salesforce { "Salesforce" } else { "Microsoft" };
    text_response(
        StatusCode::BAD_REQUEST,
        "text/html; charset=utf-8",
        format!(
            "<!DOCTYPE html><html><head><title>{brand} — error</title></head><body><h1>{}</h1><p>{}</p></body></html>",
            html_escape(title),
            html_escape(detail)
        ),
    )
}

/// Authorize endpoint (GET shows the sign-in/consent page, POST is the page's form).
fn authorize(sh: &Shared, provider: Provider, req: &Req, action_path: &str) -> Response {
    let ar = AuthorizeRequest { params: if req.method == Method::POST { req.params() } else { req.query.clone() } };
    let settings = sh.settings();
    let ep = &sh.endpoints;
    let expected_client = match provider {
        Provider::Salesforce => ep.salesforce.client_id.as_str(),
        Provider::Microsoft => ep.dynamics.client_id.as_str(),
    };
    let client_id = ar.get("client_id");
    let redirect_uri = ar.get("redirect_uri");
    if client_id != expected_client {
        return match provider {
            Provider::Salesforce => error_page(provider, "error=invalid_client_id", "client identifier invalid"),
            Provider::Microsoft => error_page(
                provider,
                "AADSTS700016",
                &format!("Application with identifier '{client_id}' was not found in the directory 'Liaison Sandbox'."),
            ),
        };
    }
    let ok_redirect = match provider {
        Provider::Salesforce => settings.salesforce_loopback_any_port && loopback_redirect(redirect_uri, true),
        Provider::Microsoft => loopback_redirect(redirect_uri, false),
    };
    if !ok_redirect {
        return match provider {
            Provider::Salesforce => {
                error_page(provider, "error=redirect_uri_mismatch", "redirect_uri must match configuration")
            }
            Provider::Microsoft => error_page(
                provider,
                "AADSTS50011",
                &format!(
                    "The redirect URI '{redirect_uri}' specified in the request does not match the redirect URIs configured for the application '{client_id}'."
                ),
            ),
        };
    }
    let state = ar.get("state").to_string();
    let fail = |error: &str, description: &str| -> Response {
        let mut p = vec![("error", error), ("error_description", description)];
        if !state.is_empty() {
            p.push(("state", &state));
        }
        redirect(&with_params(redirect_uri, &p))
    };
    if ar.get("response_type") != "code" {
        return match provider {
            Provider::Salesforce => fail("unsupported_response_type", "response type not supported"),
            Provider::Microsoft => fail(
                "unsupported_response_type",
                "AADSTS700054: response_type 'id_token' is not enabled for the application.",
            ),
        };
    }
    let challenge = ar.get("code_challenge");
    let method = match (ar.get("code_challenge_method"), provider) {
        ("", Provider::Salesforce) => settings.salesforce_default_challenge_method.clone(),
        ("", Provider::Microsoft) => "plain".to_string(),
        (m, _) => m.to_string(),
    };
    if challenge.is_empty() {
        if provider == Provider::Microsoft || settings.salesforce_require_pkce {
            return match provider {
                Provider::Salesforce => fail("invalid_request", "missing required code challenge"),
                Provider::Microsoft => fail(
                    "invalid_request",
                    "AADSTS9002325: Proof Key for Code Exchange is required for cross-origin authorization code redemption.",
                ),
            };
        }
    } else if method != "S256" {
        return match provider {
            Provider::Salesforce => fail("invalid_request", "invalid code_challenge_method: only S256 is allowed"),
            Provider::Microsoft => fail("invalid_request", "AADSTS501491: Invalid size of Code_Challenge parameter."),
        };
    } else if challenge.len() != 43 {
        return fail("invalid_request", "invalid code_challenge");
    }
    let prompt = ar.get("prompt");
    let decision = if req.method == Method::POST {
        Some(ar.get("decision") == "allow")
    } else if sh.config.auto_approve
        && !prompt.contains("login")
        && !prompt.contains("consent")
        && !prompt.contains("select_account")
    {
        Some(true)
    } else if prompt == "none" {
        return fail("login_required", "AADSTS50058: A silent sign-in request was sent but no user is signed in.");
    } else {
        None
    };
    match decision {
        Some(true) => {
            let mut auth = lock(&sh.auth);
            let code = match provider {
                Provider::Salesforce => format!("aPrx{}==", auth.random(80, ALNUM)),
                Provider::Microsoft => format!("0.A{}", auth.random(120, ALNUM)),
            };
            auth.codes.insert(
                code.clone(),
                AuthCode {
                    system: if provider == Provider::Salesforce { "salesforce" } else { "microsoft" },
                    client_id: client_id.to_string(),
                    redirect_uri: redirect_uri.to_string(),
                    challenge: (!challenge.is_empty()).then(|| (method.clone(), challenge.to_string())),
                    scope: ar.get("scope").to_string(),
                    expires_ms: sh.now_ms() + CODE_TTL_MS,
                },
            );
            drop(auth);
            let mut p = vec![("code", code.as_str())];
            if !state.is_empty() {
                p.push(("state", &state));
            }
            redirect(&with_params(redirect_uri, &p))
        }
        Some(false) => match provider {
            Provider::Salesforce => fail("access_denied", "end-user denied authorization"),
            Provider::Microsoft => fail("access_denied", "AADSTS65004: User declined to consent to access the app."),
        },
        None => consent_page(provider, &ar, action_path),
    }
}

fn consent_page(provider: Provider, ar: &AuthorizeRequest, action_path: &str) -> Response {
    let (brand, app_user) = match provider {
        Provider::Salesforce => ("Salesforce", "ada.0@sandbox.example.com"),
        Provider::Microsoft => ("Microsoft", "ada@liaison-sandbox.onmicrosoft.com"),
    };
    let mut hidden = String::new();
    for (k, v) in &ar.params {
        if k != "decision" {
            hidden.push_str(&format!(
                "<input type=\"hidden\" name=\"{}\" value=\"{}\">\n",
                html_escape(k),
                html_escape(v)
            ));
        }
    }
    let scope = html_escape(ar.get("scope"));
    let body = format!(
        r#"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Allow Access? | {brand} (Liaison sandbox)</title>
<style>body{{font-family:sans-serif;max-width:30em;margin:4em auto}}button{{font-size:1.1em;margin-right:1em;padding:.4em 1.2em}}</style></head>
<body><h1>Allow Access?</h1>
<p>Signed in as <strong>{app_user}</strong> on the {brand} emulator of the Liaison sandbox.</p>
<p><strong>Liaison</strong> is asking to:</p><ul><li>{scope}</li></ul>
<form method="post" action="{action_path}">
{hidden}<button type="submit" name="decision" value="allow" id="allow">Allow</button>
<button type="submit" name="decision" value="deny" id="deny">Deny</button>
</form></body></html>"#
    );
    text_response(StatusCode::OK, "text/html; charset=utf-8", body)
}

// ---------------------------------------------------------------- Salesforce

fn sf_error(status: StatusCode, error: &str, description: &str) -> Response {
    json_response(status, &json!({"error": error, "error_description": description}))
}

/// Client id/secret from the form or an HTTP Basic header.
fn client_credentials(req: &Req, params: &[(String, String)]) -> (String, Option<String>) {
    if let Some(h) = req.header("authorization")
        && let Some(b64) = h.strip_prefix("Basic ")
        && let Ok(raw) = STANDARD.decode(b64.trim())
        && let Ok(s) = String::from_utf8(raw)
        && let Some((id, secret)) = s.split_once(':')
    {
        return (id.to_string(), Some(secret.to_string()));
    }
    (pget(params, "client_id").unwrap_or("").to_string(), pget(params, "client_secret").map(String::from))
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

fn fake_jwt(claims: &Value) -> String {
    let header = json!({"typ": "JWT", "alg": "RS256", "kid": "liaison-sandbox"});
    format!(
        "{}.{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string()),
        URL_SAFE_NO_PAD.encode(Sha256::digest(claims.to_string().as_bytes()))
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

// ---------------------------------------------------------------- Marketo identity

pub(crate) fn marketo_identity(sh: &Shared, req: &Req) -> Response {
    let params = req.params();
    let ep = &sh.endpoints.marketo;
    let grant = pget(&params, "grant_type").unwrap_or("");
    if grant != "client_credentials" {
        return json_response(
            StatusCode::BAD_REQUEST,
            &json!({"error": "unsupported_grant_type", "error_description": format!("Unsupported grant type: {grant}")}),
        );
    }
    if pget(&params, "client_id") != Some(ep.client_id.as_str())
        || pget(&params, "client_secret") != Some(ep.client_secret.as_str())
    {
        return json_response(
            StatusCode::UNAUTHORIZED,
            &json!({"error": "invalid_client", "error_description": "Bad client credentials"}),
        );
    }
    let settings = sh.settings();
    let now = sh.now_ms();
    let mut auth = lock(&sh.auth);
    let current = auth.marketo_current.get(&ep.client_id).cloned();
    let live = current
        .and_then(|t| auth.tokens.get(&t).filter(|i| !i.revoked && i.expires_ms.is_some_and(|e| e > now)).cloned());
    let info = match live {
        Some(i) => i,
        None => {
            let token =
                format!("{}:sj", uuid::Builder::from_random_bytes(rand::Rng::random(&mut auth.rng)).into_uuid());
            let info = TokenInfo {
                system: "marketo",
                kind: "access",
                token: token.clone(),
                client_id: ep.client_id.clone(),
                scope: "liaison-api@sandbox.example.com".into(),
                issued_ms: now,
                expires_ms: Some(now + settings.marketo_token_secs * 1000),
                revoked: false,
                family: None,
            };
            auth.tokens.insert(token.clone(), info.clone());
            auth.marketo_current.insert(ep.client_id.clone(), token);
            info
        }
    };
    let remaining = (info.expires_ms.unwrap_or(now) - now) / 1000;
    json_response(
        StatusCode::OK,
        &json!({"access_token": info.token, "token_type": "bearer", "expires_in": remaining.saturating_sub(1).max(0), "scope": info.scope}),
    )
}

// ---------------------------------------------------------------- Adobe IMS

pub(crate) async fn ims_entry(State(sh): State<Arc<Shared>>, request: Request) -> Response {
    let req = match Req::read(request, 1 << 20).await {
        Ok(r) => r,
        Err(ReadError::TooLarge) | Err(ReadError::Broken) => {
            return json_response(
                StatusCode::BAD_REQUEST,
                &json!({"error": "invalid_request", "error_description": "unreadable request"}),
            );
        }
    };
    sh.count_call("adobe-ims", req.endpoint_label());
    match (req.method.clone(), req.path.as_str()) {
        (Method::POST, "/ims/token/v3") => ims_token(&sh, &req),
        (Method::GET, "/ims/profile/v1") => {
            let now = sh.now_ms();
            let ok = req.bearer().is_some_and(|t| lock(&sh.auth).check("campaign", t, now).is_ok());
            if !ok {
                return json_response(
                    StatusCode::UNAUTHORIZED,
                    &json!({"error": "invalid_token", "error_description": "Could not match JWT signature to any of the bindings"}),
                );
            }
            json_response(
                StatusCode::OK,
                &json!({"projectedProductContext": [{"prodCtx": {"serviceCode": "dma_campaign", "organization_id": sh.endpoints.campaign.org_id}}]}),
            )
        }
        _ => json_response(
            StatusCode::NOT_FOUND,
            &json!({"error": "not_found", "error_description": "Resource not found"}),
        ),
    }
}

fn ims_token(sh: &Shared, req: &Req) -> Response {
    let params = req.params();
    let ep = &sh.endpoints.campaign;
    let bad =
        |d: &str| json_response(StatusCode::BAD_REQUEST, &json!({"error": "invalid_request", "error_description": d}));
    let Some(client_id) = pget(&params, "client_id") else { return bad("missing client_id parameter") };
    if pget(&params, "grant_type") != Some("client_credentials") {
        return json_response(
            StatusCode::BAD_REQUEST,
            &json!({"error": "unsupported_grant_type", "error_description": "unsupported grant_type parameter"}),
        );
    }
    if client_id != ep.client_id {
        return json_response(
            StatusCode::BAD_REQUEST,
            &json!({"error": "invalid_client", "error_description": "invalid client_id parameter"}),
        );
    }
    if pget(&params, "client_secret") != Some(ep.client_secret.as_str()) {
        return json_response(
            StatusCode::UNAUTHORIZED,
            &json!({"error": "invalid_client", "error_description": "invalid client_secret parameter"}),
        );
    }
    let settings = sh.settings();
    let now = sh.now_ms();
    let mut auth = lock(&sh.auth);
    let claims = json!({"client_id": client_id, "org": format!("{}@AdobeOrg", ep.org_id), "type": "access_token", "created_at": now.to_string(), "expires_in": (settings.ims_token_secs * 1000).to_string(), "jti": auth.random(16, ALNUM)});
    let token = fake_jwt(&claims);
    auth.tokens.insert(
        token.clone(),
        TokenInfo {
            system: "campaign",
            kind: "access",
            token: token.clone(),
            client_id: client_id.to_string(),
            scope: pget(&params, "scope").unwrap_or("").to_string(),
            issued_ms: now,
            expires_ms: Some(now + settings.ims_token_secs * 1000),
            revoked: false,
            family: None,
        },
    );
    json_response(
        StatusCode::OK,
        &json!({"access_token": token, "token_type": "bearer", "expires_in": settings.ims_token_secs}),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkce_s256_is_unpadded_base64url_of_sha256() {
        // Expected value computed independently (Python hashlib + base64.urlsafe_b64encode).
        assert_eq!(
            pkce_s256("dBjftJeZ4CVP-mJ92K1q3P6SvXfRiYHv4mYfE2Iu6k0"),
            "6a09dNk4aLEsvGzOJGdfRiDCTDjlaLNlbyAZbLFT69k"
        );
    }

    #[test]
    fn hmac_matches_rfc4231_case_2() {
        let mac = hmac_sha256(b"Jefe", b"what do ya want for nothing?");
        let hex: String = mac.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    }

    #[test]
    fn loopback_redirects_on_any_port_only() {
        assert!(loopback_redirect("http://127.0.0.1:53123/callback", true));
        assert!(loopback_redirect("http://localhost:1717/OauthRedirect", true));
        assert!(loopback_redirect("http://[::1]:8080/cb", true));
        assert!(!loopback_redirect("http://[::1]:8080/cb", false));
        assert!(!loopback_redirect("http://evil.example.com/cb", true));
        assert!(!loopback_redirect("https://127.0.0.1.evil.com/cb", true));
    }
}
