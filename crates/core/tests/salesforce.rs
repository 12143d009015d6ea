//! Connecting Salesforce through the OAuth web-server flow against the sandbox, with the
//! system browser replaced by a tiny fetcher (the sandbox auto-approves, as Salesforce does for
//! a signed-in user who consented before).

mod common;

use common::Fetcher;
use liaison_core::connections::salesforce::{
    ConnectSalesforce, SalesforceClient, connect, connect_with_timeout, secret_names,
};
use liaison_core::setup::{self, StepState};
use liaison_core::vault::Vault;
use liaison_core::{ErrorCode, Workspace};
use liaison_sandbox::{Sandbox, SandboxConfig};
use secrecy::{ExposeSecret, SecretString};

async fn sandbox(auto_approve: bool) -> Sandbox {
    Sandbox::start(SandboxConfig { people: 20, auto_approve, ..SandboxConfig::default() }).await.unwrap()
}

fn workspace() -> (tempfile::TempDir, Workspace, Vault) {
    common::activated_workspace()
}

fn request(sb: &Sandbox) -> ConnectSalesforce {
    ConnectSalesforce {
        display_name: String::new(),
        login_url: sb.endpoints().salesforce.login_url.clone(),
        client_id: sb.endpoints().salesforce.client_id.clone(),
        is_sandbox: true,
    }
}

fn secret(sb: &Sandbox) -> Option<SecretString> {
    Some(SecretString::from(sb.endpoints().salesforce.client_secret.clone()))
}

#[tokio::test]
async fn signing_in_through_the_browser_connects_salesforce_and_completes_step_2() {
    let sb = sandbox(true).await;
    let (_dir, ws, vault) = workspace();
    let connection = connect(&ws, &vault, request(&sb), secret(&sb), &Fetcher).await.unwrap();
    assert!(connection.display_name.starts_with("Salesforce ("), "{}", connection.display_name);
    // The signed-in user and org are shown with the connection.
    let account = connection.account.as_deref().unwrap();
    assert!(account.contains(" · org 00D"), "{account}");
    assert_eq!(setup::overview(ws.store()).unwrap().steps[1].state, StepState::Done);
    let [access, refresh, _] = secret_names(&connection.id);
    assert!(vault.get(&access).unwrap().is_some() && vault.get(&refresh).unwrap().is_some());
    let client = SalesforceClient::load(&ws, &vault, &connection.id).unwrap();
    assert!(!client.settings().username.is_empty() && client.settings().org_id.starts_with("00D"));
    let limits = client.get("/limits").await.unwrap();
    assert!(limits["DailyApiRequests"]["Max"].as_u64().is_some(), "{limits}");
    sb.shutdown().await;
}

#[tokio::test]
async fn an_expired_session_is_refreshed_and_a_rotated_refresh_token_is_kept() {
    let sb = sandbox(true).await;
    // Sessions of one second, and a new refresh token on every refresh.
    sb.update_settings(|s| {
        s.salesforce_session_secs = 1;
        s.salesforce_refresh_rotation = true;
    });
    let (_dir, ws, vault) = workspace();
    let connection = connect(&ws, &vault, request(&sb), secret(&sb), &Fetcher).await.unwrap();
    let [access_name, refresh_name, _] = secret_names(&connection.id);
    let (old_access, old_refresh) =
        (vault.get(&access_name).unwrap().unwrap(), vault.get(&refresh_name).unwrap().unwrap());
    tokio::time::sleep(std::time::Duration::from_millis(1_200)).await;
    sb.update_settings(|s| s.salesforce_session_secs = 7200);
    let client = SalesforceClient::load(&ws, &vault, &connection.id).unwrap();
    client.get("/limits").await.unwrap();
    let (new_access, new_refresh) =
        (vault.get(&access_name).unwrap().unwrap(), vault.get(&refresh_name).unwrap().unwrap());
    assert_ne!(old_access.expose_secret(), new_access.expose_secret(), "a new session was stored");
    assert_ne!(old_refresh.expose_secret(), new_refresh.expose_secret(), "the rotated refresh token was stored");
    sb.shutdown().await;
}

#[tokio::test]
async fn a_revoked_refresh_token_asks_for_reconnection() {
    let sb = sandbox(true).await;
    let (_dir, ws, vault) = workspace();
    let connection = connect(&ws, &vault, request(&sb), secret(&sb), &Fetcher).await.unwrap();
    let client = SalesforceClient::load(&ws, &vault, &connection.id).unwrap();
    client.revoke().await.unwrap();
    let err = client.get("/limits").await.unwrap_err();
    assert_eq!(err.code, ErrorCode::Unauthorized);
    assert!(err.message.contains("Reconnect Salesforce"), "{}", err.message);
    sb.shutdown().await;
}

#[tokio::test]
async fn without_consent_the_sign_in_times_out_and_nothing_is_stored() {
    let sb = sandbox(false).await;
    let (_dir, ws, vault) = workspace();
    // Without auto-approve the sandbox shows its Allow/Deny page and the fetcher never answers it.
    let err =
        connect_with_timeout(&ws, &vault, request(&sb), secret(&sb), &Fetcher, std::time::Duration::from_millis(500))
            .await
            .unwrap_err();
    assert_eq!(err.code, ErrorCode::Unavailable);
    assert!(liaison_core::connections::list(ws.store()).unwrap().is_empty());
    sb.shutdown().await;
}

#[tokio::test]
async fn a_wrong_client_secret_is_reported_without_echoing_it() {
    let sb = sandbox(true).await;
    let (_dir, ws, vault) = workspace();
    let err =
        connect(&ws, &vault, request(&sb), Some(SecretString::from("not-the-secret")), &Fetcher).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::Unauthorized);
    assert!(!err.message.contains("not-the-secret"));
    sb.shutdown().await;
}

#[tokio::test]
async fn the_health_check_covers_contacts_leads_tasks_and_quota() {
    let sb = sandbox(true).await;
    let (_dir, ws, vault) = workspace();
    let connection = connect(&ws, &vault, request(&sb), secret(&sb), &Fetcher).await.unwrap();
    let report = liaison_core::connections::health::check(&ws, &vault, &connection.id).await.unwrap();
    let keys: Vec<_> = report.items.iter().map(|i| i.key.as_str()).collect();
    assert_eq!(keys, ["credentials", "read_contacts", "read_leads", "create_tasks", "daily_quota"]);
    assert!(report.healthy(), "{report:?}");
    sb.shutdown().await;
}
