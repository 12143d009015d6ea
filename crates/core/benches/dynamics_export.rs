//! Export of a 100,000-person segment to a Dynamics 365 marketing list against the sandbox, with
//! Dataverse's service-protection limits on (6,000 requests per 5 minutes per user, 52 at once)
//! under time scaling: requests made, 429s received (goal: none — Liaison paces itself on the
//! org's budget instead of colliding), and the duration on the org's clock; then a re-run with
//! nothing changed (goal: at most 10 requests).
//!
//! The cache is filled by a real full sync of the sandbox (Marketo, Salesforce and Dynamics),
//! so every person in the segment ("known in Dynamics 365") is matched to an existing contact.
//!
//! `cargo xtask bench -- dynamics_export` (a plain `main`: one measured run, printed).

use std::time::{Duration, Instant};

use liaison_core::Workspace;
use liaison_core::exports::destinations::{self, NewDynamicsDestination};
use liaison_core::exports::{self, ExportOptions, ExportReport, NewExport, Schedule};
use liaison_core::segments::{self, Definition, Match, Rule};
use liaison_core::sync::run::{self, Control, Progress, RunOptions};
use liaison_core::vault::Vault;
use liaison_sandbox::{Sandbox, SandboxConfig};

/// About 36% of generated people are Dynamics contacts: this many people give about 100,000.
const PEOPLE: usize = 278_000;
const SCALE: f64 = 100.0;

mod common;

fn main() {
    let filter = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    if filter.as_deref().is_some_and(|f| !"dynamics_export".contains(f)) {
        return;
    }
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    rt.block_on(bench());
}

async fn stats(sb: &Sandbox) -> serde_json::Value {
    reqwest::get(format!("{}/stats", sb.endpoints().control_url)).await.unwrap().json().await.unwrap()
}

async fn org_now_ms(sb: &Sandbox) -> i64 {
    let clock: serde_json::Value =
        reqwest::get(format!("{}/clock", sb.endpoints().control_url)).await.unwrap().json().await.unwrap();
    clock["now_ms"].as_i64().unwrap()
}

/// Dynamics requests and 429s since `before`.
fn dynamics_since(now: &serde_json::Value, before: &serde_json::Value) -> (u64, u64) {
    let calls = |v: &serde_json::Value| -> u64 {
        v["calls"]["dynamics"].as_object().map(|m| m.values().map(|n| n.as_u64().unwrap_or(0)).sum()).unwrap_or(0)
    };
    let violations = |v: &serde_json::Value| -> u64 {
        v["violations"]["dynamics"]
            .as_object()
            .map(|m| m.values().map(|n| n.as_u64().unwrap_or(0)).sum())
            .or_else(|| v["violations"]["dynamics"].as_u64())
            .unwrap_or(0)
    };
    (calls(now) - calls(before), violations(now) - violations(before))
}

async fn export(sb: &Sandbox, ws: &Workspace, vault: &Vault, what: &str) -> ExportReport {
    let before = stats(sb).await;
    let t0 = org_now_ms(sb).await;
    let started = Instant::now();
    let report =
        exports::run::run(ws, vault, "Known in Dynamics", ExportOptions::default(), &Control::default(), &|_| {})
            .await
            .unwrap();
    let real = started.elapsed().as_secs_f64();
    let org_secs = (org_now_ms(sb).await - t0) as f64 / 1000.0;
    let (requests, rejected) = dynamics_since(&stats(sb).await, &before);
    let c = report.counts;
    println!(
        "dynamics export {what}: {} people, added {}, removed {}, unchanged {}, unmatched {}, failed {}; {requests} Dynamics requests ({} counted by the run), 429s: {rejected}; {real:.1} s real = {org_secs:.0} s on the org's clock ({:.1} min)",
        c.people,
        c.added,
        c.removed,
        c.unchanged,
        c.unmatched,
        c.failed,
        c.calls,
        org_secs / 60.0
    );
    report
}

async fn bench() {
    let sb =
        Sandbox::start(SandboxConfig { people: PEOPLE, auto_approve: true, time_scale: SCALE, ..Default::default() })
            .await
            .unwrap();
    let common::Connected { ws, vault, dynamics: connection, .. } = common::connected(&sb, SCALE).await;
    let options = RunOptions {
        full: true,
        pause_poll: Duration::from_millis(50),
        job_poll: Duration::from_millis(20),
        ..RunOptions::default()
    };
    let synced = Instant::now();
    run::run(&ws, &vault, options, &Control::default(), &|_: &Progress| {}).await.unwrap();
    println!("setup: full sync of {PEOPLE} sandbox people in {:.1} s", synced.elapsed().as_secs_f64());

    segments::create(
        &ws,
        "Known in Dynamics",
        Definition { match_: Match::All, rules: vec![Rule::parse("known_in is dynamics").unwrap()] },
    )
    .unwrap();
    destinations::add_dynamics(
        &ws,
        &vault,
        NewDynamicsDestination {
            name: "Webinar".into(),
            connection_id: connection,
            list_id: None,
            new_list: Some("Webinar invitees".into()),
            accept_privacy_notice: true,
        },
    )
    .await
    .unwrap();
    exports::definition::create(
        &ws,
        &vault,
        NewExport {
            name: "Known in Dynamics".into(),
            destination: "Webinar".into(),
            segments: vec!["Known in Dynamics".into()],
            fields: Vec::new(),
            schedule: Schedule::Manual,
        },
    )
    .await
    .unwrap();
    export(&sb, &ws, &vault, "first run").await;
    export(&sb, &ws, &vault, "re-run, nothing changed").await;
    sb.shutdown().await;
}
