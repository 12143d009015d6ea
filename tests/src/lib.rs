//! Harness for end-to-end tests: starts `tauri-driver` (which starts WebKitWebDriver, which
//! starts the real `liaison-desktop` binary) with a private data directory, and gives the test
//! a WebDriver client. `cargo xtask test` runs these on a virtual display.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use fantoccini::{Client, ClientBuilder, Locator};

/// A running desktop app under WebDriver, with its own temporary data directory.
pub struct Desktop {
    pub client: Client,
    driver: Child,
    pub data_dir: tempfile::TempDir,
}

fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// The desktop binary under test: `LIAISON_DESKTOP_BIN` (set by `cargo xtask test`), else the
/// workspace's debug build.
pub fn desktop_binary() -> Result<PathBuf> {
    let path = std::env::var_os("LIAISON_DESKTOP_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/debug/liaison-desktop"));
    path.canonicalize().with_context(|| {
        format!("the desktop binary {} is missing: run `cargo xtask build` (or `cargo xtask test`)", path.display())
    })
}

fn tauri_driver() -> PathBuf {
    std::env::var_os("TAURI_DRIVER")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cargo/bin/tauri-driver"))
}

impl Desktop {
    /// Launches the app on a fresh workspace.
    pub async fn launch() -> Result<Self> {
        let data_dir = tempfile::tempdir()?;
        Self::launch_in(data_dir).await
    }

    /// Launches the app on the workspace in `data_dir`.
    pub async fn launch_in(data_dir: tempfile::TempDir) -> Result<Self> {
        Self::launch_with(&desktop_binary()?, data_dir, &[]).await
    }

    /// Launches `binary` (e.g. the one unpacked from the `.deb`) on the workspace in `data_dir`,
    /// with `envs` added to the app's environment.
    pub async fn launch_with(
        binary: &std::path::Path,
        data_dir: tempfile::TempDir,
        envs: &[(&str, &std::ffi::OsStr)],
    ) -> Result<Self> {
        if std::env::var_os("DISPLAY").is_none() {
            bail!("no DISPLAY: run the end-to-end tests through `cargo xtask test`, which starts Xvfb");
        }
        let binary =
            binary.canonicalize().with_context(|| format!("the desktop binary {} is missing", binary.display()))?;
        let (port, native_port) = (free_port()?, free_port()?);
        let mut command = Command::new(tauri_driver());
        command.args(["--port", &port.to_string(), "--native-port", &native_port.to_string()]);
        workspace_env(&mut command, data_dir.path());
        let driver =
            command.envs(envs.iter().copied()).stdout(Stdio::null()).stderr(Stdio::null()).spawn().with_context(
                || format!("could not start {} (cargo xtask test installs it)", tauri_driver().display()),
            )?;
        let mut desktop_driver = DriverGuard(Some(driver));
        wait_for_port(port, Duration::from_secs(20)).await?;
        let mut caps = serde_json::Map::new();
        caps.insert("tauri:options".into(), serde_json::json!({ "application": binary }));
        let client = ClientBuilder::rustls()?
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .context("WebDriver session for liaison-desktop")?;
        let driver = desktop_driver.0.take().expect("driver present");
        Ok(Self { client, driver, data_dir })
    }

    /// The file the app's "Choose a file…" dialog answers with: write it before choosing.
    pub fn picked_file(&self) -> PathBuf {
        self.data_dir.path().join(PICKED_FILE)
    }

    /// Waits for an element found by XPath.
    pub async fn find(&self, xpath: &str) -> Result<fantoccini::elements::Element> {
        self.wait_for(xpath, 15).await
    }

    /// The visible text of the page (its start), for a failure message to say what was on screen.
    async fn screen_text(&self) -> String {
        const SHOWN: usize = 2_000;
        match self.client.execute("return document.body ? document.body.innerText : ''", vec![]).await {
            Ok(serde_json::Value::String(text)) => {
                let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
                match text.char_indices().nth(SHOWN) {
                    Some((at, _)) => format!("{}…", &text[..at]),
                    None => text,
                }
            }
            Ok(other) => format!("(unreadable: {other})"),
            Err(error) => format!("(unreadable: {error})"),
        }
    }

    /// Waits until the page's only `h1` reads `text`.
    pub async fn expect_heading(&self, text: &str) -> Result<()> {
        self.find(&format!("//h1[normalize-space()={}]", xpath_literal(text))).await.map(drop)
    }

    /// Opens a settings area from the gear's navigation (opening Settings first if needed).
    pub async fn open_settings(&self, area: &str) -> Result<()> {
        if self.client.find(fantoccini::Locator::XPath("//nav[@aria-label='Settings sections']")).await.is_err() {
            self.click("//button[@aria-label='Settings']").await?;
        }
        self.click(&format!("//nav//a[normalize-space()={}]", xpath_literal(area))).await?;
        self.expect_heading(area).await
    }

    /// Clicks the element found by XPath.
    pub async fn click(&self, xpath: &str) -> Result<()> {
        self.find(xpath).await?.click().await.with_context(|| format!("clicking {xpath}"))
    }

    /// Clears and types into the input labelled `label` (by `<label>` text or `aria-label`).
    pub async fn fill(&self, label: &str, text: &str) -> Result<()> {
        let field = self.find(&labelled(label)).await?;
        // A keystroke lost to a re-render would make a later step fail far from its cause:
        // read the value back, type once more if it differs, and say so if it still does.
        for _ in 0..2 {
            field.clear().await?;
            field.send_keys(text).await.with_context(|| format!("typing into {label}"))?;
            if field.prop("value").await?.as_deref() == Some(text) {
                return Ok(());
            }
        }
        let value = field.prop("value").await?.unwrap_or_default();
        bail!("typing {text:?} into {label} left {value:?}")
    }

    /// Waits (up to `secs`) for an element found by XPath.
    /// On a timeout the error carries the start of the screen's text.
    pub async fn wait_for(&self, xpath: &str, secs: u64) -> Result<fantoccini::elements::Element> {
        match self.client.wait().at_most(Duration::from_secs(secs)).for_element(Locator::XPath(xpath)).await {
            Ok(element) => Ok(element),
            Err(error) => {
                let screen = self.screen_text().await;
                Err(error)
                    .with_context(|| format!("no element matches {xpath} within {secs} s; the screen read: {screen}"))
            }
        }
    }

    /// Activates a fresh workspace as Ada, starts the built-in sandbox and connects Salesforce
    /// (Connect → OK → the browser signs in) and Marketo (the sandbox's credentials), each
    /// waited for until its page offers Disconnect.
    pub async fn activate_and_connect_the_sandbox(&self) -> Result<()> {
        self.activate_and_start_the_sandbox().await?;
        self.open_settings("Salesforce").await?;
        self.click(&button("Connect")).await?;
        self.wait_for("//*[@role='dialog']", 10).await?;
        self.click("//*[@role='dialog']//button[normalize-space()='OK']").await?;
        self.wait_for("//button[normalize-space()='Disconnect']", 60).await?;
        self.open_settings("Marketo").await?;
        self.click(&button("Connect")).await?;
        self.wait_for("//button[normalize-space()='Disconnect']", 60).await.map(drop)
    }

    /// Activates a fresh workspace as Ada and starts the built-in sandbox from Home.
    pub async fn activate_and_start_the_sandbox(&self) -> Result<()> {
        self.expect_heading("Setup").await?;
        self.open_settings("Integration info").await?;
        self.fill("Name", "Ada Admin").await?;
        self.fill("Email", "ada@example.com").await?;
        self.click(&button("Activate workspace")).await?;
        self.wait_for("//*[contains(normalize-space(), 'Acting as ada@example.com')]", 15).await?;
        self.click("//a[normalize-space()='Home'] | //button[normalize-space()='Home']").await?;
        self.click(&button("Try Liaison with the sandbox")).await?;
        self.wait_for("//*[contains(normalize-space(), 'The sandbox is running')]", 20).await.map(drop)
    }

    /// Connects the sandbox's Dynamics 365 org (its addresses filled in by marking the
    /// connection as the sandbox's; the browser signs in), waited for until it is listed.
    pub async fn connect_the_sandbox_dynamics(&self) -> Result<()> {
        self.open_settings("Dynamics 365").await?;
        self.click(&labelled("Sandbox connection")).await?;
        self.click(&button("Sign in and connect")).await?;
        self.wait_for("//*[@role='dialog']", 10).await?;
        self.click("//*[@role='dialog']//button[normalize-space()='OK']").await?;
        self.wait_for("//table//*[contains(normalize-space(), 'Dynamics 365 (Sandbox)')]", 60).await.map(drop)
    }

    /// Saves a screenshot next to the test binary's target dir, for people to look at.
    ///
    /// The screen as the X server shows it (ImageMagick's `import`, as `cargo xtask run` takes
    /// its screenshot), not WebDriver's: without a GPU the app runs WebKit without accelerated
    /// compositing, and WebKitGTK's WebDriver screenshot then never answers once a page with the
    /// settings navigation has been shown, while the window itself keeps painting.
    pub async fn screenshot(&self, name: &str) -> Result<PathBuf> {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/e2e-screenshots");
        std::fs::create_dir_all(&dir)?;
        let path = dir.join(format!("{name}.png"));
        let display = std::env::var("DISPLAY").context("no DISPLAY to take a screenshot of")?;
        let status = tokio::process::Command::new("import")
            .args(["-display", &display, "-window", "root"])
            .arg(&path)
            .stderr(Stdio::null())
            .status()
            .await
            .context("could not run ImageMagick's import (Debian package imagemagick)")?;
        ensure!(status.success(), "taking a screenshot of {display} failed ({status})");
        Ok(path)
    }

    /// Asks the app to stop as a desktop session does at logout (SIGTERM), waits until it has
    /// exited on its own (so it ran its exit steps, e.g. saving the window state), stops the driver
    /// and hands back the workspace for a relaunch.
    pub async fn quit(mut self) -> Result<tempfile::TempDir> {
        let pids = app_processes(self.data_dir.path());
        ensure!(!pids.is_empty(), "the app is not running");
        Command::new("kill").arg("-TERM").args(&pids).status()?;
        let deadline = Instant::now() + Duration::from_secs(15);
        while !app_processes(self.data_dir.path()).is_empty() {
            if Instant::now() > deadline {
                bail!("the app did not exit within 15 s of SIGTERM");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let _ = self.client.clone().close().await;
        stop(&mut self.driver);
        Ok(std::mem::replace(&mut self.data_dir, tempfile::tempdir()?))
    }

    /// Ends the session and stops the driver (SIGTERM, so WebKitWebDriver is reaped too).
    pub async fn close(mut self) -> Result<()> {
        let closed = self.client.clone().close().await;
        stop(&mut self.driver);
        stop_app(self.data_dir.path());
        closed.map_err(Into::into)
    }
}

/// The environment an app on the workspace in `data_dir` gets under test, whether tauri-driver
/// starts it or a test does (`Command::new(binary)`, e.g. a second launch on the same workspace).
pub fn workspace_env(command: &mut Command, data_dir: &std::path::Path) {
    let xdg = |sub: &str| data_dir.join("xdg").join(sub);
    command
        .env("LIAISON_DATA_DIR", data_dir)
        // The native file dialog cannot be driven: it answers with this file instead.
        .env("LIAISON_PICK_FILE", data_dir.join(PICKED_FILE))
        // No Secret Service on a headless test machine: use the key-file keychain.
        .env("LIAISON_KEYCHAIN", "file")
        // WebKit keeps its own caches and storage under the XDG directories.
        .env("XDG_DATA_HOME", xdg("data"))
        .env("XDG_CONFIG_HOME", xdg("config"))
        .env("XDG_CACHE_HOME", xdg("cache"))
        // Sign-ins go through a fetcher that follows redirects like a signed-in browser.
        .env("BROWSER", PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fetch-browser"))
        .env("LANG", "en_US.UTF-8")
        .env("LANGUAGE", "en");
}

/// The IDs of the app processes started on the workspace in `data_dir` (their environment names
/// it): stopping tauri-driver does not always end the app it started at once.
fn app_processes(data_dir: &std::path::Path) -> Vec<String> {
    let wanted = format!("LIAISON_DATA_DIR={}", data_dir.display()).into_bytes();
    let Ok(entries) = std::fs::read_dir("/proc") else { return Vec::new() };
    entries
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|pid| pid.bytes().all(|b| b.is_ascii_digit()))
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/environ"))
                .is_ok_and(|env| env.split(|b| *b == 0).any(|var| var == wanted.as_slice()))
        })
        .collect()
}

/// Ends the app processes of this workspace and waits until they are gone, so that the next test's
/// app finds the built-in sandbox's ports free.
fn stop_app(data_dir: &std::path::Path) {
    for signal in ["-TERM", "-KILL"] {
        let pids = app_processes(data_dir);
        if pids.is_empty() {
            return;
        }
        let _ = Command::new("kill").arg(signal).args(&pids).status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline && !app_processes(data_dir).is_empty() {
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

struct DriverGuard(Option<Child>);

impl Drop for DriverGuard {
    fn drop(&mut self) {
        if let Some(child) = self.0.as_mut() {
            stop(child);
        }
    }
}

impl Drop for Desktop {
    fn drop(&mut self) {
        stop(&mut self.driver);
        stop_app(self.data_dir.path());
    }
}

fn stop(child: &mut Child) {
    if let Ok(Some(_)) = child.try_wait() {
        return;
    }
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

async fn wait_for_port(port: u16, limit: Duration) -> Result<()> {
    let deadline = Instant::now() + limit;
    while tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_err() {
        if Instant::now() > deadline {
            bail!("tauri-driver did not listen on port {port} within {limit:?}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Ok(())
}

/// The name of the file the native file dialog answers with under test (`LIAISON_PICK_FILE`).
const PICKED_FILE: &str = "picked.csv";

/// Quotes text for an XPath expression.
pub fn xpath_literal(text: &str) -> String {
    if !text.contains('\'') {
        format!("'{text}'")
    } else if !text.contains('"') {
        format!("\"{text}\"")
    } else {
        let parts: Vec<String> = text.split('\'').map(|p| format!("'{p}'")).collect();
        format!("concat({})", parts.join(", \"'\", "))
    }
}

/// XPath of a form control by its accessible label: a `<label>` wrapping or pointing at it, or
/// its `aria-label`.
pub fn labelled(label: &str) -> String {
    let l = xpath_literal(label);
    format!(
        "(//*[self::input or self::select or self::textarea][@aria-label={l}] | \
         //label[normalize-space()={l} or normalize-space(text())={l}]//*[self::input or self::select or self::textarea] | \
         //*[self::input or self::select or self::textarea][@id=//label[normalize-space()={l} or normalize-space(text())={l}]/@for])[1]"
    )
}

/// XPath of a button by its accessible name (text or `aria-label`).
pub fn button(name: &str) -> String {
    let n = xpath_literal(name);
    format!("(//button[normalize-space()={n} or @aria-label={n}])[1]")
}
