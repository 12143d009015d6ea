//! The Campaign ↔ Dynamics 365 run on a schedule (seed 004: "schedule and on demand"): every N
//! minutes once the admin's first run succeeded, an interrupted run continued, changes audited.

mod common;

use liaison_core::ErrorCode;
use liaison_core::campaign::{self, CampaignProgress, CampaignRunOptions};
use liaison_core::jobs::Control;

use common::campaign::{World, connected};

async fn run(w: &World) {
    let options = CampaignRunOptions { full: false, dynamics_page_size: 10, campaign_page_size: 5 };
    campaign::run(&w.ws, &w.vault, options, &Control::default(), &|_: &CampaignProgress| {}).await.unwrap();
}

fn sql(w: &World, statement: &str) {
    w.ws.store().write(|tx| Ok(tx.execute(statement, [])?)).unwrap();
}

fn due(w: &World) -> bool {
    campaign::schedule_due(w.ws.store()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_campaign_run_starts_by_itself_every_n_minutes_once_the_admin_s_first_run_succeeded() {
    let w = connected(6).await;
    let err = campaign::set_schedule(&w.ws, 60).unwrap_err();
    assert_eq!(err.code, ErrorCode::Conflict, "not set up yet: {err:?}");
    campaign::setup(&w.ws, &w.vault, &w.dynamics, &w.campaign, campaign::OptOutDirection::DynamicsToCampaign)
        .await
        .unwrap();
    assert_eq!(campaign::schedule(w.ws.store()).unwrap().every_minutes, 0, "on demand until set");
    for bad in [1, 4, 1441] {
        let err = campaign::set_schedule(&w.ws, bad).unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidInput);
        assert!(err.message.render(liaison_core::i18n::Lang::En).contains("5 to 1,440"), "{err:?}");
    }
    let set = campaign::set_schedule(&w.ws, 60).unwrap();
    assert_eq!((set.every_minutes, set.changed_by.as_deref()), (60, Some("ada@example.com")));
    assert_eq!(campaign::schedule(w.ws.store()).unwrap(), set);
    let audited: String =
        w.ws.store()
            .read(|c| {
                Ok(c.query_row(
                "SELECT details FROM audit_log WHERE action = 'campaign.schedule_changed' ORDER BY rowid DESC LIMIT 1",
                [],
                |r| r.get(0),
            )?)
            })
            .unwrap();
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&audited).unwrap(),
        serde_json::json!({"before": 0, "after": 60})
    );

    assert!(!due(&w), "the first run is the admin's");
    run(&w).await;
    assert!(!due(&w), "it just ran");
    sql(&w, "UPDATE campaign_runs SET started_at = '2026-01-01T10:00:00Z', finished_at = '2026-01-01T10:01:00Z'");
    assert!(due(&w), "an hour has passed");
    run(&w).await;
    // A run whose process still beats is not started again; one whose process stopped is continued.
    const LATEST: &str = "WHERE rowid = (SELECT max(rowid) FROM campaign_runs)";
    sql(
        &w,
        &format!(
            "UPDATE campaign_runs SET state = 'running', finished_at = NULL, heartbeat_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now') {LATEST}"
        ),
    );
    assert!(!due(&w));
    sql(&w, &format!("UPDATE campaign_runs SET heartbeat_at = '2026-01-01T10:00:30Z' {LATEST}"));
    assert!(due(&w));
    run(&w).await;
    assert!(!due(&w));
    sql(&w, "UPDATE campaign_runs SET finished_at = '2026-01-01T10:01:00Z'");
    campaign::set_schedule(&w.ws, 0).unwrap();
    assert!(!due(&w), "only on demand");
}
