//! `liaison campaign timeline`: one contact's timeline as Dynamics 365 shows it, with the email
//! events the next Campaign run adds (seed 004; R18); `liaison campaign schedule`.

mod common;

use common::{campaign_args, connect, dynamics_args, json, run};

#[test]
fn r18_a_contact_s_timeline_is_previewed_from_the_command_line() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let config = liaison_sandbox::SandboxConfig { people: 8, auto_approve: true, ..Default::default() };
    let sandbox = rt.block_on(liaison_sandbox::Sandbox::start(config)).unwrap();
    let e = sandbox.endpoints().clone();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    json(&run(d, &["--json", "activate", "--name", "Ada", "--email", "ada@example.com"], ""));
    let dynamics = connect(d, &dynamics_args(&e), "");
    let campaign = connect(d, &campaign_args(&e), &e.campaign.client_secret);
    let (dynamics, campaign) = (dynamics["id"].as_str().unwrap(), campaign["id"].as_str().unwrap());
    json(&run(d, &["--json", "campaign", "setup", "--dynamics", dynamics, "--campaign", campaign], ""));
    json(&run(d, &["--json", "campaign", "run"], ""));
    let store = liaison_core::store::Store::open(&liaison_core::Paths::in_dir(d)).unwrap();
    let (contact, profile): (String, String) = store
        .read(|c| {
            Ok(c.query_row(
                "SELECT contact_id, pkey FROM campaign_profiles WHERE pkey IS NOT NULL ORDER BY contact_id LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?)
        })
        .unwrap();
    let injected = rt.block_on(async {
        reqwest::Client::new()
            .post(format!("{}/campaign/events", e.control_url))
            .json(&serde_json::json!([{"profile": profile, "type": "opened", "label": "Year-end news"}]))
            .send()
            .await
            .unwrap()
            .status()
    });
    assert!(injected.is_success());

    let preview = json(&run(d, &["--json", "campaign", "timeline", &contact], ""));
    assert_eq!(preview["contact_id"], contact.as_str());
    let entries = preview["entries"].as_array().unwrap();
    let next: Vec<_> = entries.iter().filter(|e| e["state"] == "next_run").collect();
    assert_eq!(next.len(), 1, "{preview}");
    assert_eq!(next[0]["event"], "opened");
    let email = preview["email"].as_str().unwrap();
    let text = String::from_utf8_lossy(&run(d, &["campaign", "timeline", email], "").stdout).into_owned();
    assert!(text.contains("[next run]  Email opened: “Year-end news”"), "{text}");

    let missing = run(d, &["campaign", "timeline", "nobody@example.com"], "");
    assert_ne!(missing.status.code(), Some(0));
    let said = String::from_utf8_lossy(&missing.stderr);
    assert!(said.contains("No contact in Dynamics 365 has the email or ID “nobody@example.com”"), "{said}");
    rt.block_on(sandbox.shutdown());
}

#[test]
fn the_campaign_run_is_scheduled_from_the_command_line_and_the_status_says_so() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let config = liaison_sandbox::SandboxConfig { people: 4, auto_approve: true, ..Default::default() };
    let sandbox = rt.block_on(liaison_sandbox::Sandbox::start(config)).unwrap();
    let e = sandbox.endpoints().clone();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    json(&run(d, &["--json", "activate", "--name", "Ada", "--email", "ada@example.com"], ""));
    let before = run(d, &["campaign", "schedule", "30"], "");
    assert_eq!(before.status.code(), Some(2), "not set up yet: {before:?}");
    let dynamics = connect(d, &dynamics_args(&e), "");
    let campaign = connect(d, &campaign_args(&e), &e.campaign.client_secret);
    let (dynamics, campaign) = (dynamics["id"].as_str().unwrap(), campaign["id"].as_str().unwrap());
    json(&run(d, &["--json", "campaign", "setup", "--dynamics", dynamics, "--campaign", campaign], ""));
    let text = String::from_utf8_lossy(&run(d, &["campaign", "status"], "").stdout).into_owned();
    assert!(text.contains("Runs: on demand only"), "{text}");
    let set = json(&run(d, &["--json", "campaign", "schedule", "30"], ""));
    assert_eq!(set["schedule"]["every_minutes"], 30, "{set}");
    assert_eq!(set["schedule"]["changed_by"], "ada@example.com");
    let text = String::from_utf8_lossy(&run(d, &["campaign", "status"], "").stdout).into_owned();
    assert!(text.contains("by itself every 30 minutes"), "{text}");
    let refused = run(d, &["campaign", "schedule", "2"], "");
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("5 to 1,440 minutes"), "{refused:?}");
    rt.block_on(sandbox.shutdown());
}
