//! Where an export's rows go. [`ListTarget`] is what a run needs from a destination: hand over a
//! batch of rows (a file), learn how the batch ended row by row, find list members' IDs and
//! remove members. Marketo's static list (bulk lead import with `listId`, and for people whose lead
//! ID is known an import without it followed by a list add by ID) is here; the Dynamics 365
//! marketing list is in `dynamics.rs`.

use std::collections::HashMap;
use std::time::Duration;

use super::definition::FieldMap;
use crate::connections::marketo::MarketoClient;
use crate::{Error, ErrorCode, Result, msg};

/// One person as a run delivers them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Row {
    pub email_key: String,
    pub email: String,
    /// The mapped values, in the mapping's order (email first).
    pub values: Vec<Option<String>>,
    pub hash: String,
    /// The person's ID in the destination, when known.
    pub member_id: Option<String>,
    /// Not delivered before (an add rather than an update).
    pub is_new: bool,
}

/// What became of a handed-over batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum BatchState {
    /// Still queued or being processed.
    Waiting,
    /// Finished: the rows the destination refused and those it took with a warning, by email key.
    Done { failed: Vec<(String, String)>, warned: Vec<(String, String)> },
    /// The whole batch failed (nothing was taken).
    Failed { reason: String },
}

/// The outcome of handing over a batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Submitted {
    Batch(String),
    /// The destination is busy with other batches (Marketo 1016, or 1019 for this list): try again later.
    Busy,
}

/// Why the list refused to take a member by ID.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AddRefused {
    /// The destination knows no record by this ID (it may know the person by their email).
    pub unknown_id: bool,
    pub reason: String,
}

/// A list a run delivers to.
pub(crate) trait ListTarget {
    /// The largest file one batch may be.
    fn max_batch_bytes(&self) -> usize;
    /// The most rows one batch may hold.
    fn max_batch_rows(&self) -> usize {
        usize::MAX
    }
    /// The most members one [`ListTarget::remove`] call is handed.
    fn max_remove(&self) -> usize {
        300
    }
    /// The people-cache column holding a person's ID in the destination, when the cache has one.
    fn cache_id_column(&self) -> Option<&'static str> {
        None
    }
    /// A batch goes on in the destination after the call that handed it over, so a killed run
    /// follows it by its ID; otherwise a batch ends within its call and one whose results were
    /// not recorded is simply planned and sent again.
    fn resumable_batches(&self) -> bool {
        true
    }
    /// The destination counts calls against a daily quota (checked before a run).
    fn daily_quota(&self) -> bool {
        false
    }
    /// A second lane beside the list-bound import: people whose ID is known go through an
    /// import that does not touch the list ([`ListTarget::submit_by_id`]), run at the same time
    /// as the list-bound one, and are added to the list by ID ([`ListTarget::add`]) once it is
    /// complete. Marketo runs two imports at once but only one per list.
    fn by_id_lane(&self) -> bool {
        false
    }
    /// The most members one [`ListTarget::add`] call is handed.
    fn max_add(&self) -> usize {
        300
    }
    /// Hands over `rows` as one batch of the second lane (see [`ListTarget::by_id_lane`]).
    async fn submit_by_id(&self, _mapping: &[FieldMap], _rows: &[&Row]) -> Result<Submitted> {
        Err(Error::internal(msg!("export-no-second-lane")))
    }
    /// Adds these members to the list by ID (one already on it stays, once); answers those the
    /// list refused, by ID.
    async fn add(&self, _member_ids: &[&str]) -> Result<HashMap<String, AddRefused>> {
        Err(Error::internal(msg!("export-no-second-lane")))
    }
    /// How long to wait before asking about a batch again, after `polls` questions.
    fn poll_interval(&self, polls: u32) -> Duration;
    /// Hands over `rows` as one batch.
    async fn submit(&self, mapping: &[FieldMap], rows: &[&Row]) -> Result<Submitted>;
    /// Where a batch stands.
    async fn batch(&self, batch_id: &str) -> Result<BatchState>;
    /// The destination's IDs of the people with these emails (those it knows).
    async fn member_ids(&self, emails: &[&str]) -> Result<HashMap<String, String>>;
    /// Removes these members from the list (the people stay in the destination).
    async fn remove(&self, member_ids: &[&str]) -> Result<()>;
    /// Calls made through this target's connection so far.
    fn calls(&self) -> u64;
    /// Calls used today in the destination's daily quota.
    async fn calls_today(&self) -> Result<u64>;
    /// The destination's clock (its quota resets on it).
    async fn server_time(&self) -> Result<time::OffsetDateTime>;
}

/// The CSV of a batch: a header of the destination's field names, then one line per row.
pub(crate) fn csv_file(mapping: &[FieldMap], rows: &[&Row]) -> Result<Vec<u8>> {
    let mut out = csv::Writer::from_writer(Vec::with_capacity(rows.len() * 80));
    out.write_record(mapping.iter().map(|m| m.target_field.as_str()))
        .map_err(|e| Error::new(ErrorCode::Internal, msg!("export-file-not-written")).caused_by(e))?;
    for row in rows {
        out.write_record(row.values.iter().map(|v| v.as_deref().unwrap_or("")))
            .map_err(|e| Error::new(ErrorCode::Internal, msg!("export-file-not-written")).caused_by(e))?;
    }
    out.into_inner().map_err(|e| Error::new(ErrorCode::Internal, msg!("export-file-not-written")).caused_by(e))
}

/// The length one row adds to a batch's file (its CSV line).
pub(crate) fn csv_line_len(row: &Row) -> usize {
    row.values.iter().map(|v| v.as_deref().map_or(0, |v| v.len() + 2 + v.matches('"').count())).sum::<usize>()
        + row.values.len()
}

/// A Marketo static list, filled through the bulk lead import.
pub(crate) struct MarketoList {
    client: MarketoClient,
    list_id: i64,
    /// The first wait between status polls (it grows to 30 s).
    first_poll: Duration,
    calls0: u64,
}

/// Marketo refuses import files of 10 MB or more (413); a margin keeps clear of it.
pub(crate) const MARKETO_MAX_FILE: usize = 9 * 1024 * 1024;

impl MarketoList {
    pub(crate) fn new(client: MarketoClient, list_id: i64, first_poll: Duration) -> Self {
        let calls0 = client.http().budget().calls();
        Self { client, list_id, first_poll, calls0 }
    }

    async fn problems(&self, batch_id: &str, file: &str) -> Result<Vec<(String, String)>> {
        let text = self.client.get_file(&format!("/bulk/v1/leads/batch/{batch_id}/{file}")).await?;
        Ok(parse_problem_file(&text))
    }

    /// One bulk lead import of `rows`; `1016`/`1019` say Marketo has no room for it yet.
    async fn import(&self, mapping: &[FieldMap], rows: &[&Row], query: &[(&str, &str)]) -> Result<Submitted> {
        let file = csv_file(mapping, rows)?;
        match self.client.post_file("/bulk/v1/leads.json", query, "liaison-export.csv", &file).await {
            Ok(answer) => {
                let id = &answer["result"][0]["batchId"];
                let id = id.as_i64().map(|i| i.to_string()).or_else(|| id.as_str().map(str::to_owned));
                id.map(Submitted::Batch).ok_or_else(|| {
                    Error::new(ErrorCode::BadResponse, msg!("marketo-bad-response", what = msg!("export-no-batch-id")))
                })
            }
            Err(err) if matches!(marketo_code(&err).as_deref(), Some("1016" | "1019")) => Ok(Submitted::Busy),
            Err(err) => Err(field_error(err)),
        }
    }
}

/// Splits `items` (emails put in a URL) into runs of at most `max`, each keeping its encoded
/// length under `budget`: an item counts three times its length (percent-encoding) plus
/// `overhead` (separators, the filter's own words). An item longer than the budget goes alone.
pub(crate) fn url_chunks<'e>(items: &'e [&'e str], max: usize, budget: usize, overhead: usize) -> Vec<&'e [&'e str]> {
    let mut chunks = Vec::new();
    let mut start = 0;
    while start < items.len() {
        let mut end = start;
        let mut len = 0;
        while end < items.len() && end - start < max && len + items[end].len() * 3 + overhead < budget {
            len += items[end].len() * 3 + overhead;
            end += 1;
        }
        let end = end.max(start + 1);
        chunks.push(&items[start..end]);
        start = end;
    }
    chunks
}

/// Reads a failures or warnings file: the job's columns plus a last reason column. Rows are
/// known by their email.
pub(crate) fn parse_problem_file(text: &str) -> Vec<(String, String)> {
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(text.as_bytes());
    let Ok(headers) = reader.headers().cloned() else { return Vec::new() };
    let Some(email) = headers.iter().position(|h| h.trim().eq_ignore_ascii_case("email")) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for record in reader.records().flatten() {
        let address = record.get(email).unwrap_or_default();
        let reason = record.iter().next_back().unwrap_or_default();
        if !address.is_empty() {
            out.push((crate::invites::csv::normalize_email(address), reason.to_owned()));
        }
    }
    out
}

fn marketo_code(err: &Error) -> Option<String> {
    err.details.as_ref()?.get("marketo_code")?.as_str().map(str::to_owned)
}

impl ListTarget for MarketoList {
    fn max_batch_bytes(&self) -> usize {
        MARKETO_MAX_FILE
    }

    fn cache_id_column(&self) -> Option<&'static str> {
        Some("marketo_id")
    }

    fn daily_quota(&self) -> bool {
        true
    }

    fn poll_interval(&self, polls: u32) -> Duration {
        // Marketo asks for 5 to 30 s between status polls; the first comes sooner.
        let grown = self.first_poll.saturating_mul(1 << polls.min(5));
        grown.min(Duration::from_secs(30).max(self.first_poll))
    }

    fn by_id_lane(&self) -> bool {
        true
    }

    async fn submit(&self, mapping: &[FieldMap], rows: &[&Row]) -> Result<Submitted> {
        let list = self.list_id.to_string();
        self.import(mapping, rows, &[("format", "csv"), ("lookupField", "email"), ("listId", list.as_str())]).await
    }

    async fn submit_by_id(&self, mapping: &[FieldMap], rows: &[&Row]) -> Result<Submitted> {
        self.import(mapping, rows, &[("format", "csv"), ("lookupField", "email")]).await
    }

    async fn add(&self, member_ids: &[&str]) -> Result<HashMap<String, AddRefused>> {
        let mut refused = HashMap::new();
        let mut input = Vec::new();
        for id in member_ids {
            match id.parse::<i64>() {
                Ok(n) => input.push(serde_json::json!({ "id": n })),
                Err(_) => {
                    refused.insert((*id).to_owned(), AddRefused { unknown_id: true, reason: String::new() });
                }
            }
        }
        for chunk in input.chunks(300) {
            let answer = self
                .client
                .post(
                    &format!("/rest/v1/lists/{}/leads.json", self.list_id),
                    Some(&serde_json::json!({ "input": chunk })),
                )
                .await?;
            // Per ID: `added`, or `skipped` with a reason (1004: no lead has this ID).
            let mut other_skips = Vec::new();
            for result in answer["result"].as_array().into_iter().flatten() {
                if result["status"] == "skipped" {
                    let Some(id) = result["id"].as_i64() else { continue };
                    let reason = &result["reasons"][0];
                    let unknown_id = reason["code"] == "1004";
                    if !unknown_id {
                        other_skips.push(id.to_string());
                    }
                    let reason = reason["message"].as_str().unwrap_or_default().to_owned();
                    refused.insert(id.to_string(), AddRefused { unknown_id, reason });
                }
            }
            // A lead skipped for another reason may be a member already (an add repeated after
            // an interruption): the list says whether it is.
            if !other_skips.is_empty() {
                let ids = other_skips.join(",");
                let path = format!("/rest/v1/lists/{}/leads/ismember.json", self.list_id);
                let answer = self.client.get(&path, &[("id", ids.as_str())]).await?;
                for result in answer["result"].as_array().into_iter().flatten() {
                    if result["status"] == "memberof"
                        && let Some(id) = result["id"].as_i64()
                    {
                        refused.remove(&id.to_string());
                    }
                }
            }
        }
        Ok(refused)
    }

    async fn batch(&self, batch_id: &str) -> Result<BatchState> {
        let answer = self.client.get(&format!("/bulk/v1/leads/batch/{batch_id}.json"), &[]).await?;
        let status = &answer["result"][0];
        match status["status"].as_str().unwrap_or_default() {
            "Complete" => {
                let failed = if status["numOfRowsFailed"].as_u64().unwrap_or(0) > 0 {
                    self.problems(batch_id, "failures.json").await?
                } else {
                    Vec::new()
                };
                let warned = if status["numOfRowsWithWarning"].as_u64().unwrap_or(0) > 0 {
                    self.problems(batch_id, "warnings.json").await?
                } else {
                    Vec::new()
                };
                Ok(BatchState::Done { failed, warned })
            }
            "Failed" => Ok(BatchState::Failed { reason: status["message"].as_str().unwrap_or_default().to_owned() }),
            _ => Ok(BatchState::Waiting),
        }
    }

    async fn member_ids(&self, emails: &[&str]) -> Result<HashMap<String, String>> {
        let mut found = HashMap::new();
        // 300 emails whatever their length: the query goes in a form body (`get_long`).
        for chunk in emails.chunks(300) {
            let values = chunk.join(",");
            let answer = self
                .client
                .get_long(
                    "/rest/v1/leads.json",
                    &[("filterType", "email"), ("filterValues", &values), ("fields", "id,email"), ("batchSize", "300")],
                )
                .await?;
            for lead in answer["result"].as_array().into_iter().flatten() {
                if let (Some(id), Some(email)) = (lead["id"].as_i64(), lead["email"].as_str()) {
                    found.insert(crate::invites::csv::normalize_email(email), id.to_string());
                }
            }
        }
        Ok(found)
    }

    async fn remove(&self, member_ids: &[&str]) -> Result<()> {
        for chunk in member_ids.chunks(300) {
            let input: Vec<serde_json::Value> = chunk
                .iter()
                .filter_map(|id| id.parse::<i64>().ok())
                .map(|id| serde_json::json!({ "id": id }))
                .collect();
            if input.is_empty() {
                continue;
            }
            self.client
                .post(
                    &format!("/rest/v1/lists/{}/leads.json?_method=DELETE", self.list_id),
                    Some(&serde_json::json!({ "input": input })),
                )
                .await?;
        }
        Ok(())
    }

    fn calls(&self) -> u64 {
        self.client.http().budget().calls().saturating_sub(self.calls0)
    }

    async fn calls_today(&self) -> Result<u64> {
        self.client.calls_today().await
    }

    async fn server_time(&self) -> Result<time::OffsetDateTime> {
        self.client.probe_server_time().await
    }
}

/// Marketo's 1003 / 1006 on an import names a field it does not take: say which.
fn field_error(err: Error) -> Error {
    match marketo_code(&err).as_deref() {
        Some("1003" | "1006") => {
            let said = err.details.as_ref().and_then(|d| d.get("marketo_message")).and_then(|m| m.as_str());
            let field = said
                .and_then(|m| m.split('\'').nth(1))
                .map(str::to_owned)
                .unwrap_or_else(|| said.unwrap_or_default().to_owned());
            Error::invalid_input(msg!("export-marketo-field-refused", field = field)).caused_by(err)
        }
        _ => err,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_marketo_1003_or_1006_on_an_import_names_the_refused_field() {
        for code in ["1003", "1006"] {
            let refused = Error::new(ErrorCode::BadResponse, crate::Text::verbatim("Marketo said no")).with_details(
                serde_json::json!({ "marketo_code": code, "marketo_message": "Field 'tier__c' not found" }),
            );
            let err = field_error(refused);
            assert_eq!(err.code, ErrorCode::InvalidInput);
            let text = err.message.render(crate::Lang::En);
            assert!(text.contains("“tier__c”"), "{text}");
            assert!(err.message.render(crate::Lang::Ja).contains("tier__c"));
        }
        let other = Error::new(ErrorCode::BadResponse, crate::Text::verbatim("x"))
            .with_details(serde_json::json!({ "marketo_code": "1013", "marketo_message": "Static list not found" }));
        assert_eq!(field_error(other).code, ErrorCode::BadResponse);
    }

    #[test]
    fn emails_in_a_url_are_split_by_count_and_by_length() {
        let short: Vec<String> = (0..700).map(|i| format!("p{i}@x.jp")).collect();
        let short: Vec<&str> = short.iter().map(String::as_str).collect();
        let chunks = url_chunks(&short, 300, 100_000, 3);
        assert_eq!(chunks.iter().map(|c| c.len()).collect::<Vec<_>>(), vec![300, 300, 100]);
        let long = "a".repeat(3_000);
        let mixed = [long.as_str(), "b@x.jp", long.as_str()];
        let chunks = url_chunks(&mixed, 300, 7_000, 3);
        assert!(chunks.iter().all(|c| !c.is_empty()));
        assert_eq!(chunks.iter().map(|c| c.len()).sum::<usize>(), 3);
        assert!(chunks.iter().all(|c| c.len() == 1 || c.iter().map(|e| e.len() * 3 + 3).sum::<usize>() < 7_000));
    }

    #[test]
    fn a_failures_file_is_read_by_email_with_its_reason() {
        let text =
            "email,firstName,Import Failure Reason\nA@Example.com,Ann,Invalid email address\n,Bob,Missing email\n";
        assert_eq!(parse_problem_file(text), vec![("a@example.com".to_owned(), "Invalid email address".to_owned())]);
    }

    #[test]
    fn a_line_length_counts_quotes_and_separators() {
        let row = Row {
            email_key: "a@x.jp".into(),
            email: "a@x.jp".into(),
            values: vec![Some("a@x.jp".into()), Some("Say \"hi\"".into()), None],
            hash: String::new(),
            member_id: None,
            is_new: true,
        };
        let mapping: Vec<FieldMap> = ["email", "firstName", "city"]
            .iter()
            .map(|f| FieldMap {
                attribute: super::super::Attribute::Email,
                cache_field: "email".into(),
                target_field: (*f).into(),
            })
            .collect();
        let header = csv_file(&mapping, &[]).unwrap().len();
        let file = csv_file(&mapping, &[&row]).unwrap().len();
        assert!(csv_line_len(&row) >= file - header, "{} < {}", csv_line_len(&row), file - header);
    }
}
