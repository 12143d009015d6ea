//! Inviting from a reviewed CSV: queueing the rows in batches and writing the results file.

use std::collections::{BTreeSet, HashSet};
use std::io::Write;
use std::path::Path;

use rusqlite::{Connection, params};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::csv::{self as csvmod, Inspection, Mapping, RowStatus};
use super::invite::{Context, Refusal};
use super::lifecycle::{expire_due, invite_in};
use crate::i18n::{Lang, Text};
use crate::members::MemberRole;
use crate::members::admin::require_actor;
use crate::store::now;
use crate::vault::Vault;
use crate::{Error, Result, Workspace, audit, msg};

/// Rows queued per transaction by [`queue_csv_batch`].
pub const BATCH_ROWS: usize = 500;

/// Why a row of a batch was not invited.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum RowResult {
    Invited,
    Invalid,
    Duplicate,
    Existing,
    Excluded,
    /// Refused when queuing (for example a team that does not exist).
    Failed,
}

/// One row of a CSV batch and what happened to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct BatchRow {
    pub row: u64,
    pub line: u64,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub role: Option<MemberRole>,
    pub teams: Vec<String>,
    pub result: RowResult,
    /// Empty for invited rows.
    pub reason: Text,
}

/// What [`queue_csv_batch`] did; `queued + invalid + duplicates + existing + excluded + failed == rows`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct BatchSummary {
    pub run_id: String,
    pub rows: u64,
    pub queued: u64,
    pub invalid: u64,
    pub duplicates: u64,
    pub existing: u64,
    pub excluded: u64,
    pub failed: u64,
    /// Every row with its result, in file order (for the results CSV). Not serialised: a file
    /// may hold a million rows; front ends read them a page at a time ([`BatchSummary::page`]).
    #[serde(skip)]
    #[ts(skip)]
    pub outcomes: Vec<BatchRow>,
}

/// Queues an invitation for every valid row of a reviewed CSV, [`BATCH_ROWS`] rows per
/// transaction, recording an `invite` run with its counts. Rows keep the reason they were
/// skipped; write the results file with [`write_batch_results`].
///
/// Rows are read with [`csvmod::preview`] page by page (the CSV reader has no row iterator for a
/// whole file yet), so the cost grows with the square of the file's length: fine for thousands
/// of rows, slow for hundreds of thousands.
pub fn queue_csv_batch(
    ws: &Workspace,
    vault: &Vault,
    path: &Path,
    inspection: &Inspection,
    mapping: &Mapping,
    excluded: &BTreeSet<u64>,
) -> Result<BatchSummary> {
    let store = ws.store();
    recover_interrupted(store)?;
    // The whole file is read and checked before anything is queued: a file over the limits (too
    // many rows, a row too long) is refused with nothing written, not after a million rows.
    let existing = super::WorkspaceMembers::load(store)?;
    csvmod::validate(path, inspection, mapping, &existing, excluded, &mut |_| {})?;
    let run_id = uuid::Uuid::new_v4().to_string();
    let owner = crate::jobs::ProcessId::this();
    store.write(|tx| {
        require_actor(tx)?;
        tx.execute(
            "INSERT INTO runs (id, kind, state, started_at, counts, checkpoint) VALUES (?1, 'invite', 'running', ?2, '{}', ?3)",
            params![run_id, now(), serde_json::json!({ "next_row": 1, "process": owner }).to_string()],
        )?;
        Ok(())
    })?;
    let mut summary = BatchSummary {
        run_id: run_id.clone(),
        rows: 0,
        queued: 0,
        invalid: 0,
        duplicates: 0,
        existing: 0,
        excluded: 0,
        failed: 0,
        outcomes: Vec::new(),
    };
    let mut seen: HashSet<String> = HashSet::new();
    let result = (|| -> Result<()> {
        let mut next_row = 1;
        csvmod::for_each_page(path, inspection, mapping, BATCH_ROWS, &mut |page| {
            next_row += page.len() as u64;
            store.write(|tx| {
                expire_due(tx)?;
                let ctx = Context::load(tx)?;
                for row in page {
                    let outcome = queue_row(tx, vault, &ctx, row, excluded, &mut seen, &run_id)?;
                    match outcome.result {
                        RowResult::Invited => summary.queued += 1,
                        RowResult::Invalid => summary.invalid += 1,
                        RowResult::Duplicate => summary.duplicates += 1,
                        RowResult::Existing => summary.existing += 1,
                        RowResult::Excluded => summary.excluded += 1,
                        RowResult::Failed => summary.failed += 1,
                    }
                    summary.rows += 1;
                    summary.outcomes.push(outcome);
                }
                tx.execute(
                    "UPDATE runs SET counts = ?2, checkpoint = ?3 WHERE id = ?1",
                    params![
                        run_id,
                        counts(&summary).to_string(),
                        serde_json::json!({ "next_row": next_row, "process": owner }).to_string()
                    ],
                )?;
                Ok(())
            })
        })?;
        Ok(())
    })();
    store.write(|tx| {
        let (state, error) = match &result {
            Ok(()) => ("succeeded", None),
            Err(e) => ("failed", Some(serde_json::to_string(e)?)),
        };
        tx.execute(
            "UPDATE runs SET state = ?2, finished_at = ?3, counts = ?4, error = ?5 WHERE id = ?1",
            params![run_id, state, now(), counts(&summary).to_string(), error],
        )?;
        let actor = require_actor(tx)?;
        let file = path.file_name().map(|f| f.to_string_lossy().into_owned());
        audit::record(tx, Some(&actor.id), "invites.batch_queued", file.as_deref(), {
            let mut details = counts(&summary);
            details["run_id"] = serde_json::json!(run_id);
            details
        })
    })?;
    result?;
    Ok(summary)
}

/// Marks queueing runs whose process was killed as failed, with how far they got: the
/// invitations they queued stay queued (and are delivered); sending the file again queues the
/// rest, skipping the people already invited. Returns how many runs were recovered.
pub fn recover_interrupted(store: &crate::store::Store) -> Result<u64> {
    store.write(|tx| {
        let running: Vec<(String, Option<String>, String)> = {
            let mut stmt =
                tx.prepare("SELECT id, checkpoint, counts FROM runs WHERE kind = 'invite' AND state = 'running'")?;
            stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?.collect::<rusqlite::Result<_>>()?
        };
        let mut recovered = 0;
        for (id, checkpoint, counts) in running {
            if !crate::runs::owner_gone(checkpoint.as_deref()) {
                continue;
            }
            let queued = serde_json::from_str::<serde_json::Value>(&counts).ok().and_then(|c| c["queued"].as_u64());
            let error = Error::internal(msg!("batch-interrupted", queued = queued.unwrap_or(0)));
            tx.execute(
                "UPDATE runs SET state = 'failed', finished_at = ?2, error = ?3 WHERE id = ?1 AND state = 'running'",
                params![id, now(), serde_json::to_string(&error)?],
            )?;
            audit::record(tx, None, "invites.batch_interrupted", Some(&id), serde_json::json!({ "queued": queued }))?;
            recovered += 1;
        }
        Ok(recovered)
    })
}

impl BatchSummary {
    /// At most `limit` rows (capped at 1,000) of the outcomes from `offset`, in file order.
    pub fn page(&self, offset: u64, limit: u32) -> &[BatchRow] {
        let start = usize::try_from(offset).unwrap_or(usize::MAX).min(self.outcomes.len());
        let end = start.saturating_add(limit.min(1_000) as usize).min(self.outcomes.len());
        &self.outcomes[start..end]
    }
}

pub(super) fn counts(s: &BatchSummary) -> serde_json::Value {
    serde_json::json!({
        "rows": s.rows, "queued": s.queued, "invalid": s.invalid, "duplicates": s.duplicates,
        "existing": s.existing, "excluded": s.excluded, "failed": s.failed,
    })
}

pub(super) fn queue_row(
    tx: &Connection,
    vault: &Vault,
    ctx: &Context,
    row: &csvmod::PreviewRow,
    excluded: &BTreeSet<u64>,
    seen: &mut HashSet<String>,
    run_id: &str,
) -> Result<BatchRow> {
    let out = BatchRow {
        row: row.row,
        line: row.line,
        email: row.email.clone(),
        first_name: row.first_name.clone(),
        last_name: row.last_name.clone(),
        role: row.role,
        teams: row.teams.clone(),
        result: RowResult::Invited,
        reason: Text::verbatim(""),
    };
    let skip = |mut out: BatchRow, result, reason: Text| {
        out.result = result;
        out.reason = reason;
        Ok(out)
    };
    if excluded.contains(&row.row) {
        return skip(out, RowResult::Excluded, msg!("batch-excluded"));
    }
    // Invalid rows carry the CSV reader's reasons; duplicates are judged here, among the rows
    // not excluded, as the validation report does.
    if row.status == RowStatus::Invalid {
        let reasons: Vec<Text> = row
            .issues
            .iter()
            .filter(|i| i.severity == csvmod::Severity::Error && i.code != csvmod::IssueCode::DuplicateInFile)
            .map(|i| i.message.clone())
            .collect();
        return skip(out, RowResult::Invalid, msg!("batch-row-reasons", reasons = reasons));
    }
    let Some(role) = row.role else {
        return skip(out, RowResult::Invalid, msg!("batch-unknown-role"));
    };
    if !seen.insert(csvmod::normalize_email(&row.email)) {
        return skip(out, RowResult::Duplicate, msg!("batch-duplicate", email = &row.email));
    }
    let name = format!("{} {}", row.first_name, row.last_name);
    match invite_in(tx, vault, ctx, &row.email, Some(name.trim()), role, &row.teams, Some(run_id))? {
        Ok(_) => Ok(out),
        Err(Refusal::AlreadyMember(m) | Refusal::AlreadyInvited(m)) => skip(out, RowResult::Existing, m),
        Err(Refusal::UnknownTeams(m)) => skip(out, RowResult::Failed, m),
    }
}

/// The words of the Result column.
pub(super) fn result_word(result: RowResult) -> &'static str {
    match result {
        RowResult::Invited => "invited",
        RowResult::Invalid => "invalid",
        RowResult::Duplicate => "duplicate",
        RowResult::Existing => "skipped",
        RowResult::Excluded => "excluded",
        RowResult::Failed => "failed",
    }
}

/// Writes the results CSV of a batch (UTF-8 with BOM, every cell formula-safe): the file's
/// original columns, exactly as read, plus Result and Reason per row. The original file is read
/// again, row by row, so it must still be where it was and unchanged. Reasons are written in
/// `lang` (the admin's language).
pub fn write_batch_results<W: Write>(
    out: W,
    path: &Path,
    inspection: &Inspection,
    summary: &BatchSummary,
    lang: Lang,
) -> Result<()> {
    if let Err(e) = std::fs::metadata(path) {
        return Err(Error::invalid_input(msg!(
            "batch-results-source-gone",
            path = path.display().to_string(),
            reason = e.to_string()
        )));
    }
    // Without a header row the columns have no names of their own; use the wizard's ("Column A").
    let headers = if inspection.header_row.is_some() { inspection.headers() } else { inspection.column_names() };
    let mut writer = csvmod::ResultsWriter::new(out, &headers)?;
    let mut outcomes = summary.outcomes.iter().peekable();
    csvmod::for_each_record(path, inspection, &mut |row, record| {
        while outcomes.next_if(|o| o.row < row).is_some() {}
        let (result, reason) = match outcomes.next_if(|o| o.row == row) {
            Some(o) => (result_word(o.result), o.reason.render(lang)),
            None => ("", msg!("batch-row-not-in-batch").render(lang)),
        };
        writer.row(record.iter(), result, &reason)
    })?;
    writer.finish()
}
