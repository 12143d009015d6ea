//! Data sync against the sandbox: full and incremental runs, deletions, duplicates, conflict
//! rules, activity logging without duplicates, pause and resume on a daily quota, resume after
//! a kill, and a 10% fault rate that still ends in the right cache with no limit violations.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::Fetcher;
use liaison_core::connections::{marketo, salesforce};
use liaison_core::members::admin::activate;
use liaison_core::runs::RunState;
use liaison_core::sync::cache::{ConflictRule, PersonField, search};
use liaison_core::sync::fields::{FieldChoice, save_choices};
use liaison_core::sync::run::{self, Control, Progress, RunOptions};
use liaison_core::sync::settings::{self, SyncSettings};
use liaison_core::vault::{MemoryKeychain, Vault};
use liaison_core::{ErrorCode, Paths, Workspace};
use liaison_sandbox::{Sandbox, SandboxConfig};
use secrecy::SecretString;
use serde_json::{Value, json};

const SCALE: f64 = 200.0;

struct World {
    sb: Sandbox,
    _dir: tempfile::TempDir,
    ws: Workspace,
    vault: Vault,
}

async fn world(people: usize, fault_rate: f64) -> World {
    let sb = Sandbox::start(SandboxConfig {
        people,
        auto_approve: true,
        time_scale: SCALE,
        fault_rate,
        ..SandboxConfig::default()
    })
    .await
    .unwrap();
    // Faults start once connected (connecting has its own tests).
    sb.update_settings(|s| s.fault_timeout_ms = 50);
    let dir = tempfile::tempdir().unwrap();
    let ws = Workspace::open(Paths::in_dir(dir.path())).unwrap();
    let vault = Vault::open(ws.store(), &MemoryKeychain::default()).unwrap();
    activate(&ws, &vault, "Ada", "ada@example.com").unwrap();
    let e = sb.endpoints().clone();
    ws.remotes().use_marketo_time_scale(&e.marketo.base_url, SCALE);
    let mut tries = 0;
    loop {
        let sf = salesforce::connect(
            &ws,
            &vault,
            salesforce::ConnectSalesforce {
                display_name: String::new(),
                login_url: e.salesforce.login_url.clone(),
                client_id: e.salesforce.client_id.clone(),
                is_sandbox: true,
            },
            Some(SecretString::from(e.salesforce.client_secret.clone())),
            &Fetcher,
        )
        .await;
        let mk = marketo::connect(
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
        .await;
        if (sf.is_ok() || run::connection_ids(&ws).is_ok()) && mk.is_ok() || tries > 5 {
            break;
        }
        tries += 1;
    }
    run::connection_ids(&ws).expect("both systems connected");
    settings::save(
        ws.store(),
        &SyncSettings {
            marketo_history_from: Sandbox::data_since().into(),
            // The sandbox's email activities date from the weeks before 2026-01-01.
            activity_history_days: 365,
            ..SyncSettings::default()
        },
    )
    .unwrap();
    World { sb, _dir: dir, ws, vault }
}

fn options(full: bool) -> RunOptions {
    RunOptions {
        full,
        pause_poll: Duration::from_millis(50),
        job_poll: Duration::from_millis(20),
        ..RunOptions::default()
    }
}

async fn sync(w: &World, full: bool) -> run::RunReport {
    run::run(&w.ws, &w.vault, options(full), &Control::default(), &|_: &Progress| {}).await.unwrap()
}

async fn control(w: &World, method: &str, path: &str, body: Value) -> Value {
    let url = format!("{}{path}", w.sb.endpoints().control_url);
    let client = reqwest::Client::new();
    let request = if method == "GET" { client.get(url) } else { client.post(url).json(&body) };
    request.send().await.unwrap().json().await.unwrap()
}

fn people(w: &World) -> u64 {
    w.ws.store().read(|c| Ok(c.query_row("SELECT count(*) FROM people", [], |r| r.get(0))?)).unwrap()
}

fn find(w: &World, q: &str) -> liaison_core::sync::cache::Person {
    w.ws.store().read(|c| search(c, q, 5)).unwrap().into_iter().next().unwrap_or_else(|| panic!("{q} in the cache"))
}

/// A Marketo lead's id and email that is also a Salesforce contact, straight from the sandbox.
async fn shared_person(w: &World) -> (String, String, String) {
    let sf = salesforce::SalesforceClient::load(&w.ws, &w.vault, &run::connection_ids(&w.ws).unwrap().1).unwrap();
    let page = sf.query("SELECT Id, Email FROM Contact ORDER BY Id LIMIT 50", false).await.unwrap();
    for c in page["records"].as_array().unwrap() {
        let email = c["Email"].as_str().unwrap().to_owned();
        let p = find(w, &email);
        if let Some(mk) = p.marketo_id {
            return (mk, c["Id"].as_str().unwrap().to_owned(), email);
        }
    }
    panic!("no contact that is also a Marketo lead");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r5_full_sync_puts_every_person_in_the_cache_once_with_each_systems_id() {
    let w = world(600, 0.0).await;
    let report = sync(&w, false).await;
    assert_eq!(report.state, RunState::Succeeded);
    assert!(report.full, "the first run is a full sync");
    let dataset = control(&w, "GET", "/stats", json!({})).await["dataset"].clone();
    // Every generated person is in Marketo or Salesforce, with one email each.
    assert_eq!(people(&w), 600, "{dataset}");
    let c = report.counts;
    let fetched = dataset["marketo_leads"].as_u64().unwrap()
        + dataset["salesforce_contacts"].as_u64().unwrap()
        + dataset["salesforce_leads"].as_u64().unwrap();
    assert_eq!(c.fetched, fetched, "{c:?}");
    assert_eq!(c.created, 600);
    // Marketo holds a few case-variant duplicates: reported, listed, not merged.
    let errors = run::record_errors(&w.ws, &report.run_id, 1000).unwrap();
    assert_eq!(errors.iter().filter(|e| e.code == "duplicate").count() as u64, c.duplicates);
    let (mk, contact, email) = shared_person(&w).await;
    let p = find(&w, &email);
    assert_eq!((p.marketo_id.as_deref(), p.sf_contact_id.as_deref()), (Some(mk.as_str()), Some(contact.as_str())));
    assert_eq!(p.provenance["first_name"], "salesforce", "Salesforce wins names by default");
    // Setup step 4 is done, with the cache's size.
    let step = &liaison_core::setup::overview(w.ws.store()).unwrap().steps[3];
    assert_eq!(step.state, liaison_core::setup::StepState::Done);
    assert_eq!(step.detail.as_deref(), Some("600 people in the cache"));
    // R5 holds from the first sync: the original admin cannot be removed any more.
    let err = liaison_core::members::admin::remove_member(&w.ws, "ada@example.com").unwrap_err();
    assert!(err.message.contains("R5"), "{}", err.message);
    let history = run::history(&w.ws, 10).unwrap();
    assert_eq!(history.len(), 1);
    assert!(c.marketo_calls > 0 && c.salesforce_calls > 0);
    w.sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_calls_per_day_chart_sums_each_runs_calls_under_the_daily_limit_the_run_read() {
    use liaison_core::runs::RunKind;
    use liaison_core::runs::usage::{ApiSystem, calls_per_day};
    let w = world(100, 0.0).await;
    w.sb.update_settings(|s| s.salesforce_daily_limit = 15_000);
    let first = sync(&w, false).await.counts;
    let second = sync(&w, false).await.counts;
    // Two days: the runs may straddle midnight UTC.
    let usage = calls_per_day(w.ws.store(), RunKind::Sync, 2).unwrap();
    let of = |system| {
        let calls = usage.iter().find(|s| s.system == system).unwrap_or_else(|| panic!("{system:?} charted"));
        (calls.daily_quota, calls.days.iter().map(|d| d.calls).sum::<u64>())
    };
    assert_eq!(of(ApiSystem::Marketo), (Some(50_000), first.marketo_calls + second.marketo_calls));
    assert_eq!(of(ApiSystem::Salesforce), (Some(15_000), first.salesforce_calls + second.salesforce_calls));
    assert!(usage.iter().all(|s| s.system != ApiSystem::Dynamics), "no Dynamics connection, no Dynamics calls");
    w.sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn incremental_sync_picks_up_changes_and_deletions_and_costs_little_when_nothing_changed() {
    let w = world(300, 0.0).await;
    sync(&w, false).await;
    // Nothing changed: only the calls needed to learn that.
    let quiet = sync(&w, false).await;
    assert!(!quiet.full);
    assert_eq!((quiet.counts.created, quiet.counts.updated, quiet.counts.deleted), (0, 0, 0), "{:?}", quiet.counts);
    assert!(quiet.counts.marketo_calls <= 8, "{:?}", quiet.counts);
    assert!(quiet.counts.salesforce_calls <= 10, "{:?}", quiet.counts);

    let (mk, contact, email) = shared_person(&w).await;
    control(
        &w,
        "POST",
        "/edits",
        json!({"system": "marketo", "id": mk.parse::<i64>().unwrap(), "fields": {"unsubscribed": true}}),
    )
    .await;
    control(
        &w,
        "POST",
        "/edits",
        json!({"system": "salesforce", "object": "Contact", "id": contact, "fields": {"Title": "Chief Sync Officer"}}),
    )
    .await;
    let changed = sync(&w, false).await;
    assert!(changed.counts.updated >= 2, "{:?}", changed.counts);
    let p = find(&w, &email);
    assert_eq!(p.unsubscribed, Some(true), "Marketo wins unsubscribes");
    let title: Option<String> =
        w.ws.store()
            .read(|c| Ok(c.query_row("SELECT title FROM people WHERE sf_contact_id = ?1", [&contact], |r| r.get(0))?))
            .unwrap();
    assert_eq!(title.as_deref(), Some("Chief Sync Officer"));

    // Deleted in Salesforce: the contact ID leaves the person; deleted in both: the person goes.
    let sf = salesforce::SalesforceClient::load(&w.ws, &w.vault, &run::connection_ids(&w.ws).unwrap().1).unwrap();
    let mk_client = marketo::MarketoClient::load(&w.ws, &w.vault, &run::connection_ids(&w.ws).unwrap().0).unwrap();
    delete_contact(&w, &contact).await;
    mk_client
        .post("/rest/v1/leads/delete.json", Some(&json!({"input": [{"id": mk.parse::<i64>().unwrap()}]})))
        .await
        .unwrap();
    let before = people(&w);
    let deleted = sync(&w, false).await;
    assert!(deleted.counts.deleted >= 2, "{:?}", deleted.counts);
    let gone = w.ws.store().read(|c| search(c, &email, 5)).unwrap();
    assert!(gone.iter().all(|p| p.marketo_id.is_none() && p.sf_contact_id.is_none()), "{gone:?}");
    assert_eq!(people(&w), before - 1);
    drop(sf);
    w.sb.shutdown().await;
}

async fn delete_contact(w: &World, id: &str) {
    // The sObject DELETE through the REST API, as a Salesforce user would.
    let sf_id = run::connection_ids(&w.ws).unwrap().1;
    let sf = salesforce::SalesforceClient::load(&w.ws, &w.vault, &sf_id).unwrap();
    let access = w.vault.get(&salesforce::secret_names(&sf_id)[0]).unwrap().unwrap();
    let status = reqwest::Client::new()
        .delete(format!("{}/services/data/v62.0/sobjects/Contact/{id}", sf.settings().instance_url))
        .bearer_auth(secrecy::ExposeSecret::expose_secret(&access))
        .send()
        .await
        .unwrap()
        .status();
    assert!(status.is_success(), "{status}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rule_chosen_in_the_mapping_decides_conflicts() {
    let w = world(200, 0.0).await;
    save_choices(
        w.ws.store(),
        &[FieldChoice { field: PersonField::FirstName, selected: true, rule: ConflictRule::MarketoWins }],
    )
    .unwrap();
    sync(&w, false).await;
    let (mk, _, email) = shared_person(&w).await;
    control(
        &w,
        "POST",
        "/edits",
        json!({"system": "marketo", "id": mk.parse::<i64>().unwrap(), "fields": {"firstName": "Marketo-Name"}}),
    )
    .await;
    let report = sync(&w, false).await;
    let p = find(&w, &email);
    assert_eq!(p.first_name.as_deref(), Some("Marketo-Name"));
    assert_eq!(p.provenance["first_name"], "marketo");
    assert_eq!(report.counts.conflicts, 0, "{:?}", report.counts);
    w.sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn activities_are_logged_as_tasks_once_even_across_a_kill() {
    let w = world(300, 0.0).await;
    let first = sync(&w, false).await;
    assert!(first.counts.tasks_logged > 0, "{:?}", first.counts);
    let sf = salesforce::SalesforceClient::load(&w.ws, &w.vault, &run::connection_ids(&w.ws).unwrap().1).unwrap();
    let tasks = || async {
        sf.query("SELECT COUNT() FROM Task WHERE Subject LIKE 'Marketo:%'", false).await.unwrap()["totalSize"]
            .as_u64()
            .unwrap()
    };
    let logged = tasks().await;
    assert_eq!(logged, first.counts.tasks_logged);
    // A kill right after Salesforce created a batch: the rows stay 'sending', the feed
    // position goes back. The next run finds the Tasks instead of creating them again.
    w.ws.store()
        .write(|tx| {
            tx.execute("UPDATE logged_activities SET state = 'sending' WHERE activity_id IN (SELECT activity_id FROM logged_activities LIMIT 5)", [])?;
            tx.execute("DELETE FROM sync_cursors WHERE name = 'marketo.activities'", [])?;
            Ok(())
        })
        .unwrap();
    let again = sync(&w, false).await;
    assert_eq!(again.counts.tasks_logged, 0, "{:?}", again.counts);
    assert_eq!(tasks().await, logged, "no Task was created twice");
    let states: u64 = w
        .ws
        .store()
        .read(|c| Ok(c.query_row("SELECT count(*) FROM logged_activities WHERE state = 'logged'", [], |r| r.get(0))?))
        .unwrap();
    assert_eq!(states, logged);
    w.sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_used_up_daily_quota_pauses_the_run_until_the_reset() {
    let w = world(300, 0.0).await;
    // Leave Marketo few calls today: the run pauses, then continues after midnight Central.
    let usage = control(&w, "GET", "/stats", json!({})).await;
    let used = usage["totals"]["marketo"].as_u64().unwrap_or(0);
    w.sb.update_settings(|s| s.marketo_daily_quota = used + 60);
    settings::save(
        w.ws.store(),
        &SyncSettings {
            marketo_history_from: Sandbox::data_since().into(),
            marketo_daily_quota: 50_000,
            ..SyncSettings::default()
        },
    )
    .unwrap();
    let states = Arc::new(Mutex::new(Vec::new()));
    let seen = states.clone();
    let observer = move |p: &Progress| seen.lock().unwrap().push(p.state);
    let control_url = w.sb.endpoints().control_url.clone();
    let paused = states.clone();
    let advance = tokio::spawn(async move {
        for _ in 0..400 {
            if paused.lock().unwrap().contains(&RunState::Paused) {
                // A new day with the subscription's full quota.
                let client = reqwest::Client::new();
                let quota = json!({"marketo_daily_quota": 50_000});
                client.post(format!("{control_url}/settings")).json(&quota).send().await.unwrap();
                let day = json!({"advance_secs": 86_400});
                client.post(format!("{control_url}/clock")).json(&day).send().await.unwrap();
                return true;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        false
    });
    // Through extracts: a read by ID of 300 leads needs too few calls to run out.
    let extracts = RunOptions { new_lead_pages: 0, ..options(false) };
    let report = run::run(&w.ws, &w.vault, extracts, &Control::default(), &observer).await.unwrap();
    assert!(advance.await.unwrap(), "the run paused");
    assert_eq!(report.state, RunState::Succeeded);
    assert_eq!(people(&w), 300);
    w.sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_run_resumes_from_its_checkpoint_and_a_live_one_is_not_run_twice() {
    let w = world(400, 0.0).await;
    // Kill: drop the run while it is in the middle of Salesforce.
    let progress = Arc::new(Mutex::new(0.0f64));
    let seen = progress.clone();
    let observer = move |p: &Progress| *seen.lock().unwrap() = p.fraction;
    let killed = tokio::time::timeout(Duration::from_secs(120), async {
        let control = Control::default();
        let run = run::run(&w.ws, &w.vault, options(false), &control, &observer);
        tokio::pin!(run);
        loop {
            tokio::select! {
                _ = &mut run => return false,
                _ = tokio::time::sleep(Duration::from_millis(5)) => {
                    if *progress.lock().unwrap() > 0.5 { return true; }
                }
            }
        }
    })
    .await
    .unwrap();
    assert!(killed, "the run was stopped midway");
    // The process is gone but its heartbeat is fresh: another run is refused...
    let err = run::run(&w.ws, &w.vault, options(false), &Control::default(), &|_: &Progress| {}).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::Conflict, "{}", err.message);
    // ...until the heartbeat is stale, as after a crash.
    w.ws.store()
        .write(|tx| {
            tx.execute("UPDATE runs SET heartbeat_at = '2000-01-01T00:00:00Z'", [])?;
            Ok(())
        })
        .unwrap();
    let resumed = sync(&w, false).await;
    assert!(resumed.resumed && resumed.full);
    assert_eq!(resumed.state, RunState::Succeeded);
    assert_eq!(people(&w), 400);
    assert_eq!(run::history(&w.ws, 10).unwrap().len(), 1, "one run, continued");
    w.sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ten_percent_fault_rate_still_ends_in_the_right_cache_without_limit_violations() {
    let w = world(300, 0.0).await;
    control(&w, "POST", "/faults", json!({"rate": 0.1})).await;
    // Both ways of a full read: through extracts (many calls, so many faults) …
    let extracts = RunOptions { new_lead_pages: 0, ..options(false) };
    let report = run::run(&w.ws, &w.vault, extracts, &Control::default(), &|_: &Progress| {}).await.unwrap();
    assert_eq!(report.state, RunState::Succeeded);
    assert_eq!(people(&w), 300);
    // … and again, by ID from the New Lead feed.
    let report = sync(&w, true).await;
    assert_eq!(report.state, RunState::Succeeded);
    assert_eq!(people(&w), 300);
    let stats = control(&w, "GET", "/stats", json!({})).await;
    let faults: u64 = stats["faults"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|s| s.as_object().unwrap().values().map(|v| v.as_u64().unwrap()))
        .sum();
    assert!(faults > 5, "faults were injected: {stats}");
    assert!(
        stats["violations"].as_object().is_none_or(|v| v.is_empty()),
        "no limit violations: {}",
        stats["violations"]
    );
    w.sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_gets_a_clear_message() {
    let w = world(100, 0.0).await;
    // A person without an email is reported with its ID, not merged.
    let sf = salesforce::SalesforceClient::load(&w.ws, &w.vault, &run::connection_ids(&w.ws).unwrap().1).unwrap();
    let first = sf.query("SELECT Id FROM Lead ORDER BY Id LIMIT 1", false).await.unwrap();
    let lead = first["records"][0]["Id"].as_str().unwrap().to_owned();
    control(
        &w,
        "POST",
        "/edits",
        json!({"system": "salesforce", "object": "Lead", "id": lead, "fields": {"Email": null}}),
    )
    .await;
    let report = sync(&w, false).await;
    let errors = run::record_errors(&w.ws, &report.run_id, 100).unwrap();
    let no_email = errors.iter().find(|e| e.code == "no_email").expect("reported");
    assert_eq!(no_email.record_id, lead);
    // An expired (revoked) Salesforce sign-in: the health checklist names it.
    let (mk_id, sf_id) = run::connection_ids(&w.ws).unwrap();
    salesforce::SalesforceClient::load(&w.ws, &w.vault, &sf_id).unwrap().revoke().await.unwrap();
    let err = run::run(&w.ws, &w.vault, options(false), &Control::default(), &|_: &Progress| {}).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::Unauthorized, "{}", err.message);
    assert!(err.message.contains("Salesforce") && err.message.to_lowercase().contains("reconnect"), "{}", err.message);
    assert!(err.details.unwrap()["health"].as_array().is_some_and(|h| h.len() == 2));
    // A disconnected connection: the sync says what to do.
    liaison_core::connections::ownership::disconnect(&w.ws, &w.vault, &mk_id).unwrap();
    let err = run::run(&w.ws, &w.vault, options(false), &Control::default(), &|_: &Progress| {}).await.unwrap_err();
    assert!(err.message.contains("Marketo is not connected"), "{}", err.message);
    w.sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_custom_field_is_synced_and_one_that_no_longer_exists_stops_the_run_with_its_name() {
    use liaison_core::sync::fields::{NewCustomField, add_custom, remove_custom};
    let w = world(150, 0.0).await;
    let field = add_custom(
        w.ws.store(),
        NewCustomField {
            label: "Lead source".into(),
            marketo: Some("leadSource".into()),
            salesforce_contact: Some("LeadSource".into()),
            salesforce_lead: Some("LeadSource".into()),
            rule: ConflictRule::SalesforceWins,
        },
    )
    .unwrap();
    let preview = run::preview(&w.ws, &w.vault).await.unwrap();
    let row = preview.rows.iter().find(|r| r.custom.as_ref().is_some_and(|c| c.key == field.key)).unwrap();
    assert!(row.selected && row.compatible, "{row:?}");
    sync(&w, false).await;
    let (_, _, email) = shared_person(&w).await;
    let p = find(&w, &email);
    assert!(!p.values[&field.key].is_empty(), "{p:?}");
    assert_eq!(p.provenance[&field.key], "salesforce");

    remove_custom(w.ws.store(), &field.key).unwrap();
    add_custom(
        w.ws.store(),
        NewCustomField {
            label: "Region".into(),
            marketo: Some("region".into()),
            salesforce_contact: Some("Region__c".into()),
            salesforce_lead: None,
            rule: ConflictRule::MarketoWins,
        },
    )
    .unwrap();
    let err = run::run(&w.ws, &w.vault, options(false), &Control::default(), &|_: &Progress| {}).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::Conflict);
    assert!(err.message.contains("\"Region\"") && err.message.contains("\"region\""), "{}", err.message);
    w.sb.shutdown().await;
}

/// Extract windows of 31 days from `from` to a day past `to`, as a full run plans them.
fn windows_between(from: time::OffsetDateTime, to: time::OffsetDateTime) -> u64 {
    let span = (to + time::Duration::days(1) - from).whole_seconds().max(1) as u64;
    span.div_ceil(31 * 86_400)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r5_a_first_full_sync_plans_windows_from_the_oldest_lead_not_from_the_history_setting() {
    let w = world(300, 0.0).await;
    // The default history (2006) and a Marketo whose oldest 150 leads were deleted: its data
    // starts well after the setting and after the sandbox's first dates. (Marketo numbers leads
    // in creation order; the sandbox's start at 100,001.)
    settings::save(w.ws.store(), &SyncSettings { activity_history_days: 365, ..SyncSettings::default() }).unwrap();
    let mk = marketo::MarketoClient::load(&w.ws, &w.vault, &run::connection_ids(&w.ws).unwrap().0).unwrap();
    let input: Vec<Value> = (100_001..=100_150).map(|id| json!({ "id": id })).collect();
    mk.post("/rest/v1/leads/delete.json", Some(&json!({ "input": input }))).await.unwrap();
    let ids = (100_151..=100_450).map(|i| i.to_string()).collect::<Vec<_>>().join(",");
    let left = mk.get("/rest/v1/leads.json", &[("filterType", "id"), ("filterValues", &ids)]).await.unwrap();
    let oldest = left["result"].as_array().and_then(|r| r.iter().min_by_key(|l| l["id"].as_i64())).cloned();
    let created = oldest.as_ref().and_then(|l| l["createdAt"].as_str()).unwrap_or_else(|| panic!("{left}"));
    let created = time::OffsetDateTime::parse(created, &time::format_description::well_known::Rfc3339).unwrap();
    assert!(created.year() >= 2024, "the data starts recently: {created}");

    // Extracts only: the feed would read this small Marketo by ID (the tests below).
    let extracts = RunOptions { new_lead_pages: 0, ..options(true) };
    let report = run::run(&w.ws, &w.vault, extracts, &Control::default(), &|_: &Progress| {}).await.unwrap();
    assert_eq!(report.state, RunState::Succeeded);
    // Nothing older was skipped: every lead left is read.
    let dataset = control(&w, "GET", "/stats", json!({})).await["dataset"].clone();
    let fetched = dataset["marketo_leads"].as_u64().unwrap()
        + dataset["salesforce_contacts"].as_u64().unwrap()
        + dataset["salesforce_leads"].as_u64().unwrap();
    assert_eq!(report.counts.fetched, fetched, "{dataset}");
    // The plan: windows from the day before lead 151 to tomorrow, five calls each at most (create,
    // enqueue, a poll or two, the file), plus the probes, usage, paging tokens and activities.
    let now = time::OffsetDateTime::now_utc() + time::Duration::days(1);
    let planned = windows_between(created - time::Duration::days(2), now);
    let calendar = windows_between(time::macros::datetime!(2006-01-01 00:00 UTC), now);
    let calls = report.counts.marketo_calls;
    assert!(calls <= planned * 5 + 20, "{calls} Marketo calls for {planned} windows");
    assert!(calls < calendar, "{calls} Marketo calls: the calendar's {calendar} windows were walked");
    w.sb.shutdown().await;
}

/// Marketo calls per endpoint in a `/stats` answer whose label contains `part`.
fn marketo_calls_to(stats: &Value, part: &str) -> u64 {
    stats["calls"]["marketo"]
        .as_object()
        .map(|m| m.iter().filter(|(k, _)| k.contains(part)).map(|(_, v)| v.as_u64().unwrap_or(0)).sum())
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r5_a_first_full_sync_of_a_small_marketo_reads_its_leads_by_id_from_the_new_lead_feed() {
    let w = world(600, 0.0).await;
    let estimate = run::estimate(&w.ws, &w.vault, true).await.unwrap();
    let report = sync(&w, true).await;
    assert_eq!(report.state, RunState::Succeeded);
    let stats = control(&w, "GET", "/stats", json!({})).await;
    let dataset = &stats["dataset"];
    let leads = dataset["marketo_leads"].as_u64().unwrap();
    let fetched =
        leads + dataset["salesforce_contacts"].as_u64().unwrap() + dataset["salesforce_leads"].as_u64().unwrap();
    assert_eq!(report.counts.fetched, fetched, "every lead, contact and lead once: {dataset}");
    assert_eq!(people(&w), 600);
    // No extract job; the feed's pages and the leads by ID, 300 a call, and a few more (usage,
    // the probes for the oldest and newest leads, paging tokens, the activities logged).
    assert_eq!(marketo_calls_to(&stats, "/bulk/"), 0, "{stats}");
    let pages = leads.div_ceil(300);
    assert!(marketo_calls_to(&stats, "/rest/v1/leads.json") <= pages + 1, "{stats}");
    let calls = report.counts.marketo_calls;
    assert!(calls <= 2 * (pages + 1) + 14, "{calls} Marketo calls for {leads} leads: {stats}");
    // The estimate foresaw the read by ID (the leads' IDs bound how many there are), not a
    // minute of extract jobs per queue of 31-day windows.
    assert!(estimate.marketo_calls <= 2 * (pages + 1) + 10, "{estimate:?}");
    assert!(estimate.seconds <= 60, "{estimate:?}");
    // The duplicates Marketo holds (case variants of one address) are still reported.
    let errors = run::record_errors(&w.ws, &report.run_id, 1000).unwrap();
    assert_eq!(errors.iter().filter(|e| e.code == "duplicate").count() as u64, report.counts.duplicates);
    w.sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r5_a_marketo_whose_new_lead_feed_is_long_is_read_through_extracts_in_full() {
    let w = world(600, 0.0).await;
    // A feed longer than one page counts as long here.
    let short_feed = RunOptions { new_lead_pages: 1, ..options(true) };
    let report = run::run(&w.ws, &w.vault, short_feed, &Control::default(), &|_: &Progress| {}).await.unwrap();
    assert_eq!(report.state, RunState::Succeeded);
    let stats = control(&w, "GET", "/stats", json!({})).await;
    let dataset = &stats["dataset"];
    assert!(dataset["marketo_leads"].as_u64().unwrap() > 300, "{dataset}");
    let fetched = dataset["marketo_leads"].as_u64().unwrap()
        + dataset["salesforce_contacts"].as_u64().unwrap()
        + dataset["salesforce_leads"].as_u64().unwrap();
    assert_eq!(report.counts.fetched, fetched, "{dataset}");
    assert_eq!(people(&w), 600);
    assert!(marketo_calls_to(&stats, "/bulk/v1/leads/export") > 0, "{stats}");
    // The feed's one page read no lead by ID: the extracts read them all once.
    assert_eq!(marketo_calls_to(&stats, "GET /rest/v1/leads.json"), 0, "{stats}");
    w.sb.shutdown().await;
}
