//! Data sync: the field preview and mapping, the quota estimate, runs in the background with
//! progress events and cancel, the run history, the sync settings, the People view, and the
//! scheduler that starts incremental runs while the app is open.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use liaison_core::connections::{self, ConnectionSummary};
use liaison_core::runs::RunState;
use liaison_core::sync::cache::{self, ConflictRule, Person};
use liaison_core::sync::fields::{self, CustomField, FieldChoice, FieldPreview, NewCustomField};
use liaison_core::sync::run::{
    self, Control, Estimate, Progress, RecordError, RunOptions, RunReport, SyncRun, SyncStatus,
};
use liaison_core::sync::settings::{self, SyncSettings};
use liaison_core::vault::Vault;
use liaison_core::{Error, ErrorCode, Workspace};
use serde::Serialize;
use tauri::{AppHandle, Emitter, Manager, Runtime, State};
use ts_rs::TS;

use super::{blocking, with_workspace};
use crate::state::AppState;

/// Event: a run's progress (core sends at most ten a second, plus one per phase change).
pub const PROGRESS_EVENT: &str = "sync-progress";
/// Event: a run ended (succeeded, cancelled or failed).
pub const FINISHED_EVENT: &str = "sync-finished";

/// The run this app is driving, if any: its control (for Cancel) and latest progress (for a
/// page opened while it runs).
#[derive(Default)]
pub struct SyncJob {
    current: Mutex<Option<(Arc<Control>, Option<Progress>)>>,
}

impl SyncJob {
    fn lock(&self) -> std::sync::MutexGuard<'_, Option<(Arc<Control>, Option<Progress>)>> {
        // A panic while holding this lock cannot leave it inconsistent: it is replaced whole.
        self.current.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether a run started by this app is going.
    pub fn running(&self) -> bool {
        self.lock().is_some()
    }
}

/// What the Data sync page shows at a glance.
#[derive(Debug, Clone, Serialize, TS)]
pub struct SyncOverview {
    pub status: SyncStatus,
    /// The latest progress of the run this app is driving, if one is going.
    pub current: Option<Progress>,
    /// Whether a run is going (its first progress may not have arrived yet).
    pub running: bool,
}

/// How a run ended, as the `sync-finished` event payload.
#[derive(Debug, Clone, Serialize, TS)]
pub struct SyncFinished {
    pub report: Option<RunReport>,
    pub error: Option<Error>,
    /// Started by the schedule (or to continue an interrupted run at launch), not by the admin.
    pub scheduled: bool,
}

pub async fn sync_preview(state: State<'_, AppState>) -> Result<FieldPreview, Error> {
    let (ws, vault) = (state.workspace()?, state.vault()?);
    run::preview(&ws, &vault).await
}

pub async fn sync_save_mapping(state: State<'_, AppState>, choices: Vec<FieldChoice>) -> Result<(), Error> {
    with_workspace(state, move |ws| fields::save_choices(ws.store(), &choices)).await
}

/// Adds a custom field to the sync (checked against the live describes at the next preview).
pub async fn sync_custom_add(state: State<'_, AppState>, field: NewCustomField) -> Result<CustomField, Error> {
    with_workspace(state, move |ws| fields::add_custom(ws.store(), field)).await
}

pub async fn sync_custom_remove(state: State<'_, AppState>, key: String) -> Result<(), Error> {
    with_workspace(state, move |ws| fields::remove_custom(ws.store(), &key)).await
}

/// Saves a custom field's selection and conflict rule (the preview's Save mapping).
pub async fn sync_custom_choose(
    state: State<'_, AppState>,
    key: String,
    selected: bool,
    rule: ConflictRule,
) -> Result<(), Error> {
    with_workspace(state, move |ws| fields::choose_custom(ws.store(), &key, selected, rule)).await
}

pub async fn sync_estimate(state: State<'_, AppState>, full: bool) -> Result<Estimate, Error> {
    let (ws, vault) = (state.workspace()?, state.vault()?);
    run::estimate(&ws, &vault, full).await
}

/// Starts a run in the background; its progress and end arrive as events.
pub async fn sync_start<R: Runtime>(app: AppHandle<R>, state: State<'_, AppState>, full: bool) -> Result<(), Error> {
    let options = with_workspace(state.clone(), move |ws| RunOptions::for_connections(ws, full)).await?;
    start(app, &state, options, false)
}

/// Asks the running sync to stop at its next checkpoint; false when none is running.
pub async fn sync_cancel(state: State<'_, AppState>) -> Result<bool, Error> {
    Ok(match state.sync.lock().as_ref() {
        Some((control, _)) => {
            control.cancel();
            true
        }
        None => false,
    })
}

pub async fn sync_status(state: State<'_, AppState>) -> Result<SyncOverview, Error> {
    let status = with_workspace(state.clone(), run::status).await?;
    let guard = state.sync.lock();
    Ok(SyncOverview { status, current: guard.as_ref().and_then(|(_, p)| p.clone()), running: guard.is_some() })
}

pub async fn sync_history(state: State<'_, AppState>, limit: u32) -> Result<Vec<SyncRun>, Error> {
    with_workspace(state, move |ws| run::history(ws, limit)).await
}

pub async fn sync_run_errors(
    state: State<'_, AppState>,
    run_id: String,
    limit: u32,
) -> Result<Vec<RecordError>, Error> {
    with_workspace(state, move |ws| run::record_errors(ws, &run_id, limit)).await
}

pub async fn sync_settings_get(state: State<'_, AppState>) -> Result<SyncSettings, Error> {
    with_workspace(state, |ws| settings::load(ws.store())).await
}

pub async fn sync_settings_save(state: State<'_, AppState>, settings: SyncSettings) -> Result<SyncSettings, Error> {
    with_workspace(state, move |ws| settings::save(ws.store(), &settings)).await
}

pub async fn people_search(state: State<'_, AppState>, query: String, limit: u32) -> Result<Vec<Person>, Error> {
    with_workspace(state, move |ws| ws.store().read(|c| cache::search(c, &query, limit))).await
}

/// The two connections a run uses, with their summaries.
fn sync_connections(ws: &Workspace) -> Result<Vec<ConnectionSummary>, Error> {
    let (marketo, salesforce) = run::connection_ids(ws)?;
    Ok(connections::list(ws.store())?.into_iter().filter(|c| c.id == marketo || c.id == salesforce).collect())
}

/// Runs a sync in the background (one at a time per app; core refuses a second process's run).
fn start<R: Runtime>(app: AppHandle<R>, state: &AppState, options: RunOptions, scheduled: bool) -> Result<(), Error> {
    let (ws, vault) = (state.workspace()?, state.vault()?);
    let control = Arc::new(Control::default());
    {
        let mut current = state.sync.lock();
        if current.is_some() {
            return Err(Error::new(
                ErrorCode::Conflict,
                "A sync is already running. Wait for it to finish or cancel it.",
            ));
        }
        *current = Some((control.clone(), None));
    }
    // The run future holds a rusqlite Connection across awaits, so it is not `Send`: it runs on
    // its own thread with a current-thread runtime instead of Tauri's shared one.
    let spawned = std::thread::Builder::new().name("liaison-sync".into()).spawn(move || {
        let result = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| Error::internal(format!("The sync could not start its runtime ({e}).")))
            .and_then(|rt| rt.block_on(drive(&app, &ws, &vault, options, &control)));
        match run::finished_notice(ws.store(), result.as_ref(), scheduled) {
            Ok(Some(notice)) => crate::commands::invites::notify(&app, notice),
            Ok(None) => {}
            Err(err) => tracing::warn!("could not word the sync notification: {}", err.message),
        }
        let finished = match result {
            Ok(report) => SyncFinished { report: Some(report), error: None, scheduled },
            Err(error) => {
                tracing::warn!(code = error.code.as_str(), "the sync failed: {}", error.message);
                SyncFinished { report: None, error: Some(error), scheduled }
            }
        };
        *app.state::<AppState>().sync.lock() = None;
        let _ = app.emit(FINISHED_EVENT, finished);
    });
    if let Err(e) = spawned {
        *state.sync.lock() = None;
        return Err(Error::internal(format!("The sync could not start a thread ({e}).")));
    }
    Ok(())
}

async fn drive<R: Runtime>(
    app: &AppHandle<R>,
    ws: &Workspace,
    vault: &Vault,
    options: RunOptions,
    control: &Control,
) -> Result<RunReport, Error> {
    let observer = |progress: &Progress| {
        if let Some((_, last)) = app.state::<AppState>().sync.lock().as_mut() {
            *last = Some(progress.clone());
        }
        let _ = app.emit(PROGRESS_EVENT, progress.clone());
    };
    run::run(ws, vault, options, control, &observer).await
}

/// Whether the scheduler should start a run now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Due {
    /// Continue the interrupted run (at launch).
    Resume,
    /// Start an incremental run.
    Incremental,
    Wait,
}

/// The scheduler's decision from the sync status, whether a run is going here, whether the
/// sandbox a sandbox connection needs is up, and the minutes since the last run started.
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

fn minutes_since(timestamp: &str) -> Option<f64> {
    let at = time::OffsetDateTime::parse(timestamp, &time::format_description::well_known::Rfc3339).ok()?;
    Some((time::OffsetDateTime::now_utc() - at).as_seconds_f64() / 60.0)
}

/// Starts the scheduler: every 30 s it checks whether an incremental run is due (and at launch
/// whether an interrupted run should continue). Runs it starts report through the same events.
pub fn start_scheduler<R: Runtime>(app: AppHandle<R>) {
    tauri::async_runtime::spawn(async move {
        // The launch check (continue an interrupted run) stays pending until both systems are
        // connected and reachable, e.g. until the admin starts the sandbox a demo workspace uses.
        let mut at_launch = true;
        loop {
            tokio::time::sleep(Duration::from_secs(if at_launch { 3 } else { 30 })).await;
            match tick(&app, at_launch).await {
                Ok(decided) => at_launch &= !decided,
                Err(err) => {
                    at_launch = false;
                    tracing::warn!(
                        code = err.code.as_str(),
                        "the sync schedule could not start a run: {}",
                        err.message
                    );
                }
            }
        }
    });
}

/// One scheduler check; true when the decision could be made (both systems connected and
/// reachable, no run of this app going).
async fn tick<R: Runtime>(app: &AppHandle<R>, at_launch: bool) -> Result<bool, Error> {
    let state = app.state::<AppState>();
    let Ok(ws) = state.workspace() else { return Ok(false) };
    let sandbox_running = state.sandbox.lock().await.is_some();
    let (status, conns) = blocking(move || {
        let status = run::status(&ws)?;
        let conns = if status.connected { sync_connections(&ws)? } else { Vec::new() };
        Ok((status, conns))
    })
    .await?;
    // Sandbox connections point at the embedded sandbox, which runs only once started.
    let reachable = sandbox_running || !conns.iter().any(|c| c.is_sandbox);
    let since = status.last_run.as_ref().and_then(|r| minutes_since(r.finished_at.as_deref().unwrap_or(&r.started_at)));
    let running = state.sync.running();
    let decided = status.connected && reachable && !running;
    let decision = due(&status, running, reachable, at_launch, since);
    if decision == Due::Wait {
        return Ok(decided);
    }
    tracing::info!(?decision, "the sync schedule starts a run");
    let ws = state.workspace()?;
    let options = blocking(move || RunOptions::for_connections(&ws, false)).await?;
    start(app.clone(), &state, options, true).map(|()| true)
}

#[cfg(test)]
mod tests {
    use super::*;

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
