//! A real process killed with SIGKILL mid-job (#13, defect 2): invitations queued before the kill
//! are all delivered by the next `liaison invite deliver`, none twice; one caught mid-hand-over
//! is marked uncertain, never resent.

mod common;

use std::collections::HashMap;
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::{liaison, recipients, run};
use liaison_core::Paths;
use liaison_core::invites::outbox::outbox_status;
use liaison_core::store::Store;

#[test]
fn invitations_queued_before_repeated_kills_are_all_delivered_once_by_the_next_deliver() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let config = liaison_sandbox::SandboxConfig { people: 5, ..Default::default() };
    let sandbox = rt.block_on(liaison_sandbox::Sandbox::start(config)).unwrap();
    let smtp = sandbox.endpoints().smtp.clone();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    assert!(run(d, &["activate", "--name", "Ada", "--email", "ada@example.com"], "").status.success());
    let port = smtp.port.to_string();
    let smtp_args =
        ["settings", "smtp", "--host", &smtp.host, "--port", &port, "--tls", "none", "--from", "hi@example.com"];
    assert!(run(d, &smtp_args, "").status.success());
    let rows = 150;
    let mut csv = String::from("Email,First name\n");
    for i in 0..rows {
        csv.push_str(&format!("person{i}@example.com,P{i}\n"));
    }
    let file = d.join("team.csv");
    std::fs::write(&file, csv).unwrap();

    let store = Store::open(&Paths::in_dir(d)).unwrap();
    let sent = || outbox_status(&store).map(|s| s.sent).unwrap_or(0);
    // The first process queues and starts delivering; it and the next ones are killed mid-way.
    let mut kills = 0;
    for attempt in 0..4 {
        let args: Vec<&str> = if attempt == 0 {
            vec!["invite", "send", file.to_str().unwrap(), "--yes"]
        } else {
            vec!["invite", "deliver"]
        };
        let mut child =
            liaison(d).args(&args).stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
        let from = sent();
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if child.try_wait().unwrap().is_some() {
                eprintln!("attempt {attempt}: finished by itself at {} sent (from {from})", sent());
                break;
            }
            if sent() >= from + 20 {
                child.kill().unwrap(); // SIGKILL
                child.wait().unwrap();
                kills += 1;
                eprintln!("attempt {attempt}: killed at {} sent (from {from})", sent());
                break;
            }
            assert!(Instant::now() < deadline, "the delivery made no progress");
            std::thread::sleep(Duration::from_millis(5));
        }
    }
    assert!(kills >= 2, "the job was killed mid-way at least twice ({kills})");
    let finished = run(d, &["invite", "deliver"], "");
    assert!(finished.status.success() || finished.status.code() == Some(3), "{finished:?}");

    let status = outbox_status(&store).unwrap();
    assert_eq!((status.queued, status.sending), (0, 0), "nothing is left queued: {status:?}");
    assert_eq!(status.sent + status.uncertain, rows, "{status:?}");
    let mut times: HashMap<String, u32> = HashMap::new();
    for to in recipients(&sandbox.endpoints().control_url) {
        *times.entry(to).or_default() += 1;
    }
    assert!(times.values().all(|n| *n == 1), "nobody got two invitations");
    assert!(times.len() as u64 >= status.sent, "every invitation recorded as sent reached the server");
    rt.block_on(sandbox.shutdown());
}
