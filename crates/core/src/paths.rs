//! Where a workspace lives on disk: the data directory (database, settings) and the log directory.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::i18n::Text;
use crate::{Error, ErrorCode, Result, msg};

/// The application identifier; the desktop app and the CLI share the directories derived from it.
pub const APP_IDENTIFIER: &str = "com.liaison.console";

/// Overrides the data directory (tests always set it to a temporary directory).
pub const DATA_DIR_ENV: &str = "LIAISON_DATA_DIR";

/// The file name of the workspace database inside the data directory.
pub const DATABASE_FILE: &str = "liaison.db";

/// The file name of the desktop window's remembered size and position inside the data directory.
pub const WINDOW_STATE_FILE: &str = "window-state.json";

/// The directories one workspace uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paths {
    pub data_dir: PathBuf,
    pub log_dir: PathBuf,
}

impl Paths {
    /// Resolves the directories: an explicit directory first, then `LIAISON_DATA_DIR`, then the
    /// platform's data directory. With an explicit or environment directory the logs live inside
    /// it, so a test or a second workspace never writes next to the real one.
    pub fn resolve(explicit: Option<&Path>) -> Result<Self> {
        let overridden = explicit
            .map(Path::to_path_buf)
            .or_else(|| std::env::var_os(DATA_DIR_ENV).filter(|v| !v.is_empty()).map(PathBuf::from));
        if let Some(dir) = overridden {
            let dir = absolute(&dir)?;
            return Ok(Self { log_dir: dir.join("logs"), data_dir: dir });
        }
        let data_root = dirs::data_dir()
            .ok_or_else(|| Error::new(ErrorCode::DataDirUnwritable, msg!("paths-no-home", env = DATA_DIR_ENV)))?;
        let data_dir = data_root.join(APP_IDENTIFIER);
        Ok(Self { log_dir: platform_log_dir().unwrap_or_else(|| data_dir.join("logs")), data_dir })
    }

    /// Paths rooted in one directory (tests and tools).
    pub fn in_dir(dir: impl Into<PathBuf>) -> Self {
        let dir = dir.into();
        Self { log_dir: dir.join("logs"), data_dir: dir }
    }

    /// The workspace database file.
    pub fn database(&self) -> PathBuf {
        self.data_dir.join(DATABASE_FILE)
    }

    /// The file the desktop app keeps its window's size and position in: one per workspace, so a
    /// workspace opened elsewhere (or a test's fresh one) starts from the default window.
    pub fn window_state_file(&self) -> PathBuf {
        self.data_dir.join(WINDOW_STATE_FILE)
    }

    /// The name one running desktop app holds for this workspace (a D-Bus name on Linux): the same
    /// for every launch on the same data directory, whichever way its path is spelled, and
    /// different for another workspace, so a second launch on a workspace finds the first while
    /// two workspaces can be open at once. Dot-separated elements of letters, digits and `_`, none
    /// starting with a digit, as D-Bus requires.
    pub fn instance_name(&self) -> String {
        let dir = std::fs::canonicalize(&self.data_dir).unwrap_or_else(|_| self.data_dir.clone());
        let digest = Sha256::digest(dir.as_os_str().as_encoded_bytes());
        let hex: String = digest.iter().take(12).map(|b| format!("{b:02x}")).collect();
        format!("{APP_IDENTIFIER}.workspace_{hex}")
    }

    /// Creates the data directory if needed and proves it is writable.
    pub fn ensure_data_dir(&self) -> Result<()> {
        ensure_writable(&self.data_dir)
    }

    /// Creates the log directory if needed and proves it is writable.
    pub fn ensure_log_dir(&self) -> Result<()> {
        ensure_writable(&self.log_dir)
    }
}

fn absolute(dir: &Path) -> Result<PathBuf> {
    std::path::absolute(dir).map_err(|e| {
        Error::new(
            ErrorCode::DataDirUnwritable,
            msg!("paths-dir-unusable", path = dir.display().to_string(), reason = e.to_string()),
        )
    })
}

/// The platform's conventional log directory (the one Tauri's `app_log_dir` also uses).
fn platform_log_dir() -> Option<PathBuf> {
    if cfg!(target_os = "macos") {
        dirs::home_dir().map(|h| h.join("Library/Logs").join(APP_IDENTIFIER))
    } else {
        dirs::data_local_dir().map(|d| d.join(APP_IDENTIFIER).join("logs"))
    }
}

fn ensure_writable(dir: &Path) -> Result<()> {
    // The reason is the OS's own words (verbatim), or ours when Liaison found the problem.
    let refuse = |reason: Text| {
        Error::new(
            ErrorCode::DataDirUnwritable,
            msg!("paths-unwritable", path = dir.display().to_string(), reason = reason, env = DATA_DIR_ENV),
        )
        .with_details(serde_json::json!({ "path": dir.display().to_string() }))
    };
    let unwritable = |e: std::io::Error| refuse(Text::verbatim(e.to_string())).caused_by(e);
    if dir.exists() && !dir.is_dir() {
        return Err(refuse(msg!("paths-is-a-file")));
    }
    std::fs::create_dir_all(dir).map_err(unwritable)?;
    // The people cache and the audit log are the company's data: only this user may read them.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).map_err(unwritable)?;
    }
    // Permission bits do not tell the whole story (read-only mounts, ACLs): try a real write.
    // A name of its own, so two openers in one process never remove each other's probe.
    let probe = dir.join(format!(".write-probe-{}-{}", std::process::id(), uuid::Uuid::new_v4().simple()));
    std::fs::write(&probe, b"ok").map_err(unwritable)?;
    std::fs::remove_file(&probe).map_err(unwritable)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explicit_dir_wins_and_keeps_logs_inside() {
        let tmp = tempfile::tempdir().unwrap();
        let paths = Paths::resolve(Some(tmp.path())).unwrap();
        assert_eq!(paths.data_dir, tmp.path());
        assert_eq!(paths.log_dir, tmp.path().join("logs"));
        assert_eq!(paths.database(), tmp.path().join(DATABASE_FILE));
    }

    #[test]
    fn one_instance_name_per_workspace_however_its_path_is_spelled() {
        let tmp = tempfile::tempdir().unwrap();
        let (one, other) = (tmp.path().join("one"), tmp.path().join("other"));
        std::fs::create_dir_all(&one).unwrap();
        std::fs::create_dir_all(&other).unwrap();
        let name = Paths::in_dir(&one).instance_name();
        assert_eq!(Paths::in_dir(one.join("../one")).instance_name(), name);
        assert_eq!(Paths::in_dir(&one).instance_name(), name, "stable across calls");
        assert_ne!(Paths::in_dir(&other).instance_name(), name);
        #[cfg(unix)]
        {
            let link = tmp.path().join("link");
            std::os::unix::fs::symlink(&one, &link).unwrap();
            assert_eq!(Paths::in_dir(&link).instance_name(), name);
        }
    }

    #[test]
    fn the_instance_name_is_a_valid_dbus_name() {
        let tmp = tempfile::tempdir().unwrap();
        let name = Paths::in_dir(tmp.path().join("日本語 ワークスペース-1")).instance_name();
        assert!(name.len() <= 255, "{name}");
        assert!(name.starts_with(&format!("{APP_IDENTIFIER}.")), "{name}");
        for element in name.split('.') {
            assert!(!element.is_empty(), "{name}");
            assert!(!element.starts_with(|c: char| c.is_ascii_digit()), "{name}");
            assert!(element.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'), "{name}");
        }
    }

    #[test]
    fn the_window_state_lives_in_the_workspace() {
        let tmp = tempfile::tempdir().unwrap();
        assert_eq!(Paths::in_dir(tmp.path()).window_state_file(), tmp.path().join(WINDOW_STATE_FILE));
    }

    #[test]
    fn a_file_in_place_of_the_data_dir_is_reported_as_unwritable() {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("not-a-dir");
        std::fs::write(&file, "x").unwrap();
        let err = Paths::in_dir(&file).ensure_data_dir().unwrap_err();
        assert_eq!(err.code, ErrorCode::DataDirUnwritable);
        assert!(err.message.contains("not-a-dir"), "{}", err.message);
    }
}
