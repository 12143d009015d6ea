//! Microsoft identity platform, Adobe IMS and control-API contract tests.

mod common;
use common::*;
use liaison_sandbox::SandboxConfig;
use serde_json::{Value, json};

async fn ms_code(sb: &liaison_sandbox::Sandbox, challenge: &str) -> String {
    let d = sb.endpoints().dynamics.clone();
    let scope = format!("{}/user_impersonation offline_access openid profile", d.org_url);
    let r = client()
        .get(format!("{}/oauth2/v2.0/authorize", d.authority_url))
        .query(&[
            ("client_id", d.client_id.as_str()),
            ("response_type", "code"),
            ("redirect_uri", "http://localhost:53123/"),
            ("response_mode", "query"),
            ("scope", &scope),
            ("state", "st"),
            ("code_challenge", challenge),
            ("code_challenge_method", "S256"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 302);
    query_param(r.headers()["location"].to_str().unwrap(), "code").unwrap()
}

#[tokio::test]
async fn microsoft_code_flow_with_pkce_and_refresh_tokens_rotate() {
    let sb = start_with(SandboxConfig { people: 10, auto_approve: true, ..SandboxConfig::default() }).await;
    let d = sb.endpoints().dynamics.clone();
    let (verifier, challenge) = pkce();
    let code = ms_code(&sb, &challenge).await;
    let token_url = format!("{}/oauth2/v2.0/token", d.authority_url);
    let v: Value = client()
        .post(&token_url)
        .form(&[
            ("client_id", d.client_id.as_str()),
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", "http://localhost:53123/"),
            ("code_verifier", &verifier),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["token_type"], "Bearer");
    assert_eq!(v["expires_in"], 3599);
    assert_eq!(v["scope"], format!("{}/user_impersonation", d.org_url));
    assert!(v["id_token"].as_str().unwrap().starts_with("eyJ"));
    let rt1 = v["refresh_token"].as_str().unwrap().to_string();
    let v: Value = client()
        .post(&token_url)
        .form(&[("client_id", d.client_id.as_str()), ("grant_type", "refresh_token"), ("refresh_token", &rt1)])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let rt2 = v["refresh_token"].as_str().unwrap();
    assert_ne!(rt1, rt2, "each refresh returns a new refresh token");
    // A code is single-use: the AADSTS error body shape.
    let r = client()
        .post(&token_url)
        .form(&[
            ("client_id", d.client_id.as_str()),
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", "http://localhost:53123/"),
            ("code_verifier", &verifier),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let e: Value = r.json().await.unwrap();
    assert_eq!(e["error"], "invalid_grant");
    assert!(e["error_description"].as_str().unwrap().starts_with("AADSTS70008:"));
    assert_eq!(e["error_codes"], json!([70008]));
    assert!(e["trace_id"].is_string() && e["correlation_id"].is_string() && e["timestamp"].is_string());
    sb.shutdown().await;
}

#[tokio::test]
async fn microsoft_pkce_mismatch_is_aadsts501481() {
    let sb = start_with(SandboxConfig { people: 10, auto_approve: true, ..SandboxConfig::default() }).await;
    let d = sb.endpoints().dynamics.clone();
    let (_, challenge) = pkce();
    let code = ms_code(&sb, &challenge).await;
    let e: Value = client()
        .post(format!("{}/oauth2/v2.0/token", d.authority_url))
        .form(&[
            ("client_id", d.client_id.as_str()),
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", "http://localhost:53123/"),
            ("code_verifier", "not-the-verifier-not-the-verifier-not-the-verif"),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(e["error_codes"], json!([501481]));
    sb.shutdown().await;
}

#[tokio::test]
async fn ims_client_credentials_token_shape() {
    let sb = start(10).await;
    let c = sb.endpoints().campaign.clone();
    let v: Value = client()
        .post(format!("{}/ims/token/v3", c.ims_url))
        .form(&[
            ("client_id", c.client_id.as_str()),
            ("client_secret", &c.client_secret),
            ("grant_type", "client_credentials"),
            ("scope", "openid,AdobeID"),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["token_type"], "bearer");
    assert_eq!(v["expires_in"], 86399);
    assert!(v.get("refresh_token").is_none());
    let r = client()
        .post(format!("{}/ims/token/v3", c.ims_url))
        .form(&[("client_id", c.client_id.as_str()), ("client_secret", "wrong"), ("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(r.json::<Value>().await.unwrap()["error"], "invalid_client");
    sb.shutdown().await;
}

#[tokio::test]
async fn endpoints_serialise_as_the_documented_json_line_and_ports_are_consecutive() {
    // Fixed ports below Linux's ephemeral range (32768–60999); another process may still hold
    // one, so try a few blocks.
    let mut started = None;
    for base in (27_310..27_510).step_by(10) {
        match liaison_sandbox::Sandbox::start(SandboxConfig { people: 5, port: Some(base), ..SandboxConfig::default() })
            .await
        {
            Ok(sb) => {
                started = Some((sb, base));
                break;
            }
            Err(e) => eprintln!("ports from {base} are taken: {e}"),
        }
    }
    let (sb, base) = started.expect("a free block of eight ports below 27510");
    let line = serde_json::to_string(sb.endpoints()).unwrap();
    let order = [
        "{\"salesforce\":{\"login_url\":",
        "\"client_id\":",
        "\"client_secret\":",
        "},\"marketo\":{\"base_url\":",
        "\"munchkin_id\":",
        "\"client_id\":",
        "\"client_secret\":",
        "},\"dynamics\":{\"org_url\":",
        "\"authority_url\":",
        "\"client_id\":",
        "},\"campaign\":{\"base_url\":",
        "\"ims_url\":",
        "\"org_id\":",
        "\"client_id\":",
        "\"client_secret\":",
        "},\"smtp\":{\"host\":",
        "\"port\":",
        "},\"control_url\":",
    ];
    let mut at = 0;
    for key in order {
        let pos = line[at..].find(key).unwrap_or_else(|| panic!("{key} after byte {at} in {line}"));
        at += pos + key.len();
    }
    let v: Value = serde_json::from_str(&line).unwrap();
    assert_eq!(v["salesforce"]["login_url"], format!("http://127.0.0.1:{base}"));
    assert_eq!(v["control_url"], format!("http://127.0.0.1:{}", base + 7));
    sb.shutdown().await;
}

#[tokio::test]
async fn control_api_counts_calls_lists_tokens_and_resets() {
    let sb = start(10).await;
    let token = marketo_token(&sb).await;
    client()
        .get(format!("{}/rest/v1/lists.json", sb.endpoints().marketo.base_url))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    let stats = control_get(&sb, "/stats").await;
    assert_eq!(stats["calls"]["marketo"]["GET /rest/v1/lists.json"], 1);
    assert!(stats["dataset"]["marketo_leads"].as_u64().unwrap() > 0);
    let tokens = control_get(&sb, "/tokens").await;
    assert!(
        tokens["tokens"].as_array().unwrap().iter().any(|t| t["token"] == json!(token) && t["system"] == "marketo")
    );
    control_post(&sb, "/reset", json!({})).await;
    let tokens = control_get(&sb, "/tokens").await;
    assert_eq!(tokens["tokens"], json!([]));
    let r =
        client().post(format!("{}/faults", sb.endpoints().control_url)).json(&json!({"rate": 3})).send().await.unwrap();
    assert_eq!(r.status(), 400);
    let r = client()
        .post(format!("{}/edits", sb.endpoints().control_url))
        .json(&json!({"system": "marketo", "id": 1, "fields": {}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    sb.shutdown().await;
}

#[tokio::test]
async fn invalid_config_is_an_error_not_a_panic() {
    let r = liaison_sandbox::Sandbox::start(SandboxConfig { time_scale: 0.0, ..SandboxConfig::default() }).await;
    assert!(matches!(r, Err(liaison_sandbox::SandboxError::InvalidConfig(_))));
}
