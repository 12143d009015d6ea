//! An invitation from start to end: invite, expiry, resend, revoke, verify and accept.

use rusqlite::{Connection, OptionalExtension, params};
use secrecy::ExposeSecret;
use time::OffsetDateTime;

use super::email::{self, InvitationContent};
use super::invite::{Context, InvitationSummary, InviteRequest, Refusal, hash_code, invitation_by_id, rfc3339};
use super::outbox::{self};
use super::teams::resolve_teams;
use crate::members::admin::{normalize_email, require_actor};
use crate::members::{MemberRole, join_everyone};
use crate::store::{Store, now};
use crate::vault::{Vault, random_token};
use crate::{Error, ErrorCode, Result, Workspace, audit, msg};

/// Setting: days an invitation stays valid (default [`DEFAULT_EXPIRY_DAYS`]).
pub const EXPIRY_DAYS_KEY: &str = "invites.expiry_days";

/// Days an invitation stays valid unless configured.
pub const DEFAULT_EXPIRY_DAYS: u32 = 3;

/// Days an invitation stays valid.
pub fn expiry_days(store: &Store) -> Result<u32> {
    store.read(expiry_days_in)
}

pub(super) fn expiry_days_in(conn: &Connection) -> Result<u32> {
    Ok(email::setting(conn, EXPIRY_DAYS_KEY)?
        .and_then(|s| s.trim().parse::<u32>().ok())
        .filter(|d| (1..=90).contains(d))
        .unwrap_or(DEFAULT_EXPIRY_DAYS))
}

/// Sets how many days new invitations stay valid (1–90); audited.
pub fn set_expiry_days(ws: &Workspace, days: u32) -> Result<()> {
    if !(1..=90).contains(&days) {
        return Err(Error::invalid_input(msg!("invites-expiry-range")));
    }
    ws.store().write(|tx| {
        let actor = require_actor(tx)?;
        crate::settings::put(tx, EXPIRY_DAYS_KEY, days.to_string())?;
        audit::record(tx, Some(&actor.id), "invites.expiry_changed", None, serde_json::json!({ "days": days }))
    })
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
pub(super) fn invite_in(
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
                return Ok(Err(Refusal::AlreadyMember(msg!("invites-already-member", email = known))));
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
                    return Ok(Err(Refusal::AlreadyInvited(msg!(
                        "invites-already-invited",
                        email = known,
                        sent = created
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
pub(super) fn create_invitation(
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

pub(super) fn pending_for(conn: &Connection, email_addr: &str) -> Result<(String, String)> {
    conn.query_row(
        "SELECT id, member_id FROM invitations WHERE email = ?1 AND state = 'pending'",
        [email_addr.trim()],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .optional()?
    .ok_or_else(|| Error::not_found(msg!("invites-no-pending", email = email_addr.trim())))
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
        outbox::cancel_for_invitation(tx, vault, &old_id, msg!("outbox-cancelled-resent"))?;
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
        let cancelled = outbox::cancel_for_invitation(tx, vault, &id, msg!("outbox-cancelled-revoked"))?;
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
    let invalid =
        |why: crate::i18n::Text| Error::new(ErrorCode::Forbidden, msg!("invites-link-unusable", reason = why));
    let Some((id, state, expires_at)) = found else {
        return Err(invalid(msg!("invites-link-not-a-code")));
    };
    match state.as_str() {
        "pending" if expires_at > now() => invitation_by_id(store, &id),
        "pending" | "expired" => Err(invalid(msg!("invites-link-expired"))),
        "superseded" => Err(invalid(msg!("invites-link-superseded"))),
        "revoked" => Err(invalid(msg!("invites-link-revoked"))),
        _ => Err(invalid(msg!("invites-link-used"))),
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
            return Err(Error::new(ErrorCode::Conflict, msg!("invites-accept-race")));
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
