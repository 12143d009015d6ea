//! Export destinations. A Marketo destination is a static list that already exists (its ID is
//! validated against Marketo when saved, R10), reached through the workspace's Marketo
//! connection or its own API credentials. It cannot be saved until the admin accepted the
//! data-privacy notice; its export users may edit and run its exports; it can be deleted at any
//! time (R16), leaving the list in Marketo as it is.

use rusqlite::{OptionalExtension, params};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::connections::access;
use crate::connections::dataverse::{DataverseClient, dataverse_code};
use crate::connections::marketo::{self, MarketoClient, MarketoSettings};
use crate::members::admin::require_actor;
use crate::store::{Store, now};
use crate::vault::Vault;
use crate::{Error, ErrorCode, Lang, Result, Text, Workspace, audit, msg};

/// The kind of list a destination delivers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum DestinationKind {
    Marketo,
    Dynamics,
}

/// How Liaison reaches a Marketo destination.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case", tag = "via")]
pub enum MarketoAccess {
    /// The workspace's Marketo connection.
    Connection { connection_id: String },
    /// Its own REST endpoint and client ID (the secret is in the vault).
    Own { base_url: String, client_id: String },
}

/// What a Marketo destination keeps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct MarketoDestinationSettings {
    pub list_id: i64,
    /// The list's name in Marketo when the destination was saved.
    pub list_name: String,
    pub access: MarketoAccess,
}

/// What a Dynamics 365 destination keeps: a static, contact-based marketing list of the org of
/// one Dynamics connection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct DynamicsDestinationSettings {
    pub connection_id: String,
    /// The list's `listid` (a GUID).
    pub list_id: String,
    /// The list's name in Dynamics when the destination was saved.
    pub list_name: String,
    /// Liaison created the list (it still stays in Dynamics when the destination is deleted).
    pub created_by_liaison: bool,
}

/// A saved destination.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct Destination {
    pub id: String,
    pub kind: DestinationKind,
    pub name: String,
    pub marketo: Option<MarketoDestinationSettings>,
    pub dynamics: Option<DynamicsDestinationSettings>,
    pub privacy_accepted_by: String,
    pub privacy_accepted_at: String,
    /// The admins who may edit and run exports to it (emails, the creator first).
    pub export_users: Vec<String>,
    pub created_at: String,
}

/// What the admin enters to add a Marketo destination.
#[derive(Debug, Clone, Deserialize, TS)]
pub struct NewMarketoDestination {
    pub name: String,
    /// The static list ID (digits) from Marketo.
    pub list_id: String,
    /// Use this Marketo connection of the workspace…
    pub connection_id: Option<String>,
    /// …or these credentials (with the client secret given separately).
    pub base_url: Option<String>,
    pub client_id: Option<String>,
    /// The admin read and accepted the data-privacy notice ([`privacy_notice`]).
    pub accept_privacy_notice: bool,
}

/// What the admin enters to add a Dynamics 365 destination: an existing static contact list, or
/// the name of a new one Liaison creates.
#[derive(Debug, Clone, Deserialize, TS)]
pub struct NewDynamicsDestination {
    pub name: String,
    /// The Dynamics 365 connection whose org holds the list.
    pub connection_id: String,
    /// An existing list's ID (a GUID)…
    pub list_id: Option<String>,
    /// …or the name of a new static contact list.
    pub new_list: Option<String>,
    /// The admin read and accepted the data-privacy notice ([`privacy_notice`]).
    pub accept_privacy_notice: bool,
}

/// The data-privacy and compliance notice of seed 002, in `lang`.
pub fn privacy_notice(lang: Lang) -> String {
    msg!("export-privacy-notice").render(lang)
}

fn secret_name(destination_id: &str) -> String {
    format!("export.{destination_id}.client_secret")
}

/// The Marketo client of a saved destination (its own secret comes from the vault).
pub(crate) fn client(ws: &Workspace, vault: &Vault, d: &Destination) -> Result<MarketoClient> {
    let settings = d
        .marketo
        .as_ref()
        .ok_or_else(|| Error::invalid_input(msg!("export-destination-not-marketo", name = d.name.as_str())))?;
    let secret = match &settings.access {
        MarketoAccess::Own { .. } => vault.get(&secret_name(&d.id))?,
        MarketoAccess::Connection { .. } => None,
    };
    marketo_client(ws, vault, &settings.access, secret)
}

/// The Marketo client of a destination's access.
pub(crate) fn marketo_client(
    ws: &Workspace,
    vault: &Vault,
    access: &MarketoAccess,
    secret: Option<SecretString>,
) -> Result<MarketoClient> {
    match access {
        MarketoAccess::Connection { connection_id } => MarketoClient::load(ws, vault, connection_id),
        MarketoAccess::Own { base_url, client_id } => {
            let secret = secret.ok_or_else(|| Error::invalid_input(msg!("export-destination-secret-required")))?;
            let settings = MarketoSettings { base_url: base_url.clone(), client_id: client_id.clone() };
            MarketoClient::new(ws.remotes().clone(), settings, secret)
        }
    }
}

/// Reads a static list's name; a list that does not exist, or that the API user cannot see, is a
/// clear refusal naming the ID.
pub(crate) async fn static_list_name(client: &MarketoClient, list_id: i64) -> Result<String> {
    let answer = client.get(&format!("/rest/v1/lists/{list_id}.json"), &[]).await.map_err(|err| {
        let code = err.details.as_ref().and_then(|d| d.get("marketo_code")).and_then(|c| c.as_str()).map(str::to_owned);
        match (err.code, code.as_deref()) {
            (_, Some("1013")) | (ErrorCode::Forbidden, _) => {
                Error::not_found(msg!("export-marketo-list-not-found", list_id = list_id)).caused_by(err)
            }
            _ => err,
        }
    })?;
    answer["result"][0]["name"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| Error::not_found(msg!("export-marketo-list-not-found", list_id = list_id)))
}

/// Adds a Marketo destination: the privacy notice must be accepted, the list must exist and be
/// visible to the API user. The acting admin becomes its first export user. Audited.
pub async fn add_marketo(
    ws: &Workspace,
    vault: &Vault,
    new: NewMarketoDestination,
    secret: Option<SecretString>,
) -> Result<Destination> {
    if !new.accept_privacy_notice {
        return Err(Error::new(ErrorCode::Forbidden, msg!("export-privacy-not-accepted")));
    }
    let name = new.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 120 {
        return Err(Error::invalid_input(msg!("export-destination-name-invalid")));
    }
    let list_id: i64 = new
        .list_id
        .trim()
        .parse()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| Error::invalid_input(msg!("export-list-id-invalid", list_id = new.list_id.trim())))?;
    let access = match (new.connection_id.filter(|c| !c.trim().is_empty()), new.base_url, new.client_id) {
        (Some(connection_id), _, _) => MarketoAccess::Connection { connection_id },
        (None, Some(base_url), Some(client_id)) if !client_id.trim().is_empty() => {
            MarketoAccess::Own { base_url: marketo::base_url(&base_url)?, client_id: client_id.trim().to_owned() }
        }
        _ => return Err(Error::invalid_input(msg!("export-destination-access-missing"))),
    };
    if let MarketoAccess::Connection { connection_id } = &access {
        access::check_usable(ws.store(), connection_id)?;
    }
    let secret = secret.filter(|s| !s.expose_secret().trim().is_empty());
    let client = marketo_client(ws, vault, &access, secret.clone())?;
    let list_name = static_list_name(&client, list_id).await?;
    let settings = MarketoDestinationSettings { list_id, list_name, access };
    let details =
        serde_json::json!({ "kind": "marketo", "name": name, "list_id": list_id, "list_name": settings.list_name });
    let own_secret = match &settings.access {
        MarketoAccess::Own { .. } => secret,
        MarketoAccess::Connection { .. } => None,
    };
    let connection_id = match &settings.access {
        MarketoAccess::Connection { connection_id } => Some(connection_id.as_str()),
        MarketoAccess::Own { .. } => None,
    };
    save_new(
        ws,
        vault,
        DestinationKind::Marketo,
        &name,
        &serde_json::to_string(&settings)?,
        details,
        own_secret,
        connection_id,
    )
}

/// Stores a checked new destination: the name must be free, the acting admin accepted the
/// privacy notice, may use the connection it goes through (R13), and becomes its first export
/// user. Audited (a refusal too).
#[allow(clippy::too_many_arguments)]
fn save_new(
    ws: &Workspace,
    vault: &Vault,
    kind: DestinationKind,
    name: &str,
    settings: &str,
    details: serde_json::Value,
    secret: Option<SecretString>,
    connection_id: Option<&str>,
) -> Result<Destination> {
    let id = uuid::Uuid::new_v4().to_string();
    let kind_name = match kind {
        DestinationKind::Marketo => "marketo",
        DestinationKind::Dynamics => "dynamics",
    };
    let written = ws.store().write(|tx| {
        let actor = require_actor(tx)?;
        if let Some(connection_id) = connection_id {
            access::require_usable(tx, connection_id)?;
        }
        let taken: Option<String> = tx
            .query_row("SELECT name FROM export_destinations WHERE name = ?1 COLLATE NOCASE AND deleted_at IS NULL", [name], |r| r.get(0))
            .optional()?;
        if let Some(taken) = taken {
            return Err(Error::new(ErrorCode::Conflict, msg!("export-destination-name-taken", name = taken)));
        }
        let at = now();
        tx.execute(
            "INSERT INTO export_destinations (id, kind, name, settings, privacy_accepted_by, privacy_accepted_at, created_by, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?5, ?6)",
            params![id, kind_name, name, settings, actor.id, at],
        )?;
        tx.execute(
            "INSERT INTO export_destination_users (destination_id, member_id, added_at) VALUES (?1, ?2, ?3)",
            params![id, actor.id, at],
        )?;
        if let Some(secret) = &secret {
            vault.put_in(tx, &secret_name(&id), secret)?;
        }
        audit::record(tx, Some(&actor.id), "export.privacy_notice_accepted", Some(&id), serde_json::json!({ "destination": name }))?;
        audit::record(tx, Some(&actor.id), "export.destination_added", Some(&id), details)
    });
    access::keep_refusal_audited(ws.store(), written)?;
    get(ws.store(), name)
}

/// The list attributes a destination checks.
const LIST_SELECT: &str = "$select=listid,listname,createdfromcode,type,lockstatus,statecode";

/// Checks that a marketing list can take Liaison's members: it exists, is static, holds
/// contacts, is not locked and is active. Returns its name.
pub(crate) async fn usable_dynamics_list(client: &DataverseClient<'_>, list_id: &str) -> Result<String> {
    let list = client.get(&format!("lists({list_id})?{LIST_SELECT}"), &[]).await.map_err(|err| {
        if err.code == ErrorCode::NotFound {
            Error::not_found(msg!("export-dynamics-list-not-found", list_id = list_id)).caused_by(err)
        } else {
            err
        }
    })?;
    let name = list["listname"].as_str().unwrap_or_default().to_owned();
    if list["type"].as_bool() == Some(true) {
        return Err(Error::invalid_input(msg!("export-dynamics-list-dynamic", list = name.as_str())));
    }
    if list["createdfromcode"].as_i64() != Some(2) {
        return Err(Error::invalid_input(msg!("export-dynamics-list-not-contacts", list = name.as_str())));
    }
    if list["lockstatus"].as_bool() == Some(true) {
        return Err(Error::invalid_input(msg!("export-dynamics-list-locked", list = name.as_str())));
    }
    if list["statecode"].as_i64().is_some_and(|s| s != 0) {
        return Err(Error::invalid_input(msg!("export-dynamics-list-inactive", list = name.as_str())));
    }
    Ok(name)
}

/// Creates a static contact list (`createdfromcode` 2, `type` false) under an ID chosen here,
/// so that a create retried after a lost answer finds its own list instead of making a second.
async fn create_dynamics_list(client: &DataverseClient<'_>, list_name: &str) -> Result<String> {
    let list_id = uuid::Uuid::new_v4().to_string();
    let body = serde_json::json!({ "listid": list_id, "listname": list_name, "createdfromcode": 2, "type": false });
    match client.post("lists", &body, &[]).await {
        Ok(_) => Ok(list_id),
        Err(err) if dataverse_code(&err) == Some("0x80040237") => Ok(list_id),
        Err(err) => Err(err),
    }
}

/// Adds a Dynamics 365 destination (seed 003): the privacy notice must be accepted, the
/// connection must be one the admin may use, and the list must be an existing static, contact,
/// unlocked, active marketing list — or a new one Liaison creates. Audited.
pub async fn add_dynamics(ws: &Workspace, vault: &Vault, new: NewDynamicsDestination) -> Result<Destination> {
    if !new.accept_privacy_notice {
        return Err(Error::new(ErrorCode::Forbidden, msg!("export-privacy-not-accepted")));
    }
    let name = new.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 120 {
        return Err(Error::invalid_input(msg!("export-destination-name-invalid")));
    }
    let existing = new.list_id.as_deref().map(str::trim).filter(|s| !s.is_empty());
    let wanted = new.new_list.as_deref().map(str::trim).filter(|s| !s.is_empty());
    let list = match (existing, wanted) {
        (Some(id), None) => Some(
            id.trim_matches(|c| c == '{' || c == '}')
                .parse::<uuid::Uuid>()
                .map_err(|_| Error::invalid_input(msg!("export-dynamics-list-id-invalid", list_id = id)))?
                .to_string(),
        ),
        (None, Some(list_name)) if list_name.chars().count() <= 128 => None,
        (None, Some(_)) => return Err(Error::invalid_input(msg!("export-dynamics-list-name-too-long"))),
        _ => return Err(Error::invalid_input(msg!("export-dynamics-list-missing"))),
    };
    let connection_id = new.connection_id.trim();
    access::check_usable(ws.store(), connection_id)?;
    let client = DataverseClient::load(ws, vault, connection_id)?;
    let (list_id, list_name, created) = match list {
        Some(list_id) => {
            let list_name = usable_dynamics_list(&client, &list_id).await?;
            (list_id, list_name, false)
        }
        None => {
            let list_name = wanted.unwrap_or_default().to_owned();
            (create_dynamics_list(&client, &list_name).await?, list_name, true)
        }
    };
    let settings = DynamicsDestinationSettings {
        connection_id: connection_id.to_owned(),
        list_id: list_id.clone(),
        list_name: list_name.clone(),
        created_by_liaison: created,
    };
    let details = serde_json::json!({
        "kind": "dynamics", "name": name, "connection_id": connection_id, "list_id": list_id,
        "list_name": list_name, "list_created": created,
    });
    save_new(
        ws,
        vault,
        DestinationKind::Dynamics,
        &name,
        &serde_json::to_string(&settings)?,
        details,
        None,
        Some(connection_id),
    )
}

fn read(row: &rusqlite::Row<'_>) -> rusqlite::Result<Destination> {
    let kind: String = row.get(1)?;
    let settings: String = row.get(3)?;
    let kind = if kind == "dynamics" { DestinationKind::Dynamics } else { DestinationKind::Marketo };
    Ok(Destination {
        id: row.get(0)?,
        kind,
        name: row.get(2)?,
        marketo: (kind == DestinationKind::Marketo).then(|| serde_json::from_str(&settings).ok()).flatten(),
        dynamics: (kind == DestinationKind::Dynamics).then(|| serde_json::from_str(&settings).ok()).flatten(),
        privacy_accepted_by: row.get(4)?,
        privacy_accepted_at: row.get(5)?,
        export_users: Vec::new(),
        created_at: row.get(6)?,
    })
}

const SELECT: &str = "SELECT d.id, d.kind, d.name, d.settings, m.email, d.privacy_accepted_at, d.created_at
                        FROM export_destinations d JOIN members m ON m.id = d.privacy_accepted_by";

fn with_users(c: &rusqlite::Connection, mut d: Destination) -> Result<Destination> {
    let mut stmt = c.prepare(
        "SELECT m.email FROM export_destination_users u JOIN members m ON m.id = u.member_id
          WHERE u.destination_id = ?1 ORDER BY u.added_at, m.email",
    )?;
    d.export_users = stmt.query_map([&d.id], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
    Ok(d)
}

/// The destinations in use, by name.
pub fn list(store: &Store) -> Result<Vec<Destination>> {
    store.read(|c| {
        let mut stmt = c.prepare(&format!("{SELECT} WHERE d.deleted_at IS NULL ORDER BY d.name COLLATE NOCASE"))?;
        let rows = stmt.query_map([], read)?.collect::<rusqlite::Result<Vec<_>>>()?;
        rows.into_iter().map(|d| with_users(c, d)).collect()
    })
}

/// The destination called `name` (case does not matter).
pub fn get(store: &Store, name: &str) -> Result<Destination> {
    let found = store.read(|c| {
        let d = c
            .query_row(
                &format!("{SELECT} WHERE d.name = ?1 COLLATE NOCASE AND d.deleted_at IS NULL"),
                [name.trim()],
                read,
            )
            .optional()?;
        d.map(|d| with_users(c, d)).transpose()
    })?;
    found.ok_or_else(|| Error::not_found(msg!("export-destination-not-found", name = name.trim())))
}

/// The destination with this ID, even a deleted one (an export's run needs its list).
pub fn by_id(store: &Store, id: &str) -> Result<Destination> {
    let found = store.read(|c| {
        let d = c.query_row(&format!("{SELECT} WHERE d.id = ?1"), [id], read).optional()?;
        d.map(|d| with_users(c, d)).transpose()
    })?;
    found.ok_or_else(|| Error::not_found(msg!("export-destination-not-found", name = id)))
}

/// Refuses an admin who is not one of the destination's export users.
pub(crate) fn require_export_user(
    tx: &rusqlite::Connection,
    destination_id: &str,
    member_id: &str,
    name: &str,
) -> Result<()> {
    let allowed: bool = tx.query_row(
        "SELECT EXISTS (SELECT 1 FROM export_destination_users WHERE destination_id = ?1 AND member_id = ?2)",
        params![destination_id, member_id],
        |r| r.get(0),
    )?;
    if allowed { Ok(()) } else { Err(Error::new(ErrorCode::Forbidden, msg!("export-not-an-export-user", name = name))) }
}

/// The connection a destination reaches its list through, from its stored settings:
/// `connection_id` (a Dynamics 365 destination) or `access.connection_id` (a Marketo one through
/// the workspace's connection). `None` for a destination with its own credentials.
pub(crate) fn connection_of(tx: &rusqlite::Connection, destination_id: &str) -> Result<Option<String>> {
    let settings: Option<String> = tx
        .query_row("SELECT settings FROM export_destinations WHERE id = ?1", [destination_id], |r| r.get(0))
        .optional()?;
    let settings: serde_json::Value = serde_json::from_str(settings.as_deref().unwrap_or("{}"))?;
    Ok(settings
        .get("connection_id")
        .or_else(|| settings.pointer("/access/connection_id"))
        .and_then(|id| id.as_str())
        .map(str::to_owned))
}

/// Refuses the signed-in admin a destination whose connection they may not use (R13, seed 003;
/// see [`access::require_usable`]: `forbidden`, audited). Destinations with their own
/// credentials pass.
pub(crate) fn require_destination_usable(tx: &rusqlite::Connection, destination: &Destination) -> Result<()> {
    match connection_of(tx, &destination.id)? {
        Some(connection_id) => access::require_usable(tx, &connection_id),
        None => Ok(()),
    }
}

/// [`require_destination_usable`] in a transaction of its own, so a refusal stays audited: the
/// check made before anything is sent to the destination.
pub(crate) fn check_destination_usable(store: &Store, destination: &Destination) -> Result<()> {
    store.write(|tx| Ok(require_destination_usable(tx, destination)))?
}

/// Adds an admin to the destination's export users (only an export user may). Audited.
pub fn add_export_user(ws: &Workspace, destination: &str, email: &str) -> Result<Destination> {
    let d = get(ws.store(), destination)?;
    let email = crate::invites::csv::normalize_email(email);
    ws.store().write(|tx| {
        let actor = require_actor(tx)?;
        require_export_user(tx, &d.id, &actor.id, &d.name)?;
        let member: Option<String> = tx
            .query_row(
                "SELECT id FROM members WHERE email = ?1 AND role = 'admin' AND status = 'active'",
                [&email],
                |r| r.get(0),
            )
            .optional()?;
        let member =
            member.ok_or_else(|| Error::not_found(msg!("export-user-not-an-admin", email = email.as_str())))?;
        tx.execute(
            "INSERT OR IGNORE INTO export_destination_users (destination_id, member_id, added_at) VALUES (?1, ?2, ?3)",
            params![d.id, member, now()],
        )?;
        audit::record(tx, Some(&actor.id), "export.user_added", Some(&d.id), serde_json::json!({ "email": email }))
    })?;
    get(ws.store(), &d.name)
}

/// What deleting a destination leaves, for the confirmation.
pub fn delete_confirmation(d: &Destination) -> Text {
    match (&d.marketo, &d.dynamics) {
        (Some(m), _) => msg!("export-destination-delete-marketo", name = d.name.as_str(), list = m.list_name.as_str()),
        (_, Some(l)) => msg!("export-destination-delete-dynamics", name = d.name.as_str(), list = l.list_name.as_str()),
        _ => msg!("export-destination-delete", name = d.name.as_str()),
    }
}

/// Deletes a destination at any time (R16): its exports stop, their history stays readable, the
/// list in Marketo is left as it is, and its own credentials leave the vault. Audited.
pub fn delete(ws: &Workspace, vault: &Vault, name: &str) -> Result<()> {
    let d = get(ws.store(), name)?;
    ws.store().write(|tx| {
        let actor = require_actor(tx)?;
        require_export_user(tx, &d.id, &actor.id, &d.name)?;
        tx.execute("UPDATE export_destinations SET deleted_at = ?2 WHERE id = ?1", params![d.id, now()])?;
        let exports: Vec<String> = {
            let mut stmt = tx.prepare("SELECT id FROM exports WHERE destination_id = ?1 AND deleted_at IS NULL")?;
            stmt.query_map([&d.id], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?
        };
        for export in &exports {
            super::definition::remove_in(tx, export)?;
        }
        vault.delete_in(tx, &secret_name(&d.id))?;
        audit::record(
            tx,
            Some(&actor.id),
            "export.destination_deleted",
            Some(&d.id),
            serde_json::json!({ "name": d.name }),
        )
    })
}
