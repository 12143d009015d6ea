//! Home / Setup: the seven-step wizard and the workspace's identity.

use liaison_core::Error;
use liaison_core::setup::{self, SetupOverview};
use liaison_core::workspace::WorkspaceStatus;
use tauri::State;

use super::with_workspace;
use crate::state::AppState;

#[tauri::command(rename_all = "snake_case")]
pub async fn setup_overview(state: State<'_, AppState>) -> Result<SetupOverview, Error> {
    with_workspace(state, |ws| setup::overview(ws.store())).await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn workspace_status(state: State<'_, AppState>) -> Result<WorkspaceStatus, Error> {
    with_workspace(state, |ws| ws.status()).await
}
