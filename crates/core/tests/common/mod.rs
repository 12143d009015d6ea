//! Shared helpers for core's integration tests.

use liaison_core::connections::oauth::Browser;

/// Plays a browser for a signed-in user who consented before: follows the authorize URL's
/// redirects (the sandbox auto-approves) on its own thread, which lands on the loopback listener.
pub struct Fetcher;

impl Browser for Fetcher {
    fn open(&self, url: &str) -> liaison_core::Result<()> {
        let url = url.to_owned();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            rt.block_on(async {
                let _ = reqwest::get(url).await;
            });
        });
        Ok(())
    }
}

pub mod campaign;
