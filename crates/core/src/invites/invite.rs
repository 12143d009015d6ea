//! Inviting members (R3, R4): one by one or from a reviewed CSV, resending and revoking.
//!
//! An invitation is one transaction: the member (status `invited`) in `Everyone` and the named
//! teams, the invitation with the SHA-256 of a one-time code and an expiry, the audit line, and
//! the rendered email in the outbox. The code itself is only in the email.
//!
//! This module holds what the steps share; teams, CSV batches and the invitation lifecycle live
//! in sibling modules and are re-exported here, so callers keep one path.

use rusqlite::{Connection, params};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use ts_rs::TS;

use super::email::{self, EmailLanguage};
use super::lifecycle::expiry_days_in;
use super::outbox::MessageState;
use crate::i18n::Text;
use crate::members::admin::{Admin, require_actor};
use crate::members::{MemberRole, MemberStatus, parse_enum};
use crate::store::{Store, now};
use crate::{Error, ErrorCode, Result, msg};

pub use super::batches::{
    BATCH_ROWS, BatchRow, BatchSummary, RowResult, queue_csv_batch, recover_interrupted, write_batch_results,
};
pub(crate) use super::lifecycle::expire_due;
pub use super::lifecycle::{
    DEFAULT_EXPIRY_DAYS, EXPIRY_DAYS_KEY, accept, expiry_days, invite_one, resend, revoke, set_expiry_days, verify_code,
};
pub use super::teams::{Team, assign_teams, create_team, list_teams};

/// Who to invite.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct InviteRequest {
    pub email: String,
    pub name: Option<String>,
    pub role: MemberRole,
    /// Teams besides `Everyone` (which every member joins, R4); each must exist.
    pub teams: Vec<String>,
}

/// An invitation's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum InvitationState {
    Pending,
    Accepted,
    Revoked,
    /// Replaced by a resend (its code no longer works).
    Superseded,
    Expired,
}

/// A line of the invitations list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct InvitationSummary {
    pub id: String,
    pub email: String,
    pub name: Option<String>,
    pub role: MemberRole,
    pub member_status: MemberStatus,
    pub teams: Vec<String>,
    pub state: InvitationState,
    pub invited_by: Option<String>,
    pub created_at: String,
    pub expires_at: String,
    /// The state of its latest email (`None`: no email queued).
    pub delivery: Option<MessageState>,
    /// Why the latest email failed or is uncertain.
    pub delivery_error: Option<Text>,
    pub sent_at: Option<String>,
}

pub(super) fn hash_code(code: &str) -> String {
    Sha256::digest(code.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

pub(super) fn rfc3339(at: OffsetDateTime) -> String {
    at.replace_nanosecond(0).unwrap_or(at).format(&Rfc3339).unwrap_or_default()
}

/// Everything an invitation email needs that is the same for every invitee of one transaction.
pub(super) struct Context {
    pub(super) actor: Admin,
    pub(super) language: EmailLanguage,
    pub(super) workspace: String,
    pub(super) expiry_days: u32,
}

impl Context {
    pub(super) fn load(conn: &Connection) -> Result<Self> {
        Ok(Self {
            actor: require_actor(conn)?,
            language: EmailLanguage::of_workspace(conn)?,
            workspace: email::workspace_name(conn)?,
            expiry_days: expiry_days_in(conn)?,
        })
    }
}

/// Why an address cannot be invited now.
pub(super) enum Refusal {
    AlreadyMember(Text),
    AlreadyInvited(Text),
    UnknownTeams(Text),
}

impl Refusal {
    pub(super) fn into_error(self) -> Error {
        match self {
            Self::AlreadyMember(m) | Self::AlreadyInvited(m) => Error::new(ErrorCode::Conflict, m),
            Self::UnknownTeams(m) => Error::invalid_input(m),
        }
    }
}

pub(super) const SUMMARY_SQL: &str = "SELECT i.id, i.email, m.name, m.role, m.status,
        (SELECT json_group_array(t.name) FROM team_members tm JOIN teams t ON t.id = tm.team_id WHERE tm.member_id = m.id),
        CASE WHEN i.state = 'pending' AND m.status = 'removed' THEN 'revoked'
             WHEN i.state = 'pending' AND i.expires_at <= ?1 THEN 'expired' ELSE i.state END,
        (SELECT email FROM members WHERE id = i.invited_by), i.created_at, i.expires_at,
        o.state, o.last_error, o.sent_at
   FROM invitations i JOIN members m ON m.id = i.member_id
   LEFT JOIN outbox o ON o.id = (SELECT max(id) FROM outbox WHERE invitation_id = i.id)";

pub(super) fn summary_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<[Option<String>; 13]> {
    let mut out: [Option<String>; 13] = Default::default();
    for (i, slot) in out.iter_mut().enumerate() {
        *slot = r.get(i)?;
    }
    Ok(out)
}

pub(super) fn to_summary(row: [Option<String>; 13]) -> Result<InvitationSummary> {
    let [id, email, name, role, status, teams, state, by, created, expires, delivery, error, sent_at] = row;
    let req = |v: Option<String>| v.ok_or_else(|| Error::internal(msg!("invites-row-incomplete")));
    let mut teams: Vec<String> = serde_json::from_str(&teams.unwrap_or_else(|| "[]".into()))?;
    teams.sort();
    Ok(InvitationSummary {
        id: req(id)?,
        email: req(email)?,
        name,
        role: parse_enum(&req(role)?)?,
        member_status: parse_enum(&req(status)?)?,
        teams,
        state: parse_enum(&req(state)?)?,
        invited_by: by,
        created_at: req(created)?,
        expires_at: req(expires)?,
        delivery: delivery.as_deref().map(parse_enum).transpose()?,
        delivery_error: error.as_deref().map(Text::from_stored),
        sent_at,
    })
}

pub(super) fn invitation_by_id(store: &Store, id: &str) -> Result<InvitationSummary> {
    store.read(|c| {
        let row = c.query_row(&format!("{SUMMARY_SQL} WHERE i.id = ?2"), params![now(), id], summary_row)?;
        to_summary(row)
    })
}

/// The latest invitation of every address, newest first, for User Management and the CLI.
pub fn list_invitations(store: &Store) -> Result<Vec<InvitationSummary>> {
    store.read(|c| {
        let mut stmt = c.prepare(&format!(
            "{SUMMARY_SQL} WHERE i.id = (SELECT id FROM invitations j WHERE j.email = i.email ORDER BY j.created_at DESC, j.rowid DESC LIMIT 1)
             ORDER BY i.created_at DESC, i.email"
        ))?;
        let rows = stmt.query_map([now()], summary_row)?;
        rows.map(|r| to_summary(r?)).collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    pub(super) fn codes_are_stored_as_sha256_hex() {
        assert_eq!(hash_code("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }
}
