//! The timeline preview (seed 004; R18): one contact's timeline as Dynamics 365 shows it, with the
//! email events the next run adds, worded in the workspace's language; read only.

mod common;

use liaison_core::ErrorCode;
use liaison_core::campaign::{self, CampaignProgress, CampaignRunOptions, TimelineState};
use liaison_core::jobs::Control;
use liaison_core::runs::RunState;
use liaison_core::settings::{LanguagePreference, set_language};
use serde_json::json;

use common::campaign::{World, linked as world};

async fn run(w: &World) {
    let options = CampaignRunOptions { full: false, dynamics_page_size: 10, campaign_page_size: 5 };
    let report =
        campaign::run(&w.ws, &w.vault, options, &Control::default(), &|_: &CampaignProgress| {}).await.unwrap();
    assert_eq!(report.state, RunState::Succeeded, "{report:?}");
}

/// A contact Liaison linked to a profile: (contact ID, profile PKey).
fn a_linked_contact(w: &World) -> (String, String) {
    w.ws.store()
        .read(|c| {
            Ok(c.query_row(
                "SELECT contact_id, pkey FROM campaign_profiles WHERE pkey IS NOT NULL ORDER BY contact_id LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?)
        })
        .unwrap()
}

async fn inject(w: &World, body: serde_json::Value) {
    let r = reqwest::Client::new()
        .post(format!("{}/campaign/events", w.sb.endpoints().control_url))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.text().await.unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r18_the_timeline_preview_shows_what_dynamics_holds_and_what_the_next_run_adds() {
    let w = world(12).await;
    run(&w).await;
    let (contact, profile) = a_linked_contact(&w);
    let before = campaign::timeline(&w.ws, &w.vault, &contact).await.unwrap();
    assert_eq!(before.contact_id, contact);
    assert_eq!(before.profile.as_deref(), Some(profile.as_str()));
    assert!(
        before.entries.iter().all(|e| e.state == TimelineState::OnTimeline),
        "the run carried every event: {:?}",
        before.entries
    );
    let email = before.email.clone().expect("the contact's email");

    inject(
        &w,
        json!([{"profile": profile, "type": "clicked", "label": "Winter offers", "url": "https://www.example.com/w"}]),
    )
    .await;
    set_language(w.ws.store(), LanguagePreference::Ja).unwrap();
    // Named by email this time, in any case.
    let preview = campaign::timeline(&w.ws, &w.vault, &email.to_uppercase()).await.unwrap();
    assert_eq!(preview.contact_id, contact);
    let next: Vec<_> = preview.entries.iter().filter(|e| e.state == TimelineState::NextRun).collect();
    assert_eq!(next.len(), 1, "{:?}", preview.entries);
    assert_eq!(next[0].event.as_deref(), Some("clicked"));
    assert_eq!(next[0].url.as_deref(), Some("https://www.example.com/w"));
    assert!(next[0].subject.contains("クリック") && next[0].subject.contains("Winter offers"), "{:?}", next[0]);
    assert_eq!(preview.entries[0].state, TimelineState::NextRun, "newest first: {:?}", preview.entries);
    assert_eq!(preview.entries.len(), before.entries.len() + 1);

    // Read only: the preview wrote nothing; the run writes the event as previewed.
    run(&w).await;
    let after = campaign::timeline(&w.ws, &w.vault, &contact).await.unwrap();
    assert_eq!(after.entries.len(), preview.entries.len());
    assert!(after.entries.iter().all(|e| e.state == TimelineState::OnTimeline), "{:?}", after.entries);
    assert!(after.entries.iter().any(|e| e.subject == next[0].subject), "worded as previewed: {:?}", after.entries);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r18_the_timeline_preview_names_a_contact_it_cannot_find_and_needs_the_link() {
    let w = common::campaign::connected(4).await;
    let err = campaign::timeline(&w.ws, &w.vault, "someone@example.com").await.unwrap_err();
    assert_eq!(err.code, ErrorCode::Conflict, "not set up: {err:?}");
    campaign::setup(&w.ws, &w.vault, &w.dynamics, &w.campaign, campaign::OptOutDirection::DynamicsToCampaign)
        .await
        .unwrap();
    let err = campaign::timeline(&w.ws, &w.vault, "nobody-here@example.com").await.unwrap_err();
    assert_eq!(err.code, ErrorCode::NotFound);
    assert!(err.message.render(liaison_core::i18n::Lang::En).contains("nobody-here@example.com"), "{err:?}");
    let err = campaign::timeline(&w.ws, &w.vault, "  ").await.unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput);
    let err = campaign::timeline(&w.ws, &w.vault, "00000000-0000-0000-0000-000000000001").await.unwrap_err();
    assert_eq!(err.code, ErrorCode::NotFound, "{err:?}");
    // A contact without a profile yet: its timeline, and no event to carry.
    let client = liaison_core::connections::dataverse::DataverseClient::load(&w.ws, &w.vault, &w.dynamics).unwrap();
    let page = client.get("contacts?$select=contactid&$top=1", &[]).await.unwrap();
    let id = page["value"][0]["contactid"].as_str().unwrap().to_owned();
    let preview = campaign::timeline(&w.ws, &w.vault, &id).await.unwrap();
    assert!(preview.entries.iter().all(|e| e.state == TimelineState::OnTimeline), "{:?}", preview.entries);
}
