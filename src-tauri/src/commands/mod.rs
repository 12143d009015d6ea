//! IPC adapters, one file per settings area. Each command resolves the workspace, hands the work
//! to a core use-case on a blocking thread (SQLite and network I/O never run on the IPC thread),
//! and returns core's types and `{code, message, details}` errors unchanged.

pub mod app;
pub mod audit;
pub mod campaign;
pub mod connections;
pub mod export_runs;
pub mod exports;
pub mod integration;
pub mod invites;
pub mod members;
pub mod runs;
pub mod sandbox;
pub mod segments;
pub mod setup;
pub mod sync;

use std::sync::Arc;

use liaison_core::msg;
use liaison_core::vault::Vault;
use liaison_core::{Error, Workspace};
use tauri::{AppHandle, Manager, Runtime, State};

use crate::state::AppState;

/// What a command's adapter may ask Tauri for besides its arguments.
pub(crate) trait FromContext<'a, R: Runtime> {
    fn from_context(app: &'a AppHandle<R>) -> Self;
}

impl<R: Runtime> FromContext<'_, R> for AppHandle<R> {
    fn from_context(app: &AppHandle<R>) -> Self {
        app.clone()
    }
}

impl<'a, R: Runtime> FromContext<'a, R> for State<'a, AppState> {
    fn from_context(app: &'a AppHandle<R>) -> Self {
        app.state::<AppState>()
    }
}

/// Expands the declaration in `surface.rs`. Each command becomes a Tauri command in [`ipc`]
/// that hands its context and arguments to the adapter of the same name, and returns the
/// result with every text in the workspace language (errors included).
macro_rules! liaison_ipc_surface {
    ($( $module:ident :: $name:ident [$($context:ident),*] ( $($arg:ident : $ty:ty),* ) -> $ret:ty ; )*) => {
        /// The Tauri commands, generated from `surface.rs`. They are private so that Tauri's
        /// per-command macros stay in textual scope for `generate_handler!` below.
        mod ipc {
            #[allow(unused_imports)]
            use super::surface_types::*;
            $(
                #[tauri::command(rename_all = "snake_case")]
                async fn $name<R: tauri::Runtime>(
                    app: tauri::AppHandle<R>,
                    $($arg: $ty),*
                ) -> Result<liaison_core::i18n::Localized<$ret>, liaison_core::Error> {
                    let lang = tauri::Manager::state::<crate::AppState>(&app).lang();
                    let result: Result<$ret, liaison_core::Error> = super::$module::$name(
                        $({ let _ = stringify!($context); super::FromContext::from_context(&app) },)*
                        $($arg),*
                    ).await;
                    match result {
                        Ok(value) => Ok(liaison_core::i18n::Localized { lang, value }),
                        Err(err) => {
                            tracing::warn!(command = stringify!($name), code = err.code.as_str(), "{}", err.chain());
                            Err(err.localized(lang))
                        }
                    }
                }
            )*

            /// The invoke handler with every declared command.
            pub fn handler<R: tauri::Runtime>() -> impl Fn(tauri::ipc::Invoke<R>) -> bool + Send + Sync + 'static {
                tauri::generate_handler![$($name),*]
            }
        }
        pub use ipc::handler;

        /// The app commands the webview may call, in declaration order.
        pub const COMMANDS: &[&str] = &[$(stringify!($name)),*];


        /// The declared commands with their TypeScript signatures, for the bindings.
        pub fn declared() -> Vec<crate::bindings::Command> {
            #[allow(unused_imports)]
            use surface_types::*;
            vec![$(
                crate::bindings::Command::new::<$ret>(
                    stringify!($name),
                    vec![$(crate::bindings::Arg::new::<$ty>(stringify!($arg))),*],
                    crate::bindings::declare::<$ret>,
                    vec![$(crate::bindings::declare::<$ty>),*],
                )
            ),*]
        }
    };
}

include!("surface.rs");

/// The command names, where tests and `build.rs` look for them.
pub mod names {
    pub use super::COMMANDS;
}

/// The types the declaration names.
mod surface_types {
    pub use crate::commands::app::AppInfo;
    pub use crate::commands::campaign::CampaignActivity;
    pub use crate::commands::export_runs::ExportActivity;
    pub use crate::commands::sandbox::SandboxInfo;
    pub use crate::commands::sync::SyncOverview;
    pub use liaison_core::Text;
    pub use liaison_core::audit::{AuditEntry, AuditQuery};
    pub use liaison_core::campaign::{
        CampaignLink, CampaignRecordError, CampaignRun, CampaignSchedule, EntityMappingRequest, FieldPair, Metadata,
        OptOutCarrier, OptOutDirection, TimelinePreview,
    };
    pub use liaison_core::connections::access::UsableBy;
    pub use liaison_core::connections::campaign::ConnectCampaign;
    pub use liaison_core::connections::disconnect::Disconnected;
    pub use liaison_core::connections::dynamics::{ConnectDynamics, DynamicsSettings, MatchBy};
    pub use liaison_core::connections::health::HealthReport;
    pub use liaison_core::connections::marketo::ConnectMarketo;
    pub use liaison_core::connections::ownership::{AccessGrant, ConnectPermission, Handover};
    pub use liaison_core::connections::salesforce::ConnectSalesforce;
    pub use liaison_core::connections::{ConnectionKind, ConnectionSummary};
    pub use liaison_core::exports::destinations::{Destination, NewDynamicsDestination, NewMarketoDestination};
    pub use liaison_core::exports::history::{ExportRowResult, ExportRun};
    pub use liaison_core::exports::{DryRun, Export, NewExport};
    pub use liaison_core::invites::csv::{MappingByName, PreviewPage, ValidationReport};
    pub use liaison_core::invites::import::CsvFile;
    pub use liaison_core::invites::invite::{BatchRow, BatchSummary, InvitationSummary, InviteRequest, Team};
    pub use liaison_core::invites::outbox::OutboxStatus;
    pub use liaison_core::invites::smtp::SmtpSettings;
    pub use liaison_core::members::MemberSummary;
    pub use liaison_core::members::admin::{Admin, IntegrationInfo};
    pub use liaison_core::members::first_admin::{AccessEmail, FirstAdminActivation, MarketoAdmin, MarketoSource};
    pub use liaison_core::runs::usage::SystemCalls;
    pub use liaison_core::runs::{RunKind, RunSummary};
    pub use liaison_core::segments::{Definition, Segment, SegmentField, SegmentPreview};
    pub use liaison_core::settings::{LanguagePreference, Preferences};
    pub use liaison_core::setup::checklist::ChecklistItem;
    pub use liaison_core::setup::package::PackageVerification;
    pub use liaison_core::setup::prerequisites::Prerequisite;
    pub use liaison_core::setup::{SetupOverview, SetupStepKey};
    pub use liaison_core::sync::cache::{ConflictRule, Person};
    pub use liaison_core::sync::fields::{CustomField, FieldChoice, FieldPreview, NewCustomField};
    pub use liaison_core::sync::run::{Estimate, RecordError, SyncRun};
    pub use liaison_core::sync::settings::SyncSettings;
    pub use liaison_core::vault::VaultStatus;
    pub use liaison_core::workspace::WorkspaceStatus;
}

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
        .map_err(|e| Error::internal(msg!("desktop-task-stopped")).caused_by(e))?
}
