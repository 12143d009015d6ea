//! `liaison status` over a real data directory.

use std::process::Command;

fn liaison(data_dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_liaison"))
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .env_remove("LIAISON_DATA_DIR")
        .env("LIAISON_KEYCHAIN", "file")
        .output()
        .expect("liaison runs")
}

#[test]
fn r1_status_json_on_a_fresh_data_dir_lists_seven_steps_not_started() {
    let dir = tempfile::tempdir().unwrap();
    let out = liaison(dir.path(), &["status", "--json"]);
    assert!(out.status.success(), "stderr: {}", String::from_utf8_lossy(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let steps = json["setup"]["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 7);
    assert!(steps.iter().all(|s| s["state"] == "not_started"), "{json}");
    assert_eq!(steps[1]["persona"], "marketo_or_salesforce_admin");
    assert_eq!(json["setup"]["done"], 0);
    assert!(json["workspace"]["workspace_id"].as_str().is_some_and(|id| id.len() == 36));
    // Logs stay inside the chosen data directory.
    assert!(dir.path().join("logs").is_dir());
}

#[test]
fn status_text_names_each_step_and_persona() {
    let dir = tempfile::tempdir().unwrap();
    let out = liaison(dir.path(), &["status"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("0 of 7 steps done"), "{text}");
    assert!(text.contains("6. Install or upgrade the CRM package") && text.contains("Salesforce admin"), "{text}");
}

#[test]
fn a_database_from_a_newer_version_is_refused_with_exit_2_and_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    assert!(liaison(dir.path(), &["status"]).status.success());
    rusqlite::Connection::open(dir.path().join("liaison.db")).unwrap().pragma_update(None, "user_version", 99).unwrap();
    let out = liaison(dir.path(), &["status", "--json"]);
    assert_eq!(out.status.code(), Some(2));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["error"]["code"], "store_too_new");
}

#[test]
fn a_corrupt_database_is_refused_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("liaison.db"),
        b"this is not sqlite, just text that is long enough to be a header....",
    )
    .unwrap();
    let out = liaison(dir.path(), &["status"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("damaged or is not a database"), "{stderr}");
}

#[test]
fn an_unwritable_data_dir_is_refused_with_exit_2_naming_the_folder() {
    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("blocker");
    std::fs::write(&blocker, "x").unwrap();
    let out = liaison(&blocker.join("ws"), &["status"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("cannot write to") && stderr.contains("blocker"), "{stderr}");
}

#[test]
fn version_flag_prints_the_version() {
    let out = Command::new(env!("CARGO_BIN_EXE_liaison")).arg("--version").output().unwrap();
    assert!(out.status.success());
    assert_eq!(String::from_utf8(out.stdout).unwrap().trim(), format!("liaison {}", env!("CARGO_PKG_VERSION")));
}
