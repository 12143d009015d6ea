//! The Liaison desktop shell: one window, IPC commands that adapt to `liaison-core`, and
//! nothing else. Business rules live in core.

pub mod bindings;
pub mod commands;
pub mod jobs;
pub mod state;

use tauri::{AppHandle, Builder, Manager, Runtime};
use tauri_plugin_window_state::StateFlags;

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
                window.state::<AppState>().choose_files(paths.iter().map(|p| p.as_path()));
            }
        })
        .invoke_handler(commands::handler())
}

/// The plugins of the installed app only (the IPC contract tests build without them): one app
/// per workspace, a second launch on it focusing the first one's window and exiting; the
/// window's size and position remembered in the workspace. Without a workspace (its directory
/// could not be resolved) the app starts plainly and shows why.
fn desktop_plugins<R: Runtime>(base: Builder<R>, paths: Option<&liaison_core::Paths>) -> Builder<R> {
    let Some(paths) = paths else { return base };
    let single_instance =
        tauri_plugin_single_instance::Builder::new().dbus_id(paths.instance_name()).callback(focus_main_window).build();
    let window_state = tauri_plugin_window_state::Builder::new()
        .with_state_flags(StateFlags::SIZE | StateFlags::POSITION | StateFlags::MAXIMIZED)
        // An absolute path: the plugin joins it to the app config dir, which leaves it as is.
        .with_filename(paths.window_state_file().display().to_string())
        .build();
    // Single-instance first, so that a second launch leaves before anything else starts.
    base.plugin(single_instance).plugin(window_state)
}

/// Brings the main window to the front: another launch on this workspace asked for it.
fn focus_main_window<R: Runtime>(app: &AppHandle<R>, _args: Vec<String>, _cwd: String) {
    tracing::info!("another launch on this workspace: focusing the window");
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
    }
}

/// When this process started (as early as `run` can tell): the first painted screen is reported
/// against it.
static STARTED: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();

/// How long ago the process started, as far as `run` knows.
pub(crate) fn since_start() -> std::time::Duration {
    STARTED.get_or_init(std::time::Instant::now).elapsed()
}

/// Starts the desktop app. Call it first thing in `main`, before any other thread starts.
pub fn run() {
    STARTED.get_or_init(std::time::Instant::now);
    tune_webkit_rendering();
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
    let base = desktop_plugins(tauri::Builder::default(), state.paths());
    let app = match builder(base, state).build(tauri::generate_context!()) {
        Ok(app) => app,
        Err(err) => {
            tracing::error!("the desktop app stopped with an error: {err}");
            eprintln!("Liaison could not start its window: {err}");
            std::process::exit(1);
        }
    };
    exit_gracefully_on_signals(app.handle().clone());
    app.run(|_, _| {});
}

/// Sets WebKit's rendering variables for this machine (see [`webkit_environment`]) before
/// WebKit starts; the web process inherits them.
fn tune_webkit_rendering() {
    for (name, value) in webkit_environment(has_gpu_render_node(), |name| std::env::var_os(name).is_some()) {
        // SAFETY: `run` is called first thing in `main`, while this is the only thread; nothing
        // reads the environment concurrently.
        #[allow(unsafe_code)]
        unsafe {
            std::env::set_var(name, value);
        }
    }
}

/// The WebKit variables Liaison sets, each only when the user has not set it (issue #14: idle
/// memory):
/// - `WEBKIT_SKIA_GPU_PAINTING_THREADS=0`: by default WebKit's Skia paints page tiles on a worker
///   thread with a GL context of its own, next to the compositor's; without a GPU (Mesa's
///   software GL) that context is a second software rasteriser holding about 27 MB of the web
///   process at idle. With none, Skia's CPU worker paints the tiles (WebKit's WPE port does so by
///   default) and the compositor still composites them.
/// - `WEBKIT_DISABLE_COMPOSITING_MODE=1`, on a machine without a GPU render node only: there
///   accelerated compositing runs on Mesa's software rasteriser, which buys nothing over WebKit's
///   own painting and holds about 65 MB more across the app and its web process (309 → 245 MB on
///   Xvfb). With a GPU, compositing stays on.
fn webkit_environment(gpu: bool, is_set: impl Fn(&str) -> bool) -> Vec<(&'static str, &'static str)> {
    let mut vars = vec![("WEBKIT_SKIA_GPU_PAINTING_THREADS", "0")];
    if !gpu {
        vars.push(("WEBKIT_DISABLE_COMPOSITING_MODE", "1"));
    }
    vars.retain(|(name, _)| !is_set(name));
    vars
}

/// Whether the kernel offers a GPU render node (`/dev/dri/renderD*`), which GL needs to run on
/// a GPU rather than in software.
fn has_gpu_render_node() -> bool {
    if !cfg!(target_os = "linux") {
        return true;
    }
    std::fs::read_dir("/dev/dri")
        .map(|dir| dir.flatten().any(|entry| entry.file_name().to_string_lossy().starts_with("renderD")))
        .unwrap_or(false)
}

/// Ends the app the orderly way (exit steps run: the window's size and position are saved) when
/// the session asks it to stop (SIGTERM at logout, SIGINT from a terminal), instead of dying.
fn exit_gracefully_on_signals<R: Runtime>(app: AppHandle<R>) {
    #[cfg(unix)]
    tauri::async_runtime::spawn(async move {
        use tokio::signal::unix::{SignalKind, signal};
        let (Ok(mut term), Ok(mut int)) = (signal(SignalKind::terminate()), signal(SignalKind::interrupt())) else {
            tracing::warn!("cannot listen for stop signals; the window state is saved only when the window closes");
            return;
        };
        tokio::select! {
            _ = term.recv() => tracing::info!("asked to stop (SIGTERM)"),
            _ = int.recv() => tracing::info!("asked to stop (SIGINT)"),
        }
        app.exit(0);
    });
}

#[cfg(test)]
mod tests {
    use super::webkit_environment;

    #[test]
    fn without_a_gpu_webkit_composites_nothing_and_paints_on_the_cpu_and_a_value_the_user_set_wins() {
        let nothing_set = |_: &str| false;
        assert_eq!(
            webkit_environment(false, nothing_set),
            [("WEBKIT_SKIA_GPU_PAINTING_THREADS", "0"), ("WEBKIT_DISABLE_COMPOSITING_MODE", "1")]
        );
        assert_eq!(webkit_environment(true, nothing_set), [("WEBKIT_SKIA_GPU_PAINTING_THREADS", "0")]);
        let compositing_set = |name: &str| name == "WEBKIT_DISABLE_COMPOSITING_MODE";
        assert_eq!(webkit_environment(false, compositing_set), [("WEBKIT_SKIA_GPU_PAINTING_THREADS", "0")]);
    }
}
