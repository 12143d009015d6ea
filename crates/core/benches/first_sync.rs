//! The first full sync with default settings (Marketo history from 2006, activities logged) of a
//! Marketo of 3,000 and of 100,000 people, with the sandbox's real limits on under time scaling:
//! Marketo calls and the duration on Marketo's clock (the sandbox's virtual clock), next to what
//! the estimate said before the run. Marketo's 31-day extract windows, its 2 processing and 10
//! queued jobs, its once-a-minute status updates and its 100 calls per 20 s all hold, `SCALE`
//! times faster. A Marketo whose New Lead feed is short is read by ID (feed pages, then leads 300
//! a call); a larger one through extracts.
//!
//! Goals (issue #14): 3,000 people in at most 5 minutes and 60 calls; 100,000 in at most 15 minutes.

use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use liaison_core::sync::run::{self, Control, Progress, RunOptions};
use liaison_core::sync::settings::SyncSettings;
use liaison_sandbox::{Sandbox, SandboxConfig};

mod common;

/// Ten times faster than real time: Marketo's pace, not this machine's CPU (which counts `SCALE`
/// times on the scaled clock), sets the duration read off Marketo's clock.
const SCALE: f64 = 10.0;

/// The sandbox's virtual time, in milliseconds.
async fn marketo_clock(sb: &Sandbox) -> i64 {
    let clock: serde_json::Value =
        reqwest::get(format!("{}/clock", sb.endpoints().control_url)).await.unwrap().json().await.unwrap();
    clock["now_ms"].as_i64().unwrap()
}

/// Calls the sandbox counted for Marketo paths containing `needle`.
async fn marketo_calls(sb: &Sandbox, needle: &str) -> u64 {
    let stats: serde_json::Value =
        reqwest::get(format!("{}/stats", sb.endpoints().control_url)).await.unwrap().json().await.unwrap();
    let calls = stats["calls"]["marketo"].as_object().cloned().unwrap_or_default();
    calls.iter().filter(|(label, _)| label.contains(needle)).map(|(_, n)| n.as_u64().unwrap_or(0)).sum()
}

async fn first_full_sync(people: usize) {
    let sb = Sandbox::start(SandboxConfig { people, auto_approve: true, time_scale: SCALE, ..Default::default() })
        .await
        .unwrap();
    let setup = common::marketo_and_salesforce(&sb, SCALE, SyncSettings::default()).await;
    let estimate = run::estimate(&setup.ws, &setup.vault, true).await.unwrap();
    let (jobs0, polls0, files0, feed0, by_id0) = (
        marketo_calls(&sb, "export/create.json").await,
        marketo_calls(&sb, "/status.json").await,
        marketo_calls(&sb, "/file.json").await,
        marketo_calls(&sb, "GET /rest/v1/activities.json").await,
        marketo_calls(&sb, "GET /rest/v1/leads.json").await,
    );
    let started = marketo_clock(&sb).await;
    let options = RunOptions {
        full: true,
        pause_poll: Duration::from_millis(50),
        job_poll: Duration::from_millis(20),
        ..RunOptions::default()
    };
    let report = run::run(&setup.ws, &setup.vault, options, &Control::default(), &|_: &Progress| {}).await.unwrap();
    let seconds = (marketo_clock(&sb).await - started) as f64 / 1000.0;
    assert_eq!(report.state, liaison_core::runs::RunState::Succeeded);
    let c = report.counts;
    println!(
        "first full sync, default settings, {people} people (Marketo limits on, x{SCALE} time): {:.1} min on Marketo's clock; {} Marketo calls ({} activity feed pages (New Lead, activities logged), {} reads of leads by ID, {} extract jobs, {} status polls, {} files), {} Salesforce requests; {} records fetched. Estimated before the run: {} Marketo calls, {:.1} min",
        seconds / 60.0,
        c.marketo_calls,
        marketo_calls(&sb, "GET /rest/v1/activities.json").await - feed0,
        marketo_calls(&sb, "GET /rest/v1/leads.json").await - by_id0,
        marketo_calls(&sb, "export/create.json").await - jobs0,
        marketo_calls(&sb, "/status.json").await - polls0,
        marketo_calls(&sb, "/file.json").await - files0,
        c.salesforce_calls,
        c.fetched,
        estimate.marketo_calls,
        estimate.seconds as f64 / 60.0,
    );
    sb.shutdown().await;
}

fn first_sync(_: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    for people in [3_000, 100_000] {
        rt.block_on(first_full_sync(people));
    }
}

criterion_group!(benches, first_sync);
criterion_main!(benches);
