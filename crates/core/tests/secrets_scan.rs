//! After a whole scripted session — activate, connect Salesforce, Marketo and Dynamics 365, a
//! full sync, an export to a Dynamics 365 list, disconnect — with every log line at trace level,
//! no secret or token any system issued on the way is in the database, its write-ahead log or
//! the logs. (Its own test binary: the log subscriber is global to a process.)

mod common;

use common::Fetcher;
use liaison_core::connections::marketo::{self, ConnectMarketo};
use liaison_core::connections::salesforce::{self, ConnectSalesforce};
use liaison_core::members::admin::{CLIENT_SECRET, activate};
use liaison_core::vault::{FileKeychain, Vault};
use liaison_core::{Paths, Workspace, logging};
use liaison_sandbox::{Sandbox, SandboxConfig};
use secrecy::{ExposeSecret, SecretString};

fn files_below(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(files_below(&path));
        } else {
            out.push(path);
        }
    }
    out
}

/// Every token the sandbox lists as issued and live now.
async fn issued_tokens(control_url: &str) -> Vec<String> {
    let tokens: serde_json::Value = reqwest::get(format!("{control_url}/tokens")).await.unwrap().json().await.unwrap();
    tokens
        .as_array()
        .or_else(|| tokens["tokens"].as_array())
        .unwrap()
        .iter()
        .filter_map(|t| t["token"].as_str().map(str::to_owned))
        .collect()
}

/// Asserts that no file below `dir` (but the key file) holds any of `secrets`.
fn assert_nowhere(dir: &std::path::Path, secrets: &[String], when: &str) {
    for path in files_below(dir).into_iter().filter(|p| !p.ends_with("vault.key")) {
        let bytes = std::fs::read(&path).unwrap();
        for secret in secrets.iter().filter(|s| s.len() >= 8) {
            assert!(
                !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
                "{when}: a secret ({}…) is in {}",
                &secret[..4],
                path.display()
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_whole_scripted_session_leaves_no_secret_in_the_database_its_wal_or_the_logs() {
    use liaison_core::connections::dynamics::{self, ConnectDynamics};
    use liaison_core::exports::destinations::{self, NewDynamicsDestination};
    use liaison_core::exports::{self, NewExport, Schedule};
    use liaison_core::segments::{self, Definition, Match};
    use liaison_core::sync::run::{self, Control, Progress, RunOptions};
    use liaison_core::sync::settings::{self, SyncSettings};

    const SCALE: f64 = 200.0;
    let sb = Sandbox::start(SandboxConfig { people: 60, auto_approve: true, time_scale: SCALE, ..Default::default() })
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let paths = Paths::in_dir(dir.path());
    let guard = logging::init_with(&paths, "test", "trace").unwrap();
    let ws = Workspace::open(paths.clone()).unwrap();
    let vault = Vault::open(ws.store(), &FileKeychain::new(&paths)).unwrap();
    activate(&ws, &vault, "Ada", "ada@example.com").unwrap();
    let e = sb.endpoints().clone();
    ws.remotes().use_marketo_time_scale(&e.marketo.base_url, SCALE);
    ws.remotes().use_dynamics_time_scale(&e.dynamics.org_url, SCALE);
    let sf = salesforce::connect(
        &ws,
        &vault,
        ConnectSalesforce {
            display_name: String::new(),
            login_url: e.salesforce.login_url.clone(),
            client_id: e.salesforce.client_id.clone(),
            is_sandbox: true,
        },
        Some(SecretString::from(e.salesforce.client_secret.clone())),
        &Fetcher,
    )
    .await
    .unwrap();
    marketo::connect(
        &ws,
        &vault,
        ConnectMarketo {
            display_name: String::new(),
            base_url: e.marketo.base_url.clone(),
            client_id: e.marketo.client_id.clone(),
            is_sandbox: true,
        },
        SecretString::from(e.marketo.client_secret.clone()),
    )
    .await
    .unwrap();
    let dv = dynamics::connect(
        &ws,
        &vault,
        ConnectDynamics {
            display_name: "Dynamics".into(),
            org_url: e.dynamics.org_url.clone(),
            authority_url: e.dynamics.authority_url.clone(),
            client_id: e.dynamics.client_id.clone(),
            usable_by: Default::default(),
            is_sandbox: true,
            match_by: Default::default(),
        },
        &Fetcher,
    )
    .await
    .unwrap();
    let mut secrets: Vec<String> = vec![e.salesforce.client_secret.clone(), e.marketo.client_secret.clone()];
    let mut vault_names: Vec<String> = salesforce::secret_names(&sf.id)[..2].to_vec();
    vault_names.extend(dynamics::secret_names(&dv.id));
    vault_names.push(CLIENT_SECRET.to_owned());
    for name in &vault_names {
        secrets.push(vault.get(name).unwrap().unwrap().expose_secret().to_owned());
    }
    secrets.extend(issued_tokens(&e.control_url).await);

    settings::save(
        ws.store(),
        &SyncSettings {
            marketo_history_from: Sandbox::data_since().into(),
            log_activities: false,
            ..Default::default()
        },
    )
    .unwrap();
    let options = RunOptions {
        full: true,
        pause_poll: std::time::Duration::from_millis(50),
        job_poll: std::time::Duration::from_millis(20),
        ..RunOptions::default()
    };
    run::run(&ws, &vault, options, &Control::default(), &|_: &Progress| {}).await.unwrap();
    segments::create(&ws, "Everyone", Definition { match_: Match::All, rules: Vec::new() }).unwrap();
    destinations::add_dynamics(
        &ws,
        &vault,
        NewDynamicsDestination {
            name: "Webinar".into(),
            connection_id: dv.id.clone(),
            list_id: None,
            new_list: Some("Webinar".into()),
            accept_privacy_notice: true,
        },
    )
    .await
    .unwrap();
    exports::definition::create(
        &ws,
        &vault,
        NewExport {
            name: "Webinar".into(),
            destination: "Webinar".into(),
            segments: vec!["Everyone".into()],
            fields: Vec::new(),
            schedule: Schedule::Manual,
        },
    )
    .await
    .unwrap();
    let report =
        exports::run::run(&ws, &vault, "Webinar", Default::default(), &Control::default(), &|_| {}).await.unwrap();
    assert!(report.counts.added > 0, "{:?}", report.counts);
    secrets.extend(issued_tokens(&e.control_url).await);
    for name in &vault_names {
        if let Some(v) = vault.get(name).unwrap() {
            secrets.push(v.expose_secret().to_owned());
        }
    }
    secrets.sort();
    secrets.dedup();
    assert!(secrets.len() >= 8, "tokens of every system were collected: {}", secrets.len());
    // The write-ahead log as the session left it, before any checkpoint folds it in.
    assert_nowhere(dir.path(), &secrets, "after the sync and the export");

    liaison_core::connections::disconnect::disconnect(&ws, &vault, &sf.id).await.unwrap();
    drop(vault);
    ws.store().connect().unwrap().execute_batch("PRAGMA wal_checkpoint(TRUNCATE)").unwrap();
    drop(guard);
    let log_text: String = files_below(&paths.log_dir).iter().map(|p| std::fs::read_to_string(p).unwrap()).collect();
    assert!(log_text.contains("TRACE"), "the log was written at trace level: {} bytes", log_text.len());
    assert!(log_text.contains("Dynamics 365"), "the log covers the Dynamics calls");
    assert_nowhere(dir.path(), &secrets, "after disconnecting");
    sb.shutdown().await;
}
