//! The start-up benchmark of the installed app (`cargo xtask bench`, or `-- startup` alone): the
//! release build that `cargo xtask package` bundles, started on a virtual display with a fresh
//! workspace and then again on the same one.
//!
//! - **Start to first screen**: from the launch to the moment the UI reports its first screen
//!   painted with its data (the home page's setup progress, two animation frames after it was
//!   rendered), read from the app's log (`first screen painted`, with the wall-clock moment).
//! - **Idle memory**: 30 s after that, the proportional set size (PSS, so shared libraries are
//!   counted once across processes) of the app and every process under it (WebKit's web and
//!   network processes), from `/proc/<pid>/smaps_rollup`.
//!
//! Goals (issue #14): ≤ 1 s to the first screen, ≤ 250 MB idle.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result, bail};

use crate::display::{VirtualDisplay, terminate};
use crate::package::{Profile, build_deb};
use crate::setup::{self, Needs};
use crate::target_dir;

/// Launches measured: the first on an empty workspace, the others on the one it created.
const LAUNCHES: usize = 5;
const IDLE: Duration = Duration::from_secs(30);
const GOAL_START_MS: u64 = 1_000;
const GOAL_PSS_MB: f64 = 250.0;

struct Launch {
    start_ms: u64,
    pss_kb: u64,
    processes: usize,
}

/// Builds the release package, then measures [`LAUNCHES`] starts of its desktop binary.
pub fn startup() -> Result<()> {
    setup::ensure(Needs { display: true, e2e: false })?;
    crate::steps::build_ui()?;
    let deb = build_deb(Profile::Release)?;
    let binary = target_dir().join("release/liaison-desktop");
    let display = VirtualDisplay::start()?;
    let data_dir = target_dir().join("startup-bench");
    if data_dir.exists() {
        std::fs::remove_dir_all(&data_dir).with_context(|| format!("could not empty {}", data_dir.display()))?;
    }
    std::fs::create_dir_all(&data_dir)?;
    println!("\nstartup: {} (from {}), display {}", binary.display(), deb.display(), display.name());
    let mut launches = Vec::new();
    for n in 1..=LAUNCHES {
        let launch = measure(&binary, &display, &data_dir)?;
        println!(
            "startup: launch {n}{}: first screen after {} ms; idle after {} s: {:.1} MB PSS in {} processes",
            if n == 1 { " (new workspace)" } else { "" },
            launch.start_ms,
            IDLE.as_secs(),
            launch.pss_kb as f64 / 1024.0,
            launch.processes
        );
        launches.push(launch);
    }
    let mut starts: Vec<u64> = launches.iter().map(|l| l.start_ms).collect();
    starts.sort_unstable();
    let mut pss: Vec<u64> = launches.iter().map(|l| l.pss_kb).collect();
    pss.sort_unstable();
    let median_start = starts[starts.len() / 2];
    let median_pss_mb = pss[pss.len() / 2] as f64 / 1024.0;
    println!(
        "startup: median of {LAUNCHES}: first screen after {median_start} ms (goal ≤ {GOAL_START_MS} ms: {}), idle {median_pss_mb:.1} MB PSS (goal ≤ {GOAL_PSS_MB} MB: {})",
        verdict(median_start as f64 <= GOAL_START_MS as f64),
        verdict(median_pss_mb <= GOAL_PSS_MB),
    );
    Ok(())
}

fn verdict(met: bool) -> &'static str {
    if met { "met" } else { "NOT met" }
}

fn unix_ms(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64)
}

/// One launch: started, waited for its first screen, left idle, measured, stopped.
fn measure(binary: &Path, display: &VirtualDisplay, data_dir: &Path) -> Result<Launch> {
    let log_dir = data_dir.join("logs");
    let painted_before = painted_lines(&log_dir).len();
    let launched = unix_ms(SystemTime::now());
    let mut app = Command::new(binary)
        .env("DISPLAY", display.name())
        .env("LIAISON_DATA_DIR", data_dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .with_context(|| format!("could not start {}", binary.display()))?;
    let deadline = Instant::now() + Duration::from_secs(60);
    let painted_at = loop {
        if let Some(status) = app.try_wait()? {
            bail!("liaison-desktop exited before its first screen ({status}); its log is in {}", log_dir.display());
        }
        let lines = painted_lines(&log_dir);
        if let Some(line) = lines.get(painted_before) {
            break field(line, "unix_ms").with_context(|| format!("no unix_ms in the log line {line:?}"))?;
        }
        if Instant::now() > deadline {
            terminate(&mut app);
            bail!("no first screen within 60 s; the app's log is in {}", log_dir.display());
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    std::thread::sleep(IDLE);
    let tree = process_tree(app.id());
    let pss_kb = tree.iter().map(|pid| pss_kb(*pid)).sum();
    terminate(&mut app);
    Ok(Launch { start_ms: painted_at.saturating_sub(launched), pss_kb, processes: tree.len() })
}

/// The `first screen painted` lines of the desktop app's logs, oldest first.
fn painted_lines(log_dir: &Path) -> Vec<String> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(log_dir)
        .map(|d| d.flatten().map(|e| e.path()).filter(|p| is_desktop_log(p)).collect())
        .unwrap_or_default();
    files.sort();
    files
        .iter()
        .flat_map(|f| std::fs::read_to_string(f).unwrap_or_default().lines().map(str::to_owned).collect::<Vec<_>>())
        .filter(|l| l.contains("first screen painted"))
        .collect()
}

fn is_desktop_log(path: &Path) -> bool {
    path.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with("desktop"))
}

/// `key=value` of a tracing log line, as a number.
fn field(line: &str, key: &str) -> Option<u64> {
    let start = line.find(&format!("{key}="))? + key.len() + 1;
    line[start..].split(|c: char| !c.is_ascii_digit()).next()?.parse().ok()
}

/// `root` and every process below it (WebKit's children may sit under a sandbox helper).
fn process_tree(root: u32) -> Vec<u32> {
    let parents: Vec<(u32, u32)> = std::fs::read_dir("/proc")
        .map(|d| {
            d.flatten()
                .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
                .filter_map(|pid| Some((pid, parent_of(pid)?)))
                .collect()
        })
        .unwrap_or_default();
    let mut tree = vec![root];
    let mut i = 0;
    while i < tree.len() {
        let parent = tree[i];
        tree.extend(parents.iter().filter(|(_, p)| *p == parent).map(|(pid, _)| *pid));
        i += 1;
    }
    tree
}

/// The parent of `pid`, from `/proc/<pid>/stat` (the fourth field, after the name in brackets).
fn parent_of(pid: u32) -> Option<u32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    stat.rsplit_once(')')?.1.split_whitespace().nth(1)?.parse().ok()
}

/// The proportional set size of `pid` in kB (0 when it has gone).
fn pss_kb(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup"))
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("Pss:")).and_then(|l| l.split_whitespace().nth(1)?.parse().ok()))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_paint_moment_is_read_from_a_tracing_line() {
        let line = "2026-12-07T18:40:00.123Z  INFO liaison_desktop::commands::app: first screen painted after_start_ms=412 unix_ms=1796668800123";
        assert_eq!(field(line, "unix_ms"), Some(1_796_668_800_123));
        assert_eq!(field(line, "after_start_ms"), Some(412));
        assert_eq!(field(line, "missing"), None);
    }

    #[test]
    fn the_process_tree_holds_this_process() {
        let me = std::process::id();
        assert_eq!(process_tree(me).first(), Some(&me));
        assert!(pss_kb(me) > 0);
    }
}
