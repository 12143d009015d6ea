//! Marketo reads: the bulk extract of a full run, the change and deletion feeds of an
//! incremental one, and the activities logged to Salesforce.

use std::time::Duration;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::quota::window_count;
use super::{Ctx, JOBS_AHEAD, WINDOW};
use crate::connections::marketo::MarketoClient;
use crate::sync::activities;
use crate::sync::cache::Source;
use crate::sync::cache::SourceRecord;
use crate::sync::records::{self, Rejected};
use crate::{Error, ErrorCode, Result, msg};

/// Pages of the New Lead feed read, at most, looking for the oldest lead (Marketo may answer
/// pages without activities while it walks through empty time).
const PROBE_PAGES: usize = 5;
/// Marketo's `New Lead` activity type.
const NEW_LEAD: &str = "12";
/// Leads read by ID in one call (`filterValues` takes at most 300).
const LEADS_BY_ID: usize = 300;

/// A paging token for Marketo's activity feeds from `since`.
pub(super) async fn paging_token(mk: &MarketoClient, since: OffsetDateTime) -> Result<String> {
    let since = records::marketo_time(since);
    let body = mk.get("/rest/v1/activities/pagingtoken.json", &[("sinceDatetime", &since)]).await?;
    body["nextPageToken"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| Error::new(ErrorCode::BadResponse, msg!("sync-marketo-no-paging-token")))
}

/// When the oldest lead created since `since` was created, if a few calls find it.
///
/// Marketo logs a `New Lead` activity when it creates a person and, alone of all activities,
/// keeps it for good (its retention policy deletes the others after 90 days or 25 months); a
/// deleted person takes theirs along. So the first `New Lead` since `since` is no later than the
/// creation of any lead there is: a merge keeps the winner, whose activity stays, and an earlier
/// loser's activity moved to it only makes the answer earlier. `None` when the feed shows no
/// `New Lead` within [`PROBE_PAGES`] pages, or its date does not read.
/// With the date, that lead's ID (Marketo numbers leads in creation order).
pub(super) async fn oldest_lead_created(
    mk: &MarketoClient,
    since: OffsetDateTime,
) -> Result<Option<(OffsetDateTime, Option<i64>)>> {
    let mut token = paging_token(mk, since).await?;
    for _ in 0..PROBE_PAGES {
        let page = mk
            .get(
                "/rest/v1/activities.json",
                &[("nextPageToken", &token), ("activityTypeIds", NEW_LEAD), ("batchSize", "10")],
            )
            .await?;
        if let Some(first) = page["result"].as_array().and_then(|r| r.first()) {
            let date = first["activityDate"].as_str().and_then(|d| OffsetDateTime::parse(d, &Rfc3339).ok());
            return Ok(date.map(|d| (d, first["leadId"].as_i64())));
        }
        match page["nextPageToken"].as_str() {
            Some(next) if page["moreResult"].as_bool() == Some(true) => token = next.to_owned(),
            _ => return Ok(None),
        }
    }
    Ok(None)
}

/// The highest lead ID among the leads created lately: the first of a few look-backs (a day, a
/// month, a year, twenty years) whose New Lead feed lists any, two pages of it at most. With the
/// oldest lead's ID it bounds how many leads there are, for the estimate.
pub(super) async fn newest_lead_id(mk: &MarketoClient, now: OffsetDateTime) -> Result<Option<i64>> {
    for days in [1, 31, 365, 20 * 365] {
        let mut token = paging_token(mk, now - time::Duration::days(days)).await?;
        let mut newest = None;
        for _ in 0..2 {
            let page = mk
                .get(
                    "/rest/v1/activities.json",
                    &[("nextPageToken", &token), ("activityTypeIds", NEW_LEAD), ("batchSize", "300")],
                )
                .await?;
            newest =
                newest.max(page["result"].as_array().into_iter().flatten().filter_map(|a| a["leadId"].as_i64()).max());
            match page["nextPageToken"].as_str() {
                Some(next) if page["moreResult"].as_bool() == Some(true) => token = next.to_owned(),
                _ => break,
            }
        }
        if newest.is_some() {
            return Ok(newest);
        }
    }
    Ok(None)
}

/// Where the extract windows of a full read start: the day before the oldest lead (a margin
/// for clocks), or the history setting when that is later or the oldest lead was not found.
pub(super) fn windows_start(history_start: OffsetDateTime, oldest: Option<OffsetDateTime>) -> OffsetDateTime {
    let Some(oldest) = oldest else { return history_start };
    let day_before = (oldest.to_offset(time::UtcOffset::UTC) - time::Duration::days(1)).date().midnight().assume_utc();
    day_before.max(history_start)
}

impl Ctx<'_> {
    pub(super) async fn paging_token(&self, since: OffsetDateTime) -> Result<String> {
        paging_token(&self.mk, since).await
    }

    pub(super) fn window(&self, i: u32) -> Result<(OffsetDateTime, OffsetDateTime, u32)> {
        let parse = |s: &Option<String>| {
            s.as_deref()
                .and_then(|s| OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok())
                .ok_or_else(|| Error::internal(msg!("sync-checkpoint-lost-windows")))
        };
        let (from, to) = (parse(&self.cp.windows_from)?, parse(&self.cp.windows_to)?);
        let total = window_count(from, to) as u32;
        let start = from + WINDOW * i;
        Ok((start, (start + WINDOW).min(to), total))
    }

    pub(super) async fn create_export(&self, i: u32) -> Result<String> {
        let (start, end, _) = self.window(i)?;
        let body = serde_json::json!({
            "fields": records::extract_fields(&self.mapping),
            "format": "CSV",
            "filter": { "createdAt": { "startAt": records::marketo_time(start), "endAt": records::marketo_time(end) } },
        });
        let created = self.mk.post("/bulk/v1/leads/export/create.json", Some(&body)).await?;
        let id = created["result"][0]["exportId"]
            .as_str()
            .ok_or_else(|| Error::new(ErrorCode::BadResponse, msg!("sync-marketo-no-export-id")))?
            .to_owned();
        self.mk.post(&format!("/bulk/v1/leads/export/{id}/enqueue.json"), None).await?;
        Ok(id)
    }

    /// All leads: by ID from the New Lead feed when it is short enough, otherwise through bulk
    /// extracts of 31-day `createdAt` windows, a few jobs ahead.
    pub(super) async fn marketo_full(&mut self) -> Result<()> {
        // A run from before the feed (its jobs or windows under way) goes on with its extracts.
        if !self.cp.feed_done && self.cp.jobs.is_empty() && self.cp.next_window == 0 {
            let Some(ids) = self.new_lead_ids().await? else { return Ok(()) };
            if let Some(ids) = ids {
                self.marketo_by_id(&ids).await?;
                if self.control.cancelled() {
                    return Ok(());
                }
                // Every lead is read: no windows are left.
                self.cp.windows_from = self.cp.windows_to.clone();
            }
            self.cp.feed_done = true;
            self.checkpoint_only()?;
        }
        let (_, _, total) = self.window(0)?;
        let mut delay = self.options.job_poll;
        loop {
            if self.control.cancelled() {
                return Ok(());
            }
            while self.cp.jobs.len() < JOBS_AHEAD {
                let next = self.cp.jobs.last().map_or(self.cp.next_window, |(i, _)| i + 1);
                if next >= total {
                    break;
                }
                let id = self.create_export(next).await?;
                self.cp.jobs.push((next, id));
                self.checkpoint_only()?;
            }
            let Some((index, id)) = self.cp.jobs.first().cloned() else { break };
            let status = match self.mk.get(&format!("/bulk/v1/leads/export/{id}/status.json"), &[]).await {
                Ok(s) => s,
                Err(e) if e.details.as_ref().is_some_and(|d| d["marketo_code"] == "1003") => {
                    // The job is gone (extracts are kept for 7 days): create it again.
                    let id = self.create_export(index).await?;
                    self.cp.jobs[0].1 = id;
                    self.checkpoint_only()?;
                    continue;
                }
                Err(e) => return Err(e),
            };
            let job = &status["result"][0];
            match job["status"].as_str().unwrap_or_default() {
                "Completed" => {
                    let (start, end, _) = self.window(index)?;
                    let text = if job["numberOfRecords"].as_u64() == Some(0) {
                        String::new()
                    } else {
                        self.mk.get_file(&format!("/bulk/v1/leads/export/{id}/file.json")).await?
                    };
                    let (batch, rejected) = if text.trim().is_empty() {
                        (Vec::new(), Vec::new())
                    } else {
                        records::parse_extract(
                            &text,
                            &self.mapping,
                            &records::format_time(start),
                            &records::format_time(end),
                        )?
                    };
                    self.cp.jobs.remove(0);
                    self.cp.next_window = index + 1;
                    self.phase_fraction = f64::from(index + 1) / f64::from(total.max(1));
                    for chunk in batch.chunks(5_000) {
                        self.commit_batch(Source::Marketo, chunk, &[])?;
                    }
                    self.commit_batch(Source::Marketo, &[], &rejected)?;
                    delay = self.options.job_poll;
                }
                "Created" => {
                    self.mk.post(&format!("/bulk/v1/leads/export/{id}/enqueue.json"), None).await?;
                }
                "Failed" | "Cancelled" | "Canceled" => {
                    let id = self.create_export(index).await?;
                    self.cp.jobs[0].1 = id;
                    self.checkpoint_only()?;
                }
                _ => {
                    self.wait(delay).await?;
                    delay = (delay * 3 / 2).min(Duration::from_secs(30));
                }
            }
        }
        Ok(())
    }

    /// Changed and new leads since the cursor: the lead-changes feed, then the leads by ID.
    pub(super) async fn marketo_changes(&mut self) -> Result<()> {
        let mut token = self.feed_start("marketo.changes")?;
        let mut watched: Vec<String> = self.mapping.marketo_fields().iter().map(|s| (*s).to_owned()).collect();
        watched.push(self.mapping.marketo_email.clone());
        let watched = watched.join(",");
        let fields = self.lead_fields();
        loop {
            if self.control.cancelled() {
                return Ok(());
            }
            let page = self
                .mk
                .get(
                    "/rest/v1/activities/leadchanges.json",
                    &[("nextPageToken", &token), ("fields", &watched), ("batchSize", "300")],
                )
                .await?;
            let mut ids: Vec<i64> = page["result"]
                .as_array()
                .map(|r| r.iter().filter_map(|a| a["leadId"].as_i64()).collect())
                .unwrap_or_default();
            ids.sort_unstable();
            ids.dedup();
            let mut batch = Vec::new();
            let mut rejected = Vec::new();
            for chunk in ids.chunks(LEADS_BY_ID) {
                self.leads_by_id(chunk, &fields, &mut batch, &mut rejected).await?;
            }
            token = page["nextPageToken"].as_str().unwrap_or(&token).to_owned();
            self.cp.position = Some(token.clone());
            self.cp.new_cursors.insert("marketo.changes".into(), token.clone());
            self.commit_batch(Source::Marketo, &batch, &rejected)?;
            if page["moreResult"].as_bool() != Some(true) {
                return Ok(());
            }
        }
    }

    /// The REST fields a lead is read with (the extract's, less `createdAt`), comma-separated.
    fn lead_fields(&self) -> String {
        let fields = records::extract_fields(&self.mapping);
        fields.iter().filter(|f| f.as_str() != "createdAt").cloned().collect::<Vec<_>>().join(",")
    }

    /// The leads with these IDs (at most [`LEADS_BY_ID`]), into `batch`, or `rejected` when
    /// unusable; IDs Marketo no longer has (deleted, merged away) are absent from its answer.
    /// `fields` is [`Self::lead_fields`], worked out once per phase.
    async fn leads_by_id(
        &self,
        ids: &[i64],
        fields: &str,
        batch: &mut Vec<SourceRecord>,
        rejected: &mut Vec<Rejected>,
    ) -> Result<()> {
        let list = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
        let leads = self
            .mk
            .get("/rest/v1/leads.json", &[("filterType", "id"), ("filterValues", &list), ("fields", fields)])
            .await?;
        for lead in leads["result"].as_array().into_iter().flatten() {
            match records::marketo_lead(lead, &self.mapping) {
                Ok(r) => batch.push(r),
                Err(r) => rejected.push(r),
            }
        }
        Ok(())
    }

    /// The IDs of every lead created since the windows' start, from Marketo's New Lead feed,
    /// ascending: `Some(None)` when the feed holds more than [`RunOptions::new_lead_pages`]
    /// pages (extracts read those leads for fewer calls), `None` when cancelled.
    ///
    /// Every lead has its New Lead activity for good and a deleted lead takes it along (see
    /// [`oldest_lead_created`]), so the feed lists every lead there is, and a merged lead's
    /// activity lists the winner. A continued run walks the feed again (no call reads a lead)
    /// and reads the leads after the last one it wrote.
    ///
    /// [`RunOptions::new_lead_pages`]: super::RunOptions::new_lead_pages
    async fn new_lead_ids(&mut self) -> Result<Option<Option<Vec<i64>>>> {
        if self.options.new_lead_pages == 0 {
            return Ok(Some(None));
        }
        let since = self
            .cp
            .windows_from
            .as_deref()
            .and_then(|s| OffsetDateTime::parse(s, &Rfc3339).ok())
            .ok_or_else(|| Error::internal(msg!("sync-checkpoint-lost-windows")))?;
        let mut token = self.paging_token(since).await?;
        let mut ids = std::collections::BTreeSet::new();
        for page_number in 0.. {
            if self.control.cancelled() {
                return Ok(None);
            }
            if page_number == self.options.new_lead_pages {
                tracing::info!(pages = page_number, "the New Lead feed is long: reading Marketo through extracts");
                return Ok(Some(None));
            }
            let page = self
                .mk
                .get(
                    "/rest/v1/activities.json",
                    &[("nextPageToken", &token), ("activityTypeIds", NEW_LEAD), ("batchSize", "300")],
                )
                .await?;
            ids.extend(page["result"].as_array().into_iter().flatten().filter_map(|a| a["leadId"].as_i64()));
            // The walk is a tenth of the phase; the reads by ID the rest.
            self.phase_fraction = 0.1 * (page_number + 1) as f64 / self.options.new_lead_pages as f64;
            self.emit(false);
            match page["nextPageToken"].as_str() {
                Some(next) if page["moreResult"].as_bool() == Some(true) => token = next.to_owned(),
                _ => break,
            }
        }
        Ok(Some(Some(ids.into_iter().collect())))
    }

    /// Reads `ids` (ascending) by ID, [`LEADS_BY_ID`] at a time, after the last one written.
    async fn marketo_by_id(&mut self, ids: &[i64]) -> Result<()> {
        let start = self.cp.feed_after.map_or(0, |after| ids.partition_point(|id| *id <= after));
        let todo = &ids[start..];
        let fields = self.lead_fields();
        for (n, chunk) in todo.chunks(LEADS_BY_ID).enumerate() {
            if self.control.cancelled() {
                return Ok(());
            }
            let (mut batch, mut rejected) = (Vec::new(), Vec::new());
            self.leads_by_id(chunk, &fields, &mut batch, &mut rejected).await?;
            self.cp.feed_after = chunk.last().copied();
            let done = start + (n + 1) * LEADS_BY_ID;
            self.phase_fraction = 0.1 + 0.9 * done.min(ids.len()) as f64 / ids.len().max(1) as f64;
            self.commit_batch(Source::Marketo, &batch, &rejected)?;
        }
        Ok(())
    }

    pub(super) fn feed_start(&self, cursor: &str) -> Result<String> {
        self.cp
            .position
            .clone()
            .or_else(|| self.cp.old_cursors.get(cursor).cloned())
            .ok_or_else(|| Error::internal(msg!("sync-no-cursor", cursor = cursor)))
    }

    pub(super) async fn marketo_deleted(&mut self) -> Result<()> {
        let mut token = self.feed_start("marketo.deleted")?;
        loop {
            let page = self
                .mk
                .get("/rest/v1/activities/deletedleads.json", &[("nextPageToken", &token), ("batchSize", "300")])
                .await?;
            let ids: Vec<String> = page["result"]
                .as_array()
                .map(|r| r.iter().filter_map(|a| a["leadId"].as_i64().map(|i| i.to_string())).collect())
                .unwrap_or_default();
            token = page["nextPageToken"].as_str().unwrap_or(&token).to_owned();
            self.cp.position = Some(token.clone());
            self.cp.new_cursors.insert("marketo.deleted".into(), token.clone());
            self.forget(Source::Marketo, &ids)?;
            if page["moreResult"].as_bool() != Some(true) {
                return Ok(());
            }
        }
    }

    pub(super) async fn activities(&mut self) -> Result<()> {
        activities::settle_uncertain(&self.conn, &self.sf).await?;
        let mut token = self.feed_start("marketo.activities")?;
        loop {
            if self.control.cancelled() {
                return Ok(());
            }
            let page = self
                .mk
                .get(
                    "/rest/v1/activities.json",
                    &[("nextPageToken", &token), ("activityTypeIds", activities::TYPE_IDS), ("batchSize", "300")],
                )
                .await?;
            let items = page["result"].as_array().cloned().unwrap_or_default();
            let logged = activities::log_page(&self.conn, &self.sf, &self.run_id, &items).await?;
            self.cp.counts.tasks_logged += logged.logged;
            self.cp.counts.errors += logged.failed;
            token = page["nextPageToken"].as_str().unwrap_or(&token).to_owned();
            self.cp.position = Some(token.clone());
            self.cp.new_cursors.insert("marketo.activities".into(), token.clone());
            self.checkpoint_only()?;
            self.emit(false);
            if page["moreResult"].as_bool() != Some(true) {
                return Ok(());
            }
        }
    }
}
