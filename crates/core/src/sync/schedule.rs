//! When the scheduler starts a sync by itself: incremental runs every N minutes once a full sync
//! made a checkpoint, and, at launch, the continuation of an interrupted run.

use crate::runs::RunState;
use crate::sync::run::SyncStatus;

/// What the scheduler does now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Due {
    /// Continue the interrupted run (at launch).
    Resume,
    /// Start an incremental run.
    Incremental,
    Wait,
}

/// The decision from the sync status, whether a run is going here, whether the systems are
/// reachable (a sandbox connection needs its sandbox up), whether this is the launch check, and
/// the minutes since the last run started or finished.
pub fn due(
    status: &SyncStatus,
    running: bool,
    reachable: bool,
    at_launch: bool,
    minutes_since_last: Option<f64>,
) -> Due {
    if running || !status.connected || !reachable {
        return Due::Wait;
    }
    if at_launch && status.interrupted {
        return Due::Resume;
    }
    let every = status.settings.schedule_minutes;
    if every == 0 || !status.incremental_ready {
        return Due::Wait;
    }
    // A live run of another process holds the lock: core refuses ours; the next tick retries.
    if status.last_run.as_ref().is_some_and(|r| matches!(r.state, RunState::Running | RunState::Paused)) && !at_launch {
        return Due::Wait;
    }
    match minutes_since_last {
        Some(m) if m < f64::from(every) => Due::Wait,
        _ => Due::Incremental,
    }
}

/// Minutes from an RFC 3339 timestamp to now.
pub fn minutes_since(timestamp: &str) -> Option<f64> {
    let at = time::OffsetDateTime::parse(timestamp, &time::format_description::well_known::Rfc3339).ok()?;
    Some((time::OffsetDateTime::now_utc() - at).as_seconds_f64() / 60.0)
}

/// Minutes since the last run finished (or started, while it had not finished).
pub fn minutes_since_last(status: &SyncStatus) -> Option<f64> {
    status.last_run.as_ref().and_then(|r| minutes_since(r.finished_at.as_deref().unwrap_or(&r.started_at)))
}

#[cfg(test)]
mod tests {

    use super::*;
    use crate::sync::run::SyncRun;
    use crate::sync::settings::SyncSettings;

    fn status(
        settings: SyncSettings,
        last: Option<RunState>,
        interrupted: bool,
        incremental_ready: bool,
    ) -> SyncStatus {
        SyncStatus {
            people: 10,
            connected: true,
            last_run: last.map(|state| SyncRun {
                id: "r1".into(),
                state,
                full: true,
                started_at: "2026-11-24T10:00:00Z".into(),
                finished_at: None,
                counts: Default::default(),
                error: None,
            }),
            interrupted,
            incremental_ready,
            settings,
        }
    }

    #[test]
    fn the_schedule_runs_incrementally_every_n_minutes_once_a_full_sync_made_a_checkpoint() {
        let s = status(SyncSettings::default(), Some(RunState::Succeeded), false, true);
        assert_eq!(due(&s, false, true, false, Some(14.0)), Due::Wait);
        assert_eq!(due(&s, false, true, false, Some(15.5)), Due::Incremental);
        assert_eq!(due(&s, true, true, false, Some(60.0)), Due::Wait, "one run at a time");
        assert_eq!(due(&s, false, false, false, Some(60.0)), Due::Wait, "sandbox not started");
        let off = status(SyncSettings { schedule_minutes: 0, ..Default::default() }, None, false, true);
        assert_eq!(due(&off, false, true, false, None), Due::Wait);
        let never = status(SyncSettings::default(), None, false, false);
        assert_eq!(due(&never, false, true, false, None), Due::Wait, "the first (full) sync is the admin's");
        let disconnected = SyncStatus { connected: false, ..s };
        assert_eq!(due(&disconnected, false, true, true, None), Due::Wait);
    }

    #[test]
    fn an_interrupted_run_continues_at_launch_even_with_the_schedule_off() {
        let off = SyncSettings { schedule_minutes: 0, ..Default::default() };
        let s = status(off, Some(RunState::Running), true, false);
        assert_eq!(due(&s, false, true, true, Some(1.0)), Due::Resume);
        assert_eq!(due(&s, false, true, false, Some(1.0)), Due::Wait);
    }
}
