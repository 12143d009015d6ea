//! Step 1 as seed 000 has it: the first admin is picked from Marketo's own admin users (User
//! Management API), and that person receives an email with their access instructions through
//! the invitation outbox. Typing a name and email (`admin::activate`) stays the fallback.
//!
//! Step 1 comes before step 3 ("connect Marketo"), and a connection needs an owning admin
//! (R6), so before activation Marketo is reached with a REST endpoint and client ID typed here,
//! used only to read its users and stored nowhere; once a Marketo connection exists it is used.
//! The picked user is checked again against Marketo at activation, so a user whose Admin role
//! was removed meanwhile is refused. Without email settings (they can only be saved by an admin,
//! so usually not yet) activation still succeeds: the email waits in the outbox and goes out
//! when the email server is set up.

use rusqlite::{Connection, OptionalExtension};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::admin::{Admin, activate_in};
use crate::connections::marketo::{self, MarketoClient, MarketoSettings, MarketoUser, MarketoUserRole};
use crate::i18n::Text;
use crate::invites::email::{self, AccessInstructions, EmailLanguage};
use crate::invites::outbox::{self, MessageState};
use crate::invites::smtp;
use crate::store::Store;
use crate::vault::Vault;
use crate::{Error, ErrorCode, Result, Workspace, audit, msg};

/// Setting: the outbox id of the first admin's access-instructions email.
const ACCESS_EMAIL_KEY: &str = "members.access_email_message";

/// Where the Marketo users are read from.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, TS)]
#[serde(rename_all = "snake_case", tag = "via")]
pub enum MarketoSource {
    /// The workspace's live Marketo connection.
    Connection,
    /// A REST endpoint (or Munchkin ID) and client ID typed at step 1; the client secret is
    /// passed apart and kept nowhere.
    Credentials { base_url: String, client_id: String },
}

/// A Marketo admin who can be picked as the first admin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct MarketoAdmin {
    pub userid: String,
    pub email: String,
    /// "First Last" (the user id when Marketo has no name).
    pub name: String,
    /// Roles as "Role (Workspace)", Admin first.
    pub roles: Vec<String>,
}

/// The first admin's access-instructions email: where it is in the outbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct AccessEmail {
    pub recipient: String,
    pub state: MessageState,
    /// Queued because no email server is set up yet: it goes out once one is.
    pub waiting_for_email_settings: bool,
    /// Why it failed or is uncertain.
    pub error: Option<Text>,
    pub sent_at: Option<String>,
}

/// What activating with a Marketo admin did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct FirstAdminActivation {
    pub admin: Admin,
    pub email: AccessEmail,
}

/// The client for `source`, and the Marketo endpoint for people.
fn client(
    ws: &Workspace,
    vault: &Vault,
    source: &MarketoSource,
    secret: Option<SecretString>,
) -> Result<MarketoClient> {
    match source {
        MarketoSource::Connection => {
            let id: Option<String> = ws.store().read(|c| {
                Ok(c.query_row(
                    "SELECT id FROM connections WHERE kind = 'marketo' AND disconnected_at IS NULL ORDER BY created_at LIMIT 1",
                    [],
                    |r| r.get(0),
                )
                .optional()?)
            })?;
            let id = id.ok_or_else(|| Error::new(ErrorCode::Conflict, msg!("first-admin-marketo-not-connected")))?;
            MarketoClient::load(ws, vault, &id)
        }
        MarketoSource::Credentials { base_url, client_id } => {
            let secret = secret.filter(|s| !s.expose_secret().trim().is_empty());
            let (client_id, Some(secret)) = (client_id.trim(), secret) else {
                return Err(Error::invalid_input(msg!("marketo-credentials-required")));
            };
            if client_id.is_empty() {
                return Err(Error::invalid_input(msg!("marketo-credentials-required")));
            }
            let settings = MarketoSettings { base_url: marketo::base_url(base_url)?, client_id: client_id.to_owned() };
            MarketoClient::new(ws.remotes().clone(), settings, secret)
        }
    }
}

fn display_name(user: &MarketoUser) -> String {
    let name = format!("{} {}", user.first_name, user.last_name).trim().to_owned();
    if name.is_empty() { user.userid.clone() } else { name }
}

fn role_labels(roles: &[MarketoUserRole]) -> Vec<String> {
    let mut sorted: Vec<&MarketoUserRole> = roles.iter().collect();
    sorted.sort_by_key(|r| (!r.is_admin(), r.role_name.clone(), r.workspace_name.clone()));
    sorted.iter().map(|r| format!("{} ({})", r.role_name, r.workspace_name)).collect()
}

/// The admins among `users` with their roles: people with Marketo's Admin role, never API-only
/// users (they cannot sign in); sorted by name.
pub fn admins_among(users: &[(MarketoUser, Vec<MarketoUserRole>)]) -> Vec<MarketoAdmin> {
    let mut out: Vec<MarketoAdmin> = users
        .iter()
        .filter(|(user, roles)| !user.api_only && roles.iter().any(MarketoUserRole::is_admin))
        .map(|(user, roles)| MarketoAdmin {
            userid: user.userid.clone(),
            email: user.email.clone(),
            name: display_name(user),
            roles: role_labels(roles),
        })
        .collect();
    out.sort_by_key(|a| (a.name.to_lowercase(), a.email.to_lowercase()));
    out
}

/// The Marketo admins that can be picked as the first admin (one User Management call for the
/// users, one per person for their roles).
pub async fn marketo_admins(
    ws: &Workspace,
    vault: &Vault,
    source: &MarketoSource,
    secret: Option<SecretString>,
) -> Result<Vec<MarketoAdmin>> {
    let client = client(ws, vault, source, secret)?;
    let mut with_roles = Vec::new();
    for user in client.users().await?.into_iter().filter(|u| !u.api_only) {
        let roles = client.user_roles(&user.userid).await?;
        with_roles.push((user, roles));
    }
    Ok(admins_among(&with_roles))
}

/// Activates the workspace (R2) with the Marketo user `pick` (user id or email) as the original
/// admin, after checking with Marketo that they are an admin who signs in, and queues their
/// access instructions (workspace language) in the outbox in the same transaction. Audited.
/// The caller starts the delivery; without email settings the email waits for them.
pub async fn activate_from_marketo(
    ws: &Workspace,
    vault: &Vault,
    source: &MarketoSource,
    secret: Option<SecretString>,
    pick: &str,
) -> Result<FirstAdminActivation> {
    let pick = pick.trim();
    if pick.is_empty() {
        return Err(Error::invalid_input(msg!("first-admin-pick-required")));
    }
    let activated: bool =
        ws.store().read(|c| Ok(c.query_row("SELECT activated_at IS NOT NULL FROM workspace", [], |r| r.get(0))?))?;
    if activated {
        return Err(Error::new(ErrorCode::Conflict, msg!("members-already-activated")));
    }
    let client = client(ws, vault, source, secret)?;
    let users = client.users().await?;
    let user = users
        .into_iter()
        .find(|u| u.userid.eq_ignore_ascii_case(pick) || u.email.eq_ignore_ascii_case(pick))
        .ok_or_else(|| Error::not_found(msg!("first-admin-not-in-marketo", pick = pick)))?;
    if user.api_only {
        return Err(Error::new(ErrorCode::Forbidden, msg!("first-admin-api-only", user = &user.userid)));
    }
    let roles = client.user_roles(&user.userid).await?;
    if !roles.iter().any(MarketoUserRole::is_admin) {
        let held = role_labels(&roles);
        let held_text = if held.is_empty() { "—".to_owned() } else { held.join(", ") };
        return Err(Error::new(
            ErrorCode::Forbidden,
            msg!("first-admin-not-a-marketo-admin", user = &user.userid, roles = held_text),
        )
        .with_details(serde_json::json!({ "rule": "R2", "userid": user.userid, "roles": held })));
    }
    let name = display_name(&user);
    let marketo_url = client.base_url().to_owned();
    let admin = ws.store().write(|tx| {
        let admin = activate_in(tx, vault, &name, &user.email)?;
        let language = EmailLanguage::of_workspace(tx)?;
        let workspace = email::workspace_name(tx)?;
        let message = email::render_access_instructions(
            language,
            &AccessInstructions { workspace: &workspace, admin_name: &name, marketo: &marketo_url },
        );
        let message_id = outbox::queue_in(tx, vault, None, &admin.email, language, &message)?;
        crate::settings::put(tx, ACCESS_EMAIL_KEY, message_id.to_string())?;
        audit::record(
            tx,
            Some(&admin.id),
            "workspace.first_admin_from_marketo",
            Some(&admin.email),
            serde_json::json!({
                "marketo_userid": user.userid, "marketo": marketo_url, "roles": role_labels(&roles),
                "message_id": message_id, "language": language.as_str(),
            }),
        )?;
        Ok(admin)
    })?;
    let email = access_email(ws.store())?.ok_or_else(|| Error::internal(msg!("first-admin-email-missing")))?;
    Ok(FirstAdminActivation { admin, email })
}

/// Where the first admin's access-instructions email is; `None` when the workspace was
/// activated by typing a name and email (no such email).
pub fn access_email(store: &Store) -> Result<Option<AccessEmail>> {
    store.read(access_email_in)
}

fn access_email_in(c: &Connection) -> Result<Option<AccessEmail>> {
    let Some(id) = email::setting(c, ACCESS_EMAIL_KEY)?.and_then(|v| v.parse::<i64>().ok()) else {
        return Ok(None);
    };
    let row: Option<(String, String, Option<String>, Option<String>)> = c
        .query_row("SELECT recipient, state, last_error, sent_at FROM outbox WHERE id = ?1", [id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })
        .optional()?;
    let Some((recipient, state, error, sent_at)) = row else { return Ok(None) };
    let state: MessageState = super::parse_enum(&state)?;
    let waiting = state == MessageState::Queued && smtp::settings_in(c)?.is_none();
    Ok(Some(AccessEmail {
        recipient,
        state,
        waiting_for_email_settings: waiting,
        error: error.as_deref().map(Text::from_stored),
        sent_at,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(id: &str, api_only: bool) -> MarketoUser {
        MarketoUser { userid: id.into(), email: id.into(), first_name: "F".into(), last_name: id.into(), api_only }
    }

    fn role(id: i64, name: &str) -> MarketoUserRole {
        MarketoUserRole { role_id: id, role_name: name.into(), workspace_id: 0, workspace_name: "AllZones".into() }
    }

    #[test]
    fn only_admins_who_sign_in_are_offered() {
        let users = vec![
            (user("b@x.com", false), vec![role(2, "Standard User"), role(1, "Admin")]),
            (user("a@x.com", false), vec![role(1, "Admin")]),
            (user("api@x.com", true), vec![role(1, "Admin")]),
            (user("c@x.com", false), vec![role(102, "Marketing User")]),
        ];
        let admins = admins_among(&users);
        let ids: Vec<_> = admins.iter().map(|a| a.userid.as_str()).collect();
        assert_eq!(ids, ["a@x.com", "b@x.com"]);
        assert_eq!(admins[1].roles, ["Admin (AllZones)", "Standard User (AllZones)"]);
    }
}
