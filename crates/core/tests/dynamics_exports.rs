//! Dynamics 365 marketing-list destinations and exports (seed 003; R13, R14, R16) against the
//! sandbox's Dataverse: the list is validated (static, contacts, unlocked, active) or created,
//! deleting the destination leaves the list in Dynamics.

mod common;

use common::Fetcher;
use liaison_core::connections::access::{self, UsableBy};
use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

use liaison_core::connections::dataverse::DataverseClient;
use liaison_core::connections::dynamics::{self, ConnectDynamics, MatchBy};
use liaison_core::connections::{marketo, salesforce};
use liaison_core::exports::destinations::{self, NewDynamicsDestination};
use liaison_core::exports::{self, ExportOptions, ExportReport, NewExport, Schedule};
use liaison_core::jobs::Control as JobControl;
use liaison_core::members::admin::{activate, add_active_admin, switch_acting_admin};
use liaison_core::runs::RunState;
use liaison_core::segments::{self, Definition, Match, Rule};
use liaison_core::sync::dynamics_match::{ContactMatch, match_people};
use liaison_core::sync::run::{self as sync_run, Control, Progress, RunOptions};
use liaison_core::sync::settings::{self, SyncSettings};
use liaison_core::vault::{MemoryKeychain, Vault};
use liaison_core::{ErrorCode, Lang, Paths, Workspace};
use liaison_sandbox::{Sandbox, SandboxConfig};
use secrecy::SecretString;

/// The sandbox's clock runs this much faster than ours (Marketo's extract jobs, Dataverse's
/// windows), with Liaison's budgets kept in its time.
const SCALE: f64 = 200.0;

struct World {
    _dir: tempfile::TempDir,
    ws: Workspace,
    vault: Vault,
    sb: Sandbox,
    connection: String,
}

async fn world(people: usize) -> World {
    let sb =
        Sandbox::start(SandboxConfig { people, auto_approve: true, time_scale: SCALE, ..SandboxConfig::default() })
            .await
            .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let ws = Workspace::open(Paths::in_dir(dir.path())).unwrap();
    let vault = Vault::open(ws.store(), &MemoryKeychain::default()).unwrap();
    activate(&ws, &vault, "Ada", "ada@example.com").unwrap();
    ws.remotes().use_marketo_time_scale(&sb.endpoints().marketo.base_url, SCALE);
    ws.remotes().use_dynamics_time_scale(&sb.endpoints().dynamics.org_url, SCALE);
    let e = &sb.endpoints().dynamics;
    let request = ConnectDynamics {
        display_name: "Dynamics – production".into(),
        org_url: e.org_url.clone(),
        authority_url: e.authority_url.clone(),
        client_id: e.client_id.clone(),
        usable_by: UsableBy::default(),
        is_sandbox: true,
        match_by: MatchBy::Email,
    };
    let connection = dynamics::connect(&ws, &vault, request, &Fetcher).await.unwrap().id;
    World { _dir: dir, ws, vault, sb, connection }
}

/// Creates a list in the org as an admin would in Dynamics, returning its ID.
async fn make_list(w: &World, body: serde_json::Value) -> String {
    let client = DataverseClient::load(&w.ws, &w.vault, &w.connection).unwrap();
    let created = client.post("lists", &body, &["return=representation"]).await.unwrap().unwrap();
    created["listid"].as_str().unwrap().to_owned()
}

fn destination(w: &World, name: &str, list_id: Option<&str>, new_list: Option<&str>) -> NewDynamicsDestination {
    NewDynamicsDestination {
        name: name.into(),
        connection_id: w.connection.clone(),
        list_id: list_id.map(str::to_owned),
        new_list: new_list.map(str::to_owned),
        accept_privacy_notice: true,
    }
}

#[tokio::test]
async fn r14_a_dynamics_destination_takes_only_a_static_active_unlocked_contact_list() {
    let w = world(20).await;
    let dynamic = make_list(&w, serde_json::json!({"listname": "Dynamic", "createdfromcode": 2, "type": true})).await;
    let leads = make_list(&w, serde_json::json!({"listname": "Leads", "createdfromcode": 4, "type": false})).await;
    let locked = make_list(
        &w,
        serde_json::json!({"listname": "Locked", "createdfromcode": 2, "type": false, "lockstatus": true}),
    )
    .await;
    let inactive =
        make_list(&w, serde_json::json!({"listname": "Old", "createdfromcode": 2, "type": false, "statecode": 1}))
            .await;
    for (list, words) in
        [(&dynamic, "dynamic"), (&leads, "not a contact list"), (&locked, "locked"), (&inactive, "inactive")]
    {
        let err = destinations::add_dynamics(&w.ws, &w.vault, destination(&w, "Webinar", Some(list), None))
            .await
            .unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidInput, "{list}: {}", err.message);
        assert!(err.message.contains(words), "{list}: {}", err.message);
    }
    let missing = uuid::Uuid::new_v4().to_string();
    let err = destinations::add_dynamics(&w.ws, &w.vault, destination(&w, "Webinar", Some(&missing), None))
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::NotFound, "{}", err.message);
    let err = destinations::add_dynamics(&w.ws, &w.vault, destination(&w, "Webinar", Some("list-7"), None))
        .await
        .unwrap_err();
    assert!(err.message.contains("GUID"), "{}", err.message);
    let err = destinations::add_dynamics(&w.ws, &w.vault, destination(&w, "Webinar", None, None)).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput);
    // Nothing was saved by any refusal.
    assert!(destinations::list(w.ws.store()).unwrap().is_empty());

    let good = make_list(&w, serde_json::json!({"listname": "Q3 webinar", "createdfromcode": 2, "type": false})).await;
    let saved =
        destinations::add_dynamics(&w.ws, &w.vault, destination(&w, "Webinar", Some(&good), None)).await.unwrap();
    let settings = saved.dynamics.clone().unwrap();
    assert_eq!((settings.list_id.as_str(), settings.list_name.as_str()), (good.as_str(), "Q3 webinar"));
    assert!(!settings.created_by_liaison);
    assert_eq!(saved.export_users, vec!["ada@example.com".to_owned()]);
    w.sb.shutdown().await;
}

#[tokio::test]
async fn r14_a_new_list_is_created_static_and_for_contacts_and_outlives_its_destination() {
    let w = world(20).await;
    let err = destinations::add_dynamics(&w.ws, &w.vault, {
        let mut d = destination(&w, "Spring", None, Some("Spring campaign"));
        d.accept_privacy_notice = false;
        d
    })
    .await
    .unwrap_err();
    assert_eq!(err.code, ErrorCode::Forbidden);
    let saved = destinations::add_dynamics(&w.ws, &w.vault, destination(&w, "Spring", None, Some("Spring campaign")))
        .await
        .unwrap();
    let settings = saved.dynamics.clone().unwrap();
    assert!(settings.created_by_liaison);
    let client = DataverseClient::load(&w.ws, &w.vault, &w.connection).unwrap();
    let list = client
        .get(&format!("lists({})?$select=listname,createdfromcode,type,lockstatus", settings.list_id), &[])
        .await
        .unwrap();
    assert_eq!(list["listname"], "Spring campaign");
    assert_eq!((list["createdfromcode"].as_i64(), list["type"].as_bool()), (Some(2), Some(false)));

    // R16: deleting the destination says the list stays, and it does.
    let confirmation = destinations::delete_confirmation(&saved).render(Lang::En);
    assert!(confirmation.contains("stays in Dynamics 365"), "{confirmation}");
    assert!(destinations::delete_confirmation(&saved).render(Lang::Ja).contains("Dynamics 365 にそのまま残ります"));
    destinations::delete(&w.ws, &w.vault, "Spring").unwrap();
    assert!(destinations::list(w.ws.store()).unwrap().is_empty());
    let still = client.get(&format!("lists({})?$select=listname", settings.list_id), &[]).await.unwrap();
    assert_eq!(still["listname"], "Spring campaign");
    w.sb.shutdown().await;
}

#[tokio::test]
async fn r13_an_admin_the_dynamics_connection_is_not_usable_by_cannot_add_a_destination_through_it() {
    let w = world(20).await;
    add_active_admin(&w.ws, "Ben", "ben@example.com").unwrap();
    add_active_admin(&w.ws, "Cy", "cy@example.com").unwrap();
    access::set_usable_by(&w.ws, &w.connection, UsableBy::Members { emails: vec!["cy@example.com".into()] }).unwrap();
    switch_acting_admin(&w.ws, "ben@example.com").unwrap();
    let err = destinations::add_dynamics(&w.ws, &w.vault, destination(&w, "Spring", None, Some("Spring campaign")))
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::Forbidden, "{}", err.message);
    // Refused before any call: no list was created in Dynamics, nothing saved here.
    let client = DataverseClient::load(&w.ws, &w.vault, &w.connection).unwrap();
    let lists = client.get("lists?$select=listname&$filter=listname eq 'Spring campaign'", &[]).await.unwrap();
    assert_eq!(lists["value"].as_array().map(Vec::len), Some(0));
    assert!(destinations::list(w.ws.store()).unwrap().is_empty());
    switch_acting_admin(&w.ws, "cy@example.com").unwrap();
    destinations::add_dynamics(&w.ws, &w.vault, destination(&w, "Spring", None, Some("Spring campaign")))
        .await
        .unwrap();
    w.sb.shutdown().await;
}

// ---------------------------------------------------------------- runs (R14, R15, R16)

/// Salesforce, Marketo and Dynamics connected, a full sync done: the cache holds everyone with
/// their Dynamics contacts, matched by email.
async fn synced(people: usize) -> World {
    let w = world(people).await;
    let e = w.sb.endpoints().clone();
    salesforce::connect(
        &w.ws,
        &w.vault,
        salesforce::ConnectSalesforce {
            display_name: String::new(),
            login_url: e.salesforce.login_url.clone(),
            client_id: e.salesforce.client_id.clone(),
            is_sandbox: true,
        },
        Some(SecretString::from(e.salesforce.client_secret.clone())),
        &Fetcher,
    )
    .await
    .unwrap();
    marketo::connect(
        &w.ws,
        &w.vault,
        marketo::ConnectMarketo {
            display_name: String::new(),
            base_url: e.marketo.base_url.clone(),
            client_id: e.marketo.client_id.clone(),
            is_sandbox: true,
        },
        SecretString::from(e.marketo.client_secret.clone()),
    )
    .await
    .unwrap();
    settings::save(
        w.ws.store(),
        &SyncSettings {
            marketo_history_from: Sandbox::data_since().into(),
            log_activities: false,
            ..SyncSettings::default()
        },
    )
    .unwrap();
    let options = RunOptions {
        full: true,
        pause_poll: Duration::from_millis(50),
        job_poll: Duration::from_millis(20),
        ..RunOptions::default()
    };
    let report = sync_run::run(&w.ws, &w.vault, options, &Control::default(), &|_: &Progress| {}).await.unwrap();
    assert_eq!(report.state, RunState::Succeeded);
    w
}

/// The list's members as Dynamics holds them.
async fn members_of(w: &World, list_id: &str) -> BTreeSet<String> {
    let client = DataverseClient::load(&w.ws, &w.vault, &w.connection).unwrap();
    let mut page = client
        .get(&format!("lists({list_id})/listcontact_association?$select=contactid"), &["odata.maxpagesize=5000"])
        .await
        .unwrap();
    let mut out = BTreeSet::new();
    loop {
        for c in page["value"].as_array().unwrap() {
            out.insert(c["contactid"].as_str().unwrap().to_owned());
        }
        match page["@odata.nextLink"].as_str() {
            Some(next) => page = client.get_url(next, &["odata.maxpagesize=5000"]).await.unwrap(),
            None => return out,
        }
    }
}

async fn contact_count(w: &World) -> usize {
    let client = DataverseClient::load(&w.ws, &w.vault, &w.connection).unwrap();
    let mut page = client.get("contacts?$select=contactid", &["odata.maxpagesize=5000"]).await.unwrap();
    let mut n = 0;
    loop {
        n += page["value"].as_array().unwrap().len();
        match page["@odata.nextLink"].as_str() {
            Some(next) => page = client.get_url(next, &["odata.maxpagesize=5000"]).await.unwrap(),
            None => return n,
        }
    }
}

/// The contact each cached person is matched to, for the people a segment holds.
fn matched(w: &World, keys: &[String]) -> HashMap<String, ContactMatch> {
    let refs: Vec<&str> = keys.iter().map(String::as_str).collect();
    w.ws.store().read(|c| match_people(c, &w.connection, &refs)).unwrap()
}

fn everyone_keys(w: &World) -> Vec<String> {
    w.ws.store()
        .read(|c| {
            let mut s = c.prepare("SELECT email_key FROM people ORDER BY id")?;
            Ok(s.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<Vec<String>>>()?)
        })
        .unwrap()
}

async fn export_to_new_list(w: &World) -> String {
    segments::create(&w.ws, "Everyone", Definition { match_: Match::All, rules: Vec::new() }).unwrap();
    let d = destinations::add_dynamics(&w.ws, &w.vault, destination(w, "Webinar", None, Some("Webinar invitees")))
        .await
        .unwrap();
    exports::definition::create(
        &w.ws,
        &w.vault,
        NewExport {
            name: "Webinar".into(),
            destination: "Webinar".into(),
            segments: vec!["Everyone".into()],
            fields: Vec::new(),
            schedule: Schedule::Manual,
        },
    )
    .await
    .unwrap();
    d.dynamics.unwrap().list_id
}

async fn run_export(w: &World) -> ExportReport {
    exports::run::run(&w.ws, &w.vault, "Webinar", ExportOptions::default(), &JobControl::default(), &|_| {})
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r14_an_export_adds_only_matched_contacts_reports_the_unmatched_and_creates_no_contact() {
    let w = synced(300).await;
    let list_id = export_to_new_list(&w).await;
    let keys = everyone_keys(&w);
    let matches = matched(&w, &keys);
    let want: BTreeSet<String> = matches
        .values()
        .filter_map(|m| match m {
            ContactMatch::Matched { contact_id } => Some(contact_id.clone()),
            _ => None,
        })
        .collect();
    let unmatched = matches.values().filter(|m| !matches!(m, ContactMatch::Matched { .. })).count() as u64;
    assert!(!want.is_empty() && unmatched > 0, "the sandbox has both kinds: {} matched, {unmatched} not", want.len());
    let contacts_before = contact_count(&w).await;

    // The dry run predicts it with no call.
    let dry = exports::run::dry_run(&w.ws, "Webinar").unwrap();
    assert_eq!((dry.counts.added, dry.counts.unmatched), (want.len() as u64, unmatched));
    assert!(!dry.unmatched.is_empty() && dry.unmatched.len() <= 10);
    assert!(members_of(&w, &list_id).await.is_empty());

    let report = run_export(&w).await;
    assert_eq!(report.state, RunState::Succeeded);
    assert_eq!((report.counts.added, report.counts.unmatched, report.counts.failed), (want.len() as u64, unmatched, 0));
    // One AddListMembersList per 1,000 contacts; nothing else.
    assert_eq!(report.counts.calls, want.len().div_ceil(1_000) as u64);
    assert_eq!(members_of(&w, &list_id).await, want);
    assert_eq!(contact_count(&w).await, contacts_before, "R14: no contact was created");
    let rows = exports::history::rows(w.ws.store(), &report.run_id, 10_000).unwrap();
    let reported = rows.iter().filter(|r| r.outcome == exports::RowOutcome::Unmatched).count() as u64;
    assert_eq!(reported, unmatched);
    assert!(rows.iter().all(|r| !r.reason.render(Lang::En).is_empty()));
    let csv = exports::history::results_csv(w.ws.store(), &report.run_id, Lang::Ja).unwrap();
    assert!(csv.contains("照合なし"), "{csv}");

    // Nothing changed: nothing sent.
    let again = run_export(&w).await;
    assert_eq!((again.counts.added, again.counts.removed, again.counts.calls), (0, 0, 0));
    assert_eq!(again.counts.unchanged, want.len() as u64);
    w.sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r14_people_who_leave_the_segment_leave_the_list_and_a_deleted_contact_fails_alone() {
    let w = synced(300).await;
    let list_id = export_to_new_list(&w).await;
    let keys = everyone_keys(&w);
    let matches = matched(&w, &keys);
    let mut matched_keys: Vec<(String, String)> = matches
        .iter()
        .filter_map(|(k, m)| match m {
            ContactMatch::Matched { contact_id } => Some((k.clone(), contact_id.clone())),
            _ => None,
        })
        .collect();
    matched_keys.sort();
    // A contact deleted in Dynamics after the sync: its batch is halved until it is found.
    let (gone_key, gone_contact) = matched_keys[7].clone();
    let client = DataverseClient::load(&w.ws, &w.vault, &w.connection).unwrap();
    let http = reqwest::Client::new();
    let [access, _] = dynamics::secret_names(&w.connection);
    let token = w.vault.get(&access).unwrap().unwrap();
    let deleted = http
        .delete(format!("{}/api/data/v9.2/contacts({gone_contact})", client.org_url()))
        .bearer_auth(secrecy::ExposeSecret::expose_secret(&token))
        .send()
        .await
        .unwrap();
    assert!(deleted.status().is_success());
    let first = run_export(&w).await;
    assert_eq!(first.counts.failed, 1, "{:?}", first.counts);
    assert_eq!(first.counts.added, matched_keys.len() as u64 - 1);
    let rows = exports::history::rows(w.ws.store(), &first.run_id, 10_000).unwrap();
    let failed: Vec<_> = rows.iter().filter(|r| r.outcome == exports::RowOutcome::Failed).collect();
    assert_eq!(failed.len(), 1);
    assert!(failed[0].email.as_deref().is_some_and(|e| e.eq_ignore_ascii_case(&gone_key)), "{failed:?}");
    assert!(!members_of(&w, &list_id).await.contains(&gone_contact));

    // Everyone leaves the segment: they leave the list (RemoveMemberList in $batches).
    segments::update(
        &w.ws,
        "Everyone",
        "Everyone",
        Definition { match_: Match::All, rules: vec![Rule::parse("email is nobody@nowhere.invalid").unwrap()] },
    )
    .unwrap();
    let emptied = run_export(&w).await;
    assert_eq!(emptied.counts.removed, first.counts.added, "{:?}", emptied.counts);
    assert!(members_of(&w, &list_id).await.is_empty());
    // One $batch per 1,000 removals.
    assert_eq!(emptied.counts.calls, first.counts.added.div_ceil(1_000));
    w.sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dynamics_export_killed_after_adding_a_batch_is_continued_and_adds_each_contact_once() {
    let w = synced(300).await;
    let list_id = export_to_new_list(&w).await;
    let keys = everyone_keys(&w);
    let mut matched: Vec<(String, String)> = matched(&w, &keys)
        .into_iter()
        .filter_map(|(k, m)| match m {
            ContactMatch::Matched { contact_id } => Some((k, contact_id)),
            _ => None,
        })
        .collect();
    matched.sort();
    // The killed process had added a first batch of ten (the call went through) and written
    // them in flight with the batch's ID, but was killed before recording them; its run row
    // names a process that is gone.
    let (first, _) = matched.split_at(10);
    let client = DataverseClient::load(&w.ws, &w.vault, &w.connection).unwrap();
    let members: Vec<serde_json::Value> = first
        .iter()
        .map(|(_, c)| serde_json::json!({ "@odata.type": "Microsoft.Dynamics.CRM.contact", "contactid": c }))
        .collect();
    client
        .post(
            "AddListMembersList",
            &serde_json::json!({ "List": { "@odata.type": "Microsoft.Dynamics.CRM.list", "listid": list_id }, "Members": members }),
            &[],
        )
        .await
        .unwrap();
    let mut child = std::process::Command::new("true").spawn().unwrap();
    let dead = child.id();
    child.wait().unwrap();
    let host = hostname::get().unwrap().to_string_lossy().into_owned();
    let export_id = exports::definition::get(w.ws.store(), "Webinar").unwrap().id;
    w.ws.store()
        .write(|tx| {
            let checkpoint = serde_json::json!({
                "planned": true, "phase": "sending", "next_file": 1, "owner": "killed",
                "process": { "host": host, "pid": dead },
            });
            tx.execute(
                "INSERT INTO runs (id, kind, subject, state, started_at, checkpoint, heartbeat_at)
                 VALUES ('killed-run', 'export', ?1, 'running', '2026-12-07T00:00:00Z', ?2, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))",
                rusqlite::params![export_id, checkpoint.to_string()],
            )?;
            for (key, contact) in first {
                tx.execute(
                    "INSERT INTO export_inflight (export_id, run_id, file_seq, batch_id, email_key, email, member_id, hash, is_new)
                     VALUES (?1, 'killed-run', 0, 'batch-0', ?2, ?2, ?3, 'h', 1)",
                    rusqlite::params![export_id, key, contact],
                )?;
            }
            Ok(())
        })
        .unwrap();

    // The next run takes the killed one over at once and ends it: everyone matched is on the
    // list once, recorded as delivered, nothing left in flight.
    let report = run_export(&w).await;
    assert!(report.resumed, "the killed run was continued");
    assert_eq!(report.state, RunState::Succeeded);
    assert_eq!(report.counts.added, matched.len() as u64);
    let want: BTreeSet<String> = matched.iter().map(|(_, c)| c.clone()).collect();
    assert_eq!(members_of(&w, &list_id).await, want);
    let (inflight, delivered): (i64, i64) =
        w.ws.store()
            .read(|c| {
                Ok((
                    c.query_row("SELECT count(*) FROM export_inflight", [], |r| r.get(0))?,
                    c.query_row("SELECT count(*) FROM export_members", [], |r| r.get(0))?,
                ))
            })
            .unwrap();
    assert_eq!((inflight, delivered), (0, matched.len() as i64));
    let again = run_export(&w).await;
    assert_eq!((again.counts.added, again.counts.calls), (0, 0));
    w.sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_of_every_kind_and_a_ten_percent_rate_leave_the_dynamics_list_as_a_fault_free_run_would() {
    let w = synced(300).await;
    let list_id = export_to_new_list(&w).await;
    let keys = everyone_keys(&w);
    let mut want: BTreeSet<String> = matched(&w, &keys)
        .into_values()
        .filter_map(|m| match m {
            ContactMatch::Matched { contact_id } => Some(contact_id),
            _ => None,
        })
        .collect();
    let contacts_before = contact_count(&w).await;
    let control_url = w.sb.endpoints().control_url.clone();
    let http = reqwest::Client::new();
    let post = |path: &str, body: serde_json::Value| {
        let request = http.post(format!("{control_url}{path}")).json(&body);
        async move { assert!(request.send().await.unwrap().status().is_success()) }
    };
    post("/settings", serde_json::json!({ "fault_timeout_ms": 50 })).await;
    // One fault of every kind on the next Dataverse calls, then 10% at random.
    let kinds = ["server_error", "timeout", "rate_limit", "expired_token", "malformed"];
    let next: Vec<_> = kinds.iter().map(|k| serde_json::json!({ "system": "dynamics", "kind": k })).collect();
    post("/faults", serde_json::json!({ "rate": 0.1, "systems": ["dynamics"], "next": next })).await;
    // Runs until one delivers everything (a batch a fault stopped is sent by the next run).
    let mut runs = 0;
    loop {
        let report = run_export(&w).await;
        runs += 1;
        if report.counts.failed == 0 || runs == 3 {
            break;
        }
    }
    // People leave the segment under faults too.
    segments::update(
        &w.ws,
        "Everyone",
        "Everyone",
        Definition { match_: Match::All, rules: vec![Rule::parse("country is not Japan").unwrap()] },
    )
    .unwrap();
    let staying: BTreeSet<String> = {
        let keys: Vec<String> = w
            .ws
            .store()
            .read(|c| {
                let mut s = c.prepare("SELECT email_key FROM people WHERE country IS NULL OR country <> 'Japan'")?;
                Ok(s.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<Vec<String>>>()?)
            })
            .unwrap();
        matched(&w, &keys)
            .into_values()
            .filter_map(|m| match m {
                ContactMatch::Matched { contact_id } => Some(contact_id),
                _ => None,
            })
            .collect()
    };
    assert!(staying.len() < want.len(), "some people left: {} of {}", want.len() - staying.len(), want.len());
    want = staying;
    for _ in 0..3 {
        if run_export(&w).await.counts.failed == 0 {
            break;
        }
    }
    post("/faults", serde_json::json!({ "clear": true })).await;
    assert_eq!(members_of(&w, &list_id).await, want, "the list is what a fault-free run leaves");
    assert_eq!(contact_count(&w).await, contacts_before, "R14: no contact was created");
    let stats: serde_json::Value =
        serde_json::from_str(&http.get(format!("{control_url}/stats")).send().await.unwrap().text().await.unwrap())
            .unwrap();
    assert!(
        stats["violations"].as_object().is_none_or(|v| v.is_empty()),
        "no limit violations: {}",
        stats["violations"]
    );
    let injected: u64 = stats["faults"]["dynamics"].as_object().unwrap().values().map(|v| v.as_u64().unwrap()).sum();
    assert!(injected >= 5, "faults were injected: {}", stats["faults"]);
    w.sb.shutdown().await;
}
