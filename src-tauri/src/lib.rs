//! The Liaison desktop shell: one window, IPC commands that adapt to `liaison-core`, and
//! nothing else. Business rules live in core.

pub mod bindings;
pub mod commands;
pub mod state;

use tauri::{Builder, Runtime};

pub use state::AppState;

/// The app with its state and commands, generic over the runtime so tests can use the mock one.
pub fn builder<R: Runtime>(base: Builder<R>, state: AppState) -> Builder<R> {
    base.plugin(tauri_plugin_clipboard_manager::init())
        .plugin(tauri_plugin_dialog::init())
        // Used from Rust only (the webview has no notification permission).
        .plugin(tauri_plugin_notification::init())
        .manage(state)
        .setup(|app| {
            // Invitations queued before the app last stopped go out now; ones whose send was
            // interrupted are reported as uncertain by the delivery, never sent again.
            commands::invites::resume_delivery(app.handle());
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::app::app_info,
            commands::setup::setup_overview,
            commands::setup::workspace_status,
            commands::setup::step_checklist,
            commands::setup::confirm_step,
            commands::setup::verify_crm_package,
            commands::app::get_preferences,
            commands::app::set_language,
            commands::integration::activate,
            commands::integration::acting_admin,
            commands::integration::switch_admin,
            commands::integration::integration_info,
            commands::integration::regenerate_client_secret,
            commands::integration::copy_client_secret,
            commands::integration::reveal_client_secret,
            commands::integration::vault_status,
            commands::connections::connections_list,
            commands::connections::connect_permission,
            commands::connections::connect_marketo,
            commands::connections::connect_salesforce,
            commands::connections::connect_dynamics,
            commands::connections::connect_campaign,
            commands::connections::connection_check,
            commands::connections::disconnect,
            commands::connections::access_list,
            commands::connections::grant_access,
            commands::connections::revoke_access,
            commands::connections::handover_status,
            commands::connections::start_handover,
            commands::connections::cancel_handover,
            commands::sandbox::sandbox_start,
            commands::sandbox::sandbox_info,
            commands::members::members_list,
            commands::members::remove_member,
            commands::members::member_set_teams,
            commands::invites::teams_list,
            commands::invites::team_create,
            commands::invites::invite_expiry_get,
            commands::invites::invite_expiry_set,
            commands::invites::invitations_list,
            commands::invites::outbox_status,
            commands::invites::invite_user,
            commands::invites::invitation_resend,
            commands::invites::invitation_revoke,
            commands::invites::smtp_settings_get,
            commands::invites::smtp_settings_save,
            commands::invites::smtp_use_sandbox,
            commands::invites::smtp_send_test,
            commands::invites::csv_choose_file,
            commands::invites::csv_open,
            commands::invites::csv_preview,
            commands::invites::csv_validate,
            commands::invites::csv_send,
            commands::invites::csv_save_results,
            commands::invites::csv_save_template,
            commands::invites::invites_cancel,
            commands::runs::runs_list,
            commands::sync::sync_preview,
            commands::sync::sync_save_mapping,
            commands::sync::sync_custom_add,
            commands::sync::sync_custom_remove,
            commands::sync::sync_custom_choose,
            commands::sync::sync_estimate,
            commands::sync::sync_start,
            commands::sync::sync_cancel,
            commands::sync::sync_status,
            commands::sync::sync_history,
            commands::sync::sync_run_errors,
            commands::sync::sync_settings_get,
            commands::sync::sync_settings_save,
            commands::sync::people_search,
            commands::audit::audit_list,
        ])
}

/// Starts the desktop app.
pub fn run() {
    let paths = liaison_core::Paths::resolve(None);
    let _log = paths.as_ref().ok().and_then(|paths| match liaison_core::logging::init(paths, "desktop") {
        Ok(guard) => guard,
        Err(err) => {
            eprintln!("Liaison: {}", err.message);
            None
        }
    });
    let state = match paths {
        Ok(paths) => AppState::open(paths),
        Err(err) => AppState::failed(err),
    };
    tracing::info!(version = liaison_core::VERSION, "Liaison desktop starting");
    let app = builder(tauri::Builder::default(), state).setup(|app| {
        commands::sync::start_scheduler(app.handle().clone());
        Ok(())
    });
    if let Err(err) = app.run(tauri::generate_context!()) {
        tracing::error!("the desktop app stopped with an error: {err}");
        eprintln!("Liaison could not start its window: {err}");
        std::process::exit(1);
    }
}
