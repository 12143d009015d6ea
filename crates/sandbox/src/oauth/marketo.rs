//! Marketo identity: `/identity/oauth/token` (client credentials).

use crate::http::{Req, json_response, pget};
use crate::state::{Shared, TokenInfo, lock};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::json;

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
