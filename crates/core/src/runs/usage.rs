//! API calls per day: what Liaison's runs cost each external system, set against the system's
//! daily quota where it has one.

use std::collections::BTreeMap;

use rusqlite::OptionalExtension;
use serde::Serialize;
use ts_rs::TS;

use super::RunKind;
use crate::Result;
use crate::store::Store;

/// An external system Liaison's runs call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ApiSystem {
    Marketo,
    Salesforce,
    Dynamics,
}

/// The calls of one day (`YYYY-MM-DD`, the UTC date the runs started on).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct DailyCalls {
    pub day: String,
    pub calls: u64,
}

/// One system's calls per day, oldest day first, with its daily quota.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct SystemCalls {
    pub system: ApiSystem,
    /// The daily quota: Marketo's from the sync settings, Salesforce's `DailyApiRequests` limit
    /// as the last sync read it; `None` when unknown, and for Dynamics 365, whose service
    /// protection limits count per 5 minutes and have no daily quota.
    pub daily_quota: Option<u64>,
    pub days: Vec<DailyCalls>,
}

/// The settings key holding Salesforce's `DailyApiRequests` maximum, as the last sync read it.
pub(crate) const SALESFORCE_DAILY_MAX_KEY: &str = "salesforce.daily_api_requests_max";

/// Stores Salesforce's `DailyApiRequests` maximum just read from `/limits`.
pub(crate) fn remember_salesforce_daily_max(conn: &rusqlite::Connection, max: u64) -> Result<()> {
    crate::settings::put(conn, SALESFORCE_DAILY_MAX_KEY, max.to_string())
}

/// The calls runs of `kind` made per system and day over the last `days` days (today included),
/// summed from each run's counts and dated by the day the run started (UTC). Only systems
/// called in that time are listed; days without calls are left out.
pub fn calls_per_day(store: &Store, kind: RunKind, days: u32) -> Result<Vec<SystemCalls>> {
    let since = format!("-{} days", days.clamp(1, 366) - 1);
    store.read(|c| {
        let rows: Vec<(String, String, u64)> = match kind {
            RunKind::Export => {
                // An export's calls go to its destination's system.
                let mut stmt = c.prepare(
                    "SELECT d.kind, substr(r.started_at, 1, 10) AS day,
                            sum(coalesce(json_extract(r.counts, '$.calls'), 0))
                       FROM runs r JOIN exports e ON e.id = r.subject
                       JOIN export_destinations d ON d.id = e.destination_id
                      WHERE r.kind = 'export' AND day >= date('now', ?1)
                      GROUP BY d.kind, day",
                )?;
                stmt.query_map([&since], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?.collect::<rusqlite::Result<_>>()?
            }
            _ => {
                let mut stmt = c.prepare(
                    "SELECT substr(started_at, 1, 10) AS day,
                            sum(coalesce(json_extract(counts, '$.marketo_calls'), 0)),
                            sum(coalesce(json_extract(counts, '$.salesforce_calls'), 0)),
                            sum(coalesce(json_extract(counts, '$.dynamics_calls'), 0))
                       FROM runs WHERE kind = ?2 AND day >= date('now', ?1)
                      GROUP BY day",
                )?;
                let kind_text = serde_json::to_value(kind)?.as_str().unwrap_or_default().to_owned();
                let mut rows = Vec::new();
                for row in stmt.query_map(rusqlite::params![since, kind_text], |r| {
                    Ok((r.get::<_, String>(0)?, r.get::<_, u64>(1)?, r.get::<_, u64>(2)?, r.get::<_, u64>(3)?))
                })? {
                    let (day, marketo, salesforce, dynamics) = row?;
                    rows.push(("marketo".to_owned(), day.clone(), marketo));
                    rows.push(("salesforce".to_owned(), day.clone(), salesforce));
                    rows.push(("dynamics".to_owned(), day, dynamics));
                }
                rows
            }
        };
        let mut systems: BTreeMap<ApiSystem, Vec<DailyCalls>> = BTreeMap::new();
        for (system, day, calls) in rows {
            let system = match system.as_str() {
                "marketo" => ApiSystem::Marketo,
                "salesforce" => ApiSystem::Salesforce,
                _ => ApiSystem::Dynamics,
            };
            if calls > 0 {
                systems.entry(system).or_default().push(DailyCalls { day, calls });
            }
        }
        let marketo_quota = crate::sync::settings::saved_in(c)?.unwrap_or_default().marketo_daily_quota;
        let salesforce_quota = c
            .query_row("SELECT value FROM settings WHERE key = ?1", [SALESFORCE_DAILY_MAX_KEY], |r| {
                r.get::<_, String>(0)
            })
            .optional()?
            .and_then(|v| v.parse::<u64>().ok());
        Ok(systems
            .into_iter()
            .map(|(system, mut days)| {
                days.sort_by(|a, b| a.day.cmp(&b.day));
                let daily_quota = match system {
                    ApiSystem::Marketo => Some(marketo_quota),
                    ApiSystem::Salesforce => salesforce_quota,
                    ApiSystem::Dynamics => None,
                };
                SystemCalls { system, daily_quota, days }
            })
            .collect())
    })
}
