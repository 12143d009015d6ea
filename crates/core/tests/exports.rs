//! Exports to a Marketo static list (R11, R12, R15) against the sandbox: saving never runs,
//! the dry run predicts without a call, a run delivers the difference, a re-run with nothing
//! changed costs almost nothing, leavers are removed, and an interrupted run follows its import
//! by batch ID instead of sending it again.

use std::sync::atomic::{AtomicBool, Ordering};

use liaison_core::connections::marketo::{self, ConnectMarketo, MarketoClient};
use liaison_core::exports::destinations::{self, NewMarketoDestination};
use liaison_core::exports::{self, Attribute, AttributeChoice, ExportOptions, NewExport, Schedule};
use liaison_core::jobs::Control;
use liaison_core::members::admin::activate;
use liaison_core::runs::RunState;
use liaison_core::segments::{self, Definition, Match, Rule};
use liaison_core::vault::{MemoryKeychain, Vault};
use liaison_core::{ErrorCode, Paths, Workspace};
use liaison_sandbox::{Sandbox, SandboxConfig};
use rusqlite::{OptionalExtension, params};
use secrecy::SecretString;

struct World {
    _dir: tempfile::TempDir,
    ws: Workspace,
    vault: Vault,
    sb: Sandbox,
    connection: String,
    list_id: i64,
}

async fn world(time_scale: f64) -> World {
    let sb = Sandbox::start(SandboxConfig { people: 20, time_scale, ..SandboxConfig::default() }).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let ws = Workspace::open(Paths::in_dir(dir.path())).unwrap();
    let vault = Vault::open(ws.store(), &MemoryKeychain::default()).unwrap();
    activate(&ws, &vault, "Ada", "ada@example.com").unwrap();
    let e = sb.endpoints().marketo.clone();
    let request = ConnectMarketo {
        display_name: String::new(),
        base_url: e.base_url.clone(),
        client_id: e.client_id.clone(),
        is_sandbox: true,
    };
    let connection =
        marketo::connect(&ws, &vault, request, SecretString::from(e.client_secret.clone())).await.unwrap().id;
    let lists = client(&ws, &vault, &connection).get("/rest/v1/lists.json", &[]).await.unwrap();
    let list_id = lists["result"][0]["id"].as_i64().unwrap();
    let w = World { _dir: dir, ws, vault, sb, connection, list_id };
    destinations::add_marketo(
        &w.ws,
        &w.vault,
        NewMarketoDestination {
            name: "Nurture".into(),
            list_id: w.list_id.to_string(),
            connection_id: Some(w.connection.clone()),
            base_url: None,
            client_id: None,
            accept_privacy_notice: true,
        },
        None,
    )
    .await
    .unwrap();
    w
}

fn client(ws: &Workspace, vault: &Vault, connection: &str) -> MarketoClient {
    MarketoClient::load(ws, vault, connection).unwrap()
}

/// 28 deliverable people in Japan, two without a deliverable email, ten in France.
fn cache(ws: &Workspace) {
    ws.store()
        .write(|tx| {
            let add = |email: &str, country: &str, city: &str| {
                tx.execute(
                    "INSERT INTO people (email_key, email, first_name, country, city) VALUES (lower(?1), ?1, 'Name', ?2, ?3)",
                    params![email, country, city],
                )
            };
            for i in 0..28 {
                add(&format!("jp{i}@example.co.jp"), "Japan", "Tokyo")?;
            }
            add("not-an-address", "Japan", "Tokyo")?;
            add("山田@example.jp", "Japan", "Tokyo")?;
            for i in 0..10 {
                add(&format!("fr{i}@example.fr"), "France", "Paris")?;
            }
            Ok(())
        })
        .unwrap();
}

async fn create_export(w: &World) -> exports::Export {
    create_export_with(
        w,
        vec![
            AttributeChoice { attribute: Attribute::FirstName, cache_field: None },
            AttributeChoice { attribute: Attribute::City, cache_field: None },
        ],
    )
    .await
}

/// "Japan nurture": the "Japan" segment to the Nurture list with these fields.
async fn create_export_with(w: &World, fields: Vec<AttributeChoice>) -> exports::Export {
    let definition = Definition { match_: Match::All, rules: vec![Rule::parse("country is Japan").unwrap()] };
    segments::create(&w.ws, "Japan", definition).unwrap();
    exports::definition::create(
        &w.ws,
        &w.vault,
        NewExport {
            name: "Japan nurture".into(),
            destination: "Nurture".into(),
            segments: vec!["Japan".into()],
            fields,
            schedule: Schedule::AfterSync,
        },
    )
    .await
    .unwrap()
}

async fn list_members(w: &World) -> Vec<String> {
    let mut out = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let mut query = vec![("fields", "email".to_owned()), ("batchSize", "300".to_owned())];
        if let Some(t) = &token {
            query.push(("nextPageToken", t.clone()));
        }
        let q: Vec<(&str, &str)> = query.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let page = client(&w.ws, &w.vault, &w.connection)
            .get(&format!("/rest/v1/lists/{}/leads.json", w.list_id), &q)
            .await
            .unwrap();
        for lead in page["result"].as_array().into_iter().flatten() {
            out.push(lead["email"].as_str().unwrap_or_default().to_lowercase());
        }
        match page["nextPageToken"].as_str() {
            Some(t) if page["moreResult"] == true => token = Some(t.to_owned()),
            _ => break,
        }
    }
    out.sort();
    out
}

async fn run(w: &World, control: &Control) -> liaison_core::Result<exports::ExportReport> {
    let options = ExportOptions::for_export(&w.ws, "Japan nurture").unwrap();
    exports::run::run(&w.ws, &w.vault, "Japan nurture", options, control, &|_| {}).await
}

#[tokio::test]
async fn r11_r15_an_export_delivers_the_difference_and_a_rerun_without_changes_costs_almost_nothing() {
    let w = world(200.0).await;
    cache(&w.ws);
    let before = list_members(&w).await;
    let export = create_export(&w).await;
    assert_eq!(export.mapping.len(), 3, "email is always delivered: {:?}", export.mapping);
    assert!(
        exports::history::history(w.ws.store(), Some("Japan nurture"), 10).unwrap().is_empty(),
        "R15: saving never runs"
    );

    let dry = exports::run::dry_run(&w.ws, "Japan nurture").unwrap();
    assert_eq!((dry.counts.people, dry.counts.added, dry.counts.skipped), (30, 28, 2));
    assert_eq!(dry.added.len(), 10, "a sample of each kind");
    assert_eq!(dry.skipped.len(), 2);
    assert_eq!(list_members(&w).await, before, "a dry run changes nothing");

    let first = run(&w, &Control::default()).await.unwrap();
    assert_eq!(first.state, RunState::Succeeded);
    let c = first.counts;
    assert_eq!((c.added, c.updated, c.removed, c.skipped, c.failed, c.files), (28, 0, 0, 2, 0, 1), "{c:?}");
    let members = list_members(&w).await;
    for i in 0..28 {
        assert!(members.contains(&format!("jp{i}@example.co.jp")), "jp{i} is on the list");
    }
    assert!(!members.iter().any(|m| m.ends_with(".fr")), "France is not in the segment");

    let again = run(&w, &Control::default()).await.unwrap();
    assert_eq!((again.counts.added, again.counts.updated, again.counts.unchanged), (0, 0, 28));
    assert!(again.counts.calls <= 10, "a re-run with nothing changed costs {} calls", again.counts.calls);

    // One person moves within Japan, one leaves for France.
    w.ws.store()
        .write(|tx| {
            tx.execute("UPDATE people SET city = 'Osaka' WHERE email_key = 'jp1@example.co.jp'", [])?;
            tx.execute("UPDATE people SET country = 'France' WHERE email_key = 'jp2@example.co.jp'", [])?;
            Ok(())
        })
        .unwrap();
    let dry = exports::run::dry_run(&w.ws, "Japan nurture").unwrap();
    assert_eq!((dry.counts.updated, dry.counts.removed, dry.counts.unchanged), (1, 1, 26));
    assert_eq!(dry.removed, vec!["jp2@example.co.jp"]);
    let third = run(&w, &Control::default()).await.unwrap();
    assert_eq!((third.counts.added, third.counts.updated, third.counts.removed), (0, 1, 1), "{:?}", third.counts);
    let members = list_members(&w).await;
    assert!(!members.contains(&"jp2@example.co.jp".to_owned()), "the leaver left the list");
    assert!(members.contains(&"jp1@example.co.jp".to_owned()));

    let history = exports::history::history(w.ws.store(), Some("Japan nurture"), 10).unwrap();
    assert_eq!(history.len(), 3);
    assert!(history.iter().all(|r| r.state == RunState::Succeeded && r.seconds.is_some()));
    let rows = exports::history::rows(w.ws.store(), &first.run_id, 100).unwrap();
    assert_eq!(rows.iter().filter(|r| r.outcome == exports::RowOutcome::Skipped).count(), 2, "{rows:?}");
    let csv = exports::history::results_csv(w.ws.store(), &first.run_id, liaison_core::Lang::Ja).unwrap();
    assert!(csv.contains("スキップ") && csv.contains("メールアドレス"), "{csv}");
}

#[tokio::test]
async fn a_segment_an_export_uses_cannot_be_deleted_and_deleting_the_destination_removes_its_exports() {
    let w = world(200.0).await;
    cache(&w.ws);
    create_export(&w).await;
    let refused = segments::delete(&w.ws, "Japan").unwrap_err();
    assert_eq!(refused.code, ErrorCode::Conflict);
    assert!(refused.message.contains("Japan nurture"), "the message names the export: {}", refused.message);
    run(&w, &Control::default()).await.unwrap();

    destinations::delete(&w.ws, &w.vault, "Nurture").unwrap();
    assert!(exports::definition::list(w.ws.store()).unwrap().is_empty(), "its exports stop and are removed");
    let history = exports::history::history(w.ws.store(), None, 10).unwrap();
    assert_eq!(history.len(), 1, "their history stays readable");
    assert_eq!(history[0].export, "Japan nurture");
    let left = list_members(&w).await;
    assert_eq!(left.iter().filter(|m| m.starts_with("jp")).count(), 28, "the list in Marketo is left as it is");
    segments::delete(&w.ws, "Japan").unwrap();
}

#[tokio::test]
async fn r12_a_run_over_a_million_people_is_refused_with_the_count_before_any_call() {
    let w = world(200.0).await;
    create_export(&w).await;
    w.ws.store()
        .write(|tx| {
            tx.execute_batch(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000001)
                 INSERT INTO people (email_key, email, country) SELECT 'p' || i || '@example.jp', 'p' || i || '@example.jp', 'Japan' FROM n",
            )?;
            Ok(())
        })
        .unwrap();
    let err = run(&w, &Control::default()).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput);
    assert!(err.message.contains("1000001") || err.message.contains("1,000,001"), "{}", err.message);
    assert!(exports::history::history(w.ws.store(), None, 10).unwrap().is_empty(), "no run was started");
}

#[tokio::test]
async fn an_interrupted_run_follows_its_import_by_batch_id_instead_of_sending_it_again() {
    // Virtual time runs at the wall clock's pace: the import takes long enough to interrupt.
    let w = world(1.0).await;
    cache(&w.ws);
    create_export(&w).await;
    let control = Control::default();
    let handed_over = AtomicBool::new(false);
    let observer = |p: &exports::ExportProgress| {
        if p.counts.files == 1 && !handed_over.swap(true, Ordering::SeqCst) {
            control.cancel();
        }
    };
    let options = ExportOptions::for_export(&w.ws, "Japan nurture").unwrap();
    let cut = exports::run::run(&w.ws, &w.vault, "Japan nurture", options, &control, &observer).await.unwrap();
    assert_eq!(cut.state, RunState::Cancelled);
    assert_eq!((cut.counts.files, cut.counts.added), (1, 0), "the file was handed over, its result not yet known");

    // An hour of Marketo's time passes: the import has long finished.
    let control_url = w.sb.endpoints().control_url.clone();
    let hour = serde_json::json!({ "advance_secs": 3_600 });
    reqwest::Client::new().post(format!("{control_url}/clock")).json(&hour).send().await.unwrap();
    let next = run(&w, &Control::default()).await.unwrap();
    assert_eq!(next.counts.files, 0, "no file was sent again: {:?}", next.counts);
    assert_eq!(next.counts.added, 28, "the earlier import's rows are recorded as delivered");
    assert_eq!(list_members(&w).await.iter().filter(|m| m.starts_with("jp")).count(), 28);
}

#[tokio::test]
async fn r15_an_export_is_due_after_a_sync_that_finished_since_its_last_run_or_every_n_hours() {
    let w = world(200.0).await;
    cache(&w.ws);
    create_export(&w).await;
    let due = || exports::schedule::due(w.ws.store()).unwrap();
    assert!(due().is_empty(), "saving never runs it, and no sync finished since");
    let sync_finished = |at: &str| {
        w.ws.store()
            .write(|tx| {
                tx.execute(
                    "INSERT INTO runs (id, kind, state, started_at, finished_at) VALUES (?1, 'sync', 'succeeded', ?2, ?2)",
                    params![uuid_like(at), at],
                )?;
                Ok(())
            })
            .unwrap()
    };
    sync_finished("2000-01-01T00:00:00Z");
    assert!(due().is_empty(), "a sync before the export was saved does not count");
    sync_finished("2999-01-01T00:00:00Z");
    assert_eq!(due(), vec!["Japan nurture"]);
    w.ws.store()
        .write(|tx| {
            tx.execute("DELETE FROM runs WHERE kind = 'sync'", [])?;
            Ok(())
        })
        .unwrap();
    run(&w, &Control::default()).await.unwrap();
    sync_finished("2000-01-02T00:00:00Z");
    assert!(due().is_empty(), "the export ran after the last sync");

    w.ws.store()
        .write(|tx| {
            tx.execute("UPDATE exports SET schedule = 'hours:2'", [])?;
            tx.execute(
                "UPDATE runs SET started_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '-90 minutes') WHERE kind = 'export'",
                [],
            )?;
            Ok(())
        })
        .unwrap();
    assert!(due().is_empty(), "90 minutes of 2 hours");
    w.ws.store()
        .write(|tx| {
            tx.execute(
                "UPDATE runs SET started_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '-121 minutes') WHERE kind = 'export'",
                [],
            )?;
            Ok(())
        })
        .unwrap();
    assert_eq!(due(), vec!["Japan nurture"]);
}

fn uuid_like(seed: &str) -> String {
    format!("sync-{seed}")
}

/// The run refused one row, jp3's, with Marketo's reason (two leads match its email).
fn only_jp3_refused_as_ambiguous(w: &World, run_id: &str) {
    let rows = exports::history::rows(w.ws.store(), run_id, 10).unwrap();
    let failed: Vec<_> = rows.iter().filter(|r| r.outcome == exports::RowOutcome::Failed).collect();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].email.as_deref(), Some("jp3@example.co.jp"));
    assert!(failed[0].reason.contains("Multiple lead"), "Marketo's reason: {}", failed[0].reason);
}

#[tokio::test]
async fn rows_marketo_refuses_are_reported_never_recorded_as_delivered_and_retried_by_the_next_run() {
    let w = world(200.0).await;
    cache(&w.ws);
    // Two leads whose emails differ only in case: Marketo cannot tell which one an import means.
    let twins = serde_json::json!({ "action": "createDuplicate", "lookupField": "email",
        "input": [{ "email": "jp3@example.co.jp" }, { "email": "JP3@example.co.jp" }] });
    client(&w.ws, &w.vault, &w.connection).post("/rest/v1/leads.json", Some(&twins)).await.unwrap();
    create_export(&w).await;
    let first = run(&w, &Control::default()).await.unwrap();
    assert_eq!((first.counts.added, first.counts.failed), (27, 1), "{:?}", first.counts);
    only_jp3_refused_as_ambiguous(&w, &first.run_id);

    let dry = exports::run::dry_run(&w.ws, "Japan nurture").unwrap();
    assert_eq!((dry.counts.added, dry.counts.unchanged), (1, 27), "the refused row is sent again next time");
    let second = run(&w, &Control::default()).await.unwrap();
    assert_eq!((second.counts.added, second.counts.failed), (0, 1));
}

#[tokio::test]
async fn a_stalled_run_taken_over_by_another_process_stops_at_its_next_write_and_nothing_is_sent_twice() {
    let w = world(1.0).await;
    cache(&w.ws);
    create_export(&w).await;
    // The stalled owner: it handed its file over and now waits for the import.
    let handed_over = tokio::sync::Notify::new();
    let stalled = async {
        let observer = |p: &exports::ExportProgress| {
            if p.counts.files == 1 {
                handed_over.notify_one();
            }
        };
        let options = ExportOptions::for_export(&w.ws, "Japan nurture").unwrap();
        exports::run::run(&w.ws, &w.vault, "Japan nurture", options, &Control::default(), &observer).await
    };
    let taker = async {
        handed_over.notified().await;
        // Its heartbeat went stale (a frozen process): another one takes the run over.
        w.ws.store()
            .write(|tx| {
                tx.execute("UPDATE runs SET heartbeat_at = '2000-01-01T00:00:00Z' WHERE kind = 'export'", [])?;
                Ok(())
            })
            .unwrap();
        let control_url = w.sb.endpoints().control_url.clone();
        let hour = serde_json::json!({ "advance_secs": 3_600 });
        reqwest::Client::new().post(format!("{control_url}/clock")).json(&hour).send().await.unwrap();
        run(&w, &Control::default()).await
    };
    let (stalled, taken) = tokio::join!(stalled, taker);
    let taken = taken.unwrap();
    assert!(taken.resumed, "the taker continued the same run");
    assert_eq!((taken.counts.files, taken.counts.added), (1, 28), "it followed the file in flight: {:?}", taken.counts);
    let err = stalled.unwrap_err();
    assert_eq!(err.code, ErrorCode::Conflict, "{err:?}");
    assert!(err.message.contains("taken it over"), "{}", err.message);
    let delivered: i64 =
        w.ws.store().read(|c| Ok(c.query_row("SELECT count(*) FROM export_members", [], |r| r.get(0))?)).unwrap();
    assert_eq!(delivered, 28);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_of_every_kind_and_a_ten_percent_rate_still_deliver_everyone_once_without_limit_violations() {
    let w = world(200.0).await;
    cache(&w.ws);
    create_export(&w).await;
    let control_url = w.sb.endpoints().control_url.clone();
    let http = reqwest::Client::new();
    http.post(format!("{control_url}/settings"))
        .json(&serde_json::json!({ "fault_timeout_ms": 50 }))
        .send()
        .await
        .unwrap();
    // One fault of every kind on the next Marketo calls (the upload among them), then 10% at random.
    let kinds = ["server_error", "timeout", "rate_limit", "expired_token", "malformed"];
    let next: Vec<_> = kinds.iter().map(|k| serde_json::json!({ "system": "marketo", "kind": k })).collect();
    let faults = serde_json::json!({ "rate": 0.1, "systems": ["marketo"], "next": next });
    http.post(format!("{control_url}/faults")).json(&faults).send().await.unwrap();
    let first = run(&w, &Control::default()).await.unwrap();
    assert_eq!((first.counts.added, first.counts.failed), (28, 0), "{:?}", first.counts);
    // Leavers go out under faults too.
    w.ws.store()
        .write(|tx| {
            tx.execute(
                "UPDATE people SET country = 'France' WHERE email_key IN ('jp1@example.co.jp', 'jp2@example.co.jp')",
                [],
            )?;
            Ok(())
        })
        .unwrap();
    let second = run(&w, &Control::default()).await.unwrap();
    assert_eq!(second.counts.removed, 2, "{:?}", second.counts);
    http.post(format!("{control_url}/faults")).json(&serde_json::json!({ "clear": true })).send().await.unwrap();
    let members = list_members(&w).await;
    assert_eq!(members.iter().filter(|m| m.starts_with("jp")).count(), 26);
    let stats: serde_json::Value = http.get(format!("{control_url}/stats")).send().await.unwrap().json().await.unwrap();
    assert!(
        stats["violations"].as_object().is_none_or(|v| v.is_empty()),
        "no limit violations: {}",
        stats["violations"]
    );
    let injected: u64 = stats["faults"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|s| s.as_object().unwrap().values().map(|v| v.as_u64().unwrap()))
        .sum();
    assert!(injected >= 5, "faults were injected: {}", stats["faults"]);
}

#[tokio::test]
async fn a_run_that_would_pass_the_quota_ceiling_is_refused_with_the_numbers_before_any_write() {
    let w = world(200.0).await;
    cache(&w.ws);
    create_export(&w).await;
    let tight = liaison_core::sync::settings::SyncSettings { marketo_daily_quota: 10, ..Default::default() };
    liaison_core::sync::settings::save(w.ws.store(), &tight).unwrap();
    let before = list_members(&w).await;
    let err = run(&w, &Control::default()).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::QuotaExceeded);
    assert!(err.message.contains("50%") && err.message.contains('5'), "{}", err.message);
    assert_eq!(list_members(&w).await, before, "nothing was imported");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_that_meets_marketos_daily_limit_pauses_until_midnight_and_finishes() {
    let w = world(200.0).await;
    cache(&w.ws);
    create_export(&w).await;
    let control_url = w.sb.endpoints().control_url.clone();
    let http = reqwest::Client::new();
    // Marketo's own counter runs out on the next call (607); Liaison's estimate does not know.
    let stats: serde_json::Value = http.get(format!("{control_url}/stats")).send().await.unwrap().json().await.unwrap();
    let used = stats["totals"]["marketo"].as_u64().unwrap_or(0);
    w.sb.update_settings(|s| s.marketo_daily_quota = used + 2);
    let paused = std::sync::Arc::new(AtomicBool::new(false));
    let seen = paused.clone();
    let observer = move |p: &exports::ExportProgress| {
        if p.state == RunState::Paused {
            seen.store(true, Ordering::SeqCst);
        }
    };
    let advance = {
        let paused = paused.clone();
        tokio::spawn(async move {
            for _ in 0..400 {
                if paused.load(Ordering::SeqCst) {
                    let client = reqwest::Client::new();
                    let full = serde_json::json!({ "marketo_daily_quota": 50_000 });
                    client.post(format!("{control_url}/settings")).json(&full).send().await.unwrap();
                    let day = serde_json::json!({ "advance_secs": 86_400 });
                    client.post(format!("{control_url}/clock")).json(&day).send().await.unwrap();
                    return true;
                }
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
            false
        })
    };
    let options = ExportOptions::for_export(&w.ws, "Japan nurture").unwrap();
    let report =
        exports::run::run(&w.ws, &w.vault, "Japan nurture", options, &Control::default(), &observer).await.unwrap();
    assert!(advance.await.unwrap(), "the run paused on 607");
    assert_eq!(report.state, RunState::Succeeded);
    assert_eq!(report.counts.added, 28);
}

/// `n` people in Japan whom Marketo knows, as after a sync: leads created in the sandbox, their
/// lead IDs in the cache. Answers the IDs in the order of the people (`jp0`, `jp1`, …).
async fn known_people(w: &World, n: usize) -> Vec<i64> {
    let mk = client(&w.ws, &w.vault, &w.connection);
    let mut ids = Vec::with_capacity(n);
    for start in (0..n).step_by(300) {
        let input: Vec<_> = (start..n.min(start + 300))
            .map(|i| serde_json::json!({ "email": format!("jp{i}@example.co.jp") }))
            .collect();
        let body = serde_json::json!({ "action": "createOnly", "lookupField": "email", "input": input });
        let answer = mk.post("/rest/v1/leads.json", Some(&body)).await.unwrap();
        ids.extend(answer["result"].as_array().unwrap().iter().map(|r| r["id"].as_i64().unwrap()));
    }
    assert_eq!(ids.len(), n);
    w.ws.store()
        .write(|tx| {
            for (i, id) in ids.iter().enumerate() {
                tx.execute(
                    "INSERT INTO people (email_key, email, first_name, country, city, marketo_id)
                     VALUES (?1, ?1, 'Name', 'Japan', 'Tokyo', ?2)",
                    params![format!("jp{i}@example.co.jp"), id.to_string()],
                )?;
            }
            Ok(())
        })
        .unwrap();
    ids
}

/// The export's options with at most `rows` people per file.
fn files_of(w: &World, rows: usize) -> ExportOptions {
    ExportOptions { max_file_rows: Some(rows), ..ExportOptions::for_export(&w.ws, "Japan nurture").unwrap() }
}

/// The sandbox's `GET /stats`: calls by label, and what its dataset holds.
async fn sandbox_stats(w: &World) -> serde_json::Value {
    reqwest::get(format!("{}/stats", w.sb.endpoints().control_url)).await.unwrap().json().await.unwrap()
}

/// Marketo calls whose label contains `needle` so far.
async fn marketo_calls(w: &World, needle: &str) -> u64 {
    let stats = sandbox_stats(w).await;
    stats["calls"]["marketo"]
        .as_object()
        .map(|m| m.iter().filter(|(l, _)| l.contains(needle)).map(|(_, n)| n.as_u64().unwrap_or(0)).sum())
        .unwrap_or(0)
}

/// The leads the sandbox's Marketo holds.
async fn marketo_leads(w: &World) -> u64 {
    sandbox_stats(w).await["dataset"]["marketo_leads"].as_u64().unwrap()
}

/// `before` and these people, sorted: what the list holds after they were delivered.
fn with_people(before: &[String], people: impl Iterator<Item = usize>) -> Vec<String> {
    let mut all: std::collections::BTreeSet<String> = before.iter().cloned().collect();
    all.extend(people.map(|i| format!("jp{i}@example.co.jp")));
    all.into_iter().collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn known_people_in_several_files_go_through_a_list_bound_and_a_by_id_import_at_once_and_the_list_gets_exactly_them()
 {
    // Marketo's clock five times the wall clock's pace: an import lasts a second, long enough to see.
    let w = world(5.0).await;
    let before = list_members(&w).await;
    known_people(&w, 28).await;
    create_export(&w).await;
    let done = AtomicBool::new(false);
    let exporting = async {
        let report =
            exports::run::run(&w.ws, &w.vault, "Japan nurture", files_of(&w, 10), &Control::default(), &|_| {}).await;
        done.store(true, Ordering::SeqCst);
        report
    };
    // Both lanes' imports are seen `Importing` in Marketo at the same moment.
    let watching = async {
        let mk = client(&w.ws, &w.vault, &w.connection);
        while !done.load(Ordering::SeqCst) {
            let batches: Vec<(bool, String)> = w
                .ws
                .store()
                .read(|c| {
                    let mut stmt =
                        c.prepare("SELECT DISTINCT by_id, batch_id FROM export_inflight WHERE batch_id IS NOT NULL")?;
                    Ok(stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<rusqlite::Result<Vec<_>>>()?)
                })
                .unwrap();
            let mut importing = [false, false];
            for (by_id, batch) in &batches {
                let status = mk.get(&format!("/bulk/v1/leads/batch/{batch}.json"), &[]).await.unwrap();
                if status["result"][0]["status"] == "Importing" {
                    importing[usize::from(*by_id)] = true;
                }
            }
            if importing == [true, true] {
                return true;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        false
    };
    let (report, both) = tokio::join!(exporting, watching);
    let report = report.unwrap();
    assert_eq!(report.state, RunState::Succeeded);
    let c = report.counts;
    // 14 list-bound in files of 10 and 4, 14 by ID in files of 10 and 4.
    assert_eq!((c.added, c.failed, c.files), (28, 0, 4), "{c:?}");
    assert!(both, "an import with the list and one without ran at the same time");
    assert_eq!(
        marketo_calls(&w, "POST /rest/v1/lists/").await,
        2,
        "one list add per by-ID file (up to 300 IDs a call)"
    );
    assert_eq!(list_members(&w).await, with_people(&before, 0..28), "the list gained exactly the segment");
    let delivered: i64 =
        w.ws.store().read(|c| Ok(c.query_row("SELECT count(*) FROM export_members", [], |r| r.get(0))?)).unwrap();
    assert_eq!(delivered, 28);
    let again = run(&w, &Control::default()).await.unwrap();
    assert_eq!((again.counts.added, again.counts.unchanged, again.counts.files), (0, 28, 0));
}

#[tokio::test]
async fn people_new_to_marketo_in_several_files_go_partly_by_id_and_are_found_by_email_after_their_import() {
    let w = world(200.0).await;
    let before = list_members(&w).await;
    cache(&w.ws);
    let leads_before = marketo_leads(&w).await;
    create_export(&w).await;
    let (lookups, adds) =
        (marketo_calls(&w, "GET /rest/v1/leads.json").await, marketo_calls(&w, "POST /rest/v1/lists/").await);
    let report = exports::run::run(&w.ws, &w.vault, "Japan nurture", files_of(&w, 10), &Control::default(), &|_| {})
        .await
        .unwrap();
    assert_eq!(report.state, RunState::Succeeded);
    let c = report.counts;
    // 28 new people: 18 list-bound in files of 10 and 8, 10 by ID in one file (28 / 2.8).
    assert_eq!((c.added, c.failed, c.files), (28, 0, 3), "{c:?}");
    assert_eq!(marketo_calls(&w, "GET /rest/v1/leads.json").await - lookups, 1, "one lookup by email after the import");
    assert_eq!(marketo_calls(&w, "POST /rest/v1/lists/").await - adds, 1, "one list add by the IDs found");
    assert_eq!(list_members(&w).await, with_people(&before, 0..28), "the list gained exactly the segment");
    assert_eq!(marketo_leads(&w).await, leads_before + 28, "each person became one lead");
    // The IDs found are remembered, each the lead of its own address.
    let mk = client(&w.ws, &w.vault, &w.connection);
    let remembered: Vec<(String, String)> = w
        .ws
        .store()
        .read(|c| {
            let mut stmt = c.prepare("SELECT email_key, member_id FROM export_members WHERE member_id IS NOT NULL")?;
            Ok(stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<rusqlite::Result<Vec<_>>>()?)
        })
        .unwrap();
    assert_eq!(remembered.len(), 10, "{remembered:?}");
    for (email, id) in remembered {
        let found = mk.get("/rest/v1/leads.json", &[("filterType", "email"), ("filterValues", &email)]).await.unwrap();
        assert_eq!(found["result"][0]["id"].as_i64().unwrap().to_string(), id, "{email}");
    }
    let again = run(&w, &Control::default()).await.unwrap();
    assert_eq!((again.counts.added, again.counts.unchanged, again.counts.calls), (0, 28, 0));
}

#[tokio::test]
async fn rows_the_import_without_the_list_refuses_are_not_added_to_the_list_nor_recorded_and_a_stale_id_is_found_by_email()
 {
    let w = world(200.0).await;
    let before = list_members(&w).await;
    let ids = known_people(&w, 28).await;
    // jp3 goes by ID (the first half of the known people) and gets a twin lead: Marketo cannot
    // tell which one the import means, and refuses the row.
    let twin = serde_json::json!({ "action": "createDuplicate", "lookupField": "email",
        "input": [{ "email": "JP3@example.co.jp" }] });
    client(&w.ws, &w.vault, &w.connection).post("/rest/v1/leads.json", Some(&twin)).await.unwrap();
    // jp5's cached lead ID is one Marketo no longer knows (as after a merge): the list add finds
    // the lead by email.
    w.ws.store()
        .write(|tx| {
            tx.execute("UPDATE people SET marketo_id = '99999999' WHERE email_key = 'jp5@example.co.jp'", [])?;
            Ok(())
        })
        .unwrap();
    create_export(&w).await;
    let report = exports::run::run(&w.ws, &w.vault, "Japan nurture", files_of(&w, 10), &Control::default(), &|_| {})
        .await
        .unwrap();
    assert_eq!((report.counts.added, report.counts.failed), (27, 1), "{:?}", report.counts);
    only_jp3_refused_as_ambiguous(&w, &report.run_id);
    assert_eq!(
        list_members(&w).await,
        with_people(&before, (0..28).filter(|i| *i != 3)),
        "the refused row is not on the list, the stale ID's person is"
    );
    let member = |key: &str| -> Option<Option<String>> {
        w.ws.store()
            .read(|c| {
                Ok(c.query_row("SELECT member_id FROM export_members WHERE email_key = ?1", [key], |r| r.get(0))
                    .optional()?)
            })
            .unwrap()
    };
    assert_eq!(member("jp3@example.co.jp"), None, "the refused row is not recorded as delivered");
    assert_eq!(member("jp5@example.co.jp"), Some(Some(ids[5].to_string())), "the ID the email found is remembered");
}

#[tokio::test]
async fn a_by_id_file_cut_off_before_or_during_its_list_add_is_listed_by_the_next_run_without_importing_it_again() {
    // People Marketo knows (their IDs cached) and people new to it (found by email once their
    // file is imported), each in one list-bound file and one by-ID file whose list add takes two
    // steps of up to 1,500.
    // Known: 3,200 in files of 2,000 → 1,600 and 1,600 by ID (1,500 + 100).
    // New: 5,000 in files of 3,300 → 3,215 list-bound and 1,785 by ID (5,000 / 2.8; 1,500 + 285).
    for (known, people, per_file, by_id_rows, after_one_step) in
        [(true, 3_200, 2_000, 1_600, 100), (false, 5_000, 3_300, 1_785, 285)]
    {
        for during in [false, true] {
            let w = world(200.0).await;
            let before = list_members(&w).await;
            if known {
                known_people(&w, people).await;
            } else {
                new_people(&w, people);
            }
            create_export(&w).await;
            let control = Control::default();
            let by_id_in_flight = || -> i64 {
                w.ws.store()
                    .read(
                        |c| Ok(c.query_row("SELECT count(*) FROM export_inflight WHERE by_id = 1", [], |r| r.get(0))?),
                    )
                    .unwrap()
            };
            let observer = |p: &exports::ExportProgress| {
                let adding = p.message.as_ref().and_then(|m| m.key()) == Some("export-adding-to-list");
                if adding && (!during || (1..by_id_rows).contains(&by_id_in_flight())) {
                    control.cancel();
                }
            };
            let cut = exports::run::run(&w.ws, &w.vault, "Japan nurture", files_of(&w, per_file), &control, &observer)
                .await
                .unwrap();
            assert_eq!(cut.state, RunState::Cancelled);
            let left = by_id_in_flight();
            if during {
                assert_eq!(
                    left, after_one_step,
                    "known: {known}: the first 1,500 were added and recorded, the rest wait"
                );
            } else {
                assert_eq!(left, by_id_rows, "known: {known}: the import is complete, nobody is on the list by ID yet");
            }
            let listed_early = list_members(&w).await.len() - before.len();
            assert!(listed_early < people, "the cut run left people to add ({listed_early} listed)");
            let next = exports::run::run(
                &w.ws,
                &w.vault,
                "Japan nurture",
                files_of(&w, per_file),
                &Control::default(),
                &|_| {},
            )
            .await
            .unwrap();
            assert_eq!(next.state, RunState::Succeeded);
            assert_eq!(cut.counts.added + next.counts.added, people as u64, "{:?} then {:?}", cut.counts, next.counts);
            assert_eq!(marketo_calls(&w, "POST /bulk/v1/leads.json").await, 2, "no file was imported twice");
            assert_eq!(list_members(&w).await, with_people(&before, 0..people));
            assert_eq!(by_id_in_flight(), 0);
        }
    }
}

/// `n` people in Japan whom Marketo does not know yet (`jp0`, `jp1`, …).
fn new_people(w: &World, n: usize) {
    w.ws.store()
        .write(|tx| {
            for i in 0..n {
                tx.execute(
                    "INSERT INTO people (email_key, email, first_name, country, city) VALUES (?1, ?1, 'Name', 'Japan', 'Tokyo')",
                    [format!("jp{i}@example.co.jp")],
                )?;
            }
            Ok(())
        })
        .unwrap();
}

#[tokio::test]
async fn a_run_the_quota_refuses_even_in_one_lane_is_refused_with_the_calls_of_one_lane() {
    let w = world(200.0).await;
    known_people(&w, 3_200).await;
    create_export(&w).await;
    let tight = liaison_core::sync::settings::SyncSettings { marketo_daily_quota: 10, ..Default::default() };
    liaison_core::sync::settings::save(w.ws.store(), &tight).unwrap();
    let estimate = |rows: usize| {
        let w = &w;
        async move {
            let options = files_of(w, rows);
            let err = exports::run::run(&w.ws, &w.vault, "Japan nurture", options, &Control::default(), &|_| {})
                .await
                .unwrap_err();
            assert_eq!(err.code, ErrorCode::QuotaExceeded);
            err.details.unwrap()["calls"].as_u64().unwrap()
        }
    };
    // Two files of 1,600 (8 calls each at most): with the list adds of the second lane (1,600
    // people, 300 a call) 23 calls, in one lane 17 — also refused, and named with the 17.
    assert_eq!(estimate(2_000).await, 2 * 8 + 1);
    // One file: one lane, no list adds.
    assert_eq!(estimate(4_000).await, 8 + 1);
}

#[tokio::test]
async fn a_run_whose_second_lane_would_pass_the_quota_ceiling_goes_in_one_lane_when_that_fits() {
    let w = world(200.0).await;
    let before = list_members(&w).await;
    known_people(&w, 3_200).await;
    create_export(&w).await;
    // A ceiling of 20 calls: two lanes need 23 (two files, 6 list adds, the usage check), one
    // lane 17 (two files and the usage check).
    let tight = liaison_core::sync::settings::SyncSettings {
        marketo_daily_quota: 100,
        quota_ceiling_percent: 20,
        ..Default::default()
    };
    liaison_core::sync::settings::save(w.ws.store(), &tight).unwrap();
    let report = exports::run::run(&w.ws, &w.vault, "Japan nurture", files_of(&w, 2_000), &Control::default(), &|_| {})
        .await
        .unwrap();
    assert_eq!(report.state, RunState::Succeeded);
    assert_eq!((report.counts.added, report.counts.files), (3_200, 2), "{:?}", report.counts);
    assert_eq!(marketo_calls(&w, "POST /rest/v1/lists/").await, 0, "no list adds: both files went with the list");
    assert_eq!(list_members(&w).await, with_people(&before, 0..3_200));
}

#[tokio::test]
async fn a_cached_lead_id_is_not_used_for_a_row_that_delivers_another_address_than_the_cached_email() {
    let w = world(200.0).await;
    let before = list_members(&w).await;
    known_people(&w, 28).await;
    // The admin maps email from another field, which holds addresses Marketo does not know: the
    // cached lead IDs belong to the leads of the cached emails, not to these.
    w.ws.store()
        .write(|tx| {
            tx.execute("UPDATE people SET last_name = 'alt' || substr(email_key, 3) WHERE email_key LIKE 'jp%'", [])?;
            Ok(())
        })
        .unwrap();
    create_export_with(
        &w,
        vec![AttributeChoice { attribute: Attribute::Email, cache_field: Some("last_name".into()) }],
    )
    .await;
    let report = exports::run::run(&w.ws, &w.vault, "Japan nurture", files_of(&w, 10), &Control::default(), &|_| {})
        .await
        .unwrap();
    assert_eq!(report.state, RunState::Succeeded);
    assert_eq!((report.counts.added, report.counts.failed), (28, 0), "{:?}", report.counts);
    // Nobody is listed by a cached ID: the 10 of 28 who go by ID (all new to Marketo under
    // these addresses) are listed by the IDs their addresses find after the import.
    assert_eq!(marketo_calls(&w, "POST /rest/v1/lists/").await, 1);
    let mut expected: std::collections::BTreeSet<String> = before.iter().cloned().collect();
    expected.extend((0..28).map(|i| format!("alt{i}@example.co.jp")));
    assert_eq!(
        list_members(&w).await,
        expected.into_iter().collect::<Vec<_>>(),
        "the delivered addresses, no cached lead"
    );
}
