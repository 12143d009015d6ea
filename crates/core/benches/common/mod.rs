//! What the sync benchmarks share: a workspace activated by Ada with Salesforce and Marketo
//! connected to the sandbox and Liaison's budgets kept in the sandbox's scaled time; for the
//! Dynamics 365 benchmarks Dynamics 365 too, with sync settings whose Marketo history starts
//! after the generated data (few extract windows), activities off.
#![allow(dead_code)]

use liaison_core::connections::dynamics::{self, ConnectDynamics, UsableBy};
use liaison_core::connections::oauth::Browser;
use liaison_core::connections::{marketo, salesforce};
use liaison_core::members::admin::activate;
use liaison_core::sync::settings::{self, SyncSettings};
use liaison_core::vault::{MemoryKeychain, Vault};
use liaison_core::{Paths, Workspace};
use liaison_sandbox::Sandbox;
use secrecy::SecretString;

/// A browser that follows the sign-in like a signed-in person (the sandbox approves at once).
struct Fetcher;

impl Browser for Fetcher {
    fn open(&self, url: &str) -> liaison_core::Result<()> {
        let url = url.to_owned();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            rt.block_on(async {
                let _ = reqwest::get(url).await;
            });
        });
        Ok(())
    }
}

/// A workspace activated by Ada with Salesforce and Marketo connected to the sandbox, Liaison's
/// Marketo budget kept in the sandbox's scaled time, and these sync settings.
pub struct Base {
    _dir: tempfile::TempDir,
    pub ws: Workspace,
    pub vault: Vault,
}

pub async fn marketo_and_salesforce(sb: &Sandbox, scale: f64, sync: SyncSettings) -> Base {
    let dir = tempfile::tempdir().unwrap();
    let ws = Workspace::open(Paths::in_dir(dir.path())).unwrap();
    let vault = Vault::open(ws.store(), &MemoryKeychain::default()).unwrap();
    activate(&ws, &vault, "Ada", "ada@example.com").unwrap();
    let e = sb.endpoints().clone();
    ws.remotes().use_marketo_time_scale(&e.marketo.base_url, scale);
    salesforce::connect(
        &ws,
        &vault,
        salesforce::ConnectSalesforce {
            display_name: String::new(),
            login_url: e.salesforce.login_url.clone(),
            client_id: e.salesforce.client_id.clone(),
            is_sandbox: true,
        },
        Some(SecretString::from(e.salesforce.client_secret.clone())),
        &Fetcher,
    )
    .await
    .unwrap();
    marketo::connect(
        &ws,
        &vault,
        marketo::ConnectMarketo {
            display_name: String::new(),
            base_url: e.marketo.base_url.clone(),
            client_id: e.marketo.client_id.clone(),
            is_sandbox: true,
        },
        SecretString::from(e.marketo.client_secret.clone()),
    )
    .await
    .unwrap();
    settings::save(ws.store(), &sync).unwrap();
    Base { _dir: dir, ws, vault }
}

pub struct Connected {
    _dir: tempfile::TempDir,
    pub ws: Workspace,
    pub vault: Vault,
    /// The Dynamics 365 connection's ID.
    pub dynamics: String,
}

pub async fn connected(sb: &Sandbox, scale: f64) -> Connected {
    let recent = time::OffsetDateTime::now_utc() - time::Duration::days(20);
    let history_from = format!("{:04}-{:02}-{:02}", recent.year(), u8::from(recent.month()), recent.day());
    let sync = SyncSettings { marketo_history_from: history_from, log_activities: false, ..SyncSettings::default() };
    let Base { _dir, ws, vault } = marketo_and_salesforce(sb, scale, sync).await;
    let e = sb.endpoints().clone();
    ws.remotes().use_dynamics_time_scale(&e.dynamics.org_url, scale);
    let dynamics = dynamics::connect(
        &ws,
        &vault,
        ConnectDynamics {
            display_name: "Dynamics".into(),
            org_url: e.dynamics.org_url.clone(),
            authority_url: e.dynamics.authority_url.clone(),
            client_id: e.dynamics.client_id.clone(),
            usable_by: UsableBy::default(),
            is_sandbox: true,
            match_by: Default::default(),
        },
        &Fetcher,
    )
    .await
    .unwrap()
    .id;
    Connected { _dir, ws, vault, dynamics }
}
