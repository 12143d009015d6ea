//! Loopback emulators of the external systems Liaison talks to (SPEC §6, §7): Salesforce,
//! Marketo Engage, Dataverse (with the Microsoft identity platform), Adobe Campaign Standard
//! (with Adobe IMS) and an SMTP sink, plus a JSON control API for tests.
//!
//! Each system gets its own listener on 127.0.0.1 so every base URL is a host root, exactly like
//! the real one; only the base URL differs from production:
//!
//! | System | URLs |
//! |---|---|
//! | Salesforce | `{login_url}/services/oauth2/{authorize,token,revoke,userinfo}`, `{login_url}/id/{org}/{user}`, `{login_url}/services/data/vNN.N/…` including the Tooling API's `…/tooling/query`, and `{login_url}/packaging/installPackage.apexp?p0=04t…` (the package install page) (`login_url` is also the `instance_url`) |
//! | Marketo | `{base_url}/identity/oauth/token`, `{base_url}/rest/v1/….json`, `{base_url}/rest/asset/v1/…`, `{base_url}/bulk/v1/…` |
//! | Microsoft identity | `{authority_url}/oauth2/v2.0/{authorize,token}` (`authority_url` ends in a tenant; any tenant works) |
//! | Dataverse | `{org_url}/api/data/v9.2/…` |
//! | Adobe IMS | `{ims_url}/ims/token/v3` |
//! | Campaign Standard | `{base_url}/{org_id}/campaign/{profileAndServices,profileAndServicesExt}/…` |
//! | SMTP | `{host}:{port}` (EHLO, AUTH PLAIN/LOGIN, SIZE, PIPELINING) |
//!
//! Control API (`{control_url}`, JSON): `GET /stats` (calls per system and endpoint, limit
//! violations, injected faults, dataset counts), `GET /tokens`, `GET|DELETE /mail`,
//! `POST /reset`, `GET|POST /faults` (`{"rate":0.1,"kinds":["server_error","timeout",
//! "rate_limit","expired_token","malformed"],"systems":["marketo"],"next":[{"system":"marketo",
//! "kind":"rate_limit","count":2}],"clear":true}`), `GET|POST /settings` (every limit and every
//! behaviour the API reference marks \[U\]; see [`Settings`]), `GET|POST /clock`
//! (`{"advance_secs":86400}` jumps virtual time) and `POST /edits` (vendor-side edits:
//! `{"system":"marketo|salesforce|dynamics|campaign","object":"Contact","id":…|"email":…,
//! "fields":{…}}` or an array of them; a Campaign edit may set extension fields such as
//! `cusCrmContactId` and moves `lastModified`) and `POST /campaign/events` (Campaign email
//! events: `{"profile":"@…"|"email":…,"type":"sent|bounced|opened|clicked","label":…,
//! "at":"2026-02-01T10:00:00Z","url":…}` or an array; each lands in the profile's `logs` or
//! `tracking` with a new PKey, returned as `{"created":[{"PKey","profile","collection"}]}`).
//!
//! All limits are on by default and measured on a virtual clock that runs `time_scale` times
//! faster than the wall clock.
// Handlers return the finished vendor error response as the `Err` of a `Result`: it is built
// once per request and returned straight to the client, so boxing it would buy nothing.
#![allow(clippy::result_large_err)]

mod campaign;
mod clock;
mod control;
mod data;
mod dynamics;
mod http;
mod jobs;
mod marketo;
mod marketo_bulk;
mod oauth;
mod odata;
mod salesforce;
mod smtp;
mod soql;
mod state;
mod tooling;
mod world;

use serde::Serialize;
use state::Shared;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use state::{MARKETO_SALES_INSIGHT_NEWEST, Settings};
pub use tooling::marketo_sales_insight_version_id;
pub use world::DatasetSummary;

/// How to start the sandbox (mirrors `liaison sandbox serve` flags).
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    /// First of eight consecutive ports; `None` = ephemeral ports.
    pub port: Option<u16>,
    /// Seed of the data generator and of fault injection: same seed, same data.
    pub seed: u64,
    /// Number of people to generate (a handful to 1,000,000).
    pub people: usize,
    /// How much faster than the wall clock virtual time runs (windows, expiries, daily resets).
    pub time_scale: f64,
    /// Probability that an API call gets an injected fault.
    pub fault_rate: f64,
    /// Authorize endpoints redirect at once, as for a signed-in user who consented before.
    pub auto_approve: bool,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        SandboxConfig { port: None, seed: 42, people: 2_000, time_scale: 1.0, fault_rate: 0.0, auto_approve: false }
    }
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct SalesforceEndpoints {
    pub login_url: String,
    pub client_id: String,
    pub client_secret: String,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct MarketoEndpoints {
    pub base_url: String,
    pub munchkin_id: String,
    pub client_id: String,
    pub client_secret: String,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct DynamicsEndpoints {
    pub org_url: String,
    pub authority_url: String,
    pub client_id: String,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct CampaignEndpoints {
    pub base_url: String,
    pub ims_url: String,
    pub org_id: String,
    pub client_id: String,
    pub client_secret: String,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct SmtpEndpoint {
    pub host: String,
    pub port: u16,
}

/// Where each emulated system listens and the credentials it accepts.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Endpoints {
    pub salesforce: SalesforceEndpoints,
    pub marketo: MarketoEndpoints,
    pub dynamics: DynamicsEndpoints,
    pub campaign: CampaignEndpoints,
    pub smtp: SmtpEndpoint,
    pub control_url: String,
}

#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error("the sandbox could not listen on 127.0.0.1:{port} for {system}: {source}")]
    Bind {
        system: &'static str,
        port: u16,
        #[source]
        source: std::io::Error,
    },
    #[error("invalid sandbox setting: {0}")]
    InvalidConfig(String),
    #[error("the sandbox could not start: {0}")]
    Startup(String),
}

/// Running emulators on 127.0.0.1.
pub struct Sandbox {
    endpoints: Endpoints,
    shared: Arc<Shared>,
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

const SYSTEMS: [&str; 8] =
    ["salesforce", "marketo", "dynamics", "microsoft-identity", "campaign", "adobe-ims", "smtp", "control"];

/// Generates a dataset without serving it (benchmarks).
pub fn generate_dataset(seed: u64, people: usize) -> DatasetSummary {
    world::World::generate(seed, people).summary(people)
}

impl Sandbox {
    pub async fn start(config: SandboxConfig) -> Result<Sandbox, SandboxError> {
        if !(config.time_scale.is_finite() && config.time_scale > 0.0) {
            return Err(SandboxError::InvalidConfig(format!(
                "time scale must be a positive number, got {}",
                config.time_scale
            )));
        }
        if !(0.0..=1.0).contains(&config.fault_rate) {
            return Err(SandboxError::InvalidConfig(format!(
                "fault rate must be between 0 and 1, got {}",
                config.fault_rate
            )));
        }
        if config.people > 10_000_000 {
            return Err(SandboxError::InvalidConfig(format!("at most 10,000,000 people, got {}", config.people)));
        }
        if let Some(p) = config.port
            && p as usize + SYSTEMS.len() > 65_536
        {
            return Err(SandboxError::InvalidConfig(format!(
                "port {p} leaves no room for {} consecutive ports",
                SYSTEMS.len()
            )));
        }
        let mut listeners = Vec::new();
        for (i, system) in SYSTEMS.iter().enumerate() {
            // Port 0 means "any free ports", as for a single listener.
            let port = config.port.filter(|p| *p != 0).map(|p| p + i as u16).unwrap_or(0);
            let l = TcpListener::bind(("127.0.0.1", port)).await.map_err(|source| SandboxError::Bind {
                system,
                port,
                source,
            })?;
            listeners.push(l);
        }
        let ports: Vec<u16> = listeners.iter().map(|l| l.local_addr().map(|a| a.port()).unwrap_or(0)).collect();
        let url = |i: usize| format!("http://127.0.0.1:{}", ports[i]);
        let endpoints = Endpoints {
            salesforce: SalesforceEndpoints {
                login_url: url(0),
                client_id: "3MVG9LiaisonSandboxConsumerKey.0000000000000000000000000000000000000000000000".into(),
                client_secret: "LIAISONSANDBOXSALESFORCESECRET0000000000000000000000000000000000".into(),
            },
            marketo: MarketoEndpoints {
                base_url: url(1),
                munchkin_id: "123-LIA-456".into(),
                client_id: "5f0c5a1e-7d6b-4a8e-9b1f-1a15a1500001".into(),
                client_secret: "LiaisonSandboxMarketoSecret0001".into(),
            },
            dynamics: DynamicsEndpoints {
                org_url: url(2),
                authority_url: format!("{}/organizations", url(3)),
                client_id: "51f81489-12ee-4a9e-aaae-a2591f45987d".into(),
            },
            campaign: CampaignEndpoints {
                base_url: url(4),
                ims_url: url(5),
                org_id: "liaisonsandbox".into(),
                client_id: "liaison-sandbox-campaign-client".into(),
                client_secret: "p8e-LiaisonSandboxCampaignSecret".into(),
            },
            smtp: SmtpEndpoint { host: "127.0.0.1".into(), port: ports[6] },
            control_url: url(7),
        };
        let (seed, people) = (config.seed, config.people);
        let world = tokio::task::spawn_blocking(move || world::World::generate(seed, people))
            .await
            .map_err(|e| SandboxError::Startup(format!("data generation failed: {e}")))?;
        let shared = Arc::new(Shared::new(config, endpoints.clone(), world));
        let (stop, stop_rx) = watch::channel(false);
        let mut tasks = Vec::new();
        let mut it = listeners.into_iter();
        let routers = [
            axum::Router::new().fallback(salesforce::entry),
            axum::Router::new().fallback(marketo::entry),
            axum::Router::new().fallback(dynamics::entry),
            axum::Router::new().fallback(oauth::microsoft_entry),
            axum::Router::new().fallback(campaign::entry),
            axum::Router::new().fallback(oauth::ims_entry),
        ];
        for router in routers {
            let listener = it.next().ok_or_else(|| SandboxError::Startup("listener missing".into()))?;
            // Every response carries the server's (virtual) time in `Date`, as real servers do;
            // clients learn the server clock from it.
            let router = router.layer(axum::middleware::map_response_with_state(shared.clone(), http::date_header));
            tasks.push(serve(listener, router.with_state(shared.clone()), stop_rx.clone()));
        }
        let smtp_listener = it.next().ok_or_else(|| SandboxError::Startup("listener missing".into()))?;
        tasks.push(tokio::spawn(smtp::run(smtp_listener, shared.clone(), stop_rx.clone())));
        let control_listener = it.next().ok_or_else(|| SandboxError::Startup("listener missing".into()))?;
        tasks.push(serve(control_listener, control::router().with_state(shared.clone()), stop_rx.clone()));
        tracing::info!(control_url = %endpoints.control_url, "sandbox started");
        Ok(Sandbox { endpoints, shared, stop, tasks })
    }

    /// The first day the generated data can date from (`YYYY-MM-DD`): no record was created
    /// earlier, so a demo sync can start its Marketo history here.
    pub fn data_since() -> &'static str {
        world::DATA_SINCE
    }

    pub fn endpoints(&self) -> &Endpoints {
        &self.endpoints
    }

    /// Changes runtime settings in-process (same as `POST {control_url}/settings`).
    pub fn update_settings(&self, f: impl FnOnce(&mut Settings)) {
        f(&mut self.shared.settings.write().unwrap_or_else(|e| e.into_inner()));
    }

    /// Stops every listener and waits (at most a few seconds) for in-flight requests.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        for t in self.tasks {
            let abort = t.abort_handle();
            if tokio::time::timeout(std::time::Duration::from_secs(5), t).await.is_err() {
                abort.abort();
            }
        }
    }
}

fn serve(listener: TcpListener, router: axum::Router, mut stop: watch::Receiver<bool>) -> JoinHandle<()> {
    tokio::spawn(async move {
        let shutdown = async move {
            let _ = stop.wait_for(|s| *s).await;
        };
        if let Err(e) = axum::serve(listener, router).with_graceful_shutdown(shutdown).await {
            tracing::warn!(error = %e, "sandbox listener stopped");
        }
    })
}
