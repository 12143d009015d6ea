//! `liaison team create|list|assign` and `liaison settings expiry` over a real data directory.

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

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn r4_teams_are_created_listed_and_assigned_and_everyone_stays() {
    let dir = tempfile::tempdir().unwrap();
    assert!(liaison(dir.path(), &["activate", "--name", "Ada", "--email", "ada@example.com"]).status.success());
    let created = liaison(dir.path(), &["team", "create", "Field Sales", "--json"]);
    assert!(created.status.success(), "{}", stderr(&created));
    assert_eq!(json(&created)["name"], "Field Sales");
    let again = liaison(dir.path(), &["team", "create", "field sales"]);
    assert_eq!(again.status.code(), Some(2));
    assert!(stderr(&again).contains("already exists"), "{}", stderr(&again));
    let blank = liaison(dir.path(), &["team", "create", "  "]);
    assert_eq!(blank.status.code(), Some(2));
    assert!(stderr(&blank).contains("1 to 80 characters"), "{}", stderr(&blank));

    let list = json(&liaison(dir.path(), &["team", "list", "--json"]));
    let names: Vec<&str> = list.as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Everyone", "Field Sales"]);
    let text = String::from_utf8(liaison(dir.path(), &["team", "list"]).stdout).unwrap();
    assert_eq!(text, "Everyone (every member)\nField Sales\n");

    let assigned = liaison(dir.path(), &["team", "assign", "ada@example.com", "--team", "Field Sales", "--json"]);
    assert!(assigned.status.success(), "{}", stderr(&assigned));
    assert_eq!(json(&assigned)["teams"], serde_json::json!(["Everyone", "Field Sales"]));
    let unknown = liaison(dir.path(), &["team", "assign", "ada@example.com", "--team", "Nope"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(stderr(&unknown).contains("no team called “Nope”"), "{}", stderr(&unknown));
    let cleared = String::from_utf8(liaison(dir.path(), &["team", "assign", "ada@example.com"]).stdout).unwrap();
    assert_eq!(cleared, "ada@example.com is in: Everyone.\n");
}

#[test]
fn the_invitation_expiry_defaults_to_3_days_and_is_changed_within_1_to_90() {
    let dir = tempfile::tempdir().unwrap();
    assert!(liaison(dir.path(), &["activate", "--name", "Ada", "--email", "ada@example.com"]).status.success());
    assert_eq!(json(&liaison(dir.path(), &["settings", "expiry", "--json"]))["expiry_days"], 3);
    let set = liaison(dir.path(), &["settings", "expiry", "7"]);
    assert!(set.status.success(), "{}", stderr(&set));
    assert_eq!(String::from_utf8(set.stdout).unwrap(), "New invitations stay valid for 7 days.\n");
    let too_long = liaison(dir.path(), &["settings", "expiry", "91"]);
    assert_eq!(too_long.status.code(), Some(2));
    assert!(stderr(&too_long).contains("1 to 90 days"), "{}", stderr(&too_long));
    assert_eq!(json(&liaison(dir.path(), &["settings", "expiry", "--json"]))["expiry_days"], 7);
    let audit = json(&liaison(dir.path(), &["audit", "--action", "invites.expiry_changed", "--json"]));
    assert_eq!(audit[0]["details"]["days"], 7);
}
