//! The audit log: every administrative action, who did it and when (R9 and beyond).

use rusqlite::{Connection, params};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::Result;
use crate::store::{Store, now};

/// One audit line.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct AuditEntry {
    pub id: i64,
    pub at: String,
    /// Email of the acting admin; `None` for actions of the app itself.
    pub actor: Option<String>,
    pub action: String,
    pub target: Option<String>,
    #[ts(type = "JsonValue")]
    pub details: serde_json::Value,
}

/// A filter over the audit log.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct AuditQuery {
    /// Matches actions containing this text (case-insensitive).
    pub action: Option<String>,
    /// At most this many entries, newest first (default 200, at most 10,000).
    pub limit: Option<u32>,
}

/// Appends an entry inside the caller's transaction, so the record and the change commit together.
pub fn record(
    conn: &Connection,
    actor_member_id: Option<&str>,
    action: &str,
    target: Option<&str>,
    details: serde_json::Value,
) -> Result<()> {
    conn.execute(
        "INSERT INTO audit_log (at, actor_member_id, action, target, details) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![now(), actor_member_id, action, target, details.to_string()],
    )?;
    Ok(())
}

/// Lists entries, newest first.
pub fn list(store: &Store, query: &AuditQuery) -> Result<Vec<AuditEntry>> {
    let limit = query.limit.unwrap_or(200).clamp(1, 10_000);
    let pattern =
        query.action.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(|s| format!("%{}%", escape_like(s)));
    store.read(|c| {
        let mut stmt = c.prepare(
            "SELECT a.id, a.at, m.email, a.action, a.target, a.details
               FROM audit_log a LEFT JOIN members m ON m.id = a.actor_member_id
              WHERE ?1 IS NULL OR a.action LIKE ?1 ESCAPE '\\'
              ORDER BY a.id DESC LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![pattern, limit], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get::<_, String>(5)?))
        })?;
        rows.map(|row| {
            let (id, at, actor, action, target, details) = row?;
            Ok(AuditEntry { id, at, actor, action, target, details: serde_json::from_str(&details)? })
        })
        .collect()
    })
}

fn escape_like(s: &str) -> String {
    s.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Paths;

    #[test]
    fn filters_by_action_text_newest_first() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&Paths::in_dir(dir.path())).unwrap();
        store
            .write(|tx| {
                record(tx, None, "connection.created", Some("c1"), serde_json::json!({"kind": "marketo"}))?;
                record(tx, None, "member.invited", None, serde_json::json!({}))?;
                record(tx, None, "connection.disconnected", Some("c1"), serde_json::json!({}))
            })
            .unwrap();
        let got = list(&store, &AuditQuery { action: Some("CONNECTION".into()), limit: None }).unwrap();
        let actions: Vec<_> = got.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(actions, ["connection.disconnected", "connection.created"]);
        assert_eq!(got[1].details["kind"], "marketo");
    }

    #[test]
    fn like_wildcards_in_the_filter_are_literal() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&Paths::in_dir(dir.path())).unwrap();
        store.write(|tx| record(tx, None, "member.invited", None, serde_json::json!({}))).unwrap();
        assert!(list(&store, &AuditQuery { action: Some("%".into()), limit: None }).unwrap().is_empty());
    }
}
