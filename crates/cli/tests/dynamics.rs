//! Dynamics 365 from the command line, against the sandbox: connecting with `--match-by`, the
//! sync reading Dynamics contacts, `people search --json` with each person's contact ID and how
//! it was matched (R13), and `connections match` changing the matching.

mod common;

use common::{connect, json, liaison, marketo_args, salesforce_args};

/// What a command said, on either stream (errors go to stdout as JSON under `--json`).
fn said(out: &std::process::Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

/// A sandbox of `people` and a workspace activated by Ada with Marketo and Salesforce connected
/// to it.
fn marketo_and_salesforce(
    rt: &tokio::runtime::Runtime,
    people: usize,
) -> (liaison_sandbox::Sandbox, tempfile::TempDir) {
    let sandbox = rt
        .block_on(liaison_sandbox::Sandbox::start(liaison_sandbox::SandboxConfig {
            people,
            auto_approve: true,
            time_scale: 50.0,
            ..Default::default()
        }))
        .unwrap();
    let e = sandbox.endpoints().clone();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    json(&liaison(d).args(["--json", "activate", "--name", "Ada", "--email", "ada@example.com"]).output().unwrap());
    connect(d, &marketo_args(&e), &e.marketo.client_secret);
    connect(d, &salesforce_args(&e), &e.salesforce.client_secret);
    (sandbox, dir)
}

#[test]
fn r13_dynamics_contacts_are_synced_and_people_show_their_contact_and_match() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (sandbox, dir) = marketo_and_salesforce(&rt, 120);
    let e = sandbox.endpoints().clone();
    let d = dir.path();
    let dv = &e.dynamics;
    let connect = |match_by: &str| {
        liaison(d)
            .args([
                "--json",
                "connect",
                "dynamics",
                "--org-url",
                &dv.org_url,
                "--authority-url",
                &dv.authority_url,
                "--client-id",
                &dv.client_id,
                "--name",
                "Dynamics – production",
                "--sandbox",
                "--match-by",
                match_by,
            ])
            .output()
            .unwrap()
    };
    // A malformed matching is refused before any sign-in.
    let bad = connect("customer id");
    assert!(!bad.status.success());
    assert!(said(&bad).contains("FIELD=ATTRIBUTE"), "{bad:?}");
    let connection = json(&connect("email"));
    let id = connection["id"].as_str().unwrap().to_owned();
    json(
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
    let preview = json(&liaison(d).args(["--json", "sync", "preview"]).output().unwrap());
    assert_eq!(preview["fields"]["rows"][0]["dynamics"]["name"], "emailaddress1", "{preview}");
    let report = json(&liaison(d).args(["--json", "sync", "run"]).output().unwrap());
    assert_eq!(report["state"], "succeeded", "{report}");
    assert!(report["counts"]["dynamics_calls"].as_u64().unwrap() > 0, "{report}");
    let found = json(&liaison(d).args(["--json", "people", "search", "example", "--limit", "200"]).output().unwrap());
    let people = found.as_array().unwrap();
    let matched = people
        .iter()
        .find(|p| p["dynamics"]["result"]["kind"] == "matched")
        .unwrap_or_else(|| panic!("someone matches a contact: {found}"));
    assert_eq!(matched["dynamics"]["by"]["kind"], "email");
    assert_eq!(matched["dynamics"]["connection_id"], id.as_str());
    assert_eq!(matched["dynamics"]["result"]["contact_id"], matched["dyn_contact_id"]);
    assert!(people.iter().all(|p| p["dynamics"]["result"]["kind"].is_string()), "every person has a match result");
    // The text view names the contact and the matching.
    let text = liaison(d).args(["people", "search", matched["email"].as_str().unwrap()]).output().unwrap();
    assert!(String::from_utf8_lossy(&text.stdout).contains("by email"), "{text:?}");
    // Changing the matching.
    let set = json(
        &liaison(d)
            .args(["--json", "connections", "match", "--connection", &id, "sf_contact_id=jobtitle"])
            .output()
            .unwrap(),
    );
    assert_eq!(set, serde_json::json!({"kind": "key", "field": "sf_contact_id", "attribute": "jobtitle"}));
    let bad =
        liaison(d).args(["connections", "match", "--connection", &id, "sf_contact_id=Job Title"]).output().unwrap();
    assert!(!bad.status.success());
    assert!(said(&bad).contains("logical name"), "{bad:?}");
    let unknown = liaison(d).args(["connections", "match", "--connection", "nope", "email"]).output().unwrap();
    assert!(said(&unknown).contains("nope"), "{unknown:?}");
    let report = json(&liaison(d).args(["--json", "sync", "run"]).output().unwrap());
    assert_eq!(report["state"], "succeeded", "{report}");
    let found = json(&liaison(d).args(["--json", "people", "search", "example", "--limit", "5"]).output().unwrap());
    assert_eq!(found[0]["dynamics"]["by"]["kind"], "key", "{found}");
    rt.block_on(sandbox.shutdown());
}

#[test]
fn r14_a_segment_is_exported_to_a_new_dynamics_list_with_the_unmatched_reported() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (sandbox, dir) = marketo_and_salesforce(&rt, 150);
    let dv = sandbox.endpoints().dynamics.clone();
    let d = dir.path();
    json(
        &liaison(d)
            .args([
                "--json",
                "connect",
                "dynamics",
                "--org-url",
                &dv.org_url,
                "--authority-url",
                &dv.authority_url,
                "--client-id",
                &dv.client_id,
                "--name",
                "Dynamics – production",
                "--sandbox",
            ])
            .output()
            .unwrap(),
    );
    json(
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
    let synced = json(&liaison(d).args(["--json", "sync", "run"]).output().unwrap());
    assert_eq!(synced["state"], "succeeded", "{synced}");
    // Without the notice accepted, nothing is created in Dynamics.
    let refused = liaison(d)
        .args([
            "export",
            "destination",
            "add",
            "dynamics",
            "--name",
            "Webinar",
            "--connection",
            "dynamics",
            "--new-list",
            "Webinar invitees",
        ])
        .output()
        .unwrap();
    assert!(!refused.status.success(), "{refused:?}");
    let destination = json(
        &liaison(d)
            .args([
                "--json",
                "export",
                "destination",
                "add",
                "dynamics",
                "--name",
                "Webinar",
                "--connection",
                "dynamics",
                "--new-list",
                "Webinar invitees",
                "--accept-privacy-notice",
            ])
            .output()
            .unwrap(),
    );
    assert_eq!(destination["kind"], "dynamics", "{destination}");
    assert_eq!(destination["dynamics"]["created_by_liaison"], true);
    let listed = liaison(d).args(["export", "destination", "list"]).output().unwrap();
    assert!(String::from_utf8_lossy(&listed.stdout).contains("Dynamics 365 list Webinar invitees"), "{listed:?}");
    json(&liaison(d).args(["--json", "segment", "create", "Everyone"]).output().unwrap());
    json(
        &liaison(d)
            .args(["--json", "export", "create", "Webinar", "--destination", "Webinar", "--segment", "Everyone"])
            .output()
            .unwrap(),
    );
    let dry = json(&liaison(d).args(["--json", "export", "run", "Webinar", "--dry-run"]).output().unwrap());
    assert!(dry["added"].as_u64().unwrap() > 0 && dry["unmatched"].as_u64().unwrap() > 0, "{dry}");
    assert!(!dry["samples"]["unmatched"].as_array().unwrap().is_empty(), "{dry}");
    let run = liaison(d).args(["--json", "export", "run", "Webinar"]).output().unwrap();
    assert!(run.status.success(), "unmatched people are not failures: {run:?}");
    let report = json(&run);
    assert_eq!(
        (report["added"].clone(), report["unmatched"].clone()),
        (dry["added"].clone(), dry["unmatched"].clone())
    );
    assert_eq!(report["failed"], 0);
    let results = liaison(d).args(["export", "results", report["run_id"].as_str().unwrap()]).output().unwrap();
    let csv = String::from_utf8_lossy(&results.stdout).to_string();
    assert_eq!(csv.matches(",Unmatched,").count() as u64, report["unmatched"].as_u64().unwrap(), "{csv}");
    let again = json(&liaison(d).args(["--json", "export", "run", "Webinar"]).output().unwrap());
    assert_eq!((again["added"].as_u64(), again["calls"].as_u64()), (Some(0), Some(0)), "{again}");
    rt.block_on(sandbox.shutdown());
}
