//! Inviting members (R3, R4): one by one or from a reviewed CSV, resending and revoking.
//!
//! An invitation is one transaction: the member (status `invited`) in `Everyone` and the named
//! teams, the invitation with the SHA-256 of a one-time code and an expiry, the audit line, and
//! the rendered email in the outbox. The code itself is only in the email.

use std::collections::{BTreeSet, HashSet};
use std::io::Write;
use std::path::Path;

use rusqlite::{Connection, OptionalExtension, params};
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use ts_rs::TS;

use super::csv::{self as csvmod, Inspection, Mapping, RowStatus};
use super::email::{self, EmailLanguage, InvitationContent};
use super::outbox::{self, MessageState};
use crate::members::admin::{Admin, normalize_email, require_actor};
use crate::members::{MemberRole, MemberStatus, join_everyone, parse_enum};
use crate::store::{Store, now};
use crate::vault::{Vault, random_token};
use crate::{Error, ErrorCode, Result, Workspace, audit};

/// Setting: days an invitation stays valid (default [`DEFAULT_EXPIRY_DAYS`]).
pub const EXPIRY_DAYS_KEY: &str = "invites.expiry_days";
/// Days an invitation stays valid unless configured.
pub const DEFAULT_EXPIRY_DAYS: u32 = 3;
/// Rows queued per transaction by [`queue_csv_batch`].
pub const BATCH_ROWS: usize = 500;

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
    pub delivery_error: Option<String>,
    pub sent_at: Option<String>,
}

/// Why a row of a batch was not invited.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum RowResult {
    Invited,
    Invalid,
    Duplicate,
    Existing,
    Excluded,
    /// Refused when queuing (for example a team that does not exist).
    Failed,
}

/// One row of a CSV batch and what happened to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct BatchRow {
    pub row: u64,
    pub line: u64,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub role: Option<MemberRole>,
    pub teams: Vec<String>,
    pub result: RowResult,
    /// Empty for invited rows.
    pub reason: String,
}

/// What [`queue_csv_batch`] did; `queued + invalid + duplicates + existing + excluded + failed == rows`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct BatchSummary {
    pub run_id: String,
    pub rows: u64,
    pub queued: u64,
    pub invalid: u64,
    pub duplicates: u64,
    pub existing: u64,
    pub excluded: u64,
    pub failed: u64,
    /// Every row with its result, in file order (for the summary screen and the results CSV).
    pub outcomes: Vec<BatchRow>,
}

/// A team.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Team {
    pub id: String,
    pub name: String,
    pub is_default: bool,
}

fn hash_code(code: &str) -> String {
    Sha256::digest(code.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

fn rfc3339(at: OffsetDateTime) -> String {
    at.replace_nanosecond(0).unwrap_or(at).format(&Rfc3339).unwrap_or_default()
}

/// Days an invitation stays valid.
pub fn expiry_days(store: &Store) -> Result<u32> {
    store.read(expiry_days_in)
}

fn expiry_days_in(conn: &Connection) -> Result<u32> {
    Ok(email::setting(conn, EXPIRY_DAYS_KEY)?
        .and_then(|s| s.trim().parse::<u32>().ok())
        .filter(|d| (1..=90).contains(d))
        .unwrap_or(DEFAULT_EXPIRY_DAYS))
}

/// Sets how many days new invitations stay valid (1–90); audited.
pub fn set_expiry_days(ws: &Workspace, days: u32) -> Result<()> {
    if !(1..=90).contains(&days) {
        return Err(Error::invalid_input("Invitations can stay valid for 1 to 90 days."));
    }
    ws.store().write(|tx| {
        let actor = require_actor(tx)?;
        tx.execute(
            "INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![EXPIRY_DAYS_KEY, days.to_string()],
        )?;
        audit::record(tx, Some(&actor.id), "invites.expiry_changed", None, serde_json::json!({ "days": days }))
    })
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
        return Err(Error::invalid_input("A team name needs 1 to 80 characters."));
    }
    ws.store().write(|tx| {
        let actor = require_actor(tx)?;
        let existing: Option<String> =
            tx.query_row("SELECT name FROM teams WHERE name = ?1", [name], |r| r.get(0)).optional()?;
        if let Some(existing) = existing {
            return Err(Error::new(ErrorCode::Conflict, format!("A team called “{existing}” already exists.")));
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
            return Err(Error::not_found(format!("{email_addr} is not a member of this workspace.")));
        };
        if status == "removed" {
            return Err(Error::new(
                ErrorCode::Conflict,
                format!("{email_addr} was removed from the workspace. Invite them again to give them teams."),
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
        .ok_or_else(|| Error::internal("The member disappeared while their teams were saved."))
}

/// Everything an invitation email needs that is the same for every invitee of one transaction.
struct Context {
    actor: Admin,
    language: EmailLanguage,
    workspace: String,
    expiry_days: u32,
}

impl Context {
    fn load(conn: &Connection) -> Result<Self> {
        Ok(Self {
            actor: require_actor(conn)?,
            language: EmailLanguage::of_workspace(conn)?,
            workspace: email::workspace_name(conn)?,
            expiry_days: expiry_days_in(conn)?,
        })
    }
}

/// Why an address cannot be invited now.
enum Refusal {
    AlreadyMember(String),
    AlreadyInvited(String),
    UnknownTeams(String),
}

impl Refusal {
    fn into_error(self) -> Error {
        match self {
            Self::AlreadyMember(m) | Self::AlreadyInvited(m) => Error::new(ErrorCode::Conflict, m),
            Self::UnknownTeams(m) => Error::invalid_input(m),
        }
    }
}

fn resolve_teams(conn: &Connection, names: &[String]) -> Result<std::result::Result<Vec<String>, Refusal>> {
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
    Ok(Err(Refusal::UnknownTeams(format!(
        "There is no team called {}. Existing teams: {}. Create the team first (User Management → Teams) or fix the \
         name.",
        unknown.iter().map(|t| format!("“{t}”")).collect::<Vec<_>>().join(", "),
        existing.join(", ")
    ))))
}

/// Closes pending invitations whose expiry has passed (member → `expired`).
pub(crate) fn expire_due(conn: &Connection) -> Result<()> {
    let at = now();
    conn.execute(
        "UPDATE members SET status = 'expired'
          WHERE status = 'invited' AND id IN (SELECT member_id FROM invitations WHERE state = 'pending' AND expires_at <= ?1)",
        [&at],
    )?;
    conn.execute(
        "UPDATE invitations SET state = 'expired', closed_at = ?1 WHERE state = 'pending' AND expires_at <= ?1",
        [&at],
    )?;
    Ok(())
}

/// Creates the member (or revives a removed/expired one), the invitation and the queued email.
#[allow(clippy::too_many_arguments)]
fn invite_in(
    tx: &Connection,
    vault: &Vault,
    ctx: &Context,
    email_addr: &str,
    name: Option<&str>,
    role: MemberRole,
    teams: &[String],
    run_id: Option<&str>,
) -> Result<std::result::Result<String, Refusal>> {
    let existing: Option<(String, String, String)> = tx
        .query_row("SELECT id, email, status FROM members WHERE email = ?1", [email_addr], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .optional()?;
    if let Some((_, known, status)) = &existing {
        match status.as_str() {
            "active" => {
                return Ok(Err(Refusal::AlreadyMember(format!(
                    "{known} is already a member of this workspace, so no invitation was sent."
                ))));
            }
            "invited" => {
                let pending: Option<String> = tx
                    .query_row(
                        "SELECT created_at FROM invitations WHERE email = ?1 AND state = 'pending'",
                        [email_addr],
                        |r| r.get(0),
                    )
                    .optional()?;
                if let Some(created) = pending {
                    return Ok(Err(Refusal::AlreadyInvited(format!(
                        "{known} already has a pending invitation (sent {created}). Resend it from User Management \
                         if the email was lost; a second invitation was not created."
                    ))));
                }
            }
            _ => {}
        }
    }
    let team_ids = match resolve_teams(tx, teams)? {
        Ok(ids) => ids,
        Err(refusal) => return Ok(Err(refusal)),
    };
    let at = now();
    let role_str = match role {
        MemberRole::Admin => "admin",
        MemberRole::User => "user",
    };
    let name = name.map(str::trim).filter(|n| !n.is_empty());
    let member_id = match existing {
        Some((id, ..)) => {
            tx.execute(
                "UPDATE members SET name = coalesce(?2, name), role = ?3, status = 'invited', invited_at = ?4,
                        joined_at = NULL, removed_at = NULL WHERE id = ?1",
                params![id, name, role_str, at],
            )?;
            tx.execute("DELETE FROM team_members WHERE member_id = ?1", [&id])?;
            tx.execute(
                "UPDATE invitations SET state = 'superseded', closed_at = ?2 WHERE email = ?1 AND state = 'pending'",
                params![email_addr, at],
            )?;
            id
        }
        None => {
            let id = uuid::Uuid::new_v4().to_string();
            tx.execute(
                "INSERT INTO members (id, email, name, role, status, invited_at) VALUES (?1, ?2, ?3, ?4, 'invited', ?5)",
                params![id, email_addr, name, role_str, at],
            )?;
            id
        }
    };
    join_everyone(tx, &member_id)?;
    for team_id in &team_ids {
        tx.execute(
            "INSERT OR IGNORE INTO team_members (team_id, member_id, added_at) VALUES (?1, ?2, ?3)",
            params![team_id, member_id, at],
        )?;
    }
    let invitation_id = create_invitation(tx, vault, ctx, &member_id, email_addr, name, run_id)?;
    audit::record(
        tx,
        Some(&ctx.actor.id),
        "member.invited",
        Some(email_addr),
        serde_json::json!({ "role": role_str, "teams": teams, "invitation_id": invitation_id, "run_id": run_id }),
    )?;
    Ok(Ok(invitation_id))
}

/// A new pending invitation with a fresh code, and its email queued.
fn create_invitation(
    tx: &Connection,
    vault: &Vault,
    ctx: &Context,
    member_id: &str,
    email_addr: &str,
    name: Option<&str>,
    run_id: Option<&str>,
) -> Result<String> {
    let code = random_token(24);
    let created = OffsetDateTime::now_utc();
    let expires = created + time::Duration::days(i64::from(ctx.expiry_days));
    let id = uuid::Uuid::new_v4().to_string();
    tx.execute(
        "INSERT INTO invitations (id, member_id, email, invited_by, code_hash, state, created_at, expires_at, run_id)
         VALUES (?1, ?2, ?3, ?4, ?5, 'pending', ?6, ?7, ?8)",
        params![
            id,
            member_id,
            email_addr,
            ctx.actor.id,
            hash_code(code.expose_secret()),
            rfc3339(created),
            rfc3339(expires),
            run_id
        ],
    )?;
    let link = email::join_link(tx, code.expose_secret())?;
    let inviter_name = ctx.actor.name.clone().unwrap_or_default();
    let message = email::render_invitation(
        ctx.language,
        &InvitationContent {
            workspace: &ctx.workspace,
            inviter_name: &inviter_name,
            inviter_email: &ctx.actor.email,
            invitee_name: name,
            join_link: &link,
            expires_at: expires,
        },
    );
    outbox::queue_in(tx, vault, Some(&id), email_addr, ctx.language, &message)?;
    Ok(id)
}

/// Invites one person as the acting admin: checks the address (internationalised domains
/// accepted), refuses members and pending invitations with the reason, and queues the email.
/// Send it with [`super::outbox::deliver`].
pub fn invite_one(ws: &Workspace, vault: &Vault, request: &InviteRequest) -> Result<InvitationSummary> {
    let email_addr = normalize_email(&request.email)?;
    let id = ws.store().write(|tx| {
        expire_due(tx)?;
        let ctx = Context::load(tx)?;
        invite_in(tx, vault, &ctx, &email_addr, request.name.as_deref(), request.role, &request.teams, None)?
            .map_err(Refusal::into_error)
    })?;
    invitation_by_id(ws.store(), &id)
}

/// Queues an invitation for every valid row of a reviewed CSV, [`BATCH_ROWS`] rows per
/// transaction, recording an `invite` run with its counts. Rows keep the reason they were
/// skipped; write the results file with [`write_batch_results`].
///
/// Rows are read with [`csvmod::preview`] page by page (the CSV reader has no row iterator for a
/// whole file yet), so the cost grows with the square of the file's length: fine for thousands
/// of rows, slow for hundreds of thousands.
pub fn queue_csv_batch(
    ws: &Workspace,
    vault: &Vault,
    path: &Path,
    inspection: &Inspection,
    mapping: &Mapping,
    excluded: &BTreeSet<u64>,
) -> Result<BatchSummary> {
    let store = ws.store();
    let run_id = uuid::Uuid::new_v4().to_string();
    store.write(|tx| {
        require_actor(tx)?;
        tx.execute(
            "INSERT INTO runs (id, kind, state, started_at, counts) VALUES (?1, 'invite', 'running', ?2, '{}')",
            params![run_id, now()],
        )?;
        Ok(())
    })?;
    let mut summary = BatchSummary {
        run_id: run_id.clone(),
        rows: 0,
        queued: 0,
        invalid: 0,
        duplicates: 0,
        existing: 0,
        excluded: 0,
        failed: 0,
        outcomes: Vec::new(),
    };
    let mut seen: HashSet<String> = HashSet::new();
    let result = (|| -> Result<()> {
        let mut next_row = 1;
        csvmod::for_each_page(path, inspection, mapping, BATCH_ROWS, &mut |page| {
            next_row += page.len() as u64;
            store.write(|tx| {
                expire_due(tx)?;
                let ctx = Context::load(tx)?;
                for row in page {
                    let outcome = queue_row(tx, vault, &ctx, row, excluded, &mut seen, &run_id)?;
                    match outcome.result {
                        RowResult::Invited => summary.queued += 1,
                        RowResult::Invalid => summary.invalid += 1,
                        RowResult::Duplicate => summary.duplicates += 1,
                        RowResult::Existing => summary.existing += 1,
                        RowResult::Excluded => summary.excluded += 1,
                        RowResult::Failed => summary.failed += 1,
                    }
                    summary.rows += 1;
                    summary.outcomes.push(outcome);
                }
                tx.execute(
                    "UPDATE runs SET counts = ?2, checkpoint = ?3 WHERE id = ?1",
                    params![
                        run_id,
                        counts(&summary).to_string(),
                        serde_json::json!({ "next_row": next_row }).to_string()
                    ],
                )?;
                Ok(())
            })
        })?;
        Ok(())
    })();
    store.write(|tx| {
        let (state, error) = match &result {
            Ok(()) => ("succeeded", None),
            Err(e) => ("failed", Some(serde_json::to_string(e)?)),
        };
        tx.execute(
            "UPDATE runs SET state = ?2, finished_at = ?3, counts = ?4, error = ?5 WHERE id = ?1",
            params![run_id, state, now(), counts(&summary).to_string(), error],
        )?;
        let actor = require_actor(tx)?;
        let file = path.file_name().map(|f| f.to_string_lossy().into_owned());
        audit::record(tx, Some(&actor.id), "invites.batch_queued", file.as_deref(), {
            let mut details = counts(&summary);
            details["run_id"] = serde_json::json!(run_id);
            details
        })
    })?;
    result?;
    Ok(summary)
}

fn counts(s: &BatchSummary) -> serde_json::Value {
    serde_json::json!({
        "rows": s.rows, "queued": s.queued, "invalid": s.invalid, "duplicates": s.duplicates,
        "existing": s.existing, "excluded": s.excluded, "failed": s.failed,
    })
}

fn queue_row(
    tx: &Connection,
    vault: &Vault,
    ctx: &Context,
    row: &csvmod::PreviewRow,
    excluded: &BTreeSet<u64>,
    seen: &mut HashSet<String>,
    run_id: &str,
) -> Result<BatchRow> {
    let out = BatchRow {
        row: row.row,
        line: row.line,
        email: row.email.clone(),
        first_name: row.first_name.clone(),
        last_name: row.last_name.clone(),
        role: row.role,
        teams: row.teams.clone(),
        result: RowResult::Invited,
        reason: String::new(),
    };
    let skip = |mut out: BatchRow, result, reason: String| {
        out.result = result;
        out.reason = reason;
        Ok(out)
    };
    if excluded.contains(&row.row) {
        return skip(out, RowResult::Excluded, "Excluded by the admin during the review.".into());
    }
    // Invalid rows carry the CSV reader's reasons; duplicates are judged here, among the rows
    // not excluded, as the validation report does.
    if row.status == RowStatus::Invalid {
        let reasons: Vec<&str> = row
            .issues
            .iter()
            .filter(|i| i.severity == csvmod::Severity::Error && i.code != csvmod::IssueCode::DuplicateInFile)
            .map(|i| i.message.as_str())
            .collect();
        return skip(out, RowResult::Invalid, reasons.join(" "));
    }
    let Some(role) = row.role else {
        return skip(out, RowResult::Invalid, "The role is not one Liaison knows.".into());
    };
    if !seen.insert(csvmod::normalize_email(&row.email)) {
        return skip(
            out,
            RowResult::Duplicate,
            format!(
                "{} already appears on an earlier row; only the first row with this address is invited.",
                row.email
            ),
        );
    }
    let name = format!("{} {}", row.first_name, row.last_name);
    match invite_in(tx, vault, ctx, &row.email, Some(name.trim()), role, &row.teams, Some(run_id))? {
        Ok(_) => Ok(out),
        Err(Refusal::AlreadyMember(m) | Refusal::AlreadyInvited(m)) => skip(out, RowResult::Existing, m),
        Err(Refusal::UnknownTeams(m)) => skip(out, RowResult::Failed, m),
    }
}

/// The words of the Result column.
fn result_word(result: RowResult) -> &'static str {
    match result {
        RowResult::Invited => "invited",
        RowResult::Invalid => "invalid",
        RowResult::Duplicate => "duplicate",
        RowResult::Existing => "skipped",
        RowResult::Excluded => "excluded",
        RowResult::Failed => "failed",
    }
}

/// Writes the results CSV of a batch (UTF-8 with BOM, every cell formula-safe): the file's
/// original columns, exactly as read, plus Result and Reason per row. The original file is read
/// again, row by row, so it must still be where it was and unchanged.
pub fn write_batch_results<W: Write>(
    out: W,
    path: &Path,
    inspection: &Inspection,
    summary: &BatchSummary,
) -> Result<()> {
    if let Err(e) = std::fs::metadata(path) {
        return Err(Error::invalid_input(format!(
            "The results file repeats the columns of {}, which can no longer be read ({e}). Put the file back where              it was, then save the results again.",
            path.display()
        )));
    }
    // Without a header row the columns have no names of their own; use the wizard's ("Column A").
    let headers = if inspection.header_row.is_some() { inspection.headers() } else { inspection.column_names() };
    let mut writer = csvmod::ResultsWriter::new(out, &headers)?;
    let mut outcomes = summary.outcomes.iter().peekable();
    csvmod::for_each_record(path, inspection, &mut |row, record| {
        while outcomes.next_if(|o| o.row < row).is_some() {}
        let (result, reason) = match outcomes.next_if(|o| o.row == row) {
            Some(o) => (result_word(o.result), o.reason.as_str()),
            None => ("", "This row was not part of the batch (the file changed after it was sent)."),
        };
        writer.row(record.iter(), result, reason)
    })?;
    writer.finish()
}

fn pending_for(conn: &Connection, email_addr: &str) -> Result<(String, String)> {
    conn.query_row(
        "SELECT id, member_id FROM invitations WHERE email = ?1 AND state = 'pending'",
        [email_addr.trim()],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .optional()?
    .ok_or_else(|| {
        Error::not_found(format!(
            "{} has no pending invitation (it may have been accepted, revoked or expired). Invite them again instead.",
            email_addr.trim()
        ))
    })
}

/// Sends a pending invitation again with a new code (the previous link stops working) and a
/// new expiry; the old email is cancelled if it had not gone out. Audited.
pub fn resend(ws: &Workspace, vault: &Vault, email_addr: &str) -> Result<InvitationSummary> {
    let id = ws.store().write(|tx| {
        expire_due(tx)?;
        let ctx = Context::load(tx)?;
        let (old_id, member_id) = pending_for(tx, email_addr)?;
        let (stored_email, name): (String, Option<String>) =
            tx.query_row("SELECT email, name FROM members WHERE id = ?1", [&member_id], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?;
        tx.execute(
            "UPDATE invitations SET state = 'superseded', closed_at = ?2 WHERE id = ?1",
            params![old_id, now()],
        )?;
        outbox::cancel_for_invitation(tx, vault, &old_id, "Replaced by a newer invitation (resent).")?;
        tx.execute("UPDATE members SET invited_at = ?2 WHERE id = ?1", params![member_id, now()])?;
        let id = create_invitation(tx, vault, &ctx, &member_id, &stored_email, name.as_deref(), None)?;
        audit::record(
            tx,
            Some(&ctx.actor.id),
            "invitation.resent",
            Some(&stored_email),
            serde_json::json!({ "invitation_id": id, "previous": old_id }),
        )?;
        Ok(id)
    })?;
    invitation_by_id(ws.store(), &id)
}

/// Revokes a pending invitation: the code stops working, a queued email is cancelled, and the
/// member is marked removed. Audited.
pub fn revoke(ws: &Workspace, vault: &Vault, email_addr: &str) -> Result<InvitationSummary> {
    let id = ws.store().write(|tx| {
        let actor = require_actor(tx)?;
        let (id, member_id) = pending_for(tx, email_addr)?;
        let at = now();
        tx.execute("UPDATE invitations SET state = 'revoked', closed_at = ?2 WHERE id = ?1", params![id, at])?;
        let cancelled = outbox::cancel_for_invitation(tx, vault, &id, "The invitation was revoked.")?;
        tx.execute(
            "UPDATE members SET status = 'removed', removed_at = ?2 WHERE id = ?1 AND status = 'invited'",
            params![member_id, at],
        )?;
        audit::record(
            tx,
            Some(&actor.id),
            "invitation.revoked",
            Some(email_addr.trim()),
            serde_json::json!({ "invitation_id": id, "unsent_email_cancelled": cancelled > 0 }),
        )?;
        Ok(id)
    })?;
    invitation_by_id(ws.store(), &id)
}

/// Checks a join code: it must belong to a pending, unexpired invitation.
pub fn verify_code(store: &Store, code: &str) -> Result<InvitationSummary> {
    let hash = hash_code(code.trim());
    let found: Option<(String, String, String)> = store.read(|c| {
        Ok(c.query_row(
            "SELECT i.id, CASE WHEN m.status = 'removed' AND i.state = 'pending' THEN 'revoked' ELSE i.state END,
                    i.expires_at
               FROM invitations i JOIN members m ON m.id = i.member_id WHERE i.code_hash = ?1",
            [&hash],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?)
    })?;
    let invalid = |why: &str| Error::new(ErrorCode::Forbidden, format!("This invitation link cannot be used: {why}"));
    let Some((id, state, expires_at)) = found else {
        return Err(invalid("it is not a Liaison invitation code. Ask an admin for a new invitation."));
    };
    match state.as_str() {
        "pending" if expires_at > now() => invitation_by_id(store, &id),
        "pending" | "expired" => Err(invalid("it has expired. Ask an admin to resend the invitation.")),
        "superseded" => Err(invalid("a newer invitation was sent; use the link in the latest email.")),
        "revoked" => Err(invalid("the invitation was withdrawn.")),
        _ => Err(invalid("it was already used.")),
    }
}

/// Accepts an invitation with its join code: the member becomes active and the code is used up.
/// Audited as the member's own action.
pub fn accept(ws: &Workspace, code: &str) -> Result<InvitationSummary> {
    let invitation = verify_code(ws.store(), code)?;
    ws.store().write(|tx| {
        let at = now();
        let changed = tx.execute(
            "UPDATE invitations SET state = 'accepted', closed_at = ?2 WHERE id = ?1 AND state = 'pending'",
            params![invitation.id, at],
        )?;
        if changed != 1 {
            return Err(Error::new(ErrorCode::Conflict, "This invitation was used or withdrawn a moment ago."));
        }
        let member_id: String =
            tx.query_row("SELECT member_id FROM invitations WHERE id = ?1", [&invitation.id], |r| r.get(0))?;
        tx.execute(
            "UPDATE members SET status = 'active', joined_at = ?2 WHERE id = ?1 AND status = 'invited'",
            params![member_id, at],
        )?;
        audit::record(
            tx,
            Some(&member_id),
            "member.joined",
            Some(&invitation.email),
            serde_json::json!({ "invitation_id": invitation.id }),
        )
    })?;
    invitation_by_id(ws.store(), &invitation.id)
}

const SUMMARY_SQL: &str = "SELECT i.id, i.email, m.name, m.role, m.status,
        (SELECT json_group_array(t.name) FROM team_members tm JOIN teams t ON t.id = tm.team_id WHERE tm.member_id = m.id),
        CASE WHEN i.state = 'pending' AND m.status = 'removed' THEN 'revoked'
             WHEN i.state = 'pending' AND i.expires_at <= ?1 THEN 'expired' ELSE i.state END,
        (SELECT email FROM members WHERE id = i.invited_by), i.created_at, i.expires_at,
        o.state, o.last_error, o.sent_at
   FROM invitations i JOIN members m ON m.id = i.member_id
   LEFT JOIN outbox o ON o.id = (SELECT max(id) FROM outbox WHERE invitation_id = i.id)";

fn summary_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<[Option<String>; 13]> {
    let mut out: [Option<String>; 13] = Default::default();
    for (i, slot) in out.iter_mut().enumerate() {
        *slot = r.get(i)?;
    }
    Ok(out)
}

fn to_summary(row: [Option<String>; 13]) -> Result<InvitationSummary> {
    let [id, email, name, role, status, teams, state, by, created, expires, delivery, error, sent_at] = row;
    let req = |v: Option<String>| v.ok_or_else(|| Error::internal("An invitation row is incomplete."));
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
        delivery_error: error,
        sent_at,
    })
}

fn invitation_by_id(store: &Store, id: &str) -> Result<InvitationSummary> {
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
    fn codes_are_stored_as_sha256_hex() {
        assert_eq!(hash_code("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }
}
