//! An export run as a job: started by the admin (desktop or CLI) or by its schedule, on its own
//! thread, one at a time per process, reporting through a [`Reporter`].

use std::sync::Arc;

use serde::Serialize;
use ts_rs::TS;

use super::run::{self, ExportOptions, ExportProgress, ExportReport};
use crate::jobs::{self, Reporter, Slot};
use crate::vault::Vault;
use crate::{Error, Workspace};

/// The export run this process runs, if any.
pub type ExportSlot = Slot<ExportProgress>;

/// How a run ended: what the desktop's `export-finished` event carries and the CLI prints.
#[derive(Debug, Clone, Serialize, TS)]
pub struct ExportFinished {
    pub export: String,
    pub report: Option<ExportReport>,
    pub error: Option<Error>,
    pub scheduled: bool,
}

/// Starts a run of the export `name` on its own thread. Refused while this process runs another
/// export (another process's run of the same export is refused by the run lock).
pub fn start(
    ws: Workspace,
    vault: Arc<Vault>,
    name: String,
    options: ExportOptions,
    slot: &Arc<ExportSlot>,
    reporter: Arc<dyn Reporter<ExportProgress, ExportFinished>>,
    scheduled: bool,
) -> crate::Result<std::thread::JoinHandle<()>> {
    let claim = slot.claim().ok_or_else(|| jobs::busy("export"))?;
    jobs::spawn("export", move || async move {
        let observer = |progress: &ExportProgress| {
            claim.record(progress);
            reporter.progress(progress);
        };
        let result = run::run(&ws, &vault, &name, options, claim.control(), &observer).await;
        if let Err(err) = &result
            && scheduled
            && err.details.as_ref().is_some_and(|d| d["rule"] == "R13")
            && let Err(lost) = run::record_refused(&ws, &name, err)
        {
            tracing::warn!("could not record the refused scheduled export: {}", lost.chain());
        }
        match super::history::finished_notice(ws.store(), &name, result.as_ref(), scheduled) {
            Ok(Some(notice)) => reporter.notice(&notice),
            Ok(None) => {}
            Err(err) => tracing::warn!("could not word the export notification: {}", err.chain()),
        }
        let finished = match result {
            Ok(report) => ExportFinished { export: name, report: Some(report), error: None, scheduled },
            Err(error) => {
                tracing::warn!(code = error.code.as_str(), "the export failed: {}", error.chain());
                ExportFinished { export: name, report: None, error: Some(error), scheduled }
            }
        };
        drop(claim);
        reporter.finished(&finished);
    })
}
