//! Campaign's email events to Dynamics 365 (seed 004; R18) against the sandbox: every delivery
//! and tracking log of a profile Liaison knows becomes one `lia_emailevent` regarding its contact
//! (type, time, delivery label, URL for clicks, the log's PKey as `lia_eventid`); runs again write
//! nothing new, an event after the last run is carried by the next one, and an event left
//! 'sending' by a kill is found in Dynamics instead of being written twice.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use liaison_core::campaign::{self, CampaignProgress, CampaignReport, CampaignRunOptions};
use liaison_core::connections::campaign::CampaignClient;
use liaison_core::connections::dataverse::DataverseClient;
use liaison_core::jobs::Control;
use liaison_core::runs::RunState;
use serde_json::{Value, json};

use common::campaign::{World, linked as world};

async fn run(w: &World) -> CampaignReport {
    let options = CampaignRunOptions { full: false, dynamics_page_size: 10, campaign_page_size: 3 };
    let report =
        campaign::run(&w.ws, &w.vault, options, &Control::default(), &|_: &CampaignProgress| {}).await.unwrap();
    assert_eq!(report.state, RunState::Succeeded, "{report:?}");
    assert_eq!(report.counts.errors, 0, "{report:?}");
    report
}

/// One email event as both sides should hold it: (event ID, type, time, delivery label, URL).
type Row = (String, String, i64, String, Option<String>);

fn unix(text: &str) -> i64 {
    let text = text.trim();
    let iso = format!("{}T{}", &text[..10], &text[11..]);
    time::OffsetDateTime::parse(&iso, &time::format_description::well_known::Rfc3339).unwrap().unix_timestamp()
}

/// The contacts Liaison linked to a profile: contact ID → profile PKey.
fn linked(w: &World) -> BTreeMap<String, String> {
    w.ws.store()
        .read(|c| {
            let mut stmt = c.prepare("SELECT contact_id, pkey FROM campaign_profiles WHERE pkey IS NOT NULL")?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })
        .unwrap()
}

/// Every email event in a profile's delivery and tracking logs, as Campaign lists them.
async fn logged(w: &World, profile: &str) -> BTreeSet<Row> {
    let client = CampaignClient::load(&w.ws, &w.vault, &w.campaign).unwrap();
    let mut out = BTreeSet::new();
    for collection in ["logs", "tracking"] {
        let mut page =
            client.get(&format!("profileAndServicesExt/profile/{profile}/{collection}?_lineCount=2")).await.unwrap();
        loop {
            for log in page["content"].as_array().unwrap() {
                let label = log["delivery"]["label"].as_str().unwrap().to_owned();
                let pkey = log["PKey"].as_str().unwrap().to_owned();
                let row = if collection == "logs" {
                    let kind = if log["status"] == "failed" { "bounced" } else { "sent" };
                    (pkey, kind.to_owned(), unix(log["eventDate"].as_str().unwrap()), label, None)
                } else {
                    let click = log["type"] == "click";
                    let url = click.then(|| log["url"]["source"].as_str().unwrap().to_owned());
                    let kind = if click { "clicked" } else { "opened" };
                    (pkey, kind.to_owned(), unix(log["logDate"].as_str().unwrap()), label, url)
                };
                out.insert(row);
            }
            match page["next"]["href"].as_str() {
                Some(next) => page = client.get_url(next).await.unwrap(),
                None => break,
            }
        }
    }
    out
}

/// Every `lia_emailevent` in Dynamics 365, by the contact it regards.
async fn activities(w: &World) -> BTreeMap<String, Vec<Row>> {
    let client = DataverseClient::load(&w.ws, &w.vault, &w.dynamics).unwrap();
    let mut page = client
        .get(
            "lia_emailevents?$select=activityid,subject,actualend,lia_eventtype,lia_url,lia_deliverylabel,lia_eventid,_regardingobjectid_value",
            &["odata.maxpagesize=5000"],
        )
        .await
        .unwrap();
    let mut out: BTreeMap<String, Vec<Row>> = BTreeMap::new();
    loop {
        for a in page["value"].as_array().unwrap() {
            let label = a["lia_deliverylabel"].as_str().unwrap().to_owned();
            assert!(a["subject"].as_str().unwrap().contains(&label), "{a}");
            out.entry(a["_regardingobjectid_value"].as_str().unwrap().to_owned()).or_default().push((
                a["lia_eventid"].as_str().unwrap().to_owned(),
                a["lia_eventtype"].as_str().unwrap().to_owned(),
                unix(a["actualend"].as_str().unwrap()),
                label,
                a["lia_url"].as_str().filter(|u| !u.is_empty()).map(str::to_owned),
            ));
        }
        match page["@odata.nextLink"].as_str() {
            Some(next) => page = client.get_url(next, &["odata.maxpagesize=5000"]).await.unwrap(),
            None => return out,
        }
    }
}

/// Each contact's activities match its profile's logs one to one; the number of events.
async fn check_timelines_match_the_logs(w: &World) -> u64 {
    let by_contact = activities(w).await;
    let linked = linked(w);
    assert!(!linked.is_empty());
    let mut total = 0;
    for (contact, profile) in &linked {
        let expected = logged(w, profile).await;
        let mut written = by_contact.get(contact).cloned().unwrap_or_default();
        written.sort();
        assert_eq!(written.len(), expected.len(), "contact {contact}: an event written twice or missing");
        assert_eq!(written.into_iter().collect::<BTreeSet<_>>(), expected, "contact {contact}");
        total += expected.len() as u64;
    }
    let regarded: u64 = by_contact.values().map(|v| v.len() as u64).sum();
    assert_eq!(regarded, total, "activities regarding contacts Liaison did not link");
    total
}

async fn inject(w: &World, body: Value) -> Value {
    let r = reqwest::Client::new()
        .post(format!("{}/campaign/events", w.sb.endpoints().control_url))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.text().await.unwrap());
    r.json().await.unwrap()
}

async fn email_of(w: &World, profile: &str) -> String {
    let client = CampaignClient::load(&w.ws, &w.vault, &w.campaign).unwrap();
    let p = client.get(&format!("profileAndServicesExt/profile/{profile}")).await.unwrap();
    let p = if p["PKey"].is_string() { p } else { p["content"][0].clone() };
    p["email"].as_str().unwrap().to_owned()
}

async fn count_with_event_id(w: &World, event_id: &str) -> usize {
    let client = DataverseClient::load(&w.ws, &w.vault, &w.dynamics).unwrap();
    let filter: String =
        url::form_urlencoded::byte_serialize(format!("lia_eventid eq '{event_id}'").as_bytes()).collect();
    let page = client.get(&format!("lia_emailevents?$select=activityid&$filter={filter}"), &[]).await.unwrap();
    page["value"].as_array().unwrap().len()
}

/// Three events (sent, opened, a click) of one delivery for every profile Liaison linked.
async fn inject_for_every_profile(w: &World, label: &str) -> u64 {
    let mut events = Vec::new();
    for profile in linked(w).values() {
        for (kind, url) in [("sent", None), ("opened", None), ("clicked", Some("https://www.example.com/a?b=c&d"))] {
            events.push(json!({"profile": profile, "type": kind, "label": label, "url": url}));
        }
    }
    let created = inject(w, Value::Array(events)).await;
    created["created"].as_array().unwrap().len() as u64
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r18_campaign_email_events_become_activities_on_the_contacts_timeline_once() {
    let w = world(40).await;
    let first = run(&w).await;
    // The sandbox's generated logs (of the profiles Campaign held before the first run).
    let generated = check_timelines_match_the_logs(&w).await;
    assert!(generated > 0, "the sandbox's generated logs hold events");
    assert_eq!(first.counts.events_logged, generated);
    let injected = inject_for_every_profile(&w, "Autumn “news” & offers").await;
    let second = run(&w).await;
    assert_eq!(second.counts.events_logged, injected, "{second:?}");
    let total = check_timelines_match_the_logs(&w).await;
    assert_eq!(total, generated + injected);
    // Every kind of event is carried, clicks with their URL.
    let kinds: BTreeSet<String> = activities(&w).await.values().flatten().map(|r| r.1.clone()).collect();
    for kind in ["sent", "opened", "clicked"] {
        assert!(kinds.contains(kind), "{kinds:?}");
    }
    let third = run(&w).await;
    assert_eq!(third.counts.events_logged, 0, "{third:?}");
    assert_eq!(check_timelines_match_the_logs(&w).await, total);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r18_an_event_after_the_last_run_is_carried_by_the_next_one() {
    let w = world(12).await;
    let first = run(&w).await;
    let (contact, profile) = linked(&w).into_iter().next().unwrap();
    let email = email_of(&w, &profile).await;
    let created = inject(
        &w,
        json!([
            {"email": email, "type": "bounced", "label": "Spring launch"},
            {"email": email, "type": "clicked", "label": "Spring launch", "url": "https://www.example.com/spring"}
        ]),
    )
    .await;
    let ids: Vec<String> =
        created["created"].as_array().unwrap().iter().map(|c| c["PKey"].as_str().unwrap().to_owned()).collect();
    assert_eq!(ids.len(), 2);
    let next = run(&w).await;
    assert_eq!(next.counts.events_logged, 2, "{next:?}");
    for id in &ids {
        assert_eq!(count_with_event_id(&w, id).await, 1);
    }
    let mine = activities(&w).await.remove(&contact).unwrap();
    assert!(mine.iter().any(|r| r.0 == ids[0] && r.1 == "bounced" && r.3 == "Spring launch"), "{mine:?}");
    assert!(
        mine.iter()
            .any(|r| r.0 == ids[1] && r.1 == "clicked" && r.4.as_deref() == Some("https://www.example.com/spring")),
        "{mine:?}"
    );
    assert_eq!(check_timelines_match_the_logs(&w).await, first.counts.events_logged + 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r18_an_event_left_sending_by_a_kill_is_found_again_not_written_twice() {
    let w = world(12).await;
    let first = run(&w).await;
    // As if the process had been killed after the POST and before 'written' was committed, with
    // every date mark gone so that the logs are read again.
    let event_id: String = w
        .ws
        .store()
        .write(|tx| {
            let id: String =
                tx.query_row("SELECT event_pkey FROM campaign_events ORDER BY event_pkey LIMIT 1", [], |r| r.get(0))?;
            tx.execute(
                "UPDATE campaign_events SET state = 'sending', activity_id = NULL WHERE event_pkey = ?1",
                [&id],
            )?;
            tx.execute("DELETE FROM campaign_event_marks", [])?;
            Ok(id)
        })
        .unwrap();
    assert_eq!(count_with_event_id(&w, &event_id).await, 1);
    let again = run(&w).await;
    assert_eq!(count_with_event_id(&w, &event_id).await, 1, "the event was written twice");
    // Found in Dynamics and counted as the write it was; nothing else written.
    assert_eq!(again.counts.events_logged, 1, "{again:?}");
    let state: (String, Option<String>) = w
        .ws
        .store()
        .read(|c| {
            Ok(c.query_row("SELECT state, activity_id FROM campaign_events WHERE event_pkey = ?1", [&event_id], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?)
        })
        .unwrap();
    assert_eq!(state.0, "written");
    assert!(state.1.is_some());
    assert_eq!(check_timelines_match_the_logs(&w).await, first.counts.events_logged);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r18_a_run_cancelled_among_the_events_is_continued_and_writes_each_event_once() {
    let w = world(20).await;
    run(&w).await;
    let injected = inject_for_every_profile(&w, "Winter sale").await;
    assert!(injected >= 10);
    let options = CampaignRunOptions { full: false, dynamics_page_size: 10, campaign_page_size: 3 };
    let control = Control::default();
    let cancel_at = std::sync::atomic::AtomicBool::new(false);
    let report = campaign::run(&w.ws, &w.vault, options.clone(), &control, &|p: &CampaignProgress| {
        if p.counts.events_logged >= 5 && !cancel_at.swap(true, std::sync::atomic::Ordering::SeqCst) {
            control.cancel();
        }
    })
    .await
    .unwrap();
    assert_eq!(report.state, RunState::Cancelled, "{report:?}");
    let continued = run(&w).await;
    assert!(continued.resumed);
    let total = check_timelines_match_the_logs(&w).await;
    // The counts carry over into the continued run: each injected event written once, in all.
    assert_eq!(continued.counts.events_logged, injected, "{continued:?}");
    assert!(total >= injected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r18_at_a_twenty_percent_fault_rate_in_dynamics_each_event_is_written_once() {
    let w = world(30).await;
    let first = run(&w).await;
    let injected = inject_for_every_profile(&w, "Faulty week").await;
    let control = w.sb.endpoints().control_url.clone();
    let faults = |body: Value| {
        let url = format!("{control}/faults");
        async move { assert!(reqwest::Client::new().post(url).json(&body).send().await.unwrap().status().is_success()) }
    };
    // A server error or a broken body answering a create leaves its outcome unknown: settled by
    // looking the event up, and sent again only when Dynamics does not hold it.
    faults(json!({"rate": 0.2, "kinds": ["server_error", "rate_limit", "expired_token", "malformed"], "systems": ["dynamics"]}))
        .await;
    // A profile to a group: each group's events are one `$batch`, so faults land on many.
    let options = CampaignRunOptions { full: false, dynamics_page_size: 10, campaign_page_size: 1 };
    let mut report = None;
    for _ in 0..5 {
        // A run the faults stop is continued by the next one.
        if let Ok(r) =
            campaign::run(&w.ws, &w.vault, options.clone(), &Control::default(), &|_: &CampaignProgress| {}).await
            && r.state == RunState::Succeeded
        {
            report = Some(r);
            break;
        }
    }
    let injected_faults: u64 =
        reqwest::get(format!("{control}/stats")).await.unwrap().json::<Value>().await.unwrap()["faults"]["dynamics"]
            .as_object()
            .map(|m| m.values().filter_map(Value::as_u64).sum())
            .unwrap_or(0);
    faults(json!({"rate": 0.0, "clear": true})).await;
    let report = report.expect("a run succeeded");
    assert!(injected_faults >= 5, "faults were injected: {injected_faults}");
    assert_eq!(report.counts.errors, 0, "{report:?}");
    assert_eq!(check_timelines_match_the_logs(&w).await, first.counts.events_logged + injected);
    let again = run(&w).await;
    assert_eq!(again.counts.events_logged, 0, "{again:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r18_a_run_dropped_while_an_event_is_being_sent_is_continued_without_writing_it_twice() {
    let w = world(20).await;
    let first = run(&w).await;
    let injected = inject_for_every_profile(&w, "Dropped mid-way").await;
    // Slow the systems down so the kill lands while a create is in flight ('sending' committed).
    w.sb.update_settings(|s| s.latency_ms = 20);
    let sending = || {
        w.ws.store()
            .read(
                |c| Ok(c.query_row("SELECT count(*) FROM campaign_events WHERE state = 'sending'", [], |r| r.get(0))?),
            )
            .unwrap()
    };
    let options = CampaignRunOptions { full: false, dynamics_page_size: 10, campaign_page_size: 3 };
    let control = Control::default();
    let left_sending: Option<String> = {
        let run = campaign::run(&w.ws, &w.vault, options, &control, &|_: &CampaignProgress| {});
        tokio::pin!(run);
        loop {
            tokio::select! {
                r = &mut run => panic!("the run ended before it could be dropped: {r:?}"),
                _ = tokio::time::sleep(std::time::Duration::from_millis(2)) => {
                    let n: i64 = sending();
                    if n > 0 {
                        break w.ws.store().read(|c| Ok(c.query_row(
                            "SELECT event_pkey FROM campaign_events WHERE state = 'sending'", [], |r| r.get(0))?)).ok();
                    }
                }
            }
        }
    };
    let left_sending = left_sending.expect("an event was left 'sending'");
    w.sb.update_settings(|s| s.latency_ms = 0);
    // As if the process had died: its heartbeat goes stale.
    w.ws.store()
        .write(|tx| {
            tx.execute("UPDATE campaign_runs SET heartbeat_at = '2000-01-01T00:00:00Z'", [])?;
            Ok(())
        })
        .unwrap();
    let resumed = run(&w).await;
    assert!(resumed.resumed, "{resumed:?}");
    assert_eq!(count_with_event_id(&w, &left_sending).await, 1, "the event in flight is written once");
    let left: i64 = sending();
    assert_eq!(left, 0);
    assert_eq!(check_timelines_match_the_logs(&w).await, first.counts.events_logged + injected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r18_an_event_campaign_lists_late_with_an_earlier_date_is_carried_but_not_one_older_than_the_mark_s_grace() {
    let w = world(12).await;
    let (contact, profile) = {
        run(&w).await;
        linked(&w).into_iter().next().unwrap()
    };
    inject(&w, json!({"profile": profile, "type": "opened", "label": "Now"})).await;
    assert_eq!(run(&w).await.counts.events_logged, 1);
    let mark: String =
        w.ws.store()
            .read(|c| {
                Ok(c.query_row(
                    "SELECT newest FROM campaign_event_marks WHERE profile_pkey = ?1 AND collection = 'tracking'",
                    [&profile],
                    |r| r.get(0),
                )?)
            })
            .unwrap();
    let before = |secs: i64| {
        let at = time::OffsetDateTime::from_unix_timestamp(unix(&mark) - secs).unwrap();
        at.format(&time::format_description::well_known::Rfc3339).unwrap()
    };
    // An open an hour before the newest event carried, listed only now; and one 30 days before.
    let created = inject(
        &w,
        json!([
            {"profile": profile, "type": "opened", "label": "Late open", "at": before(3600)},
            {"profile": profile, "type": "opened", "label": "Ancient open", "at": before(30 * 86_400)},
        ]),
    )
    .await;
    let late = created["created"][0]["PKey"].as_str().unwrap().to_owned();
    let ancient = created["created"][1]["PKey"].as_str().unwrap().to_owned();
    let next = run(&w).await;
    assert_eq!(next.counts.events_logged, 1, "{next:?}");
    assert_eq!(count_with_event_id(&w, &late).await, 1);
    assert_eq!(count_with_event_id(&w, &ancient).await, 0, "logs older than the mark's grace are not read again");
    let mine = activities(&w).await.remove(&contact).unwrap();
    assert!(mine.iter().any(|r| r.0 == late && r.1 == "opened" && r.2 == unix(&mark) - 3600), "{mine:?}");
    assert_eq!(run(&w).await.counts.events_logged, 0);
}
