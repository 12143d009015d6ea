//! Teams (R4): every member is in `Everyone`, and in the named teams they are assigned to.

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use ts_rs::TS;

use super::invite::Refusal;
use crate::members::admin::{normalize_email, require_actor};
use crate::members::join_everyone;
use crate::store::{Store, now};
use crate::{Error, ErrorCode, Result, Workspace, audit, msg};

/// A team.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Team {
    pub id: String,
    pub name: String,
    pub is_default: bool,
}

/// Every team, `Everyone` first.
pub fn list_teams(store: &Store) -> Result<Vec<Team>> {
    store.read(|c| {
        let mut stmt = c.prepare("SELECT id, name, is_default FROM teams ORDER BY is_default DESC, name")?;
        let rows = stmt.query_map([], |r| Ok(Team { id: r.get(0)?, name: r.get(1)?, is_default: r.get(2)? }))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    })
}

/// Creates a team (names are unique, case ignored); audited.
pub fn create_team(ws: &Workspace, name: &str) -> Result<Team> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 80 {
        return Err(Error::invalid_input(msg!("teams-name-length")));
    }
    ws.store().write(|tx| {
        let actor = require_actor(tx)?;
        let existing: Option<String> =
            tx.query_row("SELECT name FROM teams WHERE name = ?1", [name], |r| r.get(0)).optional()?;
        if let Some(existing) = existing {
            return Err(Error::new(ErrorCode::Conflict, msg!("teams-already-exists", name = existing)));
        }
        let id = uuid::Uuid::new_v4().to_string();
        tx.execute(
            "INSERT INTO teams (id, name, is_default, created_at) VALUES (?1, ?2, 0, ?3)",
            params![id, name, now()],
        )?;
        audit::record(tx, Some(&actor.id), "team.created", Some(name), serde_json::json!({}))?;
        Ok(Team { id, name: name.to_owned(), is_default: false })
    })
}

/// Sets which teams a member belongs to besides `Everyone`, which every member keeps (R4).
/// Unknown team names are refused with the list of existing teams; a removed member must be
/// invited again first. Audited with the teams before and after.
pub fn assign_teams(ws: &Workspace, email_addr: &str, teams: &[String]) -> Result<crate::members::MemberSummary> {
    let email_addr = normalize_email(email_addr)?;
    let member_id = ws.store().write(|tx| {
        let actor = require_actor(tx)?;
        let member: Option<(String, String)> = tx
            .query_row("SELECT id, status FROM members WHERE email = ?1", [&email_addr], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        let Some((member_id, status)) = member else {
            return Err(Error::not_found(msg!("members-not-a-member", email = &email_addr)));
        };
        if status == "removed" {
            return Err(Error::new(
                ErrorCode::Conflict,
                msg!("teams-member-removed", email = &email_addr),
            ));
        }
        let team_ids = resolve_teams(tx, teams)?.map_err(Refusal::into_error)?;
        let names_of = |tx: &Connection| -> Result<Vec<String>> {
            let mut stmt = tx.prepare(
                "SELECT t.name FROM team_members tm JOIN teams t ON t.id = tm.team_id WHERE tm.member_id = ?1 ORDER BY t.name",
            )?;
            Ok(stmt.query_map([&member_id], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?)
        };
        let before = names_of(tx)?;
        tx.execute(
            "DELETE FROM team_members WHERE member_id = ?1 AND team_id NOT IN (SELECT id FROM teams WHERE is_default = 1)",
            [&member_id],
        )?;
        join_everyone(tx, &member_id)?;
        let at = now();
        for team_id in &team_ids {
            tx.execute(
                "INSERT OR IGNORE INTO team_members (team_id, member_id, added_at) VALUES (?1, ?2, ?3)",
                params![team_id, member_id, at],
            )?;
        }
        let after = names_of(tx)?;
        audit::record(
            tx,
            Some(&actor.id),
            "member.teams_changed",
            Some(&email_addr),
            serde_json::json!({ "before": before, "after": after }),
        )?;
        Ok(member_id)
    })?;
    crate::members::list(ws.store())?
        .into_iter()
        .find(|m| m.id == member_id)
        .ok_or_else(|| Error::internal(msg!("teams-member-disappeared")))
}

pub(super) fn resolve_teams(conn: &Connection, names: &[String]) -> Result<std::result::Result<Vec<String>, Refusal>> {
    let mut ids = Vec::new();
    let mut unknown = Vec::new();
    for name in names.iter().map(|n| n.trim()).filter(|n| !n.is_empty()) {
        match conn.query_row("SELECT id FROM teams WHERE name = ?1", [name], |r| r.get::<_, String>(0)).optional()? {
            Some(id) => ids.push(id),
            None => unknown.push(name.to_owned()),
        }
    }
    if unknown.is_empty() {
        return Ok(Ok(ids));
    }
    let existing: Vec<String> = {
        let mut stmt = conn.prepare("SELECT name FROM teams ORDER BY is_default DESC, name")?;
        stmt.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?
    };
    Ok(Err(Refusal::UnknownTeams(msg!(
        "teams-unknown",
        unknown = unknown.iter().map(|t| format!("“{t}”")).collect::<Vec<_>>().join(", "),
        existing = existing.join(", ")
    ))))
}
