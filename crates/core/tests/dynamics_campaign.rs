//! Connecting Dynamics 365 (Microsoft identity, PKCE, WhoAmI) and Adobe Campaign (IMS) against
//! the sandbox.

mod common;

use common::Fetcher;
use liaison_core::connections::campaign::{self, ConnectCampaign};
use liaison_core::connections::dynamics::{self, ConnectDynamics, UsableBy};
use liaison_core::connections::{self, ConnectionKind};
use liaison_core::vault::Vault;
use liaison_core::{ErrorCode, Workspace};
use liaison_sandbox::{Sandbox, SandboxConfig};
use secrecy::{ExposeSecret, SecretString};

fn workspace() -> (tempfile::TempDir, Workspace, Vault) {
    common::activated_workspace()
}

fn dynamics_request(sb: &Sandbox, name: &str) -> ConnectDynamics {
    ConnectDynamics {
        display_name: name.into(),
        org_url: sb.endpoints().dynamics.org_url.clone(),
        authority_url: sb.endpoints().dynamics.authority_url.clone(),
        client_id: sb.endpoints().dynamics.client_id.clone(),
        usable_by: UsableBy::default(),
        is_sandbox: true,
        match_by: Default::default(),
    }
}

#[tokio::test]
async fn r13_dynamics_connects_through_the_browser_and_allows_several_orgs() {
    let sb = Sandbox::start(SandboxConfig { people: 10, auto_approve: true, ..Default::default() }).await.unwrap();
    let (_dir, ws, vault) = workspace();
    let prod = dynamics::connect(&ws, &vault, dynamics_request(&sb, "Dynamics – production"), &Fetcher).await.unwrap();
    dynamics::connect(&ws, &vault, dynamics_request(&sb, "Dynamics – test"), &Fetcher).await.unwrap();
    let list = connections::list(ws.store()).unwrap();
    assert_eq!(list.iter().filter(|c| c.kind == ConnectionKind::Dynamics).count(), 2);
    let [access, refresh] = dynamics::secret_names(&prod.id);
    let old_refresh = vault.get(&refresh).unwrap().unwrap();
    assert!(vault.get(&access).unwrap().is_some());
    // Microsoft rotates refresh tokens; the new one is kept.
    dynamics::refresh(&ws, &vault, &prod.id).await.unwrap();
    assert_ne!(vault.get(&refresh).unwrap().unwrap().expose_secret(), old_refresh.expose_secret());
    sb.shutdown().await;
}

#[tokio::test]
async fn r13_a_display_name_is_required() {
    let sb = Sandbox::start(SandboxConfig { people: 10, auto_approve: true, ..Default::default() }).await.unwrap();
    let (_dir, ws, vault) = workspace();
    let err = dynamics::connect(&ws, &vault, dynamics_request(&sb, " "), &Fetcher).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput);
    sb.shutdown().await;
}

fn campaign_request(sb: &Sandbox) -> ConnectCampaign {
    let c = &sb.endpoints().campaign;
    ConnectCampaign {
        display_name: String::new(),
        base_url: c.base_url.clone(),
        ims_url: c.ims_url.clone(),
        org_id: c.org_id.clone(),
        client_id: c.client_id.clone(),
        is_sandbox: true,
        calls_per_minute: None,
    }
}

#[tokio::test]
async fn campaign_connects_with_ims_credentials_after_reading_a_profile() {
    let sb = Sandbox::start(SandboxConfig { people: 10, ..Default::default() }).await.unwrap();
    let (_dir, ws, vault) = workspace();
    let secret = SecretString::from(sb.endpoints().campaign.client_secret.clone());
    let c = campaign::connect(&ws, &vault, campaign_request(&sb), secret).await.unwrap();
    assert_eq!((c.kind, c.display_name.as_str()), (ConnectionKind::Campaign, "Adobe Campaign"));
    assert!(vault.get(&campaign::secret_name(&c.id)).unwrap().is_some());
    let wrong = campaign::connect(&ws, &vault, campaign_request(&sb), SecretString::from("nope")).await.unwrap_err();
    assert_eq!(wrong.code, ErrorCode::Unauthorized);
    sb.shutdown().await;
}

#[tokio::test]
async fn health_checks_cover_dynamics_and_campaign() {
    let sb = Sandbox::start(SandboxConfig { people: 10, auto_approve: true, ..Default::default() }).await.unwrap();
    let (_dir, ws, vault) = workspace();
    let d = dynamics::connect(&ws, &vault, dynamics_request(&sb, "Dynamics"), &Fetcher).await.unwrap();
    let secret = SecretString::from(sb.endpoints().campaign.client_secret.clone());
    let c = campaign::connect(&ws, &vault, campaign_request(&sb), secret).await.unwrap();
    for id in [&d.id, &c.id] {
        let report = liaison_core::connections::health::check(&ws, &vault, id).await.unwrap();
        assert!(report.healthy() && report.items.len() >= 2, "{report:?}");
    }
    sb.shutdown().await;
}

#[tokio::test]
async fn campaign_calls_per_minute_outside_the_accepted_range_is_refused_before_anything_is_sent() {
    let sb = Sandbox::start(SandboxConfig { people: 10, ..Default::default() }).await.unwrap();
    let (_dir, ws, vault) = workspace();
    let secret = SecretString::from(sb.endpoints().campaign.client_secret.clone());
    for bad in [0, 30, 20_001] {
        let request = ConnectCampaign { calls_per_minute: Some(bad), ..campaign_request(&sb) };
        let err = campaign::connect(&ws, &vault, request, secret.clone()).await.unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidInput);
        let message = err.message.to_string();
        assert!(message.contains(&bad.to_string()) && message.contains("20000"), "{message}");
    }
    assert!(connections::list(ws.store()).unwrap().is_empty());
    let stats: serde_json::Value =
        reqwest::get(format!("{}/stats", sb.endpoints().control_url)).await.unwrap().json().await.unwrap();
    assert!(stats["calls"]["campaign"].as_object().is_none_or(|m| m.is_empty()), "{stats}");
    sb.shutdown().await;
}

#[tokio::test]
async fn campaign_clients_of_one_connection_share_its_licence_calls_per_minute() {
    let sb = Sandbox::start(SandboxConfig { people: 10, ..Default::default() }).await.unwrap();
    let (_dir, ws, vault) = workspace();
    let secret = SecretString::from(sb.endpoints().campaign.client_secret.clone());
    let request = ConnectCampaign { calls_per_minute: Some(1_200), ..campaign_request(&sb) };
    let c = campaign::connect(&ws, &vault, request, secret).await.unwrap();
    let settings: campaign::CampaignSettings = ws
        .store()
        .read(|db| {
            Ok(db.query_row("SELECT settings FROM connections WHERE id = ?1", [&c.id], |r| r.get::<_, String>(0))?)
        })
        .map(|s| serde_json::from_str(&s).unwrap())
        .unwrap();
    assert_eq!(settings.calls_per_minute(), 1_200);
    // A scheduled run and a timeline preview load their own clients: one budget counts both.
    let (run, preview) = (
        campaign::CampaignClient::load(&ws, &vault, &c.id).unwrap(),
        campaign::CampaignClient::load(&ws, &vault, &c.id).unwrap(),
    );
    let before = run.calls();
    preview.get("profileAndServices/profile?_lineCount=1").await.unwrap();
    assert_eq!(run.calls(), before + 2, "the IMS token and the profile read count against the instance");
    sb.shutdown().await;
}
