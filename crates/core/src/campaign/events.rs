//! Campaign's email events to Dynamics 365 (seed 004; R18): each profile's delivery logs (sent,
//! bounced) and tracking logs (opened, clicked) become `lia_emailevent` activities regarding the
//! profile's contact, each once across re-runs and kills.
//!
//! Events are written in `$batch`es of up to 500 activities (a first run of 500,000 events is a
//! thousand requests, not half a million against Dataverse's 6,000 per five minutes). Per event
//! the log's PKey (stable) is kept in `campaign_events`: 'sending' committed before the batch,
//! 'written' with the activity's ID after it. A row found 'sending' (a kill, an unknown
//! outcome) is settled by looking the activity up by `lia_eventid` (the log's PKey, written with
//! it), never sent again blindly. Per profile and log the newest event date carried is kept, moved
//! only once every event up to it is written, so later runs write only newer logs (and those up
//! to three days older, which Campaign may list late; the table keeps them from being written
//! twice). The checkpoint
//! holds the last profile done; a continued run reads the profile it stopped in again, and the
//! events it had written are found in the table.

use rusqlite::{OptionalExtension, params};
use serde_json::{Value, json};
use time::OffsetDateTime;

use super::{Ctx, PROFILES, campaign_time, parse_time};
use crate::connections::dataverse::{BatchRequest, odata_string};
use crate::i18n::Lang;
use crate::store::now;
use crate::{Error, ErrorCode, Result, msg};

/// The entity set of Liaison's email event activity.
const EVENTS: &str = "lia_emailevents";
/// How far before a profile's date mark its logs are still looked at: Campaign records tracking
/// logs in batches, so an open can be listed after a later event was carried. Events this late
/// are found in `campaign_events` when already written, so nothing is written twice.
const LATE_LOGS: time::Duration = time::Duration::days(3);
/// Attempts to settle a batch whose outcome is unknown, or to send again events Dynamics did not
/// take (throttled, a server error), before the run stops.
const UNKNOWN_OUTCOMES: u32 = 3;
/// Activities per `$batch` (Dataverse takes up to 1,000 requests in one).
const EVENT_BATCH: usize = 500;

/// One email event read from a Campaign log.
#[derive(Debug, Clone, PartialEq)]
pub(in crate::campaign) struct Event {
    pub pkey: String,
    /// sent, bounced, opened or clicked.
    pub kind: &'static str,
    pub at: OffsetDateTime,
    pub label: String,
    pub url: Option<String>,
}

/// The event a delivery log (`delivery`) or tracking log holds: `Ok(None)` for a log that is no
/// email event (a delivery still pending, a tracking type other than open or click), `Err` for
/// one without a PKey or a readable date.
pub(in crate::campaign) fn event_of(log: &Value, delivery: bool) -> std::result::Result<Option<Event>, ()> {
    let (kind, url) = if delivery {
        match log["status"].as_str() {
            Some("sent") => ("sent", None),
            Some("failed") => ("bounced", None),
            _ => return Ok(None),
        }
    } else {
        match log["type"].as_str() {
            Some("open") => ("opened", None),
            Some("click") => {
                let url = log["url"]["source"].as_str().or(log["url"]["label"].as_str());
                ("clicked", url.map(str::to_owned).filter(|u| !u.is_empty()))
            }
            _ => return Ok(None),
        }
    };
    let pkey = log["PKey"].as_str().filter(|p| !p.is_empty()).ok_or(())?.to_owned();
    let date = if delivery { log["eventDate"].as_str() } else { log["logDate"].as_str() };
    let at = date.and_then(parse_time).ok_or(())?;
    let label = log["delivery"]["label"].as_str().unwrap_or_default().to_owned();
    Ok(Some(Event { pkey, kind, at, label, url }))
}

/// A time as Dataverse's `DateTime` takes it (whole seconds, UTC).
pub(super) fn dataverse_time(at: OffsetDateTime) -> String {
    campaign_time(at)[..19].replace(' ', "T") + "Z"
}

fn truncated(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}

/// The activity's subject for an event, in `lang` (the workspace's language): what the contact's
/// timeline in Dynamics 365 shows.
pub(in crate::campaign) fn subject(e: &Event, lang: Lang) -> String {
    let label = truncated(&e.label, 200);
    let subject = match e.kind {
        "sent" => msg!("campaign-event-subject-sent", label = label.as_str()),
        "bounced" => msg!("campaign-event-subject-bounced", label = label.as_str()),
        "opened" => msg!("campaign-event-subject-opened", label = label.as_str()),
        _ => msg!("campaign-event-subject-clicked", label = label.as_str()),
    };
    truncated(&subject.render(lang), 200)
}

/// The activity's values for an event regarding a contact, its subject in `lang`.
fn activity(contact_id: &str, e: &Event, lang: Lang) -> Value {
    let label = truncated(&e.label, 200);
    let mut body = json!({
        "subject": subject(e, lang),
        "regardingobjectid_contact@odata.bind": format!("/contacts({contact_id})"),
        "actualend": dataverse_time(e.at),
        "lia_eventtype": e.kind,
        "lia_deliverylabel": label,
        "lia_eventid": e.pkey,
    });
    if let Some(url) = &e.url {
        body["lia_url"] = Value::String(truncated(url, 2000));
    }
    body
}

/// Events read from the logs of a group of profiles, written together: the date marks to move
/// once every event of their profile is written, and the profiles with an event Dynamics refused
/// (their marks stay, so the next run tries again).
#[derive(Default)]
struct Pending {
    events: Vec<(String, String, Event)>,
    marks: Vec<(String, &'static str, OffsetDateTime)>,
    refused: std::collections::HashSet<String>,
}

impl Ctx<'_> {
    /// The events phase: every profile Liaison knows, in contact ID order after the last one
    /// done, a page of profiles at a time: their logs read, their new events written in
    /// `$batch`es, then their date marks moved and the checkpoint past them. `false` when
    /// cancelled.
    pub(super) async fn events(&mut self) -> Result<bool> {
        self.settle_events().await?;
        let group = self.options.campaign_page_size.clamp(1, 1000);
        loop {
            let profiles: Vec<(String, String)> = {
                let mut stmt = self.conn.prepare_cached(
                    "SELECT contact_id, pkey FROM campaign_profiles
                      WHERE campaign_connection = ?1 AND pkey IS NOT NULL AND contact_id > ?2
                      ORDER BY contact_id LIMIT ?3",
                )?;
                let after = self.cp.events_after.clone().unwrap_or_default();
                let rows = stmt
                    .query_map(params![self.link.campaign_connection, after, group], |r| Ok((r.get(0)?, r.get(1)?)))?;
                rows.collect::<rusqlite::Result<_>>()?
            };
            if profiles.is_empty() {
                return Ok(true);
            }
            let mut pending = Pending::default();
            let mut done = None;
            for (contact_id, pkey) in profiles {
                if self.control.cancelled() {
                    break;
                }
                for delivery in [true, false] {
                    self.profile_events(&contact_id, &pkey, delivery, &mut pending).await?;
                }
                done = Some(contact_id);
            }
            self.flush(&mut pending).await?;
            if done.is_some() {
                self.cp.events_after = done;
            }
            self.checkpoint()?;
            self.emit();
            if self.control.cancelled() {
                return Ok(false);
            }
        }
    }

    /// Events left 'sending' (a kill): the activity found by `lia_eventid` is kept; otherwise the
    /// row goes and the event, read again from its log (its date mark was not moved past it), is
    /// written once.
    async fn settle_events(&mut self) -> Result<()> {
        let pending: Vec<String> = {
            let mut stmt = self.conn.prepare(
                "SELECT event_pkey FROM campaign_events WHERE campaign_connection = ?1 AND state = 'sending'",
            )?;
            let rows = stmt.query_map([&self.link.campaign_connection], |r| r.get(0))?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        for pkey in pending {
            match self.find_event(&pkey).await? {
                Some(activity_id) => {
                    self.event_written(&pkey, &activity_id)?;
                    self.cp.counts.events_logged += 1;
                }
                None => self.event_unsent(&pkey)?,
            }
        }
        self.checkpoint()
    }

    /// One profile's delivery logs or tracking logs from its date mark on: the events not
    /// written yet go to `pending`, with the mark to move once they are.
    async fn profile_events(
        &mut self,
        contact_id: &str,
        profile: &str,
        delivery: bool,
        pending: &mut Pending,
    ) -> Result<()> {
        let collection = if delivery { "logs" } else { "tracking" };
        let mark: Option<OffsetDateTime> = self
            .conn
            .query_row(
                "SELECT newest FROM campaign_event_marks
                  WHERE campaign_connection = ?1 AND profile_pkey = ?2 AND collection = ?3",
                params![self.link.campaign_connection, profile, collection],
                |r| r.get::<_, String>(0),
            )
            .optional()?
            .as_deref()
            .and_then(parse_time);
        let size = self.options.campaign_page_size.clamp(1, 1000);
        let mut position = format!("{PROFILES}/{profile}/{collection}?_lineCount={size}");
        let mut newest = mark;
        loop {
            let page = match self.campaign_page(&position).await {
                Ok(p) => p,
                // The profile was deleted in Campaign: it has no events to carry any more.
                Err(e) if e.code == ErrorCode::NotFound => return Ok(()),
                Err(e) => return Err(e),
            };
            self.count_calls();
            for log in page["content"].as_array().into_iter().flatten() {
                let event = match event_of(log, delivery) {
                    Ok(Some(e)) => e,
                    Ok(None) => continue,
                    Err(()) => {
                        let message = msg!(
                            "campaign-events-log-unreadable",
                            profile = profile,
                            log = log["PKey"].as_str().unwrap_or("?")
                        );
                        self.record_error(contact_id, "event_unreadable", &message)?;
                        continue;
                    }
                };
                if mark.is_some_and(|m| event.at < m - LATE_LOGS) {
                    continue;
                }
                newest = Some(newest.map_or(event.at, |n| n.max(event.at)));
                if !self.already_written(&event.pkey).await? {
                    pending.events.push((contact_id.to_owned(), profile.to_owned(), event));
                }
            }
            match page["next"]["href"].as_str() {
                Some(next) => position = next.to_owned(),
                None => break,
            }
        }
        if let Some(newest) = newest.filter(|n| Some(*n) != mark) {
            pending.marks.push((profile.to_owned(), collection, newest));
        }
        Ok(())
    }

    /// Whether an event is on the contact's timeline already: written, or left 'sending' and
    /// found in Dynamics by its `lia_eventid`.
    async fn already_written(&mut self, event_pkey: &str) -> Result<bool> {
        let state: Option<String> = self
            .conn
            .query_row(
                "SELECT state FROM campaign_events WHERE campaign_connection = ?1 AND event_pkey = ?2",
                params![self.link.campaign_connection, event_pkey],
                |r| r.get(0),
            )
            .optional()?;
        match state.as_deref() {
            Some("written") => Ok(true),
            Some(_) => match self.find_event(event_pkey).await? {
                Some(activity_id) => {
                    self.event_written(event_pkey, &activity_id)?;
                    self.cp.counts.events_logged += 1;
                    Ok(true)
                }
                None => {
                    self.event_unsent(event_pkey)?;
                    Ok(false)
                }
            },
            None => Ok(false),
        }
    }

    /// Writes the pending events as activities, [`EVENT_BATCH`] to a `$batch`, each recorded
    /// 'sending' first; then moves the date marks of the profiles whose events are all written.
    async fn flush(&mut self, pending: &mut Pending) -> Result<()> {
        let mut queue = std::mem::take(&mut pending.events);
        let mut retries = 0;
        while !queue.is_empty() {
            let chunk: Vec<(String, String, Event)> = queue.drain(..queue.len().min(EVENT_BATCH)).collect();
            let tx = self.conn.unchecked_transaction()?;
            for (contact_id, profile, e) in &chunk {
                tx.execute(
                    "INSERT INTO campaign_events
                         (campaign_connection, event_pkey, contact_id, profile_pkey, event_type, occurred_at, state, updated_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'sending', ?7)
                     ON CONFLICT (campaign_connection, event_pkey) DO UPDATE SET state = 'sending', updated_at = excluded.updated_at",
                    params![
                        self.link.campaign_connection,
                        e.pkey,
                        contact_id,
                        profile,
                        e.kind,
                        campaign_time(e.at),
                        now()
                    ],
                )?;
            }
            tx.commit()?;
            let requests: Vec<BatchRequest> = chunk
                .iter()
                .map(|(contact_id, _, e)| BatchRequest {
                    path: EVENTS.to_owned(),
                    body: activity(contact_id, e, self.lang),
                })
                .collect();
            let answers = match self.dataverse.batch(&requests).await {
                Ok(answers) => answers,
                Err(err) if crate::http::is_uncertain(&err) && retries < UNKNOWN_OUTCOMES => {
                    retries += 1;
                    tracing::info!(
                        "a batch of email events has an unknown outcome; settling it by lookup: {}",
                        err.chain()
                    );
                    for (contact_id, profile, e) in chunk {
                        match self.find_event(&e.pkey).await? {
                            Some(activity_id) => {
                                self.event_written(&e.pkey, &activity_id)?;
                                self.cp.counts.events_logged += 1;
                            }
                            None => {
                                self.event_unsent(&e.pkey)?;
                                queue.push((contact_id, profile, e));
                            }
                        }
                    }
                    continue;
                }
                // Rows left 'sending' are settled by the run that continues this one.
                Err(err) => return Err(err),
            };
            let mut again = Vec::new();
            for (i, (contact_id, profile, e)) in chunk.into_iter().enumerate() {
                match answers.get(i) {
                    Some(a) if (200..300).contains(&a.status) => {
                        let activity_id = match &a.entity_id {
                            Some(id) => Some(id.clone()),
                            None => self.find_event(&e.pkey).await?,
                        };
                        let Some(activity_id) = activity_id else {
                            // Left 'sending': the next run settles it by `lia_eventid`.
                            return Err(Error::new(ErrorCode::BadResponse, msg!("campaign-events-created-without-id")));
                        };
                        self.event_written(&e.pkey, &activity_id)?;
                        self.cp.counts.events_logged += 1;
                    }
                    // Not done (throttled, a server error, or after the batch stopped): sent again.
                    None => {
                        self.event_unsent(&e.pkey)?;
                        again.push((contact_id, profile, e));
                    }
                    Some(a) if a.status == 429 || a.status >= 500 => {
                        self.event_unsent(&e.pkey)?;
                        again.push((contact_id, profile, e));
                    }
                    Some(a) => {
                        self.event_unsent(&e.pkey)?;
                        let reason = a.error.clone().unwrap_or_else(|| a.status.to_string());
                        let message =
                            msg!("campaign-events-refused", event = e.pkey.as_str(), reason = reason.as_str());
                        self.record_error(&contact_id, "event_refused", &message)?;
                        pending.refused.insert(profile);
                    }
                }
            }
            if !again.is_empty() {
                retries += 1;
                if retries > UNKNOWN_OUTCOMES {
                    return Err(Error::new(
                        ErrorCode::Unavailable,
                        msg!("campaign-events-not-taken", count = again.len()),
                    ));
                }
                queue.extend(again);
            }
            self.checkpoint()?;
        }
        // A refused event is tried again by the next run: its profile's marks stay where they were.
        for (profile, collection, newest) in std::mem::take(&mut pending.marks) {
            if pending.refused.contains(&profile) {
                continue;
            }
            self.conn.execute(
                "INSERT INTO campaign_event_marks (campaign_connection, profile_pkey, collection, newest, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (campaign_connection, profile_pkey, collection)
                 DO UPDATE SET newest = excluded.newest, updated_at = excluded.updated_at",
                params![self.link.campaign_connection, profile, collection, campaign_time(newest), now()],
            )?;
        }
        Ok(())
    }

    /// Forgets an event's 'sending' row: it was not written, and is sent again.
    fn event_unsent(&self, event_pkey: &str) -> Result<()> {
        self.conn.execute(
            "DELETE FROM campaign_events WHERE campaign_connection = ?1 AND event_pkey = ?2 AND state = 'sending'",
            params![self.link.campaign_connection, event_pkey],
        )?;
        Ok(())
    }

    /// The activity already written for an event, by its `lia_eventid`.
    async fn find_event(&self, event_pkey: &str) -> Result<Option<String>> {
        let filter = format!("lia_eventid eq {}", odata_string(event_pkey));
        let query: String = url::form_urlencoded::byte_serialize(filter.as_bytes()).collect();
        let page = self.dataverse.get(&format!("{EVENTS}?$select=activityid&$filter={query}"), &[]).await?;
        Ok(page["value"].as_array().and_then(|v| v.first()).and_then(|a| a["activityid"].as_str()).map(str::to_owned))
    }

    fn event_written(&self, event_pkey: &str, activity_id: &str) -> Result<()> {
        self.conn.execute(
            "UPDATE campaign_events SET state = 'written', activity_id = ?3, updated_at = ?4
              WHERE campaign_connection = ?1 AND event_pkey = ?2",
            params![self.link.campaign_connection, event_pkey, activity_id, now()],
        )?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delivery_and_tracking_logs_are_read_as_events() {
        let sent = json!({"PKey": "@a", "eventDate": "2026-01-31 12:00:00.000Z", "status": "sent", "delivery": {"label": "News"}});
        let e = event_of(&sent, true).unwrap().unwrap();
        assert_eq!((e.kind, e.pkey.as_str(), e.label.as_str(), e.url), ("sent", "@a", "News", None));
        assert_eq!(dataverse_time(e.at), "2026-01-31T12:00:00Z");
        let failed = json!({"PKey": "@b", "eventDate": "2026-01-31 12:00:00.000Z", "status": "failed", "delivery": {"label": "N"}});
        assert_eq!(event_of(&failed, true).unwrap().unwrap().kind, "bounced");
        let pending = json!({"PKey": "@c", "eventDate": "2026-01-31 12:00:00.000Z", "status": "pending"});
        assert_eq!(event_of(&pending, true), Ok(None));
        let click = json!({"PKey": "@d", "logDate": "2026-02-01 08:30:15.250Z", "type": "click", "url": {"source": "https://x.example/a", "label": "A"}, "delivery": {"label": "N"}});
        let e = event_of(&click, false).unwrap().unwrap();
        assert_eq!((e.kind, e.url.as_deref()), ("clicked", Some("https://x.example/a")));
        assert_eq!(dataverse_time(e.at), "2026-02-01T08:30:15Z");
        let open = json!({"PKey": "@e", "logDate": "2026-02-01 08:30:15.250Z", "type": "open", "url": {}});
        assert_eq!(event_of(&open, false).unwrap().unwrap().kind, "opened");
        assert_eq!(event_of(&json!({"type": "open", "logDate": "2026-02-01 08:30:15.250Z"}), false), Err(()));
        assert_eq!(event_of(&json!({"PKey": "@f", "type": "open", "logDate": "soon"}), false), Err(()));
    }

    #[test]
    fn the_activity_regards_the_contact_and_carries_the_log_s_pkey() {
        let e = Event {
            pkey: "@k".into(),
            kind: "clicked",
            at: parse_time("2026-01-31 12:00:00.000Z").unwrap(),
            label: "News".into(),
            url: Some("https://x.example".into()),
        };
        let body = activity("c-1", &e, Lang::En);
        assert_eq!(body["regardingobjectid_contact@odata.bind"], "/contacts(c-1)");
        assert_eq!(body["lia_eventid"], "@k");
        assert_eq!(body["lia_url"], "https://x.example");
        assert_eq!(body["lia_eventtype"], "clicked");
        assert!(body["subject"].as_str().unwrap().contains("News"));
        let opened = Event { kind: "opened", url: None, ..e };
        assert!(activity("c-1", &opened, Lang::En).get("lia_url").is_none());
        assert_eq!(subject(&opened, Lang::En), "Email opened: “News”");
        assert_eq!(subject(&opened, Lang::Ja), "メール開封: 「News」");
    }
}
