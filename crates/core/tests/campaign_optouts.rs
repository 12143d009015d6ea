//! Opt-outs between Dynamics 365 and Adobe Campaign (seed 004; R19) against the sandbox, in each
//! direction the link may name: an unsubscribe made in Campaign reaches Dynamics's
//! `donotbulkemail` (and is not put back) or is put back, Dynamics's opt-outs reach Campaign or
//! not, both ways the most recent change wins with the conflict recorded (and, before anything is
//! remembered, the refusal), `donotemail` is only read, and a run cancelled among Campaign's
//! edits writes each opt-out to Dynamics once.

mod common;

use std::collections::BTreeMap;

use liaison_core::campaign::{self, CampaignPhase, CampaignProgress, CampaignReport, OptOutDirection, OptOutSide};
use liaison_core::jobs::Control;
use liaison_core::runs::RunState;
use serde_json::{Value, json};

use common::campaign::{World, contacts, edit, linked_with, options, profiles, profiles_of, run, stats};

/// Contacts refusing no email, by ID.
fn open(org: &BTreeMap<String, Value>) -> Vec<String> {
    org.iter()
        .filter(|(_, c)| c["donotbulkemail"].as_bool() != Some(true) && c["donotemail"].as_bool() != Some(true))
        .map(|(id, _)| id.clone())
        .collect()
}

/// The contact's profile as Campaign holds it now.
async fn profile(w: &World, contact_id: &str) -> Value {
    let all = profiles(w).await;
    let found = profiles_of(&all, contact_id);
    assert_eq!(found.len(), 1, "contact {contact_id} has {} profiles", found.len());
    found[0].clone()
}

async fn pkey(w: &World, contact_id: &str) -> String {
    profile(w, contact_id).await["PKey"].as_str().unwrap().to_owned()
}

async fn contact(w: &World, contact_id: &str) -> Value {
    contacts(w).await.remove(contact_id).unwrap()
}

async fn edit_profile(w: &World, contact_id: &str, fields: Value) {
    edit(w, json!({"system": "campaign", "id": pkey(w, contact_id).await, "fields": fields})).await;
}

async fn edit_contact(w: &World, contact_id: &str, fields: Value) {
    edit(w, json!({"system": "dynamics", "id": contact_id, "fields": fields})).await;
}

/// PATCHes of contacts Dynamics received so far.
async fn contact_writes(w: &World) -> u64 {
    stats(w).await["calls"]["dynamics"]
        .as_object()
        .map(|m| {
            m.iter()
                .filter(|(k, _)| k.starts_with("PATCH ") && k.contains("contacts"))
                .filter_map(|(_, v)| v.as_u64())
                .sum()
        })
        .unwrap_or(0)
}

/// Moves the sandbox's clock on, so the next edit is later than the previous one.
async fn later(w: &World) {
    let r = reqwest::Client::new()
        .post(format!("{}/clock", w.sb.endpoints().control_url))
        .json(&json!({"advance_secs": 120}))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r19_an_unsubscribe_in_campaign_reaches_dynamics_and_is_not_put_back() {
    let w = linked_with(30, OptOutDirection::CampaignToDynamics).await;
    run(&w).await;
    let org = contacts(&w).await;
    let id = open(&org)[0].clone();
    let first_name = org[&id]["firstname"].as_str().unwrap_or_default().to_owned();

    // The unsubscribe and an edit of a mapped field, in Campaign.
    edit_profile(&w, &id, json!({"blackListEmail": true, "firstName": "EditedInCampaign"})).await;
    let report = run(&w).await;
    let c = report.counts;
    assert_eq!((c.optouts_to_dynamics, c.optouts_to_campaign, c.overwritten), (1, 0, 1), "{c:?}");
    assert_eq!(contact(&w, &id).await["donotbulkemail"].as_bool(), Some(true), "Campaign's opt-out reached Dynamics");
    let p = profile(&w, &id).await;
    assert_eq!(p["blackListEmail"].as_bool(), Some(true), "the opt-out is not put back");
    assert_eq!(p["firstName"].as_str().unwrap_or_default(), first_name, "the mapped field is put back (R17)");

    // Nothing moves again: the contact Liaison wrote comes back in the delta, unchanged.
    let writes = contact_writes(&w).await;
    let again = run(&w).await.counts;
    assert_eq!((again.optouts_to_dynamics, again.profiles_updated, again.overwritten), (0, 0, 0), "{again:?}");
    assert_eq!(contact_writes(&w).await, writes);

    // Subscribing again in Campaign is carried too.
    edit_profile(&w, &id, json!({"blackListEmail": false})).await;
    assert_eq!(run(&w).await.counts.optouts_to_dynamics, 1);
    assert_eq!(contact(&w, &id).await["donotbulkemail"].as_bool(), Some(false));
    w.sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r19_dynamics_to_campaign_ignores_an_unsubscribe_made_in_campaign() {
    let w = linked_with(30, OptOutDirection::DynamicsToCampaign).await;
    run(&w).await;
    let id = open(&contacts(&w).await)[0].clone();
    let writes = contact_writes(&w).await;
    edit_profile(&w, &id, json!({"blackListEmail": true})).await;
    let c = run(&w).await.counts;
    assert_eq!(
        (c.overwritten, c.profiles_updated, c.optouts_to_campaign, c.optouts_to_dynamics),
        (1, 1, 0, 0),
        "{c:?}"
    );
    assert_eq!(profile(&w, &id).await["blackListEmail"].as_bool(), Some(false), "put back");
    assert_eq!(contact(&w, &id).await["donotbulkemail"].as_bool(), Some(false));
    assert_eq!(contact_writes(&w).await, writes, "Dynamics is not written");

    // Dynamics's own opt-out reaches Campaign and is counted.
    edit_contact(&w, &id, json!({"donotbulkemail": true})).await;
    let c = run(&w).await.counts;
    assert_eq!((c.optouts_to_campaign, c.overwritten), (1, 0), "{c:?}");
    assert_eq!(profile(&w, &id).await["blackListEmail"].as_bool(), Some(true));
    w.sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r19_campaign_to_dynamics_does_not_write_dynamics_opt_outs_to_campaign() {
    let w = linked_with(30, OptOutDirection::CampaignToDynamics).await;
    let first = run(&w).await;
    assert_eq!(first.counts.optouts_to_campaign, 0, "{:?}", first.counts);
    let id = open(&contacts(&w).await)[0].clone();
    edit_contact(&w, &id, json!({"donotbulkemail": true, "jobtitle": "Chief Liaison"})).await;
    let c = run(&w).await.counts;
    assert_eq!((c.optouts_to_campaign, c.optouts_to_dynamics, c.profiles_updated), (0, 0, 1), "{c:?}");
    let p = profile(&w, &id).await;
    assert_eq!(p["blackListEmail"].as_bool(), Some(false), "Dynamics's opt-out stays in Dynamics");
    assert_eq!(p["cusJobTitle"].as_str(), Some("Chief Liaison"), "the mapped fields still go to Campaign");
    assert_eq!(contact(&w, &id).await["donotbulkemail"].as_bool(), Some(true), "and Liaison does not undo it");
    w.sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r19_both_ways_the_most_recent_change_wins_and_the_conflict_is_recorded() {
    // Opt-outs first went Campaign → Dynamics, so two contacts' opt-outs in Dynamics were kept
    // from Campaign: the two sides remember different values when the link turns to both ways.
    let w = linked_with(30, OptOutDirection::CampaignToDynamics).await;
    run(&w).await;
    let ids = open(&contacts(&w).await);
    let (campaign_later, dynamics_later, one_side) = (ids[0].clone(), ids[1].clone(), ids[2].clone());
    for id in [&campaign_later, &dynamics_later] {
        edit_contact(&w, id, json!({"donotbulkemail": true})).await;
    }
    run(&w).await;
    campaign::setup(&w.ws, &w.vault, &w.dynamics, &w.campaign, OptOutDirection::Both).await.unwrap();

    // Each contact's opt-out is changed on both sides, to different values, in either order.
    edit_contact(&w, &campaign_later, json!({"donotbulkemail": false})).await;
    edit_profile(&w, &dynamics_later, json!({"blackListEmail": true})).await;
    later(&w).await;
    edit_profile(&w, &campaign_later, json!({"blackListEmail": true})).await;
    edit_contact(&w, &dynamics_later, json!({"donotbulkemail": false})).await;
    // And one changed on one side only: no conflict, that side wins.
    edit_profile(&w, &one_side, json!({"blackListEmail": true})).await;

    let report = run(&w).await;
    let c = report.counts;
    assert_eq!((c.optout_conflicts, c.optouts_to_dynamics), (2, 2), "{c:?}");
    assert_eq!(contact(&w, &campaign_later).await["donotbulkemail"].as_bool(), Some(true), "Campaign's later change");
    assert_eq!(profile(&w, &campaign_later).await["blackListEmail"].as_bool(), Some(true));
    assert_eq!(contact(&w, &dynamics_later).await["donotbulkemail"].as_bool(), Some(false), "Dynamics's later change");
    assert_eq!(profile(&w, &dynamics_later).await["blackListEmail"].as_bool(), Some(false));
    assert_eq!(contact(&w, &one_side).await["donotbulkemail"].as_bool(), Some(true));
    assert_eq!(profile(&w, &one_side).await["blackListEmail"].as_bool(), Some(true));

    let conflicts = campaign::optout_conflicts(w.ws.store(), Some(&report.run_id), 10).unwrap();
    let by_contact: BTreeMap<&str, _> = conflicts.iter().map(|c| (c.contact_id.as_str(), c)).collect();
    assert_eq!(by_contact.len(), 2);
    let won = &by_contact[campaign_later.as_str()];
    assert_eq!((won.winner, won.dynamics_optout, won.campaign_optout), (OptOutSide::Campaign, false, true));
    let won = &by_contact[dynamics_later.as_str()];
    assert_eq!((won.winner, won.dynamics_optout, won.campaign_optout), (OptOutSide::Dynamics, false, true));
    for c in &conflicts {
        let (d, k) = (c.dynamics_changed_at.as_deref().unwrap(), c.campaign_changed_at.as_deref().unwrap());
        assert_eq!(d < k, c.winner == OptOutSide::Campaign, "the later change won: {c:?}");
    }
    let history = campaign::history(w.ws.store(), 1).unwrap();
    assert_eq!(history[0].optout_conflicts, conflicts);

    // Settled: the next run finds nothing to decide.
    let again = run(&w).await.counts;
    assert_eq!((again.optout_conflicts, again.optouts_to_dynamics, again.optouts_to_campaign), (0, 0, 0), "{again:?}");
    w.sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r19_do_not_email_is_only_read_an_opt_in_made_in_campaign_does_not_lift_it() {
    let w = linked_with(30, OptOutDirection::Both).await;
    run(&w).await;
    let id = open(&contacts(&w).await)[0].clone();
    edit_contact(&w, &id, json!({"donotemail": true})).await;
    let c = run(&w).await.counts;
    assert_eq!(c.optouts_to_campaign, 1, "{c:?}");
    assert_eq!(profile(&w, &id).await["blackListEmail"].as_bool(), Some(true));

    let writes = contact_writes(&w).await;
    edit_profile(&w, &id, json!({"blackListEmail": false})).await;
    let c = run(&w).await.counts;
    assert_eq!((c.optouts_to_dynamics, c.overwritten), (0, 1), "{c:?}");
    assert_eq!(contact_writes(&w).await, writes, "donotemail is never written");
    let now = contact(&w, &id).await;
    assert_eq!((now["donotemail"].as_bool(), now["donotbulkemail"].as_bool()), (Some(true), Some(false)));
    assert_eq!(profile(&w, &id).await["blackListEmail"].as_bool(), Some(true), "Dynamics still refuses email");
    w.sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r19_a_run_cancelled_among_campaign_s_unsubscribes_is_continued_and_writes_each_once() {
    let w = linked_with(40, OptOutDirection::CampaignToDynamics).await;
    run(&w).await;
    let ids: Vec<String> = open(&contacts(&w).await).into_iter().take(12).collect();
    assert_eq!(ids.len(), 12);
    for id in &ids {
        edit_profile(&w, id, json!({"blackListEmail": true})).await;
    }
    let writes = contact_writes(&w).await;

    // Cancelled as the Campaign edits begin: it stops after the first contact it settles.
    let control = Control::default();
    let progress = |p: &CampaignProgress| {
        if p.phase == CampaignPhase::CampaignEdits {
            control.cancel();
        }
    };
    let stopped: CampaignReport = campaign::run(&w.ws, &w.vault, options(), &control, &progress).await.unwrap();
    assert_eq!(stopped.state, RunState::Cancelled);
    assert!(stopped.counts.optouts_to_dynamics < ids.len() as u64, "{:?}", stopped.counts);

    let resumed = run(&w).await;
    assert!(resumed.resumed);
    assert_eq!(resumed.counts.optouts_to_dynamics, ids.len() as u64, "{:?}", resumed.counts);
    assert_eq!(contact_writes(&w).await - writes, ids.len() as u64, "each opt-out written once");
    let org = contacts(&w).await;
    for id in &ids {
        assert_eq!(org[id]["donotbulkemail"].as_bool(), Some(true), "{id}");
    }
    w.sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r19_both_ways_before_anything_is_remembered_a_refusal_on_either_side_wins() {
    let w = linked_with(30, OptOutDirection::Both).await;
    let org = contacts(&w).await;
    let before = profiles(&w).await;
    // Two contacts that accept email and already have a profile that does too.
    let mut with_profile = open(&org).into_iter().filter(|id| {
        let found = profiles_of(&before, id);
        found.len() == 1 && found[0]["blackListEmail"].as_bool() != Some(true)
    });
    let (in_campaign, in_dynamics) = (with_profile.next().unwrap(), with_profile.next().unwrap());
    edit_profile(&w, &in_campaign, json!({"blackListEmail": true})).await;
    edit_contact(&w, &in_dynamics, json!({"donotbulkemail": true})).await;

    let c = run(&w).await.counts;
    assert_eq!((c.optouts_to_dynamics, c.optout_conflicts), (1, 0), "{c:?}");
    assert!(c.optouts_to_campaign >= 1, "{c:?}");
    for id in [&in_campaign, &in_dynamics] {
        assert_eq!(contact(&w, id).await["donotbulkemail"].as_bool(), Some(true), "{id}");
        assert_eq!(profile(&w, id).await["blackListEmail"].as_bool(), Some(true), "{id}");
    }
    w.sb.shutdown().await;
}
