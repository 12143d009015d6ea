//! Dynamics 365 contacts as the sync's third source, against the sandbox: a full read that keeps
//! the delta link, incremental reads with updates and deletions, a kill in the middle of the
//! phase, the `modifiedon` fallback where change tracking is off, and matching people to
//! contacts (R13).

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::Fetcher;
use liaison_core::connections::dynamics::{self, ConnectDynamics, MatchBy, UsableBy};
use liaison_core::connections::{marketo, salesforce};
use liaison_core::members::admin::activate;
use liaison_core::runs::RunState;
use liaison_core::sync::cache::search;
use liaison_core::sync::dynamics_match::{ContactMatch, match_people};
use liaison_core::sync::run::{self, Control, Phase, Progress, RunOptions};
use liaison_core::sync::settings::{self, SyncSettings};
use liaison_core::vault::{MemoryKeychain, Vault};
use liaison_core::{Paths, Workspace};
use liaison_sandbox::{Sandbox, SandboxConfig};
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};

const SCALE: f64 = 200.0;

struct World {
    sb: Sandbox,
    _dir: tempfile::TempDir,
    ws: Workspace,
    vault: Vault,
    dynamics: String,
}

async fn world(people: usize, match_by: MatchBy) -> World {
    let sb =
        Sandbox::start(SandboxConfig { people, auto_approve: true, time_scale: SCALE, ..SandboxConfig::default() })
            .await
            .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let ws = Workspace::open(Paths::in_dir(dir.path())).unwrap();
    let vault = Vault::open(ws.store(), &MemoryKeychain::default()).unwrap();
    activate(&ws, &vault, "Ada", "ada@example.com").unwrap();
    let e = sb.endpoints().clone();
    ws.remotes().use_marketo_time_scale(&e.marketo.base_url, SCALE);
    salesforce::connect(
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
    .await
    .unwrap();
    marketo::connect(
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
    .unwrap();
    let dynamics = dynamics::connect(
        &ws,
        &vault,
        ConnectDynamics {
            display_name: "Dynamics – production".into(),
            org_url: e.dynamics.org_url.clone(),
            authority_url: e.dynamics.authority_url.clone(),
            client_id: e.dynamics.client_id.clone(),
            usable_by: UsableBy::default(),
            is_sandbox: true,
            match_by,
        },
        &Fetcher,
    )
    .await
    .unwrap()
    .id;
    settings::save(
        ws.store(),
        &SyncSettings {
            marketo_history_from: Sandbox::data_since().into(),
            log_activities: false,
            ..SyncSettings::default()
        },
    )
    .unwrap();
    World { sb, _dir: dir, ws, vault, dynamics }
}

fn options(full: bool) -> RunOptions {
    RunOptions {
        full,
        pause_poll: Duration::from_millis(50),
        job_poll: Duration::from_millis(20),
        dynamics_page_size: 25,
        ..RunOptions::default()
    }
}

async fn sync(w: &World, full: bool) -> run::RunReport {
    let report = run::run(&w.ws, &w.vault, options(full), &Control::default(), &|_: &Progress| {}).await.unwrap();
    assert_eq!(report.state, RunState::Succeeded);
    report
}

/// The org's Web API with the connection's own access token.
struct Api {
    base: String,
    token: String,
}

impl Api {
    fn new(w: &World) -> Api {
        let [access, _] = dynamics::secret_names(&w.dynamics);
        let token = w.vault.get(&access).unwrap().unwrap().expose_secret().to_owned();
        Api { base: format!("{}/api/data/v9.2", w.sb.endpoints().dynamics.org_url), token }
    }

    async fn send(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> reqwest::Response {
        let mut r = reqwest::Client::new().request(method, format!("{}/{path}", self.base)).bearer_auth(&self.token);
        if let Some(b) = body {
            r = r.json(&b);
        }
        let r = r.send().await.unwrap();
        assert!(r.status().is_success(), "{path}: {}", r.status());
        r
    }

    /// Every contact: (id, email, statecode).
    async fn contacts(&self) -> Vec<(String, String, i64)> {
        let mut url = format!("{}/contacts?$select=contactid,emailaddress1,statecode", self.base);
        let mut out = Vec::new();
        loop {
            let v: Value =
                reqwest::Client::new().get(&url).bearer_auth(&self.token).send().await.unwrap().json().await.unwrap();
            for c in v["value"].as_array().unwrap() {
                out.push((
                    c["contactid"].as_str().unwrap().to_owned(),
                    c["emailaddress1"].as_str().unwrap_or_default().to_owned(),
                    c["statecode"].as_i64().unwrap_or(0),
                ));
            }
            match v["@odata.nextLink"].as_str() {
                Some(n) => url = n.to_owned(),
                None => return out,
            }
        }
    }
}

fn stored_contacts(w: &World) -> Vec<String> {
    w.ws.store()
        .read(|c| {
            let mut s = c.prepare("SELECT contact_id FROM dynamics_contacts WHERE connection_id = ?1 ORDER BY 1")?;
            Ok(s.query_map([&w.dynamics], |r| r.get(0))?.collect::<rusqlite::Result<Vec<String>>>()?)
        })
        .unwrap()
}

fn cursor(w: &World) -> Option<String> {
    w.ws.store()
        .read(|c| {
            use rusqlite::OptionalExtension;
            Ok(c.query_row(
                "SELECT value FROM sync_cursors WHERE name = ?1",
                [format!("dynamics.{}.contacts", w.dynamics)],
                |r| r.get(0),
            )
            .optional()?)
        })
        .unwrap()
}

fn person_with_contact(w: &World, contact: &str) -> Option<String> {
    w.ws.store()
        .read(|c| {
            use rusqlite::OptionalExtension;
            Ok(c.query_row("SELECT email_key FROM people WHERE dyn_contact_id = ?1", [contact], |r| r.get(0))
                .optional()?)
        })
        .unwrap()
}

async fn contact_gets(w: &World) -> u64 {
    let url = format!("{}/stats", w.sb.endpoints().control_url);
    let stats: Value = reqwest::get(url).await.unwrap().json().await.unwrap();
    stats["calls"]["dynamics"]
        .as_object()
        .map(|m| {
            m.iter()
                .filter(|(k, _)| k.starts_with("GET ") && k.contains("contacts"))
                .map(|(_, v)| v.as_u64().unwrap_or(0))
                .sum()
        })
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dynamics_contacts_are_read_in_full_and_the_delta_link_is_kept_as_the_cursor() {
    let w = world(200, MatchBy::Email).await;
    let api = Api::new(&w);
    let org = api.contacts().await;
    let before = contact_gets(&w).await;
    let report = sync(&w, true).await;
    let pages = org.len().div_ceil(25) as u64;
    assert_eq!(contact_gets(&w).await - before, pages, "one request a page");
    assert_eq!(report.counts.dynamics_calls, pages, "{:?}", report.counts);
    let mut ids: Vec<String> = org.iter().map(|c| c.0.clone()).collect();
    ids.sort();
    assert_eq!(stored_contacts(&w), ids, "every contact is kept for matching");
    let delta = cursor(&w).expect("a cursor");
    assert!(delta.starts_with(&api.base) && delta.contains("$deltatoken="), "{delta}");
    // Contacts are merged into the cache by email, with their provenance.
    let (id, email, _) = org.iter().find(|c| c.1.contains('@')).unwrap();
    let key = person_with_contact(&w, id).expect("the contact's person");
    assert_eq!(key, email.trim().to_lowercase());
    let found = w.ws.store().read(|c| search(c, &key, 1)).unwrap();
    assert_eq!(found[0].dyn_contact_id.as_deref(), Some(id.as_str()));
    let m = found[0].dynamics.as_ref().expect("the people view shows the match");
    assert_eq!((&m.by, &m.connection_id), (&MatchBy::Email, &w.dynamics));
    // A Dynamics-only person carries Dynamics provenance.
    let only: Option<(String, String)> =
        w.ws.store()
            .read(|c| {
                use rusqlite::OptionalExtension;
                Ok(c.query_row(
                "SELECT email_key, first_name_src FROM people WHERE dyn_contact_id IS NOT NULL AND marketo_id IS NULL
                   AND sf_contact_id IS NULL AND sf_lead_id IS NULL AND first_name IS NOT NULL LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get::<_, i64>(1)?.to_string())),
            )
            .optional()?)
            })
            .unwrap();
    if let Some((key, src)) = only {
        assert_eq!(src, "3");
        let p = w.ws.store().read(|c| search(c, &key, 1)).unwrap();
        assert_eq!(p[0].provenance.get("first_name").map(String::as_str), Some("dynamics"));
    }
    // The field preview shows the Dynamics column.
    let preview = run::preview(&w.ws, &w.vault).await.unwrap();
    assert_eq!(preview.rows[0].dynamics.as_ref().map(|f| f.name.as_str()), Some("emailaddress1"));
    w.sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_incremental_sync_follows_the_delta_link_with_updates_and_deletions() {
    let w = world(150, MatchBy::Email).await;
    let api = Api::new(&w);
    sync(&w, true).await;
    let org = api.contacts().await;
    let with_email: Vec<&(String, String, i64)> = org.iter().filter(|c| c.1.contains('@')).collect();
    let (edited, gone) = (with_email[0].0.clone(), with_email[1].0.clone());
    api.send(reqwest::Method::PATCH, &format!("contacts({edited})"), Some(json!({"firstname": "Renamed"}))).await;
    api.send(reqwest::Method::DELETE, &format!("contacts({gone})"), None).await;
    let before = contact_gets(&w).await;
    let report = sync(&w, false).await;
    assert!(!report.full);
    assert!(contact_gets(&w).await - before <= 2, "one delta page, not a full read");
    assert!(report.counts.deleted >= 1, "{:?}", report.counts);
    assert!(!stored_contacts(&w).contains(&gone));
    assert_eq!(person_with_contact(&w, &gone), None);
    let key = person_with_contact(&w, &edited).unwrap();
    let p = w.ws.store().read(|c| search(c, &key, 1)).unwrap();
    // The rename shows unless Salesforce or Marketo, which win names by default, hold one.
    if p[0].provenance.get("first_name").map(String::as_str) == Some("dynamics") {
        assert_eq!(p[0].first_name.as_deref(), Some("Renamed"));
    }
    let next = cursor(&w).unwrap();
    assert!(next.contains("$deltatoken="));
    w.sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_killed_in_the_dynamics_phase_resumes_from_the_next_link() {
    let w = Arc::new(world(300, MatchBy::Email).await);
    let api = Api::new(&w);
    let org = api.contacts().await;
    let pages = org.len().div_ceil(25) as u64;
    assert!(pages > 3, "several pages: {pages}");
    let in_phase = Arc::new(Mutex::new(false));
    let seen = in_phase.clone();
    let w2 = w.clone();
    let observer = move |p: &Progress| {
        if p.phase == Phase::DynamicsContacts {
            // Slow Dataverse down so the kill lands between pages.
            w2.sb.update_settings(|s| s.latency_ms = 40);
            if p.counts.fetched > 0 && p.fraction > 0.81 {
                *seen.lock().unwrap() = true;
            }
        }
    };
    let before = contact_gets(&w).await;
    let killed = tokio::time::timeout(Duration::from_secs(120), async {
        let control = Control::default();
        let run = run::run(&w.ws, &w.vault, options(true), &control, &observer);
        tokio::pin!(run);
        loop {
            tokio::select! {
                _ = &mut run => return false,
                _ = tokio::time::sleep(Duration::from_millis(5)) => {
                    if *in_phase.lock().unwrap() { return true; }
                }
            }
        }
    })
    .await
    .unwrap();
    assert!(killed, "the run was stopped in the Dynamics phase");
    let partial = stored_contacts(&w).len();
    assert!(partial > 0 && partial < org.len(), "{partial} of {}", org.len());
    w.sb.update_settings(|s| s.latency_ms = 0);
    w.ws.store()
        .write(|tx| {
            tx.execute("UPDATE runs SET heartbeat_at = '2000-01-01T00:00:00Z'", [])?;
            Ok(())
        })
        .unwrap();
    let resumed = sync(&w, false).await;
    assert!(resumed.resumed && resumed.full);
    assert_eq!(stored_contacts(&w).len(), org.len());
    let gets = contact_gets(&w).await - before;
    assert!(gets <= pages + 1, "{gets} contact reads for {pages} pages: the resumed run went on from its next link");
    assert!(cursor(&w).unwrap().contains("$deltatoken="));
    drop(observer);
    if let Ok(w) = Arc::try_unwrap(w) {
        w.sb.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_change_tracking_the_sync_reads_modifiedon_on_the_server_clock() {
    let w = world(120, MatchBy::Email).await;
    w.sb.update_settings(|s| s.dynamics_contacts_change_tracking = false);
    let api = Api::new(&w);
    let org = api.contacts().await;
    sync(&w, true).await;
    assert_eq!(stored_contacts(&w).len(), org.len());
    let since = cursor(&w).unwrap();
    assert!(since.starts_with("modifiedon:"), "{since}");
    let (edited, gone) = (org[0].0.clone(), org[1].0.clone());
    api.send(reqwest::Method::PATCH, &format!("contacts({edited})"), Some(json!({"statecode": 1}))).await;
    api.send(reqwest::Method::DELETE, &format!("contacts({gone})"), None).await;
    let before = contact_gets(&w).await;
    sync(&w, false).await;
    assert!(contact_gets(&w).await - before <= 2, "only what changed since the cursor");
    let state: i64 = w
        .ws
        .store()
        .read(|c| {
            Ok(c.query_row("SELECT statecode FROM dynamics_contacts WHERE contact_id = ?1", [&edited], |r| r.get(0))?)
        })
        .unwrap();
    assert_eq!(state, 1, "the change arrived");
    // The documented limitation: without change tracking a deletion is seen by a full run only.
    assert!(stored_contacts(&w).contains(&gone));
    sync(&w, true).await;
    assert!(!stored_contacts(&w).contains(&gone));
    w.sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r13_people_are_matched_to_contacts_by_email_and_ambiguous_or_inactive_ones_are_reported() {
    let w = world(120, MatchBy::Email).await;
    let api = Api::new(&w);
    sync(&w, true).await;
    let org = api.contacts().await;
    let mut by_email: std::collections::HashMap<String, Vec<&(String, String, i64)>> = Default::default();
    for c in org.iter().filter(|c| c.1.contains('@')) {
        by_email.entry(c.1.trim().to_lowercase()).or_default().push(c);
    }
    let mut singles = by_email.iter().filter(|(_, v)| v.len() == 1).map(|(k, v)| (k.clone(), v[0].0.clone()));
    let (matched, matched_id) = singles.next().unwrap();
    let (inactive, inactive_id) = singles.next().unwrap();
    let (twice, first_id) = singles.next().unwrap();
    api.send(reqwest::Method::PATCH, &format!("contacts({inactive_id})"), Some(json!({"statecode": 1}))).await;
    let r = api
        .send(
            reqwest::Method::POST,
            "contacts",
            Some(json!({"lastname": "Twin", "emailaddress1": twice.to_uppercase()})),
        )
        .await;
    let second_id =
        r.headers()["odata-entityid"].to_str().unwrap().rsplit('(').next().unwrap().trim_end_matches(')').to_owned();
    sync(&w, false).await;
    let keys = [matched.as_str(), inactive.as_str(), twice.as_str(), "nobody@example.com"];
    let result = w.ws.store().read(|c| match_people(c, &w.dynamics, &keys)).unwrap();
    assert_eq!(result.len(), 4, "every key asked for is answered");
    assert_eq!(result[&matched], ContactMatch::Matched { contact_id: matched_id });
    assert_eq!(result[&inactive], ContactMatch::Inactive { contact_id: inactive_id });
    let mut both = vec![first_id, second_id];
    both.sort();
    assert_eq!(result[&twice], ContactMatch::Ambiguous { contact_ids: both });
    assert_eq!(result["nobody@example.com"], ContactMatch::NoContact);
    let json = serde_json::to_value(&result[&twice]).unwrap();
    assert_eq!(json["kind"], "ambiguous");
    w.sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r13_people_are_matched_to_contacts_by_the_chosen_key() {
    let w = world(120, MatchBy::Email).await;
    let api = Api::new(&w);
    sync(&w, true).await;
    // A person known to Salesforce, and a contact whose (here: job title) attribute carries that
    // Salesforce ID although its email differs.
    let (key, sf_id): (String, String) =
        w.ws.store()
            .read(|c| {
                Ok(c.query_row(
                    "SELECT email_key, sf_contact_id FROM people WHERE sf_contact_id IS NOT NULL LIMIT 1",
                    [],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )?)
            })
            .unwrap();
    let r = api
        .send(
            reqwest::Method::POST,
            "contacts",
            Some(json!({"lastname": "Keyed", "emailaddress1": "other.address@example.org", "jobtitle": sf_id})),
        )
        .await;
    let contact =
        r.headers()["odata-entityid"].to_str().unwrap().rsplit('(').next().unwrap().trim_end_matches(')').to_owned();
    let by = MatchBy::parse("sf_contact_id=jobtitle").unwrap();
    dynamics::set_match_by(&w.ws, &w.dynamics, by.clone()).unwrap();
    assert!(cursor(&w).is_none(), "a new key attribute is read by a full read of the contacts");
    let audited: i64 =
        w.ws.store()
            .read(|c| {
                Ok(c.query_row(
                    "SELECT count(*) FROM audit_log WHERE action = 'connection.dynamics_match_changed'",
                    [],
                    |r| r.get(0),
                )?)
            })
            .unwrap();
    assert_eq!(audited, 1);
    sync(&w, false).await;
    let result = w.ws.store().read(|c| match_people(c, &w.dynamics, &[key.as_str(), "nobody@example.com"])).unwrap();
    assert_eq!(result[&key], ContactMatch::Matched { contact_id: contact });
    assert_eq!(result["nobody@example.com"], ContactMatch::NoContact);
    let p = w.ws.store().read(|c| search(c, &key, 1)).unwrap();
    assert_eq!(p[0].dynamics.as_ref().unwrap().by, by);
    // A field the cache does not have is refused with the reason.
    let err =
        dynamics::set_match_by(&w.ws, &w.dynamics, MatchBy::parse("no_such_field=jobtitle").unwrap()).unwrap_err();
    assert!(err.message.to_string().contains("no_such_field"), "{}", err.message);
    assert!(MatchBy::parse("sf_contact_id").is_err());
    assert!(MatchBy::parse("sf_contact_id=Bad Attr").is_err());
    w.sb.shutdown().await;
}

#[test]
fn r13_matching_a_hundred_thousand_people_is_one_query() {
    let dir = tempfile::tempdir().unwrap();
    let ws = Workspace::open(Paths::in_dir(dir.path())).unwrap();
    let settings = json!({"org_url": "https://contoso.crm.dynamics.com", "authority_url": "https://login.microsoftonline.com/organizations",
        "client_id": "c", "usable_by": "administrators", "user_id": "u", "organization_id": "o"});
    ws.store()
        .write(|tx| {
            tx.execute(
                "INSERT INTO connections (id, kind, display_name, settings, created_at) VALUES ('d1', 'dynamics', 'D', ?1, '2026-01-01T00:00:00Z')",
                [settings.to_string()],
            )?;
            let mut ins = tx.prepare(
                "INSERT INTO dynamics_contacts (connection_id, contact_id, email_key, statecode) VALUES ('d1', ?1, ?2, ?3)",
            )?;
            for i in 0..100_000 {
                ins.execute(rusqlite::params![format!("c{i}"), format!("p{i}@example.com"), i64::from(i % 10 == 0)])?;
            }
            ins.execute(rusqlite::params!["twin", "p1@example.com", 0])?;
            Ok(())
        })
        .unwrap();
    let keys: Vec<String> = (0..100_000).map(|i| format!("p{i}@example.com")).chain(["x@example.com".into()]).collect();
    let refs: Vec<&str> = keys.iter().map(String::as_str).collect();
    let started = std::time::Instant::now();
    let result = ws.store().read(|c| match_people(c, "d1", &refs)).unwrap();
    let took = started.elapsed();
    assert_eq!(result.len(), 100_001);
    assert_eq!(result["p2@example.com"], ContactMatch::Matched { contact_id: "c2".into() });
    assert_eq!(result["p10@example.com"], ContactMatch::Inactive { contact_id: "c10".into() });
    assert!(matches!(&result["p1@example.com"], ContactMatch::Ambiguous { contact_ids } if contact_ids.len() == 2));
    assert_eq!(result["x@example.com"], ContactMatch::NoContact);
    assert!(took < Duration::from_secs(10), "{took:?}");
}

/// Faults on the next Dataverse calls (one of every kind), then `rate` at random; `None` clears.
async fn dataverse_faults(w: &World, rate: Option<f64>) {
    let control_url = w.sb.endpoints().control_url.clone();
    let body = match rate {
        Some(rate) => {
            let kinds = ["server_error", "timeout", "rate_limit", "expired_token", "malformed"];
            let next: Vec<_> = kinds.iter().map(|k| json!({ "system": "dynamics", "kind": k })).collect();
            json!({ "rate": rate, "systems": ["dynamics"], "next": next })
        }
        None => json!({ "clear": true }),
    };
    let client = reqwest::Client::new();
    client.post(format!("{control_url}/settings")).json(&json!({ "fault_timeout_ms": 50 })).send().await.unwrap();
    assert!(client.post(format!("{control_url}/faults")).json(&body).send().await.unwrap().status().is_success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ten_percent_fault_rate_on_dataverse_still_reads_every_contact_and_every_change() {
    let w = world(200, MatchBy::Email).await;
    let api = Api::new(&w);
    let org = api.contacts().await;
    dataverse_faults(&w, Some(0.1)).await;
    sync(&w, true).await;
    dataverse_faults(&w, None).await;
    let mut ids: Vec<String> = org.iter().map(|c| c.0.clone()).collect();
    ids.sort();
    assert_eq!(stored_contacts(&w), ids, "every contact was read, none twice");

    let with_email: Vec<&(String, String, i64)> = org.iter().filter(|c| c.1.contains('@')).collect();
    let (edited, gone) = (with_email[0].0.clone(), with_email[1].0.clone());
    api.send(reqwest::Method::PATCH, &format!("contacts({edited})"), Some(json!({"jobtitle": "Renamed"}))).await;
    api.send(reqwest::Method::DELETE, &format!("contacts({gone})"), None).await;
    dataverse_faults(&w, Some(0.1)).await;
    let report = sync(&w, false).await;
    dataverse_faults(&w, None).await;
    assert!(report.counts.deleted >= 1, "{:?}", report.counts);
    ids.retain(|id| *id != gone);
    assert_eq!(stored_contacts(&w), ids, "the deletion arrived through the faults");
    assert_eq!(person_with_contact(&w, &gone), None);
    assert!(person_with_contact(&w, &edited).is_some());
    let stats: Value =
        reqwest::get(format!("{}/stats", w.sb.endpoints().control_url)).await.unwrap().json().await.unwrap();
    assert!(
        stats["violations"].as_object().is_none_or(|v| v.is_empty()),
        "no limit violations: {}",
        stats["violations"]
    );
    let injected: u64 = stats["faults"]["dynamics"].as_object().unwrap().values().map(|v| v.as_u64().unwrap()).sum();
    assert!(injected >= 10, "faults were injected in both runs: {}", stats["faults"]);
    w.sb.shutdown().await;
}
