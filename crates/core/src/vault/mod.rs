//! The credential vault: one random master key in the OS keychain, every secret (client secrets,
//! access and refresh tokens, the SMTP password) encrypted with ChaCha20-Poly1305 in SQLite.
//!
//! Secrets are `SecretString`s: they print as `[REDACTED]`, cannot be serialised, and are only
//! exposed at the moment they go on the wire.

mod keychain;

use base64::Engine as _;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use rand::RngCore;
use rusqlite::{Connection, OptionalExtension, params};
use secrecy::{ExposeSecret, ExposeSecretMut, SecretBox, SecretString};
use serde::Serialize;
use ts_rs::TS;

pub use keychain::{FileKeychain, Keychain, KeychainKind, MemoryKeychain, OsKeychain, select_keychain};

use crate::store::{Store, now};
use crate::{Error, ErrorCode, Result, msg};

/// Environment variable choosing the keychain: `os` (default, falls back to `file`), `file`, `memory`.
pub const KEYCHAIN_ENV: &str = "LIAISON_KEYCHAIN";

/// The name of the row that proves the master key matches the stored secrets.
const CANARY: &str = "vault.canary";
const CANARY_TEXT: &str = "liaison-vault-v1";

/// How the vault is protected, for the UI and `liaison status`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct VaultStatus {
    pub keychain: KeychainKind,
    /// Set when the protection is weaker than an OS keychain; shown persistently.
    pub warning: Option<crate::i18n::Text>,
}

/// An opened vault.
pub struct Vault {
    store: Store,
    cipher: ChaCha20Poly1305,
    status: VaultStatus,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vault").field("status", &self.status).finish_non_exhaustive()
    }
}

impl Vault {
    /// Opens the vault with the master key from `keychain`, creating the key on first use.
    pub fn open(store: &Store, keychain: &dyn Keychain) -> Result<Self> {
        // Another process opening the same fresh workspace must not create a second key.
        let _setup = store.setup_lock()?;
        let has_secrets: bool =
            store.read(|c| Ok(c.query_row("SELECT EXISTS (SELECT 1 FROM secrets)", [], |r| r.get(0))?))?;
        let key = match keychain.load()? {
            Some(key) => key,
            None if has_secrets => {
                return Err(Error::new(
                    ErrorCode::VaultLocked,
                    msg!("vault-no-key", keychain = keychain.kind().name()),
                ));
            }
            None => {
                let mut key = SecretBox::new(Box::new([0u8; 32]));
                rand::rng().fill_bytes(key.expose_secret_mut().as_mut_slice());
                keychain.save(&key)?;
                key
            }
        };
        let cipher = ChaCha20Poly1305::new(Key::from_slice(key.expose_secret().as_slice()));
        let vault = Self { store: store.clone(), cipher, status: keychain.status() };
        vault.check_canary()?;
        Ok(vault)
    }

    /// How the vault is protected.
    pub fn status(&self) -> &VaultStatus {
        &self.status
    }

    fn check_canary(&self) -> Result<()> {
        match self.get(CANARY) {
            Ok(Some(text)) if text.expose_secret() == CANARY_TEXT => Ok(()),
            Ok(Some(_)) | Err(_) => Err(Error::new(ErrorCode::VaultLocked, msg!("vault-wrong-key"))),
            Ok(None) => self.put(CANARY, &SecretString::from(CANARY_TEXT)),
        }
    }

    /// Stores (or replaces) a secret.
    pub fn put(&self, name: &str, secret: &SecretString) -> Result<()> {
        self.store.write(|tx| self.put_in(tx, name, secret))
    }

    /// Stores a secret inside the caller's transaction.
    pub fn put_in(&self, conn: &Connection, name: &str, secret: &SecretString) -> Result<()> {
        let mut nonce = [0u8; 12];
        rand::rng().fill_bytes(&mut nonce);
        let ciphertext = self
            .cipher
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload { msg: secret.expose_secret().as_bytes(), aad: name.as_bytes() },
            )
            .map_err(|_| Error::internal(msg!("vault-encrypt-failed")))?;
        conn.execute(
            "INSERT INTO secrets (name, nonce, ciphertext, updated_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (name) DO UPDATE SET nonce = excluded.nonce, ciphertext = excluded.ciphertext, updated_at = excluded.updated_at",
            params![name, nonce.as_slice(), ciphertext, now()],
        )?;
        Ok(())
    }

    /// Reads a secret, `None` when absent.
    pub fn get(&self, name: &str) -> Result<Option<SecretString>> {
        let row: Option<(Vec<u8>, Vec<u8>)> = self.store.read(|c| {
            Ok(c.query_row("SELECT nonce, ciphertext FROM secrets WHERE name = ?1", [name], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?)
        })?;
        let Some((nonce, ciphertext)) = row else { return Ok(None) };
        if nonce.len() != 12 {
            return Err(Error::new(ErrorCode::StoreCorrupt, msg!("vault-secret-damaged", name = name)));
        }
        let plain = self
            .cipher
            .decrypt(Nonce::from_slice(&nonce), Payload { msg: &ciphertext, aad: name.as_bytes() })
            .map_err(|_| Error::new(ErrorCode::VaultLocked, msg!("vault-secret-undecryptable", name = name)))?;
        let text = String::from_utf8(plain)
            .map_err(|_| Error::new(ErrorCode::StoreCorrupt, msg!("vault-secret-damaged", name = name)))?;
        Ok(Some(SecretString::from(text)))
    }

    /// Removes a secret (inside the caller's transaction).
    pub fn delete_in(&self, conn: &Connection, name: &str) -> Result<()> {
        conn.execute("DELETE FROM secrets WHERE name = ?1", [name])?;
        Ok(())
    }
}

/// A new random secret of `bytes` bytes, URL-safe base64 without padding.
pub fn random_token(bytes: usize) -> SecretString {
    let mut raw = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut raw);
    SecretString::from(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Paths;

    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&Paths::in_dir(dir.path())).unwrap();
        (dir, store)
    }

    #[test]
    fn secrets_round_trip_and_never_sit_in_the_database_in_plain_text() {
        let (dir, store) = store();
        let keychain = MemoryKeychain::default();
        let vault = Vault::open(&store, &keychain).unwrap();
        vault.put("marketo.client_secret", &SecretString::from("sEcReT-Plain-Value-123")).unwrap();
        assert_eq!(vault.get("marketo.client_secret").unwrap().unwrap().expose_secret(), "sEcReT-Plain-Value-123");
        drop(vault);
        // Checkpoint the WAL so every byte is in the main file, then look at all files.
        store.connect().unwrap().execute_batch("PRAGMA wal_checkpoint(TRUNCATE)").unwrap();
        for entry in std::fs::read_dir(dir.path()).unwrap() {
            let path = entry.unwrap().path();
            if path.is_file() {
                let bytes = std::fs::read(&path).unwrap();
                assert!(
                    !bytes.windows(22).any(|w| w == b"sEcReT-Plain-Value-123"),
                    "plain secret in {}",
                    path.display()
                );
            }
        }
    }

    #[test]
    fn a_ciphertext_moved_to_another_name_does_not_decrypt() {
        let (_dir, store) = store();
        let vault = Vault::open(&store, &MemoryKeychain::default()).unwrap();
        vault.put("a", &SecretString::from("one")).unwrap();
        store
            .write(|tx| {
                tx.execute("UPDATE secrets SET name = 'b' WHERE name = 'a'", [])?;
                Ok(())
            })
            .unwrap();
        assert_eq!(vault.get("b").unwrap_err().code, ErrorCode::VaultLocked);
    }

    #[test]
    fn the_same_key_reopens_the_vault() {
        let (_dir, store) = store();
        let keychain = MemoryKeychain::default();
        Vault::open(&store, &keychain).unwrap().put("x", &SecretString::from("y")).unwrap();
        let again = Vault::open(&store, &keychain).unwrap();
        assert_eq!(again.get("x").unwrap().unwrap().expose_secret(), "y");
    }

    #[test]
    fn a_missing_keychain_entry_with_stored_secrets_is_reported_as_locked() {
        let (_dir, store) = store();
        Vault::open(&store, &MemoryKeychain::default()).unwrap().put("x", &SecretString::from("y")).unwrap();
        let err = Vault::open(&store, &MemoryKeychain::default()).unwrap_err();
        assert_eq!(err.code, ErrorCode::VaultLocked);
        assert!(err.message.contains("keychain"), "{}", err.message);
    }

    #[test]
    fn a_replaced_keychain_key_is_detected_by_the_canary() {
        let (_dir, store) = store();
        Vault::open(&store, &MemoryKeychain::default()).unwrap();
        // The canary exists but the new key cannot open it.
        let other = MemoryKeychain::default();
        let mut key = SecretBox::new(Box::new([7u8; 32]));
        key.expose_secret_mut()[0] = 1;
        other.save(&key).unwrap();
        assert_eq!(Vault::open(&store, &other).unwrap_err().code, ErrorCode::VaultLocked);
    }

    #[test]
    fn a_locked_keychain_surfaces_its_own_message() {
        let (_dir, store) = store();
        let keychain = MemoryKeychain::failing("The login keychain is locked.");
        let err = Vault::open(&store, &keychain).unwrap_err();
        assert_eq!(err.code, ErrorCode::VaultLocked);
        assert!(err.message.contains("locked"), "{}", err.message);
    }

    #[test]
    fn secret_strings_do_not_print() {
        let secret = SecretString::from("hunter2");
        assert!(!format!("{secret:?}").contains("hunter2"));
    }

    #[test]
    fn random_tokens_are_long_and_distinct() {
        let (a, b) = (random_token(32), random_token(32));
        assert_eq!(a.expose_secret().len(), 43);
        assert_ne!(a.expose_secret(), b.expose_secret());
    }
}
