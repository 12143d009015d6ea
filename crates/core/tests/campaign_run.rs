//! Contacts from Dynamics 365 to Adobe Campaign profiles (seed 004; R17, R19) against the
//! sandbox: a first run that learns the existing profiles and creates the rest once, incremental
//! runs that write only what changed, Campaign-side edits put back and counted, an email change
//! that updates its profile, a cancelled run continued without creating anything twice (with a
//! create whose outcome was unknown settled by lookup), and opt-outs reaching `blackListEmail`.

mod common;

use std::collections::BTreeMap;

use liaison_core::campaign::{self, CampaignProgress, CampaignRunOptions, KEY_FIELD};
use liaison_core::connections::campaign::CampaignClient;
use liaison_core::connections::dataverse::DataverseClient;
use liaison_core::connections::dynamics::{self};
use liaison_core::jobs::Control;
use liaison_core::runs::RunState;
use serde_json::{Value, json};

use common::campaign::{World, contacts, edit, linked as world, options, profiles, profiles_of, run, stats};

/// Campaign writes so far (POSTs and PATCHes of profiles).
async fn campaign_writes(w: &World) -> u64 {
    stats(w).await["calls"]["campaign"]
        .as_object()
        .map(|m| {
            m.iter()
                .filter(|(k, _)| (k.starts_with("POST ") || k.starts_with("PATCH ")) && k.contains("profile"))
                .map(|(_, v)| v.as_u64().unwrap_or(0))
                .sum()
        })
        .unwrap_or(0)
}

async fn profile_count(w: &World) -> u64 {
    stats(w).await["dataset"]["campaign_profiles"].as_u64().unwrap()
}

/// How many contacts a first run must create: those with no profile linked to them by contact
/// ID and none unlinked with their email.
fn expected_creates(contacts: &BTreeMap<String, Value>, profiles: &[Value]) -> u64 {
    expected_matches(contacts, profiles).0
}

/// (contacts to create, contacts matched to an unlinked profile by email).
fn expected_matches(contacts: &BTreeMap<String, Value>, profiles: &[Value]) -> (u64, u64) {
    let mut unlinked_by_email: BTreeMap<String, usize> = BTreeMap::new();
    for p in profiles.iter().filter(|p| p[KEY_FIELD].as_str().unwrap_or_default().is_empty()) {
        *unlinked_by_email.entry(p["email"].as_str().unwrap_or_default().trim().to_lowercase()).or_default() += 1;
    }
    let (mut created, mut by_email) = (0, 0);
    for (id, c) in contacts {
        if !profiles_of(profiles, id).is_empty() {
            continue;
        }
        let email = c["emailaddress1"].as_str().unwrap_or_default().trim().to_lowercase();
        match unlinked_by_email.get_mut(&email) {
            Some(n) if *n > 0 && email.contains('@') => {
                *n -= 1;
                by_email += 1;
            }
            _ => created += 1,
        }
    }
    (created, by_email)
}

fn check_every_contact_has_one_profile_with_its_values(contacts: &BTreeMap<String, Value>, profiles: &[Value]) {
    for (id, c) in contacts {
        let found = profiles_of(profiles, id);
        assert_eq!(found.len(), 1, "contact {id} has {} profiles", found.len());
        let p = found[0];
        assert_eq!(p["email"].as_str().unwrap_or_default(), c["emailaddress1"].as_str().unwrap_or_default());
        assert_eq!(p["firstName"].as_str().unwrap_or_default(), c["firstname"].as_str().unwrap_or_default());
        assert_eq!(p["cusJobTitle"].as_str().unwrap_or_default(), c["jobtitle"].as_str().unwrap_or_default());
        let refused = c["donotbulkemail"].as_bool() == Some(true) || c["donotemail"].as_bool() == Some(true);
        assert_eq!(p["blackListEmail"].as_bool(), Some(refused), "R19 for {id}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r17_a_first_run_creates_a_profile_per_contact_with_the_contact_id_and_a_second_run_writes_nothing() {
    let w = world(40).await;
    let org = contacts(&w).await;
    // A profile someone made in Campaign with a contact's email, before any link existed.
    let existing = profiles(&w).await;
    let (lone, contact) = org
        .iter()
        .find(|(id, c)| {
            profiles_of(&existing, id).is_empty() && c["emailaddress1"].as_str().is_some_and(|e| e.contains('@'))
        })
        .unwrap();
    let client = CampaignClient::load(&w.ws, &w.vault, &w.campaign).unwrap();
    let made = client
        .post(
            "profileAndServicesExt/profile",
            &json!({"email": contact["emailaddress1"], "firstName": "Typed by hand"}),
        )
        .await
        .unwrap();
    let before = profiles(&w).await;
    let (expected, by_email) = expected_matches(&org, &before);
    assert!(expected > 0 && expected < org.len() as u64, "some contacts have profiles already: {expected}");
    assert!(by_email > 0, "some profiles are found by email only");
    let count0 = profile_count(&w).await;

    let first = run(&w).await;
    assert!(first.full && !first.resumed);
    assert_eq!(first.counts.profiles_created, expected, "{:?}", first.counts);
    // A profile found by email gets the contact ID written to it.
    assert!(first.counts.profiles_updated >= by_email, "{:?}", first.counts);
    assert_eq!(first.counts.errors, 0);
    assert_eq!(
        first.counts.profiles_created + first.counts.profiles_updated + first.counts.unchanged,
        org.len() as u64,
        "{:?}",
        first.counts
    );
    assert_eq!(first.counts.overwritten, 0, "nothing was written by Liaison before");
    assert!(first.counts.calls > 0);
    assert_eq!(profile_count(&w).await, count0 + expected);
    let after = profiles(&w).await;
    check_every_contact_has_one_profile_with_its_values(&org, &after);
    assert_eq!(profiles_of(&after, lone)[0]["PKey"], made["PKey"], "the profile found by email is the contact's");

    let writes = campaign_writes(&w).await;
    let second = run(&w).await;
    assert!(!second.full);
    assert_eq!(
        (second.counts.profiles_created, second.counts.profiles_updated, second.counts.overwritten),
        (0, 0, 0),
        "{:?}",
        second.counts
    );
    assert_eq!(campaign_writes(&w).await, writes, "no write to Campaign");
    assert_eq!(profile_count(&w).await, count0 + expected);
    let history = campaign::history(w.ws.store(), 10).unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!((history[0].id.as_str(), history[0].full), (second.run_id.as_str(), false));
    assert_eq!(history[1].counts, first.counts);
    w.sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r17_an_attribute_edited_in_campaign_is_put_back_by_the_next_run_and_counted_as_overwritten() {
    let w = world(30).await;
    run(&w).await;
    let org = contacts(&w).await;
    let all = profiles(&w).await;
    let mut ids = org.keys();
    let (only_campaign, both) = (ids.next().unwrap().clone(), ids.next().unwrap().clone());
    let pkey = |id: &str| profiles_of(&all, id)[0]["PKey"].as_str().unwrap().to_owned();

    // An edit made only in Campaign, on a contact Dynamics did not change: found by listing the
    // profiles changed since the last run.
    edit(&w, json!({"system": "campaign", "id": pkey(&only_campaign), "fields": {"firstName": "EditedInCampaign"}}))
        .await;
    let report = run(&w).await;
    assert_eq!((report.counts.overwritten, report.counts.profiles_updated), (1, 1), "{:?}", report.counts);
    let now = profiles(&w).await;
    let p = profiles_of(&now, &only_campaign)[0];
    assert_eq!(
        p["firstName"].as_str().unwrap_or_default(),
        org[&only_campaign]["firstname"].as_str().unwrap_or_default()
    );

    // An edit in Campaign and a change in Dynamics on the same contact: Dynamics wins both fields.
    edit(&w, json!({"system": "campaign", "id": pkey(&both), "fields": {"lastName": "EditedInCampaign"}})).await;
    edit(&w, json!({"system": "dynamics", "id": both, "fields": {"jobtitle": "Chief Liaison"}})).await;
    let report = run(&w).await;
    assert_eq!((report.counts.overwritten, report.counts.profiles_updated), (1, 1), "{:?}", report.counts);
    let now = profiles(&w).await;
    let p = profiles_of(&now, &both)[0];
    assert_eq!(p["lastName"].as_str().unwrap_or_default(), org[&both]["lastname"].as_str().unwrap_or_default());
    assert_eq!(p["cusJobTitle"].as_str(), Some("Chief Liaison"));

    // A change in Dynamics alone is an update, not an overwrite.
    edit(&w, json!({"system": "dynamics", "id": both, "fields": {"jobtitle": "Chief Liaison II"}})).await;
    let report = run(&w).await;
    assert_eq!((report.counts.overwritten, report.counts.profiles_updated), (0, 1), "{:?}", report.counts);
    w.sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r17_a_contact_whose_email_changes_updates_its_profile_instead_of_creating_another() {
    let w = world(30).await;
    run(&w).await;
    let org = contacts(&w).await;
    let id = org.keys().next().unwrap().clone();
    let count = profile_count(&w).await;
    edit(&w, json!({"system": "dynamics", "id": id, "fields": {"emailaddress1": "moved.on@example.org"}})).await;
    let report = run(&w).await;
    assert_eq!((report.counts.profiles_created, report.counts.profiles_updated), (0, 1), "{:?}", report.counts);
    assert_eq!(profile_count(&w).await, count, "no second profile");
    let now = profiles(&w).await;
    let found = profiles_of(&now, &id);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0]["email"].as_str(), Some("moved.on@example.org"));
    w.sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_run_is_continued_and_creates_no_profile_twice() {
    let w = world(40).await;
    let org = contacts(&w).await;
    let before = profiles(&w).await;
    let expected = expected_creates(&org, &before);
    let count0 = profile_count(&w).await;

    // Cancelled once the first page of contacts was written: it stops at the next contact.
    let control = Control::default();
    let progress = |p: &CampaignProgress| {
        if p.counts.profiles_created + p.counts.profiles_updated + p.counts.unchanged >= 10 {
            control.cancel();
        }
    };
    let stopped = campaign::run(&w.ws, &w.vault, options(), &control, &progress).await.unwrap();
    assert_eq!(stopped.state, RunState::Cancelled);
    let done = stopped.counts.profiles_created + stopped.counts.profiles_updated + stopped.counts.unchanged;
    assert!(done >= 10 && done < org.len() as u64, "{:?}", stopped.counts);

    // A kill right after Campaign created a profile: the create is recorded without its PKey.
    // The next run settles it by looking the profile up, and creates nothing for it again.
    let written: Vec<String> =
        w.ws.store()
            .read(|c| {
                let mut s = c.prepare("SELECT contact_id FROM campaign_profiles")?;
                Ok(s.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<Vec<String>>>()?)
            })
            .unwrap();
    let (pending, contact) = org
        .iter()
        .find(|(id, c)| {
            !written.contains(id)
                && profiles_of(&before, id).is_empty()
                && !before.iter().any(|p| {
                    p["email"]
                        .as_str()
                        .unwrap_or_default()
                        .eq_ignore_ascii_case(c["emailaddress1"].as_str().unwrap_or("-"))
                })
        })
        .expect("a contact not yet written that needs a profile");
    let client = CampaignClient::load(&w.ws, &w.vault, &w.campaign).unwrap();
    let text = |k: &str| contact[k].as_str().unwrap_or_default().to_owned();
    client
        .post(
            "profileAndServicesExt/profile",
            &json!({
                KEY_FIELD: pending, "email": text("emailaddress1"), "firstName": text("firstname"),
                "lastName": text("lastname"), "phone": text("telephone1"), "location_city": text("address1_city"),
                "cusJobTitle": text("jobtitle"),
                "blackListEmail": contact["donotbulkemail"].as_bool() == Some(true) || contact["donotemail"].as_bool() == Some(true),
            }),
        )
        .await
        .unwrap();
    w.ws.store()
        .write(|tx| {
            tx.execute(
                "INSERT INTO campaign_profiles (campaign_connection, contact_id, pkey, values_hash, written_at)
                 VALUES (?1, ?2, NULL, 'in flight', '2026-12-07T00:00:00Z')",
                [&w.campaign, pending],
            )?;
            Ok(())
        })
        .unwrap();

    let resumed =
        campaign::run(&w.ws, &w.vault, options(), &Control::default(), &|_: &CampaignProgress| {}).await.unwrap();
    assert_eq!(resumed.state, RunState::Succeeded);
    assert!(resumed.resumed && resumed.full);
    assert_eq!(resumed.run_id, stopped.run_id, "the same run, continued");
    assert_eq!(
        resumed.counts.profiles_created,
        expected - 1,
        "the settled create is not made again: {:?}",
        resumed.counts
    );
    assert_eq!(profile_count(&w).await, count0 + expected, "no profile created twice");
    check_every_contact_has_one_profile_with_its_values(&org, &profiles(&w).await);
    let history = campaign::history(w.ws.store(), 10).unwrap();
    assert_eq!(history.len(), 1);
    w.sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r19_an_opt_out_in_dynamics_reaches_campaign_s_blacklist_email() {
    let w = world(30).await;
    run(&w).await;
    let org = contacts(&w).await;
    check_every_contact_has_one_profile_with_its_values(&org, &profiles(&w).await);
    let mut open = org
        .iter()
        .filter(|(_, c)| c["donotbulkemail"].as_bool() != Some(true) && c["donotemail"].as_bool() != Some(true))
        .map(|(id, _)| id.clone());
    let (bulk, any) = (open.next().unwrap(), open.next().unwrap());
    edit(&w, json!({"system": "dynamics", "id": bulk, "fields": {"donotbulkemail": true}})).await;
    edit(&w, json!({"system": "dynamics", "id": any, "fields": {"donotemail": true}})).await;
    let report = run(&w).await;
    assert_eq!(report.counts.profiles_updated, 2, "{:?}", report.counts);
    let now = profiles(&w).await;
    for id in [&bulk, &any] {
        assert_eq!(profiles_of(&now, id)[0]["blackListEmail"].as_bool(), Some(true), "{id}");
    }
    // Opting in again in Dynamics lifts it.
    edit(&w, json!({"system": "dynamics", "id": bulk, "fields": {"donotbulkemail": false}})).await;
    run(&w).await;
    assert_eq!(profiles_of(&profiles(&w).await, &bulk)[0]["blackListEmail"].as_bool(), Some(false));
    w.sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r17_a_contact_removed_in_dynamics_keeps_its_profile_and_is_counted() {
    let w = world(30).await;
    run(&w).await;
    let org = contacts(&w).await;
    let gone = org.keys().next().unwrap().clone();
    let client = DataverseClient::load(&w.ws, &w.vault, &w.dynamics).unwrap();
    let token = {
        let [access, _] = dynamics::secret_names(&w.dynamics);
        use secrecy::ExposeSecret;
        w.vault.get(&access).unwrap().unwrap().expose_secret().to_owned()
    };
    let r = reqwest::Client::new()
        .delete(format!("{}/api/data/v9.2/contacts({gone})", client.org_url()))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.status());
    let count = profile_count(&w).await;
    let report = run(&w).await;
    assert_eq!(report.counts.removed_in_dynamics, 1, "{:?}", report.counts);
    assert_eq!(profile_count(&w).await, count, "the profile stays");
    assert_eq!(profiles_of(&profiles(&w).await, &gone).len(), 1);
    w.sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn campaign_s_rate_limit_is_waited_out_and_no_profile_is_created_twice() {
    let w = world(40).await;
    let org = contacts(&w).await;
    let expected = expected_creates(&org, &profiles(&w).await);
    let count0 = profile_count(&w).await;
    w.sb.update_settings(|s| {
        s.campaign_rate_limit = 8;
        s.campaign_rate_window_secs = 1;
    });
    let report = run(&w).await;
    let refused = stats(&w).await["violations"]["campaign"]["429"].as_u64().unwrap_or(0);
    assert!(refused > 0, "the limit was reached");
    assert_eq!((report.counts.profiles_created, report.counts.errors), (expected, 0), "{:?}", report.counts);
    assert_eq!(profile_count(&w).await, count0 + expected);
    w.sb.update_settings(|s| s.campaign_rate_limit = 0);
    check_every_contact_has_one_profile_with_its_values(&org, &profiles(&w).await);
    w.sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_a_twenty_percent_fault_rate_campaign_ends_with_one_profile_per_contact() {
    let w = world(80).await;
    let org = contacts(&w).await;
    let expected = expected_creates(&org, &profiles(&w).await);
    let count0 = profile_count(&w).await;
    // Server errors and broken bodies leave a create's outcome unknown: settled by lookup.
    let r = reqwest::Client::new()
        .post(format!("{}/faults", w.sb.endpoints().control_url))
        .json(&json!({"rate": 0.2, "kinds": ["server_error", "rate_limit", "expired_token", "malformed"], "systems": ["campaign"]}))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    let report = run(&w).await;
    let faults: u64 = stats(&w).await["faults"]["campaign"]
        .as_object()
        .map(|m| m.values().filter_map(Value::as_u64).sum())
        .unwrap_or(0);
    assert!(faults >= 5, "faults were injected: {faults}");
    reqwest::Client::new()
        .post(format!("{}/faults", w.sb.endpoints().control_url))
        .json(&json!({"rate": 0.0, "clear": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(report.counts.errors, 0, "{:?}", report.counts);
    assert_eq!(profile_count(&w).await, count0 + expected, "no profile created twice");
    check_every_contact_has_one_profile_with_its_values(&org, &profiles(&w).await);
    w.sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_value_campaign_refuses_is_recorded_for_its_contact_and_the_run_goes_on() {
    let w = world(30).await;
    run(&w).await;
    let org = contacts(&w).await;
    let mut ids = org.keys();
    let (bad, good) = (ids.next().unwrap().clone(), ids.next().unwrap().clone());
    // Campaign refuses an email address without "@"; Dynamics kept it.
    edit(&w, json!({"system": "dynamics", "id": bad, "fields": {"emailaddress1": "not-an-address"}})).await;
    edit(&w, json!({"system": "dynamics", "id": good, "fields": {"firstname": "Still Written"}})).await;
    let report =
        campaign::run(&w.ws, &w.vault, options(), &Control::default(), &|_: &CampaignProgress| {}).await.unwrap();
    assert_eq!(report.state, RunState::Succeeded);
    assert_eq!((report.counts.errors, report.counts.profiles_updated), (1, 1), "{:?}", report.counts);
    let errors = campaign::record_errors(w.ws.store(), &report.run_id, 10).unwrap();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].contact_id, bad);
    assert!(errors[0].message.as_str().contains("not-an-address"), "{:?}", errors[0].message);
    let now = profiles(&w).await;
    assert_eq!(profiles_of(&now, &good)[0]["firstName"].as_str(), Some("Still Written"));
    assert_eq!(profiles_of(&now, &bad)[0]["email"].as_str(), org[&bad]["emailaddress1"].as_str(), "left as it was");
    w.sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_contact_created_in_dynamics_after_the_first_run_gets_one_profile() {
    let w = world(30).await;
    run(&w).await;
    let client = DataverseClient::load(&w.ws, &w.vault, &w.dynamics).unwrap();
    let body = json!({"firstname": "Nova", "lastname": "Lee", "emailaddress1": "nova.lee@example.net", "donotbulkemail": true});
    client.post("contacts", &body, &[]).await.unwrap();
    let count = profile_count(&w).await;
    let report = run(&w).await;
    assert_eq!((report.counts.profiles_created, report.counts.profiles_updated), (1, 0), "{:?}", report.counts);
    assert_eq!(profile_count(&w).await, count + 1);
    let now = profiles(&w).await;
    let p = now.iter().find(|p| p["email"] == "nova.lee@example.net").unwrap();
    assert!(!p[KEY_FIELD].as_str().unwrap().is_empty());
    assert_eq!((p["firstName"].as_str(), p["blackListEmail"].as_bool()), (Some("Nova"), Some(true)));
    assert_eq!(run(&w).await.counts.profiles_created, 0);
    w.sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_dropped_mid_way_is_not_run_twice_while_live_and_is_continued_once_it_is_stale() {
    let w = world(40).await;
    let org = contacts(&w).await;
    let expected = expected_creates(&org, &profiles(&w).await);
    let count0 = profile_count(&w).await;
    // Slow Campaign down so the kill lands in the middle of the contacts.
    w.sb.update_settings(|s| s.latency_ms = 20);
    let written = std::sync::atomic::AtomicBool::new(false);
    let progress = |p: &CampaignProgress| {
        if p.counts.profiles_created + p.counts.profiles_updated + p.counts.unchanged > 0 {
            written.store(true, std::sync::atomic::Ordering::SeqCst);
        }
    };
    let control = Control::default();
    let killed = {
        let run = campaign::run(&w.ws, &w.vault, options(), &control, &progress);
        tokio::pin!(run);
        loop {
            tokio::select! {
                _ = &mut run => break false,
                _ = tokio::time::sleep(std::time::Duration::from_millis(5)) => {
                    if written.load(std::sync::atomic::Ordering::SeqCst) { break true; }
                }
            }
        }
    };
    assert!(killed, "the run was dropped before its end");
    w.sb.update_settings(|s| s.latency_ms = 0);
    // Its heartbeat is fresh and its process alive: a second run is refused.
    let refused = campaign::run(&w.ws, &w.vault, options(), &Control::default(), &|_: &CampaignProgress| {}).await;
    assert_eq!(refused.unwrap_err().code, liaison_core::ErrorCode::Conflict);
    w.ws.store()
        .write(|tx| {
            tx.execute("UPDATE campaign_runs SET heartbeat_at = '2000-01-01T00:00:00Z'", [])?;
            Ok(())
        })
        .unwrap();
    let resumed = run(&w).await;
    assert!(resumed.resumed && resumed.full, "{resumed:?}");
    assert_eq!(profile_count(&w).await, count0 + expected, "no profile created twice");
    check_every_contact_has_one_profile_with_its_values(&org, &profiles(&w).await);
    w.sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn starting_from_an_empty_campaign_an_edit_there_after_the_first_run_is_still_put_back() {
    let w = world(20).await;
    // Empty Campaign first, with the connection's own token.
    let tokens: Value =
        reqwest::get(format!("{}/tokens", w.sb.endpoints().control_url)).await.unwrap().json().await.unwrap();
    let token = tokens["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .find(|t| t["system"] == "campaign" && t["kind"] == "access")
        .map(|t| t["token"].as_str().unwrap().to_owned())
        .expect("a Campaign token");
    let e = w.sb.endpoints().campaign.clone();
    for p in profiles(&w).await {
        let url = format!(
            "{}/{}/campaign/profileAndServicesExt/profile/{}",
            e.base_url,
            e.org_id,
            p["PKey"].as_str().unwrap()
        );
        let r = reqwest::Client::new()
            .delete(url)
            .bearer_auth(&token)
            .header("X-Api-Key", &e.client_id)
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "{}", r.status());
    }
    assert_eq!(profile_count(&w).await, 0);
    let org = contacts(&w).await;
    let first = run(&w).await;
    assert_eq!(first.counts.profiles_created, org.len() as u64);
    let id = org.keys().next().unwrap();
    let pkey = profiles_of(&profiles(&w).await, id)[0]["PKey"].as_str().unwrap().to_owned();
    edit(&w, json!({"system": "campaign", "id": pkey, "fields": {"cusJobTitle": "Edited in Campaign"}})).await;
    let report = run(&w).await;
    assert_eq!((report.counts.overwritten, report.counts.profiles_updated), (1, 1), "{:?}", report.counts);
    assert_eq!(
        profiles_of(&profiles(&w).await, id)[0]["cusJobTitle"].as_str().unwrap_or_default(),
        org[id]["jobtitle"].as_str().unwrap_or_default()
    );
    w.sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_run_again_or_an_expired_delta_token_reads_every_contact_and_writes_nothing_unchanged() {
    let w = world(30).await;
    run(&w).await;
    let org = contacts(&w).await;
    let writes = campaign_writes(&w).await;
    let full = CampaignRunOptions { full: true, ..options() };
    let again = campaign::run(&w.ws, &w.vault, full, &Control::default(), &|_: &CampaignProgress| {}).await.unwrap();
    assert!(again.full);
    assert_eq!((again.counts.unchanged, again.counts.profiles_created), (org.len() as u64, 0), "{:?}", again.counts);
    // Dataverse keeps changes for 30 days: past that the delta token is refused and every
    // contact is read again.
    w.sb.update_settings(|s| s.dynamics_change_tracking_days = 1);
    let r = reqwest::Client::new()
        .post(format!("{}/clock", w.sb.endpoints().control_url))
        .json(&json!({"advance_secs": 2 * 86_400}))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    let expired = run(&w).await;
    assert!(expired.full, "{expired:?}");
    assert_eq!(expired.counts.unchanged, org.len() as u64, "{:?}", expired.counts);
    assert_eq!(campaign_writes(&w).await, writes, "nothing written that had not changed");
    w.sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_change_tracking_on_contacts_the_run_says_how_to_turn_it_on() {
    let w = world(10).await;
    w.sb.update_settings(|s| s.dynamics_contacts_change_tracking = false);
    let err =
        campaign::run(&w.ws, &w.vault, options(), &Control::default(), &|_: &CampaignProgress| {}).await.unwrap_err();
    assert_eq!(err.code, liaison_core::ErrorCode::Conflict);
    assert!(err.message.render(liaison_core::Lang::En).contains("Track changes"), "{:?}", err.message);
    assert!(err.message.render(liaison_core::Lang::Ja).contains("変更の追跡"));
    let history = campaign::history(w.ws.store(), 5).unwrap();
    assert_eq!(history[0].state, RunState::Failed);
    assert!(history[0].error.as_ref().is_some_and(|e| e.as_str().contains("Track changes")));
    w.sb.shutdown().await;
}
