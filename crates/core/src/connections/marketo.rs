//! Marketo Engage: client-credentials token from the identity endpoint, the REST envelope
//! (`success:false` with 6xx codes on HTTP 200), and connecting a Marketo instance.

use std::sync::Arc;
use std::time::{Duration, Instant};

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::ConnectionKind;
use super::ownership::{self, NewConnection};
use crate::http::{Budget, Http, Outcome, Remotes, RetryPolicy, TokenKey, retry_after};
use crate::i18n::Text;
use crate::vault::Vault;
use crate::{Error, ErrorCode, Result, Workspace, msg};

/// Non-secret settings of a Marketo connection, stored with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct MarketoSettings {
    /// `https://<munchkin>.mktorest.com` (the REST endpoint without `/rest`).
    pub base_url: String,
    pub client_id: String,
}

/// What the admin enters to connect Marketo.
#[derive(Debug, Clone, Deserialize, TS)]
pub struct ConnectMarketo {
    pub display_name: String,
    /// The REST endpoint, the identity endpoint, or just the Munchkin ID.
    pub base_url: String,
    pub client_id: String,
    pub is_sandbox: bool,
}

/// One field of the lead database (describe).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct LeadField {
    pub name: String,
    pub display_name: String,
    pub data_type: String,
}

/// Marketo's limits for one subscription: 10 calls in flight, 100 calls per 20 s (with a small
/// margin for clock skew between Liaison and Marketo).
pub fn default_budget() -> Arc<Budget> {
    Budget::new("Marketo", 10, 98, Duration::from_secs(20))
}

impl Remotes {
    /// The budget every client of the subscription at `base_url` shares.
    pub fn marketo_budget(&self, base_url: &str) -> Arc<Budget> {
        self.budget(&format!("marketo:{base_url}"), default_budget)
    }

    /// Keeps Marketo's limits for an instance whose clock runs `scale` times faster than ours
    /// (the sandbox under time scaling): 100 calls per 20 of its seconds, 10 at once.
    pub fn use_marketo_time_scale(&self, base_url: &str, scale: f64) {
        let window = Duration::from_secs_f64(20.0 / scale.max(1.0));
        self.set_budget(&format!("marketo:{base_url}"), Budget::new("Marketo", 10, 98, window));
    }
}

/// Turns what the admin typed into the base URL: a Munchkin ID (`123-ABC-456`) becomes
/// `https://123-ABC-456.mktorest.com`; `/rest` and `/identity` suffixes are removed.
pub fn base_url(input: &str) -> Result<String> {
    let input = input.trim().trim_end_matches('/');
    let munchkin = regex::Regex::new(r"^\d{3}-[A-Za-z]{3}-\d{3}$").expect("valid regex");
    if munchkin.is_match(input) {
        return Ok(format!("https://{}.mktorest.com", input.to_ascii_uppercase()));
    }
    let mut url =
        url::Url::parse(input).map_err(|_| Error::invalid_input(msg!("marketo-not-an-address", input = input)))?;
    crate::http::require_secure(&url, input)?;
    let path = url.path().trim_end_matches('/').to_owned();
    let trimmed = path.strip_suffix("/rest").or_else(|| path.strip_suffix("/identity")).unwrap_or(&path).to_owned();
    url.set_path(&trimmed);
    url.set_query(None);
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

/// A Marketo REST client with a cached access token.
pub struct MarketoClient {
    settings: MarketoSettings,
    secret: SecretString,
    http: Http,
    /// Marketo hands out the same token until it expires, so every client and job of the
    /// workspace with the same credentials reuses one, kept here.
    remotes: Arc<Remotes>,
    /// Serialises token fetches of this client.
    fetching: tokio::sync::Mutex<()>,
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    expires_in: u64,
}

#[derive(Deserialize)]
struct Envelope {
    success: bool,
    #[serde(default)]
    errors: Vec<ApiError>,
}

#[derive(Deserialize)]
struct ApiError {
    code: serde_json::Value,
    #[serde(default)]
    message: String,
}

impl MarketoClient {
    /// A client for `settings` with its secret, within the instance's budget in `remotes`.
    pub fn new(remotes: Arc<Remotes>, settings: MarketoSettings, secret: SecretString) -> Result<Self> {
        let budget = remotes.marketo_budget(&settings.base_url);
        Ok(Self {
            settings,
            secret,
            http: Http::new("Marketo", budget, RetryPolicy::default())?,
            remotes,
            fetching: Default::default(),
        })
    }

    /// A client for a stored Marketo connection.
    pub fn load(ws: &Workspace, vault: &Vault, connection_id: &str) -> Result<Self> {
        let settings: String = ws.store().read(|c| {
            Ok(c.query_row(
                "SELECT settings FROM connections WHERE id = ?1 AND kind = 'marketo' AND disconnected_at IS NULL",
                [connection_id],
                |r| r.get(0),
            )?)
        })?;
        let settings: MarketoSettings = serde_json::from_str(&settings)?;
        let secret = vault
            .get(&secret_name(connection_id))?
            .ok_or_else(|| Error::new(ErrorCode::Unauthorized, msg!("marketo-no-client-secret")))?;
        Self::new(ws.remotes().clone(), settings, secret)
    }

    fn cache_key(&self) -> TokenKey {
        use sha2::Digest;
        let secret = sha2::Sha256::digest(self.secret.expose_secret().as_bytes()).into();
        (self.settings.base_url.clone(), self.settings.client_id.clone(), secret)
    }

    /// The current access token, fetched when missing or about to expire. Marketo returns the
    /// same token until it expires, so one cached token serves every job.
    async fn token(&self) -> Result<SecretString> {
        let _one_fetch = self.fetching.lock().await;
        if let Some(token) = self.remotes.token(&self.cache_key()) {
            return Ok(token);
        }
        let url = format!("{}/identity/oauth/token", self.settings.base_url);
        let fresh: TokenResponse = self
            .http
            .execute(
                msg!("http-what-marketo-token"),
                || {
                    // Credentials go in a form body, never in the URL (URLs end up in logs).
                    self.http.client().post(&url).form(&[
                        ("grant_type", "client_credentials"),
                        ("client_id", self.settings.client_id.as_str()),
                        ("client_secret", self.secret.expose_secret()),
                    ])
                },
                |response| async move { judge_token(response).await },
                || async { Ok(()) },
            )
            .await?;
        // Renew a minute early so a token never expires mid-call.
        let valid_for = Duration::from_secs(fresh.expires_in.saturating_sub(60).max(1));
        let token = SecretString::from(fresh.access_token);
        self.remotes.keep_token(self.cache_key(), token.clone(), Instant::now() + valid_for);
        Ok(token)
    }

    async fn forget_token(&self) -> Result<()> {
        self.remotes.forget_token(&self.cache_key());
        Ok(())
    }

    /// Sends an authorised request (`build` adds the method, URL and body), judges the answer
    /// with `judge`, and renews the token on 601/602 or HTTP 401.
    async fn authorized<T, B, J, JF>(&self, what: Text, build: B, judge: J) -> Result<T>
    where
        B: Fn(&reqwest::Client) -> reqwest::RequestBuilder,
        J: Fn(reqwest::Response) -> JF,
        JF: std::future::Future<Output = Outcome<T>>,
    {
        let token = std::sync::Mutex::new(self.token().await?);
        self.http
            .execute(
                what,
                || {
                    let token = token.lock().unwrap_or_else(|p| p.into_inner()).clone();
                    build(self.http.client()).bearer_auth(token.expose_secret())
                },
                judge,
                || async {
                    self.forget_token().await?;
                    *token.lock().unwrap_or_else(|p| p.into_inner()) = self.token().await?;
                    Ok(())
                },
            )
            .await
    }

    /// GETs a REST path (e.g. `/rest/v1/leads/describe.json`) and returns the envelope's JSON.
    pub async fn get(&self, path: &str, query: &[(&str, &str)]) -> Result<serde_json::Value> {
        let url = format!("{}{path}", self.settings.base_url);
        self.authorized(
            msg!("http-what-calling", system = "Marketo", path = path),
            |c| c.get(&url).query(query),
            |response| async move { judge_envelope(response).await },
        )
        .await
    }

    /// GETs a REST path whose query may be too long for Marketo's 8 KB URL (a `filterValues` of
    /// 300 emails) through Marketo's documented way round `414`: a POST with `_method=GET` in the
    /// URL and the query as a form body. It reads like a GET and counts as one call.
    pub async fn get_long(&self, path: &str, query: &[(&str, &str)]) -> Result<serde_json::Value> {
        let url = format!("{}{path}", self.settings.base_url);
        self.authorized(
            msg!("http-what-calling", system = "Marketo", path = path),
            |c| c.post(&url).query(&[("_method", "GET")]).form(query),
            |response| async move { judge_envelope(response).await },
        )
        .await
    }

    /// POSTs a JSON body (or none) to a REST or bulk path and returns the envelope's JSON.
    pub async fn post(&self, path: &str, body: Option<&serde_json::Value>) -> Result<serde_json::Value> {
        let url = format!("{}{path}", self.settings.base_url);
        let build = |c: &reqwest::Client| match body {
            Some(body) => c.post(&url).json(body),
            None => c.post(&url),
        };
        self.authorized(msg!("http-what-calling", system = "Marketo", path = path), build, |response| async move {
            judge_envelope(response).await
        })
        .await
    }

    /// Uploads a file as `multipart/form-data` (the bulk import: form field `file`, part type
    /// `text/csv`), with query parameters. The file is sent again as it is on a retry.
    pub async fn post_file(
        &self,
        path: &str,
        query: &[(&str, &str)],
        file_name: &str,
        data: &[u8],
    ) -> Result<serde_json::Value> {
        let url = format!("{}{path}", self.settings.base_url);
        let build = |c: &reqwest::Client| {
            let part = reqwest::multipart::Part::bytes(data.to_vec()).file_name(file_name.to_owned());
            let part = match part.mime_str("text/csv") {
                Ok(part) => part,
                Err(_) => reqwest::multipart::Part::bytes(data.to_vec()).file_name(file_name.to_owned()),
            };
            c.post(&url).query(query).multipart(reqwest::multipart::Form::new().part("file", part))
        };
        self.authorized(msg!("http-what-uploading", system = "Marketo", path = path), build, |response| async move {
            judge_envelope(response).await
        })
        .await
    }

    /// GETs a file (a bulk extract's CSV). Errors come back as the JSON envelope instead.
    pub async fn get_file(&self, path: &str) -> Result<String> {
        let url = format!("{}{path}", self.settings.base_url);
        self.authorized(
            msg!("http-what-downloading", system = "Marketo", path = path),
            |c| c.get(&url),
            |response| async move {
                let is_json = response
                    .headers()
                    .get(reqwest::header::CONTENT_TYPE)
                    .and_then(|v| v.to_str().ok())
                    .is_some_and(|v| v.to_ascii_lowercase().contains("json"));
                if response.status().as_u16() != 200 || is_json {
                    return match judge_envelope(response).await {
                        Outcome::Done(_) => Outcome::Fail(bad_response(msg!("marketo-what-file-was-json"))),
                        Outcome::Retry { after, reason } => Outcome::Retry { after, reason },
                        Outcome::Refresh => Outcome::Refresh,
                        Outcome::Fail(e) => Outcome::Fail(e),
                    };
                }
                match response.text().await {
                    Ok(text) => Outcome::Done(text),
                    Err(_) => Outcome::Retry { after: None, reason: msg!("http-reason-download-cut-off") },
                }
            },
        )
        .await
    }

    /// The instance's base URL (`https://<munchkin>.mktorest.com`).
    pub fn base_url(&self) -> &str {
        &self.settings.base_url
    }

    /// The HTTP layer (its budget counts calls; it knows Marketo's clock).
    pub fn http(&self) -> &Http {
        &self.http
    }

    /// Learns Marketo's current time without spending API quota: the identity endpoint's
    /// `Date` header (token calls do not count against the daily quota).
    pub async fn probe_server_time(&self) -> Result<time::OffsetDateTime> {
        self.forget_token().await?;
        self.token().await?;
        self.http.server_now().ok_or_else(|| bad_response(msg!("marketo-what-no-date-header")))
    }

    /// The lead database's fields.
    pub async fn describe(&self) -> Result<Vec<LeadField>> {
        let body = self.get("/rest/v1/leads/describe.json", &[]).await?;
        let fields = body["result"].as_array().ok_or_else(|| bad_response(msg!("marketo-what-describe-no-list")))?;
        Ok(fields
            .iter()
            .filter_map(|f| {
                Some(LeadField {
                    name: f["rest"]["name"].as_str()?.to_owned(),
                    display_name: f["displayName"].as_str().unwrap_or_default().to_owned(),
                    data_type: f["dataType"].as_str().unwrap_or_default().to_owned(),
                })
            })
            .collect())
    }

    /// API calls used today (`stats/usage`).
    pub async fn calls_today(&self) -> Result<u64> {
        let body = self.get("/rest/v1/stats/usage.json", &[]).await?;
        Ok(body["result"]
            .as_array()
            .map(|days| days.iter().filter_map(|d| d["total"].as_u64()).sum())
            .unwrap_or_default())
    }
}

/// A Marketo user (User Management API), with the roles it holds per workspace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct MarketoUser {
    /// The sign-in id (an email-shaped string; may differ from the email address).
    pub userid: String,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    /// An API-only user of a custom service: it never signs in.
    pub api_only: bool,
}

/// One role a Marketo user holds in one workspace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct MarketoUserRole {
    pub role_id: i64,
    pub role_name: String,
    pub workspace_id: i64,
    pub workspace_name: String,
}

impl MarketoUserRole {
    /// Marketo's built-in Admin role (id 1, named "Admin").
    pub fn is_admin(&self) -> bool {
        self.role_id == 1 || self.role_name.eq_ignore_ascii_case("Admin")
    }
}

/// Users per page of `allusers.json` (Marketo's maximum).
const USERS_PAGE: usize = 200;

impl MarketoClient {
    /// GETs a User Management path (`/userservice/management/v1/…`): these answer with bare
    /// JSON on HTTP 200 and with an HTTP error status plus the `errors` array otherwise.
    async fn get_user_management(&self, path: &str, query: &[(&str, &str)]) -> Result<serde_json::Value> {
        let url = format!("{}{path}", self.settings.base_url);
        self.authorized(
            msg!("http-what-calling", system = "Marketo", path = path),
            |c| c.get(&url).query(query),
            |response| async move { judge_user_management(response).await },
        )
        .await
    }

    /// Every Marketo user, paged through `allusers.json`.
    pub async fn users(&self) -> Result<Vec<MarketoUser>> {
        let mut out = Vec::new();
        loop {
            let offset = out.len().to_string();
            let size = USERS_PAGE.to_string();
            let page = self
                .get_user_management(
                    "/userservice/management/v1/users/allusers.json",
                    &[("pageOffset", &offset), ("pageSize", &size)],
                )
                .await?;
            let items = page.as_array().ok_or_else(|| bad_response(msg!("marketo-what-users-no-list")))?;
            let text = |v: &serde_json::Value, key: &str| v[key].as_str().unwrap_or_default().trim().to_owned();
            for item in items {
                let userid = text(item, "userid");
                if userid.is_empty() {
                    return Err(bad_response(msg!("marketo-what-users-no-list")));
                }
                out.push(MarketoUser {
                    email: Some(text(item, "emailAddress")).filter(|e| !e.is_empty()).unwrap_or_else(|| userid.clone()),
                    userid,
                    first_name: text(item, "firstName"),
                    last_name: text(item, "lastName"),
                    api_only: item["apiOnly"].as_bool().unwrap_or(false),
                });
            }
            if items.len() < USERS_PAGE {
                return Ok(out);
            }
        }
    }

    /// The roles and workspaces of one user (`{userid}/roles.json`).
    pub async fn user_roles(&self, userid: &str) -> Result<Vec<MarketoUserRole>> {
        let path = format!("/userservice/management/v1/users/{}/roles.json", urlencoding(userid));
        let body = self.get_user_management(&path, &[]).await?;
        let items = body.as_array().ok_or_else(|| bad_response(msg!("marketo-what-roles-no-list")))?;
        Ok(items
            .iter()
            .map(|r| MarketoUserRole {
                role_id: r["accessRoleId"].as_i64().unwrap_or_default(),
                role_name: r["accessRoleName"].as_str().unwrap_or_default().to_owned(),
                workspace_id: r["workspaceId"].as_i64().unwrap_or_default(),
                workspace_name: r["workspaceName"].as_str().unwrap_or_default().to_owned(),
            })
            .collect())
    }
}

/// A user id as one path segment (it may hold characters a path cannot).
fn urlencoding(segment: &str) -> String {
    url::form_urlencoded::byte_serialize(segment.as_bytes()).collect::<String>().replace("%40", "@")
}

async fn judge_user_management(response: reqwest::Response) -> Outcome<serde_json::Value> {
    let status = response.status();
    let Ok(text) = response.text().await else {
        return Outcome::Retry { after: None, reason: msg!("http-reason-cut-off") };
    };
    let value = serde_json::from_str::<serde_json::Value>(&text);
    if status.as_u16() == 200 {
        return match value {
            Ok(v) => Outcome::Done(v),
            Err(_) => Outcome::Retry { after: None, reason: msg!("http-reason-not-json") },
        };
    }
    let (code, message) = value
        .ok()
        .and_then(|v| {
            let e = v["errors"].get(0)?.clone();
            Some((
                e["code"].as_str().map(str::to_owned).unwrap_or_else(|| e["code"].to_string()),
                e["message"].as_str().unwrap_or_default().to_owned(),
            ))
        })
        .unwrap_or_default();
    match status.as_u16() {
        401 => Outcome::Refresh,
        403 => Outcome::Fail(
            Error::new(ErrorCode::Forbidden, msg!("marketo-user-management-forbidden"))
                .with_details(serde_json::json!({ "system": "marketo", "marketo_code": code })),
        ),
        429 => Outcome::Retry { after: Some(Duration::from_secs(2)), reason: msg!("marketo-reason-rate-limit", message = &message) },
        s if s >= 500 => Outcome::Retry { after: None, reason: Text::verbatim(format!("HTTP {status} {code}: {message}")) },
        _ => Outcome::Fail(bad_response(msg!("marketo-what-error-code", code = &code, message = &message)).with_details(
            serde_json::json!({ "system": "marketo", "status": status.as_u16(), "marketo_code": code, "marketo_message": message }),
        )),
    }
}

fn bad_response(what: Text) -> Error {
    Error::new(ErrorCode::BadResponse, msg!("marketo-bad-response", what = what))
}

async fn judge_token(response: reqwest::Response) -> Outcome<TokenResponse> {
    let status = response.status();
    if status.as_u16() == 401 || status.as_u16() == 400 {
        return Outcome::Fail(Error::new(ErrorCode::Unauthorized, msg!("marketo-credentials-rejected")));
    }
    if status.as_u16() == 429 || status.is_server_error() {
        return Outcome::Retry {
            after: retry_after(&response),
            reason: msg!("marketo-reason-identity-status", status = status.to_string()),
        };
    }
    if !status.is_success() {
        return Outcome::Fail(bad_response(msg!("marketo-what-identity-status", status = status.to_string())));
    }
    match response.json::<TokenResponse>().await {
        Ok(token) => Outcome::Done(token),
        Err(_) => Outcome::Retry { after: None, reason: msg!("http-reason-token-malformed") },
    }
}

async fn judge_envelope(response: reqwest::Response) -> Outcome<serde_json::Value> {
    let status = response.status();
    match status.as_u16() {
        200 => {}
        413 => return Outcome::Fail(Error::invalid_input(msg!("marketo-request-too-large"))),
        414 => return Outcome::Fail(Error::invalid_input(msg!("marketo-url-too-long"))),
        401 => return Outcome::Refresh,
        404 => {
            return Outcome::Fail(bad_response(msg!("marketo-what-not-found")));
        }
        s if s == 429 || status.is_server_error() => {
            return Outcome::Retry { after: retry_after(&response), reason: Text::verbatim(format!("HTTP {status}")) };
        }
        _ => return Outcome::Fail(bad_response(Text::verbatim(format!("HTTP {status}")))),
    }
    let Ok(text) = response.text().await else {
        return Outcome::Retry { after: None, reason: msg!("http-reason-cut-off") };
    };
    let Ok(value) = serde_json::from_str::<serde_json::Value>(&text) else {
        return Outcome::Retry { after: None, reason: msg!("http-reason-not-json") };
    };
    let Ok(envelope) = serde_json::from_value::<Envelope>(value.clone()) else {
        return Outcome::Retry { after: None, reason: msg!("marketo-reason-no-success-flag") };
    };
    if envelope.success {
        return Outcome::Done(value);
    }
    let (code, message) = envelope
        .errors
        .first()
        .map(|e| (e.code.as_str().map(str::to_owned).unwrap_or_else(|| e.code.to_string()), e.message.clone()))
        .unwrap_or_default();
    match code.as_str() {
        "601" | "602" => Outcome::Refresh,
        "606" => Outcome::Retry {
            after: Some(Duration::from_secs(2)),
            reason: msg!("marketo-reason-rate-limit", message = &message),
        },
        "615" => Outcome::Retry { after: Some(Duration::from_millis(500)), reason: msg!("marketo-reason-concurrency") },
        "502" | "604" | "608" | "611" | "500" => {
            Outcome::Retry { after: None, reason: Text::verbatim(format!("{code}: {message}")) }
        }
        "607" => Outcome::Fail(
            Error::new(ErrorCode::QuotaExceeded, msg!("marketo-quota-used-up"))
                .with_details(serde_json::json!({ "system": "marketo", "marketo_code": "607" })),
        ),
        // Bulk extract: a full job queue waits; the daily export volume is a quota.
        "1029" if message.to_ascii_lowercase().contains("quota") => Outcome::Fail(
            Error::new(ErrorCode::QuotaExceeded, msg!("marketo-extract-volume-used-up", message = &message))
                .with_details(serde_json::json!({ "system": "marketo", "marketo_code": "1029" })),
        ),
        "1029" => {
            Outcome::Retry { after: Some(Duration::from_secs(30)), reason: Text::verbatim(format!("1029: {message}")) }
        }
        "603" => Outcome::Fail(Error::new(ErrorCode::Forbidden, msg!("marketo-access-denied"))),
        _ => {
            Outcome::Fail(bad_response(msg!("marketo-what-error-code", code = &code, message = &message)).with_details(
                serde_json::json!({ "system": "marketo", "marketo_code": code, "marketo_message": message }),
            ))
        }
    }
}

/// The vault name of a Marketo connection's client secret.
pub fn secret_name(connection_id: &str) -> String {
    format!("connection.{connection_id}.client_secret")
}

/// Connects Marketo (R6/R7): checks the acting admin may connect, proves the credentials with
/// a token call and a describe call, then stores the connection and its secret together.
pub async fn connect(
    ws: &Workspace,
    vault: &Vault,
    request: ConnectMarketo,
    secret: SecretString,
) -> Result<super::ConnectionSummary> {
    let verdict = ownership::connect_permission(ws, ConnectionKind::Marketo)?;
    if !verdict.allowed {
        return Err(Error::new(ErrorCode::Forbidden, verdict.reason.unwrap_or_default()));
    }
    let client_id = request.client_id.trim().to_owned();
    if client_id.is_empty() || secret.expose_secret().trim().is_empty() {
        return Err(Error::invalid_input(msg!("marketo-credentials-required")));
    }
    let display_name = match request.display_name.trim() {
        "" => "Marketo".to_owned(),
        name => name.to_owned(),
    };
    let settings = MarketoSettings { base_url: base_url(&request.base_url)?, client_id };
    let client = MarketoClient::new(ws.remotes().clone(), settings.clone(), secret.clone())?;
    let fields = client.describe().await?;
    if !fields.iter().any(|f| f.name == "email") {
        return Err(bad_response(msg!("marketo-what-no-email-field")));
    }
    ownership::save(
        ws,
        vault,
        &NewConnection {
            kind: ConnectionKind::Marketo,
            display_name,
            settings: serde_json::to_value(&settings)?,
            is_sandbox: request.is_sandbox,
        },
        &[("client_secret", Some(&secret))],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn munchkin_ids_and_endpoint_urls_become_the_base_url() {
        assert_eq!(base_url("123-abc-456").unwrap(), "https://123-ABC-456.mktorest.com");
        // Host names are case-insensitive; the URL parser lower-cases them.
        assert_eq!(base_url("https://123-ABC-456.mktorest.com/rest").unwrap(), "https://123-abc-456.mktorest.com");
        assert_eq!(base_url("https://123-ABC-456.mktorest.com/identity/").unwrap(), "https://123-abc-456.mktorest.com");
        assert_eq!(base_url("http://127.0.0.1:4000").unwrap(), "http://127.0.0.1:4000");
        assert!(base_url("marketo please").unwrap_err().message.contains("Munchkin ID"));
        assert!(base_url("ftp://x.example.com").is_err());
    }

    #[test]
    fn workspaces_keep_their_own_budgets_and_tokens_and_share_them_among_their_clients() {
        let (dir1, dir2) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let one = Workspace::open(crate::Paths::in_dir(dir1.path())).unwrap();
        let other = Workspace::open(crate::Paths::in_dir(dir2.path())).unwrap();
        let settings = MarketoSettings { base_url: "http://127.0.0.1:4000".into(), client_id: "id".into() };
        let client = |ws: &Workspace| {
            MarketoClient::new(ws.remotes().clone(), settings.clone(), SecretString::from("s")).unwrap()
        };
        let (a, b, c) = (client(&one), client(&one.clone()), client(&other));
        assert!(Arc::ptr_eq(a.http().budget(), b.http().budget()));
        assert!(!Arc::ptr_eq(a.http().budget(), c.http().budget()));

        let until = Instant::now() + Duration::from_secs(60);
        one.remotes().keep_token(a.cache_key(), SecretString::from("token"), until);
        assert_eq!(b.remotes.token(&b.cache_key()).unwrap().expose_secret(), "token");
        assert!(c.remotes.token(&c.cache_key()).is_none());

        // A time-scaled sandbox in one workspace leaves the other's budget alone.
        one.remotes().use_marketo_time_scale(&settings.base_url, 20.0);
        assert!(!Arc::ptr_eq(client(&one).http().budget(), a.http().budget()));
        assert!(Arc::ptr_eq(client(&other).http().budget(), c.http().budget()));
    }
}
