//! The one HTTP layer every connector goes through. It owns timeouts, retries with exponential
//! backoff and jitter, `Retry-After`, token refresh (once per call), and a per-system budget:
//! at most N calls in flight and at most M calls per rolling window, shared by every job.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use backon::BackoffBuilder;
use tokio::sync::Semaphore;

use crate::i18n::Text;
use crate::{Error, ErrorCode, Result, msg};

mod remotes;

pub use remotes::{Remotes, TokenKey};

/// How a connector judged one response.
#[derive(Debug)]
pub enum Outcome<T> {
    /// The call succeeded.
    Done(T),
    /// A transient failure (5xx, timeout, rate limit): try again, after `after` if the server said.
    /// `reason` is shown inside a catalogue message when the retries run out: a catalogue
    /// message, or a technical value ("HTTP 503", a vendor's code) kept verbatim.
    Retry { after: Option<Duration>, reason: Text },
    /// The access token expired or was rejected: refresh it and try again (once).
    Refresh,
    /// A failure retrying cannot fix.
    Fail(Error),
}

/// A system's limits, shared by all its clients (see [`Remotes::budget`]).
#[derive(Debug)]
pub struct Budget {
    name: &'static str,
    in_flight: Semaphore,
    per_window: usize,
    window: Duration,
    sent: Mutex<VecDeque<Instant>>,
    calls: std::sync::atomic::AtomicU64,
}

impl Budget {
    /// At most `concurrency` calls at once and `per_window` calls in any `window`.
    pub fn new(name: &'static str, concurrency: usize, per_window: usize, window: Duration) -> Arc<Self> {
        Arc::new(Self {
            name,
            in_flight: Semaphore::new(concurrency.max(1)),
            per_window: per_window.max(1),
            window,
            sent: Mutex::new(VecDeque::new()),
            calls: Default::default(),
        })
    }

    /// Calls sent within this budget since the process started (a run reads the difference).
    pub fn calls(&self) -> u64 {
        self.calls.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Waits until one more call fits the rolling window, then records it.
    async fn admit(&self) {
        loop {
            let wait = {
                let mut sent = self.sent.lock().unwrap_or_else(|p| p.into_inner());
                let now = Instant::now();
                while sent.front().is_some_and(|t| now.duration_since(*t) >= self.window) {
                    sent.pop_front();
                }
                if sent.len() < self.per_window {
                    sent.push_back(now);
                    self.calls.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    return;
                }
                self.window.saturating_sub(now.duration_since(*sent.front().expect("non-empty")))
            };
            tracing::debug!(system = self.name, wait_ms = wait.as_millis() as u64, "rate budget full, waiting");
            tokio::time::sleep(wait + Duration::from_millis(5)).await;
        }
    }
}

/// Retry settings.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    pub attempts: usize,
    pub min_delay: Duration,
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self { attempts: 6, min_delay: Duration::from_millis(200), max_delay: Duration::from_secs(20) }
    }
}

/// An HTTP client for one system.
#[derive(Debug, Clone)]
pub struct Http {
    client: reqwest::Client,
    budget: Arc<Budget>,
    retry: RetryPolicy,
    system: &'static str,
    /// The server's clock as of the last response (`Date`), and when that response arrived.
    server_clock: Arc<Mutex<Option<(time::OffsetDateTime, Instant)>>>,
}

/// Builds the shared reqwest client: timeouts, no redirects (token endpoints must not redirect
/// credentials elsewhere), rustls.
pub fn client() -> Result<reqwest::Client> {
    reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(10))
        .timeout(Duration::from_secs(60))
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("Liaison/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| Error::internal(msg!("http-setup-failed", reason = e.to_string())).caused_by(e))
}

impl Http {
    /// A client for `system` within `budget`.
    pub fn new(system: &'static str, budget: Arc<Budget>, retry: RetryPolicy) -> Result<Self> {
        Ok(Self { client: client()?, budget, retry, system, server_clock: Default::default() })
    }

    /// The budget this client's calls count against.
    pub fn budget(&self) -> &Arc<Budget> {
        &self.budget
    }

    /// The server's current time, from the `Date` header of the last response (servers keep
    /// their own clock; quota resets and incremental cursors follow it, not ours).
    pub fn server_now(&self) -> Option<time::OffsetDateTime> {
        let clock = self.server_clock.lock().unwrap_or_else(|p| p.into_inner());
        clock.map(|(date, at)| date + at.elapsed())
    }

    fn note_server_date(&self, response: &reqwest::Response) {
        if let Some(date) = server_date(response) {
            *self.server_clock.lock().unwrap_or_else(|p| p.into_inner()) = Some((date, Instant::now()));
        }
    }

    /// The underlying client, for building requests.
    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }

    /// Sends the request `build` makes, judges the response with `judge`, and retries within the
    /// policy; `refresh` renews credentials when `judge` asks for it (at most once per call).
    pub async fn execute<T, B, J, JF, R, RF>(&self, what: impl Into<Text>, build: B, judge: J, refresh: R) -> Result<T>
    where
        B: Fn() -> reqwest::RequestBuilder,
        J: Fn(reqwest::Response) -> JF,
        JF: std::future::Future<Output = Outcome<T>>,
        R: Fn() -> RF,
        RF: std::future::Future<Output = Result<()>>,
    {
        self.run(what.into(), build, judge, refresh, true).await
    }

    /// Like [`Http::execute`] for a request that must not be sent twice (one that creates
    /// records): an answer that leaves its outcome unknown — a server error, a timeout, a body
    /// cut off — is not retried but returned as an error marked `uncertain` (see
    /// [`is_uncertain`]), for the caller to settle by looking the records up.
    pub async fn execute_once<T, B, J, JF, R, RF>(
        &self,
        what: impl Into<Text>,
        build: B,
        judge: J,
        refresh: R,
    ) -> Result<T>
    where
        B: Fn() -> reqwest::RequestBuilder,
        J: Fn(reqwest::Response) -> JF,
        JF: std::future::Future<Output = Outcome<T>>,
        R: Fn() -> RF,
        RF: std::future::Future<Output = Result<()>>,
    {
        self.run(what.into(), build, judge, refresh, false).await
    }

    async fn run<T, B, J, JF, R, RF>(&self, what: Text, build: B, judge: J, refresh: R, repeatable: bool) -> Result<T>
    where
        B: Fn() -> reqwest::RequestBuilder,
        J: Fn(reqwest::Response) -> JF,
        JF: std::future::Future<Output = Outcome<T>>,
        R: Fn() -> RF,
        RF: std::future::Future<Output = Result<()>>,
    {
        let mut delays = backon::ExponentialBuilder::default()
            .with_min_delay(self.retry.min_delay)
            .with_max_delay(self.retry.max_delay)
            .with_max_times(self.retry.attempts)
            .with_jitter()
            .build();
        // A second refresh covers a token that expired again at once (a clock step, a
        // revoked session racing a refresh); a third rejection means the credentials are bad.
        let mut refreshes = 0;
        loop {
            let outcome = {
                let _slot =
                    self.budget.in_flight.acquire().await.map_err(|_| Error::internal(msg!("http-budget-closed")))?;
                self.budget.admit().await;
                match build().send().await {
                    Ok(response) => {
                        self.note_server_date(&response);
                        judge(response).await
                    }
                    Err(e) => transport_outcome(self.system, &e),
                }
            };
            match outcome {
                Outcome::Done(value) => return Ok(value),
                Outcome::Fail(err) => return Err(err),
                Outcome::Refresh if refreshes < 2 => {
                    refreshes += 1;
                    refresh().await?;
                }
                Outcome::Refresh => {
                    return Err(Error::new(
                        ErrorCode::Unauthorized,
                        msg!("http-rejected-after-refresh", system = self.system, what = &what),
                    ));
                }
                Outcome::Retry { reason, .. } if !repeatable => {
                    return Err(Error::new(
                        ErrorCode::Unavailable,
                        msg!("http-outcome-unknown", system = self.system, what = &what, reason = reason),
                    )
                    .with_details(serde_json::json!({ "uncertain": true })));
                }
                Outcome::Retry { after, reason } => {
                    let Some(backoff) = delays.next() else {
                        return Err(Error::new(
                            ErrorCode::Unavailable,
                            msg!(
                                "http-kept-failing",
                                system = self.system,
                                reason = reason,
                                what = &what,
                                attempts = self.retry.attempts + 1
                            ),
                        ));
                    };
                    let wait = after.map_or(backoff, |a| a.max(backoff)).min(Duration::from_secs(300));
                    tracing::info!(system = self.system, reason = %reason, wait_ms = wait.as_millis() as u64, "retrying {what}");
                    tokio::time::sleep(wait).await;
                }
            }
        }
    }
}

/// Whether an error left the outcome of a create unknown (see [`Http::execute_once`]).
pub fn is_uncertain(err: &Error) -> bool {
    err.details.as_ref().is_some_and(|d| d["uncertain"] == true)
}

fn transport_outcome<T>(system: &str, e: &reqwest::Error) -> Outcome<T> {
    let host = e.url().and_then(|u| u.host_str().map(str::to_owned)).unwrap_or_else(|| system.to_owned());
    if e.is_connect() {
        // A refused or unresolvable host will not come back within a retry budget.
        return Outcome::Fail(
            Error::new(ErrorCode::Unreachable, msg!("http-unreachable", host = &host))
                .with_details(serde_json::json!({ "host": host })),
        );
    }
    if e.is_timeout() {
        return Outcome::Retry { after: None, reason: msg!("http-reason-timed-out", host = &host) };
    }
    Outcome::Retry { after: None, reason: msg!("http-reason-connection-failed", host = &host) }
}

/// Whether a URL points at this machine (`localhost`, 127.0.0.0/8, `::1`).
pub fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

/// Refuses an address a service would be reached at in clear: https always, plain http only on
/// this machine (the sandbox, a local proxy), so secrets and tokens never cross a network unencrypted.
pub fn require_secure(url: &url::Url, input: &str) -> crate::Result<()> {
    match url.scheme() {
        "https" if url.host_str().is_some() => Ok(()),
        "http" if is_loopback(url) => Ok(()),
        "http" if url.host_str().is_some() => {
            Err(crate::Error::invalid_input(crate::msg!("connection-http-not-allowed", input = input)))
        }
        _ => Err(crate::Error::invalid_input(crate::msg!("connection-not-http-address", input = input))),
    }
}

/// Reads the `Date` header (RFC 9110 IMF-fixdate, e.g. `Tue, 24 Nov 2026 02:44:19 GMT`).
pub fn server_date(response: &reqwest::Response) -> Option<time::OffsetDateTime> {
    const FORMAT: &[time::format_description::BorrowedFormatItem<'_>] = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    let text = response.headers().get(reqwest::header::DATE)?.to_str().ok()?;
    time::PrimitiveDateTime::parse(text.trim(), FORMAT).ok().map(time::PrimitiveDateTime::assume_utc)
}

/// Reads a `Retry-After` header given in seconds.
pub fn retry_after(response: &reqwest::Response) -> Option<Duration> {
    response
        .headers()
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse::<f64>()
        .ok()
        .filter(|s| s.is_finite() && *s >= 0.0)
        .map(Duration::from_secs_f64)
}

/// Judges a plain HTTP status: 429/5xx retry, 401 refresh, other 4xx fail with `describe`.
pub fn by_status(response: &reqwest::Response, system: &str) -> Option<Outcome<()>> {
    let status = response.status();
    if status.as_u16() == 429 || status.is_server_error() {
        return Some(Outcome::Retry {
            after: retry_after(response),
            reason: msg!("http-reason-status", system = system, status = status.to_string()),
        });
    }
    if status.as_u16() == 401 {
        return Some(Outcome::Refresh);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_rolling_window_holds_calls_back() {
        let budget = Budget::new("test", 10, 3, Duration::from_millis(200));
        let start = Instant::now();
        for _ in 0..4 {
            budget.admit().await;
        }
        assert!(start.elapsed() >= Duration::from_millis(190), "{:?}", start.elapsed());
    }

    #[tokio::test]
    async fn an_unreachable_host_fails_at_once_with_the_host_named() {
        let http =
            Http::new("Marketo", Budget::new("m", 2, 100, Duration::from_secs(20)), RetryPolicy::default()).unwrap();
        // Port 9 (discard) on loopback is closed on test machines.
        let err = http
            .execute(
                "reading",
                || http.client().get("http://127.0.0.1:9/x"),
                |_r| async { Outcome::Done(()) },
                || async { Ok(()) },
            )
            .await
            .unwrap_err();
        assert_eq!(err.code, ErrorCode::Unreachable);
        assert!(err.message.contains("127.0.0.1"), "{}", err.message);
    }

    #[test]
    fn plain_http_is_accepted_only_for_this_machine() {
        let check = |u: &str| require_secure(&url::Url::parse(u).unwrap(), u);
        assert!(check("https://123-ABC-456.mktorest.com").is_ok());
        assert!(check("http://127.0.0.1:8080").is_ok());
        assert!(check("http://localhost:9000").is_ok());
        assert!(check("http://[::1]:9000").is_ok());
        let refused = check("http://123-ABC-456.mktorest.com").unwrap_err();
        assert_eq!(refused.code, ErrorCode::InvalidInput);
        assert!(refused.message.contains("https"), "{}", refused.message);
        assert!(check("http://10.0.0.5").is_err(), "a private network is still a network");
        assert!(check("ftp://example.com").is_err());
    }

    /// A server that answers every request with 500 and counts them.
    async fn failing_server() -> (String, Arc<std::sync::atomic::AtomicUsize>) {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await.unwrap();
        let url = format!("http://{}/create", listener.local_addr().unwrap());
        let seen = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counter = seen.clone();
        tokio::spawn(async move {
            loop {
                let Ok((mut stream, _)) = listener.accept().await else { return };
                counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let mut buf = [0u8; 4096];
                let _ = stream.read(&mut buf).await;
                let _ = stream
                    .write_all(b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                    .await;
            }
        });
        (url, seen)
    }

    #[tokio::test]
    async fn a_create_whose_outcome_is_unknown_is_never_sent_twice() {
        let (url, seen) = failing_server().await;
        let policy =
            RetryPolicy { attempts: 3, min_delay: Duration::from_millis(1), max_delay: Duration::from_millis(5) };
        let http = Http::new("Salesforce", Budget::new("s", 2, 100, Duration::from_secs(20)), policy).unwrap();
        let judge = |r: reqwest::Response| async move {
            if r.status().is_server_error() {
                Outcome::Retry { after: None, reason: Text::verbatim("HTTP 500") }
            } else {
                Outcome::Done(())
            }
        };
        let err = http
            .execute_once("creating Tasks", || http.client().post(&url), judge, || async { Ok(()) })
            .await
            .unwrap_err();
        assert!(is_uncertain(&err), "{err:?}");
        assert_eq!(seen.load(std::sync::atomic::Ordering::SeqCst), 1, "sent once");
        // A repeatable read is retried within the policy.
        let err = http.execute("reading", || http.client().get(&url), judge, || async { Ok(()) }).await.unwrap_err();
        assert!(!is_uncertain(&err));
        assert_eq!(seen.load(std::sync::atomic::Ordering::SeqCst), 1 + 4, "the read was tried four times");
    }
}
