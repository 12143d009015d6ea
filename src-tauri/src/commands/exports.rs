//! Exports → Destinations: the data-privacy notice, adding a Marketo static list (validated
//! against Marketo) or a Dynamics 365 marketing list (validated, or created), the destinations with their export users, and deleting one (R16).

use liaison_core::exports::destinations::{self, Destination, NewDynamicsDestination, NewMarketoDestination};
use liaison_core::{Error, Text};
use secrecy::SecretString;
use tauri::State;

use super::{with_vault, with_workspace};
use crate::state::AppState;

/// The notice the admin must accept before a destination is connected, in their language.
pub async fn export_privacy_notice(state: State<'_, AppState>) -> Result<String, Error> {
    Ok(destinations::privacy_notice(state.lang()))
}

pub async fn export_destinations_list(state: State<'_, AppState>) -> Result<Vec<Destination>, Error> {
    with_workspace(state, |ws| destinations::list(ws.store())).await
}

pub async fn export_destination_add_marketo(
    state: State<'_, AppState>,
    destination: NewMarketoDestination,
    client_secret: Option<String>,
) -> Result<Destination, Error> {
    let (ws, vault) = (state.workspace()?, state.vault()?);
    destinations::add_marketo(&ws, &vault, destination, client_secret.map(SecretString::from)).await
}

pub async fn export_destination_add_dynamics(
    state: State<'_, AppState>,
    destination: NewDynamicsDestination,
) -> Result<Destination, Error> {
    let (ws, vault) = (state.workspace()?, state.vault()?);
    destinations::add_dynamics(&ws, &vault, destination).await
}

/// What deleting the destination leaves behind, for the confirmation dialog.
pub async fn export_destination_delete_confirmation(state: State<'_, AppState>, name: String) -> Result<Text, Error> {
    with_workspace(state, move |ws| Ok(destinations::delete_confirmation(&destinations::get(ws.store(), &name)?))).await
}

pub async fn export_destination_delete(state: State<'_, AppState>, name: String) -> Result<(), Error> {
    with_vault(state, move |ws, vault| destinations::delete(ws, vault, &name)).await
}

pub async fn export_destination_add_user(
    state: State<'_, AppState>,
    name: String,
    email: String,
) -> Result<Destination, Error> {
    with_workspace(state, move |ws| destinations::add_export_user(ws, &name, &email)).await
}
