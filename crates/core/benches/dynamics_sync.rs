//! Full read of 200,000 Dynamics 365 contacts from the sandbox into the people cache, through the
//! real client, sync phase and store: the Dynamics phase's wall time and its requests (pages of
//! 5,000 with change tracking, ending with the delta link), with the sandbox's Dataverse limits
//! on. The sync also needs Marketo and Salesforce; Marketo's history is set after the generated
//! data so its part stays small, and only the Dynamics phase is timed.
//!
//! `cargo xtask bench -- dynamics` (a plain `main`: one measured run, printed).

use std::sync::Mutex;
use std::time::{Duration, Instant};

use liaison_core::sync::run::{self, Control, Phase, Progress, RunOptions};
use liaison_sandbox::{Sandbox, SandboxConfig};

/// About 36% of generated people are Dynamics contacts: this many people give about 200,000.
const PEOPLE: usize = 556_000;
const SCALE: f64 = 100.0;

mod common;

fn main() {
    let filter = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    if filter.as_deref().is_some_and(|f| !"dynamics_sync".contains(f) && !f.contains("dynamics")) {
        return;
    }
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    rt.block_on(bench());
}

async fn bench() {
    let generated = Instant::now();
    let sb =
        Sandbox::start(SandboxConfig { people: PEOPLE, auto_approve: true, time_scale: SCALE, ..Default::default() })
            .await
            .unwrap();
    println!("sandbox: {PEOPLE} people generated in {:.1} s", generated.elapsed().as_secs_f64());
    let common::Connected { ws, vault, dynamics, .. } = common::connected(&sb, SCALE).await;
    let e = sb.endpoints().clone();
    let phase: Mutex<(Option<Instant>, Option<Instant>)> = Mutex::new((None, None));
    let observer = |p: &Progress| {
        let mut t = phase.lock().unwrap();
        if p.phase == Phase::DynamicsContacts && t.0.is_none() {
            t.0 = Some(Instant::now());
        }
        if p.phase > Phase::DynamicsContacts && t.0.is_some() && t.1.is_none() {
            t.1 = Some(Instant::now());
        }
    };
    let options = RunOptions {
        full: true,
        pause_poll: Duration::from_millis(50),
        job_poll: Duration::from_millis(20),
        ..RunOptions::default()
    };
    let started = Instant::now();
    let report = run::run(&ws, &vault, options, &Control::default(), &observer).await.unwrap();
    let total = started.elapsed();
    let (from, to) = *phase.lock().unwrap();
    let took = to.unwrap().duration_since(from.unwrap());
    let contacts: u64 = ws
        .store()
        .read(|c| {
            Ok(c.query_row("SELECT count(*) FROM dynamics_contacts WHERE connection_id = ?1", [&dynamics], |r| {
                r.get(0)
            })?)
        })
        .unwrap();
    let linked: u64 = ws
        .store()
        .read(|c| Ok(c.query_row("SELECT count(*) FROM people WHERE dyn_contact_id IS NOT NULL", [], |r| r.get(0))?))
        .unwrap();
    let stats: serde_json::Value =
        reqwest::get(format!("{}/stats", e.control_url)).await.unwrap().json().await.unwrap();
    let gets: u64 = stats["calls"]["dynamics"]
        .as_object()
        .map(|m| {
            m.iter()
                .filter(|(k, _)| k.starts_with("GET ") && k.contains("contacts"))
                .map(|(_, v)| v.as_u64().unwrap_or(0))
                .sum()
        })
        .unwrap_or(0);
    println!(
        "dynamics full read: {contacts} contacts ({linked} people linked) in {:.1} s ({:.0} contacts/s); {gets} contact requests, {} Dynamics requests counted by the run; whole run {:.1} s ({:?}); violations: {}",
        took.as_secs_f64(),
        contacts as f64 / took.as_secs_f64(),
        report.counts.dynamics_calls,
        total.as_secs_f64(),
        report.state,
        stats["violations"]
    );
    sb.shutdown().await;
}
