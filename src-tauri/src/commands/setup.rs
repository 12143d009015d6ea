//! Home / Setup: the seven-step wizard and the workspace's identity.

use liaison_core::Error;
use liaison_core::msg;
use liaison_core::setup::checklist::{self, ChecklistItem};
use liaison_core::setup::package::{self, PackageVerification};
use liaison_core::setup::{self, SetupOverview, SetupStepKey};
use liaison_core::workspace::WorkspaceStatus;
use tauri::State;

use super::with_workspace;
use crate::state::AppState;

pub async fn setup_overview(state: State<'_, AppState>) -> Result<SetupOverview, Error> {
    with_workspace(state, |ws| setup::overview(ws.store())).await
}

pub async fn workspace_status(state: State<'_, AppState>) -> Result<WorkspaceStatus, Error> {
    with_workspace(state, |ws| ws.status()).await
}

pub async fn step_checklist(step: SetupStepKey) -> Result<Vec<ChecklistItem>, Error> {
    checklist::checklist(step).ok_or_else(|| Error::invalid_input(msg!("desktop-step-has-no-checklist")))
}

pub async fn confirm_step(
    state: State<'_, AppState>,
    step: SetupStepKey,
    confirmed: Vec<String>,
) -> Result<SetupOverview, Error> {
    with_workspace(state, move |ws| checklist::confirm(ws, step, &confirmed)).await
}

/// Step 6: looks for the Marketo package in the connected Salesforce org (Tooling API).
pub async fn verify_crm_package(state: State<'_, AppState>) -> Result<PackageVerification, Error> {
    let (ws, vault) = (state.workspace()?, state.vault()?);
    package::verify_package(&ws, &vault).await
}
