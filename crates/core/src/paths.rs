//! Where a workspace lives on disk: the data directory (database, settings) and the log directory.

use std::path::{Path, PathBuf};

use crate::i18n::Text;
use crate::{Error, ErrorCode, Result, msg};

/// The application identifier; the desktop app and the CLI share the directories derived from it.
pub const APP_IDENTIFIER: &str = "com.liaison.console";

/// Overrides the data directory (tests always set it to a temporary directory).
pub const DATA_DIR_ENV: &str = "LIAISON_DATA_DIR";

/// The file name of the workspace database inside the data directory.
pub const DATABASE_FILE: &str = "liaison.db";

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
    fn a_file_in_place_of_the_data_dir_is_reported_as_unwritable() {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("not-a-dir");
        std::fs::write(&file, "x").unwrap();
        let err = Paths::in_dir(&file).ensure_data_dir().unwrap_err();
        assert_eq!(err.code, ErrorCode::DataDirUnwritable);
        assert!(err.message.contains("not-a-dir"), "{}", err.message);
    }
}
