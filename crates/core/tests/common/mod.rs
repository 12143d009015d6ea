//! Shared helpers for core's integration tests.

use liaison_core::connections::oauth::Browser;

/// Plays a browser for a signed-in user who consented before: follows the authorize URL's
/// redirects (the sandbox auto-approves) on its own thread, which lands on the loopback listener.
pub struct Fetcher;

impl Browser for Fetcher {
    fn open(&self, url: &str) -> liaison_core::Result<()> {
        let url = url.to_owned();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            rt.block_on(async {
                let _ = reqwest::get(url).await;
            });
        });
        Ok(())
    }
}

/// A workspace in a temp dir with an in-memory keychain, activated by Ada (the acting admin).
#[allow(dead_code)]
pub fn activated_workspace() -> (tempfile::TempDir, liaison_core::Workspace, liaison_core::vault::Vault) {
    use liaison_core::vault::{MemoryKeychain, Vault};
    let dir = tempfile::tempdir().unwrap();
    let ws = liaison_core::Workspace::open(liaison_core::Paths::in_dir(dir.path())).unwrap();
    let vault = Vault::open(ws.store(), &MemoryKeychain::default()).unwrap();
    liaison_core::members::admin::activate(&ws, &vault, "Ada", "ada@example.com").unwrap();
    (dir, ws, vault)
}

/// The sandbox holding `people`, and a new workspace (not activated) in a temp dir with an
/// in-memory keychain.
#[allow(dead_code)]
pub async fn sandbox_and_workspace(
    people: usize,
) -> (liaison_sandbox::Sandbox, tempfile::TempDir, liaison_core::Workspace, liaison_core::vault::Vault) {
    use liaison_core::vault::{MemoryKeychain, Vault};
    use liaison_sandbox::{Sandbox, SandboxConfig};
    let sandbox = Sandbox::start(SandboxConfig { people, ..SandboxConfig::default() }).await.expect("sandbox starts");
    let dir = tempfile::tempdir().unwrap();
    let ws = liaison_core::Workspace::open(liaison_core::Paths::in_dir(dir.path())).unwrap();
    let vault = Vault::open(ws.store(), &MemoryKeychain::default()).unwrap();
    (sandbox, dir, ws, vault)
}

pub mod campaign;
