//! One module per area, like the desktop app's settings.

pub mod campaign;
pub mod connect;
pub mod connections;
pub mod export;
pub mod invite;
pub mod sandbox;
pub mod segment;
pub mod setup;
pub mod status;
pub mod sync;
pub mod team;
pub mod workspace;

use liaison_core::vault::{Vault, select_keychain};
use liaison_core::{Result, Workspace};

/// Opens the credential vault of the workspace (OS keychain, or the key-file fallback).
pub fn vault(ws: &Workspace) -> Result<Vault> {
    let keychain = select_keychain(ws.paths())?;
    Vault::open(ws.store(), keychain.as_ref())
}

/// A runtime for the async parts of a command (network calls).
pub fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Runtime::new()
        .map_err(|e| liaison_core::Error::internal(format!("Could not start the async runtime ({e}).")))
}

/// Reads one secret line: a hidden prompt on a terminal, else the first line of standard input
/// (secrets never come from arguments). `what` names it in messages ("secret", "password").
pub fn read_hidden_line(prompt: &str, what: &str) -> Result<String> {
    use std::io::{BufRead, IsTerminal};
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        return rpassword::prompt_password(prompt)
            .map_err(|e| liaison_core::Error::invalid_input(format!("Could not read the {what} ({e}).")));
    }
    let mut line = String::new();
    stdin
        .lock()
        .read_line(&mut line)
        .map_err(|e| liaison_core::Error::invalid_input(format!("Could not read the {what} from stdin ({e}).")))?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}
