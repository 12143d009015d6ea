//! Exports → Exports and Runs: saving exports (never running them, R15), the dry run, runs in
//! the background with progress events and cancel, the history with per-row results and a
//! results CSV, and the schedule (after each sync, every N hours) checked while the app is open.

use std::sync::Arc;

use liaison_core::exports::history::{self, ExportRowResult, ExportRun};
use liaison_core::exports::{self, DryRun, Export, ExportOptions, ExportProgress, NewExport};
use liaison_core::{Error, msg};
use serde::Serialize;
use tauri::{AppHandle, Manager, Runtime, State};
use ts_rs::TS;

use super::{blocking, with_workspace};
use crate::jobs::Events;
use crate::state::AppState;

/// Event: a run's progress (at most ten a second, plus one per phase change).
pub const PROGRESS_EVENT: &str = "export-progress";
/// Event: a run ended (succeeded, cancelled or failed).
pub const FINISHED_EVENT: &str = "export-finished";

/// The export run this app drives, if any.
#[derive(Debug, Clone, Serialize, TS)]
pub struct ExportActivity {
    pub current: Option<ExportProgress>,
    pub running: bool,
}

pub async fn exports_list(state: State<'_, AppState>) -> Result<Vec<Export>, Error> {
    with_workspace(state, |ws| exports::definition::list(ws.store())).await
}

pub async fn export_create(state: State<'_, AppState>, export: NewExport) -> Result<Export, Error> {
    let (ws, vault) = (state.workspace()?, state.vault()?);
    exports::definition::create(&ws, &vault, export).await
}

pub async fn export_update(state: State<'_, AppState>, name: String, export: NewExport) -> Result<Export, Error> {
    let (ws, vault) = (state.workspace()?, state.vault()?);
    exports::definition::update(&ws, &vault, &name, export).await
}

pub async fn export_delete(state: State<'_, AppState>, name: String) -> Result<(), Error> {
    with_workspace(state, move |ws| exports::definition::delete(ws, &name)).await
}

/// What a run would do, without a call.
pub async fn export_dry_run(state: State<'_, AppState>, name: String) -> Result<DryRun, Error> {
    with_workspace(state, move |ws| exports::run::dry_run(ws, &name)).await
}

/// Starts a run in the background; its progress and end arrive as events.
pub async fn export_start<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    name: String,
) -> Result<(), Error> {
    start(app, &state, name, false).await
}

/// Asks the running export to stop after the file in hand; false when none is running.
pub async fn export_cancel(state: State<'_, AppState>) -> Result<bool, Error> {
    Ok(state.export.cancel())
}

pub async fn export_activity(state: State<'_, AppState>) -> Result<ExportActivity, Error> {
    Ok(ExportActivity { current: state.export.latest(), running: state.export.running() })
}

/// Runs of one export (or of all), newest first.
pub async fn export_history(
    state: State<'_, AppState>,
    name: Option<String>,
    limit: u32,
) -> Result<Vec<ExportRun>, Error> {
    with_workspace(state, move |ws| history::history(ws.store(), name.as_deref(), limit)).await
}

pub async fn export_run_rows(
    state: State<'_, AppState>,
    run_id: String,
    limit: u32,
) -> Result<Vec<ExportRowResult>, Error> {
    with_workspace(state, move |ws| history::rows(ws.store(), &run_id, limit)).await
}

/// Saves a run's per-row results as CSV through the native save dialog.
pub async fn export_results_save<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    run_id: String,
) -> Result<Option<String>, Error> {
    let lang = state.lang();
    let csv = with_workspace(state, move |ws| history::results_csv(ws.store(), &run_id, lang)).await?;
    super::invites::save_as(app, "export-results.csv", move |mut file| {
        use std::io::Write;
        file.write_all(csv.as_bytes())
            .map_err(|e| Error::invalid_input(msg!("desktop-results-write-failed", reason = e.to_string())))
    })
    .await
}

async fn start<R: Runtime>(app: AppHandle<R>, state: &AppState, name: String, scheduled: bool) -> Result<(), Error> {
    let ws = state.workspace()?;
    let wanted = name.clone();
    let options = blocking(move || ExportOptions::for_export(&ws, &wanted)).await?;
    let reporter = Arc::new(Events::new(app, PROGRESS_EVENT, FINISHED_EVENT));
    exports::job::start(state.workspace()?, state.vault()?, name, options, &state.export, reporter, scheduled)
        .map(|_| ())
}

/// One schedule check (called with the sync's): starts the first export that is due, when no
/// export of this app is running.
pub async fn tick<R: Runtime>(app: &AppHandle<R>) -> Result<(), Error> {
    let state = app.state::<AppState>();
    if state.export.running() || state.sync.running() {
        return Ok(());
    }
    let Ok(ws) = state.workspace() else { return Ok(()) };
    let due = blocking(move || exports::schedule::due(ws.store())).await?;
    if let Some(name) = due.into_iter().next() {
        tracing::info!(export = %name, "the export schedule starts a run");
        start(app.clone(), &state, name, true).await?;
    }
    Ok(())
}
