//! Data sync and Exports: run history.

use liaison_core::Error;
use liaison_core::runs::{self, RunSummary};
use tauri::State;

use super::with_workspace;
use crate::state::AppState;

pub async fn runs_list(state: State<'_, AppState>) -> Result<Vec<RunSummary>, Error> {
    with_workspace(state, |ws| runs::list(ws.store())).await
}
