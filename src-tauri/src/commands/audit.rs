//! Audit log.

use liaison_core::Error;
use liaison_core::audit::{self, AuditEntry, AuditQuery};
use tauri::State;

use super::with_workspace;
use crate::state::AppState;

pub async fn audit_list(state: State<'_, AppState>, query: AuditQuery) -> Result<Vec<AuditEntry>, Error> {
    with_workspace(state, move |ws| audit::list(ws.store(), &query)).await
}
