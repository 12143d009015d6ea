//! Activation (R2), the acting admin, and removing members (R5, R9).

use rusqlite::{Connection, OptionalExtension, params};
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use ts_rs::TS;

use super::{MemberRole, MemberStatus, parse_enum};
use crate::setup::{self, SetupStepKey, StepState};
use crate::store::now;
use crate::vault::{Vault, random_token};
use crate::{Error, ErrorCode, Result, Workspace, audit, msg};

/// The vault name of the workspace's integration client secret.
pub const CLIENT_SECRET: &str = "workspace.client_secret";

const ACTING_ADMIN_KEY: &str = "acting_admin";

/// An admin acting in Liaison.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Admin {
    pub id: String,
    pub email: String,
    pub name: Option<String>,
    pub is_original_admin: bool,
}

/// The integration-info card (R2): shown only after activation; the secret is masked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct IntegrationInfo {
    pub activated: bool,
    pub client_id: Option<String>,
    /// The secret with all but its last four characters hidden.
    pub client_secret_masked: Option<String>,
}

/// Checks an email address (the same rules as the CSV import) and returns it trimmed, with an
/// internationalised domain kept as typed.
pub fn normalize_email(raw: &str) -> Result<String> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Err(Error::invalid_input(msg!("members-email-required")));
    }
    crate::invites::csv::check_email(trimmed).map_err(|problem| {
        Error::invalid_input(msg!("members-email-invalid", email = trimmed, reason = problem.explain()))
    })?;
    Ok(trimmed.to_owned())
}

fn admin_by(conn: &Connection, clause: &str, value: &str) -> Result<Option<(Admin, MemberRole, MemberStatus)>> {
    let sql = format!("SELECT id, email, name, is_original_admin, role, status FROM members WHERE {clause} = ?1");
    conn.query_row(&sql, [value], |r| {
        Ok((r.get::<_, String>(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get::<_, String>(4)?, r.get::<_, String>(5)?))
    })
    .optional()?
    .map(|(id, email, name, is_original_admin, role, status)| {
        Ok::<_, Error>((Admin { id, email, name, is_original_admin }, parse_enum(&role)?, parse_enum(&status)?))
    })
    .transpose()
}

/// Finds a member by email (case-insensitive), as an admin record with role and status.
pub(crate) fn member_by_email(conn: &Connection, email: &str) -> Result<(Admin, MemberRole, MemberStatus)> {
    admin_by(conn, "email", email.trim())?
        .ok_or_else(|| Error::not_found(msg!("members-not-a-member", email = email.trim())))
}

/// The admin Liaison acts as, if the workspace is activated.
pub fn acting_admin(ws: &Workspace) -> Result<Option<Admin>> {
    ws.store().read(acting_admin_in)
}

pub(crate) fn acting_admin_in(conn: &Connection) -> Result<Option<Admin>> {
    let id: Option<String> =
        conn.query_row("SELECT value FROM settings WHERE key = ?1", [ACTING_ADMIN_KEY], |r| r.get(0)).optional()?;
    let Some(id) = id else { return Ok(None) };
    Ok(admin_by(conn, "id", &id)?
        .filter(|(_, role, status)| *role == MemberRole::Admin && *status == MemberStatus::Active)
        .map(|(a, ..)| a))
}

/// The acting admin, or an error saying the workspace must be activated first.
pub(crate) fn require_actor(conn: &Connection) -> Result<Admin> {
    acting_admin_in(conn)?.ok_or_else(|| Error::new(ErrorCode::Conflict, msg!("members-not-activated")))
}

/// Activates the workspace (R2): creates the original admin in `Everyone` (R4), generates the
/// integration client ID and secret, makes that admin the acting one, and completes step 1.
pub fn activate(ws: &Workspace, vault: &Vault, name: &str, email: &str) -> Result<Admin> {
    ws.store().write(|tx| activate_in(tx, vault, name, email))
}

/// [`activate`] inside the caller's transaction, so that what else activation does (the first
/// admin's access email) commits with it or not at all.
pub(crate) fn activate_in(tx: &Connection, vault: &Vault, name: &str, email: &str) -> Result<Admin> {
    let email = normalize_email(email)?;
    let name = name.trim();
    if name.is_empty() {
        return Err(Error::invalid_input(msg!("members-first-admin-name-required")));
    }
    let secret = random_token(32);
    let activated: Option<String> = tx.query_row("SELECT activated_at FROM workspace", [], |r| r.get(0))?;
    if activated.is_some() {
        return Err(Error::new(ErrorCode::Conflict, msg!("members-already-activated")));
    }
    let id = uuid::Uuid::new_v4().to_string();
    let at = now();
    tx.execute(
        "INSERT INTO members (id, email, name, role, status, is_original_admin, invited_at, joined_at)
         VALUES (?1, ?2, ?3, 'admin', 'active', 1, ?4, ?4)",
        params![id, email, name, at],
    )?;
    super::join_everyone(tx, &id)?;
    let client_id = format!("lia-{}", uuid::Uuid::new_v4().simple());
    tx.execute("UPDATE workspace SET activated_at = ?1, client_id = ?2", params![at, client_id])?;
    vault.put_in(tx, CLIENT_SECRET, &secret)?;
    set_acting(tx, &id)?;
    setup::set_step(tx, SetupStepKey::Workspace, StepState::Done, Some(msg!("setup-activated-by", email = &email)))?;
    audit::record(tx, Some(&id), "workspace.activated", Some(&email), serde_json::json!({ "client_id": client_id }))?;
    Ok(Admin { id, email, name: Some(name.to_owned()), is_original_admin: true })
}

fn set_acting(conn: &Connection, member_id: &str) -> Result<()> {
    crate::settings::put(conn, ACTING_ADMIN_KEY, member_id)
}

/// Switches the acting admin to another active admin; audited.
pub fn switch_acting_admin(ws: &Workspace, email: &str) -> Result<Admin> {
    ws.store().write(|tx| {
        let previous = require_actor(tx)?;
        let (admin, role, status) = member_by_email(tx, email)?;
        if role != MemberRole::Admin || status != MemberStatus::Active {
            return Err(Error::new(ErrorCode::Forbidden, msg!("members-not-active-admin", email = &admin.email)));
        }
        set_acting(tx, &admin.id)?;
        audit::record(
            tx,
            Some(&admin.id),
            "admin.switched",
            Some(&admin.email),
            serde_json::json!({ "from": previous.email }),
        )?;
        Ok(admin)
    })
}

/// The integration-info card.
pub fn integration_info(ws: &Workspace, vault: &Vault) -> Result<IntegrationInfo> {
    let client_id: Option<String> =
        ws.store().read(|c| Ok(c.query_row("SELECT client_id FROM workspace", [], |r| r.get(0))?))?;
    let Some(client_id) = client_id else {
        return Ok(IntegrationInfo { activated: false, client_id: None, client_secret_masked: None });
    };
    let masked = vault.get(CLIENT_SECRET)?.map(|s| mask(s.expose_secret()));
    Ok(IntegrationInfo { activated: true, client_id: Some(client_id), client_secret_masked: masked })
}

/// Shows only the last four characters.
pub fn mask(secret: &str) -> String {
    let tail: String = secret.chars().rev().take(4).collect::<Vec<_>>().into_iter().rev().collect();
    format!("{}{tail}", "•".repeat(12))
}

/// Reveals the client secret to the acting admin (after the UI's confirmation); audited.
pub fn reveal_client_secret(ws: &Workspace, vault: &Vault) -> Result<SecretString> {
    let actor = ws.store().read(require_actor)?;
    let secret = vault.get(CLIENT_SECRET)?.ok_or_else(|| Error::not_found(msg!("members-no-client-secret")))?;
    ws.store()
        .write(|tx| audit::record(tx, Some(&actor.id), "integration.secret_revealed", None, serde_json::json!({})))?;
    Ok(secret)
}

/// Replaces the client secret; the old one stops working at once. Audited.
pub fn regenerate_client_secret(ws: &Workspace, vault: &Vault) -> Result<IntegrationInfo> {
    let secret = random_token(32);
    ws.store().write(|tx| {
        let actor = require_actor(tx)?;
        vault.put_in(tx, CLIENT_SECRET, &secret)?;
        audit::record(tx, Some(&actor.id), "integration.secret_regenerated", None, serde_json::json!({}))
    })?;
    integration_info(ws, vault)
}

/// Removes a member. Refused for the original admin once a data sync has started (R5), for an
/// admin who owns a connection until a handover moved it (R9), and for the last active admin.
pub fn remove_member(ws: &Workspace, email: &str) -> Result<()> {
    ws.store().write(|tx| {
        let actor = require_actor(tx)?;
        let (member, role, status) = member_by_email(tx, email)?;
        if status == MemberStatus::Removed {
            return Err(Error::new(ErrorCode::Conflict, msg!("members-already-removed", email = &member.email)));
        }
        let sync_started: bool = tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM runs WHERE kind = 'sync') OR
                    (SELECT state FROM setup_steps WHERE step = 4) = 'done'",
            [],
            |r| r.get(0),
        )?;
        if member.is_original_admin && sync_started {
            return Err(Error::new(
                ErrorCode::Forbidden,
                msg!("members-r5-original-admin", email = &member.email),
            )
            .with_details(serde_json::json!({ "rule": "R5" })));
        }
        let owned: Vec<(String, String)> = {
            let mut stmt = tx.prepare(
                "SELECT kind, display_name FROM connections WHERE owner_member_id = ?1 AND disconnected_at IS NULL ORDER BY kind",
            )?;
            stmt.query_map([&member.id], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<rusqlite::Result<_>>()?
        };
        if !owned.is_empty() {
            let names: Vec<String> = owned.iter().map(|(kind, name)| format!("{name} ({kind})")).collect();
            return Err(Error::new(
                ErrorCode::Forbidden,
                msg!("members-r9-owns-connections", email = &member.email, connections = names.join(", ")),
            )
            .with_details(serde_json::json!({ "rule": "R9", "connections": names })));
        }
        if role == MemberRole::Admin && status == MemberStatus::Active {
            let other_admins: i64 = tx.query_row(
                "SELECT count(*) FROM members WHERE role = 'admin' AND status = 'active' AND id != ?1",
                [&member.id],
                |r| r.get(0),
            )?;
            if other_admins == 0 {
                return Err(Error::new(ErrorCode::Forbidden, msg!("members-last-admin", email = &member.email)));
            }
        }
        tx.execute("UPDATE members SET status = 'removed', removed_at = ?2 WHERE id = ?1", params![member.id, now()])?;
        tx.execute("UPDATE access_grants SET revoked_at = ?2 WHERE member_id = ?1 AND revoked_at IS NULL", params![member.id, now()])?;
        if member.id == actor.id {
            tx.execute("DELETE FROM settings WHERE key = ?1", [ACTING_ADMIN_KEY])?;
        }
        audit::record(tx, Some(&actor.id), "member.removed", Some(&member.email), serde_json::json!({ "role": role }))
    })
}

/// Adds an active admin directly (used by tests and by invitations once accepted).
pub fn add_active_admin(ws: &Workspace, name: &str, email: &str) -> Result<Admin> {
    let email = normalize_email(email)?;
    ws.store().write(|tx| {
        let actor = require_actor(tx)?;
        let id = uuid::Uuid::new_v4().to_string();
        let at = now();
        tx.execute(
            "INSERT INTO members (id, email, name, role, status, invited_at, joined_at) VALUES (?1, ?2, ?3, 'admin', 'active', ?4, ?4)",
            params![id, email, name, at],
        )
        .map_err(|e| match e.sqlite_error_code() {
            Some(rusqlite::ffi::ErrorCode::ConstraintViolation) => {
                Error::new(ErrorCode::Conflict, msg!("members-already-member", email = &email))
            }
            _ => e.into(),
        })?;
        super::join_everyone(tx, &id)?;
        audit::record(tx, Some(&actor.id), "member.added", Some(&email), serde_json::json!({ "role": "admin" }))?;
        Ok(Admin { id, email, name: Some(name.to_owned()), is_original_admin: false })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vault::MemoryKeychain;
    use crate::{Paths, members};

    pub(crate) fn activated() -> (tempfile::TempDir, Workspace, Vault) {
        let dir = tempfile::tempdir().unwrap();
        let ws = Workspace::open(Paths::in_dir(dir.path())).unwrap();
        let vault = Vault::open(ws.store(), &MemoryKeychain::default()).unwrap();
        activate(&ws, &vault, "Ada Admin", "ada@example.com").unwrap();
        (dir, ws, vault)
    }

    #[test]
    fn r2_integration_info_appears_only_after_activation() {
        let dir = tempfile::tempdir().unwrap();
        let ws = Workspace::open(Paths::in_dir(dir.path())).unwrap();
        let vault = Vault::open(ws.store(), &MemoryKeychain::default()).unwrap();
        let before = integration_info(&ws, &vault).unwrap();
        assert_eq!(before, IntegrationInfo { activated: false, client_id: None, client_secret_masked: None });
        activate(&ws, &vault, "Ada", "Ada@Example.COM").unwrap();
        let after = integration_info(&ws, &vault).unwrap();
        assert!(after.activated && after.client_id.as_deref().is_some_and(|id| id.starts_with("lia-")));
        let secret = reveal_client_secret(&ws, &vault).unwrap();
        let masked = after.client_secret_masked.unwrap();
        assert!(masked.ends_with(&secret.expose_secret()[secret.expose_secret().len() - 4..]));
        assert!(!masked.contains(&secret.expose_secret()[..8]));
    }

    #[test]
    fn r2_activation_creates_the_original_admin_in_everyone_and_completes_step_1() {
        let (_dir, ws, _vault) = activated();
        let list = members::list(ws.store()).unwrap();
        assert_eq!(list.len(), 1);
        assert_eq!(list[0].email, "ada@example.com");
        assert!(list[0].is_original_admin && list[0].teams == ["Everyone"]);
        let overview = crate::setup::overview(ws.store()).unwrap();
        assert_eq!(overview.steps[0].state, StepState::Done);
        assert_eq!(acting_admin(&ws).unwrap().unwrap().email, "ada@example.com");
        assert_eq!(ws.status().unwrap().original_admin.as_deref(), Some("ada@example.com"));
    }

    #[test]
    fn r2_activating_twice_is_refused() {
        let (_dir, ws, vault) = activated();
        assert_eq!(activate(&ws, &vault, "Bob", "bob@example.com").unwrap_err().code, ErrorCode::Conflict);
    }

    #[test]
    fn r2_regenerating_the_secret_replaces_it_and_is_audited() {
        let (_dir, ws, vault) = activated();
        let first = reveal_client_secret(&ws, &vault).unwrap();
        regenerate_client_secret(&ws, &vault).unwrap();
        let second = reveal_client_secret(&ws, &vault).unwrap();
        assert_ne!(first.expose_secret(), second.expose_secret());
        let entries =
            audit::list(ws.store(), &audit::AuditQuery { action: Some("integration.secret".into()), limit: None })
                .unwrap();
        let actions: Vec<_> = entries.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(
            actions,
            ["integration.secret_revealed", "integration.secret_regenerated", "integration.secret_revealed"]
        );
    }

    #[test]
    fn switching_the_acting_admin_is_audited_and_limited_to_active_admins() {
        let (_dir, ws, _vault) = activated();
        add_active_admin(&ws, "Bea", "bea@example.com").unwrap();
        assert_eq!(switch_acting_admin(&ws, "BEA@example.com").unwrap().email, "bea@example.com");
        assert_eq!(acting_admin(&ws).unwrap().unwrap().email, "bea@example.com");
        assert_eq!(switch_acting_admin(&ws, "nobody@example.com").unwrap_err().code, ErrorCode::NotFound);
        let audit =
            audit::list(ws.store(), &audit::AuditQuery { action: Some("admin.switched".into()), limit: None }).unwrap();
        assert_eq!(audit[0].actor.as_deref(), Some("bea@example.com"));
        assert_eq!(audit[0].details["from"], "ada@example.com");
    }

    #[test]
    fn r5_the_original_admin_cannot_be_removed_once_a_sync_started() {
        let (_dir, ws, _vault) = activated();
        add_active_admin(&ws, "Bea", "bea@example.com").unwrap();
        switch_acting_admin(&ws, "bea@example.com").unwrap();
        ws.store()
            .write(|tx| {
                tx.execute("INSERT INTO runs (id, kind, state, started_at) VALUES ('r1', 'sync', 'running', '2026-11-24T00:00:00Z')", [])?;
                Ok(())
            })
            .unwrap();
        let err = remove_member(&ws, "ada@example.com").unwrap_err();
        assert_eq!(err.code, ErrorCode::Forbidden);
        assert!(err.message.contains("R5") && err.message.contains("original admin"), "{}", err.message);
    }

    #[test]
    fn before_any_sync_the_original_admin_can_be_removed_by_another_admin() {
        let (_dir, ws, _vault) = activated();
        add_active_admin(&ws, "Bea", "bea@example.com").unwrap();
        switch_acting_admin(&ws, "bea@example.com").unwrap();
        remove_member(&ws, "ada@example.com").unwrap();
        let ada = members::list(ws.store()).unwrap().into_iter().find(|m| m.email == "ada@example.com").unwrap();
        assert_eq!(ada.status, MemberStatus::Removed);
    }

    #[test]
    fn the_last_active_admin_cannot_be_removed() {
        let (_dir, ws, _vault) = activated();
        let err = remove_member(&ws, "ada@example.com").unwrap_err();
        assert!(err.message.contains("last active admin"), "{}", err.message);
    }

    #[test]
    fn email_addresses_are_checked_and_idn_domains_accepted() {
        assert_eq!(normalize_email("  Ada@Example.COM ").unwrap(), "Ada@Example.COM");
        assert_eq!(normalize_email("taro@例え.jp").unwrap(), "taro@例え.jp");
        for bad in ["", "no-at-sign", "a@b", "two@@example.com", "sp ace@example.com", "a@.com", "@example.com"] {
            assert!(normalize_email(bad).is_err(), "{bad:?} accepted");
        }
    }
}
