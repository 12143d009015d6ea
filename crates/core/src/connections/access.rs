//! Who may use a connection (R13, seed 003: "choose who can use this connection; the default is
//! Administrators"), enforced here in core so that neither the UI nor the CLI can be walked
//! around: configuring or running an export through a connection needs the right to use it, and
//! the export section is hidden from whoever may use no connection of that type.
//!
//! What "usable" means, by kind:
//! - **Dynamics 365** — the connection says who, in its settings ([`UsableBy`]):
//!   *administrators* (the default: every active admin of the workspace) or *named members*
//!   (only those, plus the admin who connected it, who always may). Only active members ever
//!   may. Only admins act in Liaison (sales users do not use the console), so naming members is
//!   how a Dynamics org is kept to the admins who work with it; an admin left off the list is
//!   refused, and the refusal is audited.
//! - **Marketo, Salesforce, Adobe Campaign** — unchanged: every active admin may use them. Access
//!   grants (rules R6–R9, [`super::ownership`]) decide who may *connect* while a connection
//!   exists (R7) and who keeps access through a handover (R8), not who may use it.

use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::ownership::owner_text;
use super::{ConnectionKind, ConnectionSummary};
use crate::i18n::Text;
use crate::members::admin::{acting_admin_in, require_actor};
use crate::members::{MemberRole, MemberStatus, parse_enum};
use crate::store::Store;
use crate::{Error, ErrorCode, Result, Workspace, audit, msg};

/// The audit action of a refused use of a connection.
pub const USE_REFUSED: &str = "connection.use_refused";

/// The audit action of a change of who may use a connection (details: `before`, `after`).
pub const ACCESS_CHANGED: &str = "connection.access_changed";

/// Who may use a Dynamics 365 connection (R13; default: administrators).
///
/// Stored in the connection's settings as `{"kind": "administrators"}` or
/// `{"kind": "members", "emails": […]}`. Earlier versions stored the plain strings
/// `"administrators"` and `"everyone"`; both still load, as [`UsableBy::Administrators`]. The old
/// `everyone` was stored but never enforced, and only admins act in Liaison, so every admin
/// could use such a connection — and still can: reading it as `Administrators` takes access
/// from nobody and gives it to nobody new.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum UsableBy {
    /// Every active admin of the workspace.
    #[default]
    Administrators,
    /// Only these members (emails, as the members table spells them) and the admin who
    /// connected it.
    Members { emails: Vec<String> },
}

impl<'de> Deserialize<'de> for UsableBy {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(tag = "kind", rename_all = "snake_case")]
        enum Tagged {
            Administrators,
            Members { emails: Vec<String> },
        }
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Stored {
            Legacy(String),
            Tagged(Tagged),
        }
        match Stored::deserialize(deserializer)? {
            Stored::Legacy(word) => match word.as_str() {
                "administrators" | "everyone" => Ok(Self::Administrators),
                other => Err(serde::de::Error::unknown_variant(other, &["administrators", "members"])),
            },
            Stored::Tagged(Tagged::Administrators) => Ok(Self::Administrators),
            Stored::Tagged(Tagged::Members { emails }) => Ok(Self::Members { emails }),
        }
    }
}

impl UsableBy {
    /// How it reads for the admin: "Administrators", or the named members and the owner.
    pub fn describe(&self) -> Text {
        match self {
            Self::Administrators => msg!("connection-usable-by-administrators"),
            Self::Members { emails } => msg!("connection-usable-by-members", emails = emails.join(", ")),
        }
    }

    /// Reads what an admin types: `admins` (or `administrators`) or member emails separated by
    /// commas. The emails are checked when the setting is saved ([`validate`]).
    pub fn parse(text: &str) -> Self {
        match text.trim().to_ascii_lowercase().as_str() {
            "admins" | "administrators" => Self::Administrators,
            _ => Self::Members {
                emails: text.split(',').map(|e| e.trim().to_owned()).filter(|e| !e.is_empty()).collect(),
            },
        }
    }

    /// The setting of a connection's stored settings (absent: the default).
    pub(crate) fn of_settings(settings: &serde_json::Value) -> Result<Self> {
        match settings.get("usable_by") {
            None | Some(serde_json::Value::Null) => Ok(Self::default()),
            Some(value) => Ok(Self::deserialize(value)?),
        }
    }
}

struct ConnectionRow {
    kind: ConnectionKind,
    display_name: String,
    owner_id: Option<String>,
    owner_email: Option<String>,
    settings: serde_json::Value,
}

/// A live connection; an unknown or disconnected one is "not found".
fn connection(conn: &Connection, connection_id: &str) -> Result<ConnectionRow> {
    let row = conn
        .query_row(
            "SELECT c.kind, c.display_name, c.owner_member_id, m.email, c.settings
               FROM connections c LEFT JOIN members m ON m.id = c.owner_member_id
              WHERE c.id = ?1 AND c.disconnected_at IS NULL",
            [connection_id],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, Option<String>>(2)?,
                    r.get::<_, Option<String>>(3)?,
                    r.get::<_, String>(4)?,
                ))
            },
        )
        .optional()?
        .ok_or_else(|| Error::not_found(msg!("disconnect-not-found")))?;
    let (kind, display_name, owner_id, owner_email, settings) = row;
    Ok(ConnectionRow {
        kind: parse_enum(&kind)?,
        display_name,
        owner_id,
        owner_email,
        settings: serde_json::from_str(&settings)?,
    })
}

struct MemberRow {
    id: String,
    email: String,
    role: MemberRole,
    status: MemberStatus,
}

fn member_where(conn: &Connection, clause: &str, value: &str) -> Result<Option<MemberRow>> {
    let sql = format!("SELECT id, email, role, status FROM members WHERE {clause} = ?1");
    conn.query_row(&sql, [value], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get::<_, String>(3)?))
    })
    .optional()?
    .map(|(id, email, role, status)| {
        Ok(MemberRow { id, email, role: parse_enum(&role)?, status: parse_enum(&status)? })
    })
    .transpose()
}

/// The rule itself, for one member and one live connection.
fn decide(row: &ConnectionRow, member: &MemberRow) -> Result<bool> {
    if member.status != MemberStatus::Active {
        return Ok(false);
    }
    if row.kind != ConnectionKind::Dynamics {
        return Ok(member.role == MemberRole::Admin);
    }
    if row.owner_id.as_deref() == Some(member.id.as_str()) {
        return Ok(true);
    }
    Ok(match UsableBy::of_settings(&row.settings)? {
        UsableBy::Administrators => member.role == MemberRole::Admin,
        UsableBy::Members { emails } => emails.iter().any(|e| e.trim().eq_ignore_ascii_case(&member.email)),
    })
}

/// Whether the member `member_id` may use the connection `connection_id` (see the module's
/// rules). An unknown member may not; an unknown or disconnected connection is `not_found`.
pub fn may_use(tx: &Connection, member_id: &str, connection_id: &str) -> Result<bool> {
    let row = connection(tx, connection_id)?;
    match member_where(tx, "id", member_id)? {
        Some(member) => decide(&row, &member),
        None => Ok(false),
    }
}

/// Refuses the signed-in admin use of a connection they may not use: `forbidden` with a message
/// naming the connection and details `{rule: "R13", connection, member, refusal}`. The refusal
/// is recorded in the audit log (`connection.use_refused`) through `tx`; a caller whose
/// transaction then rolls back passes its result through [`keep_refusal_audited`], which writes
/// the entry again only if it was lost.
pub fn require_usable(tx: &Connection, connection_id: &str) -> Result<()> {
    let actor = require_actor(tx)?;
    let row = connection(tx, connection_id)?;
    let member = member_where(tx, "id", &actor.id)?;
    if let Some(member) = &member
        && decide(&row, member)?
    {
        return Ok(());
    }
    let usable_by = if row.kind == ConnectionKind::Dynamics {
        UsableBy::of_settings(&row.settings)?
    } else {
        UsableBy::Administrators
    };
    let owner = owner_text(row.owner_email.as_deref());
    let who = match usable_by {
        UsableBy::Administrators => "administrators",
        UsableBy::Members { .. } => "members",
    };
    let details = serde_json::json!({
        "rule": "R13",
        "connection": connection_id,
        "member": actor.email,
        "refusal": uuid::Uuid::new_v4().to_string(),
    });
    record_refusal(tx, Some(&actor.id), connection_id, &row, &details)?;
    Err(Error::new(
        ErrorCode::Forbidden,
        msg!("connection-use-refused", name = row.display_name.as_str(), owner = owner, who = who),
    )
    .with_details(details))
}

fn record_refusal(
    tx: &Connection,
    actor_id: Option<&str>,
    connection_id: &str,
    row: &ConnectionRow,
    details: &serde_json::Value,
) -> Result<()> {
    let mut entry = details.clone();
    entry["kind"] = serde_json::to_value(row.kind)?;
    entry["display_name"] = serde_json::Value::String(row.display_name.clone());
    audit::record(tx, actor_id, USE_REFUSED, Some(connection_id), entry)
}

/// Passes `result` through, making sure a refusal of [`require_usable`] is in the audit log even
/// when the transaction that wrote it rolled back (the usual case: the refusal is its error).
/// Idempotent: an entry that committed is not written twice.
pub fn keep_refusal_audited<T>(store: &Store, result: Result<T>) -> Result<T> {
    let Err(err) = &result else { return result };
    let Some(details) = err.details.as_ref().filter(|_| err.code == ErrorCode::Forbidden) else { return result };
    let (Some(refusal), Some(connection_id)) = (details["refusal"].as_str(), details["connection"].as_str()) else {
        return result;
    };
    let written = store.write(|tx| {
        let kept: bool = tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM audit_log WHERE action = ?1 AND json_extract(details, '$.refusal') = ?2)",
            params![USE_REFUSED, refusal],
            |r| r.get(0),
        )?;
        if kept {
            return Ok(());
        }
        let actor = member_where(tx, "email", details["member"].as_str().unwrap_or_default())?;
        let row = connection(tx, connection_id)?;
        record_refusal(tx, actor.as_ref().map(|m| m.id.as_str()), connection_id, &row, details)
    });
    if let Err(lost) = written {
        tracing::warn!("could not record a refused use of a connection: {}", lost.chain());
    }
    result
}

/// [`require_usable`] in a transaction of its own, so a refusal's audit entry is kept: the check
/// a use-case makes before it calls anything outside.
pub fn check_usable(store: &Store, connection_id: &str) -> Result<()> {
    store.write(|tx| Ok(require_usable(tx, connection_id)))?
}

/// The live connections of `kind` the member may use, oldest first: what the export section
/// offers (it is hidden when this is empty, seed 003).
pub fn usable_connections(tx: &Connection, member_id: &str, kind: ConnectionKind) -> Result<Vec<ConnectionSummary>> {
    let Some(member) = member_where(tx, "id", member_id)? else { return Ok(Vec::new()) };
    let mut usable = Vec::new();
    for summary in super::list_in(tx)?.into_iter().filter(|c| c.kind == kind) {
        if decide(&connection(tx, &summary.id)?, &member)? {
            usable.push(summary);
        }
    }
    Ok(usable)
}

/// [`usable_connections`] for the signed-in admin (none before activation): what the export
/// section asks to decide whether to show the Dynamics 365 choice at all.
pub fn usable_by_actor(ws: &Workspace, kind: ConnectionKind) -> Result<Vec<ConnectionSummary>> {
    ws.store().read(|c| match acting_admin_in(c)? {
        Some(actor) => usable_connections(c, &actor.id, kind),
        None => Ok(Vec::new()),
    })
}

/// Checks a setting and returns it as stored: every email must belong to a member of the
/// workspace (not removed), spelled as the members table spells it, each once; a list needs at
/// least one.
pub fn validate(conn: &Connection, usable_by: &UsableBy) -> Result<UsableBy> {
    let UsableBy::Members { emails } = usable_by else { return Ok(UsableBy::Administrators) };
    let mut checked: Vec<String> = Vec::new();
    for email in emails.iter().map(|e| e.trim()).filter(|e| !e.is_empty()) {
        let member = member_where(conn, "email", email)?
            .filter(|m| m.status != MemberStatus::Removed)
            .ok_or_else(|| Error::invalid_input(msg!("connection-access-not-a-member", email = email)))?;
        if !checked.iter().any(|e| e.eq_ignore_ascii_case(&member.email)) {
            checked.push(member.email);
        }
    }
    if checked.is_empty() {
        return Err(Error::invalid_input(msg!("connection-access-no-members")));
    }
    Ok(UsableBy::Members { emails: checked })
}

/// Changes who may use a Dynamics 365 connection. Only the admin who connected it may (as with
/// its access grants and Disconnect, rule R6). Audited as `connection.access_changed` with the
/// setting before and after; setting what is already set changes and records nothing.
pub fn set_usable_by(ws: &Workspace, connection_id: &str, usable_by: UsableBy) -> Result<()> {
    ws.store().write(|tx| {
        let actor = require_actor(tx)?;
        let mut row = connection(tx, connection_id)?;
        if row.kind != ConnectionKind::Dynamics {
            return Err(Error::invalid_input(msg!(
                "connection-access-dynamics-only",
                name = row.display_name.as_str()
            )));
        }
        if row.owner_id.as_deref() != Some(actor.id.as_str()) {
            let owner = owner_text(row.owner_email.as_deref());
            return Err(Error::new(
                ErrorCode::Forbidden,
                msg!("connection-access-owner-only", owner = owner, name = row.display_name.as_str()),
            )
            .with_details(serde_json::json!({ "rule": "R6", "connection": connection_id })));
        }
        let after = validate(tx, &usable_by)?;
        // A stored value this version cannot read is replaced, and recorded as it was.
        let before = match row.settings.get("usable_by") {
            Some(stored) => UsableBy::deserialize(stored).map_or_else(|_| stored.clone(), |u| serde_json::json!(u)),
            None => serde_json::json!(UsableBy::default()),
        };
        let after_json = serde_json::to_value(&after)?;
        if before == after_json {
            return Ok(());
        }
        if !row.settings.is_object() {
            row.settings = serde_json::json!({});
        }
        row.settings["usable_by"] = after_json.clone();
        tx.execute(
            "UPDATE connections SET settings = ?2 WHERE id = ?1",
            params![connection_id, row.settings.to_string()],
        )?;
        audit::record(
            tx,
            Some(&actor.id),
            ACCESS_CHANGED,
            Some(connection_id),
            serde_json::json!({ "display_name": row.display_name, "before": before, "after": after_json }),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stored_forms_old_and_new_read_back() {
        let read = |json: &str| serde_json::from_str::<UsableBy>(json).unwrap();
        assert_eq!(read(r#""administrators""#), UsableBy::Administrators);
        assert_eq!(read(r#""everyone""#), UsableBy::Administrators);
        assert_eq!(read(r#"{"kind":"administrators"}"#), UsableBy::Administrators);
        let members = UsableBy::Members { emails: vec!["a@example.com".into()] };
        assert_eq!(read(r#"{"kind":"members","emails":["a@example.com"]}"#), members);
        assert_eq!(read(&serde_json::to_string(&members).unwrap()), members);
        assert!(serde_json::from_str::<UsableBy>(r#""nobody""#).is_err());
        assert_eq!(UsableBy::of_settings(&serde_json::json!({})).unwrap(), UsableBy::Administrators);
    }

    #[test]
    fn admins_or_a_list_of_emails_is_what_an_admin_types() {
        assert_eq!(UsableBy::parse(" Admins "), UsableBy::Administrators);
        assert_eq!(UsableBy::parse("administrators"), UsableBy::Administrators);
        let both = UsableBy::Members { emails: vec!["b@example.com".into(), "c@example.com".into()] };
        assert_eq!(UsableBy::parse("b@example.com, c@example.com,"), both);
    }
}
