//! When the Campaign ↔ Dynamics 365 run starts by itself (seed 004: "schedule and on demand"):
//! every N minutes while the desktop app runs, once the admin's first run succeeded; an
//! interrupted run is continued at the next check. Changing the schedule is audited.

use rusqlite::OptionalExtension;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::run::newest_run;
use super::setup::link;
use crate::members::admin::require_actor;
use crate::store::{Store, now};
use crate::sync::schedule::minutes_since;
use crate::{Error, ErrorCode, Result, Workspace, audit, msg};

const SETTINGS_KEY: &str = "campaign_schedule";
/// The shortest and longest interval: every five minutes to once a day.
const MINUTES: std::ops::RangeInclusive<u32> = 5..=1440;

/// How often the run starts by itself; `every_minutes` 0: only on demand.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct CampaignSchedule {
    pub every_minutes: u32,
    /// Who last changed it, and when.
    pub changed_by: Option<String>,
    pub changed_at: Option<String>,
}

/// The schedule (on demand only until the admin sets one).
pub fn schedule(store: &Store) -> Result<CampaignSchedule> {
    store.read(|c| {
        let raw: Option<String> =
            c.query_row("SELECT value FROM settings WHERE key = ?1", [SETTINGS_KEY], |r| r.get(0)).optional()?;
        Ok(raw.map(|r| serde_json::from_str(&r)).transpose()?.unwrap_or_default())
    })
}

/// Runs the link every `every_minutes` minutes while the app runs (5 to 1,440), or only on
/// demand (0). Refused until the link is set up. Audited (`campaign.schedule_changed`).
pub fn set_schedule(ws: &Workspace, every_minutes: u32) -> Result<CampaignSchedule> {
    if every_minutes != 0 && !MINUTES.contains(&every_minutes) {
        return Err(Error::invalid_input(msg!("campaign-schedule-invalid", minutes = every_minutes)));
    }
    if link(ws.store())?.is_none() {
        return Err(Error::new(ErrorCode::Conflict, msg!("campaign-link-not-set-up")));
    }
    let before = schedule(ws.store())?;
    ws.store().write(|tx| {
        let actor = require_actor(tx)?;
        let after = CampaignSchedule { every_minutes, changed_by: Some(actor.email.clone()), changed_at: Some(now()) };
        crate::settings::put(tx, SETTINGS_KEY, serde_json::to_string(&after)?)?;
        audit::record(
            tx,
            Some(&actor.id),
            "campaign.schedule_changed",
            None,
            serde_json::json!({ "before": before.every_minutes, "after": every_minutes }),
        )?;
        Ok(after)
    })
}

/// Whether the schedule starts a run now: it is on, the link is set up, the admin's first run
/// succeeded, and the last run ended (or started, if it has not ended) at least the interval
/// ago. A run left 'running' by a process that stopped beating is due at once (the run
/// continues it); one whose process still beats is not.
pub fn due(store: &Store) -> Result<bool> {
    let every = schedule(store)?.every_minutes;
    if every == 0 || link(store)?.is_none() {
        return Ok(false);
    }
    let (succeeded, last) = store.read(|c| {
        let succeeded: bool =
            c.query_row("SELECT EXISTS (SELECT 1 FROM campaign_runs WHERE state = 'succeeded')", [], |r| r.get(0))?;
        let last: Option<(String, String, Option<String>, bool)> = c
            .query_row(&newest_run("state, started_at, finished_at"), [], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })
            .optional()?;
        Ok((succeeded, last))
    })?;
    let Some((state, started, finished, beating)) = last.filter(|_| succeeded) else { return Ok(false) };
    if state == "running" {
        return Ok(!beating);
    }
    // A failed run is tried again at the interval, not at every check.
    Ok(minutes_since(finished.as_deref().unwrap_or(&started)).is_none_or(|m| m >= f64::from(every)))
}
