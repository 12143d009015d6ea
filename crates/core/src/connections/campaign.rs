//! Adobe Campaign Standard: server-to-server client credentials from Adobe IMS, the
//! `X-Api-Key` header, checked by reading one profile.

use std::sync::Arc;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::ownership::{self, NewConnection};
use super::{ConnectionKind, ConnectionSummary};
use crate::http::{Budget, Http, Outcome, RetryPolicy, retry_after};
use crate::i18n::Text;
use crate::vault::Vault;
use crate::{Error, ErrorCode, Result, Workspace, msg};

/// Non-secret settings of an Adobe Campaign connection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct CampaignSettings {
    /// `https://mc.adobe.io` in production.
    pub base_url: String,
    /// `https://ims-na1.adobelogin.com` in production.
    pub ims_url: String,
    /// The tenant ID in API paths (`{base_url}/{org_id}/campaign/…`).
    pub org_id: String,
    pub client_id: String,
    /// The calls a minute this instance's licence allows Liaison (Adobe publishes no general
    /// limit); [`DEFAULT_CALLS_PER_MINUTE`] when not given.
    #[serde(default)]
    pub calls_per_minute: Option<u32>,
}

impl CampaignSettings {
    /// The calls a minute Liaison keeps to on this instance.
    pub fn calls_per_minute(&self) -> u32 {
        self.calls_per_minute.unwrap_or(DEFAULT_CALLS_PER_MINUTE)
    }
}

/// What the admin enters to connect Adobe Campaign.
#[derive(Debug, Clone, Deserialize, TS)]
pub struct ConnectCampaign {
    pub display_name: String,
    pub base_url: String,
    pub ims_url: String,
    pub org_id: String,
    pub client_id: String,
    pub is_sandbox: bool,
    /// The calls a minute the licence allows; empty for [`DEFAULT_CALLS_PER_MINUTE`].
    #[serde(default)]
    pub calls_per_minute: Option<u32>,
}

/// Adobe does not publish Campaign Standard's rate limits ("scale limitations corresponding to
/// your license agreement"): without the admin's figure, Liaison stays modest.
pub const DEFAULT_CALLS_PER_MINUTE: u32 = 600;
/// The range an admin may give (a minute of Campaign calls at most ten at once).
pub const CALLS_PER_MINUTE_RANGE: std::ops::RangeInclusive<u32> = 60..=20_000;
/// Campaign calls in flight at once.
const CONCURRENCY: usize = 10;

fn budget_of(calls_per_minute: u32, minute: Duration) -> Arc<Budget> {
    Budget::new("Adobe Campaign", CONCURRENCY, calls_per_minute as usize, minute)
}

/// A budget for one client on its own (checking credentials before a connection exists).
pub fn default_budget() -> Arc<Budget> {
    budget_of(DEFAULT_CALLS_PER_MINUTE, Duration::from_secs(60))
}

impl crate::http::Remotes {
    /// The budget every client of the Campaign instance of `settings` shares, at the calls a
    /// minute its connection was given.
    pub fn campaign_budget(&self, settings: &CampaignSettings) -> Arc<Budget> {
        let key = campaign_key(&settings.base_url, &settings.org_id);
        self.budget(&key, || budget_of(settings.calls_per_minute(), Duration::from_secs(60)))
    }

    /// Keeps a Campaign budget of `calls_per_minute` in the time of an instance whose clock runs
    /// `scale` times faster than ours (the built-in sandbox under time scaling).
    pub fn use_campaign_time_scale(&self, base_url: &str, org_id: &str, calls_per_minute: u32, scale: f64) {
        let minute = Duration::from_secs_f64(60.0 / scale.max(1.0));
        self.set_budget(&campaign_key(base_url, org_id), budget_of(calls_per_minute, minute));
    }
}

fn campaign_key(base_url: &str, org_id: &str) -> String {
    format!("campaign:{}/{org_id}", base_url.trim_end_matches('/'))
}

/// `what` names the address in the message ("API address", "IMS address").
fn origin(input: &str, default: &str, what: Text) -> Result<String> {
    let input = match input.trim() {
        "" => default,
        other => other,
    };
    let url = url::Url::parse(input)
        .map_err(|_| Error::invalid_input(msg!("connection-not-a-valid", input = input, what = what)))?;
    crate::http::require_secure(&url, input)?;
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

/// The vault name of a Campaign connection's client secret.
pub fn secret_name(connection_id: &str) -> String {
    format!("connection.{connection_id}.client_secret")
}

/// A Campaign Standard client with an IMS token.
pub struct CampaignClient {
    settings: CampaignSettings,
    secret: SecretString,
    http: Http,
    token: tokio::sync::Mutex<Option<SecretString>>,
}

impl CampaignClient {
    /// A client for `settings` with its secret, on a budget of its own.
    pub fn new(settings: CampaignSettings, secret: SecretString) -> Result<Self> {
        Self::with_budget(settings, secret, default_budget())
    }

    fn with_budget(settings: CampaignSettings, secret: SecretString, budget: Arc<Budget>) -> Result<Self> {
        Ok(Self {
            settings,
            secret,
            http: Http::new("Adobe Campaign", budget, RetryPolicy::default())?,
            token: Default::default(),
        })
    }

    async fn token(&self) -> Result<SecretString> {
        let mut cached = self.token.lock().await;
        if let Some(t) = cached.as_ref() {
            return Ok(t.clone());
        }
        let url = format!("{}/ims/token/v3", self.settings.ims_url);
        let body: serde_json::Value = self
            .http
            .execute(
                msg!("http-what-ims-token"),
                || {
                    self.http.client().post(&url).form(&[
                        ("grant_type", "client_credentials"),
                        ("client_id", self.settings.client_id.as_str()),
                        ("client_secret", self.secret.expose_secret()),
                        ("scope", "openid,AdobeID,campaign_sdk,additional_info.projectedProductContext"),
                    ])
                },
                |response| async move {
                    let status = response.status();
                    if status.is_server_error() || status.as_u16() == 429 {
                        return Outcome::Retry {
                            after: retry_after(&response),
                            reason: Text::verbatim(format!("HTTP {status}")),
                        };
                    }
                    if matches!(status.as_u16(), 400 | 401) {
                        return Outcome::Fail(Error::new(
                            ErrorCode::Unauthorized,
                            msg!("campaign-credentials-rejected"),
                        ));
                    }
                    match response.json::<serde_json::Value>().await {
                        Ok(v) if v["access_token"].is_string() => Outcome::Done(v),
                        _ => Outcome::Fail(Error::new(ErrorCode::BadResponse, msg!("campaign-ims-unreadable"))),
                    }
                },
                || async { Ok(()) },
            )
            .await?;
        let token = SecretString::from(body["access_token"].as_str().unwrap_or_default().to_owned());
        *cached = Some(token.clone());
        Ok(token)
    }

    /// The client of the live Campaign connection `connection_id`, with its secret from `vault`.
    pub fn load(ws: &Workspace, vault: &Vault, connection_id: &str) -> Result<Self> {
        let settings: Option<String> = ws.store().read(|c| {
            use rusqlite::OptionalExtension;
            Ok(c.query_row(
                "SELECT settings FROM connections WHERE id = ?1 AND kind = 'campaign' AND disconnected_at IS NULL",
                [connection_id],
                |r| r.get(0),
            )
            .optional()?)
        })?;
        let settings = settings
            .ok_or_else(|| Error::not_found(msg!("campaign-connection-not-found", connection = connection_id)))?;
        let secret = vault
            .get(&secret_name(connection_id))?
            .ok_or_else(|| Error::new(ErrorCode::Unauthorized, msg!("health-campaign-no-secret")))?;
        let settings: CampaignSettings = serde_json::from_str(&settings)?;
        let budget = ws.remotes().campaign_budget(&settings);
        Self::with_budget(settings, secret, budget)
    }

    /// The URL of a path under `{base_url}/{org_id}/campaign/`.
    fn url(&self, path: &str) -> String {
        format!("{}/{}/campaign/{path}", self.settings.base_url, self.settings.org_id)
    }

    /// Calls sent by this client so far (a run reads the difference).
    pub fn calls(&self) -> u64 {
        self.http.budget().calls()
    }

    /// GETs a path under `{base_url}/{org_id}/campaign/`.
    pub async fn get(&self, path: &str) -> Result<serde_json::Value> {
        self.send(reqwest::Method::GET, &self.url(path), None, true).await
    }

    /// GETs a URL Campaign handed out (a `next.href`), verbatim; refused unless it is the
    /// connection's own API (a token is never sent elsewhere).
    pub async fn get_url(&self, url: &str) -> Result<serde_json::Value> {
        let own = format!("{}/{}/campaign/", self.settings.base_url, self.settings.org_id);
        if !url.starts_with(&own) {
            return Err(Error::new(ErrorCode::BadResponse, msg!("campaign-foreign-link", url = url)));
        }
        self.send(reqwest::Method::GET, url, None, true).await
    }

    /// POSTs a new record under a path (a profile): sent once. An answer that leaves the outcome
    /// unknown (a server error, a timeout) comes back as an error marked uncertain
    /// ([`crate::http::is_uncertain`]), for the caller to settle by looking the record up.
    pub async fn post(&self, path: &str, body: &serde_json::Value) -> Result<serde_json::Value> {
        let url = self.url(path);
        let mut refusals = 0u32;
        loop {
            match self.send(reqwest::Method::POST, &url, Some(body), false).await {
                // A 429 means the request was not taken: waiting and sending again is safe.
                Err(err) if refusals < RATE_LIMITED_RESENDS => {
                    let Some(wait) = rate_limited(&err) else { return Err(err) };
                    refusals += 1;
                    let backoff = Duration::from_millis(250 * 2u64.pow(refusals.min(7)));
                    tokio::time::sleep(wait.max(backoff).min(Duration::from_secs(300))).await;
                }
                other => return other,
            }
        }
    }

    /// PATCHes a record (`profileAndServicesExt/profile/<PKey>`): writing the same values twice
    /// does no harm, so it is retried like a read.
    pub async fn patch(&self, path: &str, body: &serde_json::Value) -> Result<serde_json::Value> {
        self.send(reqwest::Method::PATCH, &self.url(path), Some(body), true).await
    }

    /// DELETEs a record (`profileAndServicesExt/cusProductInterest/<PKey>`): deleting twice
    /// answers 404 the second time, so it is retried like a read.
    pub async fn delete(&self, path: &str) -> Result<serde_json::Value> {
        self.send(reqwest::Method::DELETE, &self.url(path), None, true).await
    }

    async fn send(
        &self,
        method: reqwest::Method,
        url: &str,
        body: Option<&serde_json::Value>,
        repeatable: bool,
    ) -> Result<serde_json::Value> {
        let token = std::sync::Mutex::new(self.token().await?);
        let build = || {
            let token = token.lock().unwrap_or_else(|p| p.into_inner()).clone();
            let request = self
                .http
                .client()
                .request(method.clone(), url)
                .bearer_auth(token.expose_secret())
                .header("X-Api-Key", &self.settings.client_id)
                .header("Cache-Control", "no-cache");
            match body {
                Some(b) => request.json(b),
                None => request,
            }
        };
        let judge = |response: reqwest::Response| async move {
            let status = response.status();
            if status.as_u16() == 401 {
                return Outcome::Refresh;
            }
            if status.as_u16() == 429 && !repeatable {
                let after = retry_after(&response).unwrap_or_default();
                return Outcome::Fail(
                    Error::new(
                        ErrorCode::Unavailable,
                        msg!(
                            "campaign-answered",
                            status = status.to_string(),
                            message = Text::verbatim("Too many requests")
                        ),
                    )
                    .with_details(
                        serde_json::json!({ "rate_limited": true, "retry_after_ms": after.as_millis() as u64 }),
                    ),
                );
            }
            if status.as_u16() == 429 || status.is_server_error() {
                return Outcome::Retry {
                    after: retry_after(&response),
                    reason: Text::verbatim(format!("HTTP {status}")),
                };
            }
            let text = match response.text().await {
                Ok(t) => t,
                Err(_) => return Outcome::Retry { after: None, reason: msg!("http-reason-download-cut-off") },
            };
            let body: serde_json::Value = match serde_json::from_str(&text) {
                Ok(v) => v,
                // A DELETE or a PATCH may answer with no body.
                Err(_) if status.is_success() && text.trim().is_empty() => serde_json::Value::Null,
                Err(_) if status.is_success() => {
                    return Outcome::Retry { after: None, reason: msg!("http-reason-not-json") };
                }
                Err(_) => serde_json::Value::Null,
            };
            if status.is_success() {
                return Outcome::Done(body);
            }
            let message = match body["error_message"].as_str().or(body["message"].as_str()) {
                Some(m) => Text::verbatim(m),
                None => msg!("campaign-unknown-error"),
            };
            let code = match status.as_u16() {
                403 => ErrorCode::Forbidden,
                404 => ErrorCode::NotFound,
                _ => ErrorCode::BadResponse,
            };
            let vendor = body["message"].as_str().unwrap_or_default().to_owned();
            Outcome::Fail(
                Error::new(code, msg!("campaign-answered", status = status.to_string(), message = message))
                    .with_details(serde_json::json!({ "http_status": status.as_u16(), "campaign_message": vendor })),
            )
        };
        let refresh = || async {
            *self.token.lock().await = None;
            *token.lock().unwrap_or_else(|p| p.into_inner()) = self.token().await?;
            Ok(())
        };
        let what = msg!("http-what-calling-campaign");
        if repeatable {
            self.http.execute(what, build, judge, refresh).await
        } else {
            self.http.execute_once(what, build, judge, refresh).await
        }
    }
}

/// How often a create refused with 429 (not taken) is sent again before the run gives up.
const RATE_LIMITED_RESENDS: u32 = 10;

/// The wait Campaign asked for when it refused a request with 429, if it did.
fn rate_limited(err: &Error) -> Option<Duration> {
    let details = err.details.as_ref()?;
    (details["rate_limited"] == true).then(|| Duration::from_millis(details["retry_after_ms"].as_u64().unwrap_or(0)))
}

/// Connects Adobe Campaign: proves the credentials by reading one profile, then stores the
/// connection and its secret together (several per workspace are allowed).
pub async fn connect(
    ws: &Workspace,
    vault: &Vault,
    request: ConnectCampaign,
    secret: SecretString,
) -> Result<ConnectionSummary> {
    let verdict = ownership::connect_permission(ws, ConnectionKind::Campaign)?;
    if !verdict.allowed {
        return Err(Error::new(ErrorCode::Forbidden, verdict.reason.unwrap_or_default()));
    }
    let (org_id, client_id) = (request.org_id.trim().to_owned(), request.client_id.trim().to_owned());
    if org_id.is_empty() || client_id.is_empty() || secret.expose_secret().trim().is_empty() {
        return Err(Error::invalid_input(msg!("campaign-credentials-required")));
    }
    if let Some(n) = request.calls_per_minute.filter(|n| !CALLS_PER_MINUTE_RANGE.contains(n)) {
        return Err(Error::invalid_input(msg!(
            "campaign-calls-per-minute-out-of-range",
            value = n,
            min = *CALLS_PER_MINUTE_RANGE.start(),
            max = *CALLS_PER_MINUTE_RANGE.end()
        )));
    }
    let settings = CampaignSettings {
        base_url: origin(&request.base_url, "https://mc.adobe.io", msg!("campaign-what-api-address"))?,
        ims_url: origin(&request.ims_url, "https://ims-na1.adobelogin.com", msg!("campaign-what-ims-address"))?,
        org_id,
        client_id,
        calls_per_minute: request.calls_per_minute,
    };
    let client = CampaignClient::new(settings.clone(), secret.clone())?;
    client.get("profileAndServices/profile?_lineCount=1").await?;
    let display_name = match request.display_name.trim() {
        "" => "Adobe Campaign".to_owned(),
        name => name.to_owned(),
    };
    ownership::save(
        ws,
        vault,
        &NewConnection {
            kind: ConnectionKind::Campaign,
            display_name,
            settings: serde_json::to_value(&settings)?,
            is_sandbox: request.is_sandbox,
        },
        &[("client_secret", Some(&secret))],
    )
}
