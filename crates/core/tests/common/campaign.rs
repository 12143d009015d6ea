//! A sandbox with a workspace activated by Ada and one Dynamics 365 and one Adobe Campaign
//! connection to it: what the Campaign ↔ Dynamics 365 tests start from.
#![allow(dead_code)]

use std::collections::BTreeMap;

use liaison_core::campaign::{self, CampaignProgress, CampaignReport, CampaignRunOptions, KEY_FIELD, OptOutDirection};
use liaison_core::connections::campaign::CampaignClient;
use liaison_core::connections::campaign::ConnectCampaign;
use liaison_core::connections::dataverse::DataverseClient;
use liaison_core::connections::dynamics::{self, ConnectDynamics, UsableBy};
use liaison_core::jobs::Control;
use liaison_core::members::admin::activate;
use liaison_core::runs::RunState;
use liaison_core::vault::{MemoryKeychain, Vault};
use liaison_core::{Paths, Workspace};
use liaison_sandbox::{Sandbox, SandboxConfig};
use secrecy::SecretString;
use serde_json::Value;

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
        calls_per_minute: None,
    };
    let secret = SecretString::from(e.campaign.client_secret.clone());
    let campaign = liaison_core::connections::campaign::connect(&ws, &vault, request, secret).await.unwrap().id;
    World { _dir: dir, ws, vault, sb, dynamics, campaign }
}

/// [`connected`], and the two linked with opt-outs going to Campaign.
pub async fn linked(people: usize) -> World {
    linked_with(people, OptOutDirection::DynamicsToCampaign).await
}

/// [`connected`], and the two linked with opt-outs going as `optout` says.
pub async fn linked_with(people: usize, optout: OptOutDirection) -> World {
    let w = connected(people).await;
    campaign::setup(&w.ws, &w.vault, &w.dynamics, &w.campaign, optout).await.unwrap();
    w
}

/// Small pages, so a few dozen contacts span several.
pub fn options() -> CampaignRunOptions {
    CampaignRunOptions { full: false, dynamics_page_size: 10, campaign_page_size: 10 }
}

/// One run with [`options`], which must succeed.
pub async fn run(w: &World) -> CampaignReport {
    let report =
        campaign::run(&w.ws, &w.vault, options(), &Control::default(), &|_: &CampaignProgress| {}).await.unwrap();
    assert_eq!(report.state, RunState::Succeeded, "{report:?}");
    report
}

/// Every contact, by ID.
pub async fn contacts(w: &World) -> BTreeMap<String, Value> {
    let client = DataverseClient::load(&w.ws, &w.vault, &w.dynamics).unwrap();
    let mut page = client
        .get(
            "contacts?$select=contactid,emailaddress1,firstname,lastname,telephone1,address1_city,jobtitle,donotbulkemail,donotemail",
            &["odata.maxpagesize=5000"],
        )
        .await
        .unwrap();
    let mut out = BTreeMap::new();
    loop {
        for c in page["value"].as_array().unwrap() {
            out.insert(c["contactid"].as_str().unwrap().to_owned(), c.clone());
        }
        match page["@odata.nextLink"].as_str() {
            Some(next) => page = client.get_url(next, &["odata.maxpagesize=5000"]).await.unwrap(),
            None => return out,
        }
    }
}

/// Every profile, as Campaign lists them.
pub async fn profiles(w: &World) -> Vec<Value> {
    let client = CampaignClient::load(&w.ws, &w.vault, &w.campaign).unwrap();
    let mut page = client.get("profileAndServicesExt/profile?_lineCount=500").await.unwrap();
    let mut out = Vec::new();
    loop {
        out.extend(page["content"].as_array().unwrap().iter().cloned());
        match page["next"]["href"].as_str() {
            Some(next) => page = client.get_url(next).await.unwrap(),
            None => return out,
        }
    }
}

/// The profiles linked to a contact (by its ID in [`KEY_FIELD`]).
pub fn profiles_of<'a>(profiles: &'a [Value], contact_id: &str) -> Vec<&'a Value> {
    profiles.iter().filter(|p| p[KEY_FIELD].as_str() == Some(contact_id)).collect()
}

/// The sandbox's counters.
pub async fn stats(w: &World) -> Value {
    reqwest::get(format!("{}/stats", w.sb.endpoints().control_url)).await.unwrap().json().await.unwrap()
}

/// An edit made in one of the systems, as a user there would (the sandbox's control API).
pub async fn edit(w: &World, body: Value) {
    let r = reqwest::Client::new()
        .post(format!("{}/edits", w.sb.endpoints().control_url))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.text().await.unwrap());
}
