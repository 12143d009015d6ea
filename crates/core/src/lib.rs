//! Liaison's domain: the workspace, setup wizard, members, connections, store and rules.
//!
//! Nothing here knows about Tauri or any GUI; the desktop shell and the CLI are thin adapters.

pub mod audit;
pub mod campaign;
pub mod connections;
pub mod error;
pub mod exports;
pub mod http;
pub mod i18n;
pub mod invites;
pub mod jobs;
pub mod logging;
pub mod members;
pub mod paths;
pub mod runs;
pub mod segments;
pub mod settings;
pub mod setup;
pub mod store;
pub mod sync;
pub mod vault;
pub mod workspace;

pub use error::{Error, ErrorCode, Result};
pub use i18n::{Lang, Text};
pub use paths::Paths;
pub use workspace::Workspace;

/// The version of Liaison (the workspace crates share one version).
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
