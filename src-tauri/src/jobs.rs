//! How the desktop shows what core's jobs report: progress and the end as events to the window
//! (texts in the workspace language), the notice as a desktop notification.

use liaison_core::i18n::Localized;
use liaison_core::invites::outbox::Notice;
use liaison_core::jobs::Reporter;
use serde::Serialize;
use tauri::{AppHandle, Emitter, Manager, Runtime};
use tauri_plugin_notification::NotificationExt;

use crate::state::{AppState, Notifications};

/// Reports a job to the window through two events.
pub struct Events<R: Runtime> {
    app: AppHandle<R>,
    progress: &'static str,
    finished: &'static str,
}

impl<R: Runtime> Events<R> {
    /// A reporter that emits `progress` and `finished`.
    pub fn new(app: AppHandle<R>, progress: &'static str, finished: &'static str) -> Self {
        Self { app, progress, finished }
    }

    fn emit<T: Serialize + Clone>(&self, event: &str, value: T) {
        let lang = self.app.state::<AppState>().lang();
        if let Err(err) = self.app.emit(event, Localized { lang, value }) {
            tracing::warn!(event, "the window could not be told: {err}");
        }
    }
}

impl<R: Runtime, P: Serialize + Clone, F: Serialize + Clone> Reporter<P, F> for Events<R> {
    fn progress(&self, progress: &P) {
        self.emit(self.progress, progress);
    }

    fn notice(&self, notice: &Notice) {
        notify(&self.app, notice);
    }

    fn finished(&self, outcome: &F) {
        self.emit(self.finished, outcome);
    }
}

/// Shows a desktop notification (tests collect them in a list instead).
pub fn notify<R: Runtime>(app: &AppHandle<R>, notice: &Notice) {
    match &app.state::<AppState>().notifications {
        Notifications::Recorded(list) => list.lock().unwrap_or_else(|p| p.into_inner()).push(notice.clone()),
        Notifications::System => {
            if let Err(err) = app.notification().builder().title(&notice.title).body(&notice.body).show() {
                tracing::warn!("the desktop notification could not be shown: {err}");
            }
        }
    }
}
