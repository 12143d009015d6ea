//! Settings → Campaign ↔ Dynamics 365: the link of one Dynamics 365 and one Adobe Campaign
//! connection, its contact mapping and opt-out direction (seed 004), through the same core
//! use-cases as `liaison campaign`.

use liaison_core::Error;
use liaison_core::campaign::{self, CampaignLink, FieldPair, Metadata, OptOutCarrier, OptOutDirection};
use tauri::State;

use super::with_workspace;
use crate::state::AppState;

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

pub async fn campaign_link_metadata(state: State<'_, AppState>) -> Result<Metadata, Error> {
    let (ws, vault) = (state.workspace()?, state.vault()?);
    campaign::metadata(&ws, &vault).await
}

pub async fn campaign_optout_carriers() -> Result<Vec<OptOutCarrier>, Error> {
    Ok(campaign::opt_out_carriers())
}
