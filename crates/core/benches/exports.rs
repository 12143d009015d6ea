//! Exports to a Marketo static list against the sandbox, through the real clients and store:
//! - criterion: planning a run (the diff) over 1,000,000 cached people in one segment,
//! - printed after the report, with Marketo's real limits on under time scaling: the first export
//!   of those 1,000,000 people (calls made against the fewest the job needs, and the duration in
//!   Marketo's time), a re-run with nothing changed, and a re-run after 1% of members changed;
//! - then the first export of 1,000,000 people all new to Marketo (a second sandbox and workspace).
//!
//! In the first part the people are leads Marketo knows, their lead IDs in the cache, as after a
//! sync (made, before anything is timed, by importing their emails into the sandbox file by file,
//! whose lead IDs then follow the files' order): the first export sends half of them through the
//! import without the list and adds them to it by ID. In the second, the import without the
//! list creates the leads of about a third of them, whose IDs are then looked up by email.
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

/// A workspace connected to the sandbox's Marketo with `PEOPLE` people in Japan in its cache and
/// an export of them all; `known`: they are leads Marketo knows, their IDs in the cache.
async fn setup(sb: &Sandbox, known: bool) -> Setup {
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
    let mk = MarketoClient::load(&ws, &vault, &connection).unwrap();
    let lists = mk.get("/rest/v1/lists.json", &[]).await.unwrap();
    let list_id = lists["result"][0]["id"].as_i64().unwrap();
    let first_id = if known { Some(known_in_marketo(&mk).await) } else { None };
    ws.store()
        .write(|tx| {
            tx.execute_batch(&format!(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {PEOPLE})
                 INSERT INTO people (email_key, email, first_name, last_name, city, state, country)
                 SELECT 'person' || i || '@example.co.jp', 'person' || i || '@example.co.jp', 'Aiko' || (i % 997),
                        'Sato' || (i % 991), 'Tokyo', 'Tokyo', 'Japan' FROM n"
            ))?;
            if let Some(first_id) = first_id {
                tx.execute(
                    "UPDATE people SET marketo_id = CAST(?1 + CAST(substr(email_key, 7, instr(email_key, '@') - 7) AS INTEGER) - 1 AS TEXT)",
                    [first_id],
                )?;
            }
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

/// Creates the leads `person1@…` to `person{PEOPLE}@…` in the sandbox's Marketo through imports
/// without a list, one file at a time so their IDs follow the people's order, and answers the
/// first ID (checked against a few lookups by email).
async fn known_in_marketo(mk: &MarketoClient) -> i64 {
    const PER_FILE: u64 = 250_000;
    for start in (1..=PEOPLE).step_by(PER_FILE as usize) {
        let mut file = String::from("email\n");
        for i in start..(start + PER_FILE).min(PEOPLE + 1) {
            file.push_str(&format!("person{i}@example.co.jp\n"));
        }
        let query = [("format", "csv"), ("lookupField", "email")];
        let answer = mk.post_file("/bulk/v1/leads.json", &query, "leads.csv", file.as_bytes()).await.unwrap();
        let batch = answer["result"][0]["batchId"].as_i64().unwrap();
        loop {
            tokio::time::sleep(Duration::from_millis(200)).await;
            let status = mk.get(&format!("/bulk/v1/leads/batch/{batch}.json"), &[]).await.unwrap();
            match status["result"][0]["status"].as_str() {
                Some("Complete") => break,
                Some("Failed") => panic!("the setup import failed: {status}"),
                _ => {}
            }
        }
    }
    let id_of = |i: u64| async move {
        let email = format!("person{i}@example.co.jp");
        let found = mk.get("/rest/v1/leads.json", &[("filterType", "email"), ("filterValues", &email)]).await.unwrap();
        found["result"][0]["id"].as_i64().unwrap()
    };
    let first = id_of(1).await;
    for i in [2, PEOPLE / 2, PER_FILE + 1, PEOPLE] {
        assert_eq!(id_of(i).await, first + i as i64 - 1, "lead IDs follow the people's order");
    }
    first
}

/// Marketo's time for a first export, from the model rather than the scaled clock (whose
/// seconds also count the sandbox's and Liaison's own CPU time `SCALE` times over): imports run
/// two at once at the sandbox's 1,000 rows/s each; the list-bound lane's files one after the
/// other; the by-ID lane's files one after the other too, each followed by its calls (list adds
/// of 300 IDs, and lookups by email of the IDs of people new to Marketo) at the client's pace of
/// 100 calls per 20 s while its next file imports. `by_id` people went by ID in files of at most
/// `per_file` rows, costing `by_id_calls` calls in all.
fn marketo_model_secs(people: u64, by_id: u64, per_file: u64, by_id_calls: u64) -> f64 {
    const ROWS_PER_SEC: f64 = 1_000.0;
    const CALLS_PER_SEC: f64 = 100.0 / 20.0;
    let listed = (people - by_id) as f64 / ROWS_PER_SEC;
    let calls_per_row = by_id_calls as f64 / by_id.max(1) as f64;
    let (mut imported, mut added) = (0.0_f64, 0.0_f64);
    let mut left = by_id;
    while left > 0 {
        let rows = left.min(per_file);
        left -= rows;
        imported += rows as f64 / ROWS_PER_SEC;
        added = added.max(imported) + rows as f64 * calls_per_row / CALLS_PER_SEC;
    }
    listed.max(added)
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
    let files_alone = exports::run::dry_run(&s.ws, "Everyone in Japan").unwrap().files;
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
    let list_adds = calls_by_label(&after, &before, "POST /rest/v1/lists/");
    let lookups = calls_by_label(&after, &before, "GET /rest/v1/leads.json");
    // The fewest calls: per file the upload and one status call; the usage check; removals and
    // lookups as made. Extra status polls of imports still processing are the overhead.
    let fewest = c.calls - polls.saturating_sub(uploads);
    // Under a scaled clock Liaison's own work counts SCALE times over in Marketo's time; the
    // duration a real run takes is Liaison's work (wall clock) plus Marketo's (its clock).
    let own = report.seconds - report.waiting_seconds;
    let marketo = report.waiting_seconds * SCALE;
    // The model: the people added by ID are at most 300 per list-add call, in files no bigger
    // than the single lane's (the dry run's count, less one: the larger file size).
    let sent = c.added + c.updated;
    let by_id = (list_adds * 300).min(sent);
    let per_file = sent.div_ceil(files_alone.saturating_sub(1).max(1));
    let model = marketo_model_secs(sent, by_id, per_file, list_adds + lookups);
    println!(
        "export {what}: Marketo's time from the model {model:.0} s (list-bound lane {} rows, by-ID lane ≤ {by_id} rows in files of ≤ {per_file}, {list_adds} list-add and {lookups} lookup calls) + Liaison's own work {own:.1} s = {:.1} min",
        sent - by_id,
        (model + own) / 60.0
    );
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
    let s = rt.block_on(setup(&sb, true));

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
    drop(s);

    let sb =
        rt.block_on(Sandbox::start(SandboxConfig { people: 1_000, time_scale: SCALE, ..Default::default() })).unwrap();
    let s = rt.block_on(setup(&sb, false));
    rt.block_on(export(&sb, &s, "of 1,000,000 people new to Marketo, first run"));
    rt.block_on(sb.shutdown());
}

criterion_group!(benches, exports_bench);
criterion_main!(benches);
