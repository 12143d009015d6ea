//! The authorize page (Salesforce and Microsoft): request checks, error page, consent page and the redirect with a code.

use super::{AuthorizeRequest, CODE_TTL_MS, Provider, loopback_redirect, with_params};
use crate::http::{Req, html_escape, redirect, text_response};
use crate::state::{ALNUM, AuthCode, Shared, lock};
use axum::http::{Method, StatusCode};
use axum::response::Response;

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
pub(super) fn authorize(sh: &Shared, provider: Provider, req: &Req, action_path: &str) -> Response {
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
