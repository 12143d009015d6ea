//! The tasks themselves.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::display::{VirtualDisplay, terminate};
use crate::package::{Profile, build_deb};
use crate::setup::{self, Needs};
use crate::target_dir;
use crate::{root, run_in};

fn cargo(args: &[&str], envs: &[(&str, &str)]) -> Result<()> {
    run_in(&root(), "cargo", args, envs)
}

fn npm(args: &[&str]) -> Result<()> {
    run_in(&root().join("ui"), "npm", args, &[])
}

fn desktop_binary() -> PathBuf {
    target_dir().join("debug/liaison-desktop")
}

/// Builds the UI into `ui/dist`, which the desktop binary embeds.
pub fn build_ui() -> Result<()> {
    npm(&["run", "build"])
}

/// `cargo xtask build`: the UI, the desktop binary with the UI embedded, the CLI.
pub fn build() -> Result<()> {
    setup::ensure(Needs { display: false, e2e: false })?;
    build_ui()?;
    cargo(&["build", "-p", "liaison-desktop", "-p", "liaison-cli"], &[])?;
    println!("\nBuilt {} and {}", desktop_binary().display(), target_dir().join("debug/liaison").display());
    Ok(())
}

/// `cargo xtask run`: starts the app; without a display, on Xvfb with a screenshot.
pub fn run() -> Result<()> {
    let has_display = ["DISPLAY", "WAYLAND_DISPLAY"].iter().any(|v| std::env::var_os(v).is_some_and(|s| !s.is_empty()));
    setup::ensure(Needs { display: !has_display, e2e: false })?;
    build_ui()?;
    cargo(&["build", "-p", "liaison-desktop", "-p", "liaison-cli"], &[])?;
    if has_display {
        let status = Command::new(desktop_binary()).status().context("could not start liaison-desktop")?;
        if !status.success() {
            bail!("liaison-desktop exited with {status}");
        }
        return Ok(());
    }
    let shot = run_headless()?;
    println!(
        "\nNo display here, so Liaison ran on a virtual display. Screenshot of the first screen:\n{}",
        shot.display()
    );
    Ok(())
}

fn run_headless() -> Result<PathBuf> {
    let display = VirtualDisplay::start()?;
    let out_dir = root().join("target/screenshots");
    std::fs::create_dir_all(&out_dir)?;
    let log_path = out_dir.join("liaison-desktop.stderr.log");
    let mut app = Command::new(desktop_binary())
        .env("DISPLAY", display.name())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log_path)?)
        .spawn()
        .context("could not start liaison-desktop")?;
    let shot = out_dir.join("liaison-home.png");
    let result = wait_for_steady_screen(&display, &shot, &mut app, &log_path);
    terminate(&mut app);
    result.map(|()| shot)
}

/// Takes screenshots until two in a row are identical and not blank: the first screen is up.
fn wait_for_steady_screen(
    display: &VirtualDisplay,
    shot: &Path,
    app: &mut std::process::Child,
    log: &Path,
) -> Result<()> {
    let started = Instant::now();
    let mut previous: Option<Vec<u8>> = None;
    std::thread::sleep(Duration::from_secs(2));
    loop {
        if let Some(status) = app.try_wait()? {
            let stderr = std::fs::read_to_string(log).unwrap_or_default();
            bail!("liaison-desktop exited early ({status}):\n{stderr}");
        }
        display.screenshot(shot)?;
        let bytes = std::fs::read(shot)?;
        // A blank 1280×800 screen compresses to a few hundred bytes; the UI is far larger.
        let drawn = bytes.len() > 20_000;
        if drawn && previous.as_deref() == Some(bytes.as_slice()) {
            return Ok(());
        }
        if started.elapsed() > Duration::from_secs(60) {
            bail!("the window did not settle within 60 s; the last screenshot is {}", shot.display());
        }
        previous = Some(bytes);
        std::thread::sleep(Duration::from_millis(1500));
    }
}

/// `cargo xtask bindings`: rewrites the generated TypeScript module.
pub fn bindings() -> Result<()> {
    setup::ensure(Needs { display: false, e2e: false })?;
    build_ui()?;
    cargo(
        &["test", "-p", "liaison-desktop", "--test", "ipc", "the_generated_typescript_bindings_are_up_to_date"],
        &[("LIAISON_UPDATE_BINDINGS", "1")],
    )?;
    println!("Wrote ui/src/lib/api/bindings.ts");
    Ok(())
}

/// `cargo xtask bench`: criterion benchmarks of every crate that has them, then the start-up
/// benchmark of the release app (`-- startup` for that one alone, `-- <filter>` for others).
pub fn bench(extra: &[String]) -> Result<()> {
    let only_startup = extra.iter().any(|a| a == "startup");
    if !only_startup {
        let mut args = vec!["bench", "--workspace", "--exclude", "liaison-desktop", "--exclude", "liaison-e2e"];
        if !extra.is_empty() {
            args.push("--");
            args.extend(extra.iter().map(String::as_str));
        }
        cargo(&args, &[])?;
        println!("\nReports: {}", target_dir().join("criterion/report/index.html").display());
    }
    if extra.is_empty() || only_startup {
        crate::startup::startup()?;
    }
    Ok(())
}

struct Layer {
    name: &'static str,
    outcome: Result<()>,
    took: Duration,
}

/// `cargo xtask test`: every check, each layer reported, non-zero exit on any failure.
pub fn test() -> Result<()> {
    let started = Instant::now();
    setup::ensure(Needs { display: true, e2e: true })?;
    let guard = Guard::new()?;
    let envs = guard.envs();
    let envs: Vec<(&str, &str)> = envs.iter().map(|(k, v)| (*k, v.as_str())).collect();

    let mut layers: Vec<Layer> = Vec::new();
    let mut layer = |name: &'static str, f: &mut dyn FnMut() -> Result<()>| {
        println!("\n==> {name}");
        let t = Instant::now();
        let outcome = f();
        if let Err(e) = &outcome {
            println!("!! {name} failed: {e:#}");
        }
        layers.push(Layer { name, outcome, took: t.elapsed() });
    };

    layer("format (cargo fmt --check)", &mut || cargo(&["fmt", "--all", "--check"], &[]));
    layer("UI build (vite)", &mut build_ui);
    layer("lints (clippy -D warnings)", &mut || {
        cargo(&["clippy", "--workspace", "--all-targets", "--locked", "--", "-D", "warnings"], &[])
    });
    layer("Rust unit and integration tests", &mut || {
        cargo(&["test", "--workspace", "--locked", "--exclude", "liaison-desktop", "--exclude", "liaison-e2e"], &envs)
    });
    layer("IPC contract (tauri mock runtime, real capability, bindings)", &mut || {
        // Tauri's runtime creates the app's own (empty) data folder under XDG_DATA_HOME when an
        // app is built, so this layer gets a scratch XDG_DATA_HOME; LIAISON_DATA_DIR stays guarded.
        let scratch = root().join("target/xtask/ipc-xdg-data").display().to_string();
        let mut ipc_envs: Vec<(&str, &str)> = envs.iter().filter(|(k, _)| *k != "XDG_DATA_HOME").copied().collect();
        ipc_envs.push(("XDG_DATA_HOME", scratch.as_str()));
        cargo(&["test", "-p", "liaison-desktop", "--locked"], &ipc_envs)
    });
    layer("UI type-check and lint (svelte-check, eslint)", &mut || npm(&["run", "check"]));
    layer("UI unit tests (vitest, mocked IPC)", &mut || npm(&["test"]));
    layer("sandbox vs third-party clients (jsforce, node-marketo-rest, dynamics-web-api, nodemailer)", &mut || {
        sandbox_clients(&envs)
    });
    layer("end-to-end and package (tauri-driver, WebKitWebDriver, Xvfb, dpkg-deb)", &mut || end_to_end(&envs));
    layer("hermeticity (no test wrote to the default data dirs)", &mut || guard.check());

    println!("\n==> summary");
    let mut failed = 0;
    for l in &layers {
        let mark = if l.outcome.is_ok() { "ok  " } else { "FAIL" };
        failed += usize::from(l.outcome.is_err());
        println!("  {mark} {:<62} {:>6.1} s", l.name, l.took.as_secs_f64());
    }
    println!("  total {:.0} s", started.elapsed().as_secs_f64());
    println!("layers: {} passed, {} failed", layers.len() - failed, failed);
    if failed > 0 {
        bail!("{failed} layer(s) failed");
    }
    Ok(())
}

/// Widely used client libraries, installed from npm and unmodified, against the sandbox: the
/// proof that it speaks the vendors' wire protocols.
fn sandbox_clients(envs: &[(&str, &str)]) -> Result<()> {
    cargo(&["build", "-p", "liaison-sandbox", "--example", "serve", "--locked"], &[])?;
    let dir = root().join("crates/sandbox/tests/clients");
    setup::npm_ci(&dir)?;
    let serve = target_dir().join("debug/examples/serve").display().to_string();
    let mut all: Vec<(&str, &str)> = envs.to_vec();
    all.push(("LIAISON_SANDBOX_BIN", serve.as_str()));
    run_in(&dir, "npm", &["test"], &all)
}

/// The end-to-end tests, and the package test on the `.deb` of the same debug build: Tauri's
/// bundler builds the desktop binary the tests drive (in the debug profile, reusing the earlier
/// layers' build: tens of seconds, where a release build would take many minutes) and packages it.
fn end_to_end(envs: &[(&str, &str)]) -> Result<()> {
    let bundling = Instant::now();
    let deb = build_deb(Profile::Debug)?;
    println!("Bundled {} in {:.0} s", deb.display(), bundling.elapsed().as_secs_f64());
    let driver = setup::tauri_driver()?;
    let display = VirtualDisplay::start()?;
    let binary = desktop_binary();
    let (driver, binary, deb) = (driver.display().to_string(), binary.display().to_string(), deb.display().to_string());
    let mut all: Vec<(&str, &str)> = envs.to_vec();
    all.extend([
        ("DISPLAY", display.name()),
        ("TAURI_DRIVER", driver.as_str()),
        ("LIAISON_DESKTOP_BIN", binary.as_str()),
        ("LIAISON_DEB", deb.as_str()),
    ]);
    cargo(&["test", "-p", "liaison-e2e", "--locked", "--", "--test-threads=1"], &all)
}

/// Points the default data directories at empty folders for the test run and checks afterwards
/// that nothing wrote there: tests must use their own temporary directories.
struct Guard {
    dir: PathBuf,
}

impl Guard {
    fn new() -> Result<Self> {
        let dir = root().join("target/xtask/hermeticity-guard");
        if dir.exists() {
            std::fs::remove_dir_all(&dir)?;
        }
        for sub in ["liaison-data", "xdg-data", "xdg-config", "xdg-cache"] {
            std::fs::create_dir_all(dir.join(sub))?;
        }
        Ok(Self { dir })
    }

    fn envs(&self) -> Vec<(&'static str, String)> {
        let p = |s: &str| self.dir.join(s).display().to_string();
        vec![
            ("LIAISON_DATA_DIR", p("liaison-data")),
            ("XDG_DATA_HOME", p("xdg-data")),
            ("XDG_CONFIG_HOME", p("xdg-config")),
            ("XDG_CACHE_HOME", p("xdg-cache")),
        ]
    }

    fn check(&self) -> Result<()> {
        let mut written = Vec::new();
        for sub in ["liaison-data", "xdg-data", "xdg-config"] {
            for entry in std::fs::read_dir(self.dir.join(sub))? {
                written.push(entry?.path().display().to_string());
            }
        }
        if !written.is_empty() {
            bail!(
                "tests wrote to the default data directories instead of their own temp dirs:\n  {}",
                written.join("\n  ")
            );
        }
        Ok(())
    }
}
