//! IPC adapters, one file per settings area. Each command resolves the workspace, hands the work
//! to a core use-case on a blocking thread (SQLite and network I/O never run on the IPC thread),
//! and returns core's types and `{code, message, details}` errors unchanged.

pub mod app;
pub mod audit;
pub mod connections;
pub mod integration;
pub mod invites;
pub mod members;
pub mod names;
pub mod runs;
pub mod sandbox;
pub mod setup;
pub mod sync;

use std::sync::Arc;

use liaison_core::vault::Vault;
use liaison_core::{Error, Workspace};
use tauri::State;

use crate::state::AppState;

/// Runs a core call against the workspace off the async runtime's worker threads.
pub(crate) async fn with_workspace<T: Send + 'static>(
    state: State<'_, AppState>,
    f: impl FnOnce(&Workspace) -> Result<T, Error> + Send + 'static,
) -> Result<T, Error> {
    let workspace = state.workspace()?;
    blocking(move || f(&workspace)).await
}

/// Like [`with_workspace`], with the credential vault as well.
pub(crate) async fn with_vault<T: Send + 'static>(
    state: State<'_, AppState>,
    f: impl FnOnce(&Workspace, &Vault) -> Result<T, Error> + Send + 'static,
) -> Result<T, Error> {
    let workspace = state.workspace()?;
    let vault: Arc<Vault> = state.vault()?;
    blocking(move || f(&workspace, &vault)).await
}

/// Runs blocking work (SQLite, files, native dialogs) off the async runtime's worker threads.
pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, Error> + Send + 'static,
) -> Result<T, Error> {
    tauri::async_runtime::spawn_blocking(f)
        .await
        .map_err(|e| Error::internal(format!("A background task stopped unexpectedly ({e}).")))?
}
