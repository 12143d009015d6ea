//! Processes and threads racing over one workspace (#13): opening a fresh workspace at once
//! migrates it once and creates one vault key.

use liaison_core::vault::{FileKeychain, Vault};
use liaison_core::{Paths, Workspace};
use secrecy::{ExposeSecret, SecretString};

#[test]
fn many_openers_of_a_fresh_workspace_share_one_schema_and_one_vault_key() {
    for _ in 0..5 {
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths::in_dir(dir.path());
        let openers: Vec<_> = (0..8)
            .map(|i| {
                let paths = paths.clone();
                std::thread::spawn(move || {
                    let ws = Workspace::open(paths.clone()).map_err(|e| e.message.to_string())?;
                    let vault =
                        Vault::open(ws.store(), &FileKeychain::new(&paths)).map_err(|e| e.message.to_string())?;
                    vault
                        .put(&format!("racer.{i}"), &SecretString::from(format!("secret {i}")))
                        .map_err(|e| e.message.to_string())?;
                    Ok::<_, String>(())
                })
            })
            .collect();
        for opener in openers {
            opener.join().unwrap().unwrap();
        }
        // Every secret written by any opener reads back with the one key.
        let ws = Workspace::open(paths.clone()).unwrap();
        let vault = Vault::open(ws.store(), &FileKeychain::new(&paths)).unwrap();
        for i in 0..8 {
            assert_eq!(vault.get(&format!("racer.{i}")).unwrap().unwrap().expose_secret(), format!("secret {i}"));
        }
    }
}
