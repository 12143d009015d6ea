//! After connecting Salesforce and Marketo (with every log line at trace level), neither the
//! SQLite files nor the log files contain any client secret, access token or refresh token.
//! (`secrets_scan.rs` does the same after a whole scripted session.)

mod common;

use common::Fetcher;
use liaison_core::connections::marketo::{self, ConnectMarketo};
use liaison_core::connections::salesforce::{self, ConnectSalesforce, SalesforceClient};
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

#[tokio::test]
async fn no_client_secret_access_token_or_refresh_token_reaches_the_database_or_the_logs() {
    let sb = Sandbox::start(SandboxConfig { people: 20, auto_approve: true, ..Default::default() }).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let paths = Paths::in_dir(dir.path());
    let guard = logging::init_with(&paths, "test", "trace").unwrap();
    let ws = Workspace::open(paths.clone()).unwrap();
    let vault = Vault::open(ws.store(), &FileKeychain::new(&paths)).unwrap();
    activate(&ws, &vault, "Ada", "ada@example.com").unwrap();

    let e = sb.endpoints().clone();
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
    SalesforceClient::load(&ws, &vault, &sf.id).unwrap().get("/limits").await.unwrap();
    let mk = marketo::connect(
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
    liaison_core::connections::health::check(&ws, &vault, &mk.id).await.unwrap();

    let mut secrets: Vec<String> = vec![e.salesforce.client_secret.clone(), e.marketo.client_secret.clone()];
    let [sf_access, sf_refresh, _] = salesforce::secret_names(&sf.id);
    for name in [sf_access, sf_refresh, CLIENT_SECRET.to_owned()] {
        secrets.push(vault.get(&name).unwrap().unwrap().expose_secret().to_owned());
    }
    // Tokens the sandbox issued (Marketo's access token never touches the vault).
    let tokens: serde_json::Value =
        reqwest::get(format!("{}/tokens", e.control_url)).await.unwrap().json().await.unwrap();
    for t in tokens.as_array().or_else(|| tokens["tokens"].as_array()).unwrap() {
        if let Some(v) = t["token"].as_str().or(t["value"].as_str()).or(t["access_token"].as_str()) {
            secrets.push(v.to_owned());
        }
    }
    assert!(secrets.len() >= 6, "expected the sandbox to list issued tokens: {tokens}");

    drop(vault);
    ws.store().connect().unwrap().execute_batch("PRAGMA wal_checkpoint(TRUNCATE)").unwrap();
    drop(guard); // flushes the log writer
    let logs: Vec<_> = files_below(&paths.log_dir);
    assert!(!logs.is_empty(), "the test wrote a log");
    let log_text: String = logs.iter().map(|p| std::fs::read_to_string(p).unwrap()).collect();
    assert!(log_text.contains("TRACE") && log_text.len() > 1_000, "the log was written at trace level");
    for path in files_below(dir.path()).into_iter().filter(|p| !p.ends_with("vault.key")) {
        let bytes = std::fs::read(&path).unwrap();
        for secret in &secrets {
            assert!(
                !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
                "a secret ({}…) is in {}",
                &secret[..4.min(secret.len())],
                path.display()
            );
        }
    }
    sb.shutdown().await;
}
