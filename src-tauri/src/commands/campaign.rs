//! Settings → Campaign ↔ Dynamics 365: the link of one Dynamics 365 and one Adobe Campaign
//! connection, its contact mapping and opt-out direction (seed 004), through the same core
//! use-cases as `liaison campaign`.

use std::sync::Arc;

use liaison_core::Error;
use liaison_core::campaign::CampaignSchedule;
use liaison_core::campaign::{
    self, CampaignLink, CampaignProgress, CampaignRecordError, CampaignRun, CampaignRunOptions, EntityMappingRequest,
    FieldPair, Metadata, OptOutCarrier, OptOutDirection, TimelinePreview,
};
use serde::Serialize;
use tauri::{AppHandle, Manager, Runtime, State};
use ts_rs::TS;

use super::{blocking, with_workspace};
use crate::jobs::Events;
use crate::state::AppState;

pub const PROGRESS_EVENT: &str = "campaign-progress";
pub const FINISHED_EVENT: &str = "campaign-finished";

/// The run this app drives, for a page opened while it goes.
#[derive(Debug, Clone, Serialize, TS)]
pub struct CampaignActivity {
    pub current: Option<CampaignProgress>,
    pub running: bool,
}

pub async fn campaign_link_get(state: State<'_, AppState>) -> Result<Option<CampaignLink>, Error> {
    with_workspace(state, |ws| campaign::link(ws.store())).await
}

pub async fn campaign_link_setup(
    state: State<'_, AppState>,
    dynamics: String,
    campaign: String,
    optout: OptOutDirection,
) -> Result<CampaignLink, Error> {
    let (ws, vault) = (state.workspace()?, state.vault()?);
    campaign::setup(&ws, &vault, &dynamics, &campaign, optout).await
}

pub async fn campaign_link_map(
    state: State<'_, AppState>,
    pairs: Vec<FieldPair>,
    optout: Option<OptOutDirection>,
) -> Result<CampaignLink, Error> {
    let (ws, vault) = (state.workspace()?, state.vault()?);
    campaign::map_contact(&ws, &vault, pairs, optout).await
}

/// Adds or replaces the mapping of a Dynamics entity set to a Campaign custom resource.
pub async fn campaign_entity_map(
    state: State<'_, AppState>,
    request: EntityMappingRequest,
) -> Result<CampaignLink, Error> {
    let (ws, vault) = (state.workspace()?, state.vault()?);
    campaign::map_entity(&ws, &vault, request).await
}

/// Removes the mapping of a Dynamics entity set.
pub async fn campaign_entity_unmap(state: State<'_, AppState>, entity_set: String) -> Result<CampaignLink, Error> {
    with_workspace(state, move |ws| campaign::unmap_entity(ws, &entity_set)).await
}

pub async fn campaign_link_metadata(state: State<'_, AppState>) -> Result<Metadata, Error> {
    let (ws, vault) = (state.workspace()?, state.vault()?);
    campaign::metadata(&ws, &vault).await
}

pub async fn campaign_optout_carriers() -> Result<Vec<OptOutCarrier>, Error> {
    Ok(campaign::opt_out_carriers())
}

/// Starts a run (all contacts again with `full`); progress and the end arrive as events.
pub async fn campaign_run_start<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    full: bool,
) -> Result<(), Error> {
    let reporter = Arc::new(Events::new(app, PROGRESS_EVENT, FINISHED_EVENT));
    let options = CampaignRunOptions { full, ..CampaignRunOptions::default() };
    campaign::job::start(state.workspace()?, state.vault()?, options, &state.campaign, reporter).map(|_| ())
}

pub async fn campaign_run_cancel(state: State<'_, AppState>) -> Result<bool, Error> {
    Ok(state.campaign.cancel())
}

pub async fn campaign_run_activity(state: State<'_, AppState>) -> Result<CampaignActivity, Error> {
    Ok(CampaignActivity { current: state.campaign.latest(), running: state.campaign.running() })
}

pub async fn campaign_history(state: State<'_, AppState>, limit: u32) -> Result<Vec<CampaignRun>, Error> {
    with_workspace(state, move |ws| campaign::history(ws.store(), limit)).await
}

pub async fn campaign_run_errors(
    state: State<'_, AppState>,
    run_id: String,
    limit: u32,
) -> Result<Vec<CampaignRecordError>, Error> {
    with_workspace(state, move |ws| campaign::record_errors(ws.store(), &run_id, limit)).await
}

pub async fn campaign_schedule_get(state: State<'_, AppState>) -> Result<CampaignSchedule, Error> {
    with_workspace(state, |ws| campaign::schedule(ws.store())).await
}

pub async fn campaign_schedule_set(state: State<'_, AppState>, every_minutes: u32) -> Result<CampaignSchedule, Error> {
    with_workspace(state, move |ws| campaign::set_schedule(ws, every_minutes)).await
}

pub async fn campaign_timeline(state: State<'_, AppState>, contact: String) -> Result<TimelinePreview, Error> {
    let (ws, vault) = (state.workspace()?, state.vault()?);
    campaign::timeline(&ws, &vault, &contact).await
}

/// One schedule check (called with the sync's): starts an incremental run when one is due and
/// no run of this app is going. Its progress and end arrive as the same events as Run now's.
pub async fn tick<R: Runtime>(app: &AppHandle<R>) -> Result<(), Error> {
    let state = app.state::<AppState>();
    if state.campaign.running() {
        return Ok(());
    }
    let Ok(ws) = state.workspace() else { return Ok(()) };
    if !blocking(move || campaign::schedule_due(ws.store())).await? {
        return Ok(());
    }
    tracing::info!("the Campaign schedule starts a run");
    let reporter = Arc::new(Events::new(app.clone(), PROGRESS_EVENT, FINISHED_EVENT));
    campaign::job::start(state.workspace()?, state.vault()?, CampaignRunOptions::default(), &state.campaign, reporter)
        .map(|_| ())
}
