//! Opt-outs between Dynamics 365 and Adobe Campaign (seed 004; R19), in the direction the link
//! names: Dynamics → Campaign, Campaign → Dynamics, or both ways.
//!
//! Dynamics refuses email when any of its carriers does (`donotbulkemail`, `donotemail`);
//! Campaign when the profile's `blackListEmail` is set. Per contact the value each side held
//! when Liaison last compared or wrote them is kept (`campaign_profiles.optout_dynamics`,
//! `optout_campaign`), so a side whose value differs from its remembered one changed it since.
//!
//! - Dynamics → Campaign: Dynamics's opt-out is written to Campaign; a change made in Campaign is
//!   put back (R17).
//! - Campaign → Dynamics: a change made in Campaign is written to the carriers Liaison may write
//!   (`donotbulkemail`; `donotemail` is a sales decision, only read); nothing goes to Campaign.
//!   Before anything is remembered, a refusal in Campaign reaches Dynamics.
//! - Both ways: the side that changed wins. When both changed to different values, the most
//!   recent change wins (the profile's `lastModified` against the contact's `modifiedon`, both
//!   UTC; a tie or a missing time goes to the refusal) and the conflict is recorded. Before
//!   anything is remembered, the refusal wins. Campaign then holds Dynamics's opt-out as it is
//!   after the write, so an opt-in made in Campaign never lifts a `donotemail` Liaison only reads.
//!
//! Each side is written before the new values are remembered: a run killed in between finds both
//! sides agreeing when continued and writes nothing twice; a conflict is kept once per run and
//! contact.

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use serde_json::{Map, Value};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use ts_rs::TS;

use super::{opt_out_carriers, parse_time, profile_refuses, refuses};
use crate::campaign::OptOutDirection;
use crate::store::{Store, now};
use crate::{Error, Result};

/// The opt-out each side held when Liaison last compared or wrote them (`None`: not known).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Seen {
    pub dynamics: Option<bool>,
    pub campaign: Option<bool>,
}

/// Which side's change wins an opt-out conflict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum OptOutSide {
    /// Dynamics 365's value won: the contact's change was the more recent (or, at the same time,
    /// the refusal).
    Dynamics,
    /// Campaign's value won: the profile's change was the more recent (or, at the same time, the
    /// refusal).
    Campaign,
}

impl OptOutSide {
    fn stored(self) -> &'static str {
        match self {
            Self::Dynamics => "dynamics",
            Self::Campaign => "campaign",
        }
    }
}

/// What one contact's opt-out comes to: what is written where, and what is remembered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Verdict {
    /// The value for Dynamics's writable carriers, when they must change.
    pub to_dynamics: Option<bool>,
    /// Dynamics's opt-out once that is written.
    pub dynamics_after: bool,
    /// The `blackListEmail` Campaign holds afterwards (written only when Dynamics's opt-out goes
    /// to Campaign).
    pub campaign: bool,
    /// Whether Campaign changed its opt-out since it was remembered.
    pub campaign_changed: bool,
    /// Whether that change stands (it is not put back).
    pub campaign_taken: bool,
    /// Both sides changed to different values: the side that won.
    pub conflict: Option<OptOutSide>,
}

/// When a record last changed, as its system wrote it.
fn changed_at(record: &Map<String, Value>, key: &str) -> Option<OffsetDateTime> {
    record.get(key).and_then(Value::as_str).and_then(parse_time)
}

/// The most recent change wins; a tie or a time missing goes to the refusal.
fn most_recent(campaign: bool, dynamics_at: Option<OffsetDateTime>, campaign_at: Option<OffsetDateTime>) -> OptOutSide {
    match (dynamics_at, campaign_at) {
        (Some(d), Some(c)) if d > c => OptOutSide::Dynamics,
        (Some(d), Some(c)) if c > d => OptOutSide::Campaign,
        _ if campaign => OptOutSide::Campaign,
        _ => OptOutSide::Dynamics,
    }
}

/// Decides one contact's opt-out: `contact` as Dynamics holds it (with `modifiedon`), `profile`
/// as Campaign does (with `lastModified`), `seen` as remembered.
pub(super) fn decide(direction: OptOutDirection, contact: &Value, profile: &Map<String, Value>, seen: Seen) -> Verdict {
    let dynamics = refuses(contact, |_| true);
    let campaign = profile_refuses(profile);
    let dynamics_changed = seen.dynamics.is_some_and(|s| s != dynamics);
    let campaign_changed = seen.campaign.is_some_and(|s| s != campaign);
    let known = seen.dynamics.is_some() && seen.campaign.is_some();
    let mut conflict = None;
    let campaign_wins = match direction {
        OptOutDirection::DynamicsToCampaign => false,
        OptOutDirection::CampaignToDynamics => campaign_changed || (seen.campaign.is_none() && campaign),
        OptOutDirection::Both if dynamics == campaign => false,
        OptOutDirection::Both if !known => campaign,
        OptOutDirection::Both if dynamics_changed && campaign_changed => {
            let at = contact.as_object().and_then(|c| changed_at(c, "modifiedon"));
            let winner = most_recent(campaign, at, changed_at(profile, "lastModified"));
            conflict = Some(winner);
            winner == OptOutSide::Campaign
        }
        OptOutDirection::Both => campaign_changed,
    };
    let writable_differs = opt_out_carriers()
        .iter()
        .filter(|c| c.to_dynamics)
        .any(|c| contact[c.attribute.as_str()].as_bool().unwrap_or(false) != campaign);
    let dynamics_after = if campaign_wins { campaign || refuses(contact, |c| !c.to_dynamics) } else { dynamics };
    let after_in_campaign = match direction {
        OptOutDirection::DynamicsToCampaign => dynamics,
        OptOutDirection::CampaignToDynamics => campaign,
        OptOutDirection::Both => dynamics_after,
    };
    Verdict {
        to_dynamics: (campaign_wins && writable_differs).then_some(campaign),
        dynamics_after,
        campaign: after_in_campaign,
        campaign_changed,
        campaign_taken: campaign_changed && after_in_campaign == campaign,
        conflict,
    }
}

/// The body that sets Dynamics's writable carriers to `refused`.
pub(super) fn dynamics_body(refused: bool) -> Value {
    Value::Object(
        opt_out_carriers().into_iter().filter(|c| c.to_dynamics).map(|c| (c.attribute, Value::Bool(refused))).collect(),
    )
}

fn iso(at: Option<OffsetDateTime>) -> Option<String> {
    at.and_then(|t| t.to_offset(time::UtcOffset::UTC).format(&Rfc3339).ok())
}

/// One conflict as it is recorded.
pub(super) struct Conflict<'a> {
    pub run_id: &'a str,
    pub contact_id: &'a str,
    pub pkey: &'a str,
    pub contact: &'a Value,
    pub profile: &'a Map<String, Value>,
    pub winner: OptOutSide,
}

/// Records a conflict once per run and contact; the run's conflicts so far.
pub(super) fn record(conn: &Connection, c: &Conflict<'_>) -> Result<u64> {
    conn.execute(
        "INSERT OR IGNORE INTO campaign_optout_conflicts (run_id, contact_id, profile_pkey, dynamics_value,
                dynamics_changed_at, campaign_value, campaign_changed_at, winner, recorded_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            c.run_id,
            c.contact_id,
            c.pkey,
            refuses(c.contact, |_| true),
            iso(c.contact.as_object().and_then(|m| changed_at(m, "modifiedon"))),
            profile_refuses(c.profile),
            iso(changed_at(c.profile, "lastModified")),
            c.winner.stored(),
            now(),
        ],
    )?;
    Ok(conn.query_row("SELECT count(*) FROM campaign_optout_conflicts WHERE run_id = ?1", [c.run_id], |r| r.get(0))?)
}

/// The opt-outs remembered for a contact.
pub(super) fn seen(conn: &Connection, campaign_connection: &str, contact_id: &str) -> Result<Seen> {
    Ok(conn
        .query_row(
            "SELECT optout_dynamics, optout_campaign FROM campaign_profiles
              WHERE campaign_connection = ?1 AND contact_id = ?2",
            params![campaign_connection, contact_id],
            |r| Ok(Seen { dynamics: r.get(0)?, campaign: r.get(1)? }),
        )
        .optional()?
        .unwrap_or_default())
}

/// Remembers the opt-outs both sides hold now.
pub(super) fn remember(
    conn: &Connection,
    campaign_connection: &str,
    contact_id: &str,
    dynamics: bool,
    campaign: bool,
) -> Result<()> {
    conn.execute(
        "UPDATE campaign_profiles SET optout_dynamics = ?3, optout_campaign = ?4
          WHERE campaign_connection = ?1 AND contact_id = ?2",
        params![campaign_connection, contact_id, dynamics, campaign],
    )?;
    Ok(())
}

/// An opt-out that changed on both sides since the last run, to different values (R19, both
/// ways): the most recent change won.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct CampaignOptOutConflict {
    /// The run that found it.
    pub run_id: String,
    /// The Dynamics 365 contact.
    pub contact_id: String,
    /// The contact's profile in Campaign.
    pub profile_pkey: String,
    /// Whether Dynamics refused email, and when the contact last changed (UTC, RFC 3339).
    pub dynamics_optout: bool,
    pub dynamics_changed_at: Option<String>,
    /// Whether Campaign refused email (`blackListEmail`), and when the profile last changed.
    pub campaign_optout: bool,
    pub campaign_changed_at: Option<String>,
    /// The side whose value both now hold (as far as Dynamics's read-only carriers allow).
    pub winner: OptOutSide,
    /// When the run recorded it.
    pub recorded_at: String,
}

/// The recorded opt-out conflicts of the run `run_id`, or of every run, newest first.
pub fn optout_conflicts(store: &Store, run_id: Option<&str>, limit: u32) -> Result<Vec<CampaignOptOutConflict>> {
    store.read(|c| conflicts_in(c, run_id, limit))
}

pub(super) fn conflicts_in(c: &Connection, run_id: Option<&str>, limit: u32) -> Result<Vec<CampaignOptOutConflict>> {
    let mut stmt = c.prepare(
        "SELECT run_id, contact_id, profile_pkey, dynamics_value, dynamics_changed_at, campaign_value,
                campaign_changed_at, winner, recorded_at
           FROM campaign_optout_conflicts WHERE ?1 IS NULL OR run_id = ?1 ORDER BY id DESC LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![run_id, limit.clamp(1, 10_000)], |r| {
        Ok(CampaignOptOutConflict {
            run_id: r.get(0)?,
            contact_id: r.get(1)?,
            profile_pkey: r.get(2)?,
            dynamics_optout: r.get(3)?,
            dynamics_changed_at: r.get(4)?,
            campaign_optout: r.get(5)?,
            campaign_changed_at: r.get(6)?,
            winner: if r.get::<_, String>(7)? == "campaign" { OptOutSide::Campaign } else { OptOutSide::Dynamics },
            recorded_at: r.get(8)?,
        })
    })?;
    rows.collect::<rusqlite::Result<_>>().map_err(Error::from)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn contact(bulk: bool, any: bool, at: &str) -> Value {
        json!({"contactid": "c1", "donotbulkemail": bulk, "donotemail": any, "modifiedon": at})
    }

    fn profile(black: bool, at: &str) -> Map<String, Value> {
        json!({"PKey": "@p", "blackListEmail": black, "lastModified": at}).as_object().cloned().unwrap()
    }

    const EARLY: &str = "2026-01-31T10:00:00Z";
    const LATE: &str = "2026-01-31 11:00:00.000Z";
    const LATE_DV: &str = "2026-01-31T11:00:00Z";
    const EARLY_CP: &str = "2026-01-31 10:00:00.000Z";

    fn seen(d: bool, c: bool) -> Seen {
        Seen { dynamics: Some(d), campaign: Some(c) }
    }

    #[test]
    fn r19_dynamics_to_campaign_never_writes_dynamics() {
        let v = decide(
            OptOutDirection::DynamicsToCampaign,
            &contact(false, false, EARLY),
            &profile(true, LATE),
            seen(false, false),
        );
        assert_eq!((v.to_dynamics, v.campaign, v.campaign_changed, v.campaign_taken), (None, false, true, false));
    }

    #[test]
    fn r19_campaign_to_dynamics_writes_only_a_change_made_in_campaign() {
        let d = OptOutDirection::CampaignToDynamics;
        let v = decide(d, &contact(false, false, EARLY), &profile(true, LATE), seen(false, false));
        assert_eq!((v.to_dynamics, v.dynamics_after, v.campaign_taken), (Some(true), true, true));
        // Dynamics's own change stays in Dynamics; Campaign is not written.
        let v = decide(d, &contact(true, false, LATE_DV), &profile(false, EARLY_CP), seen(false, false));
        assert_eq!((v.to_dynamics, v.dynamics_after, v.campaign), (None, true, false));
        // Not remembered yet: a refusal in Campaign reaches Dynamics, an opt-in does not.
        assert_eq!(
            decide(d, &contact(false, false, EARLY), &profile(true, LATE), Seen::default()).to_dynamics,
            Some(true)
        );
        assert_eq!(decide(d, &contact(true, false, EARLY), &profile(false, LATE), Seen::default()).to_dynamics, None);
    }

    #[test]
    fn r19_both_ways_the_side_that_changed_wins_and_both_changing_is_a_conflict() {
        let b = OptOutDirection::Both;
        let v = decide(b, &contact(false, false, EARLY), &profile(true, LATE), seen(false, false));
        assert_eq!((v.to_dynamics, v.campaign, v.conflict), (Some(true), true, None));
        let v = decide(b, &contact(true, false, LATE_DV), &profile(false, EARLY_CP), seen(false, false));
        assert_eq!((v.to_dynamics, v.campaign, v.conflict), (None, true, None));
        // Both changed: the later one wins.
        let v = decide(b, &contact(false, false, LATE_DV), &profile(true, EARLY_CP), seen(true, false));
        assert_eq!((v.to_dynamics, v.campaign, v.conflict), (None, false, Some(OptOutSide::Dynamics)));
        let v = decide(b, &contact(false, false, EARLY), &profile(true, LATE), seen(true, false));
        assert_eq!((v.to_dynamics, v.campaign, v.conflict), (Some(true), true, Some(OptOutSide::Campaign)));
        // The same time: the refusal wins.
        let v = decide(b, &contact(false, false, EARLY), &profile(true, "2026-01-31 10:00:00.000Z"), seen(true, false));
        assert_eq!(v.conflict, Some(OptOutSide::Campaign));
    }

    #[test]
    fn r19_an_opt_in_made_in_campaign_does_not_lift_do_not_email() {
        let v = decide(OptOutDirection::Both, &contact(false, true, EARLY), &profile(false, LATE), seen(true, true));
        assert_eq!((v.to_dynamics, v.dynamics_after, v.campaign, v.campaign_taken), (None, true, true, false));
    }
}
