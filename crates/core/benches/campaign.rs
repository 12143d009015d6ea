//! Adobe Campaign ↔ Dynamics 365 (seed 004) against the sandbox: 50,000 contacts and 500,000
//! email events, with Dataverse's service-protection limits on (6,000 requests per 5 minutes per
//! user) under time scaling. Campaign publishes no rate limit; Liaison keeps to its own budget
//! there (600 calls a minute), in the sandbox's scaled time like Dataverse's.
//! - the first run: every contact to a profile (and the events of the profiles Campaign held);
//! - ten email events per profile added in Campaign, then the run that carries them;
//! - a re-run with nothing new: only the requests that learn nothing changed.
//!
//! Printed per run: requests per side, 429s, the wall time and the org's clock.
//!
//! `cargo xtask bench -- campaign` (a plain `main`: one measured run of each, printed).

use std::time::Instant;

use liaison_core::campaign::{self, CampaignProgress, CampaignReport, CampaignRunOptions, OptOutDirection};
use liaison_core::connections::campaign::ConnectCampaign;
use liaison_core::jobs::Control;
use liaison_sandbox::{Sandbox, SandboxConfig};
use secrecy::SecretString;
use serde_json::{Value, json};

/// About 36% of generated people are Dynamics contacts: this many people give about 50,000.
const PEOPLE: usize = 139_000;
/// Ten times faster than real time: Liaison's Campaign budget (600 calls a minute of the org's
/// clock, 100 a second here) then sets the pace rather than this machine's CPU, so the org's
/// clock reads what a real run would take.
const SCALE: f64 = 10.0;
const EVENTS_PER_PROFILE: usize = 10;
/// Liaison's default Campaign pace (an admin gives their licence's figure when connecting).
const CAMPAIGN_CALLS_PER_MINUTE: u32 = 600;

mod common;

fn main() {
    let filter = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    if filter.as_deref().is_some_and(|f| !"campaign".contains(f)) {
        return;
    }
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    rt.block_on(bench());
}

async fn control(sb: &Sandbox, path: &str) -> Value {
    reqwest::get(format!("{}{path}", sb.endpoints().control_url)).await.unwrap().json().await.unwrap()
}

/// A system's requests and 429s in a `/stats` answer.
fn counted(stats: &Value, system: &str) -> (u64, u64) {
    let sum = |v: &Value| -> u64 {
        v.as_object().map(|m| m.values().map(|n| n.as_u64().unwrap_or(0)).sum()).or_else(|| v.as_u64()).unwrap_or(0)
    };
    (sum(&stats["calls"][system]), sum(&stats["violations"][system]))
}

async fn measured(sb: &Sandbox, w: &common::Connected, what: &str) -> CampaignReport {
    let before = control(sb, "/stats").await;
    let t0 = control(sb, "/clock").await["now_ms"].as_i64().unwrap();
    let started = Instant::now();
    let options = CampaignRunOptions::default();
    let report =
        campaign::run(&w.ws, &w.vault, options, &Control::default(), &|_: &CampaignProgress| {}).await.unwrap();
    let real = started.elapsed().as_secs_f64();
    let org_secs = (control(sb, "/clock").await["now_ms"].as_i64().unwrap() - t0) as f64 / 1000.0;
    let after = control(sb, "/stats").await;
    let (d1, d429_1) = counted(&after, "dynamics");
    let (d0, d429_0) = counted(&before, "dynamics");
    let (c1, _) = counted(&after, "campaign");
    let (c0, _) = counted(&before, "campaign");
    let c = report.counts;
    println!(
        "campaign {what}: {} created, {} updated, {} unchanged, {} events logged, {} errors; requests: Dynamics {}, Campaign {} ({} counted by the run); Dynamics 429s: {}; {real:.1} s real = {org_secs:.0} s on the org's clock ({:.1} min)",
        c.profiles_created,
        c.profiles_updated,
        c.unchanged,
        c.events_logged,
        c.errors,
        d1 - d0,
        c1 - c0,
        c.calls,
        d429_1 - d429_0,
        org_secs / 60.0
    );
    report
}

async fn bench() {
    let sb =
        Sandbox::start(SandboxConfig { people: PEOPLE, auto_approve: true, time_scale: SCALE, ..Default::default() })
            .await
            .unwrap();
    sb.update_settings(|s| s.limits_enabled = true);
    let w = common::connected(&sb, SCALE).await;
    let e = sb.endpoints().clone();
    let request = ConnectCampaign {
        display_name: String::new(),
        base_url: e.campaign.base_url.clone(),
        ims_url: e.campaign.ims_url.clone(),
        org_id: e.campaign.org_id.clone(),
        client_id: e.campaign.client_id.clone(),
        is_sandbox: true,
        calls_per_minute: Some(CAMPAIGN_CALLS_PER_MINUTE),
    };
    let secret = SecretString::from(e.campaign.client_secret.clone());
    let campaign_id = liaison_core::connections::campaign::connect(&w.ws, &w.vault, request, secret).await.unwrap().id;
    w.ws.remotes().use_campaign_time_scale(&e.campaign.base_url, &e.campaign.org_id, CAMPAIGN_CALLS_PER_MINUTE, SCALE);
    campaign::setup(&w.ws, &w.vault, &w.dynamics, &campaign_id, OptOutDirection::DynamicsToCampaign).await.unwrap();
    let dataset = control(&sb, "/stats").await["dataset"].clone();
    println!(
        "setup: {} Dynamics contacts, {} Campaign profiles before the first run",
        dataset["dynamics_contacts"], dataset["campaign_profiles"]
    );

    measured(&sb, &w, "first run").await;

    // Ten events of one delivery for every profile Liaison linked, added in Campaign.
    let profiles: Vec<String> =
        w.ws.store()
            .read(|c| {
                let mut stmt = c.prepare("SELECT pkey FROM campaign_profiles WHERE pkey IS NOT NULL")?;
                let rows = stmt.query_map([], |r| r.get(0))?;
                Ok(rows.collect::<rusqlite::Result<_>>()?)
            })
            .unwrap();
    let kinds = ["sent", "opened", "clicked", "sent", "opened", "sent", "opened", "clicked", "sent", "bounced"];
    let http = reqwest::Client::new();
    // 5,000 events per request keep the control API's body under its 2 MB limit.
    for chunk in profiles.chunks(500) {
        let events: Vec<Value> = chunk
            .iter()
            .flat_map(|p| {
                kinds.iter().take(EVENTS_PER_PROFILE).enumerate().map(move |(i, kind)| {
                    let url = (*kind == "clicked").then(|| format!("https://www.example.com/offer/{i}"));
                    json!({"profile": p, "type": kind, "label": format!("Newsletter {}", i / 3), "url": url})
                })
            })
            .collect();
        let r = http.post(format!("{}/campaign/events", e.control_url)).json(&events).send().await.unwrap();
        assert!(r.status().is_success(), "{}", r.text().await.unwrap());
    }
    println!("added {} email events in Campaign", profiles.len() * EVENTS_PER_PROFILE);

    measured(&sb, &w, "run carrying the events").await;
    measured(&sb, &w, "re-run, nothing new").await;
    sb.shutdown().await;
}
