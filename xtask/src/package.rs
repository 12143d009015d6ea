//! The Debian package: Tauri's bundler (the `@tauri-apps/cli` of `ui/`) builds the `.deb` of the
//! desktop app, with the `liaison` CLI put into `/usr/bin` beside it.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::setup::{self, Needs};
use crate::{root, run_in, target_dir};

/// Which build goes into the package.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    /// The installable package (`cargo xtask package`).
    Release,
    /// The package the tests unpack: the debug build the end-to-end tests already make, bundled.
    Debug,
}

impl Profile {
    fn dir(self) -> &'static str {
        match self {
            Profile::Release => "release",
            Profile::Debug => "debug",
        }
    }
}

/// `cargo xtask package [--debug]`: the release `.deb` (or, quicker, one of the debug build), its
/// path printed at the end.
pub fn package(args: &[String]) -> Result<()> {
    let profile = match args {
        [] => Profile::Release,
        [flag] if flag == "--debug" => Profile::Debug,
        _ => bail!("usage: cargo xtask package [--debug]"),
    };
    setup::ensure(Needs { display: false, e2e: false })?;
    crate::steps::build_ui()?;
    let deb = build_deb(profile)?;
    // apt takes a local package only as a path: `./` in front of a relative one.
    let shown = match deb.strip_prefix(root()) {
        Ok(relative) => format!("./{}", relative.display()),
        Err(_) => deb.display().to_string(),
    };
    println!(
        "\nBuilt {shown}\nInstall it (apt pulls WebKitGTK and the other libraries it needs) with:\n    sudo apt install {shown}"
    );
    Ok(())
}

/// Builds the CLI and the desktop app in `profile`, bundles them into a `.deb` and returns its
/// path, `<target>/<profile>/bundle/deb/liaison_<version>_<arch>.deb`. The UI must be built.
pub fn build_deb(profile: Profile) -> Result<PathBuf> {
    let mut cli = vec!["build", "-p", "liaison-cli", "--locked"];
    if profile == Profile::Release {
        cli.push("--release");
    }
    run_in(&root(), "cargo", &cli, &[])?;
    let out = target_dir().join(profile.dir()).join("bundle/deb");
    remove_old_packages(&out)?;
    let cli_binary = target_dir().join(profile.dir()).join("liaison");
    let files =
        serde_json::json!({ "bundle": { "linux": { "deb": { "files": { "/usr/bin/liaison": cli_binary } } } } });
    let files = files.to_string();
    let mut args = vec!["build", "--bundles", "deb", "--ci", "--config", files.as_str()];
    if profile == Profile::Debug {
        args.push("--debug");
    }
    args.extend(["--", "--locked"]);
    run_in(&root(), &tauri_cli().display().to_string(), &args, &[])?;
    debian_name(&out)
}

/// Tauri's command line, installed from `ui/package-lock.json` by `npm ci`.
fn tauri_cli() -> PathBuf {
    root().join("ui/node_modules/.bin/tauri")
}

fn remove_old_packages(dir: &Path) -> Result<()> {
    for deb in debs_in(dir)? {
        std::fs::remove_file(&deb).with_context(|| format!("removing the old package {}", deb.display()))?;
    }
    Ok(())
}

fn debs_in(dir: &Path) -> Result<Vec<PathBuf>> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Ok(Vec::new()) };
    let mut debs = Vec::new();
    for entry in entries {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "deb") {
            debs.push(path);
        }
    }
    Ok(debs)
}

/// Renames the bundler's `<Product>_<version>_<arch>.deb` to Debian's `<package>_<version>_<arch>.deb`
/// (the name `apt install ./…` users expect), read from the package's own control file.
fn debian_name(dir: &Path) -> Result<PathBuf> {
    let debs = debs_in(dir)?;
    let [built] = debs.as_slice() else {
        bail!("expected one .deb in {} after bundling, found {}", dir.display(), debs.len());
    };
    let field = |name: &str| -> Result<String> {
        let out = Command::new("dpkg-deb").args(["-f"]).arg(built).arg(name).output().context("running dpkg-deb")?;
        let value = String::from_utf8_lossy(&out.stdout).trim().to_string();
        if !out.status.success() || value.is_empty() {
            bail!("{} has no {name} field", built.display());
        }
        Ok(value)
    };
    let name = format!("{}_{}_{}.deb", field("Package")?, field("Version")?, field("Architecture")?);
    let renamed = dir.join(name);
    std::fs::rename(built, &renamed)
        .with_context(|| format!("renaming {} to {}", built.display(), renamed.display()))?;
    Ok(renamed)
}
