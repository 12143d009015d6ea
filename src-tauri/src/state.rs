//! What the shell holds while it runs: the opened workspace, or the reason it could not open.

use liaison_core::{Error, Paths, Workspace};

/// Managed Tauri state.
pub struct AppState {
    paths: Option<Paths>,
    workspace: Result<Workspace, Error>,
}

impl AppState {
    /// State for when the data directory could not even be resolved.
    pub fn failed(err: Error) -> Self {
        Self { paths: None, workspace: Err(err) }
    }

    /// Opens the workspace in `paths`. A failure is kept, not raised: the window still opens
    /// and explains it.
    pub fn open(paths: Paths) -> Self {
        let workspace = Workspace::open(paths.clone());
        if let Err(err) = &workspace {
            tracing::error!(code = err.code.as_str(), "the workspace could not be opened: {}", err.message);
        }
        Self { paths: Some(paths), workspace }
    }

    /// The directories in use, when they could be resolved.
    pub fn paths(&self) -> Option<&Paths> {
        self.paths.as_ref()
    }

    /// The workspace, or the error that keeps it closed.
    pub fn workspace(&self) -> Result<Workspace, Error> {
        self.workspace.clone()
    }

    /// Why the workspace is closed, if it is.
    pub fn startup_error(&self) -> Option<&Error> {
        self.workspace.as_ref().err()
    }
}
