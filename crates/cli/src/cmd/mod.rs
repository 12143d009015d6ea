//! One module per area, like the desktop app's settings.

pub mod connect;
pub mod connections;
pub mod invite;
pub mod sandbox;
pub mod status;
pub mod workspace;

use liaison_core::vault::{Vault, select_keychain};
use liaison_core::{Result, Workspace};

/// Opens the credential vault of the workspace (OS keychain, or the key-file fallback).
pub fn vault(ws: &Workspace) -> Result<Vault> {
    let keychain = select_keychain(ws.paths())?;
    Vault::open(ws.store(), keychain.as_ref())
}
