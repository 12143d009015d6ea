//! Setup step 6 verified through Salesforce's Tooling API (R1: verified, not just ticked), with
//! the checklist as the fallback when the signed-in user may not read setup metadata.

mod common;

use common::Fetcher;
use liaison_core::audit::{self, AuditQuery};
use liaison_core::connections::salesforce::{ConnectSalesforce, connect};
use liaison_core::members::admin::activate;
use liaison_core::setup::checklist::{self, confirm};
use liaison_core::setup::package::{
    NEWEST_PACKAGE_VERSION, NEWEST_PACKAGE_VERSION_ID, PackageOutcome, PackageVersion, verify_package,
};
use liaison_core::setup::{self, SetupStepKey, StepState};
use liaison_core::vault::{MemoryKeychain, Vault};
use liaison_core::{ErrorCode, Paths, Workspace};
use liaison_sandbox::{Sandbox, SandboxConfig};
use secrecy::SecretString;

async fn connected() -> (Sandbox, tempfile::TempDir, Workspace, Vault) {
    let sb =
        Sandbox::start(SandboxConfig { people: 10, auto_approve: true, ..SandboxConfig::default() }).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let ws = Workspace::open(Paths::in_dir(dir.path())).unwrap();
    let vault = Vault::open(ws.store(), &MemoryKeychain::default()).unwrap();
    activate(&ws, &vault, "Ada", "ada@example.com").unwrap();
    let sf = sb.endpoints().salesforce.clone();
    let request = ConnectSalesforce {
        display_name: String::new(),
        login_url: sf.login_url,
        client_id: sf.client_id,
        is_sandbox: true,
    };
    connect(&ws, &vault, request, Some(SecretString::from(sf.client_secret)), &Fetcher).await.unwrap();
    (sb, dir, ws, vault)
}

fn step6(ws: &Workspace) -> setup::SetupStep {
    setup::overview(ws.store()).unwrap().steps[5].clone()
}

#[tokio::test]
async fn r1_step_6_is_done_when_the_tooling_api_lists_marketo_sales_insight_and_the_check_is_audited() {
    let (sb, _dir, ws, vault) = connected().await;
    let result = verify_package(&ws, &vault).await.unwrap();
    assert_eq!(result.outcome, PackageOutcome::Installed);
    let package = result.package.unwrap();
    assert_eq!((package.namespace.as_str(), package.name.as_str()), ("mkto_si", "Marketo Sales Insight"));
    assert!(package.version.is_some());
    assert!(result.packages_listed.unwrap() >= 1);
    let step = step6(&ws);
    assert_eq!(step.state, StepState::Done);
    assert!(step.detail.as_deref().unwrap().starts_with("Verified in Salesforce: Marketo Sales Insight"), "{step:?}");
    assert_eq!(result.overview.steps[5].state, StepState::Done);
    let entries =
        audit::list(ws.store(), &AuditQuery { action: Some("setup.step_verified".into()), limit: None }).unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].actor.as_deref(), Some("ada@example.com"));
    assert_eq!(entries[0].target.as_deref(), Some("6"));
    assert_eq!(entries[0].details["method"], "salesforce_tooling_api");
    sb.shutdown().await;
}

#[tokio::test]
async fn r1_step6_the_newest_package_is_done() {
    let (sb, _dir, ws, vault) = connected().await;
    // The sandbox's default installed version is the newest Liaison knows, under the same id.
    let newest = liaison_sandbox::MARKETO_SALES_INSIGHT_NEWEST;
    let n = NEWEST_PACKAGE_VERSION;
    assert_eq!([n.major, n.minor, n.patch, n.build], newest);
    assert_eq!(liaison_sandbox::marketo_sales_insight_version_id(newest), NEWEST_PACKAGE_VERSION_ID);
    let result = verify_package(&ws, &vault).await.unwrap();
    assert_eq!(result.outcome, PackageOutcome::Installed);
    assert_eq!(result.package.unwrap().version_number, Some(NEWEST_PACKAGE_VERSION));
    assert_eq!((result.install_url, result.newest_version), (None, NEWEST_PACKAGE_VERSION));
    let step = step6(&ws);
    assert_eq!(step.state, StepState::Done);
    assert!(step.detail.as_deref().unwrap().contains("(1.4362.0.1)"), "{step:?}");
    assert_eq!(step.action_url, None);
    sb.shutdown().await;
}

#[tokio::test]
async fn r1_step6_an_outdated_package_needs_attention_with_the_upgrade_link() {
    let (sb, _dir, ws, vault) = connected().await;
    sb.update_settings(|s| s.salesforce_package_version = [1, 4100, 2, 3]);
    let result = verify_package(&ws, &vault).await.unwrap();
    assert_eq!(result.outcome, PackageOutcome::Outdated);
    let installed = result.package.as_ref().unwrap().version_number.unwrap();
    assert_eq!(installed, PackageVersion { major: 1, minor: 4100, patch: 2, build: 3 });
    let link = format!(
        "{}/packaging/installPackage.apexp?p0={NEWEST_PACKAGE_VERSION_ID}",
        sb.endpoints().salesforce.login_url.trim_end_matches('/')
    );
    assert_eq!(result.install_url.as_deref(), Some(link.as_str()));
    assert!(result.message.contains("1.4100.2.3") && result.message.contains("1.4362.0.1"), "{}", result.message);
    assert!(result.message.contains(&link), "{}", result.message);
    let step = step6(&ws);
    assert_eq!(step.state, StepState::NeedsAttention);
    assert_eq!(step.action_url.as_deref(), Some(link.as_str()), "the link survives a reload of the wizard");
    let failed =
        audit::list(ws.store(), &AuditQuery { action: Some("setup.step_verification_failed".into()), limit: None })
            .unwrap();
    assert_eq!((failed.len(), &failed[0].details["outdated"]), (1, &serde_json::json!(true)));

    // The admin follows the link and upgrades; verifying again completes the step.
    let client = reqwest::Client::new();
    let page = client.get(&link).send().await.unwrap();
    assert!(page.text().await.unwrap().contains("Upgrade Marketo Sales Insight"));
    let done = client.post(&link).send().await.unwrap();
    assert!(done.status().is_success());
    let again = verify_package(&ws, &vault).await.unwrap();
    assert_eq!((again.outcome, again.install_url), (PackageOutcome::Installed, None));
    let step = step6(&ws);
    assert_eq!((step.state, step.action_url), (StepState::Done, None));
    sb.shutdown().await;
}

#[tokio::test]
async fn r1_step_6_needs_attention_and_says_so_when_the_package_is_not_installed() {
    let (sb, _dir, ws, vault) = connected().await;
    // Ticked by hand earlier; the API now knows better.
    let all: Vec<String> = checklist::checklist(SetupStepKey::CrmPackage).unwrap().into_iter().map(|i| i.key).collect();
    confirm(&ws, SetupStepKey::CrmPackage, &all).unwrap();
    sb.update_settings(|s| s.salesforce_package_installed = false);
    let result = verify_package(&ws, &vault).await.unwrap();
    assert_eq!(result.outcome, PackageOutcome::NotInstalled);
    assert!(result.package.is_none());
    assert!(result.message.contains("is not installed"), "{}", result.message);
    assert!(result.message.contains("Install it from AppExchange"), "{}", result.message);
    let link = result.install_url.clone().expect("the install link");
    assert!(link.ends_with(&format!("/packaging/installPackage.apexp?p0={NEWEST_PACKAGE_VERSION_ID}")), "{link}");
    let step = step6(&ws);
    assert_eq!(step.state, StepState::NeedsAttention);
    assert_eq!(step.action_url, Some(link));
    assert_eq!(step.detail.as_deref(), Some(result.message.as_str()));
    let entries =
        audit::list(ws.store(), &AuditQuery { action: Some("setup.step_verification_failed".into()), limit: None })
            .unwrap();
    assert_eq!(entries.len(), 1);
    sb.shutdown().await;
}

#[tokio::test]
async fn r1_without_view_setup_the_step_is_unchanged_and_the_checklist_still_completes_it() {
    let (sb, _dir, ws, vault) = connected().await;
    sb.update_settings(|s| s.salesforce_user_can_view_setup = false);
    let result = verify_package(&ws, &vault).await.unwrap();
    assert_eq!(result.outcome, PackageOutcome::AccessDenied);
    assert!(result.message.contains("View Setup and Configuration"), "{}", result.message);
    assert!(result.message.contains("Confirm the checklist"), "{}", result.message);
    assert_eq!(step6(&ws).state, StepState::NotStarted);
    assert!(
        audit::list(ws.store(), &AuditQuery { action: Some("setup.step_verif".into()), limit: None })
            .unwrap()
            .is_empty()
    );
    let all: Vec<String> = checklist::checklist(SetupStepKey::CrmPackage).unwrap().into_iter().map(|i| i.key).collect();
    confirm(&ws, SetupStepKey::CrmPackage, &all).unwrap();
    assert_eq!(step6(&ws).state, StepState::Done);
    sb.shutdown().await;
}

#[tokio::test]
async fn verifying_step_6_without_a_salesforce_connection_asks_to_connect_first() {
    let dir = tempfile::tempdir().unwrap();
    let ws = Workspace::open(Paths::in_dir(dir.path())).unwrap();
    let vault = Vault::open(ws.store(), &MemoryKeychain::default()).unwrap();
    activate(&ws, &vault, "Ada", "ada@example.com").unwrap();
    let err = verify_package(&ws, &vault).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::Conflict);
    assert!(err.message.contains("Connect Salesforce"), "{}", err.message);
    assert_eq!(step6(&ws).state, StepState::NotStarted);
}
