//! `liaison activate`, `admin`, `audit`, `remove` over a real data directory.

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

fn json(out: &std::process::Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)))
}

#[test]
fn r2_activate_completes_step_1_and_shows_the_masked_secret_only() {
    let dir = tempfile::tempdir().unwrap();
    let out = liaison(dir.path(), &["activate", "--name", "Ada Admin", "--email", "ada@example.com", "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let activated = json(&out);
    let masked = activated["integration"]["client_secret_masked"].as_str().unwrap();
    assert!(masked.starts_with("••••"), "{masked}");
    let status = json(&liaison(dir.path(), &["status", "--json"]));
    assert_eq!(status["setup"]["steps"][0]["state"], "done");
    assert_eq!(status["acting_admin"]["email"], "ada@example.com");
    assert_eq!(status["vault"]["keychain"], "file");
    assert!(status["vault"]["warning"].as_str().unwrap().contains("key file"));
    let audit = json(&liaison(dir.path(), &["audit", "--action", "activated", "--json"]));
    assert_eq!(audit[0]["actor"], "ada@example.com");
}

#[test]
fn activating_twice_fails_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    assert!(liaison(dir.path(), &["activate", "--name", "Ada", "--email", "ada@example.com"]).status.success());
    let again = liaison(dir.path(), &["activate", "--name", "Bob", "--email", "bob@example.com"]);
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("already activated"));
}

#[test]
fn an_invalid_email_is_refused_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let out = liaison(dir.path(), &["activate", "--name", "Ada", "--email", "ada@localhost"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("not a valid email address"), "{stderr}");
}

#[test]
fn the_last_admin_cannot_be_removed() {
    let dir = tempfile::tempdir().unwrap();
    liaison(dir.path(), &["activate", "--name", "Ada", "--email", "ada@example.com"]);
    let out = liaison(dir.path(), &["remove", "ada@example.com"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("last active admin"));
}
