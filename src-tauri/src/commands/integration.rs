//! Integration info and activation: the workspace's client ID and secret (R2), the acting admin.
//! The client secret never crosses IPC: copying puts it on the clipboard from Rust, and
//! revealing shows it in a native dialog.

use liaison_core::Error;
use liaison_core::members::admin::{self, Admin, IntegrationInfo};
use liaison_core::members::first_admin::{self, AccessEmail, FirstAdminActivation, MarketoAdmin, MarketoSource};
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

/// The secret typed at step 1, or the running sandbox's when the endpoint is the sandbox's
/// Marketo and none was typed (the secret never crosses IPC from Rust to the webview).
async fn marketo_secret(
    state: &AppState,
    source: &MarketoSource,
    typed: Option<String>,
) -> Result<Option<secrecy::SecretString>, Error> {
    let MarketoSource::Credentials { base_url, .. } = source else { return Ok(None) };
    let is_sandbox = match state.sandbox.lock().await.as_ref() {
        Some(sandbox) => {
            sandbox.endpoints().marketo.base_url.trim_end_matches('/') == base_url.trim().trim_end_matches('/')
        }
        None => false,
    };
    super::connections::secret_or_sandbox(state, typed, is_sandbox, |e| e.marketo.client_secret.clone()).await
}

pub async fn marketo_admins(
    state: State<'_, AppState>,
    source: MarketoSource,
    client_secret: Option<String>,
) -> Result<Vec<MarketoAdmin>, Error> {
    let secret = marketo_secret(&state, &source, client_secret).await?;
    let (ws, vault) = (state.workspace()?, state.vault()?);
    first_admin::marketo_admins(&ws, &vault, &source, secret).await
}

/// Activates with a Marketo admin and starts delivering their access instructions.
pub async fn activate_from_marketo<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    source: MarketoSource,
    client_secret: Option<String>,
    pick: String,
) -> Result<FirstAdminActivation, Error> {
    let secret = marketo_secret(&state, &source, client_secret).await?;
    let (ws, vault) = (state.workspace()?, state.vault()?);
    let done = first_admin::activate_from_marketo(&ws, &vault, &source, secret, &pick).await?;
    if !done.email.waiting_for_email_settings {
        super::invites::start_delivery(app, &state)?;
    }
    Ok(done)
}

pub async fn access_email(state: State<'_, AppState>) -> Result<Option<AccessEmail>, Error> {
    with_workspace(state, |ws| first_admin::access_email(ws.store())).await
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
