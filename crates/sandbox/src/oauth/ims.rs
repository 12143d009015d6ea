//! Adobe IMS: `/ims/token/v3` (client credentials).

use super::fake_jwt;
use crate::http::{ReadError, Req, json_response, pget};
use crate::state::{ALNUM, Shared, TokenInfo, lock};
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::response::Response;
use serde_json::json;
use std::sync::Arc;

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
