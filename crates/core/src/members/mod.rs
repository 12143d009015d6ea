//! Members of the workspace: admins and users, their status and teams.

pub mod admin;
pub mod first_admin;

use rusqlite::{Connection, params};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::store::{Store, now};
use crate::{Error, Result};

/// Adds a member to the default `Everyone` team (R4).
pub(crate) fn join_everyone(conn: &Connection, member_id: &str) -> Result<()> {
    conn.execute(
        "INSERT OR IGNORE INTO team_members (team_id, member_id, added_at)
         SELECT id, ?1, ?2 FROM teams WHERE is_default = 1",
        params![member_id, now()],
    )?;
    Ok(())
}

/// A member's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum MemberRole {
    Admin,
    User,
}

/// A member's lifecycle state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum MemberStatus {
    Invited,
    Active,
    Expired,
    Removed,
}

/// A row of the members table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct MemberSummary {
    pub id: String,
    pub email: String,
    pub name: Option<String>,
    pub role: MemberRole,
    pub status: MemberStatus,
    pub teams: Vec<String>,
    pub invited_at: Option<String>,
    pub is_original_admin: bool,
}

/// Every member, teams included, ordered by email.
pub fn list(store: &Store) -> Result<Vec<MemberSummary>> {
    store.read(|c| {
        let mut stmt = c.prepare(
            "SELECT m.id, m.email, m.name, m.role, m.status, m.invited_at, m.is_original_admin,
                    (SELECT json_group_array(t.name) FROM team_members tm JOIN teams t ON t.id = tm.team_id
                      WHERE tm.member_id = m.id)
               FROM members m ORDER BY m.email",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, Option<String>>(5)?,
                r.get::<_, bool>(6)?,
                r.get::<_, String>(7)?,
            ))
        })?;
        rows.map(|row| {
            let (id, email, name, role, status, invited_at, is_original_admin, teams) = row?;
            let mut teams: Vec<String> = serde_json::from_str(&teams)?;
            teams.sort();
            Ok(MemberSummary {
                id,
                email,
                name,
                role: parse_enum(&role)?,
                status: parse_enum(&status)?,
                teams,
                invited_at,
                is_original_admin,
            })
        })
        .collect()
    })
}

/// Parses a snake_case enum stored as text.
pub(crate) fn parse_enum<T: serde::de::DeserializeOwned>(s: &str) -> Result<T> {
    serde_json::from_value(serde_json::Value::String(s.to_owned()))
        .map_err(|_| Error::internal(crate::msg!("store-unexpected-value", value = s)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Paths;

    #[test]
    fn lists_members_with_their_teams() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&Paths::in_dir(dir.path())).unwrap();
        assert!(list(&store).unwrap().is_empty());
        store
            .write(|tx| {
                tx.execute_batch(
                    "INSERT INTO members (id, email, role, status, is_original_admin) VALUES ('m1', 'ada@example.com', 'admin', 'active', 1);
                     INSERT INTO team_members (team_id, member_id, added_at) VALUES ('everyone', 'm1', '2026-01-01T00:00:00Z');",
                )?;
                Ok(())
            })
            .unwrap();
        let members = list(&store).unwrap();
        assert_eq!(members.len(), 1);
        assert_eq!(
            (members[0].role, members[0].status, members[0].teams.clone()),
            (MemberRole::Admin, MemberStatus::Active, vec!["Everyone".to_owned()])
        );
    }
}
