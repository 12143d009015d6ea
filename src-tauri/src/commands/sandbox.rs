//! The built-in sandbox: "try Liaison without a real account". It runs in-process on loopback;
//! the UI learns its endpoints and client IDs, never its secrets.

use liaison_core::msg;
use liaison_core::sync::settings::{self, SyncSettings};
use liaison_core::{Error, Workspace};
use liaison_sandbox::{Sandbox, SandboxConfig};
use serde::Serialize;
use tauri::State;
use ts_rs::TS;

use crate::state::AppState;

/// Where the embedded sandbox listens, for pre-filling the connection forms.
#[derive(Debug, Clone, Serialize, TS)]
pub struct SandboxInfo {
    pub salesforce_login_url: String,
    pub salesforce_client_id: String,
    pub marketo_base_url: String,
    pub marketo_client_id: String,
    /// Its Dataverse org and Microsoft sign-in, for a Dynamics 365 connection.
    pub dynamics_org_url: String,
    pub dynamics_authority_url: String,
    pub dynamics_client_id: String,
    /// Its Adobe Campaign Standard API, IMS, tenant and client, for a Campaign connection.
    pub campaign_base_url: String,
    pub campaign_ims_url: String,
    pub campaign_org_id: String,
    pub campaign_client_id: String,
    pub people: u32,
}

fn info(sandbox: &Sandbox, people: usize) -> SandboxInfo {
    let e = sandbox.endpoints();
    SandboxInfo {
        salesforce_login_url: e.salesforce.login_url.clone(),
        salesforce_client_id: e.salesforce.client_id.clone(),
        marketo_base_url: e.marketo.base_url.clone(),
        marketo_client_id: e.marketo.client_id.clone(),
        dynamics_org_url: e.dynamics.org_url.clone(),
        dynamics_authority_url: e.dynamics.authority_url.clone(),
        dynamics_client_id: e.dynamics.client_id.clone(),
        campaign_base_url: e.campaign.base_url.clone(),
        campaign_ims_url: e.campaign.ims_url.clone(),
        campaign_org_id: e.campaign.org_id.clone(),
        campaign_client_id: e.campaign.client_id.clone(),
        people: people as u32,
    }
}

const DEMO_PEOPLE: usize = 2_000;
/// Below Linux's ephemeral range (32768–60999), so an outgoing connection never holds it.
const SANDBOX_PORT: u16 = 27_610;
/// The sandbox's clock runs this many times faster than ours, so a demo sync waits seconds, not
/// minutes, on extract jobs and quota resets; Marketo's rate budget is kept in sandbox time.
const TIME_SCALE: f64 = 20.0;

/// A demo full sync starts at the sandbox's first day of data instead of walking Marketo's
/// windows back to 2006, unless the admin already saved sync settings.
fn demo_sync_settings(ws: &Workspace) -> Result<(), Error> {
    if settings::saved(ws.store())?.is_none() {
        let demo = SyncSettings { marketo_history_from: Sandbox::data_since().to_owned(), ..SyncSettings::default() };
        settings::save(ws.store(), &demo)?;
    }
    Ok(())
}

/// Starts the sandbox if it is not running (signed-in demo user: auto-approve) and describes it.
pub async fn sandbox_start(state: State<'_, AppState>) -> Result<SandboxInfo, Error> {
    let mut slot = state.sandbox.lock().await;
    if slot.is_none() {
        // A fixed port keeps sandbox connections valid across restarts (the data is seeded, so
        // it is the same each time); if the port is taken, any free port will do.
        let config = SandboxConfig {
            people: DEMO_PEOPLE,
            auto_approve: true,
            port: Some(SANDBOX_PORT),
            time_scale: TIME_SCALE,
            ..SandboxConfig::default()
        };
        let sandbox = match Sandbox::start(config.clone()).await {
            Ok(sandbox) => sandbox,
            Err(_) => Sandbox::start(SandboxConfig { port: None, ..config })
                .await
                .map_err(|e| Error::internal(msg!("desktop-sandbox-failed", reason = e.to_string())))?,
        };
        tracing::info!("embedded sandbox started");
        let base_url = sandbox.endpoints().marketo.base_url.clone();
        *slot = Some(sandbox);
        if let Ok(ws) = state.workspace() {
            ws.remotes().use_marketo_time_scale(&base_url, TIME_SCALE);
            super::blocking(move || demo_sync_settings(&ws)).await?;
        }
    }
    Ok(info(slot.as_ref().expect("just started"), DEMO_PEOPLE))
}

/// The running sandbox, if any.
pub async fn sandbox_info(state: State<'_, AppState>) -> Result<Option<SandboxInfo>, Error> {
    Ok(state.sandbox.lock().await.as_ref().map(|s| info(s, DEMO_PEOPLE)))
}
