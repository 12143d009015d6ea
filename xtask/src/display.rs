//! A virtual X display (Xvfb) for machines without one, and screenshots of it.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

/// A running Xvfb server; stopped on drop.
pub struct VirtualDisplay {
    child: Child,
    name: String,
}

impl VirtualDisplay {
    /// Starts Xvfb on the first free display number from :99.
    pub fn start() -> Result<Self> {
        let number = (99..200)
            .find(|n| {
                !Path::new(&format!("/tmp/.X11-unix/X{n}")).exists() && !Path::new(&format!("/tmp/.X{n}-lock")).exists()
            })
            .context("no free X display number between :99 and :199")?;
        let name = format!(":{number}");
        let child = Command::new("Xvfb")
            .args([name.as_str(), "-screen", "0", "1280x800x24", "-nolisten", "tcp"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("could not start Xvfb (Debian package xvfb)")?;
        let mut display = Self { child, name };
        let socket = format!("/tmp/.X11-unix/X{number}");
        let deadline = Instant::now() + Duration::from_secs(10);
        while !Path::new(&socket).exists() {
            if let Some(status) = display.child.try_wait()? {
                bail!("Xvfb exited at start ({status})");
            }
            if Instant::now() > deadline {
                bail!("Xvfb did not open {socket} within 10 s");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(display)
    }

    /// The `DISPLAY` value, e.g. `:99`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Saves a PNG of the whole screen.
    pub fn screenshot(&self, path: &Path) -> Result<()> {
        let status = Command::new("import")
            .args(["-display", &self.name, "-window", "root"])
            .arg(path)
            .stderr(Stdio::null())
            .status()
            .context("could not run ImageMagick's import (Debian package imagemagick)")?;
        if !status.success() {
            bail!("taking a screenshot failed ({status})");
        }
        Ok(())
    }
}

impl Drop for VirtualDisplay {
    fn drop(&mut self) {
        terminate(&mut self.child);
    }
}

/// Asks a child to stop (SIGTERM), then waits; kills it if it has not stopped after 5 s.
pub fn terminate(child: &mut Child) {
    let _ = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
}
