//! Connections to external systems: metadata in SQLite, secrets in the vault.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::Result;
use crate::members::parse_enum;

pub mod access;
pub mod campaign;
pub mod dataverse;
pub mod disconnect;
pub mod dynamics;
pub mod health;
pub mod marketo;
pub mod oauth;
pub mod ownership;
pub mod salesforce;
use crate::store::Store;

/// The external systems Liaison connects to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ConnectionKind {
    Salesforce,
    Marketo,
    Dynamics,
    Campaign,
}

/// A connection as listed to admins (never any secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ConnectionSummary {
    pub id: String,
    pub kind: ConnectionKind,
    pub display_name: String,
    /// Where it points, for people: the signed-in Salesforce user and org, the Marketo REST
    /// endpoint, the Dynamics org, the Campaign tenant.
    pub account: Option<String>,
    /// Email of the owning admin (R6).
    pub owner: Option<String>,
    pub is_sandbox: bool,
    pub created_at: String,
    /// Who may use it: Dynamics 365 connections only (every admin may use the others).
    pub usable_by: Option<access::UsableBy>,
    /// How people are matched to its contacts (R13): Dynamics 365 connections only.
    pub match_by: Option<dynamics::MatchBy>,
}

/// The account line of a connection, from its stored (non-secret) settings.
fn account(kind: ConnectionKind, settings: &serde_json::Value) -> Option<String> {
    let text = |key: &str| settings[key].as_str().filter(|s| !s.is_empty()).map(str::to_owned);
    match kind {
        ConnectionKind::Salesforce => match (text("username"), text("org_id")) {
            (Some(user), Some(org)) => Some(format!("{user} · org {org}")),
            (user, _) => user,
        },
        ConnectionKind::Marketo => text("base_url"),
        ConnectionKind::Dynamics => text("org_url"),
        ConnectionKind::Campaign => text("org_id").map(|org| format!("tenant {org}")),
    }
}

/// Live (not disconnected) connections, oldest first.
pub fn list(store: &Store) -> Result<Vec<ConnectionSummary>> {
    store.read(list_in)
}

/// [`list`] inside the caller's connection or transaction.
pub(crate) fn list_in(c: &rusqlite::Connection) -> Result<Vec<ConnectionSummary>> {
    let mut stmt = c.prepare(
        "SELECT c.id, c.kind, c.display_name, m.email, c.is_sandbox, c.created_at, c.settings
           FROM connections c LEFT JOIN members m ON m.id = c.owner_member_id
          WHERE c.disconnected_at IS NULL ORDER BY c.created_at, c.id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((r.get(0)?, r.get::<_, String>(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get::<_, String>(6)?))
    })?;
    rows.map(|row| {
        let (id, kind, display_name, owner, is_sandbox, created_at, settings) = row?;
        let kind = parse_enum(&kind)?;
        let settings: serde_json::Value = serde_json::from_str(&settings).unwrap_or_default();
        let account = account(kind, &settings);
        // Unreadable: shown as the default; using the connection still fails closed.
        let usable_by =
            (kind == ConnectionKind::Dynamics).then(|| access::UsableBy::of_settings(&settings).unwrap_or_default());
        let match_by = (kind == ConnectionKind::Dynamics)
            .then(|| serde_json::from_value(settings["match_by"].clone()).unwrap_or_default());
        Ok(ConnectionSummary { id, kind, display_name, account, owner, is_sandbox, created_at, usable_by, match_by })
    })
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Paths;

    #[test]
    fn disconnected_connections_are_not_listed() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&Paths::in_dir(dir.path())).unwrap();
        store
            .write(|tx| {
                tx.execute_batch(
                    "INSERT INTO connections (id, kind, display_name, is_sandbox, created_at) VALUES ('c1', 'marketo', 'Marketo', 1, '2026-01-01T00:00:00Z');
                     INSERT INTO connections (id, kind, display_name, created_at, disconnected_at) VALUES ('c2', 'salesforce', 'Old', '2026-01-01T00:00:00Z', '2026-01-02T00:00:00Z');",
                )?;
                Ok(())
            })
            .unwrap();
        let got = list(&store).unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!((got[0].kind, got[0].is_sandbox), (ConnectionKind::Marketo, true));
    }
}
