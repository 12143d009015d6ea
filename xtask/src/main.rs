//! Project tasks. `cargo xtask run` starts the desktop app and `cargo xtask test` runs every
//! check; both install what a fresh Debian machine is missing first.

mod display;
mod package;
mod setup;
mod startup;
mod steps;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Result, bail};

const USAGE: &str = "\
usage: cargo xtask <task>

  run        build and start the desktop app (on a virtual display with a screenshot when
             there is no display)
  test       every check: format, lints, Rust tests, IPC contract, UI type-check and tests,
             sandbox client tests, end-to-end tests on the real desktop binary and its .deb
  build      build the UI, the desktop binary (UI embedded) and the CLI
  package    build the release .deb (desktop app and CLI) with Tauri's bundler
             (--debug: bundle the debug build instead, much quicker)
  bench      run the criterion benchmarks, then the start-up benchmark of the release app
             (-- startup: that one alone; -- <filter>: the benchmarks it names)
  bindings   regenerate ui/src/lib/api/bindings.ts from the Rust types
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("run") => steps::run(),
        Some("test") => steps::test(),
        Some("build") => steps::build(),
        Some("package") => package::package(&args[1..]),
        Some("bench") => steps::bench(&args[1..]),
        Some("bindings") => steps::bindings(),
        Some("-h" | "--help" | "help") => {
            print!("{USAGE}");
            Ok(())
        }
        Some(other) => {
            eprint!("unknown task {other:?}\n\n{USAGE}");
            return ExitCode::from(2);
        }
        None => {
            eprint!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("\nxtask: {err:#}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace root (xtask lives one level below it).
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask is inside the workspace").to_path_buf()
}

/// Cargo's target directory: `CARGO_TARGET_DIR` when set (relative to the workspace), else
/// `target/` in the workspace.
fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR").filter(|d| !d.is_empty()) {
        Some(dir) => root().join(dir),
        None => root().join("target"),
    }
}

/// Runs a command in `dir`, streaming its output, and fails if it fails.
fn run_in(dir: &Path, program: &str, args: &[&str], envs: &[(&str, &str)]) -> Result<()> {
    println!("$ {program} {}", args.join(" "));
    let status = std::process::Command::new(program)
        .args(args)
        .current_dir(dir)
        .envs(envs.iter().copied())
        .status()
        .map_err(|e| anyhow::anyhow!("could not start {program}: {e}"))?;
    if !status.success() {
        bail!("`{program} {}` failed ({status})", args.join(" "));
    }
    Ok(())
}

/// Whether a program is on PATH.
fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .map(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
        .unwrap_or(false)
}
