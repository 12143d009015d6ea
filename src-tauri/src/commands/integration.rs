//! Integration info and activation: the workspace's client ID and secret (R2), the acting admin.
//! The client secret never crosses IPC: copying puts it on the clipboard from Rust, and
//! revealing shows it in a native dialog.

use liaison_core::Error;
use liaison_core::members::admin::{self, Admin, IntegrationInfo};
use liaison_core::msg;
use liaison_core::vault::VaultStatus;
use secrecy::ExposeSecret;
use tauri::{AppHandle, Runtime, State};
use tauri_plugin_clipboard_manager::ClipboardExt;
use tauri_plugin_dialog::DialogExt;

use super::{with_vault, with_workspace};
use crate::state::AppState;

pub async fn activate(state: State<'_, AppState>, name: String, email: String) -> Result<Admin, Error> {
    with_vault(state, move |ws, vault| admin::activate(ws, vault, &name, &email)).await
}

pub async fn acting_admin(state: State<'_, AppState>) -> Result<Option<Admin>, Error> {
    with_workspace(state, admin::acting_admin).await
}

pub async fn switch_admin(state: State<'_, AppState>, email: String) -> Result<Admin, Error> {
    with_workspace(state, move |ws| admin::switch_acting_admin(ws, &email)).await
}

pub async fn integration_info(state: State<'_, AppState>) -> Result<IntegrationInfo, Error> {
    with_vault(state, admin::integration_info).await
}

pub async fn regenerate_client_secret(state: State<'_, AppState>) -> Result<IntegrationInfo, Error> {
    with_vault(state, admin::regenerate_client_secret).await
}

pub async fn vault_status(state: State<'_, AppState>) -> Result<VaultStatus, Error> {
    state.vault().map(|v| v.status().clone())
}

pub async fn copy_client_secret<R: Runtime>(app: AppHandle<R>, state: State<'_, AppState>) -> Result<(), Error> {
    let secret = with_vault(state, admin::reveal_client_secret).await?;
    app.clipboard()
        .write_text(secret.expose_secret().to_owned())
        .map_err(|e| Error::internal(msg!("desktop-clipboard-failed")).caused_by(e))?;
    // The secret does not stay on the clipboard: cleared after a while, unless the admin has
    // copied something else since.
    tauri::async_runtime::spawn(async move {
        tokio::time::sleep(CLIPBOARD_CLEAR_AFTER).await;
        let still_there = app.clipboard().read_text().is_ok_and(|t| t == secret.expose_secret());
        if still_there && let Err(err) = app.clipboard().write_text(String::new()) {
            tracing::warn!("the copied client secret could not be cleared from the clipboard: {err}");
        }
    });
    Ok(())
}

/// How long a copied client secret stays on the clipboard.
pub const CLIPBOARD_CLEAR_AFTER: std::time::Duration = std::time::Duration::from_secs(60);

pub async fn reveal_client_secret<R: Runtime>(app: AppHandle<R>, state: State<'_, AppState>) -> Result<(), Error> {
    let lang = state.lang();
    let secret = with_vault(state, admin::reveal_client_secret).await?;
    app.dialog()
        .message(format!("{}\n\n{}", msg!("desktop-client-secret-label").render(lang), secret.expose_secret()))
        .title(msg!("desktop-client-secret-title").render(lang))
        .show(|_| {});
    Ok(())
}
