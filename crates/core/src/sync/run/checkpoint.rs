//! What a run writes: the checkpoint with every batch, deletions, per-record errors and the
//! end of the run.

use std::collections::BTreeMap;

use rusqlite::{Connection, OptionalExtension, Transaction, params};
use time::OffsetDateTime;

use super::quota::estimate_with;
use super::{Checkpoint, Ctx, HEARTBEAT_STALE_SECS, MAX_STORED_ERRORS};
use crate::i18n::Text;
use crate::runs::RunState;
use crate::sync::cache::{CacheWriter, Source, SourceRecord, email_key};
use crate::sync::records::{self, Rejected};
use crate::{Error, ErrorCode, Result, Workspace, msg};

pub(super) fn has_cursors(ws: &Workspace) -> Result<bool> {
    ws.store().read(|c| {
        Ok(c.query_row("SELECT EXISTS (SELECT 1 FROM sync_cursors WHERE name = 'marketo.changes')", [], |r| r.get(0))?)
    })
}

pub(super) fn cursors(conn: &Connection) -> Result<BTreeMap<String, String>> {
    let mut stmt = conn.prepare("SELECT name, value FROM sync_cursors")?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// An interrupted run to continue, or a new one. Refuses while another live run holds the lock.
pub(super) fn begin(ws: &Workspace, full: bool) -> Result<(String, Checkpoint, bool)> {
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
            if live && !crate::runs::owner_gone(checkpoint.as_deref()) && state != "failed" {
                return Err(Error::new(ErrorCode::Conflict, msg!("sync-already-running")));
            }
            let mut checkpoint: Checkpoint =
                checkpoint.as_deref().and_then(|c| serde_json::from_str(c).ok()).unwrap_or_default();
            if checkpoint.full || !full {
                // This process owns the run from now on; a stalled owner stops at its next write.
                checkpoint.owner = uuid::Uuid::new_v4().to_string();
                checkpoint.process = Some(crate::jobs::ProcessId::this());
                tx.execute(
                    "UPDATE runs SET state = 'running', checkpoint = ?2, heartbeat_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), error = NULL, finished_at = NULL WHERE id = ?1",
                    params![id, serde_json::to_string(&checkpoint)?],
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
        let checkpoint = Checkpoint {
            full,
            owner: uuid::Uuid::new_v4().to_string(),
            process: Some(crate::jobs::ProcessId::this()),
            ..Checkpoint::default()
        };
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

impl Ctx<'_> {
    /// Checks the quota and fixes the cursors the next incremental run starts from.
    pub(super) async fn prepare(&mut self) -> Result<()> {
        let (estimate, windows_from) = estimate_with(&self.mk, &self.sf, &self.settings, self.cp.full).await?;
        // Kept for the calls-per-day chart, which draws Salesforce's daily limit as its ceiling.
        crate::runs::usage::remember_salesforce_daily_max(&self.conn, estimate.salesforce_daily_max)?;
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
            let from = windows_from.map_or_else(|| self.settings.history_start(), Ok)?;
            self.cp.windows_from = Some(records::format_time(from));
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

    /// Writes a batch, its rejections and the checkpoint in one transaction.
    pub(super) fn commit_batch(&mut self, source: Source, batch: &[SourceRecord], rejected: &[Rejected]) -> Result<()> {
        let system = source.system();
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
            let message = msg!("sync-record-no-email");
            errors.add(&r.system_id, None, "no_email", &message, true)?;
        }
        for d in &duplicates {
            // Counted as duplicates, listed with the errors so the admin can clean them up.
            let message = msg!("sync-record-duplicate", system = system, email = &d.email);
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

    pub(super) fn checkpoint_only(&mut self) -> Result<()> {
        self.count_calls();
        let tx = self.conn.transaction()?;
        save(&tx, &self.run_id, &self.cp, self.state)?;
        tx.commit()?;
        Ok(())
    }

    /// Removes a system's ID from people it was deleted from; a person no system knows any
    /// more leaves the cache.
    pub(super) fn forget(&mut self, source: Source, ids: &[String]) -> Result<()> {
        let sql = match source {
            Source::Marketo => "UPDATE people SET marketo_id = NULL, marketo_modified_at = NULL WHERE marketo_id = ?1",
            Source::SalesforceContact => "UPDATE people SET sf_contact_id = NULL WHERE sf_contact_id = ?1",
            Source::SalesforceLead => "UPDATE people SET sf_lead_id = NULL WHERE sf_lead_id = ?1",
            Source::DynamicsContact => {
                "UPDATE people SET dyn_contact_id = NULL, dynamics_modified_at = NULL WHERE dyn_contact_id = ?1"
            }
        };
        let tx = self.conn.transaction()?;
        let mut deleted = 0;
        {
            let mut clear = tx.prepare_cached(sql)?;
            for id in ids {
                deleted += clear.execute([id])? as u64;
            }
        }
        tx.execute(
            "DELETE FROM people WHERE marketo_id IS NULL AND sf_contact_id IS NULL AND sf_lead_id IS NULL
                AND dyn_contact_id IS NULL",
            [],
        )?;
        self.cp.counts.deleted += deleted;
        save(&tx, &self.run_id, &self.cp, RunState::Running)?;
        tx.commit()?;
        self.emit(false);
        Ok(())
    }

    /// Ends the run: its state and counts, and on success the cursors for the next one.
    pub(super) fn finish(&mut self, state: RunState, error: Option<&Error>) -> Result<()> {
        crate::sync::cache::end_bulk_load(&self.conn)?;
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
                    Some(crate::msg!("setup-sync-people-cached", count = people)),
                )?;
            }
            (_, Some(e)) if step_state(&tx, SetupStepKey::StartSync)? != StepState::Done => {
                set_step(&tx, SetupStepKey::StartSync, StepState::NeedsAttention, Some(&e.message))?;
            }
            _ => {}
        }
        // The message is kept in its stored form, so the history shows it in the admin's language.
        let error = error
            .map(|e| serde_json::json!({ "code": e.code, "message": e.message.to_stored(), "details": e.details }))
            .map(|e| e.to_string());
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

pub(super) fn has_usable_email(record: &SourceRecord) -> bool {
    let key = email_key(&record.email);
    !key.is_empty() && key.contains('@')
}

/// Per-record problems of a run, written inside the batch's transaction: every one is counted,
/// the first [`MAX_STORED_ERRORS`] are kept.
pub(super) struct ErrorLog<'a> {
    tx: &'a Transaction<'a>,
    run_id: &'a str,
    stored: &'a mut u64,
    counted: &'a mut u64,
    system: &'a str,
}

impl ErrorLog<'_> {
    fn add(&mut self, record_id: &str, email: Option<&str>, code: &str, message: &Text, counted: bool) -> Result<()> {
        if counted {
            *self.counted += 1;
        }
        if *self.stored < MAX_STORED_ERRORS {
            self.tx.execute(
                "INSERT INTO sync_record_errors (run_id, system, record_id, email, code, message) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![self.run_id, self.system, record_id, email, code, message.to_stored()],
            )?;
            *self.stored += 1;
        }
        Ok(())
    }
}

pub(super) fn state_str(state: RunState) -> &'static str {
    match state {
        RunState::Queued => "queued",
        RunState::Running => "running",
        RunState::Paused => "paused",
        RunState::Succeeded => "succeeded",
        RunState::Failed => "failed",
        RunState::Cancelled => "cancelled",
    }
}

pub(super) fn save(tx: &Transaction<'_>, run_id: &str, cp: &Checkpoint, state: RunState) -> Result<()> {
    crate::runs::save_owned(tx, run_id, cp, &cp.counts, state, &cp.owner)
}
