//! The Debian package that `cargo xtask test` bundles from the debug build with Tauri's bundler
//! (`LIAISON_DEB` names it): its control fields, its files, and the desktop app it holds starting
//! to its first screen from the unpacked tree.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail, ensure};
use liaison_e2e::Desktop;

/// The package under test.
fn deb() -> Result<PathBuf> {
    let Some(path) = std::env::var_os("LIAISON_DEB").filter(|p| !p.is_empty()) else {
        bail!("LIAISON_DEB is not set: run the package test through `cargo xtask test`, which builds the .deb")
    };
    let path = PathBuf::from(path);
    ensure!(path.is_file(), "the package {} is missing", path.display());
    Ok(path)
}

/// One field of the package's control file, as `dpkg-deb -f` reads it.
fn field(deb: &Path, name: &str) -> Result<String> {
    let out = Command::new("dpkg-deb").arg("-f").arg(deb).arg(name).output().context("running dpkg-deb")?;
    ensure!(out.status.success(), "dpkg-deb -f {name}: {}", String::from_utf8_lossy(&out.stderr));
    Ok(String::from_utf8(out.stdout)?.trim().to_string())
}

/// The package's files, unpacked with `dpkg-deb -x` into a temporary directory.
fn unpack(deb: &Path) -> Result<tempfile::TempDir> {
    let dir = tempfile::tempdir()?;
    let status = Command::new("dpkg-deb").arg("-x").arg(deb).arg(dir.path()).status().context("running dpkg-deb")?;
    ensure!(status.success(), "dpkg-deb -x {} failed ({status})", deb.display());
    Ok(dir)
}

fn machine_architecture() -> Result<String> {
    let out = Command::new("dpkg").arg("--print-architecture").output().context("running dpkg")?;
    Ok(String::from_utf8(out.stdout)?.trim().to_string())
}

#[test]
fn the_package_names_itself_and_the_libraries_apt_must_install() -> Result<()> {
    let deb = deb()?;
    assert_eq!(field(&deb, "Package")?, "liaison");
    assert_eq!(field(&deb, "Version")?, env!("CARGO_PKG_VERSION"), "the workspace's version");
    assert_eq!(field(&deb, "Architecture")?, machine_architecture()?);
    let depends = field(&deb, "Depends")?;
    let declared: Vec<&str> = depends.split(',').map(|d| d.split_whitespace().next().unwrap_or_default()).collect();
    for library in ["libwebkit2gtk-4.1-0", "libgtk-3-0", "libdbus-1-3"] {
        assert!(declared.contains(&library), "Depends lacks {library}: {depends}");
    }
    let mut unique = declared.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), declared.len(), "a dependency is declared twice: {depends}");
    assert!(!field(&deb, "Maintainer")?.is_empty(), "no maintainer");
    assert_eq!(field(&deb, "Section")?, "admin");
    let description = field(&deb, "Description")?;
    assert!(description.contains("Salesforce") && description.contains("Marketo"), "{description}");
    Ok(())
}

#[test]
fn the_package_holds_the_app_the_cli_a_desktop_entry_and_its_icons() -> Result<()> {
    let tree = unpack(&deb()?)?;
    let root = tree.path();
    for binary in ["usr/bin/liaison-desktop", "usr/bin/liaison"] {
        assert_executable(&root.join(binary))?;
    }
    let entry = desktop_entry(root)?;
    for line in ["Type=Application", "Name=Liaison", "Exec=liaison-desktop", "Icon=liaison-desktop", "Terminal=false"] {
        assert!(entry.lines().any(|l| l == line), "the desktop entry lacks {line}:\n{entry}");
    }
    for size in [32, 64, 128, 512] {
        let icon = root.join(format!("usr/share/icons/hicolor/{size}x{size}/apps/liaison-desktop.png"));
        assert_eq!(png_size(&icon)?, (size, size), "{}", icon.display());
    }
    // Every icon the package installs sits in a folder named for its real size.
    let hicolor = root.join("usr/share/icons/hicolor");
    for dir in std::fs::read_dir(&hicolor)? {
        let dir = dir?.path();
        let name = dir.file_name().unwrap_or_default().to_string_lossy().into_owned();
        let (side, _) = png_size(&dir.join("apps/liaison-desktop.png"))?;
        assert_eq!(name, format!("{side}x{side}"), "an icon in a folder hicolor does not know");
    }
    Ok(())
}

#[test]
fn the_packaged_cli_runs() -> Result<()> {
    let tree = unpack(&deb()?)?;
    let scratch = tempfile::tempdir()?;
    let out = Command::new(tree.path().join("usr/bin/liaison"))
        .arg("--version")
        .env("LIAISON_DATA_DIR", scratch.path())
        .output()
        .context("running the packaged liaison")?;
    assert!(out.status.success(), "liaison --version: {}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8(out.stdout)?;
    assert!(stdout.contains(env!("CARGO_PKG_VERSION")), "{stdout}");
    Ok(())
}

#[tokio::test]
async fn the_packaged_app_starts_to_its_first_screen() -> Result<()> {
    let tree = unpack(&deb()?)?;
    let app = Desktop::launch_with(&tree.path().join("usr/bin/liaison-desktop"), tempfile::tempdir()?, &[]).await?;
    app.expect_heading("Setup").await?;
    // The setup steps come from the backend a moment after the heading, and WebKit paints a
    // moment after the page holds them: the screen is taken until it shows them (up to 20 s).
    app.wait_for("//main//ol/li[7]", 20).await?;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let shot = loop {
        let shot = app.client.screenshot().await?;
        // A blank window compresses to a few kilobytes; the painted first screen is far larger.
        if shot.len() > 20_000 || std::time::Instant::now() > deadline {
            break shot;
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    };
    std::fs::create_dir_all(screenshots())?;
    std::fs::write(screenshots().join("package-first-screen.png"), &shot)?;
    assert!(shot.len() > 20_000, "the first screen looks blank ({} bytes)", shot.len());
    app.close().await
}

fn screenshots() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/e2e-screenshots")
}

fn assert_executable(path: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path)
        .with_context(|| format!("{} is not in the package", path.display()))?
        .permissions()
        .mode();
    ensure!(mode & 0o111 == 0o111, "{} is not executable by everyone ({mode:o})", path.display());
    Ok(())
}

/// The package's one desktop entry.
fn desktop_entry(root: &Path) -> Result<String> {
    let dir = root.join("usr/share/applications");
    let entries: Vec<PathBuf> = std::fs::read_dir(&dir)
        .with_context(|| format!("{} is not in the package", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "desktop"))
        .collect();
    let [entry] = entries.as_slice() else { bail!("expected one desktop entry, found {entries:?}") };
    Ok(std::fs::read_to_string(entry)?)
}

/// Width and height from a PNG's header.
fn png_size(path: &Path) -> Result<(u32, u32)> {
    let bytes = std::fs::read(path).with_context(|| format!("{} is not in the package", path.display()))?;
    ensure!(bytes.len() > 24 && bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "{} is not a PNG", path.display());
    let be = |at: usize| u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]);
    Ok((be(16), be(20)))
}
