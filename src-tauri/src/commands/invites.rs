//! User management: inviting one user, the "Invite via CSV" wizard, SMTP settings, and the
//! background delivery of the outbox with progress events. Files are chosen and written through
//! native dialogs in Rust; the webview only sees paths and results.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Arc;

use liaison_core::Error;
use liaison_core::invites::csv::{Inspection, Mapping, MappingByName, PreviewPage, ValidationReport};
use liaison_core::invites::delivery;
use liaison_core::invites::import::{self, CsvFile};
use liaison_core::invites::invite::{self, BatchRow, BatchSummary, InvitationSummary, InviteRequest, Team};
use liaison_core::invites::outbox::{self, OutboxStatus};
use liaison_core::invites::smtp::{self, SmtpSettings};
use liaison_core::jobs::Throttle;
use liaison_core::msg;
use secrecy::SecretString;
use serde::Serialize;
use tauri::{AppHandle, Emitter, Manager, Runtime, State};
use tauri_plugin_dialog::DialogExt;
use ts_rs::TS;

use super::{blocking, with_vault, with_workspace};
use crate::jobs::Events;
use crate::state::AppState;

/// Event: delivery progress, at most 10 a second.
pub const PROGRESS_EVENT: &str = "invites-progress";
/// Event: delivery finished (or stopped, or was cancelled).
pub const FINISHED_EVENT: &str = "invites-finished";
/// Event: CSV validation progress, at most 10 a second.
pub const VALIDATION_EVENT: &str = "csv-validation-progress";

/// Validation progress as an event payload.
#[derive(Debug, Clone, Serialize, TS)]
pub struct ValidationProgressEvent {
    pub rows: u64,
    pub bytes_read: u64,
    pub total_bytes: u64,
}

pub async fn teams_list(state: State<'_, AppState>) -> Result<Vec<Team>, Error> {
    with_workspace(state, |ws| invite::list_teams(ws.store())).await
}

pub async fn team_create(state: State<'_, AppState>, name: String) -> Result<Team, Error> {
    with_workspace(state, move |ws| invite::create_team(ws, &name)).await
}

/// How many days new invitations stay valid.
pub async fn invite_expiry_get(state: State<'_, AppState>) -> Result<u32, Error> {
    with_workspace(state, |ws| invite::expiry_days(ws.store())).await
}

/// Sets how many days new invitations stay valid (1–90); answers with the stored value.
pub async fn invite_expiry_set(state: State<'_, AppState>, days: u32) -> Result<u32, Error> {
    with_workspace(state, move |ws| {
        invite::set_expiry_days(ws, days)?;
        invite::expiry_days(ws.store())
    })
    .await
}

pub async fn invitations_list(state: State<'_, AppState>) -> Result<Vec<InvitationSummary>, Error> {
    with_workspace(state, |ws| invite::list_invitations(ws.store())).await
}

pub async fn outbox_status(state: State<'_, AppState>) -> Result<OutboxStatus, Error> {
    with_workspace(state, |ws| outbox::outbox_status(ws.store())).await
}

pub async fn invite_user<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    request: InviteRequest,
) -> Result<InvitationSummary, Error> {
    let summary = with_vault(state.clone(), move |ws, vault| invite::invite_one(ws, vault, &request)).await?;
    start_delivery(app, &state)?;
    Ok(summary)
}

pub async fn invitation_resend<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    email: String,
) -> Result<InvitationSummary, Error> {
    let summary = with_vault(state.clone(), move |ws, vault| invite::resend(ws, vault, &email)).await?;
    start_delivery(app, &state)?;
    Ok(summary)
}

pub async fn invitation_revoke(state: State<'_, AppState>, email: String) -> Result<InvitationSummary, Error> {
    with_vault(state, move |ws, vault| invite::revoke(ws, vault, &email)).await
}

pub async fn smtp_settings_get(state: State<'_, AppState>) -> Result<Option<SmtpSettings>, Error> {
    with_workspace(state, |ws| smtp::smtp_settings(ws.store())).await
}

/// Saves the email settings; what waited in the outbox for them (such as the first admin's
/// access instructions) goes out now.
pub async fn smtp_settings_save<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    settings: SmtpSettings,
    password: Option<String>,
) -> Result<SmtpSettings, Error> {
    let password = password.map(SecretString::from);
    let saved = with_vault(state, move |ws, vault| smtp::save_smtp_settings(ws, vault, settings, password)).await?;
    resume_delivery(&app);
    Ok(saved)
}

pub async fn smtp_use_sandbox<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
) -> Result<SmtpSettings, Error> {
    let (host, port) = {
        let sandbox = state.sandbox.lock().await;
        let sandbox = sandbox.as_ref().ok_or_else(|| Error::invalid_input(msg!("desktop-sandbox-not-running")))?;
        (sandbox.endpoints().smtp.host.clone(), sandbox.endpoints().smtp.port)
    };
    let saved = with_vault(state, move |ws, vault| smtp::use_sandbox_smtp(ws, vault, &host, port)).await?;
    resume_delivery(&app);
    Ok(saved)
}

pub async fn smtp_send_test(state: State<'_, AppState>, to: String) -> Result<(), Error> {
    let (ws, vault) = (state.workspace()?, state.vault()?);
    smtp::send_test_email(&ws, &vault, &to).await
}

/// For automated UI tests, the file dialog is answered with this path instead of being shown
/// (like `$BROWSER` for sign-ins): the page itself can never set it.
const PICK_FILE_ENV: &str = "LIAISON_PICK_FILE";

/// Opens the native file dialog; `None` when the admin cancels. The chosen file is one the
/// page may then open.
pub async fn csv_choose_file<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
) -> Result<Option<String>, Error> {
    let picked = match std::env::var_os(PICK_FILE_ENV) {
        Some(path) => Some(PathBuf::from(path)),
        None => {
            let title = msg!("desktop-csv-dialog-title").render(state.lang());
            blocking(move || {
                Ok(app.dialog().file().add_filter("CSV", &["csv", "txt", "tsv"]).set_title(title).blocking_pick_file())
            })
            .await?
            .and_then(|p| p.into_path().ok())
        }
    };
    if let Some(path) = &picked {
        state.choose_files([path.as_path()]);
    }
    Ok(picked.map(|p| p.display().to_string()))
}

/// Reads the chosen (or dropped) file and proposes a mapping. Only a file the admin chose in
/// the dialog or dropped on the window is read.
pub async fn csv_open(state: State<'_, AppState>, path: String) -> Result<CsvFile, Error> {
    if !state.was_chosen(std::path::Path::new(&path)) {
        return Err(Error::new(liaison_core::ErrorCode::Forbidden, msg!("desktop-csv-not-chosen")));
    }
    let file = with_workspace(state.clone(), move |ws| import::open(ws, std::path::Path::new(&path))).await?;
    *state.csv.lock().await = Some((PathBuf::from(&file.path), file.inspection.clone()));
    Ok(file)
}

async fn opened(
    state: &AppState,
    path: &str,
    mapping: &MappingByName,
) -> Result<(PathBuf, Inspection, Mapping), Error> {
    let guard = state.csv.lock().await;
    let (opened, inspection) = guard
        .as_ref()
        .filter(|(p, _)| p.as_path() == std::path::Path::new(path))
        .ok_or_else(|| Error::invalid_input(msg!("desktop-csv-not-open")))?;
    let mapping = import::mapping(inspection, mapping)?;
    Ok((opened.clone(), inspection.clone(), mapping))
}

pub async fn csv_preview(
    state: State<'_, AppState>,
    path: String,
    mapping: MappingByName,
    offset: u64,
    limit: u32,
) -> Result<PreviewPage, Error> {
    let (path, inspection, mapping) = opened(&state, &path, &mapping).await?;
    with_workspace(state, move |ws| import::preview(ws, &path, &inspection, &mapping, offset, limit as usize)).await
}

pub async fn csv_validate<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    path: String,
    mapping: MappingByName,
    excluded: Vec<u64>,
) -> Result<ValidationReport, Error> {
    let (path, inspection, mapping) = opened(&state, &path, &mapping).await?;
    with_workspace(state, move |ws| {
        let excluded: BTreeSet<u64> = excluded.into_iter().collect();
        let mut throttle = Throttle::per_second(10);
        import::validate(ws, &path, &inspection, &mapping, &excluded, &mut |p| {
            if throttle.ready(false) {
                let _ = app.emit(
                    VALIDATION_EVENT,
                    ValidationProgressEvent { rows: p.rows, bytes_read: p.bytes_read, total_bytes: p.total_bytes },
                );
            }
        })
    })
    .await
}

/// Queues the reviewed file's valid rows (saving the mapping for next time) and starts sending.
pub async fn csv_send<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    path: String,
    mapping: MappingByName,
    excluded: Vec<u64>,
) -> Result<BatchSummary, Error> {
    let (file, inspection, _) = opened(&state, &path, &mapping).await?;
    let source = (file.clone(), inspection.clone());
    let batch = with_vault(state.clone(), move |ws, vault| {
        let excluded: BTreeSet<u64> = excluded.into_iter().collect();
        import::queue(ws, vault, &file, &inspection, &mapping, &excluded)
    })
    .await?;
    *state.last_batch.lock().await = Some((source.0, source.1, batch.clone()));
    start_delivery(app, &state)?;
    Ok(batch)
}

/// Saves the last batch's per-row results (the file's own columns plus Result and Reason)
/// through the native save dialog.
pub async fn csv_save_results<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
) -> Result<Option<String>, Error> {
    let (source, inspection, batch) =
        state.last_batch.lock().await.clone().ok_or_else(|| Error::not_found(msg!("desktop-no-batch-results")))?;
    let lang = state.lang();
    save_as(app, "invitation-results.csv", move |file| {
        invite::write_batch_results(file, &source, &inspection, &batch, lang)
    })
    .await
}

/// A page of the last batch's per-row results (at most 1,000 rows from `offset`).
pub async fn csv_batch_rows(state: State<'_, AppState>, offset: u64, limit: u32) -> Result<Vec<BatchRow>, Error> {
    let last = state.last_batch.lock().await;
    let (_, _, batch) = last.as_ref().ok_or_else(|| Error::not_found(msg!("desktop-no-batch-results")))?;
    Ok(batch.page(offset, limit).to_vec())
}

/// Saves a template CSV through the native save dialog.
pub async fn csv_save_template<R: Runtime>(app: AppHandle<R>) -> Result<Option<String>, Error> {
    save_as(app, "invitation-template.csv", |mut file| {
        use std::io::Write;
        file.write_all(&liaison_core::invites::csv::template())
            .map_err(|e| Error::invalid_input(msg!("desktop-template-write-failed", reason = e.to_string())))
    })
    .await
}

pub(crate) async fn save_as<R: Runtime>(
    app: AppHandle<R>,
    name: &'static str,
    write: impl FnOnce(std::fs::File) -> Result<(), Error> + Send + 'static,
) -> Result<Option<String>, Error> {
    blocking(move || {
        let Some(path) = app.dialog().file().set_file_name(name).add_filter("CSV", &["csv"]).blocking_save_file()
        else {
            return Ok(None);
        };
        let path = path
            .into_path()
            .map_err(|e| Error::invalid_input(msg!("desktop-location-unusable", reason = e.to_string())))?;
        let file = std::fs::File::create(&path).map_err(|e| {
            Error::invalid_input(msg!(
                "desktop-file-write-failed",
                path = path.display().to_string(),
                reason = e.to_string()
            ))
        })?;
        write(file)?;
        Ok(Some(path.display().to_string()))
    })
    .await
}

/// Asks the running delivery to stop after the message in flight.
pub async fn invites_cancel(state: State<'_, AppState>) -> Result<(), Error> {
    state.delivery.cancel();
    Ok(())
}

/// Delivers the outbox in the background (one delivery at a time), with progress events; a
/// delivery already going picks up what was just queued.
pub(crate) fn start_delivery<R: Runtime>(app: AppHandle<R>, state: &AppState) -> Result<(), Error> {
    let reporter = Arc::new(Events::new(app, PROGRESS_EVENT, FINISHED_EVENT));
    delivery::start(state.workspace()?, state.vault()?, &state.delivery, reporter).map(|_| ())
}

/// Finishes what an interrupted delivery left in the outbox (at start).
pub fn resume_delivery<R: Runtime>(app: &AppHandle<R>) {
    let state = app.state::<AppState>();
    let (Ok(ws), Ok(vault)) = (state.workspace(), state.vault()) else { return };
    let reporter = Arc::new(Events::new(app.clone(), PROGRESS_EVENT, FINISHED_EVENT));
    if let Err(err) = delivery::resume(ws, vault, &state.delivery, reporter) {
        tracing::warn!("queued invitations wait: delivery could not start: {}", err.chain());
    }
}
