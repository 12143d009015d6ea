//! Dynamics 365 Sales (Dataverse Web API): Microsoft identity platform authorization code with
//! PKCE through the system browser, scope `{org}/user_impersonation offline_access`, checked
//! with `WhoAmI`; rotating refresh tokens are persisted on every refresh (R13).

use std::borrow::Cow;
use std::sync::Arc;
use std::time::Duration;

use oauth2::{
    AuthorizationCode, EmptyExtraTokenFields, EndpointNotSet, EndpointSet, PkceCodeVerifier, RedirectUrl, RefreshToken,
    Scope, TokenResponse as _, TokenUrl,
};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::access;
use super::oauth::{self, Browser, OAuthClient, OAuthHttp, Refusal, SIGN_IN_TIMEOUT};
use super::ownership::{self, NewConnection};
use super::{ConnectionKind, ConnectionSummary};
use crate::http::{Budget, Http, RetryPolicy};
use crate::i18n::Text;
use crate::vault::Vault;
use crate::{Error, ErrorCode, Result, Workspace, msg};

pub use super::access::UsableBy;

/// How a cached person is matched to a Dynamics contact (R13: "map a customer ID field to the
/// Dynamics 365 contact ID").
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum MatchBy {
    /// The person's email equals the contact's `emailaddress1` (ignoring case).
    #[default]
    Email,
    /// A cached person field (`sf_contact_id`, `marketo_id`, a synced field's column or a custom
    /// field's key) equals a contact attribute (e.g. `new_salesforceid`) read by the sync.
    Key { field: String, attribute: String },
}

impl MatchBy {
    /// `email` or `FIELD=ATTRIBUTE` (the command line's spelling).
    pub fn parse(input: &str) -> Result<Self> {
        let input = input.trim();
        if input.eq_ignore_ascii_case("email") {
            return Ok(Self::Email);
        }
        let Some((field, attribute)) = input.split_once('=') else {
            return Err(Error::invalid_input(msg!("dynamics-match-by-invalid", input = input)));
        };
        let by = Self::Key { field: field.trim().to_owned(), attribute: attribute.trim().to_owned() };
        by.validate()?;
        Ok(by)
    }

    /// A key needs a person field the cache has and a well-formed Dataverse attribute name.
    pub fn validate(&self) -> Result<()> {
        let Self::Key { field, attribute } = self else { return Ok(()) };
        let logical = |s: &str| {
            !s.is_empty()
                && s.len() <= 100
                && s.starts_with(|c: char| c.is_ascii_lowercase())
                && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        };
        if !logical(attribute) {
            return Err(Error::invalid_input(msg!("dynamics-match-attribute-invalid", attribute = attribute.as_str())));
        }
        if !logical(&field.to_ascii_lowercase()) {
            return Err(Error::invalid_input(msg!("dynamics-match-field-invalid", field = field.as_str())));
        }
        Ok(())
    }

    /// `email` or `FIELD=ATTRIBUTE`.
    pub fn label(&self) -> String {
        match self {
            Self::Email => "email".to_owned(),
            Self::Key { field, attribute } => format!("{field}={attribute}"),
        }
    }
}

/// Non-secret settings of a Dynamics 365 connection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct DynamicsSettings {
    /// The org's Sales URL, e.g. `https://contoso.crm.dynamics.com`.
    pub org_url: String,
    /// `https://login.microsoftonline.com/{tenant}` (tenant default `organizations`).
    pub authority_url: String,
    pub client_id: String,
    /// Who may use it (enforced by [`super::access`]; absent in old settings: administrators).
    #[serde(default)]
    pub usable_by: UsableBy,
    pub user_id: String,
    pub organization_id: String,
    /// How people are matched to this org's contacts (R13; default: by email).
    #[serde(default)]
    pub match_by: MatchBy,
}

/// What the admin enters to connect Dynamics 365 (R13).
#[derive(Debug, Clone, Deserialize, TS)]
pub struct ConnectDynamics {
    pub display_name: String,
    pub org_url: String,
    /// Empty: `https://login.microsoftonline.com/organizations`.
    pub authority_url: String,
    pub client_id: String,
    pub usable_by: UsableBy,
    pub is_sandbox: bool,
    /// How people are matched to contacts (default: by email).
    #[serde(default)]
    pub match_by: MatchBy,
}

/// Dataverse service protection: 52 concurrent requests and 6,000 per 5 minutes per user.
pub fn default_budget() -> Arc<Budget> {
    Budget::new("Dynamics 365", 52, 6_000, Duration::from_secs(300))
}

/// The service-protection budget of one org, shared by every client and job of the workspace
/// (the limits are per user and org, so a sync and an export against one org share them).
pub fn budget(ws: &Workspace, org_url: &str) -> Arc<Budget> {
    ws.remotes().budget(&format!("dynamics:{org_url}"), default_budget)
}

/// `what` names the address in the message ("server address", "sign-in authority").
fn https_origin(input: &str, what: Text) -> Result<String> {
    let url = url::Url::parse(input.trim())
        .map_err(|_| Error::invalid_input(msg!("connection-not-a-valid", input = input.trim(), what = what)))?;
    crate::http::require_secure(&url, input.trim())?;
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

/// Vault names of a Dynamics connection's tokens.
pub fn secret_names(connection_id: &str) -> [String; 2] {
    ["access_token", "refresh_token"].map(|s| format!("connection.{connection_id}.{s}"))
}

/// An `oauth2` client for the app registration (a public client: no secret), with the token
/// endpoint under `authority`.
fn token_client(
    authority: &str,
    client_id: &str,
) -> Result<OAuthClient<EmptyExtraTokenFields, EndpointNotSet, EndpointNotSet, EndpointSet>> {
    let token_url = oauth::endpoint(&format!("{authority}/oauth2/v2.0/token"), TokenUrl::new)?;
    Ok(oauth::client(client_id, None).set_token_uri(token_url))
}

/// The admin-facing error for a refused token call (code exchange or refresh).
fn token_error(refusal: Refusal) -> Error {
    let (error, description) = match refusal {
        Refusal::Transport(err) => return err,
        Refusal::Unreadable => return Error::new(ErrorCode::BadResponse, msg!("dynamics-token-unreadable")),
        Refusal::Refused { error, description, .. } => (error.unwrap_or_else(|| "error".to_owned()), description),
    };
    // Microsoft's descriptions go on with trace and correlation IDs on further lines.
    let description = description.lines().next().unwrap_or("").to_owned();
    let message = if error == "invalid_grant" {
        msg!("dynamics-sign-in-expired", description = description)
    } else {
        msg!("oauth-sign-in-refused", provider = "Microsoft", error = &error, description = description)
    };
    Error::new(ErrorCode::Unauthorized, message).with_details(serde_json::json!({ "error": error }))
}

fn scopes(org_url: &str) -> [Scope; 2] {
    [Scope::new(format!("{org_url}/user_impersonation")), Scope::new("offline_access".to_owned())]
}

async fn who_am_i(http: &Http, org_url: &str, access: &SecretString) -> Result<serde_json::Value> {
    let url = format!("{org_url}/api/data/v9.2/WhoAmI");
    http.execute(
        msg!("http-what-checking-dynamics"),
        || {
            http.client()
                .get(&url)
                .bearer_auth(access.expose_secret())
                .header("OData-MaxVersion", "4.0")
                .header("OData-Version", "4.0")
                .header("Accept", "application/json")
        },
        super::dataverse::judge_value,
        || async { Err(Error::new(ErrorCode::Unauthorized, msg!("dynamics-new-sign-in-not-accepted"))) },
    )
    .await
}

/// GETs a Web API path (e.g. `contacts?$top=1`) for a stored connection, renewing the session
/// (and storing the rotated refresh token) when it expired.
pub async fn get(ws: &Workspace, vault: &Vault, connection_id: &str, path: &str) -> Result<serde_json::Value> {
    super::dataverse::DataverseClient::load(ws, vault, connection_id)?.get(path, &[]).await
}

/// Connects Dynamics 365 (R13): signs in through the browser with PKCE, checks the org with
/// `WhoAmI`, and stores the connection (several per workspace are allowed).
pub async fn connect(
    ws: &Workspace,
    vault: &Vault,
    request: ConnectDynamics,
    browser: &dyn Browser,
) -> Result<ConnectionSummary> {
    connect_with_timeout(ws, vault, request, browser, SIGN_IN_TIMEOUT).await
}

/// [`connect`] with a custom sign-in timeout.
pub async fn connect_with_timeout(
    ws: &Workspace,
    vault: &Vault,
    request: ConnectDynamics,
    browser: &dyn Browser,
    timeout: Duration,
) -> Result<ConnectionSummary> {
    let verdict = ownership::connect_permission(ws, ConnectionKind::Dynamics)?;
    if !verdict.allowed {
        return Err(Error::new(ErrorCode::Forbidden, verdict.reason.unwrap_or_default()));
    }
    let display_name = request.display_name.trim().to_owned();
    if display_name.is_empty() {
        return Err(Error::invalid_input(msg!("dynamics-display-name-required")));
    }
    let client_id = request.client_id.trim().to_owned();
    if client_id.is_empty() {
        return Err(Error::invalid_input(msg!("dynamics-client-id-required")));
    }
    // Before the sign-in, so a mistyped member or field costs no trip through the browser.
    let usable_by = ws.store().read(|c| access::validate(c, &request.usable_by))?;
    request.match_by.validate()?;
    ws.store().read(|c| crate::sync::dynamics_match::check(c, &request.match_by))?;
    let org_url = https_origin(&request.org_url, msg!("dynamics-what-org-url"))?;
    let authority = match request.authority_url.trim() {
        "" => "https://login.microsoftonline.com/organizations".to_owned(),
        other => https_origin(other, msg!("dynamics-what-authority"))?,
    };
    let scope = format!("{org_url}/user_impersonation offline_access");
    let callback = oauth::authorize(
        &format!("{authority}/oauth2/v2.0/authorize"),
        &client_id,
        &scope,
        &[("response_mode", "query")],
        browser,
        timeout,
        "Microsoft",
    )
    .await?;
    let http = Http::new("Dynamics 365", budget(ws, &org_url), RetryPolicy::default())?;
    let transport = OAuthHttp::new(&http, msg!("http-what-exchanging-sign-in", system = "Microsoft"));
    let tokens = token_client(&authority, &client_id)?
        .exchange_code(AuthorizationCode::new(callback.code.expose_secret().to_owned()))
        .set_pkce_verifier(PkceCodeVerifier::new(callback.verifier.expose_secret().to_owned()))
        .set_redirect_uri(Cow::Owned(oauth::endpoint(&callback.redirect_uri, RedirectUrl::new)?))
        // The v2.0 endpoint takes the scope again when redeeming the code.
        .add_extra_param("scope", scope.clone())
        .request_async(&transport)
        .await
        .map_err(|e| token_error(transport.refusal(e)))?;
    let access = SecretString::from(tokens.access_token().secret().to_owned());
    let who = who_am_i(&http, &org_url, &access).await?;
    let settings = DynamicsSettings {
        org_url,
        authority_url: authority,
        client_id,
        usable_by,
        user_id: who["UserId"].as_str().unwrap_or_default().to_owned(),
        organization_id: who["OrganizationId"].as_str().unwrap_or_default().to_owned(),
        match_by: request.match_by,
    };
    let refresh = tokens.refresh_token().map(|t| SecretString::from(t.secret().to_owned()));
    ownership::save(
        ws,
        vault,
        &NewConnection {
            kind: ConnectionKind::Dynamics,
            display_name,
            settings: serde_json::to_value(&settings)?,
            is_sandbox: request.is_sandbox,
        },
        &[("access_token", Some(&access)), ("refresh_token", refresh.as_ref())],
    )
}

/// Renews the session of a stored connection, persisting the rotated refresh token (Microsoft
/// issues a new one on every refresh and the old one stops working after a while).
pub async fn refresh(ws: &Workspace, vault: &Vault, connection_id: &str) -> Result<()> {
    let settings: String = ws.store().read(|c| {
        Ok(c.query_row("SELECT settings FROM connections WHERE id = ?1 AND kind = 'dynamics'", [connection_id], |r| {
            r.get(0)
        })?)
    })?;
    let settings: DynamicsSettings = serde_json::from_str(&settings)?;
    let [access_name, refresh_name] = secret_names(connection_id);
    let refresh = vault
        .get(&refresh_name)?
        .ok_or_else(|| Error::new(ErrorCode::Unauthorized, msg!("dynamics-no-refresh-token")))?;
    let http = Http::new("Dynamics 365", default_budget(), RetryPolicy::default())?;
    let transport = OAuthHttp::new(&http, msg!("http-what-exchanging-sign-in", system = "Microsoft"));
    let tokens = token_client(&settings.authority_url, &settings.client_id)?
        .exchange_refresh_token(&RefreshToken::new(refresh.expose_secret().to_owned()))
        .add_scopes(scopes(&settings.org_url))
        .request_async(&transport)
        .await
        .map_err(|e| token_error(transport.refusal(e)))?;
    let rotated = tokens.refresh_token().map(|t| SecretString::from(t.secret().to_owned()));
    let access = SecretString::from(tokens.access_token().secret().to_owned());
    ws.store().write(|tx| {
        vault.put_in(tx, &access_name, &access)?;
        if let Some(r) = &rotated {
            vault.put_in(tx, &refresh_name, r)?;
        }
        Ok(())
    })
}

/// The stored settings of a live Dynamics connection.
pub fn settings(conn: &rusqlite::Connection, connection_id: &str) -> Result<DynamicsSettings> {
    use rusqlite::OptionalExtension;
    let raw: Option<String> = conn
        .query_row(
            "SELECT settings FROM connections WHERE id = ?1 AND kind = 'dynamics' AND disconnected_at IS NULL",
            [connection_id],
            |r| r.get(0),
        )
        .optional()?;
    let raw = raw.ok_or_else(|| Error::not_found(msg!("dynamics-connection-not-found", id = connection_id)))?;
    Ok(serde_json::from_str(&raw)?)
}

/// Changes how people are matched to the connection's contacts (R13; audited). A new key
/// attribute is read by the next sync, which then reads the org's contacts in full.
pub fn set_match_by(ws: &Workspace, connection_id: &str, match_by: MatchBy) -> Result<DynamicsSettings> {
    match_by.validate()?;
    ws.store().write(|tx| {
        crate::sync::dynamics_match::check(tx, &match_by)?;
        let mut settings = settings(tx, connection_id)?;
        let before = std::mem::replace(&mut settings.match_by, match_by.clone());
        tx.execute(
            "UPDATE connections SET settings = ?2 WHERE id = ?1",
            rusqlite::params![connection_id, serde_json::to_string(&settings)?],
        )?;
        if let MatchBy::Key { .. } = &match_by
            && before != match_by
        {
            // The stored contacts hold the old attribute's values: the next sync reads them all.
            crate::sync::dynamics_match::forget_cursor(tx, connection_id)?;
        }
        let actor = crate::members::admin::acting_admin_in(tx)?.map(|a| a.id);
        crate::audit::record(
            tx,
            actor.as_deref(),
            "connection.dynamics_match_changed",
            Some(connection_id),
            serde_json::json!({ "from": before.label(), "to": match_by.label() }),
        )?;
        Ok(settings)
    })
}
