//! `liaison setup …`: step 6's package version and the prerequisites, over the sandbox.

mod common;

use common::{connect, json, run, salesforce_args};

fn sandbox() -> (tokio::runtime::Runtime, liaison_sandbox::Sandbox) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let config = liaison_sandbox::SandboxConfig { people: 50, auto_approve: true, ..Default::default() };
    let sandbox = rt.block_on(liaison_sandbox::Sandbox::start(config)).unwrap();
    (rt, sandbox)
}

#[test]
fn r1_step6_an_outdated_package_is_reported_with_the_upgrade_link_in_text_and_json() {
    let (rt, sb) = sandbox();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    json(&run(d, &["--json", "activate", "--name", "Ada", "--email", "ada@example.com"], ""));
    let e = sb.endpoints().clone();
    connect(d, &salesforce_args(&e), &e.salesforce.client_secret);
    sb.update_settings(|s| s.salesforce_package_version = [1, 4100, 0, 1]);
    let out = run(d, &["setup", "verify-package"], "");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("1.4100.0.1") && text.contains("Upgrade: "), "{text}");
    assert!(text.contains("/packaging/installPackage.apexp?p0=04t"), "{text}");
    let v = json(&run(d, &["--json", "setup", "verify-package"], ""));
    assert_eq!(v["outcome"], "outdated");
    let status = json(&run(d, &["--json", "status"], ""));
    assert_eq!(status["setup"]["steps"][5]["state"], "needs_attention");
    assert_eq!(status["setup"]["steps"][5]["action_url"], v["install_url"]);
    let text = String::from_utf8(run(d, &["status"], "").stdout).unwrap();
    assert!(text.contains("open: http"), "{text}");
    rt.block_on(sb.shutdown());
}

#[test]
fn r1_prerequisites_are_listed_confirmed_and_checked_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    json(&run(d, &["--json", "activate", "--name", "Ada", "--email", "ada@example.com"], ""));
    let list = json(&run(d, &["--json", "setup", "prerequisites"], ""));
    assert_eq!(list[0]["key"], "sales_insight_actions");
    assert_eq!(list[0]["state"], "not_checked");
    let list = json(&run(d, &["--json", "setup", "confirm-actions"], ""));
    assert_eq!(list[0]["state"], "met");
    let out = run(d, &["setup", "check-sync"], "");
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("cannot tell yet") && text.contains("connect Marketo"), "{text}");
    let text = String::from_utf8(run(d, &["status"], "").stdout).unwrap();
    assert!(
        text.contains("prerequisite: Sales Insight Actions is enabled on the Marketo subscription — met"),
        "{text}"
    );
}
