//! Sync runs: a full or incremental pass over Marketo and Salesforce into the people cache,
//! with a checkpoint committed together with every batch (so a killed run resumes where it
//! stopped), progress, cancel, quota awareness (estimate, ceiling, pause until the reset) and a
//! history with counts and per-record errors.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use ts_rs::TS;

use super::activities;
use super::cache::{CacheWriter, Source, SourceRecord, UpsertCounts, email_key};
use super::fields::{self, Mapping};
use super::records::{self, Rejected, SfObject};
use super::settings::{self, SyncSettings};
use crate::connections::marketo::MarketoClient;
use crate::connections::salesforce::SalesforceClient;
use crate::runs::RunState;
use crate::vault::Vault;
use crate::{Error, ErrorCode, Result, Workspace};

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
            Self::SalesforceDeleted => Self::Activities,
            Self::Activities | Self::Done => Self::Done,
        }
    }

    /// Where this phase starts and how much of the bar it fills.
    fn span(self) -> (f64, f64) {
        match self {
            Self::MarketoLeads => (0.0, 0.45),
            Self::MarketoDeleted => (0.45, 0.02),
            Self::SalesforceContacts => (0.47, 0.2),
            Self::SalesforceLeads => (0.67, 0.2),
            Self::SalesforceDeleted => (0.87, 0.03),
            Self::Activities => (0.9, 0.1),
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
    /// Where the current feed or query stands (paging token, last Salesforce Id).
    pub position: Option<String>,
    /// Cursors to store when the run succeeds.
    pub new_cursors: BTreeMap<String, String>,
    /// Cursors the run reads from (incremental).
    pub old_cursors: BTreeMap<String, String>,
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
    pub message: Option<String>,
}

/// Cancels a run from another task.
#[derive(Debug, Default)]
pub struct Control {
    cancel: AtomicBool,
}

impl Control {
    pub fn cancel(&self) {
        self.cancel.store(true, Ordering::SeqCst);
    }

    pub fn cancelled(&self) -> bool {
        self.cancel.load(Ordering::SeqCst)
    }
}

/// How a run is asked for.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Load everything again instead of the changes since the last run.
    pub full: bool,
    /// How often a paused run checks whether the quota reset.
    pub pause_poll: Duration,
    /// The first wait between polls of a Marketo extract job (it grows to 30 s).
    pub job_poll: Duration,
}

impl Default for RunOptions {
    fn default() -> Self {
        Self { full: false, pause_poll: Duration::from_secs(60), job_poll: Duration::from_secs(2) }
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
            Self { full, job_poll: Duration::from_millis(200), pause_poll: Duration::from_secs(2) }
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
/// Extract jobs Liaison keeps in Marketo's queue (of 10) at once, leaving room for others.
const JOBS_AHEAD: usize = 4;
const WINDOW: time::Duration = time::Duration::days(31);
/// A run whose heartbeat is older than this is taken to be dead (killed or crashed).
const HEARTBEAT_STALE_SECS: i64 = 90;

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
        (None, _) => Err(Error::new(
            ErrorCode::Conflict,
            "Marketo is not connected, so there is nothing to sync. Connect it in Settings → Marketo (setup step 3).",
        )),
        (_, None) => Err(Error::new(
            ErrorCode::Conflict,
            "Salesforce is not connected, so there is nothing to sync. Connect it in Settings → Salesforce (setup step 2).",
        )),
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

/// Quota and duration estimate for the next run, per system.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct Estimate {
    pub full: bool,
    pub marketo_calls: u64,
    pub marketo_used_today: u64,
    pub marketo_daily_quota: u64,
    pub salesforce_calls: u64,
    pub salesforce_remaining: u64,
    pub salesforce_daily_max: u64,
    /// The most one run may use, per system (the ceiling applied to the daily quota).
    pub marketo_ceiling: u64,
    pub salesforce_ceiling: u64,
    /// A rough duration in seconds, bounded below by Marketo's 100 calls per 20 s.
    pub seconds: u64,
    /// Why the run would be refused, if it would.
    pub blocked: Option<String>,
}

/// Estimates the next run (costs a few calls: usage, limits and two counts).
pub async fn estimate(ws: &Workspace, vault: &Vault, full: bool) -> Result<Estimate> {
    let (mk, sf) = clients(ws, vault)?;
    let settings = settings::load(ws.store())?;
    let full = full || !has_cursors(ws)?;
    estimate_with(&mk, &sf, &settings, full).await
}

async fn estimate_with(
    mk: &MarketoClient,
    sf: &SalesforceClient<'_>,
    settings: &SyncSettings,
    full: bool,
) -> Result<Estimate> {
    let used_today = mk.calls_today().await?;
    let limits = sf.get("/limits").await?;
    let sf_max = limits["DailyApiRequests"]["Max"].as_u64().unwrap_or(15_000);
    let sf_remaining = limits["DailyApiRequests"]["Remaining"].as_u64().unwrap_or(sf_max);
    let (mk_calls, sf_calls, seconds) = if full {
        let now = mk.http().server_now().unwrap_or_else(OffsetDateTime::now_utc);
        let windows = window_count(settings.history_start()?, now + time::Duration::days(1));
        let mut sf_calls = 2u64; // limits and the counts
        for object in [SfObject::Contact, SfObject::Lead] {
            let count = sf.query(&format!("SELECT COUNT() FROM {}", object.name()), false).await?;
            sf_calls += count["totalSize"].as_u64().unwrap_or(0).div_ceil(2_000).max(1);
        }
        // create, enqueue, a status poll or two and the file, per window; paging tokens.
        let mk_calls = windows * 5 + 4;
        // Extracts run two at a time; assume half a minute each on a busy Marketo.
        let seconds = (windows * 30 / 2).max(mk_calls / 5);
        (mk_calls, sf_calls, seconds)
    } else {
        (6, 6, 10)
    };
    let (mk_calls, sf_calls) =
        if settings.log_activities { (mk_calls + 2, sf_calls + 2) } else { (mk_calls, sf_calls) };
    let pct = u64::from(settings.quota_ceiling_percent);
    let mk_ceiling = settings.marketo_daily_quota * pct / 100;
    let sf_ceiling = sf_max * pct / 100;
    let mk_left = settings.marketo_daily_quota.saturating_sub(used_today);
    let blocked = if mk_calls > mk_ceiling {
        Some(format!(
            "This run needs about {mk_calls} Marketo calls, more than the {pct}% ceiling ({mk_ceiling} of {}). Raise the ceiling or start the Marketo history later.",
            settings.marketo_daily_quota
        ))
    } else if mk_calls > mk_left {
        Some(format!(
            "This run needs about {mk_calls} Marketo calls but only {mk_left} are left today. It can run after midnight US Central time."
        ))
    } else if sf_calls > sf_ceiling {
        Some(format!(
            "This run needs about {sf_calls} Salesforce requests, more than the {pct}% ceiling ({sf_ceiling} of {sf_max})."
        ))
    } else if sf_calls > sf_remaining {
        Some(format!(
            "This run needs about {sf_calls} Salesforce requests but only {sf_remaining} are left in the org's 24-hour allowance."
        ))
    } else {
        None
    };
    Ok(Estimate {
        full,
        marketo_calls: mk_calls,
        marketo_used_today: used_today,
        marketo_daily_quota: settings.marketo_daily_quota,
        salesforce_calls: sf_calls,
        salesforce_remaining: sf_remaining,
        salesforce_daily_max: sf_max,
        marketo_ceiling: mk_ceiling,
        salesforce_ceiling: sf_ceiling,
        seconds,
        blocked,
    })
}

fn window_count(from: OffsetDateTime, to: OffsetDateTime) -> u64 {
    let span = (to - from).whole_seconds().max(1) as u64;
    span.div_ceil(WINDOW.whole_seconds() as u64)
}

fn has_cursors(ws: &Workspace) -> Result<bool> {
    ws.store().read(|c| {
        Ok(c.query_row("SELECT EXISTS (SELECT 1 FROM sync_cursors WHERE name = 'marketo.changes')", [], |r| r.get(0))?)
    })
}

fn cursors(conn: &Connection) -> Result<BTreeMap<String, String>> {
    let mut stmt = conn.prepare("SELECT name, value FROM sync_cursors")?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// An interrupted run to continue, or a new one. Refuses while another live run holds the lock.
fn begin(ws: &Workspace, full: bool) -> Result<(String, Checkpoint, bool)> {
    ws.store().write(|tx| {
        let open: Option<(String, String, Option<String>, bool)> = tx
            .query_row(
                &format!(
                    "SELECT id, state, checkpoint,
                            heartbeat_at > strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '-{HEARTBEAT_STALE_SECS} seconds')
                       FROM runs WHERE kind = 'sync' AND state IN ('queued', 'running', 'paused', 'failed')
                      ORDER BY started_at DESC LIMIT 1"
                ),
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get::<_, Option<bool>>(3)?.unwrap_or(false))),
            )
            .optional()?;
        // Only the newest run may be continued: a failed run followed by a success is history.
        let newest: Option<String> = tx
            .query_row("SELECT id FROM runs WHERE kind = 'sync' ORDER BY started_at DESC LIMIT 1", [], |r| r.get(0))
            .optional()?;
        if let Some((id, state, checkpoint, live)) = open
            && newest.as_deref() == Some(id.as_str())
        {
            if live && state != "failed" {
                return Err(Error::new(
                    ErrorCode::Conflict,
                    "A sync is already running (in this window or another Liaison process). Wait for it or cancel it.",
                ));
            }
            let checkpoint: Checkpoint =
                checkpoint.as_deref().and_then(|c| serde_json::from_str(c).ok()).unwrap_or_default();
            if checkpoint.full || !full {
                tx.execute(
                    "UPDATE runs SET state = 'running', heartbeat_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), error = NULL, finished_at = NULL WHERE id = ?1",
                    [&id],
                )?;
                return Ok((id, checkpoint, true));
            }
            // A full run was asked for: the interrupted incremental one ends here.
            tx.execute(
                "UPDATE runs SET state = 'cancelled', finished_at = ?2 WHERE id = ?1",
                params![id, crate::store::now()],
            )?;
        }
        let id = uuid::Uuid::new_v4().to_string();
        let full = full || !cursors(tx)?.contains_key("marketo.changes");
        let checkpoint = Checkpoint { full, ..Checkpoint::default() };
        tx.execute(
            "INSERT INTO runs (id, kind, state, started_at, checkpoint, heartbeat_at)
             VALUES (?1, 'sync', 'running', ?2, ?3, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))",
            params![id, crate::store::now(), serde_json::to_string(&checkpoint)?],
        )?;
        let actor = crate::members::admin::acting_admin_in(tx)?.map(|a| a.id);
        crate::audit::record(tx, actor.as_deref(), "sync.started", Some(&id), serde_json::json!({ "full": full }))?;
        Ok((id, checkpoint, false))
    })
}

struct Ctx<'a> {
    conn: Connection,
    mk: MarketoClient,
    sf: SalesforceClient<'a>,
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
    calls_base: (u64, u64),
    writers: std::collections::HashMap<Source, CacheWriter>,
    /// Per-record errors stored for this run so far (a resumed run starts from the database).
    stored_errors: u64,
    state: RunState,
    message: Option<String>,
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
    let conn = ws.store().connect()?;
    let stored_errors: u64 =
        conn.query_row("SELECT count(*) FROM sync_record_errors WHERE run_id = ?1", [&run_id], |r| r.get(0))?;
    let mk_calls0 = mk.http().budget().calls();
    let sf_calls0 = sf.http().budget().calls();
    let calls_base = (cp.counts.marketo_calls, cp.counts.salesforce_calls);
    let mut ctx = Ctx {
        calls_base,
        conn,
        mk,
        sf,
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
    ctx.message = error.as_ref().map(|e| e.message.to_string());
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
                failed.push(format!("{}: {}", report.display_name, item.detail));
            }
            details.push(serde_json::to_value(&report).unwrap_or_default());
        }
    }
    let message = if failed.is_empty() {
        format!("The sync cannot start: {}", e.message)
    } else {
        format!(
            "The sync cannot start. {} Fix this (reconnect in Settings if asked), then start the sync again.",
            failed.join(" ")
        )
    };
    Error::new(e.code, message).with_details(serde_json::json!({ "cause": e.message, "health": details }))
}

/// A field the admin chose whose API name no longer exists on either side is refused up front.
fn check_saved_fields_exist(ws: &Workspace, preview: &fields::FieldPreview) -> Result<()> {
    let saved = fields::saved_choices(ws.store())?;
    for choice in saved.iter().filter(|c| c.selected) {
        let row = preview.rows.iter().find(|r| r.field == Some(choice.field));
        if row.is_some_and(|r| r.marketo.is_none() && r.salesforce_contact.is_none() && r.salesforce_lead.is_none()) {
            return Err(Error::new(
                ErrorCode::Conflict,
                format!(
                    "The synced field {:?} no longer exists in Marketo or Salesforce. Open the field preview, review the mapping and save it again.",
                    choice.field.column()
                ),
            ));
        }
    }
    for field in fields::custom_fields(ws.store())?.iter().filter(|f| f.selected) {
        let row = preview.rows.iter().find(|r| r.custom.as_ref().is_some_and(|c| c.key == field.key));
        if let Some(row) = row.filter(|r| !r.compatible) {
            return Err(Error::new(
                ErrorCode::Conflict,
                format!(
                    "The custom field {:?} cannot be synced: {} Fix or remove it in the field preview, then start the sync again.",
                    field.label,
                    row.note.as_deref().unwrap_or("its types differ between the systems.")
                ),
            ));
        }
    }
    Ok(())
}

impl Ctx<'_> {
    async fn drive(&mut self, resumed: bool) -> Result<()> {
        if resumed {
            self.message = Some("Continuing the interrupted sync from its last checkpoint.".into());
        }
        self.emit(true);
        if !resumed || self.cp.new_cursors.is_empty() {
            self.prepare().await?;
        }
        // A first full sync into an empty cache builds the ID indexes once, at the end.
        let bulk = self.cp.full && self.cp.phase == Phase::MarketoLeads && super::cache::begin_bulk_load(&self.conn)?;
        if !bulk {
            super::cache::end_bulk_load(&self.conn)?;
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
                Phase::Activities if !self.settings.log_activities => Ok(()),
                Phase::Activities => self.activities().await,
                Phase::Done => Ok(()),
            };
            match result {
                Ok(()) if self.control.cancelled() => return Ok(()),
                Ok(()) => {
                    if self.cp.phase == Phase::SalesforceLeads {
                        super::cache::end_bulk_load(&self.conn)?;
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

    /// Checks the quota and fixes the cursors the next incremental run starts from.
    async fn prepare(&mut self) -> Result<()> {
        let estimate = estimate_with(&self.mk, &self.sf, &self.settings, self.cp.full).await?;
        if let Some(blocked) = estimate.blocked {
            return Err(
                Error::new(ErrorCode::QuotaExceeded, blocked).with_details(serde_json::json!({ "refused": true }))
            );
        }
        let old = cursors(&self.conn)?;
        let margin = time::Duration::minutes(10);
        let mk_now = self.mk.http().server_now().unwrap_or_else(OffsetDateTime::now_utc);
        let sf_now = self.sf.http().server_now().unwrap_or_else(OffsetDateTime::now_utc);
        let token = self.paging_token(mk_now - margin).await?;
        let mut new = BTreeMap::new();
        if self.cp.full {
            new.insert("marketo.changes".to_owned(), token.clone());
            new.insert("marketo.deleted".to_owned(), token);
            self.cp.windows_from = Some(records::format_time(self.settings.history_start()?));
            self.cp.windows_to = Some(records::format_time(mk_now + time::Duration::days(1)));
        }
        for object in ["Contact", "Lead"] {
            new.insert(format!("salesforce.{object}"), records::soql_time(sf_now - margin));
        }
        if self.settings.log_activities && !old.contains_key("marketo.activities") {
            let since = mk_now - time::Duration::days(i64::from(self.settings.activity_history_days));
            let token = self.paging_token(since).await?;
            self.cp.old_cursors.insert("marketo.activities".to_owned(), token);
        }
        for (k, v) in old {
            self.cp.old_cursors.entry(k).or_insert(v);
        }
        self.cp.new_cursors = new;
        let tx = self.conn.transaction()?;
        save(&tx, &self.run_id, &self.cp, RunState::Running)?;
        tx.commit()?;
        Ok(())
    }

    async fn paging_token(&self, since: OffsetDateTime) -> Result<String> {
        let since = records::marketo_time(since);
        let body = self.mk.get("/rest/v1/activities/pagingtoken.json", &[("sinceDatetime", &since)]).await?;
        body["nextPageToken"]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| Error::new(ErrorCode::BadResponse, "Marketo returned no paging token."))
    }

    /// Writes a batch, its rejections and the checkpoint in one transaction.
    fn commit_batch(&mut self, source: Source, batch: &[SourceRecord], rejected: &[Rejected]) -> Result<()> {
        let system = if source == Source::Marketo { "marketo" } else { "salesforce" };
        self.count_calls();
        let mapping = &self.mapping;
        let writer = self.writers.entry(source).or_insert_with(|| {
            let custom: Vec<_> = mapping.custom.iter().map(|c| (c.key.clone(), c.rule)).collect();
            CacheWriter::new(source, &mapping.rules()).with_custom(&custom)
        });
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        // The writer skips records without a usable email; they are listed as errors here.
        let (counts, duplicates) = writer.write_in(&tx, batch)?;
        self.cp.counts.fetched += (batch.len() + rejected.len()) as u64;
        self.cp.counts.add(&counts);
        let mut errors = ErrorLog {
            tx: &tx,
            run_id: &self.run_id,
            stored: &mut self.stored_errors,
            counted: &mut self.cp.counts.errors,
            system,
        };
        for r in batch.iter().filter(|r| !has_usable_email(r)) {
            let message = "The record has no usable email address, so it cannot be matched to a person.";
            errors.add(&r.system_id, None, "no_email", message, true)?;
        }
        for d in &duplicates {
            // Counted as duplicates, listed with the errors so the admin can clean them up.
            let message =
                format!("Another {system} record in this sync has the email {}; only the first was merged.", d.email);
            errors.add(&d.system_id, Some(&d.email), "duplicate", &message, false)?;
        }
        for r in rejected {
            errors.add(&r.record_id, r.email.as_deref(), r.code, &r.message, true)?;
        }
        save(&tx, &self.run_id, &self.cp, RunState::Running)?;
        tx.commit()?;
        self.emit(false);
        Ok(())
    }

    /// Calls of this run: those of earlier processes (a resumed run) plus this one's.
    fn count_calls(&mut self) {
        self.cp.counts.marketo_calls =
            self.calls_base.0 + self.mk.http().budget().calls().saturating_sub(self.mk_calls0);
        self.cp.counts.salesforce_calls =
            self.calls_base.1 + self.sf.http().budget().calls().saturating_sub(self.sf_calls0);
    }

    fn emit(&mut self, force: bool) {
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

    fn checkpoint_only(&mut self) -> Result<()> {
        self.count_calls();
        let tx = self.conn.transaction()?;
        save(&tx, &self.run_id, &self.cp, self.state)?;
        tx.commit()?;
        Ok(())
    }

    /// Sleeps in small steps so a cancel is noticed and the heartbeat stays fresh.
    async fn wait(&mut self, total: Duration) -> Result<()> {
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

    /// A daily quota ran out: the run pauses and continues after the reset.
    async fn pause(&mut self, cause: &Error) -> Result<()> {
        if cause.details.as_ref().is_some_and(|d| d["refused"] == true) {
            return Err(cause.clone());
        }
        let marketo = cause.details.as_ref().is_some_and(|d| d["system"] == "marketo");
        let resume_at = if marketo {
            let now = self.mk.probe_server_time().await.unwrap_or_else(|_| OffsetDateTime::now_utc());
            Some(next_central_midnight(now))
        } else {
            None
        };
        self.state = RunState::Paused;
        self.message = Some(match resume_at {
            Some(at) => format!(
                "{} Paused; continues after {} UTC (midnight US Central).",
                cause.message,
                records::marketo_time(at)
            ),
            None => {
                format!("{} Paused; Liaison checks the allowance and continues when requests are free.", cause.message)
            }
        });
        tracing::info!(run = %self.run_id, marketo, "sync paused on a daily quota");
        self.checkpoint_only()?;
        self.emit(true);
        loop {
            self.wait(self.options.pause_poll).await?;
            if self.control.cancelled() {
                return Ok(());
            }
            let ready = match resume_at {
                Some(at) => self.mk.probe_server_time().await.is_ok_and(|now| now >= at),
                None => match self.sf.get("/limits").await {
                    Ok(l) => l["DailyApiRequests"]["Remaining"].as_u64().unwrap_or(0) > 0,
                    Err(e) if e.code == ErrorCode::QuotaExceeded => false,
                    Err(e) => return Err(e),
                },
            };
            if ready {
                break;
            }
        }
        self.state = RunState::Running;
        self.message = Some("The quota reset; the sync continues.".into());
        self.checkpoint_only()?;
        self.emit(true);
        Ok(())
    }

    // ------------------------------------------------------------------ Marketo

    fn window(&self, i: u32) -> Result<(OffsetDateTime, OffsetDateTime, u32)> {
        let parse = |s: &Option<String>| {
            s.as_deref()
                .and_then(|s| OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok())
                .ok_or_else(|| Error::internal("The sync checkpoint lost its Marketo windows."))
        };
        let (from, to) = (parse(&self.cp.windows_from)?, parse(&self.cp.windows_to)?);
        let total = window_count(from, to) as u32;
        let start = from + WINDOW * i;
        Ok((start, (start + WINDOW).min(to), total))
    }

    async fn create_export(&self, i: u32) -> Result<String> {
        let (start, end, _) = self.window(i)?;
        let body = serde_json::json!({
            "fields": records::extract_fields(&self.mapping),
            "format": "CSV",
            "filter": { "createdAt": { "startAt": records::marketo_time(start), "endAt": records::marketo_time(end) } },
        });
        let created = self.mk.post("/bulk/v1/leads/export/create.json", Some(&body)).await?;
        let id = created["result"][0]["exportId"]
            .as_str()
            .ok_or_else(|| Error::new(ErrorCode::BadResponse, "Marketo created an extract without an exportId."))?
            .to_owned();
        self.mk.post(&format!("/bulk/v1/leads/export/{id}/enqueue.json"), None).await?;
        Ok(id)
    }

    /// All leads, through bulk extracts of 31-day `createdAt` windows, a few jobs ahead.
    async fn marketo_full(&mut self) -> Result<()> {
        let (_, _, total) = self.window(0)?;
        let mut delay = self.options.job_poll;
        loop {
            if self.control.cancelled() {
                return Ok(());
            }
            while self.cp.jobs.len() < JOBS_AHEAD {
                let next = self.cp.jobs.last().map_or(self.cp.next_window, |(i, _)| i + 1);
                if next >= total {
                    break;
                }
                let id = self.create_export(next).await?;
                self.cp.jobs.push((next, id));
                self.checkpoint_only()?;
            }
            let Some((index, id)) = self.cp.jobs.first().cloned() else { break };
            let status = match self.mk.get(&format!("/bulk/v1/leads/export/{id}/status.json"), &[]).await {
                Ok(s) => s,
                Err(e) if e.details.as_ref().is_some_and(|d| d["marketo_code"] == "1003") => {
                    // The job is gone (extracts are kept for 7 days): create it again.
                    let id = self.create_export(index).await?;
                    self.cp.jobs[0].1 = id;
                    self.checkpoint_only()?;
                    continue;
                }
                Err(e) => return Err(e),
            };
            let job = &status["result"][0];
            match job["status"].as_str().unwrap_or_default() {
                "Completed" => {
                    let (start, end, _) = self.window(index)?;
                    let text = if job["numberOfRecords"].as_u64() == Some(0) {
                        String::new()
                    } else {
                        self.mk.get_file(&format!("/bulk/v1/leads/export/{id}/file.json")).await?
                    };
                    let (batch, rejected) = if text.trim().is_empty() {
                        (Vec::new(), Vec::new())
                    } else {
                        records::parse_extract(
                            &text,
                            &self.mapping,
                            &records::format_time(start),
                            &records::format_time(end),
                        )?
                    };
                    self.cp.jobs.remove(0);
                    self.cp.next_window = index + 1;
                    self.phase_fraction = f64::from(index + 1) / f64::from(total.max(1));
                    for chunk in batch.chunks(5_000) {
                        self.commit_batch(Source::Marketo, chunk, &[])?;
                    }
                    self.commit_batch(Source::Marketo, &[], &rejected)?;
                    delay = self.options.job_poll;
                }
                "Created" => {
                    self.mk.post(&format!("/bulk/v1/leads/export/{id}/enqueue.json"), None).await?;
                }
                "Failed" | "Cancelled" | "Canceled" => {
                    let id = self.create_export(index).await?;
                    self.cp.jobs[0].1 = id;
                    self.checkpoint_only()?;
                }
                _ => {
                    self.wait(delay).await?;
                    delay = (delay * 3 / 2).min(Duration::from_secs(30));
                }
            }
        }
        Ok(())
    }

    /// Changed and new leads since the cursor: the lead-changes feed, then the leads by ID.
    async fn marketo_changes(&mut self) -> Result<()> {
        let mut token = self.feed_start("marketo.changes")?;
        let mut watched: Vec<String> = self.mapping.marketo_fields().iter().map(|s| (*s).to_owned()).collect();
        watched.push(self.mapping.marketo_email.clone());
        let watched = watched.join(",");
        let fields = records::extract_fields(&self.mapping);
        let fields = fields.iter().filter(|f| f.as_str() != "createdAt").cloned().collect::<Vec<_>>().join(",");
        loop {
            if self.control.cancelled() {
                return Ok(());
            }
            let page = self
                .mk
                .get(
                    "/rest/v1/activities/leadchanges.json",
                    &[("nextPageToken", &token), ("fields", &watched), ("batchSize", "300")],
                )
                .await?;
            let mut ids: Vec<i64> = page["result"]
                .as_array()
                .map(|r| r.iter().filter_map(|a| a["leadId"].as_i64()).collect())
                .unwrap_or_default();
            ids.sort_unstable();
            ids.dedup();
            let mut batch = Vec::new();
            let mut rejected = Vec::new();
            for chunk in ids.chunks(300) {
                let list = chunk.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
                let leads = self
                    .mk
                    .get("/rest/v1/leads.json", &[("filterType", "id"), ("filterValues", &list), ("fields", &fields)])
                    .await?;
                for lead in leads["result"].as_array().into_iter().flatten() {
                    match records::marketo_lead(lead, &self.mapping) {
                        Ok(r) => batch.push(r),
                        Err(r) => rejected.push(r),
                    }
                }
            }
            token = page["nextPageToken"].as_str().unwrap_or(&token).to_owned();
            self.cp.position = Some(token.clone());
            self.cp.new_cursors.insert("marketo.changes".into(), token.clone());
            self.commit_batch(Source::Marketo, &batch, &rejected)?;
            if page["moreResult"].as_bool() != Some(true) {
                return Ok(());
            }
        }
    }

    fn feed_start(&self, cursor: &str) -> Result<String> {
        self.cp.position.clone().or_else(|| self.cp.old_cursors.get(cursor).cloned()).ok_or_else(|| {
            Error::internal(format!("The sync has no {cursor} checkpoint; run a full sync (liaison sync run --full)."))
        })
    }

    async fn marketo_deleted(&mut self) -> Result<()> {
        let mut token = self.feed_start("marketo.deleted")?;
        loop {
            let page = self
                .mk
                .get("/rest/v1/activities/deletedleads.json", &[("nextPageToken", &token), ("batchSize", "300")])
                .await?;
            let ids: Vec<String> = page["result"]
                .as_array()
                .map(|r| r.iter().filter_map(|a| a["leadId"].as_i64().map(|i| i.to_string())).collect())
                .unwrap_or_default();
            token = page["nextPageToken"].as_str().unwrap_or(&token).to_owned();
            self.cp.position = Some(token.clone());
            self.cp.new_cursors.insert("marketo.deleted".into(), token.clone());
            self.forget(Source::Marketo, &ids)?;
            if page["moreResult"].as_bool() != Some(true) {
                return Ok(());
            }
        }
    }

    /// Removes a system's ID from people it was deleted from; a person no system knows any
    /// more leaves the cache.
    fn forget(&mut self, source: Source, ids: &[String]) -> Result<()> {
        let sql = match source {
            Source::Marketo => "UPDATE people SET marketo_id = NULL, marketo_modified_at = NULL WHERE marketo_id = ?1",
            Source::SalesforceContact => "UPDATE people SET sf_contact_id = NULL WHERE sf_contact_id = ?1",
            Source::SalesforceLead => "UPDATE people SET sf_lead_id = NULL WHERE sf_lead_id = ?1",
        };
        let tx = self.conn.transaction()?;
        let mut deleted = 0;
        {
            let mut clear = tx.prepare_cached(sql)?;
            for id in ids {
                deleted += clear.execute([id])? as u64;
            }
        }
        tx.execute("DELETE FROM people WHERE marketo_id IS NULL AND sf_contact_id IS NULL AND sf_lead_id IS NULL", [])?;
        self.cp.counts.deleted += deleted;
        save(&tx, &self.run_id, &self.cp, RunState::Running)?;
        tx.commit()?;
        self.emit(false);
        Ok(())
    }

    // ------------------------------------------------------------------ Salesforce

    /// Contacts or (unconverted) leads: all of them, or those changed since the cursor, in Id
    /// order so a resumed run continues after the last Id it wrote.
    async fn salesforce(&mut self, object: SfObject) -> Result<()> {
        let source = if object == SfObject::Contact { Source::SalesforceContact } else { Source::SalesforceLead };
        let mut conditions = Vec::new();
        if object == SfObject::Lead {
            conditions.push("IsConverted = false".to_owned());
        }
        if !self.cp.full {
            let since =
                self.cp.old_cursors.get(&format!("salesforce.{}", object.name())).cloned().ok_or_else(|| {
                    Error::internal("The sync has no Salesforce checkpoint; run a full sync (liaison sync run --full).")
                })?;
            conditions.push(format!("SystemModstamp >= {since}"));
        }
        if let Some(last) = &self.cp.position {
            conditions.push(format!("Id > '{}'", last.replace('\'', "")));
        }
        let soql = format!(
            "SELECT {} FROM {}{} ORDER BY Id",
            object.fields(&self.mapping).join(", "),
            object.name(),
            if conditions.is_empty() { String::new() } else { format!(" WHERE {}", conditions.join(" AND ")) }
        );
        let mut page = self.sf.query(&soql, false).await?;
        let total = page["totalSize"].as_u64().unwrap_or(0).max(1);
        let mut seen = 0u64;
        loop {
            let mut batch = Vec::new();
            let mut rejected = Vec::new();
            let rows = page["records"].as_array().cloned().unwrap_or_default();
            for rec in &rows {
                match records::salesforce_record(rec, object, &self.mapping) {
                    Ok(r) => batch.push(r),
                    Err(r) => rejected.push(r),
                }
            }
            if let Some(last) = rows.last().and_then(|r| r["Id"].as_str()) {
                self.cp.position = Some(last.to_owned());
            }
            seen += rows.len() as u64;
            self.phase_fraction = seen as f64 / total as f64;
            self.commit_batch(source, &batch, &rejected)?;
            if self.control.cancelled() {
                return Ok(());
            }
            match page["nextRecordsUrl"].as_str() {
                Some(next) if page["done"].as_bool() != Some(true) => page = self.sf.get_url(next).await?,
                _ => return Ok(()),
            }
        }
    }

    async fn salesforce_deleted(&mut self) -> Result<()> {
        for object in [SfObject::Contact, SfObject::Lead] {
            let since = self.cp.old_cursors.get(&format!("salesforce.{}", object.name())).cloned().unwrap_or_default();
            if since.is_empty() {
                continue;
            }
            let soql = format!("SELECT Id FROM {} WHERE IsDeleted = true AND SystemModstamp >= {since}", object.name());
            let mut page = self.sf.query(&soql, true).await?;
            let source = if object == SfObject::Contact { Source::SalesforceContact } else { Source::SalesforceLead };
            loop {
                let ids: Vec<String> = page["records"]
                    .as_array()
                    .map(|r| r.iter().filter_map(|x| x["Id"].as_str().map(str::to_owned)).collect())
                    .unwrap_or_default();
                self.forget(source, &ids)?;
                match page["nextRecordsUrl"].as_str() {
                    Some(next) if page["done"].as_bool() != Some(true) => page = self.sf.get_url(next).await?,
                    _ => break,
                }
            }
        }
        Ok(())
    }

    // ------------------------------------------------------------------ activities

    async fn activities(&mut self) -> Result<()> {
        activities::settle_uncertain(&self.conn, &self.sf).await?;
        let mut token = self.feed_start("marketo.activities")?;
        loop {
            if self.control.cancelled() {
                return Ok(());
            }
            let page = self
                .mk
                .get(
                    "/rest/v1/activities.json",
                    &[("nextPageToken", &token), ("activityTypeIds", activities::TYPE_IDS), ("batchSize", "300")],
                )
                .await?;
            let items = page["result"].as_array().cloned().unwrap_or_default();
            let logged = activities::log_page(&self.conn, &self.sf, &self.run_id, &items).await?;
            self.cp.counts.tasks_logged += logged.logged;
            self.cp.counts.errors += logged.failed;
            token = page["nextPageToken"].as_str().unwrap_or(&token).to_owned();
            self.cp.position = Some(token.clone());
            self.cp.new_cursors.insert("marketo.activities".into(), token.clone());
            self.checkpoint_only()?;
            self.emit(false);
            if page["moreResult"].as_bool() != Some(true) {
                return Ok(());
            }
        }
    }

    /// Ends the run: its state and counts, and on success the cursors for the next one.
    fn finish(&mut self, state: RunState, error: Option<&Error>) -> Result<()> {
        super::cache::end_bulk_load(&self.conn)?;
        let tx = self.conn.transaction()?;
        if state == RunState::Succeeded {
            for (name, value) in &self.cp.new_cursors {
                tx.execute(
                    "INSERT INTO sync_cursors (name, value, updated_at) VALUES (?1, ?2, ?3)
                     ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
                    params![name, value, crate::store::now()],
                )?;
            }
        }
        save(&tx, &self.run_id, &self.cp, state)?;
        // Setup step 4 (R1): done once a sync has finished; a failure before that needs attention.
        use crate::setup::{SetupStepKey, StepState, set_step, step_state};
        match (state, error) {
            (RunState::Succeeded, _) => {
                let people: u64 = tx.query_row("SELECT count(*) FROM people", [], |r| r.get(0))?;
                set_step(
                    &tx,
                    SetupStepKey::StartSync,
                    StepState::Done,
                    Some(&format!("{people} people in the cache")),
                )?;
            }
            (_, Some(e)) if step_state(&tx, SetupStepKey::StartSync)? != StepState::Done => {
                set_step(&tx, SetupStepKey::StartSync, StepState::NeedsAttention, Some(&e.message))?;
            }
            _ => {}
        }
        let error = error.map(serde_json::to_string).transpose()?;
        tx.execute(
            "UPDATE runs SET finished_at = ?2, error = ?3 WHERE id = ?1",
            params![self.run_id, crate::store::now(), error],
        )?;
        let actor = crate::members::admin::acting_admin_in(&tx)?.map(|a| a.id);
        crate::audit::record(
            &tx,
            actor.as_deref(),
            "sync.finished",
            Some(&self.run_id),
            serde_json::json!({ "state": state_str(state), "counts": self.cp.counts }),
        )?;
        tx.commit()?;
        Ok(())
    }
}

fn has_usable_email(record: &SourceRecord) -> bool {
    let key = email_key(&record.email);
    !key.is_empty() && key.contains('@')
}

/// Per-record problems of a run, written inside the batch's transaction: every one is counted,
/// the first [`MAX_STORED_ERRORS`] are kept.
struct ErrorLog<'a> {
    tx: &'a Transaction<'a>,
    run_id: &'a str,
    stored: &'a mut u64,
    counted: &'a mut u64,
    system: &'a str,
}

impl ErrorLog<'_> {
    fn add(&mut self, record_id: &str, email: Option<&str>, code: &str, message: &str, counted: bool) -> Result<()> {
        if counted {
            *self.counted += 1;
        }
        if *self.stored < MAX_STORED_ERRORS {
            self.tx.execute(
                "INSERT INTO sync_record_errors (run_id, system, record_id, email, code, message) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![self.run_id, self.system, record_id, email, code, message],
            )?;
            *self.stored += 1;
        }
        Ok(())
    }
}

fn state_str(state: RunState) -> &'static str {
    match state {
        RunState::Queued => "queued",
        RunState::Running => "running",
        RunState::Paused => "paused",
        RunState::Succeeded => "succeeded",
        RunState::Failed => "failed",
        RunState::Cancelled => "cancelled",
    }
}

fn save(tx: &Transaction<'_>, run_id: &str, cp: &Checkpoint, state: RunState) -> Result<()> {
    tx.execute(
        "UPDATE runs SET checkpoint = ?2, counts = ?3, state = ?4, heartbeat_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now') WHERE id = ?1",
        params![run_id, serde_json::to_string(cp)?, serde_json::to_string(&cp.counts)?, state_str(state)],
    )?;
    Ok(())
}

/// Marketo's daily quota resets at midnight US Central Standard Time (UTC−6).
pub fn next_central_midnight(now: OffsetDateTime) -> OffsetDateTime {
    let central = now.to_offset(time::macros::offset!(-6));
    let next = central.date().next_day().unwrap_or(central.date()).midnight().assume_offset(time::macros::offset!(-6));
    next.to_offset(time::UtcOffset::UTC)
}

/// The desktop notification for a finished run, in the workspace's language; `None` for a
/// scheduled run that found nothing to do (no news is not worth a notification).
pub fn finished_notice(
    store: &crate::store::Store,
    outcome: std::result::Result<&RunReport, &Error>,
    scheduled: bool,
) -> Result<Option<crate::invites::outbox::Notice>> {
    use crate::invites::email::EmailLanguage;
    let ja = store.read(EmailLanguage::of_workspace)? == EmailLanguage::Ja;
    let notice = |title: &str, body: String| Some(crate::invites::outbox::Notice { title: title.to_owned(), body });
    Ok(match outcome {
        Err(e) => notice(if ja { "同期が停止しました" } else { "The sync stopped" }, e.message.to_string()),
        Ok(r) if r.state == RunState::Cancelled => {
            notice(if ja { "同期をキャンセルしました" } else { "Sync cancelled" }, String::new())
        }
        Ok(r) => {
            let c = &r.counts;
            if scheduled && c.created + c.updated + c.deleted + c.tasks_logged + c.errors == 0 {
                return Ok(None);
            }
            let body = if ja {
                format!(
                    "新規 {} 件、更新 {} 件、削除 {} 件、タスク記録 {} 件、エラー {} 件。",
                    c.created, c.updated, c.deleted, c.tasks_logged, c.errors
                )
            } else {
                format!(
                    "{} created, {} updated, {} deleted, {} tasks logged, {} errors.",
                    c.created, c.updated, c.deleted, c.tasks_logged, c.errors
                )
            };
            notice(if ja { "同期が完了しました" } else { "Sync finished" }, body)
        }
    })
}

/// One line of the run history.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct SyncRun {
    pub id: String,
    pub state: RunState,
    pub full: bool,
    pub started_at: String,
    pub finished_at: Option<String>,
    pub counts: SyncCounts,
    pub error: Option<String>,
}

/// Sync runs, newest first.
pub fn history(ws: &Workspace, limit: u32) -> Result<Vec<SyncRun>> {
    ws.store().read(|c| {
        let mut stmt = c.prepare(
            "SELECT id, state, started_at, finished_at, counts, checkpoint, error FROM runs
              WHERE kind = 'sync' ORDER BY started_at DESC, rowid DESC LIMIT ?1",
        )?;
        let rows = stmt.query_map([limit.clamp(1, 500)], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, Option<String>>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, Option<String>>(5)?,
                r.get::<_, Option<String>>(6)?,
            ))
        })?;
        rows.map(|row| {
            let (id, state, started_at, finished_at, counts, checkpoint, error) = row?;
            let checkpoint: Checkpoint = checkpoint.and_then(|c| serde_json::from_str(&c).ok()).unwrap_or_default();
            Ok(SyncRun {
                id,
                state: crate::members::parse_enum(&state)?,
                full: checkpoint.full,
                started_at,
                finished_at,
                counts: serde_json::from_str(&counts).unwrap_or_default(),
                error: error
                    .and_then(|e| serde_json::from_str::<serde_json::Value>(&e).ok())
                    .and_then(|e| e["message"].as_str().map(str::to_owned)),
            })
        })
        .collect()
    })
}

/// A problem with one record of a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct RecordError {
    pub system: String,
    pub record_id: String,
    pub email: Option<String>,
    pub code: String,
    pub message: String,
}

/// The stored per-record errors of a run.
pub fn record_errors(ws: &Workspace, run_id: &str, limit: u32) -> Result<Vec<RecordError>> {
    ws.store().read(|c| {
        let mut stmt = c.prepare(
            "SELECT system, record_id, email, code, message FROM sync_record_errors WHERE run_id = ?1 ORDER BY id LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![run_id, limit.clamp(1, 10_000)], |r| {
            Ok(RecordError {
                system: r.get(0)?,
                record_id: r.get(1)?,
                email: r.get(2)?,
                code: r.get(3)?,
                message: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    })
}

/// What the Data sync page and `liaison sync status` show.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct SyncStatus {
    pub people: u64,
    pub connected: bool,
    /// The latest run, if any.
    pub last_run: Option<SyncRun>,
    /// Whether the next run continues where an interrupted one stopped.
    pub interrupted: bool,
    /// Whether the next run is incremental.
    pub incremental_ready: bool,
    pub settings: SyncSettings,
}

/// The sync's state at a glance.
pub fn status(ws: &Workspace) -> Result<SyncStatus> {
    let people: u64 = ws.store().read(|c| Ok(c.query_row("SELECT count(*) FROM people", [], |r| r.get(0))?))?;
    let last_run = history(ws, 1)?.into_iter().next();
    let interrupted =
        last_run.as_ref().is_some_and(|r| matches!(r.state, RunState::Running | RunState::Paused | RunState::Failed));
    Ok(SyncStatus {
        people,
        connected: connection_ids(ws).is_ok(),
        last_run,
        interrupted,
        incremental_ready: has_cursors(ws)?,
        settings: settings::load(ws.store())?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marketo_resets_at_midnight_central_standard_time() {
        let now = time::macros::datetime!(2026-11-24 02:00 UTC); // 20:00 on the 23rd in Chicago
        assert_eq!(next_central_midnight(now), time::macros::datetime!(2026-11-24 06:00 UTC));
        let now = time::macros::datetime!(2026-11-24 07:00 UTC);
        assert_eq!(next_central_midnight(now), time::macros::datetime!(2026-11-25 06:00 UTC));
    }

    #[test]
    fn a_finished_run_notifies_unless_a_scheduled_run_found_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let store = crate::store::Store::open(&crate::Paths::in_dir(dir.path())).unwrap();
        let mut report = RunReport {
            run_id: "r".into(),
            state: RunState::Succeeded,
            full: false,
            counts: SyncCounts::default(),
            resumed: false,
        };
        assert_eq!(finished_notice(&store, Ok(&report), true).unwrap(), None);
        let by_hand = finished_notice(&store, Ok(&report), false).unwrap().unwrap();
        assert_eq!(by_hand.title, "Sync finished");
        report.counts.updated = 3;
        let news = finished_notice(&store, Ok(&report), true).unwrap().unwrap();
        assert!(news.body.contains("3 updated"), "{}", news.body);
        let failed = finished_notice(&store, Err(&Error::invalid_input("Marketo is not connected.")), true).unwrap();
        assert_eq!(failed.unwrap().body, "Marketo is not connected.");
    }

    #[test]
    fn windows_cover_the_history_in_31_day_steps() {
        let from = time::macros::datetime!(2026-01-01 00:00 UTC);
        assert_eq!(window_count(from, from + time::Duration::days(31)), 1);
        assert_eq!(window_count(from, from + time::Duration::days(32)), 2);
    }
}
