//! The Liaison desktop shell: one window, IPC commands that adapt to `liaison-core`, and
//! nothing else. Business rules live in core.

pub mod bindings;
pub mod commands;
pub mod state;

use tauri::{Builder, Runtime};

pub use state::AppState;

/// The app with its state and commands, generic over the runtime so tests can use the mock one.
pub fn builder<R: Runtime>(base: Builder<R>, state: AppState) -> Builder<R> {
    base.manage(state).invoke_handler(tauri::generate_handler![
        commands::app::app_info,
        commands::setup::setup_overview,
        commands::setup::workspace_status,
        commands::app::get_preferences,
        commands::app::set_language,
        commands::connections::connections_list,
        commands::members::members_list,
        commands::runs::runs_list,
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
    if let Err(err) = builder(tauri::Builder::default(), state).run(tauri::generate_context!()) {
        tracing::error!("the desktop app stopped with an error: {err}");
        eprintln!("Liaison could not start its window: {err}");
        std::process::exit(1);
    }
}
