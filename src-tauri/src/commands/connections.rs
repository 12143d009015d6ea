//! Admin settings: Salesforce, Marketo, Dynamics 365, Adobe Campaign — connecting, ownership
//! (R6–R9), access grants and handovers. Secrets typed by the admin arrive here and go straight
//! into `SecretString`s; no response ever carries one.

use liaison_core::Error;
use liaison_core::connections::access::UsableBy;
use liaison_core::connections::campaign::{self, ConnectCampaign};
use liaison_core::connections::disconnect::Disconnected;
use liaison_core::connections::dynamics::{self, ConnectDynamics, DynamicsSettings, MatchBy};
use liaison_core::connections::health::{self, HealthReport};
use liaison_core::connections::marketo::{self, ConnectMarketo};
use liaison_core::connections::ownership::{self, AccessGrant, ConnectPermission, Handover};
use liaison_core::connections::salesforce::{self, ConnectSalesforce};
use liaison_core::connections::{self, ConnectionKind, ConnectionSummary};
use liaison_core::msg;
use secrecy::SecretString;
use tauri::State;

use super::with_workspace;
use crate::state::AppState;

pub async fn connections_list(state: State<'_, AppState>) -> Result<Vec<ConnectionSummary>, Error> {
    with_workspace(state, |ws| connections::list(ws.store())).await
}

/// The connections of `kind` the signed-in admin may use (R13): an empty list hides the
/// Dynamics 365 export section.
pub async fn usable_connections(
    state: State<'_, AppState>,
    kind: ConnectionKind,
) -> Result<Vec<ConnectionSummary>, Error> {
    with_workspace(state, move |ws| liaison_core::connections::access::usable_by_actor(ws, kind)).await
}

/// Sets who may use a Dynamics 365 connection (its owner only; audited).
pub async fn connection_set_usable_by(
    state: State<'_, AppState>,
    connection_id: String,
    usable_by: UsableBy,
) -> Result<(), Error> {
    with_workspace(state, move |ws| liaison_core::connections::access::set_usable_by(ws, &connection_id, usable_by))
        .await
}

/// Sets how people are matched to a Dynamics 365 connection's contacts (R13): by email or by a
/// cached field equal to a contact attribute. Audited; the next sync reads the contacts again
/// when the attribute changes.
pub async fn connection_set_match_by(
    state: State<'_, AppState>,
    connection_id: String,
    match_by: MatchBy,
) -> Result<DynamicsSettings, Error> {
    with_workspace(state, move |ws| dynamics::set_match_by(ws, &connection_id, match_by)).await
}

pub async fn connect_permission(state: State<'_, AppState>, kind: ConnectionKind) -> Result<ConnectPermission, Error> {
    with_workspace(state, move |ws| ownership::connect_permission(ws, kind)).await
}

/// Uses the embedded sandbox's secret when a sandbox connection is made without one.
pub(crate) async fn secret_or_sandbox(
    state: &AppState,
    typed: Option<String>,
    is_sandbox: bool,
    pick: impl FnOnce(&liaison_sandbox::Endpoints) -> String,
) -> Result<Option<SecretString>, Error> {
    match typed.filter(|s| !s.trim().is_empty()) {
        Some(secret) => Ok(Some(SecretString::from(secret))),
        None if is_sandbox => {
            let sandbox = state.sandbox.lock().await;
            let endpoints =
                sandbox.as_ref().ok_or_else(|| Error::invalid_input(msg!("desktop-sandbox-not-running")))?.endpoints();
            Ok(Some(SecretString::from(pick(endpoints))))
        }
        None => Ok(None),
    }
}

pub async fn connect_marketo(
    state: State<'_, AppState>,
    request: ConnectMarketo,
    client_secret: Option<String>,
) -> Result<ConnectionSummary, Error> {
    let secret = secret_or_sandbox(&state, client_secret, request.is_sandbox, |e| e.marketo.client_secret.clone())
        .await?
        .ok_or_else(|| Error::invalid_input(msg!("desktop-client-secret-required")))?;
    let (ws, vault) = (state.workspace()?, state.vault()?);
    marketo::connect(&ws, &vault, request, secret).await
}

pub async fn connect_salesforce(
    state: State<'_, AppState>,
    request: ConnectSalesforce,
    client_secret: Option<String>,
) -> Result<ConnectionSummary, Error> {
    let secret =
        secret_or_sandbox(&state, client_secret, request.is_sandbox, |e| e.salesforce.client_secret.clone()).await?;
    let (ws, vault) = (state.workspace()?, state.vault()?);
    salesforce::connect(&ws, &vault, request, secret, state.browser()).await
}

/// Disconnects (core checks ownership and the handover order first, deletes locally, and only
/// then revokes the Salesforce session).
pub async fn disconnect(state: State<'_, AppState>, connection_id: String) -> Result<Disconnected, Error> {
    let (ws, vault) = (state.workspace()?, state.vault()?);
    connections::disconnect::disconnect(&ws, &vault, &connection_id).await
}

pub async fn access_list(state: State<'_, AppState>, connection_id: String) -> Result<Vec<AccessGrant>, Error> {
    with_workspace(state, move |ws| ownership::access_list(ws, &connection_id)).await
}

pub async fn grant_access(state: State<'_, AppState>, connection_id: String, email: String) -> Result<(), Error> {
    with_workspace(state, move |ws| ownership::grant_access(ws, &connection_id, &email)).await
}

pub async fn revoke_access(state: State<'_, AppState>, connection_id: String, email: String) -> Result<(), Error> {
    with_workspace(state, move |ws| ownership::revoke_access(ws, &connection_id, &email)).await
}

pub async fn handover_status(state: State<'_, AppState>, kind: ConnectionKind) -> Result<Option<Handover>, Error> {
    with_workspace(state, move |ws| ownership::handover_status(ws, kind)).await
}

pub async fn start_handover(
    state: State<'_, AppState>,
    kind: ConnectionKind,
    email: String,
) -> Result<Handover, Error> {
    with_workspace(state, move |ws| ownership::start_handover(ws, kind, &email)).await
}

pub async fn cancel_handover(state: State<'_, AppState>, kind: ConnectionKind) -> Result<(), Error> {
    with_workspace(state, move |ws| ownership::cancel_handover(ws, kind)).await
}

pub async fn connect_dynamics(
    state: State<'_, AppState>,
    request: ConnectDynamics,
) -> Result<ConnectionSummary, Error> {
    let (ws, vault) = (state.workspace()?, state.vault()?);
    dynamics::connect(&ws, &vault, request, state.browser()).await
}

pub async fn connect_campaign(
    state: State<'_, AppState>,
    request: ConnectCampaign,
    client_secret: Option<String>,
) -> Result<ConnectionSummary, Error> {
    let secret = secret_or_sandbox(&state, client_secret, request.is_sandbox, |e| e.campaign.client_secret.clone())
        .await?
        .ok_or_else(|| Error::invalid_input(msg!("desktop-client-secret-required")))?;
    let (ws, vault) = (state.workspace()?, state.vault()?);
    campaign::connect(&ws, &vault, request, secret).await
}

pub async fn connection_check(state: State<'_, AppState>, connection_id: String) -> Result<HealthReport, Error> {
    let (ws, vault) = (state.workspace()?, state.vault()?);
    health::check(&ws, &vault, &connection_id).await
}
