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
