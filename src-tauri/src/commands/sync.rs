//! Data sync: the field preview and mapping, the quota estimate, runs in the background with
//! progress events and cancel, the run history, the sync settings, the People view, and the
//! scheduler that starts incremental runs while the app is open.

use std::sync::Arc;
use std::time::Duration;

use liaison_core::connections::{self, ConnectionSummary};
use liaison_core::sync::cache::{self, ConflictRule, Person};
use liaison_core::sync::fields::{self, CustomField, FieldChoice, FieldPreview, NewCustomField};
use liaison_core::sync::job;
use liaison_core::sync::run::{self, Estimate, Progress, RecordError, RunOptions, SyncRun, SyncStatus};
use liaison_core::sync::schedule::{self, Due};
use liaison_core::sync::settings::{self, SyncSettings};
use liaison_core::{Error, Workspace};
use serde::Serialize;
use tauri::{AppHandle, Manager, Runtime, State};
use ts_rs::TS;

use super::{blocking, with_workspace};
use crate::jobs::Events;
use crate::state::AppState;

/// Event: a run's progress (core sends at most ten a second, plus one per phase change).
pub const PROGRESS_EVENT: &str = "sync-progress";
/// Event: a run ended (succeeded, cancelled or failed).
pub const FINISHED_EVENT: &str = "sync-finished";

/// What the Data sync page shows at a glance.
#[derive(Debug, Clone, Serialize, TS)]
pub struct SyncOverview {
    pub status: SyncStatus,
    /// The latest progress of the run this app is driving, if one is going.
    pub current: Option<Progress>,
    /// Whether a run is going (its first progress may not have arrived yet).
    pub running: bool,
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
    Ok(state.sync.cancel())
}

pub async fn sync_status(state: State<'_, AppState>) -> Result<SyncOverview, Error> {
    let status = with_workspace(state.clone(), run::status).await?;
    Ok(SyncOverview { status, current: state.sync.latest(), running: state.sync.running() })
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

/// Starts a run in the background (core's sync job); progress and the end arrive as events.
fn start<R: Runtime>(app: AppHandle<R>, state: &AppState, options: RunOptions, scheduled: bool) -> Result<(), Error> {
    let reporter = Arc::new(Events::new(app, PROGRESS_EVENT, FINISHED_EVENT));
    job::start(state.workspace()?, state.vault()?, options, &state.sync, reporter, scheduled).map(|_| ())
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
            if let Err(err) = super::export_runs::tick(&app).await {
                tracing::warn!(code = err.code.as_str(), "the export schedule could not start a run: {}", err.message);
            }
            if let Err(err) = super::campaign::tick(&app).await {
                tracing::warn!(
                    code = err.code.as_str(),
                    "the Campaign schedule could not start a run: {}",
                    err.message
                );
            }
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
    let since = schedule::minutes_since_last(&status);
    let running = state.sync.running();
    let decided = status.connected && reachable && !running;
    let decision = schedule::due(&status, running, reachable, at_launch, since);
    if decision == Due::Wait {
        return Ok(decided);
    }
    tracing::info!(?decision, "the sync schedule starts a run");
    let ws = state.workspace()?;
    let options = blocking(move || RunOptions::for_connections(&ws, false)).await?;
    start(app.clone(), &state, options, true).map(|()| true)
}
