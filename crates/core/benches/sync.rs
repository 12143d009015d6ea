//! Data sync against the sandbox (100,000 people), through the real clients and store:
//! - a full sync with the sandbox's limits off (time; calls printed),
//! - the same with Marketo's real limits on under time scaling (calls used against the fewest
//!   the job needs, and the busiest 20-second window against Marketo's 100),
//! - an incremental run with nothing changed (calls printed).
//!
//! The sandbox runs `SCALE` times faster than the wall clock, and Liaison's Marketo budget is
//! kept in the sandbox's time (`Remotes::use_marketo_time_scale`), so Marketo's 100 calls per 20 s and
//! its 5-second extract jobs hold exactly, just compressed.

use std::time::{Duration, Instant};

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use liaison_core::sync::run::{self, Control, Progress, RunOptions, RunReport};
use liaison_core::sync::settings::SyncSettings;
use liaison_sandbox::{Sandbox, SandboxConfig};

const PEOPLE: usize = 100_000;
const SCALE: f64 = 100.0;

mod common;

use common::Base as Setup;

async fn connected(sb: &Sandbox) -> Setup {
    let sync = SyncSettings {
        marketo_history_from: Sandbox::data_since().into(),
        log_activities: false,
        ..SyncSettings::default()
    };
    common::marketo_and_salesforce(sb, SCALE, sync).await
}

async fn sync(s: &Setup, full: bool) -> RunReport {
    let options = RunOptions {
        full,
        pause_poll: Duration::from_millis(50),
        job_poll: Duration::from_millis(20),
        // The figures in the README are of the extracts (a first sync of a Marketo this size
        // reads its New Lead feed and the leads by ID instead: the first_sync bench).
        new_lead_pages: 0,
        ..RunOptions::default()
    };
    let report = run::run(&s.ws, &s.vault, options, &Control::default(), &|_: &Progress| {}).await.unwrap();
    assert_eq!(report.state, liaison_core::runs::RunState::Succeeded);
    report
}

async fn sandbox(limits: bool) -> Sandbox {
    let sb =
        Sandbox::start(SandboxConfig { people: PEOPLE, auto_approve: true, time_scale: SCALE, ..Default::default() })
            .await
            .unwrap();
    sb.update_settings(|s| s.limits_enabled = limits);
    sb
}

fn full_sync(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let sb = rt.block_on(sandbox(false));
    let mut group = c.benchmark_group("sync");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(60));
    let mut last = None;
    group.bench_function("full_sync_100k_people_limits_off", |b| {
        b.iter_batched(
            || rt.block_on(connected(&sb)),
            |setup| {
                let report = rt.block_on(sync(&setup, true));
                last = Some(report.counts);
                setup
            },
            BatchSize::PerIteration,
        )
    });
    group.finish();
    if let Some(c) = last {
        println!(
            "full sync, limits off: {} records fetched, {} people; {} Marketo calls, {} Salesforce requests",
            c.fetched, c.created, c.marketo_calls, c.salesforce_calls
        );
    }

    // Incremental with nothing changed, after one full sync.
    let setup = rt.block_on(connected(&sb));
    rt.block_on(sync(&setup, true));
    let quiet = rt.block_on(sync(&setup, false));
    println!(
        "incremental sync, nothing changed: {} Marketo calls, {} Salesforce requests (created {}, updated {})",
        quiet.counts.marketo_calls, quiet.counts.salesforce_calls, quiet.counts.created, quiet.counts.updated
    );
    rt.block_on(sb.shutdown());

    // Marketo's real limits on, under time scaling.
    let sb = rt.block_on(sandbox(true));
    let setup = rt.block_on(connected(&sb));
    let started = Instant::now();
    let report = rt.block_on(sync(&setup, true));
    let elapsed = started.elapsed();
    let stats: serde_json::Value = rt.block_on(async {
        reqwest::get(format!("{}/stats", sb.endpoints().control_url)).await.unwrap().json().await.unwrap()
    });
    // The fewest calls the job needs under Marketo's rules: everything it sent except the
    // extra polls of extract jobs that were not finished yet (one status call per job is needed).
    let marketo: &serde_json::Map<String, serde_json::Value> = stats["calls"]["marketo"].as_object().unwrap();
    let count = |needle: &str| -> u64 {
        marketo.iter().filter(|(label, _)| label.contains(needle)).map(|(_, n)| n.as_u64().unwrap()).sum()
    };
    let (creates, polls) = (count("export/create.json"), count("/status.json"));
    let used = report.counts.marketo_calls + report.counts.salesforce_calls;
    let fewest = used - polls.saturating_sub(creates);
    println!(
        "full sync, Marketo limits on (x{SCALE} time): {:.1} s real ({:.0} s in Marketo's time); {} calls ({} Marketo: {} extract jobs, {} status polls; {} Salesforce) for the fewest {} ({:.2}x); violations: {}",
        elapsed.as_secs_f64(),
        elapsed.as_secs_f64() * SCALE,
        used,
        report.counts.marketo_calls,
        creates,
        polls,
        report.counts.salesforce_calls,
        fewest,
        used as f64 / fewest as f64,
        stats["violations"]
    );
    rt.block_on(sb.shutdown());
}

criterion_group!(benches, full_sync);
criterion_main!(benches);
