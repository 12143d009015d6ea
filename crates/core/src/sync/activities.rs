//! Activity logging: Marketo email activities of synced people become completed Salesforce
//! Tasks on the matching contact or lead, in batches of up to 200, never twice.
//!
//! Each activity is recorded as `sending` (committed) before its Task is created and as
//! `logged` after. A `sending` row found later — the app was killed mid-call — is settled by
//! looking for the Task in Salesforce (its description carries the activity's ID), never by
//! sending again blindly.

use std::collections::{BTreeMap, HashSet};

use rusqlite::{Connection, OptionalExtension, params};

use crate::connections::salesforce::{SalesforceClient, soql_string};
use crate::{Error, ErrorCode, Result, msg};

/// Email activity types: Send Email, Email Delivered, Email Bounced, Unsubscribe Email, Open
/// Email, Click Email.
pub const TYPE_IDS: &str = "6,7,8,9,10,11";

/// Salesforce's cap on one composite sObject collection call.
const BATCH: usize = 200;

fn type_name(id: i64) -> &'static str {
    match id {
        6 => "Email sent",
        7 => "Email delivered",
        8 => "Email bounced",
        9 => "Unsubscribed",
        10 => "Email opened",
        11 => "Email link clicked",
        _ => "Email activity",
    }
}

/// The marker that ties a Task to its activity.
fn marker(activity_id: i64) -> String {
    format!("[Marketo activity {activity_id}]")
}

fn parse_marker(description: &str) -> Option<i64> {
    let start = description.find("[Marketo activity ")? + "[Marketo activity ".len();
    let end = description[start..].find(']')? + start;
    description[start..end].parse().ok()
}

/// What one page did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Logged {
    pub logged: u64,
    pub failed: u64,
}

struct Pending {
    activity_id: i64,
    who_id: String,
    task: serde_json::Value,
}

/// Logs the activities of one feed page whose lead is a synced person with a Salesforce ID.
pub async fn log_page(
    conn: &Connection,
    sf: &SalesforceClient<'_>,
    run_id: &str,
    items: &[serde_json::Value],
) -> Result<Logged> {
    let mut pending = Vec::new();
    {
        let mut who = conn.prepare_cached(
            "SELECT coalesce(sf_contact_id, sf_lead_id) FROM people WHERE marketo_id = ?1
               AND (sf_contact_id IS NOT NULL OR sf_lead_id IS NOT NULL)",
        )?;
        let mut done = conn.prepare_cached("SELECT 1 FROM logged_activities WHERE activity_id = ?1")?;
        for item in items {
            let (Some(id), Some(lead)) = (item["id"].as_i64(), item["leadId"].as_i64()) else { continue };
            if done.query_row([id], |_| Ok(())).optional()?.is_some() {
                continue;
            }
            let Some(who_id) = who.query_row([lead.to_string()], |r| r.get::<_, String>(0)).optional()? else {
                continue;
            };
            let kind = type_name(item["activityTypeId"].as_i64().unwrap_or_default());
            let mailing = item["primaryAttributeValue"].as_str().unwrap_or("a Marketo email");
            let date = item["activityDate"].as_str().unwrap_or_default();
            let subject: String = format!("Marketo: {kind} — {mailing}").chars().take(255).collect();
            pending.push(Pending {
                activity_id: id,
                who_id: who_id.clone(),
                task: serde_json::json!({
                    "attributes": { "type": "Task" },
                    "WhoId": who_id,
                    "Subject": subject,
                    "Status": "Completed",
                    "Priority": "Normal",
                    "TaskSubtype": "Email",
                    "ActivityDate": date.get(..10).unwrap_or(date),
                    "Description": format!("{kind}: \"{mailing}\" at {date} (logged by Liaison). {}", marker(id)),
                }),
            });
        }
    }
    let mut result = Logged::default();
    for chunk in pending.chunks(BATCH) {
        let mut remaining: Vec<&Pending> = chunk.iter().collect();
        let mut unknown_outcomes = 0;
        let answers = loop {
            mark_sending(conn, run_id, &remaining)?;
            let body = serde_json::json!({
                "allOrNone": false,
                "records": remaining.iter().map(|p| p.task.clone()).collect::<Vec<_>>(),
            });
            // Creating Tasks is not repeatable: an unknown outcome is settled by looking the Tasks
            // up by their markers, and only those not found are sent again.
            match sf.post_once("/composite/sobjects", &body).await {
                Ok(answer) => break answer,
                Err(err) if crate::http::is_uncertain(&err) && unknown_outcomes < 3 => {
                    unknown_outcomes += 1;
                    tracing::info!("a Task batch's outcome is unknown; settling it by lookup: {}", err.chain());
                    result.logged += settle_uncertain(conn, sf).await?;
                    let mut logged = conn.prepare_cached("SELECT 1 FROM logged_activities WHERE activity_id = ?1")?;
                    let mut still = Vec::new();
                    for p in remaining {
                        if logged.query_row([p.activity_id], |_| Ok(())).optional()?.is_none() {
                            still.push(p);
                        }
                    }
                    remaining = still;
                    if remaining.is_empty() {
                        break serde_json::json!([]);
                    }
                }
                Err(err) => return Err(err),
            }
        };
        let answers = answers
            .as_array()
            .ok_or_else(|| Error::new(ErrorCode::BadResponse, msg!("activities-task-batch-no-list")))?;
        let tx = conn.unchecked_transaction()?;
        for (p, a) in remaining.iter().zip(answers) {
            if a["success"].as_bool() == Some(true) {
                tx.execute(
                    "UPDATE logged_activities SET state = 'logged', task_id = ?2, updated_at = ?3 WHERE activity_id = ?1",
                    params![p.activity_id, a["id"].as_str(), crate::store::now()],
                )?;
                result.logged += 1;
            } else {
                let message = a["errors"][0]["message"].as_str().unwrap_or("Salesforce refused the Task.");
                tx.execute(
                    "UPDATE logged_activities SET state = 'failed', error = ?2, updated_at = ?3 WHERE activity_id = ?1",
                    params![p.activity_id, message, crate::store::now()],
                )?;
                result.failed += 1;
            }
        }
        tx.commit()?;
    }
    Ok(result)
}

fn mark_sending(conn: &Connection, run_id: &str, chunk: &[&Pending]) -> Result<()> {
    let tx = conn.unchecked_transaction()?;
    for p in chunk {
        tx.execute(
            "INSERT INTO logged_activities (activity_id, run_id, who_id, state, updated_at) VALUES (?1, ?2, ?3, 'sending', ?4)",
            params![p.activity_id, run_id, p.who_id, crate::store::now()],
        )?;
    }
    tx.commit()?;
    Ok(())
}

/// Settles activities left `sending` by a killed run: a Task found in Salesforce marks them
/// logged; the rest are released so the feed page, read again, logs them once.
pub async fn settle_uncertain(conn: &Connection, sf: &SalesforceClient<'_>) -> Result<u64> {
    let uncertain: Vec<(i64, String)> = {
        let mut stmt = conn.prepare("SELECT activity_id, who_id FROM logged_activities WHERE state = 'sending'")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    if uncertain.is_empty() {
        return Ok(0);
    }
    let wanted: HashSet<i64> = uncertain.iter().map(|(a, _)| *a).collect();
    let who: Vec<String> =
        uncertain.iter().map(|(_, w)| w.clone()).collect::<std::collections::BTreeSet<_>>().into_iter().collect();
    let mut found: BTreeMap<i64, String> = BTreeMap::new();
    for chunk in who.chunks(100) {
        let list = chunk.iter().map(|w| soql_string(w)).collect::<Vec<_>>().join(", ");
        let soql = format!("SELECT Id, Description FROM Task WHERE WhoId IN ({list}) AND Subject LIKE 'Marketo:%'");
        let mut page = sf.query(&soql, false).await?;
        loop {
            for t in page["records"].as_array().into_iter().flatten() {
                if let (Some(id), Some(activity)) = (t["Id"].as_str(), t["Description"].as_str().and_then(parse_marker))
                    && wanted.contains(&activity)
                {
                    found.insert(activity, id.to_owned());
                }
            }
            match page["nextRecordsUrl"].as_str() {
                Some(next) if page["done"].as_bool() != Some(true) => page = sf.get_url(next).await?,
                _ => break,
            }
        }
    }
    let tx = conn.unchecked_transaction()?;
    for (activity, task) in &found {
        tx.execute(
            "UPDATE logged_activities SET state = 'logged', task_id = ?2, updated_at = ?3 WHERE activity_id = ?1",
            params![activity, task, crate::store::now()],
        )?;
    }
    tx.execute("DELETE FROM logged_activities WHERE state = 'sending'", [])?;
    tx.commit()?;
    tracing::info!(settled = found.len(), released = uncertain.len() - found.len(), "settled uncertain activity logs");
    Ok(found.len() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_marker_round_trips_through_a_task_description() {
        let d = format!("Email opened: \"Spring\" at 2026-01-01T00:00:00Z (logged by Liaison). {}", marker(4711));
        assert_eq!(parse_marker(&d), Some(4711));
        assert_eq!(parse_marker("no marker"), None);
    }
}
