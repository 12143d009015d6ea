//! Data sync and Exports: run history.

use liaison_core::Error;
use liaison_core::runs::usage::{self, SystemCalls};
use liaison_core::runs::{self, RunKind, RunSummary};
use tauri::State;

use super::with_workspace;
use crate::state::AppState;

pub async fn runs_list(state: State<'_, AppState>) -> Result<Vec<RunSummary>, Error> {
    with_workspace(state, |ws| runs::list(ws.store())).await
}

pub async fn runs_calls_per_day(
    state: State<'_, AppState>,
    kind: RunKind,
    days: u32,
) -> Result<Vec<SystemCalls>, Error> {
    with_workspace(state, move |ws| usage::calls_per_day(ws.store(), kind, days)).await
}
