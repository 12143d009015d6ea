//! `liaison campaign setup|map|status` against the sandbox: the Adobe Campaign ↔ Dynamics 365
//! integration set up from the command line, its mapping changed and refused with the reason.

mod common;

use common::{campaign_args, connect, dynamics_args, json, liaison, run};

fn said(out: &std::process::Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

#[test]
fn r17_r19_the_integration_is_set_up_mapped_and_shown_from_the_command_line() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let config = liaison_sandbox::SandboxConfig { people: 10, auto_approve: true, ..Default::default() };
    let sandbox = rt.block_on(liaison_sandbox::Sandbox::start(config)).unwrap();
    let e = sandbox.endpoints().clone();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    json(&run(d, &["--json", "activate", "--name", "Ada", "--email", "ada@example.com"], ""));
    // Before it is set up, the status says how.
    let status = run(d, &["campaign", "status"], "");
    assert!(said(&status).contains("liaison campaign setup"), "{status:?}");
    let dynamics = connect(d, &dynamics_args(&e), "");
    let campaign = connect(d, &campaign_args(&e), &e.campaign.client_secret);
    let (dynamics, campaign) = (dynamics["id"].as_str().unwrap(), campaign["id"].as_str().unwrap());
    let bad =
        run(d, &["campaign", "setup", "--dynamics", dynamics, "--campaign", campaign, "--optout", "sideways"], "");
    assert_eq!(bad.status.code(), Some(2));
    assert!(said(&bad).contains("dynamics-to-campaign"), "{bad:?}");

    let link = json(&run(
        d,
        &["--json", "campaign", "setup", "--dynamics", dynamics, "--campaign", campaign, "--optout", "both"],
        "",
    ));
    assert_eq!(link["optout"], "both");
    assert_eq!(link["contact_fields"][0], serde_json::json!({ "attribute": "contactid", "field": "cusCrmContactId" }));
    let text = said(&liaison(d).args(["campaign", "status"]).output().unwrap());
    assert!(text.contains("donotbulkemail ↔ blackListEmail"), "{text}");
    assert!(text.contains("donotemail → blackListEmail"), "{text}");
    assert!(text.contains("emailaddress1 → email"), "{text}");

    let refused = run(d, &["campaign", "map", "contact", "donotemail=firstName"], "");
    assert_eq!(refused.status.code(), Some(2));
    assert!(said(&refused).contains("types differ"), "{refused:?}");
    let changed = json(&run(
        d,
        &[
            "--json",
            "campaign",
            "map",
            "contact",
            "emailaddress1=email",
            "jobtitle=cusJobTitle",
            "--optout",
            "campaign-to-dynamics",
        ],
        "",
    ));
    assert_eq!(changed["contact_fields"].as_array().unwrap().len(), 3, "{changed}");
    assert_eq!(changed["optout"], "campaign_to_dynamics");
    let text = said(&liaison(d).args(["campaign", "status"]).output().unwrap());
    assert!(text.contains("donotbulkemail ← blackListEmail") && text.contains("jobtitle → cusJobTitle"), "{text}");
    rt.block_on(sandbox.shutdown());
}
