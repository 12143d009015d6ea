//! `liaison invite preview` as a process.

use std::process::Command;

fn liaison(data_dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_liaison"))
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .env_remove("LIAISON_DATA_DIR")
        .env("LIAISON_KEYCHAIN", "file")
        .output()
        .unwrap()
}

#[test]
fn preview_json_reports_the_reading_mapping_totals_and_issues_with_exit_3_when_rows_fail() {
    let dir = tempfile::tempdir().unwrap();
    liaison(dir.path(), &["activate", "--name", "Ada", "--email", "ada@example.com"]);
    let file = dir.path().join("team.csv");
    std::fs::write(
        &file,
        "Sales team export 2026-11\n\nメールアドレス;氏名;部署\nhanako@example.jp;山田 花子;営業\nnot-an-email;鈴木 一郎;営業\nHANAKO@example.jp ;山田 花子;営業\nada@example.com;Ada;Admin\n",
    )
    .unwrap();
    let out = liaison(dir.path(), &["invite", "preview", file.to_str().unwrap(), "--json"]);
    assert_eq!(out.status.code(), Some(3), "{}", String::from_utf8_lossy(&out.stderr));
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["encoding"], "UTF-8");
    assert_eq!(r["delimiter"], "semicolon");
    assert_eq!(r["header_row"], 3);
    assert_eq!(r["rows"], 4);
    assert_eq!(r["mapping"]["email"], "メールアドレス");
    assert_eq!(
        (r["valid"].clone(), r["invalid"].clone(), r["duplicates"].clone(), r["existing"].clone()),
        (1.into(), 1.into(), 1.into(), 1.into())
    );
    let codes: Vec<&str> = r["issues"].as_array().unwrap().iter().map(|i| i["code"].as_str().unwrap()).collect();
    assert!(
        codes.contains(&"invalid_email") && codes.contains(&"duplicate_in_file") && codes.contains(&"already_member"),
        "{codes:?}"
    );
}

#[test]
fn preview_of_an_empty_file_is_an_error_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("empty.csv");
    std::fs::write(&file, "").unwrap();
    let out = liaison(dir.path(), &["invite", "preview", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("empty"), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn invite_add_and_send_deliver_through_smtp_and_list_shows_them() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sandbox = rt
        .block_on(liaison_sandbox::Sandbox::start(liaison_sandbox::SandboxConfig { people: 10, ..Default::default() }))
        .unwrap();
    let smtp = sandbox.endpoints().smtp.clone();
    let dir = tempfile::tempdir().unwrap();
    liaison(dir.path(), &["activate", "--name", "Ada", "--email", "ada@example.com"]);
    let port = smtp.port.to_string();
    let saved = liaison(
        dir.path(),
        &["settings", "smtp", "--host", &smtp.host, "--port", &port, "--tls", "none", "--from", "invites@example.com"],
    );
    assert!(saved.status.success(), "{}", String::from_utf8_lossy(&saved.stderr));

    let one = liaison(dir.path(), &["invite", "add", "bea@example.com", "--name", "Bea"]);
    assert!(one.status.success(), "{}{}", String::from_utf8_lossy(&one.stdout), String::from_utf8_lossy(&one.stderr));

    let file = dir.path().join("team.csv");
    std::fs::write(&file, "Email,First name\ncarl@example.com,Carl\nnot-an-email,X\nbea@example.com,Bea\n").unwrap();
    let refused = liaison(dir.path(), &["invite", "send", file.to_str().unwrap()]);
    assert_eq!(refused.status.code(), Some(2), "without a terminal, --yes is required");
    let results = dir.path().join("results.csv");
    let sent = liaison(
        dir.path(),
        &["invite", "send", file.to_str().unwrap(), "--yes", "--results", results.to_str().unwrap(), "--json"],
    );
    assert_eq!(sent.status.code(), Some(3), "some rows were skipped: {}", String::from_utf8_lossy(&sent.stdout));
    // The results file repeats the file's own columns, then Result and Reason.
    let results = std::fs::read_to_string(&results).unwrap();
    let lines: Vec<&str> = results.trim_start_matches('\u{FEFF}').lines().collect();
    assert_eq!(lines[0], "Email,First name,Result,Reason");
    assert_eq!(lines[1], "carl@example.com,Carl,invited,");
    assert!(lines[2].starts_with("not-an-email,X,invalid,"), "{}", lines[2]);
    assert!(lines[3].starts_with("bea@example.com,Bea,skipped,"), "{}", lines[3]);

    let mail: serde_json::Value = rt.block_on(async {
        reqwest::get(format!("{}/mail", sandbox.endpoints().control_url)).await.unwrap().json().await.unwrap()
    });
    let text = mail.to_string();
    assert!(text.contains("bea@example.com") && text.contains("carl@example.com"), "{text}");
    assert!(!text.contains("not-an-email"));

    let list = liaison(dir.path(), &["invite", "list", "--json"]);
    let list: serde_json::Value = serde_json::from_slice(&list.stdout).unwrap();
    assert_eq!(list.as_array().unwrap().len(), 2);
    rt.block_on(sandbox.shutdown());
}
