//! `liaison campaign` against the sandbox: the Adobe Campaign ↔ Dynamics 365 integration set up
//! from the command line, its mapping changed and refused with the reason, a custom entity mapped,
//! run and removed, runs and their counts, a contact's timeline previewed and the run scheduled.

mod common;

use common::{campaign_args, connect, dynamics_args, json, liaison, run};

fn said(out: &std::process::Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

/// A sandbox of `people` and a workspace in a temp dir activated by Ada.
fn started(
    rt: &tokio::runtime::Runtime,
    people: usize,
) -> (liaison_sandbox::Sandbox, liaison_sandbox::Endpoints, tempfile::TempDir) {
    let config = liaison_sandbox::SandboxConfig { people, auto_approve: true, ..Default::default() };
    let sandbox = rt.block_on(liaison_sandbox::Sandbox::start(config)).unwrap();
    let e = sandbox.endpoints().clone();
    let dir = tempfile::tempdir().unwrap();
    json(&run(dir.path(), &["--json", "activate", "--name", "Ada", "--email", "ada@example.com"], ""));
    (sandbox, e, dir)
}

/// Connects the sandbox's Dynamics 365 and Campaign and links them, opt-outs going `optout`.
fn connect_and_link(d: &std::path::Path, e: &liaison_sandbox::Endpoints, optout: &str) {
    let dynamics = connect(d, &dynamics_args(e), "");
    let campaign = connect(d, &campaign_args(e), &e.campaign.client_secret);
    let (dynamics, campaign) = (dynamics["id"].as_str().unwrap(), campaign["id"].as_str().unwrap());
    json(&run(
        d,
        &["--json", "campaign", "setup", "--dynamics", dynamics, "--campaign", campaign, "--optout", optout],
        "",
    ));
}

#[test]
fn r17_r19_the_integration_is_set_up_mapped_and_shown_from_the_command_line() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (sandbox, e, dir) = started(&rt, 10);
    let d = dir.path();
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

#[test]
fn r17_campaign_run_writes_contacts_to_profiles_once_and_the_history_shows_each_run() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (sandbox, e, dir) = started(&rt, 20);
    let d = dir.path();
    // Before it is set up, a run says how.
    let refused = run(d, &["campaign", "run"], "");
    assert_eq!(refused.status.code(), Some(2));
    assert!(said(&refused).contains("liaison campaign setup"), "{refused:?}");
    connect_and_link(d, &e, "dynamics-to-campaign");
    let stats = |url: &str| -> serde_json::Value {
        rt.block_on(async { reqwest::get(format!("{url}/stats")).await.unwrap().json().await.unwrap() })
    };
    let profiles0 = stats(&e.control_url)["dataset"]["campaign_profiles"].as_u64().unwrap();

    let first = json(&run(d, &["--json", "campaign", "run"], ""));
    assert_eq!((first["state"].as_str(), first["full"].as_bool()), (Some("succeeded"), Some(true)), "{first}");
    let created = first["counts"]["profiles_created"].as_u64().unwrap();
    assert!(created > 0, "{first}");
    for key in ["profiles_updated", "unchanged", "overwritten", "removed_in_dynamics", "errors", "calls"] {
        assert!(first["counts"][key].is_u64(), "{key} in {first}");
    }
    assert_eq!(stats(&e.control_url)["dataset"]["campaign_profiles"].as_u64().unwrap(), profiles0 + created);

    let text = said(&run(d, &["campaign", "run"], ""));
    assert!(text.contains("Campaign run succeeded (incremental): 0 profiles created, 0 updated"), "{text}");
    assert_eq!(stats(&e.control_url)["dataset"]["campaign_profiles"].as_u64().unwrap(), profiles0 + created);

    let history = json(&run(d, &["--json", "campaign", "history"], ""));
    let runs = history.as_array().unwrap();
    assert_eq!(runs.len(), 2, "{history}");
    assert_eq!(runs[1]["id"], first["run_id"]);
    assert_eq!(runs[1]["counts"]["profiles_created"].as_u64(), Some(created));
    let text = said(&liaison(d).args(["campaign", "history"]).output().unwrap());
    assert!(text.contains(&format!("succeeded (full): created {created}")), "{text}");
    rt.block_on(sandbox.shutdown());
}

/// The PKey of a linked profile that accepts email, read through Campaign's API with the test's own token.
fn open_profile(rt: &tokio::runtime::Runtime, e: &liaison_sandbox::Endpoints) -> String {
    rt.block_on(async {
        let http = reqwest::Client::new();
        let token: serde_json::Value = http
            .post(format!("{}/ims/token/v3", e.campaign.ims_url))
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", e.campaign.client_id.as_str()),
                ("client_secret", e.campaign.client_secret.as_str()),
            ])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let page: serde_json::Value = http
            .get(format!(
                "{}/{}/campaign/profileAndServicesExt/profile?_lineCount=500",
                e.campaign.base_url, e.campaign.org_id
            ))
            .bearer_auth(token["access_token"].as_str().unwrap())
            .header("X-Api-Key", e.campaign.client_id.as_str())
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let open = page["content"].as_array().unwrap().iter().find(|p| {
            p["blackListEmail"].as_bool() != Some(true) && !p["cusCrmContactId"].as_str().unwrap_or_default().is_empty()
        });
        open.expect("a linked profile that accepts email")["PKey"].as_str().unwrap().to_owned()
    })
}

#[test]
fn r19_campaign_run_json_counts_the_opt_outs_each_way_and_the_summary_says_them() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (sandbox, e, dir) = started(&rt, 20);
    let d = dir.path();
    connect_and_link(d, &e, "both");
    let first = json(&run(d, &["--json", "campaign", "run"], ""));
    for key in ["optouts_to_campaign", "optouts_to_dynamics", "optout_conflicts"] {
        assert!(first["counts"][key].is_u64(), "{key} in {first}");
    }

    // An unsubscribe in Campaign reaches Dynamics and is counted so.
    let pkey = open_profile(&rt, &e);
    let edit = serde_json::json!({"system": "campaign", "id": pkey, "fields": {"blackListEmail": true}});
    let r = rt.block_on(reqwest::Client::new().post(format!("{}/edits", e.control_url)).json(&edit).send()).unwrap();
    assert!(r.status().is_success());
    let second = json(&run(d, &["--json", "campaign", "run"], ""));
    let counts = &second["counts"];
    assert_eq!(
        (
            counts["optouts_to_dynamics"].as_u64(),
            counts["optouts_to_campaign"].as_u64(),
            counts["optout_conflicts"].as_u64()
        ),
        (Some(1), Some(0), Some(0)),
        "{second}"
    );
    let text = said(&run(d, &["campaign", "run"], ""));
    assert!(text.contains("opt-outs: 0 to Campaign, 0 to Dynamics 365, 0 conflicts"), "{text}");
    let history = json(&run(d, &["--json", "campaign", "history"], ""));
    assert_eq!(history[1]["counts"]["optouts_to_dynamics"].as_u64(), Some(1), "{history}");
    assert!(history[1]["optout_conflicts"].as_array().is_some_and(Vec::is_empty), "{history}");
    rt.block_on(sandbox.shutdown());
}

#[test]
fn r17_a_custom_entity_is_mapped_shown_run_and_removed_from_the_command_line() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (sandbox, e, dir) = started(&rt, 40);
    let d = dir.path();
    connect_and_link(d, &e, "dynamics-to-campaign");
    fn entity<'a>(extra: &[&'a str]) -> Vec<&'a str> {
        let mut args = vec!["campaign", "map", "entity", "--entity", "lia_productinterests"];
        args.extend_from_slice(extra);
        args
    }

    let refused = run(d, &entity(&["--resource", "cusNothing", "--link", "lia_contactid=profile"]), "");
    assert_eq!(refused.status.code(), Some(2));
    assert!(said(&refused).contains("no custom resource “cusNothing”"), "{refused:?}");
    let refused = run(d, &entity(&["--resource", "cusProductInterest", "--link", "lia_contactid"]), "");
    assert_eq!(refused.status.code(), Some(2));
    assert!(said(&refused).contains("LOOKUP=LINKFIELD"), "{refused:?}");
    let refused = run(
        d,
        &entity(&[
            "--resource",
            "cusProductInterest",
            "--link",
            "lia_contactid=profile",
            "--field",
            "lia_interestlevel=interestLevel",
        ]),
        "",
    );
    assert!(said(&refused).contains("types differ"), "{refused:?}");

    let mut args = vec!["--json"];
    args.extend(entity(&[
        "--resource",
        "cusProductInterest",
        "--link",
        "lia_contactid=profile",
        "--field",
        "lia_product=product",
    ]));
    let link = json(&run(d, &args, ""));
    assert_eq!(link["entities"][0]["resource"], "cusProductInterest", "{link}");
    assert_eq!(link["entities"][0]["fields"][0], serde_json::json!({ "attribute": "lia_product", "field": "product" }));
    let text = said(&liaison(d).args(["campaign", "status"]).output().unwrap());
    assert!(
        text.contains(
            "lia_productinterests → cusProductInterest (contact lookup lia_contactid → profile link profile)"
        ),
        "{text}"
    );
    assert!(text.contains("lia_product → product"), "{text}");

    let rows = rt.block_on(async {
        let stats: serde_json::Value =
            reqwest::get(format!("{}/stats", e.control_url)).await.unwrap().json().await.unwrap();
        stats["dataset"]["dynamics_product_interests"].as_u64().unwrap()
    });
    assert!(rows > 0, "the sandbox has product interests");
    let first = json(&run(d, &["--json", "campaign", "run"], ""));
    assert_eq!(first["state"], "succeeded", "{first}");
    assert_eq!(first["counts"]["entities"].as_u64(), Some(rows), "{first}");
    assert_eq!(first["counts"]["entities_removed"].as_u64(), Some(0), "{first}");
    let text = said(&run(d, &["campaign", "run"], ""));
    assert!(text.contains("0 custom entity records written and 0 removed"), "{text}");

    let removed =
        json(&run(d, &["--json", "campaign", "map", "entity", "--entity", "lia_productinterests", "--remove"], ""));
    assert_eq!(removed["entities"], serde_json::json!([]));
    let again = run(d, &["campaign", "map", "entity", "--entity", "lia_productinterests", "--remove"], "");
    assert!(said(&again).contains("is not mapped"), "{again:?}");
    let text = said(&liaison(d).args(["campaign", "status"]).output().unwrap());
    assert!(!text.contains("cusProductInterest"), "{text}");
    rt.block_on(sandbox.shutdown());
}

#[test]
fn r18_a_contact_s_timeline_is_previewed_from_the_command_line() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (sandbox, e, dir) = started(&rt, 8);
    let d = dir.path();
    connect_and_link(d, &e, "dynamics-to-campaign");
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
    let (sandbox, e, dir) = started(&rt, 4);
    let d = dir.path();
    let before = run(d, &["campaign", "schedule", "30"], "");
    assert_eq!(before.status.code(), Some(2), "not set up yet: {before:?}");
    connect_and_link(d, &e, "dynamics-to-campaign");
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
