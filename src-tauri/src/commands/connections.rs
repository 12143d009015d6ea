//! Admin settings: Salesforce, Marketo, Dynamics 365, Adobe Campaign.

use liaison_core::Error;
use liaison_core::connections::{self, ConnectionSummary};
use tauri::State;

use super::with_workspace;
use crate::state::AppState;

#[tauri::command(rename_all = "snake_case")]
pub async fn connections_list(state: State<'_, AppState>) -> Result<Vec<ConnectionSummary>, Error> {
    with_workspace(state, |ws| connections::list(ws.store())).await
}
