//! Home / Setup: the seven-step wizard and the workspace's identity.

use liaison_core::Error;
use liaison_core::msg;
use liaison_core::setup::checklist::{self, ChecklistItem};
use liaison_core::setup::package::{self, PackageVerification};
use liaison_core::setup::prerequisites::{self, Prerequisite};
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

/// Seed 000's prerequisites, shown before step 2.
pub async fn setup_prerequisites(state: State<'_, AppState>) -> Result<Vec<Prerequisite>, Error> {
    with_workspace(state, |ws| prerequisites::prerequisites(ws.store())).await
}

/// The admin says whether Sales Insight Actions is enabled on the Marketo subscription.
pub async fn confirm_sales_insight_actions(
    state: State<'_, AppState>,
    enabled: bool,
) -> Result<Vec<Prerequisite>, Error> {
    with_workspace(state, move |ws| prerequisites::confirm_sales_insight_actions(ws, enabled)).await
}

/// Checks through Marketo and Salesforce whether their sync is configured.
pub async fn check_marketo_salesforce_sync(state: State<'_, AppState>) -> Result<Vec<Prerequisite>, Error> {
    let (ws, vault) = (state.workspace()?, state.vault()?);
    prerequisites::check_marketo_salesforce_sync(&ws, &vault).await
}
