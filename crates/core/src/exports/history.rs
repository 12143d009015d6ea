//! Past export runs: the history with counts, calls and duration, the per-row results, a results
//! CSV, and the notice at the end of a run.

use rusqlite::params;
use serde::Serialize;
use ts_rs::TS;

use super::run::{ExportCounts, ExportReport};
use crate::i18n::Text;
use crate::invites::outbox::Notice;
use crate::runs::RunState;
use crate::store::Store;
use crate::{Error, Lang, Result, msg};

/// One line of an export's history.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct ExportRun {
    pub id: String,
    pub export: String,
    pub state: RunState,
    pub started_at: String,
    pub finished_at: Option<String>,
    /// Wall-clock seconds from start to end (or to now, for a run still going).
    pub seconds: Option<i64>,
    pub counts: ExportCounts,
    pub error: Option<Text>,
}

/// What became of a row that was not simply delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum RowOutcome {
    /// The destination refused it (sent again by the next run).
    Failed,
    /// The destination took it with a warning.
    Warning,
    /// Not sent: no valid email.
    Skipped,
    /// Not added: no existing record stands for the person (Dynamics 365).
    Unmatched,
}

impl RowOutcome {
    fn stored(text: &str) -> Self {
        match text {
            "failed" => Self::Failed,
            "warning" => Self::Warning,
            "unmatched" => Self::Unmatched,
            _ => Self::Skipped,
        }
    }

    /// The outcome in words, for people.
    pub fn text(self) -> Text {
        match self {
            Self::Failed => msg!("export-outcome-failed"),
            Self::Warning => msg!("export-outcome-warning"),
            Self::Skipped => msg!("export-outcome-skipped"),
            Self::Unmatched => msg!("export-outcome-unmatched"),
        }
    }
}

/// What became of one row.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct ExportRowResult {
    pub email: Option<String>,
    pub outcome: RowOutcome,
    pub reason: Text,
}

/// Export runs, newest first: of the export called `export`, or of every export.
pub fn history(store: &Store, export: Option<&str>, limit: u32) -> Result<Vec<ExportRun>> {
    let export_id = match export {
        Some(name) => Some(super::definition::get(store, name)?.id),
        None => None,
    };
    store.read(|c| {
        let mut stmt = c.prepare(
            "SELECT r.id, coalesce(e.name, ''), r.state, r.started_at, r.finished_at, r.counts, r.error,
                    CAST(strftime('%s', coalesce(r.finished_at, 'now')) AS INTEGER) - CAST(strftime('%s', r.started_at) AS INTEGER)
               FROM runs r LEFT JOIN exports e ON e.id = r.subject
              WHERE r.kind = 'export' AND (?1 IS NULL OR r.subject = ?1)
              ORDER BY r.started_at DESC, r.rowid DESC LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![export_id, limit.clamp(1, 500)], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, Option<String>>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, Option<String>>(6)?,
                r.get::<_, Option<i64>>(7)?,
            ))
        })?;
        rows.map(|row| {
            let (id, export, state, started_at, finished_at, counts, error, seconds) = row?;
            Ok(ExportRun {
                id,
                export,
                state: crate::members::parse_enum(&state)?,
                started_at,
                finished_at,
                seconds,
                counts: serde_json::from_str(&counts).unwrap_or_default(),
                error: error
                    .and_then(|e| serde_json::from_str::<serde_json::Value>(&e).ok())
                    .and_then(|e| e["message"].as_str().map(Text::from_stored)),
            })
        })
        .collect()
    })
}

/// The rows of a run the destination refused or warned about, the people it skipped and those
/// no list member could stand for (unmatched).
pub fn rows(store: &Store, run_id: &str, limit: u32) -> Result<Vec<ExportRowResult>> {
    store.read(|c| {
        let mut stmt = c.prepare(
            "SELECT email, outcome, reason FROM export_run_rows WHERE run_id = ?1
              ORDER BY CASE outcome WHEN 'failed' THEN 0 WHEN 'warning' THEN 1 WHEN 'unmatched' THEN 2 ELSE 3 END, id LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![run_id, limit.clamp(1, super::run::MAX_STORED_ROWS as u32)], |r| {
            Ok(ExportRowResult {
                email: r.get(0)?,
                outcome: RowOutcome::stored(&r.get::<_, String>(1)?),
                reason: Text::from_stored(&r.get::<_, String>(2)?),
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    })
}

/// A run's per-row results as CSV (UTF-8 with a byte-order mark, for spreadsheets), headed and
/// worded in `lang`.
pub fn results_csv(store: &Store, run_id: &str, lang: Lang) -> Result<String> {
    let rows = rows(store, run_id, super::run::MAX_STORED_ROWS as u32)?;
    let mut out = csv::Writer::from_writer(Vec::new());
    let header = [msg!("export-csv-email"), msg!("export-csv-outcome"), msg!("export-csv-reason")];
    let fail = |e: csv::Error| Error::new(crate::ErrorCode::Internal, msg!("export-file-not-written")).caused_by(e);
    out.write_record(header.iter().map(|t| t.render(lang))).map_err(fail)?;
    for row in rows {
        let outcome = row.outcome.text();
        out.write_record([row.email.unwrap_or_default(), outcome.render(lang), row.reason.render(lang)])
            .map_err(fail)?;
    }
    let bytes = out
        .into_inner()
        .map_err(|e| Error::new(crate::ErrorCode::Internal, msg!("export-file-not-written")).caused_by(e))?;
    Ok(format!("\u{feff}{}", String::from_utf8_lossy(&bytes)))
}

/// The notification for a finished run, in the workspace's language; `None` for a scheduled run
/// that changed nothing.
pub fn finished_notice(
    store: &Store,
    export: &str,
    outcome: std::result::Result<&ExportReport, &Error>,
    scheduled: bool,
) -> Result<Option<Notice>> {
    let lang = crate::settings::language(store);
    let notice = |title: Text, body: String| Some(Notice { title: title.render(lang), body });
    Ok(match outcome {
        Err(e) => notice(msg!("export-notice-stopped", name = export), e.message.render(lang)),
        Ok(r) if r.state == RunState::Cancelled => {
            notice(msg!("export-notice-cancelled", name = export), String::new())
        }
        Ok(r) => {
            let c = &r.counts;
            if scheduled && c.added + c.updated + c.removed + c.failed == 0 {
                return Ok(None);
            }
            let body = msg!(
                "export-notice-body",
                added = c.added,
                updated = c.updated,
                removed = c.removed,
                failed = c.failed,
                skipped = c.skipped
            );
            notice(msg!("export-notice-finished", name = export), body.render(lang))
        }
    })
}
