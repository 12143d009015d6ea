//! How the CLI shows a job's progress: a bar on stderr (hidden when stderr is not a terminal,
//! and with `--json`), so stdout stays the result. The job's outcome is kept for the command to
//! print once the job's thread ends.

use std::sync::Mutex;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use liaison_core::exports::{ExportFinished, ExportProgress};
use liaison_core::invites::outbox::{DeliveryProgress, DeliverySummary, Notice};
use liaison_core::jobs::Reporter;
use liaison_core::sync::job::SyncFinished;
use liaison_core::sync::run::{Phase, Progress};

/// A progress bar that reports one job, and keeps how it ended.
pub struct Bar<F> {
    bar: ProgressBar,
    outcome: Mutex<Option<F>>,
}

impl<F: Clone> Bar<F> {
    /// A bar on stderr; `quiet` hides it (JSON output).
    pub fn new(quiet: bool) -> Self {
        let target = if quiet { ProgressDrawTarget::hidden() } else { ProgressDrawTarget::stderr_with_hz(10) };
        let bar = ProgressBar::with_draw_target(Some(1000), target);
        bar.set_style(
            ProgressStyle::with_template("{spinner} [{elapsed_precise}] {wide_bar} {percent:>3}%  {msg}")
                .expect("a valid template")
                .progress_chars("=> "),
        );
        bar.enable_steady_tick(Duration::from_millis(200));
        Self { bar, outcome: Mutex::new(None) }
    }

    /// How the job ended, once it has.
    pub fn outcome(&self) -> Option<F> {
        self.bar.finish_and_clear();
        self.outcome.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn keep(&self, outcome: &F) {
        *self.outcome.lock().unwrap_or_else(|e| e.into_inner()) = Some(outcome.clone());
    }
}

fn phase_name(phase: Phase) -> &'static str {
    match phase {
        Phase::MarketoLeads => "Marketo leads",
        Phase::MarketoDeleted => "Marketo deletions",
        Phase::SalesforceContacts => "Salesforce contacts",
        Phase::SalesforceLeads => "Salesforce leads",
        Phase::SalesforceDeleted => "Salesforce deletions",
        Phase::DynamicsContacts => "Dynamics 365 contacts",
        Phase::Activities => "activity logging",
        Phase::Done => "done",
    }
}

impl Reporter<Progress, SyncFinished> for Bar<SyncFinished> {
    fn progress(&self, p: &Progress) {
        let c = &p.counts;
        self.bar.set_position((p.fraction * 1000.0).round() as u64);
        let mut msg = format!(
            "{} · fetched {}, created {}, updated {}, unchanged {}, deleted {}, errors {}",
            phase_name(p.phase),
            c.fetched,
            c.created,
            c.updated,
            c.unchanged,
            c.deleted,
            c.errors
        );
        if let Some(note) = &p.message {
            msg.push_str(" — ");
            msg.push_str(note);
        }
        self.bar.set_message(msg);
    }

    // The command prints its own summary on stdout; a notification would repeat it.
    fn notice(&self, _: &Notice) {}

    fn finished(&self, outcome: &SyncFinished) {
        self.keep(outcome);
    }
}

impl Reporter<DeliveryProgress, DeliverySummary> for Bar<DeliverySummary> {
    fn progress(&self, p: &DeliveryProgress) {
        let done = p.sent + p.failed + p.uncertain;
        self.bar.set_length((done + p.remaining).max(1));
        self.bar.set_position(done);
        self.bar.set_message(format!(
            "sent {}, failed {}, uncertain {}, remaining {}",
            p.sent, p.failed, p.uncertain, p.remaining
        ));
    }

    fn notice(&self, _: &Notice) {}

    fn finished(&self, outcome: &DeliverySummary) {
        self.keep(outcome);
    }
}

impl Reporter<ExportProgress, ExportFinished> for Bar<ExportFinished> {
    fn progress(&self, p: &ExportProgress) {
        let c = &p.counts;
        self.bar.set_position((p.fraction * 1000.0).round() as u64);
        let mut msg = format!(
            "added {}, updated {}, removed {}, unchanged {}, skipped {}, failed {} · {} files, {} calls",
            c.added, c.updated, c.removed, c.unchanged, c.skipped, c.failed, c.files, c.calls
        );
        if let Some(note) = &p.message {
            msg.push_str(" — ");
            msg.push_str(note);
        }
        self.bar.set_message(msg);
    }

    fn notice(&self, _: &Notice) {}

    fn finished(&self, outcome: &ExportFinished) {
        self.keep(outcome);
    }
}
