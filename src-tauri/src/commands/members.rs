//! User management.

use liaison_core::Error;
use liaison_core::invites::invite;
use liaison_core::members::{self, MemberSummary, admin};
use tauri::State;

use super::with_workspace;
use crate::state::AppState;

pub async fn members_list(state: State<'_, AppState>) -> Result<Vec<MemberSummary>, Error> {
    with_workspace(state, |ws| members::list(ws.store())).await
}

pub async fn remove_member(state: State<'_, AppState>, email: String) -> Result<(), Error> {
    with_workspace(state, move |ws| admin::remove_member(ws, &email)).await
}

/// Sets a member's teams besides Everyone (which every member keeps, R4).
pub async fn member_set_teams(
    state: State<'_, AppState>,
    email: String,
    teams: Vec<String>,
) -> Result<MemberSummary, Error> {
    with_workspace(state, move |ws| invite::assign_teams(ws, &email, &teams)).await
}
