//! Past runs: the history, per-record errors, status and the finished-run notice.

use rusqlite::params;
use serde::Serialize;
use ts_rs::TS;

use super::checkpoint::has_cursors;
use super::{Checkpoint, RunReport, SyncCounts, connection_ids};
use crate::i18n::Text;
use crate::runs::RunState;
use crate::sync::settings::{self, SyncSettings};
use crate::{Error, Result, Workspace, msg};

/// The desktop notification for a finished run, in the workspace's language; `None` for a
/// scheduled run that found nothing to do (no news is not worth a notification).
pub fn finished_notice(
    store: &crate::store::Store,
    outcome: std::result::Result<&RunReport, &Error>,
    scheduled: bool,
) -> Result<Option<crate::invites::outbox::Notice>> {
    let lang = crate::settings::language(store);
    let notice = |title: Text, body: String| Some(crate::invites::outbox::Notice { title: title.render(lang), body });
    Ok(match outcome {
        Err(e) => notice(msg!("sync-notice-stopped"), e.message.render(lang)),
        Ok(r) if r.state == RunState::Cancelled => notice(msg!("sync-notice-cancelled"), String::new()),
        Ok(r) => {
            let c = &r.counts;
            if scheduled && c.created + c.updated + c.deleted + c.tasks_logged + c.errors == 0 {
                return Ok(None);
            }
            let body = msg!(
                "sync-notice-body",
                created = c.created.to_string(),
                updated = c.updated.to_string(),
                deleted = c.deleted.to_string(),
                tasks = c.tasks_logged.to_string(),
                errors = c.errors.to_string()
            );
            notice(msg!("sync-notice-finished"), body.render(lang))
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
    pub error: Option<Text>,
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
                    .and_then(|e| e["message"].as_str().map(Text::from_stored)),
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
    /// Stored with [`Text::to_stored`]; rows written before that are plain English.
    pub message: Text,
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
                message: Text::from_stored(&r.get::<_, String>(4)?),
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
    fn a_record_error_stored_before_messages_had_keys_still_reads_and_a_new_one_reads_in_japanese() {
        let dir = tempfile::tempdir().unwrap();
        let ws = Workspace::open(crate::Paths::in_dir(dir.path())).unwrap();
        let new = msg!("sync-record-no-email");
        ws.store()
            .write(|tx| {
                tx.execute(
                    "INSERT INTO runs (id, kind, state, started_at) VALUES ('r', 'sync', 'succeeded', '2026-01-01T00:00:00Z')",
                    [],
                )?;
                let insert = "INSERT INTO sync_record_errors (run_id, system, record_id, email, code, message)
                              VALUES ('r', 'marketo', ?1, NULL, 'no_email', ?2)";
                tx.execute(insert, params!["1", "The record has no usable email address (old row)."])?;
                tx.execute(insert, params!["2", new.to_stored()])?;
                Ok(())
            })
            .unwrap();
        let errors = record_errors(&ws, "r", 10).unwrap();
        assert_eq!(errors[0].message, "The record has no usable email address (old row).");
        assert_eq!(errors[0].message.render(crate::Lang::Ja), "The record has no usable email address (old row).");
        assert_eq!(errors[1].message, new);
        assert!(errors[1].message.render(crate::Lang::Ja).contains("メールアドレス"), "{:?}", errors[1].message);
    }
}
