//! Export runs (R11, R12): the difference since the last delivery, sent as files through the
//! destination's import and removed 300 members a call; checkpointed with every file, so a
//! killed run continues without sending a file twice (a file in flight is found again by its
//! batch ID); paused when a daily quota runs out; a history with counts, calls and duration.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::definition::{self, Export};
use super::destinations;
use super::plan::{self, PlanCounts, SAMPLE, SkippedPerson};
use super::target::{BatchState, ListTarget, MarketoList, Row, Submitted, csv_line_len};
use crate::i18n::Text;
use crate::jobs::Control;
use crate::runs::RunState;
use crate::store::now;
use crate::vault::Vault;
use crate::{Error, ErrorCode, Result, Workspace, msg};

/// Rows recorded per transaction when a file's results come in.
const RECORD_SLICE: i64 = 5_000;

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
}

impl Default for ExportOptions {
    fn default() -> Self {
        Self { first_poll: Duration::from_secs(5), pause_poll: Duration::from_secs(60) }
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
            Self { first_poll: Duration::from_millis(100), pause_poll: Duration::from_secs(2) }
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
    let bytes: usize = plan.sends.iter().map(csv_line_len).sum();
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
            destinations::DestinationKind::Marketo => bytes.div_ceil(super::target::MARKETO_MAX_FILE) as u64,
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
        self.check_quota(&plan).await?;
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
        let max = self.target.max_batch_bytes();
        let mut start = 0;
        while start < plan.sends.len() {
            let mut bytes = 200;
            let mut end = start;
            let max_rows = self.target.max_batch_rows();
            while end < plan.sends.len()
                && (end == start || (bytes + csv_line_len(&plan.sends[end]) < max && end - start < max_rows))
            {
                bytes += csv_line_len(&plan.sends[end]);
                end += 1;
            }
            if self.control.cancelled() {
                return Ok(());
            }
            self.send_file(&plan.sends[start..end]).await?;
            start = end;
        }
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
    /// to its end; one without may never have reached the destination and is planned again.
    async fn adopt_inflight(&mut self) -> Result<()> {
        let files: Vec<(u32, Option<String>)> = {
            let mut stmt = self.conn.prepare(
                "SELECT file_seq, max(batch_id) FROM export_inflight WHERE export_id = ?1 GROUP BY file_seq ORDER BY file_seq",
            )?;
            stmt.query_map([&self.export.id], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<rusqlite::Result<_>>()?
        };
        for (seq, batch) in files {
            match batch {
                Some(batch) if self.target.resumable_batches() => {
                    self.message = Some(msg!("export-following-import", batch = batch.as_str()));
                    self.emit(true);
                    self.follow(seq, &batch).await?;
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

    /// Estimates the run's calls and refuses it, with the numbers, when they exceed what is left
    /// of Marketo's daily quota or the ceiling one run may use.
    async fn check_quota(&mut self, plan: &plan::Plan) -> Result<()> {
        let bytes: usize = plan.sends.iter().map(csv_line_len).sum();
        let files = bytes.div_ceil(self.target.max_batch_bytes()) as u64;
        let unknown = plan.leavers.iter().filter(|l| l.member_id.is_none()).count() as u64;
        // Per file: the upload, a few status polls, the failures and warnings files.
        let calls = files * 8 + unknown.div_ceil(200) + (plan.leavers.len() as u64).div_ceil(300) + 1;
        if (files == 0 && plan.leavers.is_empty()) || !self.target.daily_quota() {
            return Ok(());
        }
        let settings = crate::sync::settings::load(self.ws.store())?;
        let used = self.target.calls_today().await?;
        match crate::sync::run::marketo_blocked(calls, used, &settings) {
            Some(why) => {
                let left = settings.marketo_daily_quota.saturating_sub(used);
                let ceiling = settings.marketo_daily_quota * u64::from(settings.quota_ceiling_percent) / 100;
                Err(Error::new(ErrorCode::QuotaExceeded, why).with_details(
                    serde_json::json!({ "refused": true, "calls": calls, "left": left, "ceiling": ceiling }),
                ))
            }
            None => Ok(()),
        }
    }

    /// Hands over one file, then follows it to its end.
    async fn send_file(&mut self, rows: &[Row]) -> Result<()> {
        let seq = self.cp.next_file;
        // Written in slices (see RECORD_SLICE); a file cut off before its upload has no batch ID
        // and is planned again.
        let slices: Vec<&[Row]> = rows.chunks(RECORD_SLICE as usize).collect();
        for (i, slice) in slices.iter().enumerate() {
            let tx = self.conn.transaction()?;
            {
                let mut insert = tx.prepare_cached(
                    "INSERT OR REPLACE INTO export_inflight (export_id, run_id, file_seq, batch_id, email_key, email, member_id, hash, is_new)
                     VALUES (?1, ?2, ?3, NULL, ?4, ?5, ?6, ?7, ?8)",
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
                        r.is_new
                    ])?;
                }
            }
            if i + 1 == slices.len() {
                self.cp.next_file += 1;
            }
            save(&tx, &self.run_id, &self.cp, RunState::Running)?;
            tx.commit()?;
        }
        let refs: Vec<&Row> = rows.iter().collect();
        let batch = loop {
            match self.target.submit(&self.export.mapping, &refs).await {
                Ok(Submitted::Batch(id)) => break id,
                Ok(Submitted::Busy) => {
                    self.message = Some(msg!("export-waiting-for-marketo"));
                    self.emit(true);
                    self.wait(self.target.poll_interval(2)).await?;
                }
                Err(e) if e.code == ErrorCode::QuotaExceeded => self.pause(&e).await?,
                Err(e) => {
                    self.conn.execute(
                        "DELETE FROM export_inflight WHERE export_id = ?1 AND file_seq = ?2",
                        params![self.export.id, seq],
                    )?;
                    return Err(e);
                }
            }
            if self.control.cancelled() {
                self.conn.execute(
                    "DELETE FROM export_inflight WHERE export_id = ?1 AND file_seq = ?2",
                    params![self.export.id, seq],
                )?;
                return Ok(());
            }
        };
        self.message = None;
        {
            let tx = self.conn.transaction()?;
            tx.execute(
                "UPDATE export_inflight SET batch_id = ?3 WHERE export_id = ?1 AND file_seq = ?2",
                params![self.export.id, seq, batch],
            )?;
            self.cp.counts.files += 1;
            self.cp.counts.calls = self.calls_base + self.target.calls();
            save(&tx, &self.run_id, &self.cp, RunState::Running)?;
            tx.commit()?;
        }
        self.follow(seq, &batch).await
    }

    /// Polls a batch until it ends, then records its rows: delivered ones become members,
    /// refused ones are listed (and sent again by the next run), warnings are listed.
    async fn follow(&mut self, seq: u32, batch: &str) -> Result<()> {
        let mut polls = 0;
        let state = loop {
            match self.target.batch(batch).await {
                Ok(BatchState::Waiting) => {}
                Ok(done) => break done,
                Err(e) if e.code == ErrorCode::QuotaExceeded => self.pause(&e).await?,
                Err(e) => return Err(e),
            }
            self.cp.counts.calls = self.calls_base + self.target.calls();
            self.emit(false);
            self.wait(self.target.poll_interval(polls)).await?;
            polls += 1;
            if self.control.cancelled() {
                // The import goes on in the destination; the next run follows it by its batch ID.
                return Ok(());
            }
        };
        let (failed, warned): (std::collections::HashMap<String, String>, std::collections::HashMap<String, String>) =
            match &state {
                BatchState::Done { failed, warned } => {
                    (failed.iter().cloned().collect(), warned.iter().cloned().collect())
                }
                _ => Default::default(),
            };
        let whole_failure = match &state {
            BatchState::Failed { reason } => Some(reason.clone()),
            _ => None,
        };
        // Recorded in slices, each with the checkpoint, so no write holds the database for long
        // (other windows and the heartbeat keep writing); a slice not yet recorded stays in
        // flight and is recorded when the run continues.
        loop {
            let tx = self.conn.transaction()?;
            let rows: Vec<(String, String, Option<String>, String, bool)> = {
                let mut stmt = tx.prepare(
                    "SELECT email_key, email, member_id, hash, is_new FROM export_inflight
                      WHERE export_id = ?1 AND file_seq = ?2 ORDER BY email_key LIMIT ?3",
                )?;
                stmt.query_map(params![self.export.id, seq, RECORD_SLICE], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
                })?
                .collect::<rusqlite::Result<_>>()?
            };
            if rows.is_empty() {
                break;
            }
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
                    let refused = whole_failure.clone().or_else(|| failed.get(&key).cloned());
                    if let Some(reason) = refused {
                        self.cp.counts.failed += 1;
                        let reason = Text::verbatim(reason);
                        record_row(&tx, &self.run_id, &mut self.stored_rows, Some(&email), "failed", &reason)?;
                        continue;
                    }
                    upsert.execute(params![self.export.id, key, member_id, hash, at])?;
                    if is_new {
                        self.cp.counts.added += 1;
                    } else {
                        self.cp.counts.updated += 1;
                    }
                    if let Some(reason) = warned.get(&key) {
                        self.cp.counts.warnings += 1;
                        let reason = Text::verbatim(reason.clone());
                        record_row(&tx, &self.run_id, &mut self.stored_rows, Some(&email), "warning", &reason)?;
                    }
                }
            }
            self.cp.counts.calls = self.calls_base + self.target.calls();
            save(&tx, &self.run_id, &self.cp, RunState::Running)?;
            tx.commit()?;
            self.emit(false);
        }
        self.emit(true);
        Ok(())
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
            let found = loop {
                match self.target.member_ids(&refs).await {
                    Ok(found) => break found,
                    Err(e) if e.code == ErrorCode::QuotaExceeded => self.pause(&e).await?,
                    Err(e) => return Err(e),
                }
                if self.control.cancelled() {
                    return Ok(());
                }
            };
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
