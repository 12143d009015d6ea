//! What the shell holds while it runs: the opened workspace and vault (or the reasons they could
//! not open), and the embedded sandbox once the admin starts it.

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use liaison_core::connections::oauth::{Browser, SystemBrowser};
use liaison_core::invites::csv::Inspection;
use liaison_core::invites::invite::BatchSummary;
use liaison_core::invites::outbox::Notice;

use liaison_core::vault::{Keychain, Vault, select_keychain};
use liaison_core::{Error, Paths, Workspace};
use liaison_sandbox::Sandbox;

use liaison_core::campaign::CampaignSlot;
use liaison_core::exports::ExportSlot;
use liaison_core::invites::delivery::DeliverySlot;
use liaison_core::sync::job::SyncSlot;
/// Where desktop notifications go: the system's notification center, or a list that tests read
/// (so a test run never pops up notifications on the developer's desktop).
#[derive(Clone, Default)]
pub enum Notifications {
    #[default]
    System,
    Recorded(Arc<Mutex<Vec<Notice>>>),
}

/// Managed Tauri state.
pub struct AppState {
    paths: Option<Paths>,
    workspace: Result<Workspace, Error>,
    vault: Result<Arc<Vault>, Error>,
    /// The built-in sandbox, started on demand ("Try Liaison with the sandbox").
    pub sandbox: tokio::sync::Mutex<Option<Sandbox>>,
    /// The CSV file open in the invite wizard, as inspected.
    pub csv: tokio::sync::Mutex<Option<(PathBuf, Inspection)>>,
    /// Files the admin chose in the native dialog or dropped on the window: the only ones the
    /// webview may have opened (a path typed into, or forged by, the page is refused).
    chosen_files: Mutex<HashSet<PathBuf>>,
    /// The last invitation batch and the file it came from, for its results file.
    pub last_batch: tokio::sync::Mutex<Option<(PathBuf, Inspection, BatchSummary)>>,
    /// The delivery of the outbox this app runs, if any (one at a time).
    pub delivery: Arc<DeliverySlot>,
    /// The data sync this app runs, if any (one at a time).
    pub sync: Arc<SyncSlot>,
    /// The export run this app drives, if any (one at a time).
    pub export: Arc<ExportSlot>,
    /// The Campaign ↔ Dynamics 365 run this app drives, if any.
    pub campaign: Arc<CampaignSlot>,
    /// Where the "delivery finished" notification goes.
    pub notifications: Notifications,
    /// What opens the sign-in pages: the system browser (tests put a fetcher in its place).
    browser: Arc<dyn Browser>,
}

impl AppState {
    /// State for when the data directory could not even be resolved.
    pub fn failed(err: Error) -> Self {
        Self::with(None, Err(err.clone()), Err(err))
    }

    /// Opens the workspace in `paths`, and its vault with the keychain `LIAISON_KEYCHAIN`
    /// selects. Failures are kept, not raised: the window still opens and explains them.
    pub fn open(paths: Paths) -> Self {
        let keychain = select_keychain(&paths);
        Self::open_with(paths, keychain)
    }

    /// Opens the workspace in `paths` with the vault key from `keychain` (tests pass their own).
    pub fn open_with(paths: Paths, keychain: Result<Box<dyn Keychain>, Error>) -> Self {
        let workspace = Workspace::open(paths.clone());
        if let Err(err) = &workspace {
            tracing::error!(code = err.code.as_str(), "the workspace could not be opened: {}", err.message);
        }
        let vault = workspace.as_ref().map_err(Clone::clone).and_then(|ws| {
            let keychain = keychain?;
            Vault::open(ws.store(), keychain.as_ref()).map(Arc::new)
        });
        if let (Ok(_), Err(err)) = (&workspace, &vault) {
            tracing::warn!(code = err.code.as_str(), "the credential vault is closed: {}", err.message);
        }
        Self::with(Some(paths), workspace, vault)
    }

    fn with(paths: Option<Paths>, workspace: Result<Workspace, Error>, vault: Result<Arc<Vault>, Error>) -> Self {
        Self {
            paths,
            workspace,
            vault,
            sandbox: Default::default(),
            csv: Default::default(),
            chosen_files: Default::default(),
            last_batch: Default::default(),
            delivery: Default::default(),
            sync: Default::default(),
            export: Default::default(),
            campaign: Default::default(),
            notifications: Notifications::System,
            browser: Arc::new(SystemBrowser),
        }
    }

    /// Opens sign-in pages with `browser` instead of the system browser (tests).
    pub fn use_browser(&mut self, browser: impl Browser + 'static) {
        self.browser = Arc::new(browser);
    }

    /// What opens the sign-in pages.
    pub fn browser(&self) -> &dyn Browser {
        self.browser.as_ref()
    }

    /// Notes files the admin chose in the native dialog or dropped on the window.
    pub fn choose_files<'p>(&self, paths: impl IntoIterator<Item = &'p std::path::Path>) {
        let mut chosen = self.chosen_files.lock().unwrap_or_else(|p| p.into_inner());
        for path in paths {
            chosen.insert(path.canonicalize().unwrap_or_else(|_| path.to_path_buf()));
        }
    }

    /// Whether the admin chose (or dropped) this file.
    pub fn was_chosen(&self, path: &std::path::Path) -> bool {
        let path = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
        self.chosen_files.lock().unwrap_or_else(|p| p.into_inner()).contains(&path)
    }

    /// Keeps notifications in a list instead of showing them (tests); returns the list.
    pub fn record_notifications(&mut self) -> Arc<Mutex<Vec<Notice>>> {
        let list = Arc::new(Mutex::new(Vec::new()));
        self.notifications = Notifications::Recorded(list.clone());
        list
    }

    /// The directories in use, when they could be resolved.
    pub fn paths(&self) -> Option<&Paths> {
        self.paths.as_ref()
    }

    /// The workspace, or the error that keeps it closed.
    pub fn workspace(&self) -> Result<Workspace, Error> {
        self.workspace.clone()
    }

    /// The credential vault, or the error that keeps it closed (locked keychain).
    pub fn vault(&self) -> Result<Arc<Vault>, Error> {
        self.vault.clone()
    }

    /// The language the admin reads: the workspace's preference, else the system's.
    pub fn lang(&self) -> liaison_core::Lang {
        match &self.workspace {
            Ok(ws) => liaison_core::settings::language(ws.store()),
            Err(_) => liaison_core::Lang::of_system(),
        }
    }

    /// Why the workspace is closed, if it is.
    pub fn startup_error(&self) -> Option<&Error> {
        self.workspace.as_ref().err()
    }
}
