//! Runs: one execution of a sync, export or invite batch, with its state and counts.

pub mod usage;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::Result;
use crate::members::parse_enum;
use crate::store::Store;

/// What a run does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum RunKind {
    Sync,
    Export,
    Invite,
}

/// Where a run is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum RunState {
    Queued,
    Running,
    Paused,
    Succeeded,
    Failed,
    Cancelled,
}

impl RunState {
    /// The state in words, for people.
    pub fn text(self) -> crate::Text {
        match self {
            Self::Queued => crate::msg!("run-state-queued"),
            Self::Running => crate::msg!("run-state-running"),
            Self::Paused => crate::msg!("run-state-paused"),
            Self::Succeeded => crate::msg!("run-state-succeeded"),
            Self::Failed => crate::msg!("run-state-failed"),
            Self::Cancelled => crate::msg!("run-state-cancelled"),
        }
    }
}

/// Writes a run's checkpoint and counts if `owner` still owns the run: one taken over by another
/// process (it stalled past its heartbeat) is refused with `run-taken-over`, and stops.
pub(crate) fn save_owned(
    tx: &rusqlite::Connection,
    run_id: &str,
    checkpoint: &impl Serialize,
    counts: &impl Serialize,
    state: RunState,
    owner: &str,
) -> Result<()> {
    let written = tx.execute(
        "UPDATE runs SET checkpoint = ?2, counts = ?3, state = ?4, heartbeat_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')
          WHERE id = ?1 AND coalesce(json_extract(checkpoint, '$.owner'), '') = ?5",
        rusqlite::params![
            run_id,
            serde_json::to_string(checkpoint)?,
            serde_json::to_string(counts)?,
            serde_json::to_value(state)?.as_str(),
            owner
        ],
    )?;
    if written == 0 {
        return Err(crate::Error::new(crate::ErrorCode::Conflict, crate::msg!("run-taken-over")));
    }
    Ok(())
}

/// Whether the process a stored checkpoint names as its owner (`process`) ran on this machine
/// and has ended, so its run may be taken over at once.
pub(crate) fn owner_gone(checkpoint: Option<&str>) -> bool {
    checkpoint
        .and_then(|c| serde_json::from_str::<serde_json::Value>(c).ok())
        .and_then(|c| serde_json::from_value::<crate::jobs::ProcessId>(c["process"].clone()).ok())
        .is_some_and(|p| p.is_gone())
}

/// A line of run history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct RunSummary {
    pub id: String,
    pub kind: RunKind,
    pub state: RunState,
    pub started_at: String,
    pub finished_at: Option<String>,
}

/// Run history, newest first.
pub fn list(store: &Store) -> Result<Vec<RunSummary>> {
    store.read(|c| {
        let mut stmt = c.prepare(
            "SELECT id, kind, state, started_at, finished_at FROM runs ORDER BY started_at DESC, id LIMIT 500",
        )?;
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get(3)?, r.get(4)?)))?;
        rows.map(|row| {
            let (id, kind, state, started_at, finished_at) = row?;
            Ok(RunSummary { id, kind: parse_enum(&kind)?, state: parse_enum(&state)?, started_at, finished_at })
        })
        .collect()
    })
}
