//! A Dataverse Web API client for a stored Dynamics 365 connection: GETs with `Prefer`
//! preferences and server-driven paging, JSON POSTs (actions, creates), and `$batch` of
//! independent requests. Every client of one org shares the org's service-protection budget
//! (6,000 requests / 5 minutes, 52 at once) through the workspace, and an expired session is
//! renewed once per call with the stored refresh token (R13).

use std::sync::Mutex;

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use super::dynamics::{budget, refresh, secret_names};
use crate::http::{Http, Outcome, RetryPolicy, retry_after};
use crate::i18n::Text;
use crate::vault::Vault;
use crate::{Error, ErrorCode, Result, Workspace, msg};

const API: &str = "/api/data/v9.2";

/// What the client needs of a connection's settings.
#[derive(Deserialize)]
struct OrgOnly {
    org_url: String,
}

impl crate::http::Remotes {
    /// Keeps the service-protection budget of the org at `org_url` in the time of an org whose
    /// clock runs `scale` times faster than ours (the built-in sandbox under time scaling): its
    /// 6,000 requests per 5 minutes hold in its own time (kept to 5,800, clear of the scaled
    /// clocks drifting apart by a few milliseconds).
    pub fn use_dynamics_time_scale(&self, org_url: &str, scale: f64) {
        let window = std::time::Duration::from_secs_f64(300.0 / scale.max(1.0));
        self.set_budget(&format!("dynamics:{org_url}"), crate::http::Budget::new("Dynamics 365", 52, 5_800, window));
    }
}

/// One request of a `$batch`.
#[derive(Debug, Clone)]
pub struct BatchRequest {
    /// A path below the API root, e.g. `lists(<id>)/Microsoft.Dynamics.CRM.RemoveMemberList`.
    pub path: String,
    pub body: serde_json::Value,
}

/// The answer to one request of a `$batch`: its status, the record a create made (from its
/// `OData-EntityId`) and, for an error, Dataverse's message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchAnswer {
    pub status: u16,
    pub entity_id: Option<String>,
    pub error: Option<String>,
}

/// A Web API client for one Dynamics 365 connection.
pub struct DataverseClient<'a> {
    ws: &'a Workspace,
    vault: &'a Vault,
    connection_id: String,
    org_url: String,
    http: Http,
    token: Mutex<Option<SecretString>>,
    calls: std::sync::atomic::AtomicU64,
}

impl<'a> DataverseClient<'a> {
    /// A client for a stored (not disconnected) Dynamics 365 connection.
    pub fn load(ws: &'a Workspace, vault: &'a Vault, connection_id: &str) -> Result<Self> {
        let settings: Option<String> = ws.store().read(|c| {
            use rusqlite::OptionalExtension;
            Ok(c.query_row(
                "SELECT settings FROM connections WHERE id = ?1 AND kind = 'dynamics' AND disconnected_at IS NULL",
                [connection_id],
                |r| r.get(0),
            )
            .optional()?)
        })?;
        let settings = settings
            .ok_or_else(|| Error::not_found(msg!("dataverse-connection-not-found", connection = connection_id)))?;
        let OrgOnly { org_url } = serde_json::from_str(&settings)?;
        let budget = budget(ws, &org_url);
        Ok(Self {
            ws,
            vault,
            connection_id: connection_id.to_owned(),
            org_url,
            http: Http::new("Dynamics 365", budget, RetryPolicy::default())?,
            token: Mutex::new(None),
            calls: Default::default(),
        })
    }

    /// The org's URL, e.g. `https://contoso.crm.dynamics.com`.
    pub fn org_url(&self) -> &str {
        &self.org_url
    }

    /// HTTP requests this client sent (a `$batch` is one).
    pub fn calls(&self) -> u64 {
        self.calls.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The HTTP layer (its budget is the org's; it knows the org's clock).
    pub fn http(&self) -> &Http {
        &self.http
    }

    fn url(&self, path: &str) -> String {
        format!("{}{API}/{}", self.org_url, path.trim_start_matches('/'))
    }

    /// Fails unless the connection has a stored session (else: reconnect).
    pub fn require_session(&self) -> Result<()> {
        self.access().map(drop)
    }

    fn access(&self) -> Result<SecretString> {
        let mut token = self.token.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(t) = token.as_ref() {
            return Ok(t.clone());
        }
        let [access_name, _] = secret_names(&self.connection_id);
        let fresh = self
            .vault
            .get(&access_name)?
            .ok_or_else(|| Error::new(ErrorCode::Unauthorized, msg!("dynamics-no-session")))?;
        *token = Some(fresh.clone());
        Ok(fresh)
    }

    async fn renew(&self) -> Result<()> {
        refresh(self.ws, self.vault, &self.connection_id).await?;
        *self.token.lock().unwrap_or_else(|p| p.into_inner()) = None;
        Ok(())
    }

    /// Sends the request `build` makes with the session's token and Dataverse's headers.
    async fn send<T, J, JF>(
        &self,
        what: Text,
        build: impl Fn(&reqwest::Client) -> reqwest::RequestBuilder,
        judge: J,
    ) -> Result<T>
    where
        J: Fn(reqwest::Response) -> JF,
        JF: std::future::Future<Output = Outcome<T>>,
    {
        self.access()?;
        self.http
            .execute(
                what,
                || {
                    self.calls.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let token = self.access().unwrap_or_else(|_| SecretString::from(String::new()));
                    build(self.http.client())
                        .bearer_auth(token.expose_secret())
                        .header("OData-MaxVersion", "4.0")
                        .header("OData-Version", "4.0")
                        .header("Accept", "application/json")
                },
                judge,
                || self.renew(),
            )
            .await
    }

    /// GETs a path below the API root (`contacts?$select=…`) with `Prefer` preferences.
    pub async fn get(&self, path: &str, prefer: &[&str]) -> Result<serde_json::Value> {
        self.get_url(&self.url(path), prefer).await
    }

    /// GETs a URL the org handed out (an `@odata.nextLink` or delta link), verbatim.
    pub async fn get_url(&self, url: &str, prefer: &[&str]) -> Result<serde_json::Value> {
        if !url.starts_with(&self.org_url) {
            return Err(Error::new(ErrorCode::BadResponse, msg!("dataverse-foreign-link", url = url)));
        }
        let prefer = prefer.join(",");
        self.send(
            msg!("http-what-calling", system = "Dynamics 365", path = url.strip_prefix(&self.org_url).unwrap_or(url)),
            |c| {
                let request = c.get(url);
                if prefer.is_empty() { request } else { request.header("Prefer", prefer.as_str()) }
            },
            judge_value,
        )
        .await
    }

    /// POSTs a JSON body (an action, or a create with `return=representation`); `None` for a
    /// `204 No Content` answer.
    pub async fn post(
        &self,
        path: &str,
        body: &serde_json::Value,
        prefer: &[&str],
    ) -> Result<Option<serde_json::Value>> {
        let url = self.url(path);
        let prefer = prefer.join(",");
        self.send(
            msg!("http-what-calling", system = "Dynamics 365", path = path),
            |c| {
                let request = c.post(&url).json(body);
                if prefer.is_empty() { request } else { request.header("Prefer", prefer.as_str()) }
            },
            |response| async move { judge(response).await },
        )
        .await
    }

    /// Sends independent POSTs as one `$batch` (at most 1,000, Dataverse's limit), going on
    /// after a failed one (`odata.continue-on-error`); the answers come in the requests' order.
    pub async fn batch(&self, requests: &[BatchRequest]) -> Result<Vec<BatchAnswer>> {
        if requests.is_empty() {
            return Ok(Vec::new());
        }
        if requests.len() > 1000 {
            return Err(Error::internal(msg!("dataverse-batch-too-large", count = requests.len())));
        }
        let boundary = format!("batch_{}", uuid::Uuid::new_v4());
        let mut body = String::new();
        for r in requests {
            body.push_str(&format!(
                "--{boundary}\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\nPOST {API}/{} HTTP/1.1\r\nContent-Type: application/json; type=entry\r\n\r\n{}\r\n",
                r.path.trim_start_matches('/'),
                r.body
            ));
        }
        body.push_str(&format!("--{boundary}--\r\n"));
        let url = self.url("$batch");
        let content_type = format!("multipart/mixed; boundary=\"{boundary}\"");
        let expected = requests.len();
        self.send(
            msg!("http-what-calling", system = "Dynamics 365", path = "$batch"),
            |c| {
                c.post(&url)
                    .header("Content-Type", content_type.as_str())
                    .header("Prefer", "odata.continue-on-error")
                    .body(body.clone())
            },
            |response| async move {
                if let Some(outcome) = retry_or_refresh(&response) {
                    return outcome;
                }
                let status = response.status();
                let header = response
                    .headers()
                    .get(reqwest::header::CONTENT_TYPE)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_owned();
                let Ok(text) = response.text().await else {
                    return Outcome::Retry { after: None, reason: msg!("http-reason-download-cut-off") };
                };
                if !status.is_success() {
                    return Outcome::Fail(failure(status.as_u16(), serde_json::from_str(&text).unwrap_or_default()));
                }
                match parse_batch_response(&header, &text) {
                    Some(answers) if answers.len() <= expected => Outcome::Done(answers),
                    _ => Outcome::Fail(Error::new(ErrorCode::BadResponse, msg!("dataverse-batch-unreadable"))),
                }
            },
        )
        .await
    }
}

/// 429 and server errors are retried (after `Retry-After`), 401 renews the session.
fn retry_or_refresh<T>(response: &reqwest::Response) -> Option<Outcome<T>> {
    let status = response.status();
    if status.as_u16() == 401 {
        return Some(Outcome::Refresh);
    }
    if status.as_u16() == 429 || status.is_server_error() {
        return Some(Outcome::Retry {
            after: retry_after(response),
            reason: msg!("http-reason-status", system = "Dynamics 365", status = status.to_string()),
        });
    }
    None
}

/// A refused request: Dataverse's error code and message kept in the details.
fn failure(status: u16, body: serde_json::Value) -> Error {
    let message = body["error"]["message"].as_str().unwrap_or("unknown error").to_owned();
    let code = match status {
        403 => ErrorCode::Forbidden,
        404 => ErrorCode::NotFound,
        _ => ErrorCode::BadResponse,
    };
    Error::new(code, msg!("dynamics-answered", status = status.to_string(), message = message.as_str())).with_details(
        serde_json::json!({
            "http_status": status,
            "dataverse_code": body["error"]["code"].as_str().unwrap_or_default(),
            "dataverse_message": message,
        }),
    )
}

/// Judges a JSON answer: `None` for no content.
async fn judge(response: reqwest::Response) -> Outcome<Option<serde_json::Value>> {
    if let Some(outcome) = retry_or_refresh(&response) {
        return outcome;
    }
    let status = response.status();
    if status.as_u16() == 204 {
        return Outcome::Done(None);
    }
    let Ok(text) = response.text().await else {
        return Outcome::Retry { after: None, reason: msg!("http-reason-download-cut-off") };
    };
    let body: serde_json::Value = match serde_json::from_str(&text) {
        Ok(v) => v,
        Err(_) if status.is_success() => return Outcome::Retry { after: None, reason: msg!("http-reason-not-json") },
        Err(_) => serde_json::Value::Null,
    };
    if status.is_success() { Outcome::Done(Some(body)) } else { Outcome::Fail(failure(status.as_u16(), body)) }
}

/// Judges a JSON answer, with no content read as `null`.
pub(crate) async fn judge_value(response: reqwest::Response) -> Outcome<serde_json::Value> {
    match judge(response).await {
        Outcome::Done(v) => Outcome::Done(v.unwrap_or_default()),
        Outcome::Retry { after, reason } => Outcome::Retry { after, reason },
        Outcome::Refresh => Outcome::Refresh,
        Outcome::Fail(e) => Outcome::Fail(e),
    }
}

/// The Dataverse error code of a refused request (`0x80040217` for a record that does not exist).
/// `value` as an OData string literal (`'O''Brien'`): a quote inside is doubled, so no value can
/// end the literal early and add to a `$filter`.
pub fn odata_string(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

pub fn dataverse_code(err: &Error) -> Option<&str> {
    err.details.as_ref()?.get("dataverse_code")?.as_str()
}

/// The answers of a `multipart/mixed` batch response, in order: each part's embedded HTTP status
/// line and, for an error, the message of its JSON body.
fn parse_batch_response(content_type: &str, text: &str) -> Option<Vec<BatchAnswer>> {
    let boundary =
        content_type.split(';').map(str::trim).find_map(|p| p.strip_prefix("boundary="))?.trim_matches('"').to_owned();
    let delimiter = format!("--{boundary}");
    let mut answers = Vec::new();
    for part in text.split(delimiter.as_str()).skip(1) {
        if part.starts_with("--") {
            break;
        }
        let status_line = part.lines().find(|l| l.starts_with("HTTP/"))?;
        let status: u16 = status_line.split_whitespace().nth(1)?.parse().ok()?;
        let error = (status >= 400).then(|| {
            let json = part.find('{').map(|i| &part[i..]).unwrap_or_default();
            let json = json.rfind('}').map(|i| &json[..=i]).unwrap_or_default();
            serde_json::from_str::<serde_json::Value>(json)
                .ok()
                .and_then(|v| v["error"]["message"].as_str().map(str::to_owned))
                .unwrap_or_else(|| status_line.trim().to_owned())
        });
        // `OData-EntityId: <org>/api/data/v9.2/lia_emailevents(<guid>)`: the GUID in the last parentheses.
        let entity_id = part
            .lines()
            .find_map(|l| l.split_once(':').filter(|(k, _)| k.trim().eq_ignore_ascii_case("OData-EntityId")))
            .and_then(|(_, v)| v.trim().rsplit_once('(').map(|(_, id)| id.trim_end_matches(')').to_owned()))
            .filter(|id| uuid::Uuid::parse_str(id).is_ok());
        answers.push(BatchAnswer { status, entity_id, error });
    }
    Some(answers)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_batch_response_is_read_part_by_part_in_order() {
        let text = "--batchresponse_1\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\nHTTP/1.1 204 No Content\r\nOData-Version: 4.0\r\nOData-EntityId: https://org.example/api/data/v9.2/lia_emailevents(0b8c1a2e-3f4d-4e5f-8a9b-0c1d2e3f4a5b)\r\n\r\n\r\n--batchresponse_1\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\nHTTP/1.1 404 Not Found\r\nContent-Type: application/json; odata.metadata=minimal\r\n\r\n{\"error\":{\"code\":\"0x80040217\",\"message\":\"contact With Id = 1 Does Not Exist\"}}\r\n--batchresponse_1--\r\n";
        let answers = parse_batch_response("multipart/mixed; boundary=batchresponse_1", text).unwrap();
        assert_eq!(
            answers,
            vec![
                BatchAnswer {
                    status: 204,
                    entity_id: Some("0b8c1a2e-3f4d-4e5f-8a9b-0c1d2e3f4a5b".into()),
                    error: None
                },
                BatchAnswer { status: 404, entity_id: None, error: Some("contact With Id = 1 Does Not Exist".into()) },
            ]
        );
    }

    #[test]
    fn a_batch_response_without_a_boundary_is_not_read() {
        assert_eq!(parse_batch_response("application/json", "{}"), None);
    }
}
