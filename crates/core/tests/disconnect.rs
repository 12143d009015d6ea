//! The disconnect use-case (R6, R8): ownership is checked and the connection removed locally
//! before the Salesforce sign-in is revoked, so a refused disconnect never cuts the org's
//! session, and a revocation that fails still leaves the connection disconnected.

mod common;

use common::Fetcher;
use liaison_core::connections::disconnect::disconnect;
use liaison_core::connections::ownership::start_handover;
use liaison_core::connections::salesforce::{ConnectSalesforce, connect, secret_names};
use liaison_core::connections::{self, ConnectionKind};
use liaison_core::members::admin::{activate, add_active_admin, switch_acting_admin};
use liaison_core::vault::{MemoryKeychain, Vault};
use liaison_core::{ErrorCode, Paths, Workspace};
use liaison_sandbox::{Sandbox, SandboxConfig};
use secrecy::{ExposeSecret, SecretString};

struct World {
    _dir: tempfile::TempDir,
    ws: Workspace,
    vault: Vault,
    sb: Sandbox,
}

/// A workspace with admins A (acting) and B, and A's Salesforce connection to the sandbox.
async fn world() -> (World, String, SecretString) {
    let sb =
        Sandbox::start(SandboxConfig { people: 20, auto_approve: true, ..SandboxConfig::default() }).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let ws = Workspace::open(Paths::in_dir(dir.path())).unwrap();
    let vault = Vault::open(ws.store(), &MemoryKeychain::default()).unwrap();
    activate(&ws, &vault, "Admin A", "a@example.com").unwrap();
    add_active_admin(&ws, "Admin B", "b@example.com").unwrap();
    let endpoints = &sb.endpoints().salesforce;
    let request = ConnectSalesforce {
        display_name: String::new(),
        login_url: endpoints.login_url.clone(),
        client_id: endpoints.client_id.clone(),
        is_sandbox: true,
    };
    let secret = Some(SecretString::from(endpoints.client_secret.clone()));
    let connection = connect(&ws, &vault, request, secret, &Fetcher).await.unwrap();
    let [_, refresh_name, _] = secret_names(&connection.id);
    let refresh = vault.get(&refresh_name).unwrap().unwrap();
    (World { _dir: dir, ws, vault, sb }, connection.id, refresh)
}

/// Whether Salesforce (the sandbox) still renews a session with `refresh`.
async fn refresh_works(sb: &Sandbox, refresh: &SecretString) -> bool {
    let endpoints = &sb.endpoints().salesforce;
    let response = reqwest::Client::new()
        .post(format!("{}/services/oauth2/token", endpoints.login_url))
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh.expose_secret()),
            ("client_id", endpoints.client_id.as_str()),
            ("client_secret", endpoints.client_secret.as_str()),
        ])
        .send()
        .await
        .unwrap();
    response.status().is_success()
}

#[tokio::test]
async fn r6_a_refused_disconnect_revokes_nothing() {
    let (w, id, refresh) = world().await;
    switch_acting_admin(&w.ws, "b@example.com").unwrap();
    let err = disconnect(&w.ws, &w.vault, &id).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::Forbidden);
    assert!(err.message.contains("R6"), "{}", err.message);
    assert_eq!(connections::list(w.ws.store()).unwrap().len(), 1, "still connected");
    assert!(refresh_works(&w.sb, &refresh).await, "the org's session was not cut");
    w.sb.shutdown().await;
}

#[tokio::test]
async fn r8_disconnect_before_the_new_owner_connected_revokes_nothing() {
    let (w, id, refresh) = world().await;
    start_handover(&w.ws, ConnectionKind::Salesforce, "b@example.com").unwrap();
    let err = disconnect(&w.ws, &w.vault, &id).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::Conflict);
    assert!(err.message.contains("b@example.com has not connected yet"), "{}", err.message);
    assert_eq!(connections::list(w.ws.store()).unwrap().len(), 1, "still connected");
    assert!(refresh_works(&w.sb, &refresh).await, "the org's session was not cut");
    w.sb.shutdown().await;
}

#[tokio::test]
async fn disconnect_deletes_locally_then_revokes_the_salesforce_session() {
    let (w, id, refresh) = world().await;
    let done = disconnect(&w.ws, &w.vault, &id).await.unwrap();
    assert_eq!((done.kind, done.revoked, done.revoke_error.as_ref()), (ConnectionKind::Salesforce, true, None));
    assert!(connections::list(w.ws.store()).unwrap().is_empty());
    for name in secret_names(&id) {
        assert!(w.vault.get(&name).unwrap().is_none(), "{name} was deleted");
    }
    assert!(!refresh_works(&w.sb, &refresh).await, "Salesforce no longer accepts the old refresh token");
    // Disconnecting again is refused as not found, and sends nothing.
    assert_eq!(disconnect(&w.ws, &w.vault, &id).await.unwrap_err().code, ErrorCode::NotFound);
    w.sb.shutdown().await;
}

#[tokio::test]
async fn a_revocation_that_fails_still_disconnects_locally_and_says_so() {
    let (w, id, _refresh) = world().await;
    // Salesforce cannot be reached any more.
    w.sb.shutdown().await;
    let done = disconnect(&w.ws, &w.vault, &id).await.unwrap();
    assert!(!done.revoked);
    let err = done.revoke_error.expect("the failed revocation is reported");
    assert_eq!(err.code, ErrorCode::Unreachable);
    assert!(err.message.contains("could not end its sign-in at Salesforce"), "{}", err.message);
    assert!(connections::list(w.ws.store()).unwrap().is_empty(), "disconnected locally");
    for name in secret_names(&id) {
        assert!(w.vault.get(&name).unwrap().is_none(), "{name} was deleted");
    }
    // What the front end shows: code and message, never a token.
    let json = serde_json::to_string(&err).unwrap();
    assert!(!json.contains("5Aep861"), "{json}");
}
