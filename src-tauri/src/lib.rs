//! The Liaison desktop shell: one window, IPC commands that adapt to `liaison-core`, and
//! nothing else. Business rules live in core.

pub mod bindings;
pub mod commands;
pub mod jobs;
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
            // Tauri keeps one `setup` per builder (a second call replaces the first), so every
            // start-up task lives here.
            commands::sync::start_scheduler(app.handle().clone());
            Ok(())
        })
        // A file dropped on the window is one the page may open (csv_open refuses others).
        .on_window_event(|window, event| {
            if let tauri::WindowEvent::DragDrop(tauri::DragDropEvent::Drop { paths, .. }) = event {
                use tauri::Manager;
                window.state::<AppState>().choose_files(paths.iter().map(|p| p.as_path()));
            }
        })
        .invoke_handler(commands::handler())
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
    let app = builder(tauri::Builder::default(), state);
    if let Err(err) = app.run(tauri::generate_context!()) {
        tracing::error!("the desktop app stopped with an error: {err}");
        eprintln!("Liaison could not start its window: {err}");
        std::process::exit(1);
    }
}
