//! Seed 000's prerequisites before step 2: Sales Insight Actions enabled (asked, recorded,
//! audited) and the Marketo ↔ Salesforce sync configured (checked through both APIs).

mod common;

use common::Fetcher;
use liaison_core::audit::{self, AuditQuery};
use liaison_core::connections::{marketo, salesforce};
use liaison_core::setup::prerequisites::{
    PrerequisiteCheck, PrerequisiteKey, PrerequisiteState, check_marketo_salesforce_sync,
    confirm_sales_insight_actions, prerequisites,
};
use liaison_core::vault::Vault;
use liaison_core::{Paths, Workspace};
use liaison_sandbox::{Sandbox, SandboxConfig};
use secrecy::SecretString;

fn workspace() -> (tempfile::TempDir, Workspace, Vault) {
    common::activated_workspace()
}

async fn connect_marketo(sb: &Sandbox, ws: &Workspace, vault: &Vault) {
    let e = sb.endpoints();
    let request = marketo::ConnectMarketo {
        display_name: String::new(),
        base_url: e.marketo.base_url.clone(),
        client_id: e.marketo.client_id.clone(),
        is_sandbox: true,
    };
    marketo::connect(ws, vault, request, SecretString::from(e.marketo.client_secret.clone())).await.unwrap();
}

async fn connect_salesforce(sb: &Sandbox, ws: &Workspace, vault: &Vault) {
    let e = sb.endpoints();
    let request = salesforce::ConnectSalesforce {
        display_name: String::new(),
        login_url: e.salesforce.login_url.clone(),
        client_id: e.salesforce.client_id.clone(),
        is_sandbox: true,
    };
    salesforce::connect(ws, vault, request, Some(SecretString::from(e.salesforce.client_secret.clone())), &Fetcher)
        .await
        .unwrap();
}

fn sync_prerequisite(
    list: &[liaison_core::setup::prerequisites::Prerequisite],
) -> &liaison_core::setup::prerequisites::Prerequisite {
    list.iter().find(|p| p.key == PrerequisiteKey::MarketoSalesforceSync).unwrap()
}

#[test]
fn r1_a_fresh_workspace_lists_both_prerequisites_not_checked_one_asked_one_checked() {
    let (_dir, ws, _vault) = workspace();
    let list = prerequisites(ws.store()).unwrap();
    let shape: Vec<_> = list.iter().map(|p| (p.key, p.check, p.state)).collect();
    assert_eq!(
        shape,
        vec![
            (PrerequisiteKey::SalesInsightActions, PrerequisiteCheck::Asked, PrerequisiteState::NotChecked),
            (PrerequisiteKey::MarketoSalesforceSync, PrerequisiteCheck::Checked, PrerequisiteState::NotChecked),
        ]
    );
}

#[test]
fn r1_sales_insight_actions_is_confirmed_by_the_admin_persisted_and_audited() {
    let (dir, ws, _vault) = workspace();
    let list = confirm_sales_insight_actions(&ws, true).unwrap();
    assert_eq!(list[0].state, PrerequisiteState::Met);
    assert_eq!(list[0].detail.as_deref(), Some("Confirmed enabled by ada@example.com."));
    drop(ws);
    let reopened = Workspace::open(Paths::in_dir(dir.path())).unwrap();
    let again = prerequisites(reopened.store()).unwrap();
    assert_eq!(again[0].state, PrerequisiteState::Met);
    assert_eq!(again[0].checked_by.as_ref().map(|a| a.email.as_str()), Some("ada@example.com"));
    assert!(again[0].checked_at.is_some());
    // Taking it back is recorded too.
    let list = confirm_sales_insight_actions(&reopened, false).unwrap();
    assert_eq!(list[0].state, PrerequisiteState::NotMet);
    assert!(list[0].detail.as_deref().unwrap().contains("account team"), "{:?}", list[0].detail);
    let entries =
        audit::list(reopened.store(), &AuditQuery { action: Some("setup.prerequisite_confirmed".into()), limit: None })
            .unwrap();
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[1].target.as_deref(), Some("sales_insight_actions"));
    assert_eq!(
        (entries[1].details["enabled"].clone(), entries[0].details["enabled"].clone()),
        (true.into(), false.into())
    );
}

#[test]
fn confirming_a_prerequisite_before_activation_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let ws = Workspace::open(Paths::in_dir(dir.path())).unwrap();
    assert!(confirm_sales_insight_actions(&ws, true).is_err());
    assert_eq!(prerequisites(ws.store()).unwrap()[0].state, PrerequisiteState::NotChecked);
}

#[tokio::test]
async fn r1_the_sync_check_cannot_tell_yet_without_marketo_then_finds_the_sync_configured() {
    let sb =
        Sandbox::start(SandboxConfig { people: 200, auto_approve: true, ..SandboxConfig::default() }).await.unwrap();
    let (_dir, ws, vault) = workspace();
    let list = check_marketo_salesforce_sync(&ws, &vault).await.unwrap();
    let sync = sync_prerequisite(&list);
    assert_eq!(sync.state, PrerequisiteState::CannotTell);
    assert!(sync.detail.as_deref().unwrap().contains("connect Marketo"), "{:?}", sync.detail);
    connect_marketo(&sb, &ws, &vault).await;
    let list = check_marketo_salesforce_sync(&ws, &vault).await.unwrap();
    assert!(sync_prerequisite(&list).detail.as_deref().unwrap().contains("connect Salesforce"));
    connect_salesforce(&sb, &ws, &vault).await;
    let list = check_marketo_salesforce_sync(&ws, &vault).await.unwrap();
    let sync = sync_prerequisite(&list);
    assert_eq!(sync.state, PrerequisiteState::Met, "{:?}", sync.detail);
    assert!(sync.detail.as_deref().unwrap().starts_with("Configured: "), "{:?}", sync.detail);
    let entries =
        audit::list(ws.store(), &AuditQuery { action: Some("setup.prerequisite_checked".into()), limit: None })
            .unwrap();
    assert_eq!(entries.len(), 3);
    assert_eq!(entries[0].details["state"], "met");
    assert!(entries[0].details["matched"].as_u64().unwrap() > 0);
    assert!(entries[0].details["sampled"].as_u64().unwrap() <= 200);
    sb.shutdown().await;
}

#[tokio::test]
async fn r1_the_sync_check_says_not_configured_when_marketo_knows_no_salesforce_record() {
    let sb =
        Sandbox::start(SandboxConfig { people: 200, auto_approve: true, ..SandboxConfig::default() }).await.unwrap();
    let (_dir, ws, vault) = workspace();
    connect_marketo(&sb, &ws, &vault).await;
    connect_salesforce(&sb, &ws, &vault).await;
    sb.update_settings(|s| s.marketo_salesforce_sync = false);
    let list = check_marketo_salesforce_sync(&ws, &vault).await.unwrap();
    let sync = sync_prerequisite(&list);
    assert_eq!(sync.state, PrerequisiteState::NotMet);
    assert!(sync.detail.as_deref().unwrap().contains("looks not configured"), "{:?}", sync.detail);
    sb.shutdown().await;
}
