//! Salesforce: the OAuth web-server flow with PKCE through the system browser, the identity
//! call that names the signed-in user and org, REST calls with refresh on `INVALID_SESSION_ID`,
//! and revocation on disconnect.

use std::borrow::Cow;
use std::sync::Arc;
use std::time::Duration;

use oauth2::{
    AccessToken, AuthorizationCode, EndpointNotSet, EndpointSet, ExtraTokenFields, PkceCodeVerifier, RedirectUrl,
    RefreshToken, StandardRevocableToken, TokenResponse as _, TokenUrl,
};
use rusqlite::OptionalExtension;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::oauth::{self, Browser, OAuthClient, OAuthHttp, Refusal, SIGN_IN_TIMEOUT};
use super::ownership::{self, NewConnection};
use super::{ConnectionKind, ConnectionSummary};
use crate::http::{Budget, Http, Outcome, RetryPolicy, retry_after};
use crate::i18n::Text;
use crate::vault::Vault;
use crate::{Error, ErrorCode, Result, Workspace, msg};

/// The REST API version Liaison speaks.
pub const API_VERSION: &str = "v62.0";

/// Non-secret settings of a Salesforce connection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct SalesforceSettings {
    pub login_url: String,
    pub client_id: String,
    pub instance_url: String,
    pub org_id: String,
    pub user_id: String,
    pub username: String,
}

/// What the admin enters to connect Salesforce.
#[derive(Debug, Clone, Deserialize, TS)]
pub struct ConnectSalesforce {
    pub display_name: String,
    /// `production`, `sandbox`, or a My Domain / login URL.
    pub login_url: String,
    pub client_id: String,
    pub is_sandbox: bool,
}

/// Salesforce's per-org concurrency allowance for long calls, and a generous rate window (the
/// real limit is the daily request allocation, checked through `/limits`).
pub fn default_budget() -> Arc<Budget> {
    Budget::new("Salesforce", 25, 1_000, Duration::from_secs(20))
}

/// Resolves the login host: production, sandbox (test.salesforce.com), or a given URL.
pub fn login_url(input: &str) -> Result<String> {
    match input.trim().to_ascii_lowercase().as_str() {
        "" | "production" | "prod" => return Ok("https://login.salesforce.com".into()),
        "sandbox" | "test" => return Ok("https://test.salesforce.com".into()),
        _ => {}
    }
    let url = url::Url::parse(input.trim()).map_err(|_| {
        Error::invalid_input(msg!("salesforce-not-a-login-address", address = format!("{:?}", input.trim())))
    })?;
    crate::http::require_secure(&url, input.trim())?;
    Ok(url.origin().ascii_serialization())
}

/// The fields Salesforce adds to a token answer: the org's instance and the identity URL.
#[derive(Debug, Serialize, Deserialize)]
pub struct SalesforceTokenFields {
    pub instance_url: String,
    pub id: String,
}

impl ExtraTokenFields for SalesforceTokenFields {}

#[derive(Deserialize)]
struct Identity {
    user_id: String,
    organization_id: String,
    username: String,
}

/// Vault names of a Salesforce connection's secrets.
/// `value` as a SOQL string literal: a backslash, quote or control character inside is escaped
/// as SOQL reads it (`\\`, `\'`, `\n`…), so no value can end the literal early and add to a
/// query.
pub fn soql_string(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('\'');
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

pub fn secret_names(connection_id: &str) -> [String; 3] {
    ["access_token", "refresh_token", "client_secret"].map(|s| format!("connection.{connection_id}.{s}"))
}

/// An `oauth2` client for the connected app, with the token endpoint under `login_url`.
fn token_client(
    login_url: &str,
    client_id: &str,
    secret: Option<&SecretString>,
) -> Result<OAuthClient<SalesforceTokenFields, EndpointNotSet, EndpointNotSet, EndpointSet>> {
    let token_url = oauth::endpoint(&format!("{login_url}/services/oauth2/token"), TokenUrl::new)?;
    Ok(oauth::client(client_id, secret).set_token_uri(token_url))
}

/// The admin-facing error for a refused token call (code exchange or refresh).
fn token_error(refusal: Refusal) -> Error {
    let (error, description) = match refusal {
        Refusal::Transport(err) => return err,
        Refusal::Unreadable => return Error::new(ErrorCode::BadResponse, msg!("salesforce-token-unreadable")),
        Refusal::Refused { error, description, status } => {
            let status = status.map(|s| s.to_string()).unwrap_or_default();
            (error.unwrap_or_else(|| format!("HTTP {status}")), description)
        }
    };
    let message = match error.as_str() {
        "invalid_grant" if description.contains("expired") || description.contains("revoked") => {
            msg!("salesforce-sign-in-expired")
        }
        "invalid_client_id" | "invalid_client" => msg!("salesforce-client-rejected"),
        other => msg!("oauth-sign-in-refused", provider = "Salesforce", error = other, description = description),
    };
    Error::new(ErrorCode::Unauthorized, message).with_details(serde_json::json!({ "error": error }))
}

async fn identity(http: &Http, id_url: &str, access: &SecretString) -> Result<Identity> {
    http.execute(
        msg!("http-what-salesforce-user"),
        || http.client().get(id_url).bearer_auth(access.expose_secret()),
        |response| async move {
            if let Some(o) = crate::http::by_status(&response, "Salesforce") {
                return match o {
                    Outcome::Refresh => {
                        Outcome::Fail(Error::new(ErrorCode::Unauthorized, msg!("salesforce-session-not-accepted")))
                    }
                    Outcome::Retry { after, reason } => Outcome::Retry { after, reason },
                    _ => Outcome::Fail(Error::internal(msg!("salesforce-unexpected-answer"))),
                };
            }
            if !response.status().is_success() {
                return Outcome::Fail(Error::new(
                    ErrorCode::Forbidden,
                    msg!("salesforce-identity-refused", status = response.status().to_string()),
                ));
            }
            match response.json::<Identity>().await {
                Ok(i) => Outcome::Done(i),
                Err(_) => Outcome::Fail(Error::new(ErrorCode::BadResponse, msg!("salesforce-identity-unreadable"))),
            }
        },
        || async { Ok(()) },
    )
    .await
}

/// Connects Salesforce (R6/R7): checks the acting admin may connect, signs in through the
/// browser (Connect → OK → browser), exchanges the code with PKCE, reads who signed in, then
/// stores the connection and its tokens together.
pub async fn connect(
    ws: &Workspace,
    vault: &Vault,
    request: ConnectSalesforce,
    client_secret: Option<SecretString>,
    browser: &dyn Browser,
) -> Result<ConnectionSummary> {
    connect_with_timeout(ws, vault, request, client_secret, browser, SIGN_IN_TIMEOUT).await
}

/// [`connect`] with a custom sign-in timeout.
pub async fn connect_with_timeout(
    ws: &Workspace,
    vault: &Vault,
    request: ConnectSalesforce,
    client_secret: Option<SecretString>,
    browser: &dyn Browser,
    timeout: Duration,
) -> Result<ConnectionSummary> {
    let verdict = ownership::connect_permission(ws, ConnectionKind::Salesforce)?;
    if !verdict.allowed {
        return Err(Error::new(ErrorCode::Forbidden, verdict.reason.unwrap_or_default()));
    }
    let client_id = request.client_id.trim().to_owned();
    if client_id.is_empty() {
        return Err(Error::invalid_input(msg!("salesforce-client-id-required")));
    }
    let login = login_url(&request.login_url)?;
    let authorize = format!("{login}/services/oauth2/authorize");
    let callback =
        oauth::authorize(&authorize, &client_id, "api refresh_token", &[], browser, timeout, "Salesforce").await?;
    let http = Http::new("Salesforce", default_budget(), RetryPolicy::default())?;
    let transport = OAuthHttp::new(&http, msg!("http-what-exchanging-sign-in", system = "Salesforce"));
    let tokens = token_client(&login, &client_id, client_secret.as_ref())?
        .exchange_code(AuthorizationCode::new(callback.code.expose_secret().to_owned()))
        .set_pkce_verifier(PkceCodeVerifier::new(callback.verifier.expose_secret().to_owned()))
        .set_redirect_uri(Cow::Owned(oauth::endpoint(&callback.redirect_uri, RedirectUrl::new)?))
        .request_async(&transport)
        .await
        .map_err(|e| token_error(transport.refusal(e)))?;
    let access = SecretString::from(tokens.access_token().secret().to_owned());
    let fields = tokens.extra_fields();
    let who = identity(&http, &fields.id, &access).await?;
    let settings = SalesforceSettings {
        login_url: login,
        client_id,
        instance_url: fields.instance_url.trim_end_matches('/').to_owned(),
        org_id: who.organization_id,
        user_id: who.user_id,
        username: who.username,
    };
    let display_name = match request.display_name.trim() {
        "" => format!("Salesforce ({})", settings.username),
        name => name.to_owned(),
    };
    let refresh = tokens.refresh_token().map(|t| SecretString::from(t.secret().to_owned()));
    ownership::save(
        ws,
        vault,
        &NewConnection {
            kind: ConnectionKind::Salesforce,
            display_name,
            settings: serde_json::to_value(&settings)?,
            is_sandbox: request.is_sandbox,
        },
        &[
            ("access_token", Some(&access)),
            ("refresh_token", refresh.as_ref()),
            ("client_secret", client_secret.as_ref()),
        ],
    )
}

/// A REST client for a stored Salesforce connection.
pub struct SalesforceClient<'a> {
    connection_id: String,
    settings: SalesforceSettings,
    vault: &'a Vault,
    http: Http,
    access: std::sync::Mutex<SecretString>,
}

impl<'a> SalesforceClient<'a> {
    /// Loads the connection's settings and tokens.
    pub fn load(ws: &Workspace, vault: &'a Vault, connection_id: &str) -> Result<Self> {
        let settings: String = ws.store().read(|c| {
            Ok(c.query_row(
                "SELECT settings FROM connections WHERE id = ?1 AND kind = 'salesforce' AND disconnected_at IS NULL",
                [connection_id],
                |r| r.get(0),
            )?)
        })?;
        let settings: SalesforceSettings = serde_json::from_str(&settings)?;
        let [access_name, ..] = secret_names(connection_id);
        let access = vault
            .get(&access_name)?
            .ok_or_else(|| Error::new(ErrorCode::Unauthorized, msg!("salesforce-no-session")))?;
        Ok(Self {
            connection_id: connection_id.to_owned(),
            settings,
            vault,
            http: Http::new("Salesforce", default_budget(), RetryPolicy::default())?,
            access: std::sync::Mutex::new(access),
        })
    }

    /// The signed-in user and org.
    pub fn settings(&self) -> &SalesforceSettings {
        &self.settings
    }

    /// Uses the refresh token for a new session; stores the new access token and any rotated
    /// refresh token.
    async fn refresh(&self) -> Result<()> {
        let [access_name, refresh_name, secret_name] = secret_names(&self.connection_id);
        let refresh = self
            .vault
            .get(&refresh_name)?
            .ok_or_else(|| Error::new(ErrorCode::Unauthorized, msg!("salesforce-no-refresh-token")))?;
        let secret = self.vault.get(&secret_name)?;
        let transport = OAuthHttp::new(&self.http, msg!("http-what-exchanging-sign-in", system = "Salesforce"));
        let tokens = token_client(&self.settings.login_url, &self.settings.client_id, secret.as_ref())?
            .exchange_refresh_token(&RefreshToken::new(refresh.expose_secret().to_owned()))
            .request_async(&transport)
            .await
            .map_err(|e| token_error(transport.refusal(e)))?;
        let access = SecretString::from(tokens.access_token().secret().to_owned());
        self.vault.put(&access_name, &access)?;
        if let Some(rotated) = tokens.refresh_token() {
            self.vault.put(&refresh_name, &SecretString::from(rotated.secret().to_owned()))?;
        }
        *self.access.lock().unwrap_or_else(|p| p.into_inner()) = access;
        Ok(())
    }

    /// Sends an authorised REST request (`build` adds the method, URL and body), refreshing the
    /// session when it expired.
    async fn send(
        &self,
        what: Text,
        build: impl Fn(&reqwest::Client) -> reqwest::RequestBuilder,
    ) -> Result<serde_json::Value> {
        self.http
            .execute(
                what,
                || {
                    let token = self.access.lock().unwrap_or_else(|p| p.into_inner()).clone();
                    build(self.http.client()).bearer_auth(token.expose_secret())
                },
                |response| async move { judge_rest(response).await },
                || self.refresh(),
            )
            .await
    }

    /// POSTs a request that creates records, never sent twice: an unknown outcome comes back as
    /// an `uncertain` error ([`crate::http::is_uncertain`]) for the caller to settle by lookup.
    pub async fn post_once(&self, path: &str, body: &serde_json::Value) -> Result<serde_json::Value> {
        let url = format!("{}/services/data/{API_VERSION}{path}", self.settings.instance_url);
        self.http
            .execute_once(
                msg!("http-what-calling", system = "Salesforce", path = path),
                || {
                    let token = self.access.lock().unwrap_or_else(|p| p.into_inner()).clone();
                    self.http.client().post(&url).json(body).bearer_auth(token.expose_secret())
                },
                |response| async move { judge_rest(response).await },
                || self.refresh(),
            )
            .await
    }

    /// GETs a path under `/services/data/{version}`, refreshing the session when it expired.
    pub async fn get(&self, path: &str) -> Result<serde_json::Value> {
        let url = format!("{}/services/data/{API_VERSION}{path}", self.settings.instance_url);
        self.send(msg!("http-what-calling", system = "Salesforce", path = path), |c| c.get(&url)).await
    }

    /// GETs a server-relative URL Salesforce handed out (e.g. a query's `nextRecordsUrl`).
    pub async fn get_url(&self, path: &str) -> Result<serde_json::Value> {
        if !path.starts_with("/services/data/") {
            return Err(Error::new(
                ErrorCode::BadResponse,
                msg!("salesforce-unexpected-link", link = format!("{path:?}")),
            ));
        }
        let url = format!("{}{path}", self.settings.instance_url);
        self.send(msg!("http-what-next-page", system = "Salesforce"), |c| c.get(&url)).await
    }

    /// Runs a SOQL query (`query`) or one that includes deleted records (`queryAll`); returns
    /// the first page.
    pub async fn query(&self, soql: &str, include_deleted: bool) -> Result<serde_json::Value> {
        let resource = if include_deleted { "queryAll" } else { "query" };
        let url = format!("{}/services/data/{API_VERSION}/{resource}", self.settings.instance_url);
        self.send(msg!("http-what-querying-salesforce", resource = resource), |c| c.get(&url).query(&[("q", soql)]))
            .await
    }

    /// POSTs a JSON body to a path under `/services/data/{version}`.
    pub async fn post(&self, path: &str, body: &serde_json::Value) -> Result<serde_json::Value> {
        let url = format!("{}/services/data/{API_VERSION}{path}", self.settings.instance_url);
        self.send(msg!("http-what-calling", system = "Salesforce", path = path), |c| c.post(&url).json(body)).await
    }

    /// The HTTP layer (its budget counts calls; it knows Salesforce's clock).
    pub fn http(&self) -> &Http {
        &self.http
    }

    /// Learns Salesforce's current time from the versions list, which needs no session and
    /// spends no API request.
    pub async fn probe_server_time(&self) -> Result<time::OffsetDateTime> {
        let url = format!("{}/services/data/", self.settings.instance_url);
        self.http
            .execute(
                msg!("http-what-salesforce-clock"),
                || self.http.client().get(&url),
                |response| async move {
                    match crate::http::server_date(&response) {
                        Some(date) => Outcome::Done(date),
                        None if response.status().is_server_error() => Outcome::Retry {
                            after: None,
                            reason: Text::verbatim(format!("HTTP {}", response.status())),
                        },
                        None => Outcome::Fail(Error::new(ErrorCode::BadResponse, msg!("salesforce-no-date"))),
                    }
                },
                || async { Ok(()) },
            )
            .await
    }

    /// Runs a SOQL query against the Tooling API (`/tooling/query`), which sees setup metadata
    /// such as the installed packages.
    pub async fn tooling_query(&self, soql: &str) -> Result<serde_json::Value> {
        let q: String = url::form_urlencoded::byte_serialize(soql.as_bytes()).collect();
        self.get(&format!("/tooling/query?q={q}")).await
    }

    /// Revokes the refresh token (and with it the sessions), as done on disconnect.
    pub async fn revoke(&self) -> Result<()> {
        let [_, refresh_name, secret_name] = secret_names(&self.connection_id);
        let Some(token) = self.vault.get(&refresh_name)? else { return Ok(()) };
        let revocation = Revocation {
            login_url: self.settings.login_url.clone(),
            client_id: self.settings.client_id.clone(),
            client_secret: self.vault.get(&secret_name)?,
            token: StandardRevocableToken::RefreshToken(RefreshToken::new(token.expose_secret().to_owned())),
        };
        revocation.send(&self.http).await
    }
}

/// What it takes to end a Salesforce sign-in at Salesforce, read before the connection's secrets
/// are deleted and held in memory only (the token types do not print their values).
pub struct Revocation {
    login_url: String,
    client_id: String,
    client_secret: Option<SecretString>,
    token: StandardRevocableToken,
}

impl Revocation {
    /// Reads the login URL, the connected app and the refresh token (or, without one, the
    /// access token) of a live Salesforce connection; `None` when nothing is stored to revoke.
    /// Sends nothing.
    pub fn read(ws: &Workspace, vault: &Vault, connection_id: &str) -> Result<Option<Self>> {
        let settings: Option<String> = ws.store().read(|c| {
            Ok(c.query_row(
                "SELECT settings FROM connections WHERE id = ?1 AND kind = 'salesforce' AND disconnected_at IS NULL",
                [connection_id],
                |r| r.get(0),
            )
            .optional()?)
        })?;
        let Some(settings) = settings else { return Ok(None) };
        let settings: SalesforceSettings = serde_json::from_str(&settings)?;
        let [access_name, refresh_name, secret_name] = secret_names(connection_id);
        let token = match vault.get(&refresh_name)? {
            Some(refresh) => {
                StandardRevocableToken::RefreshToken(RefreshToken::new(refresh.expose_secret().to_owned()))
            }
            None => match vault.get(&access_name)? {
                Some(access) => {
                    StandardRevocableToken::AccessToken(AccessToken::new(access.expose_secret().to_owned()))
                }
                None => return Ok(None),
            },
        };
        Ok(Some(Self {
            login_url: settings.login_url,
            client_id: settings.client_id,
            client_secret: vault.get(&secret_name)?,
            token,
        }))
    }

    /// Revokes the token at Salesforce (RFC 7009), which ends the sign-in's sessions. An HTTP
    /// 400 means the token is already invalid, which is the goal.
    pub async fn send(self, http: &Http) -> Result<()> {
        let (url, plain) = oauth::revocation_url(&format!("{}/services/oauth2/revoke", self.login_url))?;
        let client = oauth::client::<SalesforceTokenFields>(&self.client_id, self.client_secret.as_ref())
            .set_revocation_url(url);
        let request = client
            .revoke_token(self.token)
            .map_err(|e| Error::internal(msg!("oauth-request-not-sent")).caused_by(e))?;
        let transport =
            OAuthHttp::new(http, msg!("http-what-revoking-sign-in", system = "Salesforce")).plain_loopback(plain);
        let Err(err) = request.request_async(&transport).await else { return Ok(()) };
        match transport.refusal(err) {
            Refusal::Transport(err) => Err(err),
            Refusal::Unreadable => Ok(()),
            Refusal::Refused { status, .. } => match status.map(|s| s.as_u16()) {
                Some(400) => Ok(()),
                status => Err(Error::new(
                    ErrorCode::BadResponse,
                    msg!("salesforce-revocation-refused", status = status.unwrap_or_default()),
                )),
            },
        }
    }

    /// Revokes with a client of Salesforce's default budget.
    pub async fn send_default(self) -> Result<()> {
        let http = Http::new("Salesforce", default_budget(), RetryPolicy::default())?;
        self.send(&http).await
    }
}

async fn judge_rest(response: reqwest::Response) -> Outcome<serde_json::Value> {
    let status = response.status();
    if status.as_u16() == 401 {
        return Outcome::Refresh;
    }
    if status.as_u16() == 429 || status.as_u16() == 503 || status.is_server_error() {
        return Outcome::Retry { after: retry_after(&response), reason: Text::verbatim(format!("HTTP {status}")) };
    }
    let Ok(text) = response.text().await else {
        return Outcome::Retry { after: None, reason: msg!("http-reason-cut-off") };
    };
    let Ok(value) = serde_json::from_str::<serde_json::Value>(&text) else {
        return Outcome::Retry { after: None, reason: msg!("http-reason-not-json") };
    };
    if status.is_success() {
        return Outcome::Done(value);
    }
    // Salesforce errors are a JSON array of {message, errorCode}.
    let first = &value[0];
    let code = first["errorCode"].as_str().unwrap_or("UNKNOWN");
    let message = first["message"].as_str().unwrap_or("");
    // The vendor's code goes along in `details` so callers can branch on it, not on the text.
    let details = serde_json::json!({ "system": "salesforce", "error_code": code, "http_status": status.as_u16() });
    let error = match code {
        "REQUEST_LIMIT_EXCEEDED" => Error::new(ErrorCode::QuotaExceeded, msg!("salesforce-quota-used-up")),
        "INSUFFICIENT_ACCESS" | "API_DISABLED_FOR_ORG" | "INSUFFICIENT_ACCESS_OR_READONLY" => {
            Error::new(ErrorCode::Forbidden, msg!("salesforce-access-denied", code = code, message = message))
        }
        _ => Error::new(ErrorCode::BadResponse, msg!("salesforce-answered", code = code, message = message)),
    };
    Outcome::Fail(error.with_details(details))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login_hosts() {
        assert_eq!(login_url("production").unwrap(), "https://login.salesforce.com");
        assert_eq!(login_url("Sandbox").unwrap(), "https://test.salesforce.com");
        assert_eq!(login_url("https://acme.my.salesforce.com/some/path").unwrap(), "https://acme.my.salesforce.com");
        assert!(login_url("acme").is_err());
    }
}
