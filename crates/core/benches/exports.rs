//! Exports to a Marketo static list against the sandbox, through the real clients and store:
//! - criterion: planning a run (the diff) over 1,000,000 cached people in one segment,
//! - printed after the report, with Marketo's real limits on under time scaling: the first export
//!   of those 1,000,000 people (calls made against the fewest the job needs, and the duration on
//!   Marketo's clock), a re-run with nothing changed, and a re-run after 1% of members changed.
//!
//! The sandbox runs `SCALE` times faster than the wall clock and Liaison's Marketo budget is kept
//! in the sandbox's time, so Marketo's 100 calls per 20 s, 10 at once and its import processing
//! rate hold exactly, just compressed.

use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use liaison_core::connections::marketo::{self, MarketoClient};
use liaison_core::exports::destinations::{self, NewMarketoDestination};
use liaison_core::exports::{self, Attribute, AttributeChoice, ExportOptions, ExportReport, NewExport, Schedule};
use liaison_core::jobs::Control;
use liaison_core::members::admin::activate;
use liaison_core::segments::{self, Definition, Match, Rule};
use liaison_core::vault::{MemoryKeychain, Vault};
use liaison_core::{Paths, Workspace};
use liaison_sandbox::{Sandbox, SandboxConfig};
use secrecy::SecretString;

const PEOPLE: u64 = 1_000_000;
const SCALE: f64 = 100.0;

struct Setup {
    _dir: tempfile::TempDir,
    ws: Workspace,
    vault: Vault,
}

async fn setup(sb: &Sandbox) -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let ws = Workspace::open(Paths::in_dir(dir.path())).unwrap();
    let vault = Vault::open(ws.store(), &MemoryKeychain::default()).unwrap();
    activate(&ws, &vault, "Ada", "ada@example.com").unwrap();
    let e = sb.endpoints().clone();
    ws.remotes().use_marketo_time_scale(&e.marketo.base_url, SCALE);
    let connection = marketo::connect(
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
    .unwrap()
    .id;
    let lists = MarketoClient::load(&ws, &vault, &connection).unwrap().get("/rest/v1/lists.json", &[]).await.unwrap();
    let list_id = lists["result"][0]["id"].as_i64().unwrap();
    ws.store()
        .write(|tx| {
            tx.execute_batch(&format!(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {PEOPLE})
                 INSERT INTO people (email_key, email, first_name, last_name, city, state, country)
                 SELECT 'person' || i || '@example.co.jp', 'person' || i || '@example.co.jp', 'Aiko' || (i % 997),
                        'Sato' || (i % 991), 'Tokyo', 'Tokyo', 'Japan' FROM n"
            ))?;
            Ok(())
        })
        .unwrap();
    destinations::add_marketo(
        &ws,
        &vault,
        NewMarketoDestination {
            name: "Nurture".into(),
            list_id: list_id.to_string(),
            connection_id: Some(connection),
            base_url: None,
            client_id: None,
            accept_privacy_notice: true,
        },
        None,
    )
    .await
    .unwrap();
    let definition = Definition { match_: Match::All, rules: vec![Rule::parse("country is Japan").unwrap()] };
    segments::create(&ws, "Japan", definition).unwrap();
    let fields = [Attribute::FirstName, Attribute::LastName, Attribute::City, Attribute::State, Attribute::Country]
        .into_iter()
        .map(|attribute| AttributeChoice { attribute, cache_field: None })
        .collect();
    exports::definition::create(
        &ws,
        &vault,
        NewExport {
            name: "Everyone in Japan".into(),
            destination: "Nurture".into(),
            segments: vec!["Japan".into()],
            fields,
            schedule: Schedule::Manual,
        },
    )
    .await
    .unwrap();
    Setup { _dir: dir, ws, vault }
}

async fn marketo_now_ms(sb: &Sandbox) -> i64 {
    let clock: serde_json::Value =
        reqwest::get(format!("{}/clock", sb.endpoints().control_url)).await.unwrap().json().await.unwrap();
    clock["now_ms"].as_i64().unwrap()
}

async fn stats(sb: &Sandbox) -> serde_json::Value {
    reqwest::get(format!("{}/stats", sb.endpoints().control_url)).await.unwrap().json().await.unwrap()
}

/// Marketo calls by label, since the last reading.
fn calls_by_label(now: &serde_json::Value, before: &serde_json::Value, needle: &str) -> u64 {
    let count = |v: &serde_json::Value| -> u64 {
        v["calls"]["marketo"]
            .as_object()
            .map(|m| m.iter().filter(|(l, _)| l.contains(needle)).map(|(_, n)| n.as_u64().unwrap_or(0)).sum())
            .unwrap_or(0)
    };
    count(now) - count(before)
}

async fn export(sb: &Sandbox, s: &Setup, what: &str) -> ExportReport {
    let options = ExportOptions {
        first_poll: Duration::from_millis(50),
        pause_poll: Duration::from_millis(50),
        max_file_rows: None,
    };
    let before = stats(sb).await;
    let t0 = marketo_now_ms(sb).await;
    let started = Instant::now();
    let report =
        exports::run::run(&s.ws, &s.vault, "Everyone in Japan", options, &Control::default(), &|_| {}).await.unwrap();
    let real = started.elapsed();
    let marketo_secs = (marketo_now_ms(sb).await - t0) as f64 / 1000.0;
    let after = stats(sb).await;
    let c = report.counts;
    let (uploads, polls) =
        (calls_by_label(&after, &before, "bulk/v1/leads.json"), calls_by_label(&after, &before, "/batch/"));
    // The fewest calls: per file the upload and one status call; the usage check; removals and
    // lookups as made. Extra status polls of imports still processing are the overhead.
    let fewest = c.calls - polls.saturating_sub(uploads);
    // Under a scaled clock Liaison's own work counts SCALE times over in Marketo's time; the
    // duration a real run takes is Liaison's work (wall clock) plus Marketo's (its clock).
    let own = report.seconds - report.waiting_seconds;
    let marketo = report.waiting_seconds * SCALE;
    println!(
        "export {what}: {:.1} s real ({:.1} s Liaison's own work, {:.0} s waiting on Marketo = {:.0} s in Marketo's time), so about {:.1} min at Marketo's pace ({marketo_secs:.0} s on the sandbox's scaled clock); added {}, updated {}, removed {}, unchanged {}, failed {}; {} files; {} calls ({} uploads, {} batch status/file calls) against the fewest {}; violations: {}",
        real.as_secs_f64(),
        own,
        report.waiting_seconds,
        marketo,
        (own + marketo) / 60.0,
        c.added,
        c.updated,
        c.removed,
        c.unchanged,
        c.failed,
        c.files,
        c.calls,
        uploads,
        polls,
        fewest,
        after["violations"]
    );
    report
}

fn exports_bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let sb =
        rt.block_on(Sandbox::start(SandboxConfig { people: 1_000, time_scale: SCALE, ..Default::default() })).unwrap();
    let s = rt.block_on(setup(&sb));

    let mut group = c.benchmark_group("exports");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(40));
    group.bench_function("dry_run_1m_people_one_segment", |b| {
        b.iter(|| exports::run::dry_run(&s.ws, "Everyone in Japan").unwrap())
    });
    group.finish();

    rt.block_on(export(&sb, &s, "of 1,000,000 people, first run"));
    rt.block_on(export(&sb, &s, "re-run, nothing changed"));
    s.ws.store()
        .write(|tx| {
            tx.execute("UPDATE people SET city = 'Osaka' WHERE id % 100 = 0", [])?;
            Ok(())
        })
        .unwrap();
    rt.block_on(export(&sb, &s, "re-run after 1% of members changed"));
    rt.block_on(sb.shutdown());
}

criterion_group!(benches, exports_bench);
criterion_main!(benches);
