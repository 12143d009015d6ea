//! `liaison export destination …` as a process, against the sandbox's Marketo.

mod common;

use common::{json, run};
use liaison_core::connections::marketo::MarketoClient;
use liaison_core::vault::{FileKeychain, Vault};
use liaison_core::{Paths, Workspace};

#[test]
fn r10_a_marketo_destination_is_added_with_the_privacy_notice_accepted_listed_and_deleted() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sandbox = rt.block_on(liaison_sandbox::Sandbox::start(Default::default())).unwrap();
    let mk = sandbox.endpoints().marketo.clone();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    json(&run(d, &["--json", "activate", "--name", "Ada", "--email", "ada@example.com"], ""));
    let connected = json(&run(
        d,
        &["--json", "connect", "marketo", "--base-url", &mk.base_url, "--client-id", &mk.client_id, "--sandbox"],
        &mk.client_secret,
    ));
    let list_id = {
        let paths = Paths::in_dir(d);
        let ws = Workspace::open(paths.clone()).unwrap();
        let vault = Vault::open(ws.store(), &FileKeychain::new(&paths)).unwrap();
        let client = MarketoClient::load(&ws, &vault, connected["id"].as_str().unwrap()).unwrap();
        let lists = rt.block_on(client.get("/rest/v1/lists.json", &[])).unwrap();
        lists["result"][0]["id"].as_i64().unwrap().to_string()
    };
    let add = [
        "export",
        "destination",
        "add",
        "marketo",
        "--name",
        "Nurture",
        "--list-id",
        &list_id,
        "--connection",
        "marketo",
    ];
    let refused = run(d, &add, "");
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("privacy"), "{refused:?}");

    let mut accepted = vec!["--json"];
    accepted.extend(add);
    accepted.push("--accept-privacy-notice");
    let saved = json(&run(d, &accepted, ""));
    assert_eq!(saved["marketo"]["list_id"].as_i64().unwrap().to_string(), list_id);
    assert_eq!(saved["export_users"], serde_json::json!(["ada@example.com"]));
    let wrong = run(
        d,
        &[
            "export",
            "destination",
            "add",
            "marketo",
            "--name",
            "Gone",
            "--list-id",
            "99999",
            "--connection",
            "marketo",
            "--accept-privacy-notice",
        ],
        "",
    );
    assert_eq!(wrong.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("99999"), "{wrong:?}");

    assert_eq!(json(&run(d, &["--json", "export", "destination", "list"], "")).as_array().unwrap().len(), 1);
    json(&run(d, &["--json", "export", "destination", "delete", "nurture"], ""));
    assert_eq!(json(&run(d, &["--json", "export", "destination", "list"], "")), serde_json::json!([]));
    rt.block_on(sandbox.shutdown());
}
