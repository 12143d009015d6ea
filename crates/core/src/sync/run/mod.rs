//! Sync runs: a full or incremental pass over Marketo, Salesforce and (when connected) Dynamics
//! 365 contacts into the people cache,
//! with a checkpoint committed together with every batch (so a killed run resumes where it
//! stopped), progress, cancel, quota awareness (estimate, ceiling, pause until the reset) and a
//! history with counts and per-record errors.
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use rusqlite::{Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::connections::marketo::MarketoClient;
use crate::connections::salesforce::SalesforceClient;
use crate::i18n::Text;
use crate::runs::RunState;
use crate::sync::cache::{CacheWriter, Source, UpsertCounts};
use crate::sync::fields::{self, Mapping};
use crate::sync::records::SfObject;
use crate::sync::settings::{self, SyncSettings};
use crate::vault::Vault;
use crate::{Error, ErrorCode, Result, Workspace, msg};
use checkpoint::{begin, save};

mod checkpoint;
mod dynamics;
mod history;
mod marketo;
mod quota;
mod salesforce;

pub use history::{RecordError, SyncRun, SyncStatus, finished_notice, history, record_errors, status};
pub(crate) use quota::marketo_blocked;
pub use quota::{Estimate, estimate, next_central_midnight};

/// What a run has done so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct SyncCounts {
    pub fetched: u64,
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub conflicts: u64,
    pub duplicates: u64,
    pub deleted: u64,
    pub tasks_logged: u64,
    pub errors: u64,
    pub marketo_calls: u64,
    pub salesforce_calls: u64,
    pub dynamics_calls: u64,
}

impl SyncCounts {
    fn add(&mut self, c: &UpsertCounts) {
        self.created += c.created;
        self.updated += c.updated;
        self.unchanged += c.unchanged;
        self.conflicts += c.conflicts;
        self.duplicates += c.duplicates;
    }
}

/// The steps of a run, in order.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    #[default]
    MarketoLeads,
    MarketoDeleted,
    SalesforceContacts,
    SalesforceLeads,
    SalesforceDeleted,
    DynamicsContacts,
    Activities,
    Done,
}

impl Phase {
    fn next(self) -> Self {
        match self {
            Self::MarketoLeads => Self::MarketoDeleted,
            Self::MarketoDeleted => Self::SalesforceContacts,
            Self::SalesforceContacts => Self::SalesforceLeads,
            Self::SalesforceLeads => Self::SalesforceDeleted,
            Self::SalesforceDeleted => Self::DynamicsContacts,
            Self::DynamicsContacts => Self::Activities,
            Self::Activities | Self::Done => Self::Done,
        }
    }

    /// Where this phase starts and how much of the bar it fills.
    fn span(self) -> (f64, f64) {
        match self {
            Self::MarketoLeads => (0.0, 0.45),
            Self::MarketoDeleted => (0.45, 0.02),
            Self::SalesforceContacts => (0.47, 0.15),
            Self::SalesforceLeads => (0.62, 0.15),
            Self::SalesforceDeleted => (0.77, 0.03),
            Self::DynamicsContacts => (0.8, 0.12),
            Self::Activities => (0.92, 0.08),
            Self::Done => (1.0, 0.0),
        }
    }
}

/// Everything a run needs to continue after a kill; committed with each batch.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Checkpoint {
    pub full: bool,
    pub phase: Phase,
    pub counts: SyncCounts,
    /// Marketo full: the first 31-day window and the end of the last one.
    pub windows_from: Option<String>,
    pub windows_to: Option<String>,
    /// The first window not yet written, and the extract jobs created for later ones.
    pub next_window: u32,
    pub jobs: Vec<(u32, String)>,
    /// Marketo full: whether the New Lead feed was walked (its leads read by ID, or the extract
    /// windows left to read them when it held more than a run reads that way).
    pub feed_done: bool,
    /// The highest Marketo lead ID read by ID so far (they are read in ID order).
    pub feed_after: Option<i64>,
    /// Where the current feed or query stands (paging token, last Salesforce Id).
    pub position: Option<String>,
    /// Cursors to store when the run succeeds.
    pub new_cursors: BTreeMap<String, String>,
    /// Cursors the run reads from (incremental).
    pub old_cursors: BTreeMap<String, String>,
    /// The process driving the run: a process that took a stalled run over writes its own, and
    /// the one it took over from stops at its next checkpoint write.
    pub owner: String,
    /// Where the owner runs: a run whose owner was killed on this machine is taken over at once.
    pub process: Option<crate::jobs::ProcessId>,
}

/// One progress report (at most ten a second, plus one per phase change).
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct Progress {
    pub run_id: String,
    pub full: bool,
    pub state: RunState,
    pub phase: Phase,
    /// 0 to 1.
    pub fraction: f64,
    pub counts: SyncCounts,
    /// What is happening, for people (a pause's reason and when it resumes).
    pub message: Option<Text>,
}

/// A run's cancel switch (the jobs' one).
pub use crate::jobs::Control;

/// How a run is asked for.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Load everything again instead of the changes since the last run.
    pub full: bool,
    /// How often a paused run checks whether the quota reset.
    pub pause_poll: Duration,
    /// The first wait between polls of a Marketo extract job (it grows to 30 s).
    pub job_poll: Duration,
    /// Dynamics contacts asked for per page (`Prefer: odata.maxpagesize`): Dataverse's largest,
    /// 5,000, unless a test wants to see paging on a small org.
    pub dynamics_page_size: usize,
    /// Pages of Marketo's New Lead feed (300 leads each) a full read walks, at most, to read the
    /// leads by ID; a Marketo holding more is read through bulk extracts instead. 0: always
    /// bulk extracts.
    pub new_lead_pages: usize,
}

impl Default for RunOptions {
    fn default() -> Self {
        Self {
            full: false,
            pause_poll: Duration::from_secs(60),
            job_poll: Duration::from_secs(2),
            dynamics_page_size: 5000,
            new_lead_pages: NEW_LEAD_PAGES,
        }
    }
}

impl RunOptions {
    /// The options for this workspace's connections. Runs against the built-in sandbox poll
    /// fast: a time-scaled sandbox finishes extract jobs and quota pauses in a fraction of real
    /// time, and the defaults would leave a demo waiting on Liaison's own timers.
    pub fn for_connections(ws: &Workspace, full: bool) -> Result<Self> {
        let (marketo, salesforce) = connection_ids(ws)?;
        let sandbox = crate::connections::list(ws.store())?
            .iter()
            .any(|c| (c.id == marketo || c.id == salesforce) && c.is_sandbox);
        Ok(if sandbox {
            Self { full, job_poll: Duration::from_millis(200), pause_poll: Duration::from_secs(2), ..Self::default() }
        } else {
            Self { full, ..Self::default() }
        })
    }
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct RunReport {
    pub run_id: String,
    pub state: RunState,
    pub full: bool,
    pub counts: SyncCounts,
    /// Whether this run continued an interrupted one.
    pub resumed: bool,
}

/// A cap on stored per-record errors per run (all are counted).
const MAX_STORED_ERRORS: u64 = 10_000;

/// Extract jobs Liaison keeps in Marketo's queue (of 10) at once, leaving room for two of
/// others. Marketo updates a job's status once a minute, so a job small enough to finish in
/// seconds is still seen done a minute after it was queued: the more are queued at once, the
/// more windows a minute reads.
const JOBS_AHEAD: usize = 8;

const WINDOW: time::Duration = time::Duration::days(31);
/// A full read takes Marketo's leads by ID when the New Lead feed lists at most this many pages
/// of 300 (120,000 leads, 800 calls at most, about 3 minutes at Marketo's rate): the calls follow
/// the data, where extract jobs cost a minute of Marketo's status updates per queue of windows
/// whether they hold anyone or not. A larger Marketo is cheaper in extracts.
pub const NEW_LEAD_PAGES: usize = 400;
/// A run whose heartbeat is older than this is taken to be dead (killed or crashed).
const HEARTBEAT_STALE_SECS: i64 = 90;

/// How often a live run refreshes its heartbeat, well within [`HEARTBEAT_STALE_SECS`].
const HEARTBEAT_EVERY: Duration = Duration::from_secs(15);

/// The live Marketo and Salesforce connections of the integration.
pub fn connection_ids(ws: &Workspace) -> Result<(String, String)> {
    let find = |kind: &str| -> Result<Option<String>> {
        ws.store().read(|c| {
            Ok(c.query_row(
                "SELECT id FROM connections WHERE kind = ?1 AND disconnected_at IS NULL ORDER BY created_at LIMIT 1",
                [kind],
                |r| r.get(0),
            )
            .optional()?)
        })
    };
    match (find("marketo")?, find("salesforce")?) {
        (Some(m), Some(s)) => Ok((m, s)),
        (None, _) => Err(Error::new(ErrorCode::Conflict, msg!("sync-marketo-not-connected"))),
        (_, None) => Err(Error::new(ErrorCode::Conflict, msg!("sync-salesforce-not-connected"))),
    }
}

/// Clients for the integration's Marketo and Salesforce connections.
fn clients<'a>(ws: &Workspace, vault: &'a Vault) -> Result<(MarketoClient, SalesforceClient<'a>)> {
    let (mk_id, sf_id) = connection_ids(ws)?;
    Ok((MarketoClient::load(ws, vault, &mk_id)?, SalesforceClient::load(ws, vault, &sf_id)?))
}

/// The field preview for the two connected systems.
pub async fn preview(ws: &Workspace, vault: &Vault) -> Result<fields::FieldPreview> {
    let (mk, sf) = clients(ws, vault)?;
    fields::preview(ws.store(), &mk, &sf).await
}

struct Ctx<'a> {
    conn: Connection,
    mk: MarketoClient,
    sf: SalesforceClient<'a>,
    /// The Dynamics connection the sync reads contacts from, if any.
    dv: Option<dynamics::DynamicsReader<'a>>,
    mapping: Mapping,
    settings: SyncSettings,
    options: RunOptions,
    run_id: String,
    cp: Checkpoint,
    control: &'a Control,
    observer: &'a (dyn Fn(&Progress) + Send + Sync),
    last_emit: Option<Instant>,
    phase_fraction: f64,
    mk_calls0: u64,
    sf_calls0: u64,
    dv_calls0: u64,
    calls_base: (u64, u64, u64),
    writers: std::collections::HashMap<Source, CacheWriter>,
    /// Per-record errors stored for this run so far (a resumed run starts from the database).
    stored_errors: u64,
    state: RunState,
    message: Option<Text>,
}

/// Runs a sync (or continues an interrupted one) to its end, reporting progress.
pub async fn run(
    ws: &Workspace,
    vault: &Vault,
    options: RunOptions,
    control: &Control,
    observer: &(dyn Fn(&Progress) + Send + Sync),
) -> Result<RunReport> {
    let (mk_id, sf_id) = connection_ids(ws)?;
    let (mk, sf) = clients(ws, vault)?;
    let settings = settings::load(ws.store())?;
    // The health check before the job: the describes prove both sign-ins and that every
    // mapped field still exists (a field deleted since the mapping was saved is reported).
    let preview = match fields::preview(ws.store(), &mk, &sf).await {
        Ok(p) => p,
        Err(e) => return Err(explain_connection_problem(ws, vault, [&mk_id, &sf_id], e).await),
    };
    let mapping = fields::mapping(&preview.rows)?;
    check_saved_fields_exist(ws, &preview)?;
    let (run_id, cp, resumed) = begin(ws, options.full)?;
    // Beats while the run waits on slow calls too, so no other process takes it over.
    let _heartbeat = crate::jobs::Heartbeat::start(ws.store().clone(), run_id.clone(), HEARTBEAT_EVERY);
    let conn = ws.store().connect()?;
    // Batches update the email index and the others all over a large cache: give the run's
    // connection the page cache a bulk write gets (64 MiB), not SQLite's default 2 MiB.
    conn.pragma_update(None, "cache_size", -65_536)?;
    let stored_errors: u64 =
        conn.query_row("SELECT count(*) FROM sync_record_errors WHERE run_id = ?1", [&run_id], |r| r.get(0))?;
    let mk_calls0 = mk.http().budget().calls();
    let sf_calls0 = sf.http().budget().calls();
    let dv = match ws.store().read(crate::sync::dynamics_match::source_connection)? {
        Some(id) => Some(dynamics::DynamicsReader::load(ws, vault, &id)?),
        None => None,
    };
    let dv_calls0 = dv.as_ref().map_or(0, |d| d.http().budget().calls());
    let calls_base = (cp.counts.marketo_calls, cp.counts.salesforce_calls, cp.counts.dynamics_calls);
    let mut ctx = Ctx {
        calls_base,
        conn,
        mk,
        sf,
        dv,
        dv_calls0,
        mapping,
        settings,
        options,
        run_id: run_id.clone(),
        cp,
        control,
        observer,
        last_emit: None,
        phase_fraction: 0.0,
        mk_calls0,
        sf_calls0,
        writers: Default::default(),
        stored_errors,
        state: RunState::Running,
        message: None,
    };
    let outcome = ctx.drive(resumed).await;
    ctx.count_calls();
    let (state, error) = match &outcome {
        Ok(()) if ctx.control.cancelled() => (RunState::Cancelled, None),
        Ok(()) => (RunState::Succeeded, None),
        Err(e) => (RunState::Failed, Some(e.clone())),
    };
    ctx.finish(state, error.as_ref())?;
    ctx.state = state;
    ctx.message = error.as_ref().map(|e| e.message.clone());
    ctx.emit(true);
    match outcome {
        Ok(()) => Ok(RunReport { run_id, state, full: ctx.cp.full, counts: ctx.cp.counts, resumed }),
        Err(e) => Err(e),
    }
}

/// The pre-flight check failed: run each connection's health checklist so the message says
/// which connection and which item, and what to do.
async fn explain_connection_problem(ws: &Workspace, vault: &Vault, ids: [&str; 2], e: Error) -> Error {
    let mut failed = Vec::new();
    let mut details = Vec::new();
    for id in ids {
        if let Ok(report) = crate::connections::health::check(ws, vault, id).await {
            for item in report.items.iter().filter(|i| !i.ok) {
                failed.push(msg!("sync-health-item", name = &report.display_name, detail = &item.detail));
            }
            details.push(serde_json::to_value(&report).unwrap_or_default());
        }
    }
    let message = if failed.is_empty() {
        msg!("sync-cannot-start", reason = &e.message)
    } else {
        msg!("sync-cannot-start-health", problems = failed)
    };
    Error::new(e.code, message).with_details(serde_json::json!({ "cause": e.message, "health": details }))
}

/// A field the admin chose whose API name no longer exists on either side is refused up front.
fn check_saved_fields_exist(ws: &Workspace, preview: &fields::FieldPreview) -> Result<()> {
    let saved = fields::saved_choices(ws.store())?;
    for choice in saved.iter().filter(|c| c.selected) {
        let row = preview.rows.iter().find(|r| r.field == Some(choice.field));
        if row.is_some_and(|r| r.marketo.is_none() && r.salesforce_contact.is_none() && r.salesforce_lead.is_none()) {
            return Err(Error::new(ErrorCode::Conflict, msg!("sync-field-gone", field = choice.field.column())));
        }
    }
    for field in fields::custom_fields(ws.store())?.iter().filter(|f| f.selected) {
        let row = preview.rows.iter().find(|r| r.custom.as_ref().is_some_and(|c| c.key == field.key));
        if let Some(row) = row.filter(|r| !r.compatible) {
            let why = row.note.clone().unwrap_or_else(|| msg!("sync-custom-types-differ"));
            return Err(Error::new(
                ErrorCode::Conflict,
                msg!("sync-custom-field-unsyncable", label = &field.label, why = why),
            ));
        }
    }
    Ok(())
}

impl Ctx<'_> {
    pub(super) async fn drive(&mut self, resumed: bool) -> Result<()> {
        if resumed {
            self.message = Some(msg!("sync-continuing"));
        }
        self.emit(true);
        if !resumed || self.cp.new_cursors.is_empty() {
            self.prepare().await?;
        }
        // A first full sync into an empty cache builds the ID indexes once, at the end.
        let bulk =
            self.cp.full && self.cp.phase == Phase::MarketoLeads && crate::sync::cache::begin_bulk_load(&self.conn)?;
        if !bulk {
            crate::sync::cache::end_bulk_load(&self.conn)?;
        }
        while self.cp.phase != Phase::Done {
            if self.control.cancelled() {
                return Ok(());
            }
            self.phase_fraction = 0.0;
            self.emit(true);
            let result = match self.cp.phase {
                Phase::MarketoLeads if self.cp.full => self.marketo_full().await,
                Phase::MarketoLeads => self.marketo_changes().await,
                Phase::MarketoDeleted if self.cp.full => Ok(()),
                Phase::MarketoDeleted => self.marketo_deleted().await,
                Phase::SalesforceContacts => self.salesforce(SfObject::Contact).await,
                Phase::SalesforceLeads => self.salesforce(SfObject::Lead).await,
                Phase::SalesforceDeleted if self.cp.full => Ok(()),
                Phase::SalesforceDeleted => self.salesforce_deleted().await,
                Phase::DynamicsContacts => self.dynamics_contacts().await,
                Phase::Activities if !self.settings.log_activities => Ok(()),
                Phase::Activities => self.activities().await,
                Phase::Done => Ok(()),
            };
            match result {
                Ok(()) if self.control.cancelled() => return Ok(()),
                Ok(()) => {
                    if self.cp.phase == Phase::SalesforceLeads {
                        crate::sync::cache::end_bulk_load(&self.conn)?;
                    }
                    let tx = self.conn.transaction()?;
                    self.cp.phase = self.cp.phase.next();
                    self.cp.position = None;
                    save(&tx, &self.run_id, &self.cp, RunState::Running)?;
                    tx.commit()?;
                }
                Err(e) if e.code == ErrorCode::QuotaExceeded => self.pause(&e).await?,
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// Calls of this run: those of earlier processes (a resumed run) plus this one's.
    pub(super) fn count_calls(&mut self) {
        self.cp.counts.marketo_calls =
            self.calls_base.0 + self.mk.http().budget().calls().saturating_sub(self.mk_calls0);
        self.cp.counts.salesforce_calls =
            self.calls_base.1 + self.sf.http().budget().calls().saturating_sub(self.sf_calls0);
        if let Some(dv) = &self.dv {
            // The org's budget is shared with other jobs: this counts every call made on it
            // while the run went on, an upper bound of the run's own.
            self.cp.counts.dynamics_calls =
                self.calls_base.2 + dv.http().budget().calls().saturating_sub(self.dv_calls0);
        }
    }

    pub(super) fn emit(&mut self, force: bool) {
        let now = Instant::now();
        if !force && self.last_emit.is_some_and(|t| now.duration_since(t) < Duration::from_millis(100)) {
            return;
        }
        self.last_emit = Some(now);
        let (start, width) = self.cp.phase.span();
        (self.observer)(&Progress {
            run_id: self.run_id.clone(),
            full: self.cp.full,
            state: self.state,
            phase: self.cp.phase,
            fraction: (start + width * self.phase_fraction.clamp(0.0, 1.0)).min(1.0),
            counts: self.cp.counts,
            message: self.message.clone(),
        });
    }

    /// Sleeps in small steps so a cancel is noticed and the heartbeat stays fresh.
    pub(super) async fn wait(&mut self, total: Duration) -> Result<()> {
        let deadline = Instant::now() + total;
        while Instant::now() < deadline && !self.control.cancelled() {
            tokio::time::sleep((deadline - Instant::now()).min(Duration::from_millis(250))).await;
        }
        self.conn.execute(
            "UPDATE runs SET heartbeat_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now') WHERE id = ?1",
            [&self.run_id],
        )?;
        Ok(())
    }
}
