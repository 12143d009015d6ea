//! General: version, directories, preferences.

use liaison_core::settings::{self, LanguagePreference, Preferences};
use liaison_core::{Error, VERSION};
use serde::Serialize;
use tauri::State;
use ts_rs::TS;

use super::with_workspace;
use crate::state::AppState;

/// What the UI needs before anything else.
#[derive(Debug, Clone, Serialize, TS)]
pub struct AppInfo {
    pub version: String,
    pub data_dir: String,
    pub log_dir: String,
    /// Set when the workspace could not be opened; the UI shows it instead of the app.
    pub startup_error: Option<Error>,
}

pub async fn app_info(state: State<'_, AppState>) -> Result<AppInfo, Error> {
    let (data_dir, log_dir) =
        state.paths().map(|p| (p.data_dir.display().to_string(), p.log_dir.display().to_string())).unwrap_or_default();
    Ok(AppInfo { version: VERSION.to_owned(), data_dir, log_dir, startup_error: state.startup_error().cloned() })
}

/// The UI painted its first screen: logged once per process with how long the start took and the
/// wall-clock moment (the start-up benchmark measures from the launch to that moment).
pub async fn app_painted() -> Result<(), Error> {
    static REPORTED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    if !REPORTED.swap(true, std::sync::atomic::Ordering::SeqCst) {
        let unix_ms =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64);
        let after_start_ms = crate::since_start().as_millis() as u64;
        tracing::info!(after_start_ms, unix_ms, "first screen painted");
    }
    Ok(())
}

pub async fn get_preferences(state: State<'_, AppState>) -> Result<Preferences, Error> {
    with_workspace(state, |ws| settings::preferences(ws.store())).await
}

pub async fn set_language(state: State<'_, AppState>, language: LanguagePreference) -> Result<Preferences, Error> {
    with_workspace(state, move |ws| settings::set_language(ws.store(), language)).await
}
