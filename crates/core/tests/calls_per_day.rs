//! API calls per day for the run-history charts: summed per system from the runs' counts, dated
//! by the day a run started, with each system's daily quota (none for Dynamics 365).

use liaison_core::Paths;
use liaison_core::runs::RunKind;
use liaison_core::runs::usage::{ApiSystem, DailyCalls, SystemCalls, calls_per_day};
use liaison_core::store::Store;
use rusqlite::params;

fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&Paths::in_dir(dir.path())).unwrap();
    (dir, store)
}

/// A run of `kind` that started `days_ago` days ago (UTC), with these counts.
fn run(store: &Store, kind: &str, subject: Option<&str>, days_ago: u32, counts: serde_json::Value) {
    store
        .write(|tx| {
            tx.execute(
                "INSERT INTO runs (id, kind, state, started_at, finished_at, counts, subject)
                 VALUES (lower(hex(randomblob(16))), ?1, 'succeeded',
                         strftime('%Y-%m-%dT%H:%M:%SZ', 'now', 'start of day', ?2, '+1 hour'), NULL, ?3, ?4)",
                params![kind, format!("-{days_ago} days"), counts.to_string(), subject],
            )?;
            Ok(())
        })
        .unwrap();
}

fn day(days_ago: u32) -> String {
    (time::OffsetDateTime::now_utc().date() - time::Duration::days(i64::from(days_ago))).to_string()
}

fn calls(days_ago: u32, calls: u64) -> DailyCalls {
    DailyCalls { day: day(days_ago), calls }
}

fn setting(store: &Store, key: &str, value: &str) {
    store
        .write(|tx| {
            tx.execute("INSERT OR REPLACE INTO settings (key, value) VALUES (?1, ?2)", [key, value])?;
            Ok(())
        })
        .unwrap();
}

#[test]
fn sync_calls_are_summed_per_system_and_day_against_each_daily_quota() {
    let (_dir, store) = store();
    assert_eq!(calls_per_day(&store, RunKind::Sync, 30).unwrap(), vec![], "no runs, no bars");
    run(&store, "sync", None, 0, serde_json::json!({ "marketo_calls": 100, "salesforce_calls": 10 }));
    run(
        &store,
        "sync",
        None,
        0,
        serde_json::json!({ "marketo_calls": 50, "salesforce_calls": 5, "dynamics_calls": 7 }),
    );
    run(&store, "sync", None, 2, serde_json::json!({ "marketo_calls": 30, "salesforce_calls": 0 }));
    // Older than the 30 days asked for.
    run(&store, "sync", None, 30, serde_json::json!({ "marketo_calls": 999 }));
    // A run without counts yet (just started) costs nothing.
    run(&store, "sync", None, 0, serde_json::json!({}));
    let before = calls_per_day(&store, RunKind::Sync, 30).unwrap();
    assert_eq!(before[1].daily_quota, None, "Salesforce's limit is unknown until a sync has read it");

    setting(&store, "sync.settings", r#"{"marketo_daily_quota": 10000}"#);
    setting(&store, "salesforce.daily_api_requests_max", "15000");
    assert_eq!(
        calls_per_day(&store, RunKind::Sync, 30).unwrap(),
        vec![
            SystemCalls {
                system: ApiSystem::Marketo,
                daily_quota: Some(10_000),
                days: vec![calls(2, 30), calls(0, 150)]
            },
            SystemCalls { system: ApiSystem::Salesforce, daily_quota: Some(15_000), days: vec![calls(0, 15)] },
            // Service protection limits count per 5 minutes: no daily quota to draw.
            SystemCalls { system: ApiSystem::Dynamics, daily_quota: None, days: vec![calls(0, 7)] },
        ]
    );
    assert_eq!(calls_per_day(&store, RunKind::Export, 30).unwrap(), vec![], "sync calls are not export calls");
}

#[test]
fn export_calls_count_against_the_destinations_system() {
    let (_dir, store) = store();
    store
        .write(|tx| {
            tx.execute(
                "INSERT INTO members (id, email, role, status) VALUES ('m1', 'ada@example.com', 'admin', 'active')",
                [],
            )?;
            for (id, kind) in [("d-mk", "marketo"), ("d-dv", "dynamics")] {
                tx.execute(
                    "INSERT INTO export_destinations (id, kind, name, settings, privacy_accepted_by, privacy_accepted_at, created_by, created_at)
                     VALUES (?1, ?2, ?1, '{}', 'm1', '2026-01-01T00:00:00Z', 'm1', '2026-01-01T00:00:00Z')",
                    [id, kind],
                )?;
                tx.execute(
                    "INSERT INTO exports (id, name, destination_id, mapping, schedule, created_at, updated_at)
                     VALUES (?1, ?1, ?2, '[]', 'manual', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')",
                    [format!("e-{kind}"), id.to_owned()],
                )?;
            }
            Ok(())
        })
        .unwrap();
    run(&store, "export", Some("e-marketo"), 1, serde_json::json!({ "added": 40, "calls": 12 }));
    run(&store, "export", Some("e-marketo"), 1, serde_json::json!({ "added": 2, "calls": 3 }));
    run(&store, "export", Some("e-dynamics"), 0, serde_json::json!({ "added": 9, "calls": 4 }));
    run(&store, "sync", None, 0, serde_json::json!({ "marketo_calls": 500 }));
    assert_eq!(
        calls_per_day(&store, RunKind::Export, 7).unwrap(),
        vec![
            SystemCalls { system: ApiSystem::Marketo, daily_quota: Some(50_000), days: vec![calls(1, 15)] },
            SystemCalls { system: ApiSystem::Dynamics, daily_quota: None, days: vec![calls(0, 4)] },
        ]
    );
    assert_eq!(calls_per_day(&store, RunKind::Export, 1).unwrap()[0].system, ApiSystem::Dynamics, "today only");
}
