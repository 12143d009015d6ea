//! `liaison sync preview|run|status`, `liaison settings sync` and `liaison people search` as
//! processes, against the sandbox.

use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::Value;

fn liaison(data_dir: &std::path::Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_liaison"));
    cmd.arg("--data-dir")
        .arg(data_dir)
        .env_remove("LIAISON_DATA_DIR")
        .env("LIAISON_KEYCHAIN", "file")
        // Signs in the way a signed-in browser would (the sandbox auto-approves).
        .env("BROWSER", concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fetch-browser"));
    cmd
}

fn with_stdin(dir: &std::path::Path, args: &[&str], input: &str) -> std::process::Output {
    let mut child =
        liaison(dir).args(args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    writeln!(child.stdin.take().unwrap(), "{input}").unwrap();
    child.wait_with_output().unwrap()
}

fn json(out: &std::process::Output) -> Value {
    assert!(out.status.success(), "{}\n{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn sync_preview_run_status_and_people_search_from_the_command_line() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sandbox = rt
        .block_on(liaison_sandbox::Sandbox::start(liaison_sandbox::SandboxConfig {
            people: 150,
            auto_approve: true,
            time_scale: 50.0,
            ..Default::default()
        }))
        .unwrap();
    let e = sandbox.endpoints().clone();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    json(&liaison(d).args(["--json", "activate", "--name", "Ada", "--email", "ada@example.com"]).output().unwrap());
    // Before connecting, the sync says what is missing.
    let refused = liaison(d).args(["sync", "run"]).output().unwrap();
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("not connected"), "{refused:?}");
    let mk = &e.marketo;
    json(&with_stdin(
        d,
        &["--json", "connect", "marketo", "--base-url", &mk.base_url, "--client-id", &mk.client_id, "--sandbox"],
        &mk.client_secret,
    ));
    let sf = &e.salesforce;
    json(&with_stdin(
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
    // A bad setting is refused with the reason; a good one is kept.
    let bad = liaison(d).args(["settings", "sync", "--history-from", "someday"]).output().unwrap();
    assert!(String::from_utf8_lossy(&bad.stderr).contains("YYYY-MM-DD"), "{bad:?}");
    let set = json(
        &liaison(d)
            .args([
                "--json",
                "settings",
                "sync",
                "--history-from",
                liaison_sandbox::Sandbox::data_since(),
                "--activities",
                "off",
            ])
            .output()
            .unwrap(),
    );
    assert_eq!(set["log_activities"], false);

    let preview = json(&liaison(d).args(["--json", "sync", "preview"]).output().unwrap());
    let rows = preview["fields"]["rows"].as_array().unwrap();
    assert!(rows[0]["required"].as_bool().unwrap() && rows[0]["marketo"]["name"] == "email");
    assert!(preview["estimate"]["full"].as_bool().unwrap());

    let report = json(&liaison(d).args(["--json", "sync", "run"]).output().unwrap());
    assert_eq!(report["state"], "succeeded", "{report}");
    assert_eq!(report["counts"]["created"], 150);

    let status = json(&liaison(d).args(["--json", "sync", "status"]).output().unwrap());
    assert_eq!(status["people"], 150);
    assert!(status["incremental_ready"].as_bool().unwrap());

    let found = json(&liaison(d).args(["--json", "people", "search", "example.com", "--limit", "5"]).output().unwrap());
    let first = &found.as_array().unwrap()[0];
    assert!(first["email"].as_str().unwrap().contains("example.com"));
    // Custom fields: added by API name, checked in the preview, listed and removed.
    let added = json(
        &liaison(d)
            .args([
                "--json",
                "sync",
                "field",
                "add",
                "--label",
                "Lead source",
                "--marketo",
                "leadSource",
                "--contact",
                "LeadSource",
            ])
            .output()
            .unwrap(),
    );
    assert_eq!(added["key"], "custom_lead_source");
    let bad =
        liaison(d).args(["sync", "field", "add", "--label", "Tier", "--marketo", "Customer Tier"]).output().unwrap();
    assert!(String::from_utf8_lossy(&bad.stderr).contains("API name"), "{bad:?}");
    let preview = json(&liaison(d).args(["--json", "sync", "preview"]).output().unwrap());
    let row = preview["fields"]["rows"].as_array().unwrap().iter().find(|r| r["custom"]["key"] == "custom_lead_source");
    assert_eq!(row.unwrap()["compatible"], true, "{preview}");
    let list = json(&liaison(d).args(["--json", "sync", "field", "list"]).output().unwrap());
    assert_eq!(list.as_array().unwrap().len(), 1);
    json(&liaison(d).args(["--json", "sync", "field", "remove", "custom_lead_source"]).output().unwrap());
    let text = liaison(d).args(["people", "search", "no-such-person-xyz"]).output().unwrap();
    assert!(String::from_utf8_lossy(&text.stdout).contains("Nobody in the cache matches"));
    rt.block_on(sandbox.shutdown());
}
