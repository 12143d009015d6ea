//! `liaison marketo-admins` and `liaison activate --from-marketo` (step 1 as seed 000 has it)
//! against the sandbox's Marketo User Management API and SMTP sink.

mod common;
use common::*;

#[test]
fn r2_cli_lists_marketo_admins_and_activates_one_who_then_gets_the_access_email() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sandbox = rt
        .block_on(liaison_sandbox::Sandbox::start(liaison_sandbox::SandboxConfig { people: 10, ..Default::default() }))
        .unwrap();
    let e = sandbox.endpoints().clone();
    let dir = tempfile::tempdir().unwrap();
    let marketo = ["--marketo-url", &e.marketo.base_url, "--client-id", &e.marketo.client_id];

    // Not connected and no credentials: the message points to the typed fallback.
    let out = run(dir.path(), &["marketo-admins"], "");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("Marketo is not connected") && stderr.contains("name and email"), "{stderr}");

    let listed =
        json(&run(dir.path(), &[&["marketo-admins", "--json"][..], &marketo].concat(), &e.marketo.client_secret));
    let emails: Vec<&str> = listed.as_array().unwrap().iter().map(|a| a["email"].as_str().unwrap()).collect();
    assert_eq!(emails, ["ada.0@sandbox.example.com", "hiro.1@sandbox.example.com", "user.3@sandbox.example.com"]);
    assert_eq!(listed[0]["roles"][0], "Admin (AllZones)");

    let refused = run(
        dir.path(),
        &[&["activate", "--from-marketo", "grace.2@sandbox.example.com"][..], &marketo].concat(),
        &e.marketo.client_secret,
    );
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("Admin role"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );

    let done = json(&run(
        dir.path(),
        &[&["activate", "--from-marketo", "hiro.1@sandbox.example.com", "--json"][..], &marketo].concat(),
        &e.marketo.client_secret,
    ));
    assert_eq!(done["admin"]["email"], "hiro.1@sandbox.example.com");
    assert_eq!(done["access_email"]["state"], "queued");
    assert_eq!(done["access_email"]["waiting_for_email_settings"], true);

    let port = e.smtp.port.to_string();
    let saved = run(
        dir.path(),
        &[
            "settings",
            "smtp",
            "--host",
            &e.smtp.host,
            "--port",
            &port,
            "--tls",
            "none",
            "--from",
            "liaison@example.com",
        ],
        "",
    );
    assert!(saved.status.success(), "{}", String::from_utf8_lossy(&saved.stderr));
    let delivered = run(dir.path(), &["invite", "deliver"], "");
    assert!(delivered.status.success(), "{}", String::from_utf8_lossy(&delivered.stderr));
    assert_eq!(recipients(&e.control_url), ["hiro.1@sandbox.example.com"]);
    let status = json(&run(dir.path(), &["status", "--json"], ""));
    assert_eq!(status["acting_admin"]["email"], "hiro.1@sandbox.example.com");
    rt.block_on(sandbox.shutdown());
}
