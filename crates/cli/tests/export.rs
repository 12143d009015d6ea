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

#[test]
fn r11_an_export_is_created_dry_run_run_and_rerun_from_the_command_line() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let config = liaison_sandbox::SandboxConfig { people: 20, time_scale: 200.0, ..Default::default() };
    let sandbox = rt.block_on(liaison_sandbox::Sandbox::start(config)).unwrap();
    let mk = sandbox.endpoints().marketo.clone();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    json(&run(d, &["--json", "activate", "--name", "Ada", "--email", "ada@example.com"], ""));
    json(&run(
        d,
        &["--json", "connect", "marketo", "--base-url", &mk.base_url, "--client-id", &mk.client_id, "--sandbox"],
        &mk.client_secret,
    ));
    {
        let ws = Workspace::open(Paths::in_dir(d)).unwrap();
        ws.store()
            .write(|tx| {
                for i in 0..12 {
                    let country = if i < 9 { "Japan" } else { "France" };
                    tx.execute(
                        "INSERT INTO people (email_key, email, first_name, country) VALUES (?1, ?1, 'Aiko', ?2)",
                        rusqlite::params![format!("p{i}@example.jp"), country],
                    )?;
                }
                tx.execute("INSERT INTO people (email_key, email, country) VALUES ('broken', 'broken', 'Japan')", [])?;
                Ok(())
            })
            .unwrap();
    }
    let lists = json(&run(d, &["--json", "export", "destination", "list"], ""));
    assert_eq!(lists, serde_json::json!([]));
    let list_id = {
        let paths = Paths::in_dir(d);
        let ws = Workspace::open(paths.clone()).unwrap();
        let vault = Vault::open(ws.store(), &FileKeychain::new(&paths)).unwrap();
        let id = liaison_core::connections::list(ws.store()).unwrap()[0].id.clone();
        let client = MarketoClient::load(&ws, &vault, &id).unwrap();
        let lists = rt.block_on(client.get("/rest/v1/lists.json", &[])).unwrap();
        lists["result"][0]["id"].as_i64().unwrap().to_string()
    };
    json(&run(
        d,
        &[
            "--json",
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
            "--accept-privacy-notice",
        ],
        "",
    ));
    json(&run(d, &["--json", "segment", "create", "Japan", "--rule", "country is Japan"], ""));
    let bad = run(
        d,
        &["export", "create", "JP", "--destination", "Nurture", "--segment", "Japan", "--field", "shoe_size"],
        "",
    );
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("shoe_size"), "{bad:?}");
    let saved = json(&run(
        d,
        &[
            "--json",
            "export",
            "create",
            "JP",
            "--destination",
            "Nurture",
            "--segment",
            "Japan",
            "--field",
            "firstName=first_name",
            "--schedule",
            "after-sync",
        ],
        "",
    ));
    assert_eq!(saved["schedule"], serde_json::json!({ "kind": "after_sync" }));
    assert_eq!(json(&run(d, &["--json", "export", "history", "JP"], "")), serde_json::json!([]), "R15");

    let dry = json(&run(d, &["--json", "export", "run", "JP", "--dry-run"], ""));
    assert_eq!((dry["added"].as_u64(), dry["skipped"].as_u64(), dry["calls"].as_u64()), (Some(9), Some(1), Some(0)));
    let first = json(&run(d, &["--json", "export", "run", "JP"], ""));
    assert_eq!(
        (first["added"].as_u64(), first["skipped"].as_u64(), first["failed"].as_u64()),
        (Some(9), Some(1), Some(0))
    );
    let again = json(&run(d, &["--json", "export", "run", "JP"], ""));
    assert_eq!((again["added"].as_u64(), again["unchanged"].as_u64()), (Some(0), Some(9)));
    assert!(again["calls"].as_u64().unwrap() <= 10, "{again}");
    let history = json(&run(d, &["--json", "export", "history", "JP"], ""));
    assert_eq!(history.as_array().unwrap().len(), 2);
    let results = run(d, &["export", "results", first["run_id"].as_str().unwrap()], "");
    assert!(String::from_utf8_lossy(&results.stdout).contains("broken"), "{results:?}");

    let refused = run(d, &["segment", "delete", "Japan"], "");
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("JP"), "{refused:?}");
    json(&run(d, &["--json", "export", "delete", "JP"], ""));
    assert_eq!(json(&run(d, &["--json", "export", "list"], "")), serde_json::json!([]));
    rt.block_on(sandbox.shutdown());
}

/// A workspace with 9 people in Japan, the sandbox's Marketo connected, a destination on its first
/// list, a segment and the export `JP`.
fn export_ready(rt: &tokio::runtime::Runtime, sandbox: &liaison_sandbox::Sandbox, d: &std::path::Path) {
    let mk = sandbox.endpoints().marketo.clone();
    json(&run(d, &["--json", "activate", "--name", "Ada", "--email", "ada@example.com"], ""));
    json(&run(
        d,
        &["--json", "connect", "marketo", "--base-url", &mk.base_url, "--client-id", &mk.client_id, "--sandbox"],
        &mk.client_secret,
    ));
    let paths = Paths::in_dir(d);
    let ws = Workspace::open(paths.clone()).unwrap();
    ws.store()
        .write(|tx| {
            for i in 0..9 {
                tx.execute(
                    "INSERT INTO people (email_key, email, country) VALUES (?1, ?1, 'Japan')",
                    [format!("p{i}@example.jp")],
                )?;
            }
            Ok(())
        })
        .unwrap();
    let vault = Vault::open(ws.store(), &FileKeychain::new(&paths)).unwrap();
    let id = liaison_core::connections::list(ws.store()).unwrap()[0].id.clone();
    let lists = rt.block_on(MarketoClient::load(&ws, &vault, &id).unwrap().get("/rest/v1/lists.json", &[])).unwrap();
    let list_id = lists["result"][0]["id"].as_i64().unwrap().to_string();
    common::connect(d, &common::marketo_destination_args("Nurture", &list_id), "");
    json(&run(d, &["--json", "segment", "create", "Japan", "--rule", "country is Japan"], ""));
    json(&run(d, &["--json", "export", "create", "JP", "--destination", "Nurture", "--segment", "Japan"], ""));
}

#[test]
fn an_export_killed_mid_import_is_continued_at_once_by_the_next_run_without_sending_the_file_again() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    // Marketo's clock at the wall clock's pace: the import takes seconds, long enough to kill.
    let config = liaison_sandbox::SandboxConfig { people: 5, time_scale: 1.0, ..Default::default() };
    let sandbox = rt.block_on(liaison_sandbox::Sandbox::start(config)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    export_ready(&rt, &sandbox, d);
    let mut child = common::liaison(d)
        .args(["export", "run", "JP"])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let store = liaison_core::store::Store::open(&Paths::in_dir(d)).unwrap();
    let handed_over = || {
        store
            .read(|c| {
                Ok(c.query_row("SELECT count(*) FROM export_inflight WHERE batch_id IS NOT NULL", [], |r| {
                    r.get::<_, i64>(0)
                })?)
            })
            .unwrap_or(0)
            > 0
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while !handed_over() {
        assert!(std::time::Instant::now() < deadline, "the file was never handed over");
        assert!(child.try_wait().unwrap().is_none(), "the run ended before it could be killed");
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    child.kill().unwrap(); // SIGKILL, mid-import
    child.wait().unwrap();

    // At once, not after the heartbeat goes stale: the killed owner is known to be gone.
    let next = json(&run(d, &["--json", "export", "run", "JP"], ""));
    assert_eq!(next["resumed"], true, "{next}");
    assert_eq!((next["added"].as_u64(), next["files"].as_u64()), (Some(9), Some(1)), "the same file, followed: {next}");
    let uploads: serde_json::Value = rt.block_on(async {
        reqwest::get(format!("{}/stats", sandbox.endpoints().control_url)).await.unwrap().json().await.unwrap()
    });
    let imports: u64 = uploads["calls"]["marketo"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(label, _)| label.contains("bulk/v1/leads.json"))
        .map(|(_, n)| n.as_u64().unwrap())
        .sum();
    assert_eq!(imports, 1, "the file was imported once: {uploads}");
    rt.block_on(sandbox.shutdown());
}
