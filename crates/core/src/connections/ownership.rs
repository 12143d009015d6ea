//! Who may connect, use and disconnect a connection (rules R6–R9), access grants, and the
//! guided handover of an integration from one admin to another. Enforced here, in core, so the
//! UI and the CLI cannot disagree; every step is audited.

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use ts_rs::TS;

use super::ConnectionKind;
use crate::i18n::Text;
use crate::members::admin::{Admin, member_by_email, require_actor};
use crate::members::{MemberRole, MemberStatus, parse_enum};
use crate::setup::{self, SetupStepKey, StepState};
use crate::store::now;
use crate::vault::Vault;
use crate::{Error, ErrorCode, Result, Workspace, audit, msg};

/// Whether the acting admin may click Connect, and why not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ConnectPermission {
    pub allowed: bool,
    pub reason: Option<Text>,
}

/// A live access grant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct AccessGrant {
    pub member: String,
    pub granted_by: Option<String>,
    pub granted_at: String,
}

/// Where a handover stands (R8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum HandoverState {
    /// Step 1 done: A removed B's access. Next: B connects.
    GrantRemoved,
    /// Step 2 done: B connected. Next: A disconnects.
    NewConnected,
    Completed,
    Cancelled,
}

/// A handover of an integration from one admin to another.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Handover {
    pub id: String,
    pub kind: ConnectionKind,
    pub from_admin: String,
    pub to_admin: String,
    pub state: HandoverState,
    pub started_at: String,
    /// The new owner already had their own live connection when the handover started (seed
    /// 001): only step 1 was needed, and the old owner finishes by disconnecting.
    pub already_connected: bool,
}

/// What a new connection is.
#[derive(Debug, Clone)]
pub struct NewConnection {
    pub kind: ConnectionKind,
    pub display_name: String,
    /// Non-secret settings (endpoints, org, user); secrets go to the vault.
    pub settings: serde_json::Value,
    pub is_sandbox: bool,
}

/// Kinds with one connection at a time for the integration (R7); Dynamics 365 and Campaign
/// connections may be several (a production and a test org).
pub fn is_single(kind: ConnectionKind) -> bool {
    matches!(kind, ConnectionKind::Salesforce | ConnectionKind::Marketo)
}

fn kind_str(kind: ConnectionKind) -> &'static str {
    match kind {
        ConnectionKind::Salesforce => "salesforce",
        ConnectionKind::Marketo => "marketo",
        ConnectionKind::Dynamics => "dynamics",
        ConnectionKind::Campaign => "campaign",
    }
}

fn kind_label(kind: ConnectionKind) -> &'static str {
    match kind {
        ConnectionKind::Salesforce => "Salesforce",
        ConnectionKind::Marketo => "Marketo",
        ConnectionKind::Dynamics => "Dynamics 365",
        ConnectionKind::Campaign => "Adobe Campaign",
    }
}

struct Live {
    id: String,
    owner_id: Option<String>,
    owner_email: Option<String>,
}

/// The oldest live connection of a single-connection kind (during a handover there are two).
fn live_connection(conn: &Connection, kind: ConnectionKind) -> Result<Option<Live>> {
    Ok(conn
        .query_row(
            "SELECT c.id, c.owner_member_id, m.email FROM connections c LEFT JOIN members m ON m.id = c.owner_member_id
              WHERE c.kind = ?1 AND c.disconnected_at IS NULL ORDER BY c.created_at, c.rowid LIMIT 1",
            [kind_str(kind)],
            |r| Ok(Live { id: r.get(0)?, owner_id: r.get(1)?, owner_email: r.get(2)? }),
        )
        .optional()?)
}

fn has_grant(conn: &Connection, connection_id: &str, member_id: &str) -> Result<bool> {
    Ok(conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM access_grants WHERE connection_id = ?1 AND member_id = ?2 AND revoked_at IS NULL)",
        params![connection_id, member_id],
        |r| r.get(0),
    )?)
}

struct OpenHandover {
    id: String,
    from_connection_id: String,
    from_member_id: String,
    to_member_id: String,
    to_connection_id: Option<String>,
    state: HandoverState,
}

fn open_handover(conn: &Connection, kind: ConnectionKind) -> Result<Option<OpenHandover>> {
    conn.query_row(
        "SELECT id, from_connection_id, from_member_id, to_member_id, to_connection_id, state FROM handovers
          WHERE kind = ?1 AND state IN ('grant_removed', 'new_connected')",
        [kind_str(kind)],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get::<_, String>(5)?)),
    )
    .optional()?
    .map(|(id, from_connection_id, from_member_id, to_member_id, to_connection_id, state)| {
        Ok(OpenHandover {
            id,
            from_connection_id,
            from_member_id,
            to_member_id,
            to_connection_id,
            state: parse_enum(&state)?,
        })
    })
    .transpose()
}

/// Decides whether `actor` may connect `kind` now (R7, with the handover exception of R8).
fn permission(conn: &Connection, actor: &Admin, kind: ConnectionKind) -> Result<ConnectPermission> {
    let allowed = ConnectPermission { allowed: true, reason: None };
    if !is_single(kind) {
        return Ok(allowed);
    }
    let Some(live) = live_connection(conn, kind)? else { return Ok(allowed) };
    let label = kind_label(kind);
    let owner: Text = match live.owner_email.as_deref() {
        Some(email) => Text::verbatim(email),
        None => msg!("ownership-another-admin"),
    };
    if live.owner_id.as_deref() == Some(actor.id.as_str()) {
        return Ok(ConnectPermission { allowed: false, reason: Some(msg!("ownership-you-own-it", label = label)) });
    }
    if has_grant(conn, &live.id, &actor.id)? {
        return Ok(ConnectPermission {
            allowed: false,
            reason: Some(msg!("ownership-granted-cannot-connect", owner = owner, label = label)),
        });
    }
    match open_handover(conn, kind)? {
        Some(h) if h.to_member_id == actor.id && h.state == HandoverState::GrantRemoved => Ok(allowed),
        Some(h) if h.to_member_id == actor.id => Ok(ConnectPermission {
            allowed: false,
            reason: Some(msg!("ownership-handover-already-connected", owner = owner)),
        }),
        _ => Ok(ConnectPermission {
            allowed: false,
            reason: Some(msg!("ownership-owned-by-another", owner = owner, label = label)),
        }),
    }
}

/// Whether the acting admin may click Connect for `kind`, with the reason when not.
pub fn connect_permission(ws: &Workspace, kind: ConnectionKind) -> Result<ConnectPermission> {
    ws.store().read(|c| {
        let Some(actor) = crate::members::admin::acting_admin_in(c)? else {
            return Ok(ConnectPermission { allowed: false, reason: Some(msg!("ownership-activate-first")) });
        };
        permission(c, &actor, kind)
    })
}

/// Records a new connection owned by the acting admin (R6), after the R7 check; inside the
/// caller's transaction so the secrets written next to it commit together. Returns its id.
pub fn register(tx: &Connection, new: &NewConnection) -> Result<String> {
    let actor = require_actor(tx)?;
    let verdict = permission(tx, &actor, new.kind)?;
    if !verdict.allowed {
        return Err(Error::new(ErrorCode::Forbidden, verdict.reason.unwrap_or_default())
            .with_details(serde_json::json!({ "rule": "R7" })));
    }
    let id = uuid::Uuid::new_v4().to_string();
    tx.execute(
        "INSERT INTO connections (id, kind, display_name, owner_member_id, settings, is_sandbox, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![id, kind_str(new.kind), new.display_name, actor.id, new.settings.to_string(), new.is_sandbox, now()],
    )?;
    if let Some(h) = open_handover(tx, new.kind)?.filter(|h| h.to_member_id == actor.id) {
        tx.execute(
            "UPDATE handovers SET state = 'new_connected', to_connection_id = ?2, updated_at = ?3 WHERE id = ?1",
            params![h.id, id, now()],
        )?;
        audit::record(
            tx,
            Some(&actor.id),
            "handover.new_connected",
            Some(kind_str(new.kind)),
            serde_json::json!({ "handover": h.id, "connection": id }),
        )?;
    }
    let step = match new.kind {
        ConnectionKind::Salesforce => Some(SetupStepKey::ConnectSalesforce),
        ConnectionKind::Marketo => Some(SetupStepKey::ConnectMarketo),
        _ => None,
    };
    if let Some(step) = step {
        setup::set_step(
            tx,
            step,
            StepState::Done,
            Some(crate::msg!("setup-connected-by", email = &actor.email, name = &new.display_name)),
        )?;
    }
    audit::record(
        tx,
        Some(&actor.id),
        "connection.connected",
        Some(&id),
        serde_json::json!({ "kind": kind_str(new.kind), "display_name": new.display_name, "sandbox": new.is_sandbox }),
    )?;
    Ok(id)
}

/// Records a verified connection (after the R7 check, inside one transaction) together with its
/// secrets, stored in the vault as `connection.<id>.<name>`; returns it as listed.
pub fn save(
    ws: &Workspace,
    vault: &Vault,
    new: &NewConnection,
    secrets: &[(&str, Option<&secrecy::SecretString>)],
) -> Result<super::ConnectionSummary> {
    let id = ws.store().write(|tx| {
        let id = register(tx, new)?;
        for (name, secret) in secrets {
            if let Some(secret) = secret {
                vault.put_in(tx, &format!("connection.{id}.{name}"), secret)?;
            }
        }
        Ok(id)
    })?;
    super::list(ws.store())?
        .into_iter()
        .find(|c| c.id == id)
        .ok_or_else(|| Error::internal(msg!("ownership-new-connection-vanished")))
}

struct ConnectionRow {
    kind: ConnectionKind,
    owner_id: Option<String>,
    owner_email: Option<String>,
    display_name: String,
}

fn connection_row(conn: &Connection, id: &str) -> Result<ConnectionRow> {
    conn.query_row(
        "SELECT c.kind, c.owner_member_id, m.email, c.display_name FROM connections c LEFT JOIN members m ON m.id = c.owner_member_id
          WHERE c.id = ?1 AND c.disconnected_at IS NULL",
        [id],
        |r| Ok((r.get::<_, String>(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
    )
    .optional()?
    .ok_or_else(|| Error::not_found(msg!("disconnect-not-found")))
    .and_then(|(kind, owner_id, owner_email, display_name)| {
        Ok(ConnectionRow { kind: parse_enum(&kind)?, owner_id, owner_email, display_name })
    })
}

/// How a connection's owner is named in messages: their email, or "the owner" when unknown.
pub(crate) fn owner_text(email: Option<&str>) -> Text {
    match email {
        Some(email) => Text::verbatim(email),
        None => msg!("ownership-the-owner"),
    }
}

/// `action` selects the verb in `ownership-owner-only`: disconnect, grant, revoke or handover.
fn require_owner(row: &ConnectionRow, actor: &Admin, action: &'static str) -> Result<()> {
    if row.owner_id.as_deref() != Some(actor.id.as_str()) {
        let owner = owner_text(row.owner_email.as_deref());
        return Err(Error::new(
            ErrorCode::Forbidden,
            msg!("ownership-owner-only", owner = owner, action = action, name = &row.display_name),
        )
        .with_details(serde_json::json!({ "rule": "R6" })));
    }
    Ok(())
}

/// Disconnects a connection: owner only (R6). During a handover it is the last step (R8): the
/// grants move to the new owner's connection, so other members keep their access throughout.
/// The connection's secrets are deleted from the vault in the same transaction.
pub fn disconnect(ws: &Workspace, vault: &Vault, connection_id: &str) -> Result<()> {
    ws.store().write(|tx| {
        let actor = require_actor(tx)?;
        let row = connection_row(tx, connection_id)?;
        require_owner(&row, &actor, "disconnect")?;
        let handover = open_handover(tx, row.kind)?.filter(|h| h.from_connection_id == connection_id);
        if let Some(h) = handover.as_ref().filter(|h| h.state == HandoverState::GrantRemoved) {
                let to = member_email(tx, &h.to_member_id)?;
                return Err(Error::new(ErrorCode::Conflict, msg!("ownership-handover-not-connected-yet", to = to))
                .with_details(serde_json::json!({ "rule": "R8" })));
        }
        let at = now();
        tx.execute("UPDATE connections SET disconnected_at = ?2 WHERE id = ?1", params![connection_id, at])?;
        vault_delete_all(vault, tx, connection_id)?;
        if let Some(h) = handover {
            let new_id = h.to_connection_id.clone().unwrap_or_default();
            // Everyone who used A's connection now uses B's; B needs no grant on their own.
            tx.execute(
                "UPDATE access_grants SET connection_id = ?2 WHERE connection_id = ?1 AND revoked_at IS NULL AND member_id != ?3",
                params![connection_id, new_id, h.to_member_id],
            )?;
            tx.execute("UPDATE handovers SET state = 'completed', updated_at = ?2 WHERE id = ?1", params![h.id, at])?;
            audit::record(tx, Some(&actor.id), "handover.completed", Some(kind_str(row.kind)), serde_json::json!({ "handover": h.id, "new_connection": new_id }))?;
        } else {
            tx.execute("UPDATE access_grants SET revoked_at = ?2 WHERE connection_id = ?1 AND revoked_at IS NULL", params![connection_id, at])?;
            let step = match row.kind {
                ConnectionKind::Salesforce => Some(SetupStepKey::ConnectSalesforce),
                ConnectionKind::Marketo => Some(SetupStepKey::ConnectMarketo),
                _ => None,
            };
            if let Some(step) = step.filter(|_| live_connection(tx, row.kind).ok().flatten().is_none()) {
                setup::set_step(
                    tx,
                    step,
                    StepState::NotStarted,
                    Some(crate::msg!("setup-disconnected-by", email = &actor.email)),
                )?;
            }
        }
        audit::record(tx, Some(&actor.id), "connection.disconnected", Some(connection_id), serde_json::json!({ "kind": kind_str(row.kind), "display_name": row.display_name }))
    })
}

fn vault_delete_all(vault: &Vault, tx: &Connection, connection_id: &str) -> Result<()> {
    let names: Vec<String> = {
        let mut stmt = tx.prepare("SELECT name FROM secrets WHERE name LIKE ?1")?;
        stmt.query_map([format!("connection.{connection_id}.%")], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?
    };
    for name in names {
        vault.delete_in(tx, &name)?;
    }
    Ok(())
}

fn member_email(conn: &Connection, id: &str) -> Result<String> {
    Ok(conn.query_row("SELECT email FROM members WHERE id = ?1", [id], |r| r.get(0))?)
}

fn require_active_admin(conn: &Connection, email: &str) -> Result<Admin> {
    let (admin, role, status) = member_by_email(conn, email)?;
    if role != MemberRole::Admin || status != MemberStatus::Active {
        return Err(Error::invalid_input(msg!("ownership-not-an-active-admin", email = &admin.email)));
    }
    Ok(admin)
}

/// Grants an admin access to use a connection (owner only).
pub fn grant_access(ws: &Workspace, connection_id: &str, email: &str) -> Result<()> {
    ws.store().write(|tx| {
        let actor = require_actor(tx)?;
        let row = connection_row(tx, connection_id)?;
        require_owner(&row, &actor, "grant")?;
        let member = require_active_admin(tx, email)?;
        if member.id == actor.id {
            return Err(Error::invalid_input(msg!("ownership-owner-needs-no-grant")));
        }
        if has_grant(tx, connection_id, &member.id)? {
            return Err(Error::new(ErrorCode::Conflict, msg!("ownership-already-has-access", email = &member.email)));
        }
        tx.execute(
            "INSERT INTO access_grants (id, connection_id, member_id, granted_by, granted_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![uuid::Uuid::new_v4().to_string(), connection_id, member.id, actor.id, now()],
        )?;
        audit::record(tx, Some(&actor.id), "access.granted", Some(&member.email), serde_json::json!({ "connection": connection_id }))
    })
}

/// Removes an admin's access (owner only).
pub fn revoke_access(ws: &Workspace, connection_id: &str, email: &str) -> Result<()> {
    ws.store().write(|tx| {
        let actor = require_actor(tx)?;
        let row = connection_row(tx, connection_id)?;
        require_owner(&row, &actor, "revoke")?;
        let (member, ..) = member_by_email(tx, email)?;
        let changed = tx.execute(
            "UPDATE access_grants SET revoked_at = ?3 WHERE connection_id = ?1 AND member_id = ?2 AND revoked_at IS NULL",
            params![connection_id, member.id, now()],
        )?;
        if changed == 0 {
            return Err(Error::not_found(msg!("ownership-no-access-to-remove", email = &member.email)));
        }
        audit::record(tx, Some(&actor.id), "access.revoked", Some(&member.email), serde_json::json!({ "connection": connection_id }))
    })
}

/// The admins with access to a connection.
pub fn access_list(ws: &Workspace, connection_id: &str) -> Result<Vec<AccessGrant>> {
    ws.store().read(|c| {
        let mut stmt = c.prepare(
            "SELECT m.email, g.email, a.granted_at FROM access_grants a JOIN members m ON m.id = a.member_id
               LEFT JOIN members g ON g.id = a.granted_by
              WHERE a.connection_id = ?1 AND a.revoked_at IS NULL ORDER BY m.email",
        )?;
        let rows = stmt.query_map([connection_id], |r| {
            Ok(AccessGrant { member: r.get(0)?, granted_by: r.get(1)?, granted_at: r.get(2)? })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    })
}

/// Handover step 1 (R8): the owner A names the new owner B; B's access grant is removed so
/// that B may connect. Refused for anyone but the owner, and while another handover is open.
pub fn start_handover(ws: &Workspace, kind: ConnectionKind, to_email: &str) -> Result<Handover> {
    if !is_single(kind) {
        return Err(Error::invalid_input(msg!("ownership-several-no-handover", label = kind_label(kind))));
    }
    ws.store().write(|tx| {
        let actor = require_actor(tx)?;
        let live = live_connection(tx, kind)?
            .ok_or_else(|| Error::not_found(msg!("ownership-nothing-to-hand-over", label = kind_label(kind))))?;
        let row = connection_row(tx, &live.id)?;
        require_owner(&row, &actor, "handover")?;
        if open_handover(tx, kind)?.is_some() {
            return Err(Error::new(ErrorCode::Conflict, msg!("ownership-handover-in-progress")));
        }
        let to = require_active_admin(tx, to_email)?;
        if to.id == actor.id {
            return Err(Error::invalid_input(msg!("ownership-handover-to-self")));
        }
        let at = now();
        tx.execute(
            "UPDATE access_grants SET revoked_at = ?3 WHERE connection_id = ?1 AND member_id = ?2 AND revoked_at IS NULL",
            params![live.id, to.id, at],
        )?;
        // Seed 001: "if the other admin is already connected, only step 1 is needed". B's own
        // live connection is step 2 done; what remains is A's disconnect, which moves everyone's
        // grants to B's connection.
        let own = own_live_connection(tx, kind, &to.id, &live.id)?;
        let (state, state_str) = match own {
            Some(_) => (HandoverState::NewConnected, "new_connected"),
            None => (HandoverState::GrantRemoved, "grant_removed"),
        };
        let id = uuid::Uuid::new_v4().to_string();
        tx.execute(
            "INSERT INTO handovers (id, kind, from_connection_id, from_member_id, to_member_id, to_connection_id, state, started_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)",
            params![id, kind_str(kind), live.id, actor.id, to.id, own, state_str, at],
        )?;
        audit::record(tx, Some(&actor.id), "handover.grant_removed", Some(&to.email), serde_json::json!({ "handover": id, "kind": kind_str(kind), "already_connected": own.is_some() }))?;
        if let Some(connection) = &own {
            audit::record(
                tx,
                Some(&actor.id),
                "handover.new_connected",
                Some(kind_str(kind)),
                serde_json::json!({ "handover": id, "connection": connection, "already_connected": true }),
            )?;
        }
        Ok(Handover {
            id,
            kind,
            from_admin: actor.email,
            to_admin: to.email,
            state,
            started_at: at,
            already_connected: own.is_some(),
        })
    })
}

/// The live connection of `kind` that `member_id` owns, other than `except` (the one being handed over).
fn own_live_connection(
    conn: &Connection,
    kind: ConnectionKind,
    member_id: &str,
    except: &str,
) -> Result<Option<String>> {
    Ok(conn
        .query_row(
            "SELECT id FROM connections WHERE kind = ?1 AND owner_member_id = ?2 AND id != ?3 AND disconnected_at IS NULL
              ORDER BY created_at, rowid LIMIT 1",
            params![kind_str(kind), member_id, except],
            |r| r.get(0),
        )
        .optional()?)
}

/// Cancels an open handover (either party). A connection B already made stays B's own.
pub fn cancel_handover(ws: &Workspace, kind: ConnectionKind) -> Result<()> {
    ws.store().write(|tx| {
        let actor = require_actor(tx)?;
        let h = open_handover(tx, kind)?.ok_or_else(|| Error::not_found(msg!("ownership-no-handover")))?;
        if actor.id != h.from_member_id && actor.id != h.to_member_id {
            return Err(Error::new(ErrorCode::Forbidden, msg!("ownership-cancel-not-a-party")));
        }
        if h.state == HandoverState::NewConnected {
            return Err(Error::new(ErrorCode::Conflict, msg!("ownership-handover-new-connected")));
        }
        tx.execute("UPDATE handovers SET state = 'cancelled', updated_at = ?2 WHERE id = ?1", params![h.id, now()])?;
        audit::record(
            tx,
            Some(&actor.id),
            "handover.cancelled",
            Some(kind_str(kind)),
            serde_json::json!({ "handover": h.id }),
        )
    })
}

/// The open handover for `kind`, if any.
pub fn handover_status(ws: &Workspace, kind: ConnectionKind) -> Result<Option<Handover>> {
    ws.store().read(|c| {
        let Some(h) = open_handover(c, kind)? else { return Ok(None) };
        let started_at: String =
            c.query_row("SELECT started_at FROM handovers WHERE id = ?1", [&h.id], |r| r.get(0))?;
        // Timestamps have one-second precision, so whether B was already connected is read
        // from the handover's own record of step 2 rather than by comparing creation times.
        let already_connected: bool = c.query_row(
            "SELECT EXISTS (SELECT 1 FROM audit_log WHERE action = 'handover.new_connected'
                AND json_extract(details, '$.handover') = ?1 AND json_extract(details, '$.already_connected') = 1)",
            [&h.id],
            |r| r.get(0),
        )?;
        Ok(Some(Handover {
            kind,
            from_admin: member_email(c, &h.from_member_id)?,
            to_admin: member_email(c, &h.to_member_id)?,
            state: h.state,
            started_at,
            id: h.id,
            already_connected,
        }))
    })
}
