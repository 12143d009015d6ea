//! `liaison connect dynamics --usable-by` and `liaison connections access` (R13) as a process,
//! against the sandbox's Dynamics 365.

mod common;

use common::{json, run};
use liaison_core::members::admin::add_active_admin;
use liaison_core::{Paths, Workspace};
use liaison_sandbox::{Sandbox, SandboxConfig};

/// Everything a command printed (errors go to stderr, or to stdout as JSON with `--json`).
fn printed(out: &std::process::Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

/// The sandbox (auto-approving sign-ins) and a workspace with admins Ada (acting), Ben and Cy.
fn world(rt: &tokio::runtime::Runtime) -> (Sandbox, tempfile::TempDir) {
    let config = SandboxConfig { people: 10, auto_approve: true, ..Default::default() };
    let sandbox = rt.block_on(Sandbox::start(config)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    json(&run(dir.path(), &["--json", "activate", "--name", "Ada", "--email", "ada@example.com"], ""));
    let ws = Workspace::open(Paths::in_dir(dir.path())).unwrap();
    add_active_admin(&ws, "Ben", "ben@example.com").unwrap();
    add_active_admin(&ws, "Cy", "cy@example.com").unwrap();
    (sandbox, dir)
}

fn connect_dynamics(d: &std::path::Path, sandbox: &Sandbox, name: &str, usable_by: &str) -> std::process::Output {
    let dy = &sandbox.endpoints().dynamics;
    let args = [
        "--json",
        "connect",
        "dynamics",
        "--org-url",
        &dy.org_url,
        "--authority-url",
        &dy.authority_url,
        "--client-id",
        &dy.client_id,
        "--name",
        name,
        "--sandbox",
        "--usable-by",
        usable_by,
    ];
    run(d, &args, "")
}

#[test]
fn r13_who_may_use_a_dynamics_connection_is_set_when_connecting_changed_by_its_owner_and_listed() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (sandbox, dir) = world(&rt);
    let d = dir.path();
    let connect = |usable_by: &str| connect_dynamics(d, &sandbox, "Dynamics – production", usable_by);

    let stranger = connect("ben@example.com,nobody@example.com");
    assert_eq!(stranger.status.code(), Some(2), "{stranger:?}");
    assert!(printed(&stranger).contains("nobody@example.com"), "{}", printed(&stranger));

    let connected = json(&connect("Ben@Example.com"));
    let id = connected["id"].as_str().unwrap().to_owned();
    assert_eq!(connected["usable_by"], serde_json::json!({ "kind": "members", "emails": ["ben@example.com"] }));

    let listed = run(d, &["connections", "list"], "");
    let text = String::from_utf8_lossy(&listed.stdout);
    assert!(text.contains("usable by ben@example.com and the admin who connected it"), "{text}");

    // Only the owner changes it.
    json(&run(d, &["--json", "admin", "switch", "cy@example.com"], ""));
    let refused = run(d, &["connections", "access", "--connection", &id, "admins"], "");
    assert_eq!(refused.status.code(), Some(2), "{refused:?}");
    assert!(printed(&refused).contains("ada@example.com"), "{}", printed(&refused));
    let shown = run(d, &["connections", "access", "--connection", &id], "");
    assert!(String::from_utf8_lossy(&shown.stdout).contains("ben@example.com"), "{shown:?}");

    json(&run(d, &["--json", "admin", "switch", "ada@example.com"], ""));
    let changed = json(&run(d, &["--json", "connections", "access", "--connection", &id, "admins"], ""));
    assert_eq!(changed["usable_by"], serde_json::json!({ "kind": "administrators" }));
    let audit = json(&run(d, &["--json", "audit", "--action", "connection.access_changed"], ""));
    assert_eq!(audit.as_array().unwrap().len(), 1, "{audit}");
    assert_eq!(audit[0]["details"]["before"]["emails"], serde_json::json!(["ben@example.com"]));

    let listed = run(d, &["connections", "list"], "");
    assert!(String::from_utf8_lossy(&listed.stdout).contains("usable by Administrators"), "{listed:?}");
    rt.block_on(sandbox.shutdown());
}

#[test]
fn r13_an_admin_left_off_the_list_cannot_add_a_destination_through_the_connection() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (sandbox, dir) = world(&rt);
    let d = dir.path();
    let connected = json(&connect_dynamics(d, &sandbox, "Dynamics", "ben@example.com"));
    let id = connected["id"].as_str().unwrap();
    json(&run(d, &["--json", "admin", "switch", "cy@example.com"], ""));
    let add = [
        "export",
        "destination",
        "add",
        "marketo",
        "--name",
        "List",
        "--list-id",
        "1001",
        "--connection",
        id,
        "--accept-privacy-notice",
    ];
    let refused = run(d, &add, "");
    assert_eq!(refused.status.code(), Some(2), "{refused:?}");
    assert!(printed(&refused).contains("“Dynamics”"), "{}", printed(&refused));
    let audit = json(&run(d, &["--json", "audit", "--action", "connection.use_refused"], ""));
    assert_eq!(audit[0]["actor"], "cy@example.com", "{audit}");
    rt.block_on(sandbox.shutdown());
}
