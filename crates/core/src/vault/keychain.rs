//! Where the vault's master key lives: the OS keychain, a key file when no keychain exists
//! (headless Linux without a Secret Service), or memory (tests).

use std::path::PathBuf;
use std::sync::Mutex;

use base64::Engine as _;
use secrecy::{ExposeSecret, ExposeSecretMut, SecretBox};
use serde::Serialize;
use ts_rs::TS;

use super::{KEYCHAIN_ENV, VaultStatus};
use crate::i18n::Text;
use crate::paths::APP_IDENTIFIER;
use crate::{Error, ErrorCode, Paths, Result, msg};

/// The 32-byte master key.
pub type MasterKey = SecretBox<[u8; 32]>;

/// Which keychain holds the master key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum KeychainKind {
    Os,
    File,
    Memory,
}

impl KeychainKind {
    /// A name for people.
    pub fn label(self) -> &'static str {
        match self {
            Self::Os => "OS keychain",
            Self::File => "key file",
            Self::Memory => "in-memory keychain",
        }
    }

    /// The place's name in the admin's language.
    pub fn name(self) -> Text {
        match self {
            Self::Os => msg!("vault-keychain-os"),
            Self::File => msg!("vault-keychain-file"),
            Self::Memory => msg!("vault-keychain-memory"),
        }
    }
}

/// A place to keep the master key.
pub trait Keychain: Send + Sync {
    /// The key, or `None` when none was saved yet.
    fn load(&self) -> Result<Option<MasterKey>>;
    /// Saves the key.
    fn save(&self, key: &MasterKey) -> Result<()>;
    /// Which kind this is.
    fn kind(&self) -> KeychainKind;
    /// How the UI should describe the protection.
    fn status(&self) -> VaultStatus {
        VaultStatus { keychain: self.kind(), warning: None }
    }
}

fn encode(key: &MasterKey) -> String {
    base64::engine::general_purpose::STANDARD.encode(key.expose_secret())
}

fn decode(text: &str, source: KeychainKind) -> Result<MasterKey> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(text.trim())
        .ok()
        .filter(|b| b.len() == 32)
        .ok_or_else(|| Error::new(ErrorCode::VaultLocked, msg!("vault-key-damaged", keychain = source.name())))?;
    let mut key = SecretBox::new(Box::new([0u8; 32]));
    key.expose_secret_mut().copy_from_slice(&bytes);
    Ok(key)
}

/// The operating system's keychain (macOS Keychain, Windows Credential Manager, Secret Service).
pub struct OsKeychain {
    entry: keyring::Entry,
}

impl OsKeychain {
    /// The entry for the workspace at `paths` (one key per data directory).
    pub fn new(paths: &Paths) -> Result<Self> {
        let entry = keyring::Entry::new(APP_IDENTIFIER, &format!("vault:{}", paths.data_dir.display()))
            .map_err(|e| keychain_error(&e))?;
        Ok(Self { entry })
    }
}

fn keychain_error(err: &keyring::Error) -> Error {
    let message = match err {
        keyring::Error::NoStorageAccess(_) | keyring::Error::PlatformFailure(_) => {
            msg!("vault-keychain-unavailable", reason = err.to_string())
        }
        _ => msg!("vault-keychain-refused", reason = err.to_string()),
    };
    Error::new(ErrorCode::VaultLocked, message)
}

impl Keychain for OsKeychain {
    fn load(&self) -> Result<Option<MasterKey>> {
        match self.entry.get_password() {
            Ok(text) => decode(&text, KeychainKind::Os).map(Some),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(keychain_error(&e)),
        }
    }

    fn save(&self, key: &MasterKey) -> Result<()> {
        self.entry.set_password(&encode(key)).map_err(|e| keychain_error(&e))
    }

    fn kind(&self) -> KeychainKind {
        KeychainKind::Os
    }
}

/// A key file readable only by the user, in the data directory.
pub struct FileKeychain {
    path: PathBuf,
}

impl FileKeychain {
    /// The key file of the workspace at `paths`.
    pub fn new(paths: &Paths) -> Self {
        Self { path: paths.data_dir.join("vault.key") }
    }
}

impl Keychain for FileKeychain {
    fn load(&self) -> Result<Option<MasterKey>> {
        match std::fs::read_to_string(&self.path) {
            Ok(text) => decode(&text, KeychainKind::File).map(Some),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(Error::new(
                ErrorCode::VaultLocked,
                msg!("vault-key-file-unreadable", path = self.path.display().to_string(), reason = e.to_string()),
            )
            .caused_by(e)),
        }
    }

    fn save(&self, key: &MasterKey) -> Result<()> {
        let fail = |e: std::io::Error| {
            Error::new(
                ErrorCode::DataDirUnwritable,
                msg!("vault-key-file-unwritable", path = self.path.display().to_string(), reason = e.to_string()),
            )
            .caused_by(e)
        };
        let tmp = self.path.with_extension("key.tmp");
        write_private(&tmp, encode(key).as_bytes()).map_err(fail)?;
        std::fs::rename(&tmp, &self.path).map_err(fail)
    }

    fn kind(&self) -> KeychainKind {
        KeychainKind::File
    }

    fn status(&self) -> VaultStatus {
        VaultStatus {
            keychain: KeychainKind::File,
            warning: Some(msg!("vault-key-file-warning", path = self.path.display().to_string())),
        }
    }
}

#[cfg(unix)]
fn write_private(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

#[cfg(not(unix))]
fn write_private(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::write(path, bytes)
}

/// A keychain in memory: tests, and sessions that must not persist anything.
#[derive(Default)]
pub struct MemoryKeychain {
    key: Mutex<Option<[u8; 32]>>,
    failure: Option<String>,
}

impl MemoryKeychain {
    /// A keychain that refuses every request with `message` (a locked keychain).
    pub fn failing(message: &str) -> Self {
        Self { key: Mutex::new(None), failure: Some(message.to_owned()) }
    }

    fn check(&self) -> Result<()> {
        match &self.failure {
            Some(m) => Err(Error::new(ErrorCode::VaultLocked, Text::verbatim(m.clone()))),
            None => Ok(()),
        }
    }
}

impl Keychain for MemoryKeychain {
    fn load(&self) -> Result<Option<MasterKey>> {
        self.check()?;
        Ok(self
            .key
            .lock()
            .map_err(|_| Error::internal(msg!("vault-keychain-poisoned")))?
            .map(|k| SecretBox::new(Box::new(k))))
    }

    fn save(&self, key: &MasterKey) -> Result<()> {
        self.check()?;
        *self.key.lock().map_err(|_| Error::internal(msg!("vault-keychain-poisoned")))? = Some(*key.expose_secret());
        Ok(())
    }

    fn kind(&self) -> KeychainKind {
        KeychainKind::Memory
    }

    fn status(&self) -> VaultStatus {
        VaultStatus { keychain: KeychainKind::Memory, warning: Some(msg!("vault-memory-warning")) }
    }
}

/// Picks the keychain per `LIAISON_KEYCHAIN`: `os` (default) uses the OS keychain when it
/// answers and falls back to a key file otherwise; `file` and `memory` force those.
pub fn select_keychain(paths: &Paths) -> Result<Box<dyn Keychain>> {
    let choice = std::env::var(KEYCHAIN_ENV).unwrap_or_default().to_ascii_lowercase();
    match choice.as_str() {
        "memory" => Ok(Box::new(MemoryKeychain::default())),
        "file" => Ok(Box::new(FileKeychain::new(paths))),
        "" | "os" => {
            let file = FileKeychain::new(paths);
            // A workspace that already fell back keeps its key file.
            if file.path.exists() {
                return Ok(Box::new(file));
            }
            match OsKeychain::new(paths).and_then(|os| os.load().map(|_| os)) {
                Ok(os) => Ok(Box::new(os)),
                Err(err) => {
                    tracing::warn!("OS keychain unavailable, using a key file: {}", err.message);
                    Ok(Box::new(file))
                }
            }
        }
        other => Err(Error::invalid_input(msg!("vault-unknown-keychain", env = KEYCHAIN_ENV, value = other))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_file_is_private_and_reloads() {
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths::in_dir(dir.path());
        let kc = FileKeychain::new(&paths);
        assert!(kc.load().unwrap().is_none());
        let key = SecretBox::new(Box::new([9u8; 32]));
        kc.save(&key).unwrap();
        assert_eq!(kc.load().unwrap().unwrap().expose_secret(), &[9u8; 32]);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join("vault.key")).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert!(kc.status().warning.unwrap().contains("key file"));
    }

    #[test]
    fn a_damaged_key_file_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("vault.key"), "not base64!").unwrap();
        let err = FileKeychain::new(&Paths::in_dir(dir.path())).load().unwrap_err();
        assert_eq!(err.code, ErrorCode::VaultLocked);
        assert!(err.message.contains("damaged"));
    }
}
