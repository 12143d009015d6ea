//! State shared by every listener: data, tokens, counters, limits, faults and received mail.

use crate::SandboxConfig;
use crate::clock::Clock;
use crate::world::World;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};

/// Runtime knobs. Facts tagged \[U\] in the API reference are settings rather than constants;
/// `GET/POST {control_url}/settings` reads and changes them.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Master switch for every rate, concurrency and quota limit (benchmarks turn it off).
    pub limits_enabled: bool,
    /// Extra latency added to every API call, in real milliseconds (lets tests reach concurrency limits).
    pub latency_ms: u64,
    /// How long a "timeout" fault holds the request before answering, in real milliseconds.
    pub fault_timeout_ms: u64,

    pub marketo_rate_limit: usize,
    pub marketo_rate_window_secs: i64,
    pub marketo_concurrency: usize,
    pub marketo_daily_quota: u64,
    pub marketo_token_secs: i64,
    /// \[U\] whether the deprecated `access_token` query parameter is still honoured.
    pub marketo_accept_access_token_param: bool,
    /// \[U\] error code for a call without any token (`600` per a KCS article, `601` otherwise).
    pub marketo_missing_token_code: String,
    pub marketo_export_daily_bytes: u64,
    /// Virtual seconds a bulk import or export job spends in each processing state (for an
    /// import: at least this long, see `marketo_import_rows_per_sec`).
    pub marketo_job_secs: i64,
    /// Virtual seconds between updates of a bulk extract job's status ("status updates at most
    /// once per 60 s"): a job that finished shows `Completed` (and its file) at the first
    /// update after, counted from when it was queued. Applies while `limits_enabled`; `0` = at once.
    pub marketo_export_status_secs: i64,
    /// Rows a second one bulk lead import job imports, in virtual time: a job is `Importing` for
    /// `rows / rate` seconds (never less than `marketo_job_secs`), its leads appear and
    /// `numOfLeadsProcessed` grows as it goes; with 2 jobs running at once an instance imports
    /// twice the rate. Marketo publishes no rate. The default, 1,000, is the middle of what users
    /// report for one job (a few hundred to a couple of thousand rows a second, slower on
    /// instances with many fields or busy flows): 1,000,000 people in ten files take about
    /// 500 s of import. It is a typical rate, not the worst: the only published anchor, "an
    /// export of 1,000,000 profiles may take up to 3 hours" (≈ 93 rows/s end to end), is
    /// reproduced with `46` (2 jobs × 46 rows/s), which is how to check that a client copes with
    /// a slow instance. `0` drops the per-row time (only `marketo_job_secs` remains); tests
    /// usually keep the rate and jump the clock (`POST /clock`) or raise `time_scale` instead.
    pub marketo_import_rows_per_sec: u64,
    /// The Marketo instance syncs with the emulated Salesforce org (Admin → Salesforce), so the
    /// leads it synced carry their Salesforce ids. Off, no lead matches a filter on those ids
    /// (`filterType=sfdcContactId`, `sfdcLeadId`, …), as on an instance without the CRM sync.
    pub marketo_salesforce_sync: bool,

    pub salesforce_daily_limit: u64,
    /// Session timeout (virtual seconds); Salesforce's default is 2 hours.
    pub salesforce_session_secs: i64,
    /// \[U\] issue a new refresh token on every refresh (optional per connected app).
    pub salesforce_refresh_rotation: bool,
    /// \[U\] PKCE required for the connected app (ISV security requirement).
    pub salesforce_require_pkce: bool,
    /// \[U\] `code_challenge_method` assumed when absent.
    pub salesforce_default_challenge_method: String,
    /// \[U\] error for a wrong `code_verifier` (`invalid_grant` observed, `invalid_request` documented).
    pub salesforce_pkce_mismatch_error: String,
    /// \[U\] loopback redirect URIs accepted on any port (RFC 8252 §7.3; not documented by Salesforce).
    pub salesforce_loopback_any_port: bool,
    pub salesforce_query_batch: usize,
    /// Virtual seconds a Bulk API 2.0 query job stays `InProgress`.
    pub salesforce_bulk_job_secs: i64,
    /// The Marketo Sales Insight package (`mkto_si`) is installed in the org (Tooling API
    /// `InstalledSubscriberPackage`).
    pub salesforce_package_installed: bool,
    /// The installed version of that package, `[major, minor, patch, build]` (Tooling API
    /// `SubscriberPackageVersion.MajorVersion` … `BuildNumber`). The default is the newest
    /// version Liaison knows; an older one makes setup step 6 ask for an upgrade.
    pub salesforce_package_version: [u32; 4],
    /// The signed-in user has "View Setup and Configuration", so the Tooling API lists the
    /// installed packages; without it the object answers `INVALID_TYPE`.
    pub salesforce_user_can_view_setup: bool,

    pub dynamics_requests_per_window: usize,
    pub dynamics_window_secs: i64,
    pub dynamics_concurrency: usize,
    /// Change tracking is enabled on the `contact` table (`Prefer: odata.track-changes` and delta
    /// links work); off, such a request gets `0x80072491`.
    pub dynamics_contacts_change_tracking: bool,
    /// Days a delta token stays valid (the organization's `ExpireChangeTrackingInDays`, 30 by
    /// default); an older one gets `0x80044352` ("perform a full sync").
    pub dynamics_change_tracking_days: i64,
    /// The Dataverse org answers as Dynamics 365 on-premises (`RetrieveCurrentOrganization` shows
    /// no environment, geo or data centre; `RetrieveVersion` says 9.1); off = online.
    pub dynamics_on_premises: bool,
    pub microsoft_access_token_secs: i64,
    pub microsoft_refresh_token_days: i64,

    pub ims_token_secs: i64,
    /// \[U\] Campaign rate limits are unpublished: calls allowed per window (0 = off).
    pub campaign_rate_limit: usize,
    pub campaign_rate_window_secs: i64,

    pub smtp_max_size: usize,
    pub smtp_require_auth: bool,
}

/// The newest Marketo Sales Insight version the emulated AppExchange offers (keep it equal to
/// `liaison_core::setup::package::NEWEST_PACKAGE_VERSION`).
pub const MARKETO_SALES_INSIGHT_NEWEST: [u32; 4] = [1, 4362, 0, 1];

impl Default for Settings {
    fn default() -> Self {
        Settings {
            limits_enabled: true,
            latency_ms: 0,
            fault_timeout_ms: 10_000,
            marketo_rate_limit: 100,
            marketo_rate_window_secs: 20,
            marketo_concurrency: 10,
            marketo_daily_quota: 50_000,
            marketo_token_secs: 3600,
            marketo_accept_access_token_param: true,
            marketo_missing_token_code: "601".into(),
            marketo_export_daily_bytes: 500 * 1024 * 1024,
            marketo_job_secs: 5,
            marketo_export_status_secs: 60,
            marketo_import_rows_per_sec: 1_000,
            marketo_salesforce_sync: true,
            salesforce_daily_limit: 100_000,
            salesforce_session_secs: 7200,
            salesforce_refresh_rotation: false,
            salesforce_require_pkce: true,
            salesforce_default_challenge_method: "S256".into(),
            salesforce_pkce_mismatch_error: "invalid_grant".into(),
            salesforce_loopback_any_port: true,
            salesforce_query_batch: 2000,
            salesforce_bulk_job_secs: 2,
            salesforce_package_installed: true,
            salesforce_package_version: MARKETO_SALES_INSIGHT_NEWEST,
            salesforce_user_can_view_setup: true,
            dynamics_requests_per_window: 6000,
            dynamics_window_secs: 300,
            dynamics_concurrency: 52,
            dynamics_contacts_change_tracking: true,
            dynamics_change_tracking_days: 30,
            dynamics_on_premises: false,
            microsoft_access_token_secs: 3599,
            microsoft_refresh_token_days: 90,
            ims_token_secs: 86_399,
            campaign_rate_limit: 0,
            campaign_rate_window_secs: 60,
            smtp_max_size: 10 * 1024 * 1024,
            smtp_require_auth: false,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Hash, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub(crate) enum FaultKind {
    ServerError,
    Timeout,
    RateLimit,
    ExpiredToken,
    Malformed,
}

pub(crate) const ALL_FAULTS: [FaultKind; 5] =
    [FaultKind::ServerError, FaultKind::Timeout, FaultKind::RateLimit, FaultKind::ExpiredToken, FaultKind::Malformed];

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct QueuedFault {
    #[serde(default)]
    pub system: Option<String>,
    pub kind: FaultKind,
    #[serde(default = "one")]
    pub count: u32,
}
fn one() -> u32 {
    1
}

#[derive(Debug)]
pub(crate) struct Faults {
    pub rate: f64,
    pub kinds: Vec<FaultKind>,
    pub systems: Option<Vec<String>>,
    pub queue: Vec<QueuedFault>,
    rng: ChaCha8Rng,
}

impl Faults {
    fn new(seed: u64, rate: f64) -> Faults {
        Faults {
            rate,
            kinds: ALL_FAULTS.to_vec(),
            systems: None,
            queue: Vec::new(),
            rng: ChaCha8Rng::seed_from_u64(seed ^ 0xfa17),
        }
    }

    pub(crate) fn pick(&mut self, system: &str) -> Option<FaultKind> {
        if let Some(pos) = self.queue.iter().position(|q| q.system.as_deref().is_none_or(|s| s == system)) {
            let q = &mut self.queue[pos];
            let kind = q.kind;
            q.count = q.count.saturating_sub(1);
            if q.count == 0 {
                self.queue.remove(pos);
            }
            return Some(kind);
        }
        if self.rate <= 0.0 || self.kinds.is_empty() {
            return None;
        }
        if let Some(systems) = &self.systems
            && !systems.iter().any(|s| s == system)
        {
            return None;
        }
        if self.rng.random_bool(self.rate.clamp(0.0, 1.0)) {
            let i = self.rng.random_range(0..self.kinds.len());
            Some(self.kinds[i])
        } else {
            None
        }
    }

    pub(crate) fn view(&self) -> Value {
        json!({"rate": self.rate, "kinds": self.kinds, "systems": self.systems, "next": self.queue})
    }
}

#[derive(Debug, Default)]
pub(crate) struct Stats {
    pub calls: BTreeMap<String, BTreeMap<String, u64>>,
    pub violations: BTreeMap<String, BTreeMap<String, u64>>,
    pub faults: BTreeMap<String, BTreeMap<String, u64>>,
}

impl Stats {
    pub(crate) fn view(&self) -> Value {
        let totals: BTreeMap<&String, u64> = self.calls.iter().map(|(k, v)| (k, v.values().sum())).collect();
        json!({"calls": self.calls, "totals": totals, "violations": self.violations, "faults": self.faults})
    }
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct TokenInfo {
    pub system: &'static str,
    pub kind: &'static str,
    pub token: String,
    pub client_id: String,
    pub scope: String,
    pub issued_ms: i64,
    pub expires_ms: Option<i64>,
    pub revoked: bool,
    /// For access tokens: the refresh token they came from (revoking it revokes them).
    pub family: Option<String>,
}

#[derive(Debug, Clone)]
pub(crate) struct AuthCode {
    pub system: &'static str,
    pub client_id: String,
    pub redirect_uri: String,
    pub challenge: Option<(String, String)>,
    pub scope: String,
    pub expires_ms: i64,
}

#[derive(Debug)]
pub(crate) struct Auth {
    pub tokens: HashMap<String, TokenInfo>,
    pub codes: HashMap<String, AuthCode>,
    /// client_id → current Marketo token (the identity service returns the same one until expiry).
    pub marketo_current: HashMap<String, String>,
    pub rng: ChaCha8Rng,
}

impl Auth {
    fn new(seed: u64) -> Auth {
        Auth {
            tokens: HashMap::new(),
            codes: HashMap::new(),
            marketo_current: HashMap::new(),
            rng: ChaCha8Rng::seed_from_u64(seed ^ 0x70c3),
        }
    }

    pub(crate) fn random(&mut self, len: usize, alphabet: &[u8]) -> String {
        (0..len).map(|_| alphabet[self.rng.random_range(0..alphabet.len())] as char).collect()
    }

    /// Valid, unexpired, unrevoked access token of `system`; `Err(true)` = known but expired.
    pub(crate) fn check(&self, system: &str, token: &str, now_ms: i64) -> Result<&TokenInfo, bool> {
        match self.tokens.get(token) {
            Some(t) if t.system == system && t.kind == "access" && !t.revoked => {
                if t.expires_ms.is_some_and(|e| now_ms >= e) { Err(true) } else { Ok(t) }
            }
            _ => Err(false),
        }
    }
}

pub(crate) const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// A sliding window of accepted calls.
#[derive(Debug, Default)]
pub(crate) struct Window {
    hits: VecDeque<i64>,
}

impl Window {
    /// Records a call at `now` if fewer than `max` happened in the last `window_ms`; otherwise
    /// returns how long until a slot frees up.
    pub(crate) fn admit(&mut self, now: i64, window_ms: i64, max: usize) -> Result<(), i64> {
        while self.hits.front().is_some_and(|t| *t <= now - window_ms) {
            self.hits.pop_front();
        }
        if self.hits.len() >= max {
            let oldest = *self.hits.front().unwrap_or(&now);
            return Err(oldest + window_ms - now);
        }
        self.hits.push_back(now);
        Ok(())
    }
    pub(crate) fn count(&mut self, now: i64, window_ms: i64) -> usize {
        while self.hits.front().is_some_and(|t| *t <= now - window_ms) {
            self.hits.pop_front();
        }
        self.hits.len()
    }
}

#[derive(Debug, Default)]
pub(crate) struct Limits {
    pub marketo_window: Window,
    /// (day index in US Central time, calls)
    pub marketo_daily: (i64, u64),
    pub marketo_daily_log: BTreeMap<i64, BTreeMap<String, u64>>,
    pub marketo_errors: BTreeMap<i64, BTreeMap<String, u64>>,
    pub marketo_export_bytes: (i64, u64),
    pub salesforce_daily: Window,
    pub dynamics: HashMap<String, Window>,
    pub campaign: Window,
}

/// Marketo's daily quota resets at 12:00 AM US Central (CST, UTC-6).
pub(crate) fn central_day(now_ms: i64) -> i64 {
    (now_ms - 6 * 3_600_000).div_euclid(86_400_000)
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct Mail {
    pub id: usize,
    pub from: String,
    pub to: Vec<String>,
    pub subject: Option<String>,
    pub text: Option<String>,
    pub html: Option<String>,
    pub headers: BTreeMap<String, String>,
    pub size: usize,
    pub auth_user: Option<String>,
    pub received_at: String,
    pub raw: String,
}

/// Counts requests in flight for a concurrency limit; the guard releases the slot.
pub(crate) struct InFlight(Arc<AtomicUsize>);
impl InFlight {
    pub(crate) fn enter(counter: &Arc<AtomicUsize>) -> (InFlight, usize) {
        let n = counter.fetch_add(1, Ordering::SeqCst) + 1;
        (InFlight(counter.clone()), n)
    }
}
impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

pub(crate) struct Shared {
    pub config: SandboxConfig,
    pub clock: Clock,
    pub endpoints: crate::Endpoints,
    pub world: Mutex<World>,
    pub auth: Mutex<Auth>,
    pub stats: Mutex<Stats>,
    pub faults: Mutex<Faults>,
    pub limits: Mutex<Limits>,
    pub settings: RwLock<Settings>,
    pub mail: Mutex<Vec<Mail>>,
    pub jobs: Mutex<crate::jobs::Jobs>,
    pub marketo_inflight: Arc<AtomicUsize>,
    pub dynamics_inflight: Arc<AtomicUsize>,
}

/// Locks a mutex, recovering from poisoning: a panicking handler must not wedge the sandbox.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Shared {
    pub(crate) fn new(config: SandboxConfig, endpoints: crate::Endpoints, world: World) -> Shared {
        Shared {
            clock: Clock::new(config.time_scale),
            endpoints,
            world: Mutex::new(world),
            auth: Mutex::new(Auth::new(config.seed)),
            stats: Mutex::new(Stats::default()),
            faults: Mutex::new(Faults::new(config.seed, config.fault_rate)),
            limits: Mutex::new(Limits::default()),
            settings: RwLock::new(Settings::default()),
            mail: Mutex::new(Vec::new()),
            jobs: Mutex::new(crate::jobs::Jobs::default()),
            marketo_inflight: Arc::new(AtomicUsize::new(0)),
            dynamics_inflight: Arc::new(AtomicUsize::new(0)),
            config,
        }
    }

    pub(crate) fn settings(&self) -> Settings {
        self.settings.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub(crate) fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }

    pub(crate) fn count_call(&self, system: &str, endpoint: String) {
        *lock(&self.stats).calls.entry(system.into()).or_default().entry(endpoint).or_default() += 1;
    }

    pub(crate) fn violation(&self, system: &str, what: &str) {
        *lock(&self.stats).violations.entry(system.into()).or_default().entry(what.into()).or_default() += 1;
    }

    pub(crate) fn fault(&self, system: &str) -> Option<FaultKind> {
        let f = lock(&self.faults).pick(system);
        if let Some(k) = f {
            let name = serde_json::to_value(k).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default();
            *lock(&self.stats).faults.entry(system.into()).or_default().entry(name).or_default() += 1;
        }
        f
    }

    /// Resets data, tokens, counters, limits, faults, jobs and mail to the state right after start.
    pub(crate) fn reset(&self, world: World) {
        *lock(&self.world) = world;
        *lock(&self.auth) = Auth::new(self.config.seed);
        *lock(&self.stats) = Stats::default();
        *lock(&self.faults) = Faults::new(self.config.seed, self.config.fault_rate);
        *lock(&self.limits) = Limits::default();
        *lock(&self.jobs) = crate::jobs::Jobs::default();
        lock(&self.mail).clear();
        *self.settings.write().unwrap_or_else(|e| e.into_inner()) = Settings::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_admits_max_then_reports_wait() {
        let mut w = Window::default();
        for i in 0..100 {
            assert!(w.admit(i, 20_000, 100).is_ok());
        }
        assert_eq!(w.admit(100, 20_000, 100), Err(19_900));
        assert!(w.admit(20_000, 20_000, 100).is_ok());
    }

    #[test]
    fn queued_faults_fire_first_and_only_for_their_system() {
        let mut f = Faults::new(1, 0.0);
        f.queue.push(QueuedFault { system: Some("marketo".into()), kind: FaultKind::RateLimit, count: 2 });
        assert_eq!(f.pick("salesforce"), None);
        assert_eq!(f.pick("marketo"), Some(FaultKind::RateLimit));
        assert_eq!(f.pick("marketo"), Some(FaultKind::RateLimit));
        assert_eq!(f.pick("marketo"), None);
    }
}
