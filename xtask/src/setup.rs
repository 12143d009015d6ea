//! Installing what a fresh Debian machine lacks: system packages, UI packages, tauri-driver.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::{on_path, root, run_in};

/// Debian packages the desktop app needs to build and run.
const APP_PACKAGES: &[&str] = &[
    "build-essential",
    "pkg-config",
    "libwebkit2gtk-4.1-dev",
    "libssl-dev",
    "libayatana-appindicator3-dev",
    "librsvg2-dev",
    "libxdo-dev",
    "libdbus-1-dev",
];

/// Extra packages for a virtual display, screenshots and Japanese text in them.
const DISPLAY_PACKAGES: &[&str] = &["xvfb", "xauth", "imagemagick", "fonts-ipafont-gothic"];

/// Extra packages for the end-to-end tests (dbus-daemon: a private session bus for the
/// one-app-per-workspace test).
const E2E_PACKAGES: &[&str] = &["webkit2gtk-driver", "curl", "dbus-daemon"];

/// The tauri-driver release the end-to-end tests are pinned to.
pub const TAURI_DRIVER_VERSION: &str = "2.1.0";

/// What a task needs installed.
#[derive(Debug, Clone, Copy)]
pub struct Needs {
    pub display: bool,
    pub e2e: bool,
}

/// Installs whatever is missing for `needs`.
pub fn ensure(needs: Needs) -> Result<()> {
    let mut packages: Vec<&str> = APP_PACKAGES.to_vec();
    if needs.display || needs.e2e {
        packages.extend(DISPLAY_PACKAGES);
    }
    if needs.e2e {
        packages.extend(E2E_PACKAGES);
    }
    system_packages(&packages)?;
    ui_packages()?;
    if needs.e2e {
        tauri_driver()?;
    }
    Ok(())
}

fn system_packages(packages: &[&str]) -> Result<()> {
    if !on_path("dpkg-query") {
        println!(
            "note: not a Debian-based system; make sure the equivalents of these packages are installed: {}",
            packages.join(" ")
        );
        return Ok(());
    }
    let missing: Vec<&str> = packages.iter().copied().filter(|p| !installed(p)).collect();
    if missing.is_empty() {
        return Ok(());
    }
    let install = format!("apt-get install -y {}", missing.join(" "));
    if !is_root() {
        bail!(
            "these system packages are missing: {}\ninstall them with:\n    sudo apt-get update && sudo {install}\nthen run the task again",
            missing.join(", ")
        );
    }
    println!("Installing missing system packages: {}", missing.join(", "));
    let env = [("DEBIAN_FRONTEND", "noninteractive")];
    run_in(&root(), "apt-get", &["update", "-q"], &env)?;
    let mut args = vec!["install", "-y", "-q"];
    args.extend(missing.iter().copied());
    run_in(&root(), "apt-get", &args, &env).with_context(|| format!("could not install: {}", missing.join(" ")))?;
    let still: Vec<&str> = missing.into_iter().filter(|p| !installed(p)).collect();
    if !still.is_empty() {
        bail!("apt-get finished but these packages are still missing: {}", still.join(", "));
    }
    Ok(())
}

fn installed(package: &str) -> bool {
    Command::new("dpkg-query")
        .args(["-W", "-f=${Status}", package])
        .output()
        .map(|o| o.status.success() && String::from_utf8_lossy(&o.stdout).contains("install ok installed"))
        .unwrap_or(false)
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0").unwrap_or(false)
}

/// `npm ci` in `dir` when its installed packages are missing or older than the lockfile.
pub fn npm_ci(dir: &Path) -> Result<()> {
    if !on_path("npm") || !on_path("node") {
        bail!("Node.js and npm are needed for the UI; install them (Debian: apt-get install nodejs npm) and run again");
    }
    let lock = dir.join("package-lock.json");
    let marker = dir.join("node_modules/.package-lock.json");
    let fresh = match (modified(&lock), modified(&marker)) {
        (Some(lock), Some(marker)) => marker >= lock,
        _ => false,
    };
    if !fresh {
        run_in(dir, "npm", &["ci", "--no-audit", "--no-fund"], &[])?;
    }
    Ok(())
}

fn ui_packages() -> Result<()> {
    npm_ci(&root().join("ui"))
}

fn modified(path: &Path) -> Option<std::time::SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// Where tauri-driver is, installing the pinned version when it is missing or different.
pub fn tauri_driver() -> Result<PathBuf> {
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| home().map(|h| h.join(".cargo")))
        .context("no HOME")?;
    let binary = cargo_home.join("bin/tauri-driver");
    let listed = Command::new("cargo").args(["install", "--list"]).output().context("cargo install --list")?;
    let wanted = format!("tauri-driver v{TAURI_DRIVER_VERSION}:");
    if binary.is_file() && String::from_utf8_lossy(&listed.stdout).lines().any(|l| l.trim() == wanted) {
        return Ok(binary);
    }
    run_in(&root(), "cargo", &["install", "tauri-driver", "--version", TAURI_DRIVER_VERSION, "--locked"], &[])?;
    Ok(binary)
}

fn home() -> Option<PathBuf> {
    std::env::var_os("HOME").map(PathBuf::from)
}
