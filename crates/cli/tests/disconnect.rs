//! `liaison connections disconnect` runs core's disconnect use-case, exactly as the desktop's
//! `disconnect` command does (the IPC contract test `disconnect_through_ipc_…` checks the same
//! outcome): ownership first, the local deletion, then the Salesforce session revoked at
//! Salesforce.

mod common;

use common::{json, liaison, run};
use liaison_core::connections::salesforce::secret_names;
use liaison_core::vault::{FileKeychain, Vault};
use liaison_core::{Paths, Workspace};
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;

/// Whether the sandbox's Salesforce still renews a session with `refresh`.
fn refresh_works(rt: &tokio::runtime::Runtime, e: &liaison_sandbox::Endpoints, refresh: &SecretString) -> bool {
    rt.block_on(async {
        reqwest::Client::new()
            .post(format!("{}/services/oauth2/token", e.salesforce.login_url))
            .form(&[
                ("grant_type", "refresh_token"),
                ("refresh_token", refresh.expose_secret()),
                ("client_id", e.salesforce.client_id.as_str()),
                ("client_secret", e.salesforce.client_secret.as_str()),
            ])
            .send()
            .await
            .unwrap()
            .status()
            .is_success()
    })
}

#[test]
fn r6_the_cli_disconnects_like_the_desktop_local_first_then_the_salesforce_session_is_revoked() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sandbox = rt
        .block_on(liaison_sandbox::Sandbox::start(liaison_sandbox::SandboxConfig {
            people: 10,
            auto_approve: true,
            ..Default::default()
        }))
        .unwrap();
    let e = sandbox.endpoints().clone();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    json(&liaison(d).args(["--json", "activate", "--name", "Ada", "--email", "ada@example.com"]).output().unwrap());
    let sf = &e.salesforce;
    let connected = json(&run(
        d,
        &[
            "--json",
            "connect",
            "salesforce",
            "--login-url",
            &sf.login_url,
            "--client-id",
            &sf.client_id,
            "--with-secret",
            "--sandbox",
        ],
        &sf.client_secret,
    ));
    let id = connected["id"].as_str().unwrap().to_owned();
    let refresh = {
        let paths = Paths::in_dir(d);
        let ws = Workspace::open(paths.clone()).unwrap();
        let vault = Vault::open(ws.store(), &FileKeychain::new(&paths)).unwrap();
        vault.get(&secret_names(&id)[1]).unwrap().expect("a refresh token is stored")
    };
    assert!(refresh_works(&rt, &e, &refresh));

    let done = json(&liaison(d).args(["--json", "connections", "disconnect", &id]).output().unwrap());
    assert_eq!((done["revoked"].clone(), done["revoke_error"].clone()), (Value::Bool(true), Value::Null), "{done}");
    assert!(!refresh_works(&rt, &e, &refresh), "the session was revoked at Salesforce");
    let list = json(&liaison(d).args(["--json", "connections", "list"]).output().unwrap());
    assert_eq!(list, serde_json::json!([]));
    let audit = liaison(d).args(["audit", "--action", "connection.disconnected"]).output().unwrap();
    assert!(String::from_utf8_lossy(&audit.stdout).contains("connection.disconnected"));
    rt.block_on(sandbox.shutdown());
}
