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
