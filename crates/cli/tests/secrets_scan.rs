//! After a whole scripted session on the command line — activate, connect Marketo, Salesforce
//! and Dynamics 365, a full sync, an export to a Dynamics 365 list, disconnect — no secret or
//! token is in anything a command printed or in the arguments of any process Liaison started
//! (the browser it opens for a sign-in). The CLI's own arguments never carry one: that is
//! `no_command_takes_a_secret_or_token_as_an_argument` in `src/main.rs`.

mod common;

use std::process::{Output, Stdio};

use common::{dynamics_args, dynamics_destination_args, liaison, marketo_args, salesforce_args, strs};
use liaison_core::vault::{FileKeychain, Vault};
use liaison_core::{Paths, Workspace};
use secrecy::ExposeSecret;

#[test]
fn no_answer_of_a_whole_cli_session_and_no_process_argument_carries_a_secret_or_token() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let config =
        liaison_sandbox::SandboxConfig { people: 40, auto_approve: true, time_scale: 100.0, ..Default::default() };
    let sandbox = rt.block_on(liaison_sandbox::Sandbox::start(config)).unwrap();
    let e = sandbox.endpoints().clone();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("workspace");
    // A browser that writes down the arguments it was started with, then signs in.
    let argv_log = dir.path().join("browser-argv.log");
    let browser = dir.path().join("browser");
    std::fs::write(
        &browser,
        format!(
            "#!/bin/sh\nprintf '%s\\n' \"$0\" \"$@\" >> '{}'\nexec '{}' \"$@\"\n",
            argv_log.display(),
            concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fetch-browser")
        ),
    )
    .unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&browser, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let mut printed = Vec::<String>::new();
    let mut run = |args: &[&str], input: &str| -> Output {
        use std::io::Write;
        let mut child = liaison(&d)
            .env("BROWSER", &browser)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        writeln!(child.stdin.take().unwrap(), "{input}").unwrap();
        let out = child.wait_with_output().unwrap();
        printed.push(format!(
            "{args:?}\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ));
        assert!(out.status.success(), "{args:?}: {}", printed.last().unwrap());
        out
    };

    run(&["activate", "--name", "Ada", "--email", "ada@example.com"], "");
    run(&strs(&marketo_args(&e)), &e.marketo.client_secret);
    let mut salesforce = vec!["--json".to_owned()];
    salesforce.extend(salesforce_args(&e));
    let connected = run(&strs(&salesforce), &e.salesforce.client_secret);
    let connected: serde_json::Value = serde_json::from_slice(&connected.stdout).unwrap();
    let salesforce_id = connected["id"].as_str().unwrap().to_owned();
    run(&strs(&dynamics_args(&e)), "");
    let since = liaison_sandbox::Sandbox::data_since();
    run(&["settings", "sync", "--history-from", since, "--activities", "off"], "");
    run(&["--json", "sync", "run", "--full"], "");
    run(&["sync", "status"], "");
    run(&["--json", "segment", "create", "Everyone"], "");
    run(&strs(&dynamics_destination_args("Webinar", "Webinar")), "");
    run(&["export", "create", "Webinar", "--destination", "Webinar", "--segment", "Everyone"], "");
    let report = run(&["--json", "export", "run", "Webinar"], "");
    let report: serde_json::Value = serde_json::from_slice(&report.stdout).unwrap();
    run(&["export", "results", report["run_id"].as_str().unwrap()], "");
    for args in [
        &["status"][..],
        &["--json", "status"],
        &["connections", "list"],
        &["--json", "connections", "list"],
        &["--json", "people", "search", "example", "--limit", "50"],
        &["export", "history", "Webinar"],
        &["export", "destination", "list"],
    ] {
        run(args, "");
    }

    // Every secret and token of the session.
    let mut secrets = vec![e.salesforce.client_secret.clone(), e.marketo.client_secret.clone()];
    let tokens: serde_json::Value =
        rt.block_on(async { reqwest::get(format!("{}/tokens", e.control_url)).await.unwrap().json().await.unwrap() });
    secrets.extend(tokens["tokens"].as_array().unwrap().iter().filter_map(|t| t["token"].as_str().map(str::to_owned)));
    {
        let paths = Paths::in_dir(&d);
        let ws = Workspace::open(paths.clone()).unwrap();
        let vault = Vault::open(ws.store(), &FileKeychain::new(&paths)).unwrap();
        let names: Vec<String> = ws
            .store()
            .read(|c| {
                let mut stmt = c.prepare("SELECT name FROM secrets")?;
                let names = stmt.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<Vec<String>>>()?;
                Ok(names)
            })
            .unwrap();
        assert!(names.len() >= 6, "the vault holds every system's secrets: {names:?}");
        for name in names {
            secrets.push(vault.get(&name).unwrap().unwrap().expose_secret().to_owned());
        }
    }
    run(&["connections", "disconnect", &salesforce_id], "");
    secrets.retain(|s| s.len() >= 8);
    secrets.sort();
    secrets.dedup();
    assert!(secrets.len() >= 7, "secrets of every system were collected: {}", secrets.len());

    let argv = std::fs::read_to_string(&argv_log).unwrap();
    assert!(argv.matches("state=").count() >= 2, "the browser was started for both sign-ins: {argv}");
    for (what, text) in printed.iter().map(|p| ("what a command printed", p)).chain([("a browser's arguments", &argv)])
    {
        for secret in &secrets {
            assert!(!text.contains(secret.as_str()), "a secret ({}…) is in {what}: {text:.300}", &secret[..4]);
        }
    }
    rt.block_on(sandbox.shutdown());
}
