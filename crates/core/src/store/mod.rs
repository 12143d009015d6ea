//! The workspace database: SQLite in WAL mode with versioned migrations.
//!
//! Every connection is configured the same way (WAL, `synchronous=FULL`, foreign keys, a busy
//! timeout) and every write runs in a `BEGIN IMMEDIATE` transaction, so two processes (the
//! desktop app and the CLI) can share one workspace without `SQLITE_BUSY` upgrade failures.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior};
use rusqlite_migration::{M, Migrations};

use crate::{Error, ErrorCode, Paths, Result, msg};

/// `PRAGMA application_id` of a Liaison database ("LIAI").
pub const APPLICATION_ID: i32 = 0x4C49_4149;

const MIGRATION_SLICE: &[M<'static>] = &[
    M::up(include_str!("migrations/0001_initial.sql")),
    M::up(include_str!("migrations/0002_vault_and_ownership.sql")),
    M::up(include_str!("migrations/0003_invitations.sql")),
    M::up(include_str!("migrations/0004_people.sql")),
    M::up(include_str!("migrations/0005_sync.sql")),
    M::up(include_str!("migrations/0006_segments.sql")),
    M::up(include_str!("migrations/0007_exports.sql")),
    M::up(include_str!("migrations/0008_export_runs.sql")),
    M::up(include_str!("migrations/0009_segment_speed.sql")),
    M::up(include_str!("migrations/0010_dynamics_contacts.sql")),
    M::up(include_str!("migrations/0012_dynamics_exports.sql")),
    M::up(include_str!("migrations/0013_campaign.sql")),
    M::up(include_str!("migrations/0014_setup_step_actor.sql")),
    M::up(include_str!("migrations/0015_campaign_events.sql")),
    M::up(include_str!("migrations/0016_campaign_optout_conflicts.sql")),
    M::up(include_str!("migrations/0017_campaign_entities.sql")),
    M::up(include_str!("migrations/0018_campaign_profile_scan_indexes.sql")),
    M::up(include_str!("migrations/0019_export_inflight_by_id.sql")),
];

/// The migrations, applied in order at open.
pub static MIGRATIONS: Migrations<'static> = Migrations::from_slice(MIGRATION_SLICE);

/// The schema version this binary writes.
pub fn schema_version() -> usize {
    MIGRATION_SLICE.len()
}

/// A handle on one workspace database. Cheap to clone; opens a configured connection per use.
#[derive(Debug, Clone)]
pub struct Store {
    path: PathBuf,
}

/// The workspace's setup lock, released when dropped.
#[derive(Debug)]
pub struct SetupLock(#[allow(dead_code)] std::fs::File);

/// Creates the database file readable and writable by this user only (SQLite gives its WAL and
/// shared-memory files the same mode), and tightens an existing one and its companions.
fn restrict_to_owner(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        if !path.exists() {
            // A failure here surfaces when SQLite opens the file, with its own message.
            let _ = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path);
        }
        for suffix in ["", "-wal", "-shm"] {
            let file = std::path::PathBuf::from(format!("{}{suffix}", path.display()));
            if file.exists() {
                let _ = std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600));
            }
        }
    }
    #[cfg(not(unix))]
    let _ = path;
}

impl Store {
    /// Opens (creating if needed) the workspace database of `paths`, refusing a database that is
    /// damaged, foreign, or newer than this binary, and applies pending migrations.
    pub fn open(paths: &Paths) -> Result<Self> {
        paths.ensure_data_dir()?;
        Self::open_file(&paths.database())
    }

    /// Opens a database file directly (the directory must exist).
    pub fn open_file(path: &Path) -> Result<Self> {
        restrict_to_owner(path);
        let store = Self { path: path.to_path_buf() };
        // Two processes opening a fresh workspace at once must not both migrate it.
        let _setup = store.setup_lock()?;
        let mut conn = store.connect()?;
        store.check_identity(&conn)?;
        MIGRATIONS.to_latest(&mut conn).map_err(|e| {
            // SQLite's own words, not the migration's whole SQL.
            let reason = match &e {
                rusqlite_migration::Error::RusqliteError { err, .. } => err.to_string(),
                other => other.to_string(),
            };
            Error::new(
                ErrorCode::StoreUnavailable,
                msg!("store-upgrade-failed", path = path.display().to_string(), reason = reason),
            )
            .caused_by(e)
        })?;
        Ok(store)
    }

    /// Holds the workspace's setup lock (an exclusive lock on `liaison.db.lock`, waiting for
    /// another process that holds it): migrations and the vault key's creation happen under it,
    /// so processes opening a fresh workspace at once do it one after the other.
    pub fn setup_lock(&self) -> Result<SetupLock> {
        let path = PathBuf::from(format!("{}.lock", self.path.display()));
        let unavailable = |e: std::io::Error| {
            Error::new(
                ErrorCode::StoreUnavailable,
                msg!("store-lock-failed", path = path.display().to_string(), reason = e.to_string()),
            )
            .caused_by(e)
        };
        let file =
            std::fs::OpenOptions::new().create(true).truncate(false).write(true).open(&path).map_err(unavailable)?;
        file.lock().map_err(unavailable)?;
        Ok(SetupLock(file))
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A new, configured connection.
    pub fn connect(&self) -> Result<Connection> {
        let conn = Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| self.describe(e))?;
        conn.busy_timeout(Duration::from_secs(5)).map_err(|e| self.describe(e))?;
        conn.pragma_update(None, "journal_mode", "WAL").map_err(|e| self.describe(e))?;
        conn.pragma_update(None, "synchronous", "FULL").map_err(|e| self.describe(e))?;
        conn.pragma_update(None, "foreign_keys", "ON").map_err(|e| self.describe(e))?;
        Ok(conn)
    }

    /// Runs `f` in an immediate write transaction and commits when it returns `Ok`.
    pub fn write<T>(&self, f: impl FnOnce(&Transaction<'_>) -> Result<T>) -> Result<T> {
        let mut conn = self.connect()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(|e| self.describe(e))?;
        let value = f(&tx)?;
        tx.commit().map_err(|e| self.describe(e))?;
        Ok(value)
    }

    /// Runs `f` with a read connection.
    pub fn read<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        let conn = self.connect()?;
        f(&conn)
    }

    /// Refuses files that are not Liaison databases or that a newer Liaison wrote, and stamps a
    /// brand-new file as ours.
    fn check_identity(&self, conn: &Connection) -> Result<()> {
        let app_id: i32 =
            conn.pragma_query_value(None, "application_id", |r| r.get(0)).map_err(|e| self.describe(e))?;
        let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0)).map_err(|e| self.describe(e))?;
        let tables: i64 =
            conn.query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get(0)).map_err(|e| self.describe(e))?;
        if app_id == 0 && tables == 0 {
            conn.pragma_update(None, "application_id", APPLICATION_ID).map_err(|e| self.describe(e))?;
            return Ok(());
        }
        if app_id != APPLICATION_ID {
            return Err(Error::new(
                ErrorCode::StoreCorrupt,
                msg!("store-not-liaison", path = self.path.display().to_string()),
            )
            .with_details(serde_json::json!({ "path": self.path.display().to_string() })));
        }
        let supported = schema_version() as i64;
        if version > supported {
            return Err(Error::new(
                ErrorCode::StoreTooNew,
                msg!("store-too-new", version = version, supported = supported),
            )
            .with_details(serde_json::json!({ "found": version, "supported": supported, "path": self.path.display().to_string() })));
        }
        Ok(())
    }

    fn describe(&self, err: rusqlite::Error) -> Error {
        let mut e = classify_sqlite_error(&err);
        if matches!(e.code, ErrorCode::StoreCorrupt | ErrorCode::StoreUnavailable) {
            e.details = Some(serde_json::json!({ "path": self.path.display().to_string() }));
            e.message = msg!("store-error-in-database", message = e.message, path = self.path.display().to_string());
        }
        e
    }
}

/// Maps an SQLite failure to an admin-facing error.
pub(crate) fn classify_sqlite_error(err: &rusqlite::Error) -> Error {
    use rusqlite::ffi::ErrorCode as Sql;
    match err.sqlite_error_code() {
        Some(Sql::NotADatabase | Sql::DatabaseCorrupt) => Error::new(ErrorCode::StoreCorrupt, msg!("store-corrupt")),
        Some(Sql::DatabaseBusy | Sql::DatabaseLocked) => Error::new(ErrorCode::StoreUnavailable, msg!("store-busy")),
        Some(Sql::CannotOpen | Sql::ReadOnly | Sql::PermissionDenied) => {
            Error::new(ErrorCode::DataDirUnwritable, msg!("store-cannot-open", reason = err.to_string()))
        }
        Some(Sql::DiskFull) => Error::new(ErrorCode::StoreUnavailable, msg!("store-disk-full")),
        Some(Sql::SystemIoFailure) => {
            Error::new(ErrorCode::StoreUnavailable, msg!("store-io-failure", reason = err.to_string()))
        }
        Some(Sql::ConstraintViolation) => {
            Error::new(ErrorCode::Conflict, msg!("store-constraint", reason = err.to_string()))
        }
        _ => Error::internal(msg!("store-unexpected", reason = err.to_string())),
    }
}

/// The current time as RFC 3339 UTC text, the format of every stored timestamp.
pub fn now() -> String {
    time::OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .unwrap_or_else(|_| time::OffsetDateTime::now_utc())
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&Paths::in_dir(dir.path())).unwrap();
        (dir, store)
    }

    #[cfg(unix)]
    #[test]
    fn the_data_dir_and_the_database_are_readable_by_this_user_only() {
        use std::os::unix::fs::PermissionsExt;
        let (dir, store) = temp_store();
        store.write(|tx| Ok(tx.execute("INSERT INTO settings (key, value) VALUES ('k', 'v')", [])?)).unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(dir.path()), 0o700);
        for suffix in ["", "-wal", "-shm"] {
            let file = std::path::PathBuf::from(format!("{}{suffix}", store.path().display()));
            if file.exists() {
                assert_eq!(mode(&file), 0o600, "{}", file.display());
            }
        }
    }

    #[test]
    fn migrations_are_valid() {
        MIGRATIONS.validate().unwrap();
    }

    #[test]
    fn open_applies_wal_full_sync_and_foreign_keys() {
        let (_dir, store) = temp_store();
        let conn = store.connect().unwrap();
        let mode: String = conn.pragma_query_value(None, "journal_mode", |r| r.get(0)).unwrap();
        let sync: i64 = conn.pragma_query_value(None, "synchronous", |r| r.get(0)).unwrap();
        let fk: i64 = conn.pragma_query_value(None, "foreign_keys", |r| r.get(0)).unwrap();
        assert_eq!((mode.as_str(), sync, fk), ("wal", 2, 1));
    }

    #[test]
    fn first_schema_has_everyone_team_and_seven_steps() {
        let (_dir, store) = temp_store();
        store
            .read(|c| {
                let everyone: String = c.query_row("SELECT name FROM teams WHERE is_default = 1", [], |r| r.get(0))?;
                let steps: i64 =
                    c.query_row("SELECT count(*) FROM setup_steps WHERE state = 'not_started'", [], |r| r.get(0))?;
                assert_eq!((everyone.as_str(), steps), ("Everyone", 7));
                Ok(())
            })
            .unwrap();
    }

    #[test]
    fn reopening_is_idempotent() {
        let (dir, _store) = temp_store();
        Store::open(&Paths::in_dir(dir.path())).unwrap();
    }

    #[test]
    fn refuses_a_database_from_a_newer_version() {
        let (dir, store) = temp_store();
        store.connect().unwrap().pragma_update(None, "user_version", 99).unwrap();
        let err = Store::open(&Paths::in_dir(dir.path())).unwrap_err();
        assert_eq!(err.code, ErrorCode::StoreTooNew);
        assert_eq!(err.details.as_ref().unwrap()["found"], 99);
        assert!(err.message.contains("newer version of Liaison"), "{}", err.message);
    }

    #[test]
    fn refuses_a_file_that_is_not_a_database() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(crate::paths::DATABASE_FILE), vec![0x42u8; 8192]).unwrap();
        let err = Store::open(&Paths::in_dir(dir.path())).unwrap_err();
        assert_eq!(err.code, ErrorCode::StoreCorrupt, "{err:?}");
    }

    #[test]
    fn refuses_a_foreign_sqlite_database() {
        let dir = tempfile::tempdir().unwrap();
        let conn = Connection::open(dir.path().join(crate::paths::DATABASE_FILE)).unwrap();
        conn.execute_batch("CREATE TABLE invoices (id INTEGER)").unwrap();
        drop(conn);
        let err = Store::open(&Paths::in_dir(dir.path())).unwrap_err();
        assert_eq!(err.code, ErrorCode::StoreCorrupt);
        assert!(err.message.contains("not a Liaison workspace"), "{}", err.message);
    }

    #[test]
    fn an_unusable_data_dir_is_named_in_the_error() {
        // A folder below a plain file cannot be created, even by root (which ignores mode bits).
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("blocker");
        std::fs::write(&file, "x").unwrap();
        let err = Store::open(&Paths::in_dir(file.join("workspace"))).unwrap_err();
        assert_eq!(err.code, ErrorCode::DataDirUnwritable);
        assert!(err.message.contains("blocker"), "{}", err.message);
    }

    #[test]
    fn write_transactions_roll_back_on_error() {
        let (_dir, store) = temp_store();
        let result: Result<()> = store.write(|tx| {
            tx.execute("INSERT INTO settings (key, value) VALUES ('a', 'b')", [])?;
            Err(Error::invalid_input("stop"))
        });
        assert!(result.is_err());
        let n: i64 = store.read(|c| Ok(c.query_row("SELECT count(*) FROM settings", [], |r| r.get(0))?)).unwrap();
        assert_eq!(n, 0);
    }
}
