#![allow(dead_code)]

use liaison_sandbox::{Sandbox, SandboxConfig};
use serde_json::Value;

pub async fn start(people: usize) -> Sandbox {
    Sandbox::start(SandboxConfig { people, ..SandboxConfig::default() }).await.expect("sandbox starts")
}

pub async fn start_with(config: SandboxConfig) -> Sandbox {
    Sandbox::start(config).await.expect("sandbox starts")
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client")
}

pub async fn marketo_token(sb: &Sandbox) -> String {
    let m = &sb.endpoints().marketo;
    let v: Value = client()
        .get(format!("{}/identity/oauth/token", m.base_url))
        .query(&[
            ("grant_type", "client_credentials"),
            ("client_id", &m.client_id),
            ("client_secret", &m.client_secret),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    v["access_token"].as_str().unwrap().to_string()
}

pub fn pkce() -> (String, String) {
    use base64::Engine;
    use sha2::Digest;
    let verifier = "dBjftJeZ4CVP-mJ92K1q3P6SvXfRiYHv4mYfE2Iu6k0abc".to_string();
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(verifier.as_bytes()));
    (verifier, challenge)
}

pub fn query_param(url: &str, key: &str) -> Option<String> {
    let q = url.split_once('?')?.1;
    serde_urlencoded::from_str::<Vec<(String, String)>>(q).ok()?.into_iter().find(|(k, _)| k == key).map(|(_, v)| v)
}

/// Runs the Salesforce web-server flow (auto-approve) and returns the token response.
pub async fn salesforce_login(sb: &Sandbox) -> Value {
    let sf = &sb.endpoints().salesforce;
    let c = client();
    let (verifier, challenge) = pkce();
    let redirect = "http://127.0.0.1:53682/callback";
    let r = c
        .post(format!("{}/services/oauth2/authorize", sf.login_url))
        .form(&[
            ("response_type", "code"),
            ("client_id", &sf.client_id),
            ("redirect_uri", redirect),
            ("code_challenge", &challenge),
            ("code_challenge_method", "S256"),
            ("state", "xyz"),
            ("scope", "api refresh_token"),
            ("decision", "allow"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 302);
    let loc = r.headers()["location"].to_str().unwrap().to_string();
    let code = query_param(&loc, "code").expect("code in redirect");
    let r = c
        .post(format!("{}/services/oauth2/token", sf.login_url))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("client_id", &sf.client_id),
            ("redirect_uri", redirect),
            ("code_verifier", &verifier),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

pub async fn control_post(sb: &Sandbox, path: &str, body: Value) -> Value {
    let r = client().post(format!("{}{path}", sb.endpoints().control_url)).json(&body).send().await.unwrap();
    assert!(r.status().is_success(), "control {path}: {}", r.status());
    r.json().await.unwrap()
}

pub async fn control_get(sb: &Sandbox, path: &str) -> Value {
    client().get(format!("{}{path}", sb.endpoints().control_url)).send().await.unwrap().json().await.unwrap()
}

/// Adobe IMS client-credentials token for the Campaign emulator.
pub async fn ims_token(sb: &Sandbox) -> String {
    let c = sb.endpoints().campaign.clone();
    let v: Value = client()
        .post(format!("{}/ims/token/v3", c.ims_url))
        .form(&[
            ("client_id", c.client_id.as_str()),
            ("client_secret", &c.client_secret),
            ("grant_type", "client_credentials"),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    v["access_token"].as_str().unwrap().to_string()
}

/// Microsoft identity auth-code + PKCE token for Dataverse (the sandbox must auto-approve).
pub async fn dv_token(sb: &Sandbox) -> String {
    let d = sb.endpoints().dynamics.clone();
    let (verifier, challenge) = pkce();
    let scope = format!("{}/user_impersonation offline_access", d.org_url);
    let r = client()
        .get(format!("{}/oauth2/v2.0/authorize", d.authority_url))
        .query(&[
            ("client_id", d.client_id.as_str()),
            ("response_type", "code"),
            ("redirect_uri", "http://localhost:53123/"),
            ("scope", &scope),
            ("code_challenge", &challenge),
            ("code_challenge_method", "S256"),
        ])
        .send()
        .await
        .unwrap();
    let code = query_param(r.headers()["location"].to_str().unwrap(), "code").unwrap();
    let v: Value = client()
        .post(format!("{}/oauth2/v2.0/token", d.authority_url))
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
    v["access_token"].as_str().unwrap().to_string()
}
