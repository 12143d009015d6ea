//! Connecting Marketo against the sandbox's Marketo emulator.

mod common;

use liaison_core::connections::ConnectionKind;
use liaison_core::connections::marketo::{ConnectMarketo, MarketoClient, MarketoSettings, connect, secret_name};
use liaison_core::members::admin::{add_active_admin, switch_acting_admin};
use liaison_core::setup::{self, StepState};
use liaison_core::vault::Vault;
use liaison_core::{ErrorCode, Workspace};
use liaison_sandbox::{Sandbox, SandboxConfig};
use secrecy::{ExposeSecret, SecretString};

async fn sandbox() -> Sandbox {
    Sandbox::start(SandboxConfig { people: 20, ..SandboxConfig::default() }).await.expect("sandbox starts")
}

fn workspace() -> (tempfile::TempDir, Workspace, Vault) {
    common::activated_workspace()
}

/// A client of the sandbox's Marketo, outside any workspace.
fn client(sb: &Sandbox) -> MarketoClient {
    let settings = MarketoSettings {
        base_url: sb.endpoints().marketo.base_url.clone(),
        client_id: sb.endpoints().marketo.client_id.clone(),
    };
    MarketoClient::new(Default::default(), settings, SecretString::from(sb.endpoints().marketo.client_secret.clone()))
        .unwrap()
}

fn request(sb: &Sandbox) -> ConnectMarketo {
    ConnectMarketo {
        display_name: "Marketo (sandbox)".into(),
        base_url: format!("{}/rest", sb.endpoints().marketo.base_url),
        client_id: sb.endpoints().marketo.client_id.clone(),
        is_sandbox: true,
    }
}

#[tokio::test]
async fn connecting_with_the_sandbox_credentials_completes_step_3_and_keeps_the_secret_in_the_vault() {
    let sb = sandbox().await;
    let (dir, ws, vault) = workspace();
    let secret = SecretString::from(sb.endpoints().marketo.client_secret.clone());
    let connection = connect(&ws, &vault, request(&sb), secret).await.unwrap();
    assert_eq!((connection.kind, connection.is_sandbox), (ConnectionKind::Marketo, true));
    assert_eq!(connection.owner.as_deref(), Some("ada@example.com"));
    assert_eq!(setup::overview(ws.store()).unwrap().steps[2].state, StepState::Done);
    let stored = vault.get(&secret_name(&connection.id)).unwrap().unwrap();
    assert_eq!(stored.expose_secret(), sb.endpoints().marketo.client_secret);
    ws.store().connect().unwrap().execute_batch("PRAGMA wal_checkpoint(TRUNCATE)").unwrap();
    let db = std::fs::read(dir.path().join("liaison.db")).unwrap();
    let plain = sb.endpoints().marketo.client_secret.as_bytes();
    assert!(!db.windows(plain.len()).any(|w| w == plain), "the client secret is in the database in plain text");
    sb.shutdown().await;
}

#[tokio::test]
async fn a_wrong_client_secret_is_refused_with_a_clear_message_and_nothing_is_stored() {
    let sb = sandbox().await;
    let (_dir, ws, vault) = workspace();
    let err = connect(&ws, &vault, request(&sb), SecretString::from("wrong")).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::Unauthorized);
    assert!(err.message.contains("client secret"), "{}", err.message);
    assert!(!err.message.contains("wrong"), "the secret must not be echoed");
    assert!(liaison_core::connections::list(ws.store()).unwrap().is_empty());
    sb.shutdown().await;
}

#[tokio::test]
async fn an_unreachable_host_is_named() {
    let (_dir, ws, vault) = workspace();
    let mut req = ConnectMarketo {
        display_name: String::new(),
        base_url: "http://127.0.0.1:9".into(),
        client_id: "id".into(),
        is_sandbox: false,
    };
    let err = connect(&ws, &vault, req.clone(), SecretString::from("s")).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::Unreachable);
    req.base_url = "not a url".into();
    assert_eq!(connect(&ws, &vault, req, SecretString::from("s")).await.unwrap_err().code, ErrorCode::InvalidInput);
}

#[tokio::test]
async fn r7_a_second_admin_is_refused_before_any_call_is_made() {
    let sb = sandbox().await;
    let (_dir, ws, vault) = workspace();
    let secret = SecretString::from(sb.endpoints().marketo.client_secret.clone());
    connect(&ws, &vault, request(&sb), secret.clone()).await.unwrap();
    add_active_admin(&ws, "Bea", "bea@example.com").unwrap();
    switch_acting_admin(&ws, "bea@example.com").unwrap();
    let err = connect(&ws, &vault, request(&sb), secret).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::Forbidden);
    assert!(err.message.contains("ada@example.com"), "{}", err.message);
    sb.shutdown().await;
}

#[tokio::test]
async fn describe_lists_the_email_field_and_usage_counts_calls() {
    let sb = sandbox().await;
    let client = client(&sb);
    let fields = client.describe().await.unwrap();
    assert!(fields.iter().any(|f| f.name == "email" && f.data_type == "email"), "{fields:?}");
    assert!(client.calls_today().await.unwrap() >= 1);
    sb.shutdown().await;
}

#[tokio::test]
async fn a_lookup_of_300_long_emails_that_a_get_url_cannot_carry_goes_as_a_post_with_method_get() {
    let sb = sandbox().await;
    let client = client(&sb);
    let emails: Vec<String> = (0..300).map(|i| format!("{}{i}@example.co.jp", "long.name.".repeat(4))).collect();
    let input: Vec<_> = emails.iter().map(|e| serde_json::json!({ "email": e })).collect();
    let body = serde_json::json!({ "action": "createOnly", "lookupField": "email", "input": input });
    client.post("/rest/v1/leads.json", Some(&body)).await.unwrap();
    let values = emails.join(",");
    let query = [("filterType", "email"), ("filterValues", values.as_str()), ("fields", "id,email")];
    let err = client.get("/rest/v1/leads.json", &query).await.unwrap_err();
    assert!(err.to_string().contains("414"), "a 16 KB URL is refused: {err}");
    let found = client.get_long("/rest/v1/leads.json", &query).await.unwrap();
    assert_eq!(found["result"].as_array().map(Vec::len), Some(300), "{found}");
    sb.shutdown().await;
}

#[tokio::test]
async fn the_health_check_lists_credentials_permissions_and_quota() {
    let sb = sandbox().await;
    let (_dir, ws, vault) = workspace();
    let secret = SecretString::from(sb.endpoints().marketo.client_secret.clone());
    let connection = connect(&ws, &vault, request(&sb), secret).await.unwrap();
    let report = liaison_core::connections::health::check(&ws, &vault, &connection.id).await.unwrap();
    let keys: Vec<_> = report.items.iter().map(|i| i.key.as_str()).collect();
    assert_eq!(keys, ["credentials", "read_leads", "lists", "daily_quota"]);
    assert!(report.healthy(), "{report:?}");
    // A secret changed on the Marketo side shows up as a failed credentials item.
    vault.put(&secret_name(&connection.id), &SecretString::from("rotated-elsewhere")).unwrap();
    let report = liaison_core::connections::health::check(&ws, &vault, &connection.id).await.unwrap();
    assert!(!report.healthy() && report.items[0].key == "credentials" && report.items.len() == 1);
    assert!(report.items[0].detail.contains("client secret"), "{}", report.items[0].detail);
    sb.shutdown().await;
}
