//! One desktop app per workspace: a second launch on a workspace hands over to the first app's
//! window and exits; a launch on another workspace runs beside it. On Linux the app finds its
//! running twin on the D-Bus session bus, so these tests start a private one.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use liaison_e2e::{Desktop, desktop_binary, workspace_env};

/// A private D-Bus session bus, stopped on drop.
struct SessionBus {
    daemon: Child,
    address: String,
    _dir: tempfile::TempDir,
}

impl SessionBus {
    fn start() -> Result<Self> {
        let dir = tempfile::tempdir()?;
        let socket = dir.path().join("bus");
        let address = format!("unix:path={}", socket.display());
        let daemon = Command::new("dbus-daemon")
            .args(["--session", "--nofork", "--nopidfile"])
            .arg(format!("--address={address}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("could not start dbus-daemon (Debian package dbus)")?;
        let bus = Self { daemon, address, _dir: dir };
        wait_until(Duration::from_secs(10), || socket.exists()).context("dbus-daemon did not open its socket")?;
        Ok(bus)
    }
}

impl Drop for SessionBus {
    fn drop(&mut self) {
        stop(&mut self.daemon);
    }
}

/// A process this test started directly; ended on drop if it is still running.
struct Launched(Child);

impl Drop for Launched {
    fn drop(&mut self) {
        stop(&mut self.0);
    }
}

fn stop(child: &mut Child) {
    if let Ok(None) = child.try_wait() {
        let _ = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
        if wait_until(Duration::from_secs(5), || matches!(child.try_wait(), Ok(Some(_)))).is_err() {
            let _ = child.kill();
        }
    }
    let _ = child.wait();
}

fn wait_until(limit: Duration, mut done: impl FnMut() -> bool) -> Result<()> {
    let deadline = Instant::now() + limit;
    while !done() {
        if Instant::now() > deadline {
            bail!("not within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Ok(())
}

/// Everything the app on the workspace in `data_dir` logged so far.
fn logs(data_dir: &Path) -> String {
    let Ok(entries) = std::fs::read_dir(data_dir.join("logs")) else { return String::new() };
    entries.filter_map(|e| e.ok()).filter_map(|e| std::fs::read_to_string(e.path()).ok()).collect()
}

/// Starts the desktop binary directly (no WebDriver) on the workspace in `data_dir`.
fn launch_directly(binary: &PathBuf, data_dir: &Path, bus: &SessionBus) -> Result<Launched> {
    let mut command = Command::new(binary);
    workspace_env(&mut command, data_dir);
    let child = command
        .env("DBUS_SESSION_BUS_ADDRESS", &bus.address)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .with_context(|| format!("could not start {}", binary.display()))?;
    Ok(Launched(child))
}

#[tokio::test]
async fn a_second_launch_on_a_workspace_focuses_the_first_app_and_exits() -> Result<()> {
    let bus = SessionBus::start()?;
    let on_bus = [("DBUS_SESSION_BUS_ADDRESS", std::ffi::OsStr::new(&bus.address))];
    let binary = desktop_binary()?;
    let first = Desktop::launch_with(&binary, tempfile::tempdir()?, &on_bus).await?;
    first.expect_heading("Setup").await?;

    let mut second = launch_directly(&binary, first.data_dir.path(), &bus)?;
    wait_until(Duration::from_secs(30), || matches!(second.0.try_wait(), Ok(Some(_))))
        .context("the second launch on the same workspace kept running")?;
    let status = second.0.wait()?;
    assert!(status.success(), "the second launch exited with {status}");
    wait_until(Duration::from_secs(10), || logs(first.data_dir.path()).contains("another launch on this workspace"))
        .context("the first app was not told of the second launch")?;
    first.expect_heading("Setup").await?;

    let other = Desktop::launch_with(&binary, tempfile::tempdir()?, &on_bus).await?;
    other.expect_heading("Setup").await?;
    other.close().await?;
    first.close().await
}
