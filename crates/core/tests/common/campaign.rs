//! A sandbox with a workspace activated by Ada and one Dynamics 365 and one Adobe Campaign
//! connection to it: what the Campaign ↔ Dynamics 365 tests start from.
#![allow(dead_code)]

use liaison_core::campaign::{self, OptOutDirection};
use liaison_core::connections::campaign::ConnectCampaign;
use liaison_core::connections::dynamics::{self, ConnectDynamics, UsableBy};
use liaison_core::members::admin::activate;
use liaison_core::vault::{MemoryKeychain, Vault};
use liaison_core::{Paths, Workspace};
use liaison_sandbox::{Sandbox, SandboxConfig};
use secrecy::SecretString;

use super::Fetcher;

pub struct World {
    pub _dir: tempfile::TempDir,
    pub ws: Workspace,
    pub vault: Vault,
    pub sb: Sandbox,
    /// The connections' IDs.
    pub dynamics: String,
    pub campaign: String,
}

/// A sandbox of `people` with both systems connected, not linked yet.
pub async fn connected(people: usize) -> World {
    let sb = Sandbox::start(SandboxConfig { people, auto_approve: true, ..Default::default() }).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let ws = Workspace::open(Paths::in_dir(dir.path())).unwrap();
    let vault = Vault::open(ws.store(), &MemoryKeychain::default()).unwrap();
    activate(&ws, &vault, "Ada", "ada@example.com").unwrap();
    let e = sb.endpoints().clone();
    let request = ConnectDynamics {
        display_name: "Dynamics".into(),
        org_url: e.dynamics.org_url.clone(),
        authority_url: e.dynamics.authority_url.clone(),
        client_id: e.dynamics.client_id.clone(),
        usable_by: UsableBy::default(),
        is_sandbox: true,
        match_by: Default::default(),
    };
    let dynamics = dynamics::connect(&ws, &vault, request, &Fetcher).await.unwrap().id;
    let request = ConnectCampaign {
        display_name: String::new(),
        base_url: e.campaign.base_url.clone(),
        ims_url: e.campaign.ims_url.clone(),
        org_id: e.campaign.org_id.clone(),
        client_id: e.campaign.client_id.clone(),
        is_sandbox: true,
    };
    let secret = SecretString::from(e.campaign.client_secret.clone());
    let campaign = liaison_core::connections::campaign::connect(&ws, &vault, request, secret).await.unwrap().id;
    World { _dir: dir, ws, vault, sb, dynamics, campaign }
}

/// [`connected`], and the two linked with opt-outs going to Campaign.
pub async fn linked(people: usize) -> World {
    let w = connected(people).await;
    campaign::setup(&w.ws, &w.vault, &w.dynamics, &w.campaign, OptOutDirection::DynamicsToCampaign).await.unwrap();
    w
}
