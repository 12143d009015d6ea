//! Export runs (R11, R12): the difference since the last delivery, sent as files through the
//! destination's import and removed 300 members a call; checkpointed with every file, so a
//! killed run continues without sending a file twice (a file in flight is found again by its
//! batch ID); paused when a daily quota runs out; a history with counts, calls and duration.
//! A run too big for one file may send people whose ID is known through a second lane beside
//! the list-bound import (an import without the list, then a list add by ID), so Marketo
//! imports two files at once while it allows one import per list.

use std::collections::{HashMap, HashSet, VecDeque};
use std::time::{Duration, Instant};

use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::definition::{self, Export};
use super::destinations;
use super::plan::{self, PlanCounts, SAMPLE, SkippedPerson};
use super::target::{AddRefused, BatchState, ListTarget, MarketoList, Row, Submitted, csv_line_len};
use crate::i18n::Text;
use crate::jobs::Control;
use crate::runs::RunState;
use crate::store::now;
use crate::vault::Vault;
use crate::{Error, ErrorCode, Result, Workspace, msg};

/// Rows recorded per transaction when a file's results come in.
const RECORD_SLICE: i64 = 5_000;

/// Rows of a by-ID file added to the list (five calls) and recorded per step.
const ADD_SLICE: i64 = 1_500;

/// A cap on the per-row results kept per run (all are counted).
pub const MAX_STORED_ROWS: usize = 10_000;

const HEARTBEAT_STALE_SECS: i64 = 90;
const HEARTBEAT_EVERY: Duration = Duration::from_secs(15);

/// What a run has done so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct ExportCounts {
    /// Distinct people the segments held when the run planned.
    pub people: u64,
    pub added: u64,
    pub updated: u64,
    pub removed: u64,
    pub unchanged: u64,
    /// People without a valid email (not sent).
    pub skipped: u64,
    /// People with no existing record to stand for them on the list (Dynamics 365: no contact,
    /// several, or an inactive one; contacts are never created).
    pub unmatched: u64,
    /// Rows the destination refused (sent again by the next run).
    pub failed: u64,
    /// Rows the destination took with a warning.
    pub warnings: u64,
    /// Files handed to the destination.
    pub files: u64,
    /// Calls to the destination.
    pub calls: u64,
}

/// The steps of a run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ExportPhase {
    #[default]
    Planning,
    Sending,
    Removing,
    Done,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
struct Checkpoint {
    counts: ExportCounts,
    phase: ExportPhase,
    /// The counts of the plan were taken (a continued run keeps them).
    planned: bool,
    next_file: u32,
    /// The rows the run has to send in all, for the progress bar.
    to_send: u64,
    to_remove: u64,
    /// The process driving the run (see the sync's checkpoint): a taken-over owner stops.
    owner: String,
    /// Where the owner runs: a run whose owner was killed on this machine is taken over at once.
    process: Option<crate::jobs::ProcessId>,
}

/// Which import a file goes through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lane {
    /// The list-bound import (Marketo: `listId`), one at a time per list.
    Listed,
    /// The import that leaves the list alone, for people whose ID is known: they join the list
    /// by ID once it is complete (see [`ListTarget::by_id_lane`]).
    ById,
}

/// One lane of a run: its files still to send, the one being handed over or imported, and the
/// finished ones being recorded.
struct LaneRun<'r> {
    lane: Lane,
    pending: VecDeque<Vec<&'r Row>>,
    import: Import<'r>,
    recording: VecDeque<(u32, Outcome)>,
}

impl<'r> LaneRun<'r> {
    fn new(lane: Lane, files: Vec<Vec<&'r Row>>) -> Self {
        Self { lane, pending: files.into(), import: Import::Idle, recording: VecDeque::new() }
    }

    /// A lane following a file an earlier process handed over.
    fn following(lane: Lane, seq: u32, batch: String) -> Self {
        let import = Import::Following { seq, batch, polls: 0, due: Instant::now() };
        Self { lane, pending: VecDeque::new(), import, recording: VecDeque::new() }
    }
}

/// Where a lane's current file stands.
enum Import<'r> {
    Idle,
    /// Written to the in-flight table; handed over at `due` (again, while the destination is busy).
    HandingOver {
        seq: u32,
        rows: Vec<&'r Row>,
        due: Instant,
    },
    /// Being imported: asked about at `due`.
    Following {
        seq: u32,
        batch: String,
        polls: u32,
        due: Instant,
    },
}

/// How a file ended: the rows refused and those taken with a warning, by email key, or the
/// reason the whole file was refused.
#[derive(Debug, Default)]
struct Outcome {
    failed: HashMap<String, String>,
    warned: HashMap<String, String>,
    whole: Option<String>,
}

/// What a row new to the destination costs the by-ID lane, against a known row's 1 (and a
/// list-bound row's 1): its import, then its ID looked up by email (300 a call) and its list add
/// (300 a call). At Marketo's 100 calls per 20 s those two calls per 300 rows keep the lane busy
/// about 1.3 times as long as the import of the same rows (1,000 rows/s), and the lane's first
/// file imports before any lookup can start: 1.8 balances the two lanes of a first export of new
/// people (see the `exports` benchmark).
const NEW_ROW_BY_ID_COST: f64 = 1.8;

/// A run's files per lane (`[list-bound, by ID]`). The second lane is used only when the
/// list-bound lane alone would need more than one file (a small run keeps its few calls); it
/// then takes rows so that the two imports Marketo runs at once finish about together: people
/// whose ID is known first (up to half of the rows: they join the list by ID), then people new
/// to the destination while the lanes stay balanced (an import does not answer the IDs of the
/// records it creates, so they are looked up by email after their file is imported, which costs
/// the lane [`NEW_ROW_BY_ID_COST`] per row).
fn lanes(sends: &[Row], max_bytes: usize, max_rows: usize, by_id: bool) -> [Vec<Vec<&Row>>; 2] {
    let all = files(sends.iter(), max_bytes, max_rows);
    if !by_id || all.len() < 2 {
        return [all, Vec::new()];
    }
    let half = sends.len() / 2;
    let known = sends.iter().filter(|r| r.member_id.is_some()).count().min(half);
    // Balanced when `listed = known + cost × new`, with `listed = rows − known − new`.
    let new = ((sends.len() - 2 * known) as f64 / (1.0 + NEW_ROW_BY_ID_COST)) as usize;
    let (mut listed, mut by_id) = (Vec::with_capacity(sends.len() - known - new), Vec::with_capacity(known + new));
    let (mut known_left, mut new_left) = (known, new);
    for row in sends {
        let left = if row.member_id.is_some() { &mut known_left } else { &mut new_left };
        if *left > 0 {
            *left -= 1;
            by_id.push(row);
        } else {
            listed.push(row);
        }
    }
    [files(listed.into_iter(), max_bytes, max_rows), files(by_id.into_iter(), max_bytes, max_rows)]
}

/// Cuts rows into files under `max_bytes` (with a header's margin) and `max_rows`.
fn files<'r>(rows: impl Iterator<Item = &'r Row>, max_bytes: usize, max_rows: usize) -> Vec<Vec<&'r Row>> {
    let mut out: Vec<Vec<&Row>> = Vec::new();
    let mut bytes = 0;
    for row in rows {
        let len = csv_line_len(row);
        match out.last_mut() {
            Some(file) if bytes + len < max_bytes && file.len() < max_rows => {
                file.push(row);
                bytes += len;
            }
            _ => {
                out.push(vec![row]);
                bytes = 200 + len;
            }
        }
    }
    out
}

/// One progress report.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct ExportProgress {
    pub run_id: String,
    pub export: String,
    pub state: RunState,
    pub phase: ExportPhase,
    /// 0 to 1.
    pub fraction: f64,
    pub counts: ExportCounts,
    pub message: Option<Text>,
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct ExportReport {
    pub run_id: String,
    pub export: String,
    pub state: RunState,
    pub counts: ExportCounts,
    /// It continued an interrupted run.
    pub resumed: bool,
    pub seconds: f64,
    /// Of those, the seconds spent waiting for the destination (imports processing, rate
    /// limits, a quota pause).
    pub waiting_seconds: f64,
}

/// What a run would do, with zero calls: the predicted counts and a sample of each kind.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct DryRun {
    pub export: String,
    pub counts: PlanCounts,
    pub added: Vec<String>,
    pub updated: Vec<String>,
    pub removed: Vec<String>,
    pub unchanged: Vec<String>,
    pub skipped: Vec<SkippedPerson>,
    /// People without a record to stand for them on the list, with the reason.
    pub unmatched: Vec<SkippedPerson>,
    /// Files (Dynamics 365: calls) the sends would take.
    pub files: u64,
}

/// How a run is asked for.
#[derive(Debug, Clone)]
pub struct ExportOptions {
    /// The first wait between polls of an import (it grows to 30 s).
    pub first_poll: Duration,
    /// How often a paused run checks whether the quota reset.
    pub pause_poll: Duration,
    /// At most this many rows per file (beside the destination's own size limits); `None` for
    /// no more than those. Tests use it to make several files of a few people.
    pub max_file_rows: Option<usize>,
}

impl Default for ExportOptions {
    fn default() -> Self {
        Self { first_poll: Duration::from_secs(5), pause_poll: Duration::from_secs(60), max_file_rows: None }
    }
}

impl ExportOptions {
    /// The options for a destination: one reached through the built-in sandbox polls fast (its
    /// Marketo runs on a scaled clock).
    pub fn for_export(ws: &Workspace, name: &str) -> Result<Self> {
        let export = definition::get(ws.store(), name)?;
        let destination = destinations::by_id(ws.store(), &export.destination_id)?;
        let sandbox = match destination.marketo.as_ref().map(|m| &m.access) {
            Some(destinations::MarketoAccess::Connection { connection_id }) => {
                crate::connections::list(ws.store())?.iter().any(|c| c.id == *connection_id && c.is_sandbox)
            }
            Some(destinations::MarketoAccess::Own { base_url, .. }) => {
                base_url.starts_with("http://127.0.0.1") || base_url.starts_with("http://localhost")
            }
            None => false,
        };
        Ok(if sandbox {
            Self { first_poll: Duration::from_millis(100), pause_poll: Duration::from_secs(2), max_file_rows: None }
        } else {
            Self::default()
        })
    }
}

/// Predicts a run: no call is made and nothing is written.
pub fn dry_run(ws: &Workspace, name: &str) -> Result<DryRun> {
    let export = definition::get(ws.store(), name)?;
    let destination = destinations::by_id(ws.store(), &export.destination_id)?;
    let resolver = super::dynamics::resolver(&destination);
    let plan = plan::plan(ws.store(), &export, &HashSet::new(), resolver.as_deref())?;
    let sample = |new: bool| -> Vec<String> {
        plan.sends.iter().filter(|r| r.is_new == new).take(SAMPLE).map(|r| r.email.clone()).collect()
    };
    let marketo_files = || {
        let [listed, by_id] = lanes(&plan.sends, super::target::MARKETO_MAX_FILE, usize::MAX, true);
        (listed.len() + by_id.len()) as u64
    };
    Ok(DryRun {
        export: export.name.clone(),
        counts: plan.counts,
        added: sample(true),
        updated: sample(false),
        removed: plan.leavers.iter().take(SAMPLE).map(|l| l.email_key.clone()).collect(),
        unchanged: plan.unchanged_sample.clone(),
        skipped: plan.skipped.iter().take(SAMPLE).cloned().collect(),
        unmatched: plan.unmatched.iter().take(SAMPLE).cloned().collect(),
        files: match destination.kind {
            destinations::DestinationKind::Marketo => marketo_files(),
            destinations::DestinationKind::Dynamics => plan.sends.len().div_ceil(super::dynamics::ADD_CHUNK) as u64,
        },
    })
}

/// Keeps a scheduled run that was refused before it began (R13: the signed-in admin may not use
/// the destination's connection) as a failed run: the history says why, and the schedule waits
/// for its next turn instead of starting the same refused run at every tick (and ahead of every
/// other due export).
pub(crate) fn record_refused(ws: &Workspace, name: &str, err: &Error) -> Result<()> {
    let export = definition::get(ws.store(), name)?;
    let error = serde_json::json!({ "code": err.code, "message": err.message.to_stored(), "details": err.details });
    ws.store().write(|tx| {
        let at = now();
        tx.execute(
            "INSERT INTO runs (id, kind, subject, state, started_at, finished_at, error)
             VALUES (?1, 'export', ?2, 'failed', ?3, ?3, ?4)",
            params![uuid::Uuid::new_v4().to_string(), export.id, at, error.to_string()],
        )?;
        Ok(())
    })
}

/// An interrupted run of this export to continue, or a new one. Refuses while another live run
/// of it holds the lock.
fn begin(ws: &Workspace, export: &Export) -> Result<(String, Checkpoint, bool)> {
    ws.store().write(|tx| {
        let open: Option<(String, Option<String>, bool)> = tx
            .query_row(
                &format!(
                    "SELECT id, checkpoint,
                            heartbeat_at > strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '-{HEARTBEAT_STALE_SECS} seconds')
                       FROM runs WHERE kind = 'export' AND subject = ?1 AND state IN ('queued', 'running', 'paused')
                      ORDER BY started_at DESC LIMIT 1"
                ),
                [&export.id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get::<_, Option<bool>>(2)?.unwrap_or(false))),
            )
            .optional()?;
        if let Some((id, checkpoint, live)) = open {
            if live && !crate::runs::owner_gone(checkpoint.as_deref()) {
                return Err(Error::new(ErrorCode::Conflict, msg!("export-already-running", name = export.name.as_str())));
            }
            let mut checkpoint: Checkpoint =
                checkpoint.as_deref().and_then(|c| serde_json::from_str(c).ok()).unwrap_or_default();
            checkpoint.owner = uuid::Uuid::new_v4().to_string();
            checkpoint.process = Some(crate::jobs::ProcessId::this());
            tx.execute(
                "UPDATE runs SET state = 'running', checkpoint = ?2, heartbeat_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), error = NULL, finished_at = NULL WHERE id = ?1",
                params![id, serde_json::to_string(&checkpoint)?],
            )?;
            return Ok((id, checkpoint, true));
        }
        let id = uuid::Uuid::new_v4().to_string();
        let checkpoint = Checkpoint {
            owner: uuid::Uuid::new_v4().to_string(),
            process: Some(crate::jobs::ProcessId::this()),
            ..Checkpoint::default()
        };
        tx.execute(
            "INSERT INTO runs (id, kind, subject, state, started_at, checkpoint, heartbeat_at)
             VALUES (?1, 'export', ?2, 'running', ?3, ?4, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))",
            params![id, export.id, now(), serde_json::to_string(&checkpoint)?],
        )?;
        let actor = crate::members::admin::acting_admin_in(tx)?.map(|a| a.id);
        crate::audit::record(tx, actor.as_deref(), "export.run_started", Some(&id), serde_json::json!({ "export": export.name }))?;
        Ok((id, checkpoint, false))
    })
}

struct Ctx<'a, T: ListTarget> {
    ws: &'a Workspace,
    conn: Connection,
    export: Export,
    target: T,
    resolver: Option<&'a plan::Resolver<'a>>,
    options: ExportOptions,
    run_id: String,
    cp: Checkpoint,
    calls_base: u64,
    stored_rows: usize,
    control: &'a Control,
    observer: &'a (dyn Fn(&ExportProgress) + Send + Sync),
    last_emit: Option<Instant>,
    state: RunState,
    message: Option<Text>,
    waited: Duration,
}

/// Runs an export (or continues its interrupted run) to its end, reporting progress.
pub async fn run(
    ws: &Workspace,
    vault: &Vault,
    name: &str,
    options: ExportOptions,
    control: &Control,
    observer: &(dyn Fn(&ExportProgress) + Send + Sync),
) -> Result<ExportReport> {
    let started = Instant::now();
    let export = definition::get(ws.store(), name)?;
    let destination = destinations::by_id(ws.store(), &export.destination_id)?;
    // R13: whoever runs it (on demand or by its schedule) must be allowed to use its connection.
    destinations::check_destination_usable(ws.store(), &destination)?;
    // R12 before any call.
    plan::check_size(ws.store(), &export)?;
    match destination.kind {
        destinations::DestinationKind::Marketo => {
            let list_id = destination.marketo.as_ref().map(|m| m.list_id).ok_or_else(|| {
                Error::invalid_input(msg!("export-destination-not-marketo", name = destination.name.as_str()))
            })?;
            let client = destinations::client(ws, vault, &destination)?;
            let target = MarketoList::new(client, list_id, options.first_poll);
            run_on(ws, export, target, None, options, control, observer, started).await
        }
        destinations::DestinationKind::Dynamics => {
            let settings = destination.dynamics.as_ref().ok_or_else(|| {
                Error::invalid_input(msg!("export-destination-unreadable", name = destination.name.as_str()))
            })?;
            let client = crate::connections::dataverse::DataverseClient::load(ws, vault, &settings.connection_id)?;
            let target = super::dynamics::DynamicsList::new(client, &settings.list_id);
            let resolver = super::dynamics::resolver(&destination);
            run_on(ws, export, target, resolver.as_deref(), options, control, observer, started).await
        }
    }
}

/// [`run`] through one destination's target.
#[allow(clippy::too_many_arguments)]
async fn run_on<T: ListTarget>(
    ws: &Workspace,
    export: Export,
    target: T,
    resolver: Option<&plan::Resolver<'_>>,
    options: ExportOptions,
    control: &Control,
    observer: &(dyn Fn(&ExportProgress) + Send + Sync),
    started: Instant,
) -> Result<ExportReport> {
    let (run_id, cp, resumed) = begin(ws, &export)?;
    let _heartbeat = crate::jobs::Heartbeat::start(ws.store().clone(), run_id.clone(), HEARTBEAT_EVERY);
    let conn = ws.store().connect()?;
    let stored_rows: i64 =
        conn.query_row("SELECT count(*) FROM export_run_rows WHERE run_id = ?1", [&run_id], |r| r.get(0))?;
    let calls_base = cp.counts.calls;
    let mut ctx = Ctx {
        ws,
        conn,
        export,
        target,
        resolver,
        options,
        run_id: run_id.clone(),
        cp,
        calls_base,
        stored_rows: stored_rows as usize,
        control,
        observer,
        last_emit: None,
        state: RunState::Running,
        message: resumed.then(|| msg!("export-continuing")),
        waited: Duration::ZERO,
    };
    let outcome = ctx.drive().await;
    let state = match &outcome {
        Ok(()) if control.cancelled() => RunState::Cancelled,
        Ok(()) => RunState::Succeeded,
        Err(_) => RunState::Failed,
    };
    ctx.finish(state, outcome.as_ref().err())?;
    ctx.state = state;
    ctx.message = outcome.as_ref().err().map(|e| e.message.clone());
    ctx.emit(true);
    outcome.map(|()| ExportReport {
        run_id,
        export: ctx.export.name.clone(),
        state,
        counts: ctx.cp.counts,
        resumed,
        seconds: started.elapsed().as_secs_f64(),
        waiting_seconds: ctx.waited.as_secs_f64(),
    })
}

impl<T: ListTarget> Ctx<'_, T> {
    async fn drive(&mut self) -> Result<()> {
        self.emit(true);
        self.adopt_inflight().await?;
        if self.control.cancelled() {
            return Ok(());
        }
        let exclude: HashSet<String> = {
            let mut stmt = self.conn.prepare(
                "SELECT email FROM export_run_rows WHERE run_id = ?1 AND outcome = 'failed' AND email IS NOT NULL",
            )?;
            stmt.query_map([&self.run_id], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?
        };
        let plan = plan::plan(self.ws.store(), &self.export, &exclude, self.resolver)?;
        if !self.cp.planned {
            self.cp.planned = true;
            self.cp.counts.people = plan.counts.people;
            self.cp.counts.unchanged = plan.counts.unchanged;
            self.cp.counts.skipped = plan.counts.skipped;
            self.cp.counts.unmatched = plan.counts.unmatched;
            self.cp.to_send = plan.sends.len() as u64;
            self.cp.to_remove = plan.leavers.len() as u64;
            let tx = self.conn.transaction()?;
            for s in &plan.skipped {
                record_row(&tx, &self.run_id, &mut self.stored_rows, Some(&s.email), "skipped", &s.reason)?;
            }
            for s in &plan.unmatched {
                record_row(&tx, &self.run_id, &mut self.stored_rows, Some(&s.email), "unmatched", &s.reason)?;
            }
            save(&tx, &self.run_id, &self.cp, RunState::Running)?;
            tx.commit()?;
        }
        let [listed, by_id] = self.lanes_within_quota(&plan).await?;
        self.cp.phase = ExportPhase::Sending;
        self.emit(true);
        // Records that stood for a person before and do not now leave the list first: a run
        // cut off after this removes them again (harmless) and still sends their successors.
        for chunk in plan.replaced.chunks(self.target.max_remove().max(1)) {
            let ids: Vec<&str> = chunk.iter().map(String::as_str).collect();
            self.remove_ids(&ids).await?;
            if self.control.cancelled() {
                return Ok(());
            }
        }
        let mut runs = vec![LaneRun::new(Lane::Listed, listed)];
        if !by_id.is_empty() {
            runs.push(LaneRun::new(Lane::ById, by_id));
        }
        self.run_lanes(runs).await?;
        if self.control.cancelled() {
            return Ok(());
        }
        self.cp.phase = ExportPhase::Removing;
        self.emit(true);
        self.remove_leavers(&plan.leavers).await?;
        self.cp.phase = ExportPhase::Done;
        self.checkpoint()?;
        Ok(())
    }

    /// Files an earlier process handed over and did not record: one with a batch ID is followed
    /// to its end (a by-ID file is then added to the list); one without may never have reached
    /// the destination and is planned again.
    async fn adopt_inflight(&mut self) -> Result<()> {
        let files: Vec<(u32, Option<String>, bool)> = {
            let mut stmt = self.conn.prepare(
                "SELECT file_seq, max(batch_id), max(by_id) FROM export_inflight WHERE export_id = ?1
                  GROUP BY file_seq ORDER BY file_seq",
            )?;
            stmt.query_map([&self.export.id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect::<rusqlite::Result<_>>()?
        };
        for (seq, batch, by_id) in files {
            match batch {
                Some(batch) if self.target.resumable_batches() => {
                    self.message = Some(msg!("export-following-import", batch = batch.as_str()));
                    self.emit(true);
                    let lane = if by_id { Lane::ById } else { Lane::Listed };
                    self.run_lanes(vec![LaneRun::following(lane, seq, batch)]).await?;
                    if self.control.cancelled() {
                        return Ok(());
                    }
                }
                _ => {
                    self.conn.execute(
                        "DELETE FROM export_inflight WHERE export_id = ?1 AND file_seq = ?2",
                        params![self.export.id, seq],
                    )?;
                }
            }
        }
        self.message = None;
        Ok(())
    }

    /// The run's files per lane (see [`lanes`]) once its calls are estimated against what is left
    /// of Marketo's daily quota and the ceiling one run may use. The second lane buys time with
    /// calls (list adds, lookups): a run they would take past the quota goes in one lane when
    /// that fits; a run that does not fit either way is refused with the one lane's numbers.
    async fn lanes_within_quota<'p>(&mut self, plan: &'p plan::Plan) -> Result<[Vec<Vec<&'p Row>>; 2]> {
        let max_rows = self.target.max_batch_rows().min(self.options.max_file_rows.unwrap_or(usize::MAX)).max(1);
        let max_bytes = self.target.max_batch_bytes();
        let two = lanes(&plan.sends, max_bytes, max_rows, self.target.by_id_lane());
        let nothing = two.iter().all(Vec::is_empty) && plan.leavers.is_empty();
        if nothing || !self.target.daily_quota() {
            return Ok(two);
        }
        let settings = crate::sync::settings::load(self.ws.store())?;
        let used = self.target.calls_today().await?;
        let blocked = |lanes: &[Vec<Vec<&Row>>; 2]| {
            let calls = self.estimate_calls(plan, lanes);
            crate::sync::run::marketo_blocked(calls, used, &settings).map(|why| (calls, why))
        };
        let chosen = match blocked(&two) {
            None => return Ok(two),
            Some(refusal) if two[1].is_empty() => Err(refusal),
            Some(_) => {
                let one = lanes(&plan.sends, max_bytes, max_rows, false);
                blocked(&one).map_or(Ok(one), Err)
            }
        };
        chosen.map_err(|(calls, why)| {
            let left = settings.marketo_daily_quota.saturating_sub(used);
            let ceiling = settings.marketo_daily_quota * u64::from(settings.quota_ceiling_percent) / 100;
            Error::new(ErrorCode::QuotaExceeded, why)
                .with_details(serde_json::json!({ "refused": true, "calls": calls, "left": left, "ceiling": ceiling }))
        })
    }

    /// The calls a run with these files per lane makes at most.
    fn estimate_calls(&self, plan: &plan::Plan, [listed, by_id]: &[Vec<Vec<&Row>>; 2]) -> u64 {
        let files = (listed.len() + by_id.len()) as u64;
        let adds = by_id.iter().map(Vec::len).sum::<usize>() as u64;
        let new_by_id = by_id.iter().flatten().filter(|r| r.member_id.is_none()).count() as u64;
        let unknown = plan.leavers.iter().filter(|l| l.member_id.is_none()).count() as u64;
        // Per file: the upload, a few status polls, the failures and warnings files; the list
        // adds of the by-ID lane, 300 a call; lookups by email (its new people, leavers without a
        // known ID), 300 a call; the removals, 300 a call; the usage check.
        files * 8
            + adds.div_ceil(self.target.max_add().max(1) as u64)
            + new_by_id.div_ceil(300)
            + unknown.div_ceil(300)
            + (plan.leavers.len() as u64).div_ceil(300)
            + 1
    }

    /// Drives the lanes at once until each file is recorded or the run is cancelled: every
    /// turn does what is due in each lane (record a slice of a finished file, hand a file over,
    /// ask about an import), and the run sleeps only when nothing is due. A lane hands over
    /// its next file while the last one is still being recorded (for a by-ID file: added to
    /// the list), so Marketo keeps importing.
    async fn run_lanes(&mut self, mut runs: Vec<LaneRun<'_>>) -> Result<()> {
        loop {
            if self.control.cancelled() {
                // A file not yet taken is planned again; one being imported is followed again
                // by its batch ID, one being recorded finishes recording.
                for run in &runs {
                    if let Import::HandingOver { seq, .. } = &run.import {
                        self.forget_file(*seq)?;
                    }
                }
                return Ok(());
            }
            let mut worked = false;
            let mut next: Option<Instant> = None;
            for run in &mut runs {
                if let Some((seq, outcome)) = run.recording.front() {
                    if !self.record_slice(*seq, outcome, run.lane).await? {
                        run.recording.pop_front();
                    }
                    worked = true;
                    if self.control.cancelled() {
                        break;
                    }
                }
                let now = Instant::now();
                run.import = match std::mem::replace(&mut run.import, Import::Idle) {
                    Import::Idle => match run.pending.pop_front() {
                        Some(rows) => {
                            worked = true;
                            let seq = self.write_inflight(&rows, run.lane)?;
                            Import::HandingOver { seq, rows, due: now }
                        }
                        None => Import::Idle,
                    },
                    Import::HandingOver { seq, rows, due } if due <= now => {
                        worked = true;
                        match self.hand_over(seq, &rows, run.lane).await? {
                            Some(batch) => Import::Following { seq, batch, polls: 0, due: Instant::now() },
                            None => {
                                Import::HandingOver { seq, rows, due: Instant::now() + self.target.poll_interval(2) }
                            }
                        }
                    }
                    Import::Following { seq, batch, polls, due } if due <= now => {
                        worked = true;
                        match self.poll(&batch).await? {
                            Some(outcome) => {
                                if run.lane == Lane::ById && outcome.whole.is_none() {
                                    let count = self.inflight_rows(seq)?.saturating_sub(outcome.failed.len() as u64);
                                    self.message = Some(msg!("export-adding-to-list", count = count));
                                    self.emit(true);
                                }
                                run.recording.push_back((seq, outcome));
                                Import::Idle
                            }
                            None => Import::Following {
                                seq,
                                batch,
                                polls: polls + 1,
                                due: Instant::now() + self.target.poll_interval(polls),
                            },
                        }
                    }
                    waiting => {
                        if let Import::HandingOver { due, .. } | Import::Following { due, .. } = &waiting {
                            next = Some(next.map_or(*due, |n| n.min(*due)));
                        }
                        waiting
                    }
                };
            }
            if !worked {
                match next {
                    Some(at) => self.wait(at.saturating_duration_since(Instant::now())).await?,
                    None => return Ok(()),
                }
            }
        }
    }

    /// Writes a file's rows to the in-flight table (in slices, see RECORD_SLICE) before its
    /// upload, and answers its sequence number. A file cut off before its upload has no batch ID
    /// and is planned again.
    fn write_inflight(&mut self, rows: &[&Row], lane: Lane) -> Result<u32> {
        let seq = self.cp.next_file;
        let slices: Vec<&[&Row]> = rows.chunks(RECORD_SLICE as usize).collect();
        for (i, slice) in slices.iter().enumerate() {
            let tx = self.conn.transaction()?;
            {
                let mut insert = tx.prepare_cached(
                    "INSERT OR REPLACE INTO export_inflight (export_id, run_id, file_seq, batch_id, email_key, email, member_id, hash, is_new, by_id)
                     VALUES (?1, ?2, ?3, NULL, ?4, ?5, ?6, ?7, ?8, ?9)",
                )?;
                for r in slice.iter() {
                    insert.execute(params![
                        self.export.id,
                        self.run_id,
                        seq,
                        r.email_key,
                        r.email,
                        r.member_id,
                        r.hash,
                        r.is_new,
                        lane == Lane::ById
                    ])?;
                }
            }
            if i + 1 == slices.len() {
                self.cp.next_file += 1;
            }
            save(&tx, &self.run_id, &self.cp, RunState::Running)?;
            tx.commit()?;
        }
        Ok(seq)
    }

    fn forget_file(&mut self, seq: u32) -> Result<()> {
        self.conn.execute(
            "DELETE FROM export_inflight WHERE export_id = ?1 AND file_seq = ?2",
            params![self.export.id, seq],
        )?;
        Ok(())
    }

    fn inflight_rows(&mut self, seq: u32) -> Result<u64> {
        let n: i64 = self.conn.query_row(
            "SELECT count(*) FROM export_inflight WHERE export_id = ?1 AND file_seq = ?2",
            params![self.export.id, seq],
            |r| r.get(0),
        )?;
        Ok(n as u64)
    }

    /// Hands a written file over through its lane's import: its batch ID, or `None` while the
    /// destination has no room for it (or a quota pause ended).
    async fn hand_over(&mut self, seq: u32, rows: &[&Row], lane: Lane) -> Result<Option<String>> {
        let submitted = match lane {
            Lane::Listed => self.target.submit(&self.export.mapping, rows).await,
            Lane::ById => self.target.submit_by_id(&self.export.mapping, rows).await,
        };
        match submitted {
            Ok(Submitted::Batch(batch)) => {
                self.message = None;
                let tx = self.conn.transaction()?;
                tx.execute(
                    "UPDATE export_inflight SET batch_id = ?3 WHERE export_id = ?1 AND file_seq = ?2",
                    params![self.export.id, seq, batch],
                )?;
                self.cp.counts.files += 1;
                self.cp.counts.calls = self.calls_base + self.target.calls();
                save(&tx, &self.run_id, &self.cp, RunState::Running)?;
                tx.commit()?;
                self.emit(true);
                Ok(Some(batch))
            }
            Ok(Submitted::Busy) => {
                self.message = Some(msg!("export-waiting-for-marketo"));
                self.emit(true);
                Ok(None)
            }
            Err(e) if e.code == ErrorCode::QuotaExceeded => {
                self.pause(&e).await?;
                Ok(None)
            }
            Err(e) => {
                self.forget_file(seq)?;
                Err(e)
            }
        }
    }

    /// Asks once where a batch stands: how it ended, or `None` while it goes on.
    async fn poll(&mut self, batch: &str) -> Result<Option<Outcome>> {
        let state = match self.target.batch(batch).await {
            Ok(state) => state,
            Err(e) if e.code == ErrorCode::QuotaExceeded => {
                self.pause(&e).await?;
                return Ok(None);
            }
            Err(e) => return Err(e),
        };
        self.cp.counts.calls = self.calls_base + self.target.calls();
        Ok(match state {
            BatchState::Waiting => {
                self.emit(false);
                None
            }
            BatchState::Done { failed, warned } => Some(Outcome {
                failed: failed.into_iter().collect(),
                warned: warned.into_iter().collect(),
                whole: None,
            }),
            BatchState::Failed { reason } => Some(Outcome { whole: Some(reason), ..Outcome::default() }),
        })
    }

    /// Records one slice of a finished file and answers whether rows are left: delivered ones
    /// become members, refused ones are listed (and sent again by the next run), warnings are
    /// listed. A by-ID file's delivered rows are added to the list first; a row leaves the
    /// in-flight table only once it is on the list, so a killed run adds the rest (adding a
    /// member again changes nothing). Slices keep every write short (other windows and the
    /// heartbeat keep writing).
    async fn record_slice(&mut self, seq: u32, outcome: &Outcome, lane: Lane) -> Result<bool> {
        let limit = match lane {
            Lane::Listed => RECORD_SLICE,
            Lane::ById => ADD_SLICE,
        };
        let rows: Vec<(String, String, Option<String>, String, bool)> = {
            let mut stmt = self.conn.prepare_cached(
                "SELECT email_key, email, member_id, hash, is_new FROM export_inflight
                  WHERE export_id = ?1 AND file_seq = ?2 ORDER BY email_key LIMIT ?3",
            )?;
            stmt.query_map(params![self.export.id, seq, limit], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })?
            .collect::<rusqlite::Result<_>>()?
        };
        if rows.is_empty() {
            if lane == Lane::ById {
                self.message = None;
            }
            self.emit(true);
            return Ok(false);
        }
        let (mut on_list, mut off_list) = (HashMap::new(), HashMap::new());
        if lane == Lane::ById && outcome.whole.is_none() {
            let delivered: Vec<(&str, Option<&str>)> = rows
                .iter()
                .filter(|r| !outcome.failed.contains_key(&r.0))
                .map(|r| (r.0.as_str(), r.2.as_deref()))
                .collect();
            (on_list, off_list) = self.add_by_id(&delivered).await?;
            if self.control.cancelled() {
                return Ok(true);
            }
        }
        let tx = self.conn.transaction()?;
        let at = now();
        {
            let mut upsert = tx.prepare_cached(
                "INSERT INTO export_members (export_id, email_key, member_id, hash, delivered_at) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (export_id, email_key) DO UPDATE SET hash = excluded.hash, delivered_at = excluded.delivered_at,
                        member_id = coalesce(excluded.member_id, export_members.member_id)",
            )?;
            let mut done = tx.prepare_cached(
                "DELETE FROM export_inflight WHERE export_id = ?1 AND file_seq = ?2 AND email_key = ?3",
            )?;
            for (key, email, member_id, hash, is_new) in rows {
                done.execute(params![self.export.id, seq, key])?;
                let refused = outcome
                    .whole
                    .as_ref()
                    .or_else(|| outcome.failed.get(&key))
                    .map(|r| Text::verbatim(r.clone()))
                    .or_else(|| off_list.remove(&key));
                if let Some(reason) = refused {
                    self.cp.counts.failed += 1;
                    record_row(&tx, &self.run_id, &mut self.stored_rows, Some(&email), "failed", &reason)?;
                    continue;
                }
                let member_id = on_list.remove(&key).or(member_id);
                upsert.execute(params![self.export.id, key, member_id, hash, at])?;
                if is_new {
                    self.cp.counts.added += 1;
                } else {
                    self.cp.counts.updated += 1;
                }
                if let Some(reason) = outcome.warned.get(&key) {
                    self.cp.counts.warnings += 1;
                    let reason = Text::verbatim(reason.clone());
                    record_row(&tx, &self.run_id, &mut self.stored_rows, Some(&email), "warning", &reason)?;
                }
            }
        }
        self.cp.counts.calls = self.calls_base + self.target.calls();
        save(&tx, &self.run_id, &self.cp, RunState::Running)?;
        tx.commit()?;
        self.emit(lane == Lane::ById);
        Ok(true)
    }

    /// Adds the delivered rows of a by-ID file to the list, `max_add` a call: by the ID known,
    /// else (none, or one Marketo no longer knows, as after a merge) by the ID their email finds
    /// now. Answers the ID each row is on the list by, and the rows the list refused, by email
    /// key; cut short when the run is cancelled.
    async fn add_by_id(
        &mut self,
        rows: &[(&str, Option<&str>)],
    ) -> Result<(HashMap<String, String>, HashMap<String, Text>)> {
        let (mut on_list, mut off_list) = (HashMap::new(), HashMap::new());
        let mut by_email: Vec<&str> = rows.iter().filter(|r| r.1.is_none()).map(|r| r.0).collect();
        let known: Vec<(&str, String)> = rows.iter().filter_map(|&(key, id)| Some((key, id?.to_owned()))).collect();
        let Some(unknown) = self.add_known(&known, &mut on_list, &mut off_list).await? else {
            return Ok((on_list, off_list));
        };
        by_email.extend(unknown);
        if by_email.is_empty() {
            return Ok((on_list, off_list));
        }
        let Some(ids) = self.lookup(&by_email).await? else { return Ok((on_list, off_list)) };
        let mut found = Vec::new();
        for key in by_email {
            match ids.get(key) {
                Some(id) => found.push((key, id.clone())),
                None => {
                    off_list.insert(key.to_owned(), msg!("export-lead-not-found"));
                }
            }
        }
        if let Some(unknown) = self.add_known(&found, &mut on_list, &mut off_list).await? {
            for key in unknown {
                off_list.insert(key.to_owned(), msg!("export-lead-not-found"));
            }
        }
        Ok((on_list, off_list))
    }

    /// Adds rows to the list by these IDs, noting each row on the list or refused; answers the
    /// rows whose ID the destination does not know, or `None` when the run was cancelled.
    async fn add_known<'k>(
        &mut self,
        rows: &[(&'k str, String)],
        on_list: &mut HashMap<String, String>,
        off_list: &mut HashMap<String, Text>,
    ) -> Result<Option<Vec<&'k str>>> {
        let mut unknown = Vec::new();
        for chunk in rows.chunks(self.target.max_add().max(1)) {
            if self.control.cancelled() {
                return Ok(None);
            }
            let ids: Vec<&str> = chunk.iter().map(|(_, id)| id.as_str()).collect();
            let refused = self.add_ids(&ids).await?;
            if self.control.cancelled() {
                return Ok(None);
            }
            for &(key, ref id) in chunk {
                match refused.get(id) {
                    None => {
                        on_list.insert(key.to_owned(), id.clone());
                    }
                    Some(r) if r.unknown_id => unknown.push(key),
                    Some(r) => {
                        off_list.insert(key.to_owned(), Text::verbatim(r.reason.clone()));
                    }
                }
            }
        }
        Ok(Some(unknown))
    }

    /// Adds these members to the list, pausing when a daily quota runs out.
    async fn add_ids(&mut self, ids: &[&str]) -> Result<HashMap<String, AddRefused>> {
        loop {
            match self.target.add(ids).await {
                Ok(refused) => return Ok(refused),
                Err(e) if e.code == ErrorCode::QuotaExceeded => self.pause(&e).await?,
                Err(e) => return Err(e),
            }
            if self.control.cancelled() {
                return Ok(HashMap::new());
            }
        }
    }

    /// The destination's IDs of these email keys, pausing when a daily quota runs out; `None`
    /// when the run was cancelled meanwhile.
    async fn lookup(&mut self, keys: &[&str]) -> Result<Option<HashMap<String, String>>> {
        loop {
            match self.target.member_ids(keys).await {
                Ok(found) => return Ok(Some(found)),
                Err(e) if e.code == ErrorCode::QuotaExceeded => self.pause(&e).await?,
                Err(e) => return Err(e),
            }
            if self.control.cancelled() {
                return Ok(None);
            }
        }
    }

    /// Removes the members who left: IDs from the last delivery or the cache, else looked up by
    /// email; someone the destination does not know is not on its list either.
    async fn remove_leavers(&mut self, leavers: &[plan::Leaver]) -> Result<()> {
        if leavers.is_empty() {
            return Ok(());
        }
        let mut with_ids: Vec<(String, String)> = Vec::new();
        let mut unknown: Vec<String> = Vec::new();
        {
            let mut from_cache =
                match self.target.cache_id_column() {
                    Some(column) => Some(self.conn.prepare(&format!(
                        "SELECT {column} FROM people WHERE email_key = ?1 AND {column} IS NOT NULL"
                    ))?),
                    None => None,
                };
            for l in leavers {
                let id = match (&l.member_id, from_cache.as_mut()) {
                    (Some(id), _) => Some(id.clone()),
                    (None, Some(stmt)) => stmt.query_row([&l.email_key], |r| r.get(0)).optional()?,
                    (None, None) => None,
                };
                match id {
                    Some(id) => with_ids.push((l.email_key.clone(), id)),
                    None => unknown.push(l.email_key.clone()),
                }
            }
        }
        if !unknown.is_empty() {
            let refs: Vec<&str> = unknown.iter().map(String::as_str).collect();
            let Some(found) = self.lookup(&refs).await? else { return Ok(()) };
            let tx = self.conn.transaction()?;
            for key in &unknown {
                match found.get(key) {
                    Some(id) => with_ids.push((key.clone(), id.clone())),
                    None => {
                        tx.execute(
                            "DELETE FROM export_members WHERE export_id = ?1 AND email_key = ?2",
                            params![self.export.id, key],
                        )?;
                        self.cp.counts.removed += 1;
                    }
                }
            }
            self.cp.counts.calls = self.calls_base + self.target.calls();
            save(&tx, &self.run_id, &self.cp, RunState::Running)?;
            tx.commit()?;
        }
        for chunk in with_ids.chunks(self.target.max_remove().max(1)) {
            if self.control.cancelled() {
                return Ok(());
            }
            let ids: Vec<&str> = chunk.iter().map(|(_, id)| id.as_str()).collect();
            self.remove_ids(&ids).await?;
            if self.control.cancelled() {
                return Ok(());
            }
            let tx = self.conn.transaction()?;
            for (key, _) in chunk {
                tx.execute(
                    "DELETE FROM export_members WHERE export_id = ?1 AND email_key = ?2",
                    params![self.export.id, key],
                )?;
            }
            self.cp.counts.removed += chunk.len() as u64;
            self.cp.counts.calls = self.calls_base + self.target.calls();
            save(&tx, &self.run_id, &self.cp, RunState::Running)?;
            tx.commit()?;
            self.emit(false);
        }
        Ok(())
    }

    /// Removes these members from the list, pausing when a daily quota runs out.
    async fn remove_ids(&mut self, ids: &[&str]) -> Result<()> {
        loop {
            match self.target.remove(ids).await {
                Ok(()) => return Ok(()),
                Err(e) if e.code == ErrorCode::QuotaExceeded => self.pause(&e).await?,
                Err(e) => return Err(e),
            }
            if self.control.cancelled() {
                return Ok(());
            }
        }
    }

    /// A daily quota ran out: the run pauses until Marketo's midnight (US Central) and goes on.
    async fn pause(&mut self, cause: &Error) -> Result<()> {
        if cause.details.as_ref().is_some_and(|d| d["refused"] == true) {
            return Err(cause.clone());
        }
        let now = self.target.server_time().await.unwrap_or_else(|_| time::OffsetDateTime::now_utc());
        let resume_at = crate::sync::run::next_central_midnight(now);
        self.state = RunState::Paused;
        self.message = Some(msg!(
            "quota-paused-until",
            cause = &cause.message,
            at = crate::sync::records::marketo_time(resume_at)
        ));
        self.checkpoint()?;
        self.emit(true);
        loop {
            self.wait(self.options.pause_poll).await?;
            if self.control.cancelled() {
                return Ok(());
            }
            if self.target.server_time().await.is_ok_and(|now| now >= resume_at) {
                break;
            }
        }
        self.state = RunState::Running;
        self.message = Some(msg!("quota-reset-continuing"));
        self.checkpoint()?;
        self.emit(true);
        Ok(())
    }

    fn checkpoint(&mut self) -> Result<()> {
        self.cp.counts.calls = self.calls_base + self.target.calls();
        let tx = self.conn.transaction()?;
        save(&tx, &self.run_id, &self.cp, self.state)?;
        tx.commit()?;
        Ok(())
    }

    /// Sleeps in small steps so a cancel is noticed.
    async fn wait(&mut self, total: Duration) -> Result<()> {
        let start = Instant::now();
        let deadline = start + total;
        while Instant::now() < deadline && !self.control.cancelled() {
            tokio::time::sleep((deadline - Instant::now()).min(Duration::from_millis(250))).await;
        }
        self.waited += start.elapsed();
        Ok(())
    }

    fn emit(&mut self, force: bool) {
        let now = Instant::now();
        if !force && self.last_emit.is_some_and(|t| now.duration_since(t) < Duration::from_millis(100)) {
            return;
        }
        self.last_emit = Some(now);
        let c = &self.cp.counts;
        let sent = (c.added + c.updated + c.failed) as f64;
        let fraction = match self.cp.phase {
            ExportPhase::Planning => 0.0,
            ExportPhase::Sending => 0.05 + 0.85 * (sent / self.cp.to_send.max(1) as f64).min(1.0),
            ExportPhase::Removing => 0.9 + 0.1 * (c.removed as f64 / self.cp.to_remove.max(1) as f64).min(1.0),
            ExportPhase::Done => 1.0,
        };
        (self.observer)(&ExportProgress {
            run_id: self.run_id.clone(),
            export: self.export.name.clone(),
            state: self.state,
            phase: self.cp.phase,
            fraction,
            counts: self.cp.counts,
            message: self.message.clone(),
        });
    }

    fn finish(&mut self, state: RunState, error: Option<&Error>) -> Result<()> {
        self.cp.counts.calls = self.calls_base + self.target.calls();
        if state == RunState::Succeeded {
            self.cp.phase = ExportPhase::Done;
        }
        let tx = self.conn.transaction()?;
        save(&tx, &self.run_id, &self.cp, state)?;
        let error = error
            .map(|e| serde_json::json!({ "code": e.code, "message": e.message.to_stored(), "details": e.details }))
            .map(|e| e.to_string());
        tx.execute("UPDATE runs SET finished_at = ?2, error = ?3 WHERE id = ?1", params![self.run_id, now(), error])?;
        let actor = crate::members::admin::acting_admin_in(&tx)?.map(|a| a.id);
        crate::audit::record(
            &tx,
            actor.as_deref(),
            "export.run_finished",
            Some(&self.run_id),
            serde_json::json!({ "export": self.export.name, "state": state, "counts": self.cp.counts }),
        )?;
        tx.commit()?;
        Ok(())
    }
}

fn record_row(
    tx: &rusqlite::Transaction<'_>,
    run_id: &str,
    stored: &mut usize,
    email: Option<&str>,
    outcome: &str,
    reason: &Text,
) -> Result<()> {
    if *stored < MAX_STORED_ROWS {
        tx.execute(
            "INSERT INTO export_run_rows (run_id, email, outcome, reason) VALUES (?1, ?2, ?3, ?4)",
            params![run_id, email.map(crate::invites::csv::normalize_email), outcome, reason.to_stored()],
        )?;
        *stored += 1;
    }
    Ok(())
}

fn save(tx: &rusqlite::Transaction<'_>, run_id: &str, cp: &Checkpoint, state: RunState) -> Result<()> {
    crate::runs::save_owned(tx, run_id, cp, &cp.counts, state, &cp.owner)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(n: usize, known: impl Fn(usize) -> bool) -> Vec<Row> {
        (0..n)
            .map(|i| Row {
                email_key: format!("p{i}@x.jp"),
                email: format!("p{i}@x.jp"),
                values: vec![Some(format!("p{i}@x.jp"))],
                hash: String::new(),
                member_id: known(i).then(|| i.to_string()),
                is_new: true,
            })
            .collect()
    }

    fn sizes(files: &[Vec<&Row>]) -> Vec<usize> {
        files.iter().map(Vec::len).collect()
    }

    #[test]
    fn a_run_of_one_file_keeps_one_lane_even_when_everyone_is_known() {
        let sends = rows(28, |_| true);
        let [listed, by_id] = lanes(&sends, usize::MAX, usize::MAX, true);
        assert_eq!((sizes(&listed), by_id.len()), (vec![28], 0));
    }

    #[test]
    fn a_run_of_several_files_sends_up_to_half_by_id_known_people_first() {
        let sends = rows(28, |_| true);
        let [listed, by_id] = lanes(&sends, usize::MAX, 10, true);
        assert_eq!((sizes(&listed), sizes(&by_id)), (vec![10, 4], vec![10, 4]));
        assert!(by_id.iter().flatten().all(|r| r.member_id.is_some()));

        // 5 known: they go by ID, and of the 23 new people those that balance the lanes:
        // (28 − 2 × 5) / 2.8 = 6.4 → 6 by ID beside the 5 known, 17 list-bound.
        let sends = rows(28, |i| i % 5 == 0 && i < 25);
        let [listed, by_id] = lanes(&sends, usize::MAX, 10, true);
        assert_eq!((sizes(&listed), sizes(&by_id)), (vec![10, 7], vec![10, 1]));
        assert_eq!(by_id.iter().flatten().filter(|r| r.member_id.is_some()).count(), 5);

        // Nobody known: 10 of 28 (28 / 2.8) go by ID, to be looked up by email.
        let sends = rows(28, |_| false);
        let [listed, by_id] = lanes(&sends, usize::MAX, 10, true);
        assert_eq!((sizes(&listed), sizes(&by_id)), (vec![10, 8], vec![10]));

        // A destination without the second lane keeps every row list-bound.
        let [listed, by_id] = lanes(&sends, usize::MAX, 10, false);
        assert_eq!((sizes(&listed), by_id.len()), (vec![10, 10, 8], 0));
    }

    #[test]
    fn files_stay_under_the_size_limit_with_a_header_margin() {
        let sends = rows(100, |_| true);
        let line = csv_line_len(&sends[0]);
        let max = 200 + line * 10 + 1;
        for file in files(sends.iter(), max, usize::MAX) {
            assert!(200 + file.iter().map(|r| csv_line_len(r)).sum::<usize>() < max);
        }
    }
}
