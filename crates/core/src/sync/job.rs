//! The data sync as a job: started by the desktop (the admin, or its schedule) and by the CLI
//! the same way, on its own thread, one at a time per process, reporting through a
//! [`Reporter`].

use std::sync::Arc;

use serde::Serialize;
use ts_rs::TS;

use super::run::{self, Progress, RunOptions, RunReport};
use crate::jobs::{self, Reporter, Slot};
use crate::vault::Vault;
use crate::{Error, Result, Workspace};

/// The sync this process runs, if any.
pub type SyncSlot = Slot<Progress>;

/// How a run ended: what the desktop's `sync-finished` event carries and the CLI prints.
#[derive(Debug, Clone, Serialize, TS)]
pub struct SyncFinished {
    pub report: Option<RunReport>,
    pub error: Option<Error>,
    /// Started by the schedule (or to continue an interrupted run at launch), not by the admin.
    pub scheduled: bool,
}

/// Starts a run on its own thread; its progress, notice and end go to `reporter`. Refused with
/// a conflict while this process runs another sync (core's run lock refuses one of another
/// process). The handle ends with the job; the CLI waits on it, the desktop does not.
pub fn start(
    ws: Workspace,
    vault: Arc<Vault>,
    options: RunOptions,
    slot: &Arc<SyncSlot>,
    reporter: Arc<dyn Reporter<Progress, SyncFinished>>,
    scheduled: bool,
) -> Result<std::thread::JoinHandle<()>> {
    let claim = slot.claim().ok_or_else(|| jobs::busy("sync"))?;
    jobs::spawn("sync", move || async move {
        let observer = |progress: &Progress| {
            claim.record(progress);
            reporter.progress(progress);
        };
        let result = run::run(&ws, &vault, options, claim.control(), &observer).await;
        match run::finished_notice(ws.store(), result.as_ref(), scheduled) {
            Ok(Some(notice)) => reporter.notice(&notice),
            Ok(None) => {}
            Err(err) => tracing::warn!("could not word the sync notification: {}", err.chain()),
        }
        let finished = match result {
            Ok(report) => SyncFinished { report: Some(report), error: None, scheduled },
            Err(error) => {
                tracing::warn!(code = error.code.as_str(), "the sync failed: {}", error.chain());
                SyncFinished { report: None, error: Some(error), scheduled }
            }
        };
        // The slot is free before the end is announced, so a front end may start the next run
        // as soon as it hears of this one's end.
        drop(claim);
        reporter.finished(&finished);
    })
}
