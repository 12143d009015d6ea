//! A preview of one contact's timeline as Dynamics 365 shows it (seed 004; R18): the activities
//! already regarding the contact, and the email events of its Campaign profile that the next run
//! writes there, worded as they will be. Read only: nothing is written to either system.

use rusqlite::{OptionalExtension, params};
use serde::Serialize;
use serde_json::Value;
use ts_rs::TS;

use super::run::{Event, PROFILES, event_of, find_by, subject};
use super::setup::{KEY_FIELD, link};
use crate::connections::access::check_usable;
use crate::connections::campaign::CampaignClient;
use crate::connections::dataverse::{DataverseClient, odata_string};
use crate::vault::Vault;
use crate::{Error, ErrorCode, Result, Workspace, msg};

/// The newest activities of the contact shown; the timeline in Dynamics pages the same way.
const ACTIVITIES: usize = 50;
/// Log pages read per collection of the profile (newest first as Campaign lists them).
const LOG_PAGES: usize = 5;

/// Where a timeline entry stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum TimelineState {
    /// An activity Dynamics 365 holds now.
    OnTimeline,
    /// An email event the next Campaign run writes.
    NextRun,
}

/// One entry of the timeline, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct TimelineEntry {
    pub state: TimelineState,
    /// The activity's type in Dynamics 365 (`lia_emailevent`, `task`, …).
    pub activity_type: String,
    /// sent, bounced, opened or clicked, for an email event.
    pub event: Option<String>,
    pub subject: String,
    /// When it happened (RFC 3339, UTC), if known.
    pub at: Option<String>,
    /// The link clicked, for a click.
    pub url: Option<String>,
}

/// A contact's timeline as Dynamics 365 will show it after the next run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct TimelinePreview {
    pub contact_id: String,
    pub name: Option<String>,
    pub email: Option<String>,
    /// The contact's Campaign profile (PKey), if it has one yet: without it, no event is carried.
    pub profile: Option<String>,
    pub entries: Vec<TimelineEntry>,
}

fn text(v: &Value, key: &str) -> Option<String> {
    v[key].as_str().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned)
}

/// The contact `who` names: a contact ID, or an email that exactly one contact has.
async fn contact(dataverse: &DataverseClient<'_>, who: &str) -> Result<Value> {
    let who = who.trim();
    if who.is_empty() {
        return Err(Error::invalid_input(msg!("campaign-timeline-contact-required")));
    }
    const SELECT: &str = "$select=contactid,fullname,emailaddress1";
    if let Ok(id) = uuid::Uuid::parse_str(who) {
        return match dataverse.get(&format!("contacts({id})?{SELECT}"), &[]).await {
            Err(e) if e.code == ErrorCode::NotFound => {
                Err(Error::not_found(msg!("campaign-timeline-no-contact", contact = who)).caused_by(e))
            }
            other => other,
        };
    }
    let filter: String =
        url::form_urlencoded::byte_serialize(format!("emailaddress1 eq {}", odata_string(who)).as_bytes()).collect();
    let page = dataverse.get(&format!("contacts?{SELECT}&$filter={filter}&$top=2"), &[]).await?;
    let mut found = page["value"].as_array().cloned().unwrap_or_default();
    match found.len() {
        0 => Err(Error::not_found(msg!("campaign-timeline-no-contact", contact = who))),
        1 => Ok(found.remove(0)),
        _ => Err(Error::new(ErrorCode::Conflict, msg!("campaign-timeline-contact-ambiguous", contact = who))),
    }
}

/// The contact's profile: the one Liaison wrote, or the one Campaign holds with its contact ID.
async fn profile(
    ws: &Workspace,
    campaign: &CampaignClient,
    connection: &str,
    contact_id: &str,
) -> Result<Option<String>> {
    let known: Option<String> = ws.store().read(|c| {
        Ok(c.query_row(
            "SELECT pkey FROM campaign_profiles WHERE campaign_connection = ?1 AND contact_id = ?2",
            params![connection, contact_id],
            |r| r.get(0),
        )
        .optional()?
        .flatten())
    })?;
    if known.is_some() {
        return Ok(known);
    }
    let found = find_by(campaign, PROFILES, "byCrmContactId?crmContactId", KEY_FIELD, contact_id).await?;
    Ok(found.and_then(|p| text(&Value::Object(p), "PKey")))
}

/// The activities regarding the contact, newest first, as Dynamics 365's timeline lists them.
async fn activities(dataverse: &DataverseClient<'_>, contact_id: &str) -> Result<Vec<TimelineEntry>> {
    let filter: String =
        url::form_urlencoded::byte_serialize(format!("_regardingobjectid_value eq {contact_id}").as_bytes()).collect();
    let path = format!(
        "activitypointers?$select=activityid,activitytypecode,subject,actualend,createdon&$filter={filter}\
         &$orderby=createdon%20desc&$top={ACTIVITIES}"
    );
    let page = dataverse.get(&path, &[]).await?;
    Ok(page["value"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|a| TimelineEntry {
            state: TimelineState::OnTimeline,
            activity_type: text(a, "activitytypecode").unwrap_or_else(|| "activity".to_owned()),
            event: None,
            subject: text(a, "subject").unwrap_or_default(),
            at: text(a, "actualend").or_else(|| text(a, "createdon")),
            url: None,
        })
        .collect())
}

/// The profile's email events, from its delivery logs and tracking logs.
async fn events(campaign: &CampaignClient, profile: &str) -> Result<Vec<Event>> {
    let mut out = Vec::new();
    for (collection, delivery) in [("logs", true), ("tracking", false)] {
        let mut page = match campaign.get(&format!("{PROFILES}/{profile}/{collection}?_lineCount=100")).await {
            Ok(p) => p,
            Err(e) if e.code == ErrorCode::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(e),
        };
        for read in 1.. {
            out.extend(
                page["content"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|log| event_of(log, delivery).ok().flatten()),
            );
            match page["next"]["href"].as_str() {
                Some(next) if read < LOG_PAGES => page = campaign.get_url(next).await?,
                _ => break,
            }
        }
    }
    Ok(out)
}

/// One contact's timeline (named by contact ID or email): what Dynamics 365 holds now and the
/// email events the next run adds, each worded in the workspace's language. Refused unless the
/// link is set up and the acting admin may use its Dynamics 365 connection (R13).
pub async fn timeline(ws: &Workspace, vault: &Vault, who: &str) -> Result<TimelinePreview> {
    let link = link(ws.store())?.ok_or_else(|| Error::new(ErrorCode::Conflict, msg!("campaign-link-not-set-up")))?;
    check_usable(ws.store(), &link.dynamics_connection)?;
    let dataverse = DataverseClient::load(ws, vault, &link.dynamics_connection)?;
    dataverse.require_session()?;
    let campaign = CampaignClient::load(ws, vault, &link.campaign_connection)?;
    let found = contact(&dataverse, who).await?;
    let contact_id = text(&found, "contactid")
        .and_then(|id| uuid::Uuid::parse_str(&id).ok())
        .map(|id| id.to_string())
        .ok_or_else(|| Error::new(ErrorCode::BadResponse, msg!("campaign-timeline-no-contact", contact = who)))?;
    let profile = profile(ws, &campaign, &link.campaign_connection, &contact_id).await?;
    let mut entries = activities(&dataverse, &contact_id).await?;
    if let Some(pkey) = &profile {
        let written: std::collections::HashSet<String> = ws.store().read(|c| {
            let mut stmt = c.prepare(
                "SELECT event_pkey FROM campaign_events
                  WHERE campaign_connection = ?1 AND profile_pkey = ?2 AND state = 'written'",
            )?;
            let rows = stmt.query_map(params![link.campaign_connection, pkey], |r| r.get(0))?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })?;
        let lang = crate::settings::language(ws.store());
        for e in events(&campaign, pkey).await?.into_iter().filter(|e| !written.contains(&e.pkey)) {
            entries.push(TimelineEntry {
                state: TimelineState::NextRun,
                activity_type: "lia_emailevent".to_owned(),
                event: Some(e.kind.to_owned()),
                subject: subject(&e, lang),
                at: e.at.format(&time::format_description::well_known::Rfc3339).ok(),
                url: e.url.clone(),
            });
        }
    }
    // Newest first, entries without a time last.
    entries.sort_by_key(|e| std::cmp::Reverse(moment(e)));
    Ok(TimelinePreview {
        contact_id,
        name: text(&found, "fullname"),
        email: text(&found, "emailaddress1"),
        profile,
        entries,
    })
}

/// An entry's time as a comparable instant (entries without one last).
fn moment(entry: &TimelineEntry) -> Option<time::OffsetDateTime> {
    entry
        .at
        .as_deref()
        .and_then(|t| time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).ok())
}
