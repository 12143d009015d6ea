//! The workspace: one data directory with its database, opened the same way by the desktop app
//! and the CLI.

use std::sync::Arc;

use rusqlite::{OptionalExtension, params};
use serde::Serialize;
use ts_rs::TS;

use crate::http::Remotes;
use crate::store::{Store, now};
use crate::{Paths, Result, audit};

/// An opened workspace.
#[derive(Debug, Clone)]
pub struct Workspace {
    paths: Paths,
    store: Store,
    /// Shared by every clone, so all clients of one workspace share budgets and tokens.
    remotes: Arc<Remotes>,
}

/// What identifies the workspace and whether it has been activated (R2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct WorkspaceStatus {
    pub workspace_id: String,
    pub created_at: String,
    pub activated_at: Option<String>,
    /// Email of the original admin, once activated.
    pub original_admin: Option<String>,
}

impl Workspace {
    /// Opens the workspace in `paths`, creating it on first use.
    pub fn open(paths: Paths) -> Result<Self> {
        let store = Store::open(&paths)?;
        store.write(|tx| {
            let exists: Option<i64> = tx.query_row("SELECT id FROM workspace", [], |r| r.get(0)).optional()?;
            if exists.is_none() {
                let id = uuid::Uuid::new_v4().to_string();
                tx.execute(
                    "INSERT INTO workspace (id, workspace_id, created_at) VALUES (1, ?1, ?2)",
                    params![id, now()],
                )?;
                audit::record(tx, None, "workspace.created", Some(&id), serde_json::json!({}))?;
            }
            Ok(())
        })?;
        Ok(Self { paths, store, remotes: Default::default() })
    }

    /// The workspace's directories.
    pub fn paths(&self) -> &Paths {
        &self.paths
    }

    /// The workspace database.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Budgets and access tokens of the remote systems this workspace talks to.
    pub fn remotes(&self) -> &Arc<Remotes> {
        &self.remotes
    }

    /// Identity and activation state.
    pub fn status(&self) -> Result<WorkspaceStatus> {
        self.store.read(|c| {
            Ok(c.query_row(
                "SELECT w.workspace_id, w.created_at, w.activated_at,
                        (SELECT email FROM members WHERE is_original_admin = 1)
                   FROM workspace w",
                [],
                |r| {
                    Ok(WorkspaceStatus {
                        workspace_id: r.get(0)?,
                        created_at: r.get(1)?,
                        activated_at: r.get(2)?,
                        original_admin: r.get(3)?,
                    })
                },
            )?)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opening_twice_keeps_one_workspace_identity() {
        let dir = tempfile::tempdir().unwrap();
        let first = Workspace::open(Paths::in_dir(dir.path())).unwrap().status().unwrap();
        let second = Workspace::open(Paths::in_dir(dir.path())).unwrap().status().unwrap();
        assert_eq!(first, second);
        assert!(first.activated_at.is_none() && first.original_admin.is_none());
    }

    #[test]
    fn creation_is_audited_once() {
        let dir = tempfile::tempdir().unwrap();
        Workspace::open(Paths::in_dir(dir.path())).unwrap();
        let ws = Workspace::open(Paths::in_dir(dir.path())).unwrap();
        let entries =
            audit::list(ws.store(), &audit::AuditQuery { action: Some("workspace.created".into()), limit: None })
                .unwrap();
        assert_eq!(entries.len(), 1);
    }
}
