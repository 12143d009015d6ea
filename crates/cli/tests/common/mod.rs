//! Running `liaison` as a process over a test's own workspace.
#![allow(dead_code)]

use std::io::Write;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

/// `liaison --data-dir DIR` with the key-file keychain, and a "browser" that signs in the way a
/// signed-in one would (the sandbox auto-approves).
pub fn liaison(data_dir: &std::path::Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_liaison"));
    cmd.arg("--data-dir")
        .arg(data_dir)
        .env_remove("LIAISON_DATA_DIR")
        .env("LIAISON_KEYCHAIN", "file")
        .env("BROWSER", concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fetch-browser"));
    cmd
}

/// Runs `args` with `input` on standard input (a secret, or nothing).
pub fn run(data_dir: &std::path::Path, args: &[&str], input: &str) -> Output {
    let mut child = liaison(data_dir)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    writeln!(child.stdin.take().unwrap(), "{input}").unwrap();
    child.wait_with_output().unwrap()
}

/// The JSON a successful `--json` command printed.
pub fn json(out: &Output) -> Value {
    assert!(out.status.success(), "{}\n{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The sandbox mail sink's recipients (`GET /mail` of its control API), lowercased.
pub fn recipients(control_url: &str) -> Vec<String> {
    use std::io::Read;
    let host = control_url.trim_start_matches("http://").trim_end_matches('/');
    let mut stream = std::net::TcpStream::connect(host).unwrap();
    write!(stream, "GET /mail HTTP/1.0\r\nHost: {host}\r\n\r\n").unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let body = response.split_once("\r\n\r\n").unwrap().1;
    let mail: serde_json::Value = serde_json::from_str(body).unwrap();
    mail["messages"].as_array().unwrap().iter().map(|m| m["to"][0].as_str().unwrap().to_lowercase()).collect()
}

/// `connect marketo` to the sandbox's Marketo (its secret goes on standard input).
pub fn marketo_args(e: &liaison_sandbox::Endpoints) -> Vec<String> {
    let mk = &e.marketo;
    ["connect", "marketo", "--base-url", &mk.base_url, "--client-id", &mk.client_id, "--sandbox"]
        .map(String::from)
        .to_vec()
}

/// `connect salesforce` to the sandbox's Salesforce with the client secret (on standard input).
pub fn salesforce_args(e: &liaison_sandbox::Endpoints) -> Vec<String> {
    let sf = &e.salesforce;
    ["connect", "salesforce", "--login-url", &sf.login_url, "--client-id", &sf.client_id, "--with-secret", "--sandbox"]
        .map(String::from)
        .to_vec()
}

/// `connect dynamics` to the sandbox's Dataverse, named "Dynamics".
pub fn dynamics_args(e: &liaison_sandbox::Endpoints) -> Vec<String> {
    let dv = &e.dynamics;
    [
        "connect",
        "dynamics",
        "--org-url",
        &dv.org_url,
        "--authority-url",
        &dv.authority_url,
        "--client-id",
        &dv.client_id,
        "--name",
        "Dynamics",
        "--sandbox",
    ]
    .map(String::from)
    .to_vec()
}

/// `connect campaign` to the sandbox's Adobe Campaign (its secret goes on standard input).
pub fn campaign_args(e: &liaison_sandbox::Endpoints) -> Vec<String> {
    let cp = &e.campaign;
    [
        "connect",
        "campaign",
        "--base-url",
        &cp.base_url,
        "--ims-url",
        &cp.ims_url,
        "--org-id",
        &cp.org_id,
        "--client-id",
        &cp.client_id,
        "--sandbox",
    ]
    .map(String::from)
    .to_vec()
}

/// Runs `args` with `--json` and `input` on standard input; the JSON it printed.
pub fn connect(data_dir: &std::path::Path, args: &[String], input: &str) -> Value {
    let mut with_json = vec!["--json"];
    with_json.extend(args.iter().map(String::as_str));
    json(&run(data_dir, &with_json, input))
}

/// Every argument as a `&str`, for [`run`].
pub fn strs(args: &[String]) -> Vec<&str> {
    args.iter().map(String::as_str).collect()
}

/// `export destination add dynamics` named `name` for a new list `list`, through the workspace's
/// Dynamics 365 connection, the privacy notice accepted.
pub fn dynamics_destination_args(name: &str, list: &str) -> Vec<String> {
    [
        "export",
        "destination",
        "add",
        "dynamics",
        "--name",
        name,
        "--connection",
        "dynamics",
        "--new-list",
        list,
        "--accept-privacy-notice",
    ]
    .map(String::from)
    .to_vec()
}

/// `export destination add marketo` named `name` for the static list `list_id`, through the
/// workspace's Marketo connection, the privacy notice accepted.
pub fn marketo_destination_args(name: &str, list_id: &str) -> Vec<String> {
    [
        "export",
        "destination",
        "add",
        "marketo",
        "--name",
        name,
        "--list-id",
        list_id,
        "--connection",
        "marketo",
        "--accept-privacy-notice",
    ]
    .map(String::from)
    .to_vec()
}
