//! `liaison sandbox serve` and `liaison connect marketo` as processes.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

fn liaison(data_dir: &std::path::Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_liaison"));
    cmd.arg("--data-dir").arg(data_dir).env_remove("LIAISON_DATA_DIR").env("LIAISON_KEYCHAIN", "file");
    cmd
}

#[test]
fn sandbox_serve_prints_one_json_line_of_endpoints_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = liaison(dir.path())
        .args(["sandbox", "serve", "--people", "50", "--seed", "7", "--auto-approve"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let e: serde_json::Value = serde_json::from_str(&line).unwrap();
    for key in ["salesforce", "marketo", "dynamics", "campaign", "smtp", "control_url"] {
        assert!(e.get(key).is_some(), "missing {key}: {e}");
    }
    assert!(e["marketo"]["base_url"].as_str().unwrap().starts_with("http://127.0.0.1:"));
    assert!(e["salesforce"]["client_secret"].as_str().is_some_and(|s| !s.is_empty()));
    assert!(e["smtp"]["port"].as_u64().is_some());
    let status = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(status.success());
    assert!(child.wait().unwrap().success(), "serve exits cleanly on SIGTERM");
}

#[test]
fn sandbox_serve_refuses_a_bad_fault_rate() {
    let dir = tempfile::tempdir().unwrap();
    let out = liaison(dir.path()).args(["sandbox", "serve", "--fault-rate", "2"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--fault-rate"));
}

fn connect_marketo(dir: &std::path::Path, base_url: &str, client_id: &str, secret: &str) -> std::process::Output {
    let mut child = liaison(dir)
        .args(["connect", "marketo", "--base-url", base_url, "--client-id", client_id, "--sandbox", "--json"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    writeln!(child.stdin.take().unwrap(), "{secret}").unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn connect_marketo_reads_the_secret_from_stdin_and_lists_the_connection() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sandbox = rt
        .block_on(liaison_sandbox::Sandbox::start(liaison_sandbox::SandboxConfig { people: 10, ..Default::default() }))
        .unwrap();
    let m = sandbox.endpoints().marketo.clone();
    let dir = tempfile::tempdir().unwrap();
    assert!(
        liaison(dir.path())
            .args(["activate", "--name", "Ada", "--email", "ada@example.com"])
            .output()
            .unwrap()
            .status
            .success()
    );

    let wrong = connect_marketo(dir.path(), &m.base_url, &m.client_id, "not-it");
    assert_eq!(wrong.status.code(), Some(2));
    let err: serde_json::Value = serde_json::from_slice(&wrong.stdout).unwrap();
    assert_eq!(err["error"]["code"], "unauthorized");

    let ok = connect_marketo(dir.path(), &m.base_url, &m.client_id, &m.client_secret);
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stdout));
    let list = liaison(dir.path()).args(["connections", "list", "--json"]).output().unwrap();
    let list: serde_json::Value = serde_json::from_slice(&list.stdout).unwrap();
    assert_eq!(list[0]["kind"], "marketo");
    assert_eq!(list[0]["is_sandbox"], true);
    let status: serde_json::Value =
        serde_json::from_slice(&liaison(dir.path()).args(["status", "--json"]).output().unwrap().stdout).unwrap();
    assert_eq!(status["setup"]["steps"][2]["state"], "done");
    let check = liaison(dir.path()).args(["connections", "check", "--json"]).output().unwrap();
    assert!(check.status.success(), "{}", String::from_utf8_lossy(&check.stdout));
    let reports: serde_json::Value = serde_json::from_slice(&check.stdout).unwrap();
    assert!(reports[0]["items"].as_array().unwrap().iter().all(|i| i["ok"] == true));
    rt.block_on(sandbox.shutdown());
}
