//! A Campaign run as a job: started by the admin in the desktop, on its own thread, one at a time
//! per process (another process's run is refused by the run's own lock), reporting through a
//! [`Reporter`] and telling the admin at the end.

use std::sync::Arc;

use serde::Serialize;
use ts_rs::TS;

use super::run::{self, CampaignProgress, CampaignReport, CampaignRunOptions};
use crate::i18n::Text;
use crate::invites::outbox::Notice;
use crate::jobs::{self, Reporter, Slot};
use crate::runs::RunState;
use crate::vault::Vault;
use crate::{Error, Workspace, msg};

/// The Campaign run this process drives, if any.
pub type CampaignSlot = Slot<CampaignProgress>;

/// How a run ended: what the desktop's `campaign-finished` event carries.
#[derive(Debug, Clone, Serialize, TS)]
pub struct CampaignFinished {
    pub report: Option<CampaignReport>,
    pub error: Option<Error>,
}

/// The notification at the end of a run, in the workspace's language.
fn notice(ws: &Workspace, outcome: std::result::Result<&CampaignReport, &Error>) -> Notice {
    let lang = crate::settings::language(ws.store());
    let title = |t: Text| t.render(lang);
    match outcome {
        Err(err) => Notice { title: title(msg!("campaign-notice-stopped")), body: err.message.render(lang) },
        Ok(r) if r.state == RunState::Cancelled => {
            Notice { title: title(msg!("campaign-notice-cancelled")), body: String::new() }
        }
        Ok(r) => {
            let c = &r.counts;
            let body = msg!(
                "campaign-notice-body",
                created = c.profiles_created,
                updated = c.profiles_updated,
                overwritten = c.overwritten,
                entities = c.entities,
                events = c.events_logged,
                to_campaign = c.optouts_to_campaign,
                to_dynamics = c.optouts_to_dynamics,
                conflicts = c.optout_conflicts,
                errors = c.errors
            );
            Notice { title: title(msg!("campaign-notice-finished")), body: body.render(lang) }
        }
    }
}

/// Starts a run on its own thread. Refused while this process runs another.
pub fn start(
    ws: Workspace,
    vault: Arc<Vault>,
    options: CampaignRunOptions,
    slot: &Arc<CampaignSlot>,
    reporter: Arc<dyn Reporter<CampaignProgress, CampaignFinished>>,
) -> crate::Result<std::thread::JoinHandle<()>> {
    let claim = slot.claim().ok_or_else(|| jobs::busy("campaign"))?;
    jobs::spawn("campaign", move || async move {
        let observer = |progress: &CampaignProgress| {
            claim.record(progress);
            reporter.progress(progress);
        };
        let result = run::run(&ws, &vault, options, claim.control(), &observer).await;
        reporter.notice(&notice(&ws, result.as_ref()));
        let finished = match result {
            Ok(report) => CampaignFinished { report: Some(report), error: None },
            Err(error) => {
                tracing::warn!(code = error.code.as_str(), "the Campaign run failed: {}", error.chain());
                CampaignFinished { report: None, error: Some(error) }
            }
        };
        drop(claim);
        reporter.finished(&finished);
    })
}
