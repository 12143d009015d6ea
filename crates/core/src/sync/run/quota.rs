//! How much a run will cost, and pausing when a daily quota runs out.

use serde::Serialize;
use time::OffsetDateTime;
use ts_rs::TS;

use super::checkpoint::has_cursors;
use super::marketo::{newest_lead_id, oldest_lead_created, windows_start};
use super::{Ctx, JOBS_AHEAD, NEW_LEAD_PAGES, WINDOW, clients};
use crate::connections::marketo::MarketoClient;
use crate::connections::salesforce::SalesforceClient;
use crate::i18n::Text;
use crate::runs::RunState;
use crate::sync::records::{self, SfObject};
use crate::sync::settings::{self, SyncSettings};
use crate::vault::Vault;
use crate::{Error, ErrorCode, Result, Workspace, msg};

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
    /// The expected duration in seconds on Marketo's clock: a queue of extract jobs seen done
    /// each minute, and never faster than Marketo's 100 calls per 20 s.
    pub seconds: u64,
    /// Why the run would be refused, if it would.
    pub blocked: Option<Text>,
}

/// Estimates the next run (costs a few calls: usage, limits, two counts and, for a full run, a
/// look at the oldest and newest leads).
pub async fn estimate(ws: &Workspace, vault: &Vault, full: bool) -> Result<Estimate> {
    let (mk, sf) = clients(ws, vault)?;
    let settings = settings::load(ws.store())?;
    let full = full || !has_cursors(ws)?;
    Ok(estimate_with(&mk, &sf, &settings, full).await?.0)
}

/// Marketo-clock seconds from enqueuing an extract job until its status says `Completed`:
/// Marketo updates a job's status at most once a minute, however little the window holds.
const EXTRACT_JOB_SECS: u64 = 60;
/// Marketo calls a second at its rate limit (100 per 20 s).
const MARKETO_CALLS_PER_SEC: u64 = 5;

/// The estimate, and for a full run where its extract windows start (found with a few calls).
pub(super) async fn estimate_with(
    mk: &MarketoClient,
    sf: &SalesforceClient<'_>,
    settings: &SyncSettings,
    full: bool,
) -> Result<(Estimate, Option<OffsetDateTime>)> {
    let used_today = mk.calls_today().await?;
    let limits = sf.get("/limits").await?;
    let sf_max = limits["DailyApiRequests"]["Max"].as_u64().unwrap_or(15_000);
    let sf_remaining = limits["DailyApiRequests"]["Remaining"].as_u64().unwrap_or(sf_max);
    let (mk_calls, sf_calls, seconds, windows_from) = if full {
        let now = mk.http().server_now().unwrap_or_else(OffsetDateTime::now_utc);
        let history_start = settings.history_start()?;
        let oldest = oldest_lead_created(mk, history_start).await?;
        let from = windows_start(history_start, oldest.map(|(date, _)| date));
        let windows = window_count(from, now + time::Duration::days(1));
        // Leads are numbered in creation order: the oldest and newest IDs bound how many there
        // are (deleted ones counted), which tells whether the run reads them by ID.
        let leads = match oldest.and_then(|(_, id)| id) {
            Some(first) => newest_lead_id(mk, now).await?.map(|last| (last - first + 1).max(0) as u64),
            None => None,
        };
        let mut sf_calls = 2u64; // limits and the counts
        for object in [SfObject::Contact, SfObject::Lead] {
            let count = sf.query(&format!("SELECT COUNT() FROM {}", object.name()), false).await?;
            sf_calls += count["totalSize"].as_u64().unwrap_or(0).div_ceil(2_000).max(1);
        }
        let (mk_calls, seconds) = match leads {
            Some(leads) if leads.div_ceil(300) <= NEW_LEAD_PAGES as u64 => by_id_read_cost(leads),
            _ => full_read_cost(windows),
        };
        (mk_calls, sf_calls, seconds, Some(from))
    } else {
        (6, 6, 10, None)
    };
    let (mk_calls, sf_calls) =
        if settings.log_activities { (mk_calls + 2, sf_calls + 2) } else { (mk_calls, sf_calls) };
    let pct = u64::from(settings.quota_ceiling_percent);
    let mk_ceiling = settings.marketo_daily_quota * pct / 100;
    let sf_ceiling = sf_max * pct / 100;
    let blocked = if let Some(why) = marketo_blocked(mk_calls, used_today, settings) {
        Some(why)
    } else if sf_calls > sf_ceiling {
        Some(msg!(
            "quota-salesforce-over-ceiling",
            calls = sf_calls.to_string(),
            pct = pct.to_string(),
            ceiling = sf_ceiling.to_string(),
            max = sf_max.to_string()
        ))
    } else if sf_calls > sf_remaining {
        Some(msg!("quota-salesforce-not-enough-left", calls = sf_calls.to_string(), left = sf_remaining.to_string()))
    } else {
        None
    };
    let estimate = Estimate {
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
    };
    Ok((estimate, windows_from))
}

/// Marketo calls and Marketo-clock seconds of a full read in `windows` extract windows: per
/// window a create, an enqueue, a status poll or two and the file; the probes for the oldest
/// lead and the paging tokens. [`JOBS_AHEAD`] jobs wait in Marketo's queue at once and each
/// shows as done a minute after it was queued; the calls take at least their share of the rate
/// limit.
fn full_read_cost(windows: u64) -> (u64, u64) {
    let calls = windows * 5 + 8;
    let jobs = windows.div_ceil(JOBS_AHEAD as u64) * EXTRACT_JOB_SECS;
    (calls, jobs.max(calls.div_ceil(MARKETO_CALLS_PER_SEC)))
}

/// Marketo calls and Marketo-clock seconds of a full read of `leads` by ID: the New Lead feed's
/// pages and the reads of 300 leads each, with the probes, usage and paging tokens; at Marketo's
/// rate limit.
fn by_id_read_cost(leads: u64) -> (u64, u64) {
    let calls = 2 * leads.div_ceil(300) + 10;
    (calls, calls.div_ceil(MARKETO_CALLS_PER_SEC))
}

/// Why `calls` more Marketo calls would be refused today, if they would: over the ceiling one run
/// may use, or over what is left of the daily quota after `used_today`.
pub(crate) fn marketo_blocked(calls: u64, used_today: u64, settings: &SyncSettings) -> Option<Text> {
    let pct = u64::from(settings.quota_ceiling_percent);
    let ceiling = settings.marketo_daily_quota * pct / 100;
    let left = settings.marketo_daily_quota.saturating_sub(used_today);
    if calls > ceiling {
        Some(msg!(
            "quota-marketo-over-ceiling",
            calls = calls.to_string(),
            pct = pct.to_string(),
            ceiling = ceiling.to_string(),
            quota = settings.marketo_daily_quota.to_string()
        ))
    } else if calls > left {
        Some(msg!("quota-marketo-not-enough-left", calls = calls.to_string(), left = left.to_string()))
    } else {
        None
    }
}

/// Extract windows from `from` to `to`: none when `to` is not later (a full read that took every
/// lead by ID leaves none).
pub(super) fn window_count(from: OffsetDateTime, to: OffsetDateTime) -> u64 {
    if to <= from {
        return 0;
    }
    let span = (to - from).whole_seconds() as u64;
    span.div_ceil(WINDOW.whole_seconds() as u64)
}

impl Ctx<'_> {
    /// A daily quota ran out: the run pauses and continues after the reset.
    pub(super) async fn pause(&mut self, cause: &Error) -> Result<()> {
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
            Some(at) => msg!("quota-paused-until", cause = &cause.message, at = records::marketo_time(at)),
            None => msg!("quota-paused-salesforce", cause = &cause.message),
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
        self.message = Some(msg!("quota-reset-continuing"));
        self.checkpoint_only()?;
        self.emit(true);
        Ok(())
    }
}

/// Marketo's daily quota resets at midnight US Central Standard Time (UTC−6).
pub fn next_central_midnight(now: OffsetDateTime) -> OffsetDateTime {
    let central = now.to_offset(time::macros::offset!(-6));
    let next = central.date().next_day().unwrap_or(central.date()).midnight().assume_offset(time::macros::offset!(-6));
    next.to_offset(time::UtcOffset::UTC)
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
    fn a_full_read_takes_a_minute_per_queue_of_windows_and_five_calls_each() {
        assert_eq!(full_read_cost(1), (13, 60));
        assert_eq!(full_read_cost(45), (233, 6 * 60));
        assert_eq!(full_read_cost(245), (1233, 31 * 60));
    }

    #[test]
    fn a_read_by_id_costs_two_calls_per_300_leads_at_marketo_s_rate() {
        assert_eq!(by_id_read_cost(3_000), (30, 6));
        assert_eq!(by_id_read_cost(100_000), (678, 136));
    }

    #[test]
    fn windows_cover_the_history_in_31_day_steps() {
        let from = time::macros::datetime!(2026-01-01 00:00 UTC);
        assert_eq!(window_count(from, from + time::Duration::days(31)), 1);
        assert_eq!(window_count(from, from + time::Duration::days(32)), 2);
        assert_eq!(window_count(from, from), 0);
    }
}
