//! The Dynamics 365 marketing list as an export target (seed 003, R14). Members are existing
//! contacts only: each row carries the contact ID its person was matched to, and Liaison never
//! creates or changes a contact. Additions go through `AddListMembersList` (one call per batch of
//! contacts; adding a member twice is harmless), removals through `RemoveMemberList` sent as
//! `$batch`es of up to 1,000. A contact deleted since the last sync makes the whole call fail:
//! the batch is halved until the contacts that no longer exist are found, and only they fail.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use super::definition::FieldMap;
use super::destinations::Destination;
use super::plan::{Membership, Resolver};
use super::target::{BatchState, ListTarget, Row, Submitted, url_chunks};
use crate::connections::dataverse::{BatchRequest, DataverseClient, dataverse_code, odata_string};
use crate::sync::dynamics_match::{ContactMatch, match_people};
use crate::{Error, ErrorCode, Result, msg};

/// Contacts per `AddListMembersList` call.
pub(crate) const ADD_CHUNK: usize = 1_000;
/// Removals per `$batch` (Dataverse's limit).
pub(crate) const REMOVE_CHUNK: usize = 1_000;
/// Emails per lookup, with the URL kept well under Dataverse's limit.
const LOOKUP_URL_BUDGET: usize = 6_000;

/// A static contact marketing list in one Dynamics 365 org.
pub(crate) struct DynamicsList<'a> {
    client: DataverseClient<'a>,
    list_id: String,
    /// The refused rows of each finished batch (batches finish within their call).
    finished: Mutex<HashMap<String, Vec<(String, String)>>>,
}

impl<'a> DynamicsList<'a> {
    pub(crate) fn new(client: DataverseClient<'a>, list_id: &str) -> Self {
        Self { client, list_id: list_id.to_owned(), finished: Mutex::default() }
    }

    async fn add(&self, contact_ids: &[&str]) -> Result<()> {
        let members: Vec<serde_json::Value> = contact_ids
            .iter()
            .map(|id| serde_json::json!({ "@odata.type": "Microsoft.Dynamics.CRM.contact", "contactid": id }))
            .collect();
        let body = serde_json::json!({
            "List": { "@odata.type": "Microsoft.Dynamics.CRM.list", "listid": self.list_id },
            "Members": members,
        });
        self.client.post("AddListMembersList", &body, &[]).await.map(|_| ())
    }
}

/// A contact that does not exist (any more): Dataverse's `0x80040217`, or a plain 404.
fn contact_missing(err: &Error) -> bool {
    dataverse_code(err) == Some("0x80040217") || err.code == ErrorCode::NotFound
}

impl ListTarget for DynamicsList<'_> {
    fn max_batch_bytes(&self) -> usize {
        usize::MAX
    }

    fn max_batch_rows(&self) -> usize {
        ADD_CHUNK
    }

    fn max_remove(&self) -> usize {
        REMOVE_CHUNK
    }

    fn resumable_batches(&self) -> bool {
        false
    }

    fn poll_interval(&self, _polls: u32) -> Duration {
        Duration::ZERO
    }

    async fn submit(&self, _mapping: &[FieldMap], rows: &[&Row]) -> Result<Submitted> {
        let mut failed = Vec::new();
        // Halves of a refused batch, until the contacts that no longer exist are found.
        let mut pending: Vec<&[&Row]> = vec![rows];
        while let Some(part) = pending.pop() {
            let ids: Vec<&str> = part.iter().filter_map(|r| r.member_id.as_deref()).collect();
            if ids.len() != part.len() {
                return Err(Error::internal(msg!("export-dynamics-row-without-contact")));
            }
            match self.add(&ids).await {
                Ok(()) => {}
                Err(err) if contact_missing(&err) && part.len() > 1 => {
                    let (a, b) = part.split_at(part.len() / 2);
                    pending.push(b);
                    pending.push(a);
                }
                Err(err) if contact_missing(&err) => {
                    let reason = err
                        .details
                        .as_ref()
                        .and_then(|d| d["dataverse_message"].as_str())
                        .unwrap_or_default()
                        .to_owned();
                    failed.push((part[0].email_key.clone(), reason));
                }
                Err(err) => return Err(err),
            }
        }
        let batch = uuid::Uuid::new_v4().to_string();
        self.finished.lock().unwrap_or_else(|p| p.into_inner()).insert(batch.clone(), failed);
        Ok(Submitted::Batch(batch))
    }

    async fn batch(&self, batch_id: &str) -> Result<BatchState> {
        let failed = self.finished.lock().unwrap_or_else(|p| p.into_inner()).remove(batch_id);
        failed
            .map(|failed| BatchState::Done { failed, warned: Vec::new() })
            .ok_or_else(|| Error::internal(msg!("export-dynamics-batch-unknown", batch = batch_id)))
    }

    async fn member_ids(&self, emails: &[&str]) -> Result<HashMap<String, String>> {
        let mut found = HashMap::new();
        for chunk in url_chunks(emails, 50, LOOKUP_URL_BUDGET, 40) {
            let filter =
                chunk.iter().map(|e| format!("emailaddress1 eq {}", odata_string(e))).collect::<Vec<_>>().join(" or ");
            let query: String = url::form_urlencoded::byte_serialize(filter.as_bytes()).collect();
            let mut page = self
                .client
                .get(&format!("contacts?$select=contactid,emailaddress1&$filter={query}"), &["odata.maxpagesize=5000"])
                .await?;
            loop {
                for contact in page["value"].as_array().into_iter().flatten() {
                    if let (Some(id), Some(email)) = (contact["contactid"].as_str(), contact["emailaddress1"].as_str())
                    {
                        found.insert(crate::invites::csv::normalize_email(email), id.to_owned());
                    }
                }
                match page["@odata.nextLink"].as_str() {
                    Some(next) => page = self.client.get_url(next, &["odata.maxpagesize=5000"]).await?,
                    None => break,
                }
            }
        }
        Ok(found)
    }

    async fn remove(&self, member_ids: &[&str]) -> Result<()> {
        for chunk in member_ids.chunks(REMOVE_CHUNK) {
            let requests: Vec<BatchRequest> = chunk
                .iter()
                .map(|id| BatchRequest {
                    path: format!("lists({})/Microsoft.Dynamics.CRM.RemoveMemberList", self.list_id),
                    body: serde_json::json!({ "EntityId": id }),
                })
                .collect();
            let answers = self.client.batch(&requests).await?;
            if answers.len() < requests.len() {
                return Err(Error::new(ErrorCode::BadResponse, msg!("dataverse-batch-unreadable")));
            }
            // A contact deleted in Dynamics is on no list any more.
            if let Some(refused) = answers.iter().find(|a| a.status >= 400 && a.status != 404) {
                return Err(Error::new(
                    ErrorCode::BadResponse,
                    msg!(
                        "dynamics-answered",
                        status = refused.status.to_string(),
                        message = refused.error.clone().unwrap_or_default()
                    ),
                ));
            }
        }
        Ok(())
    }

    fn calls(&self) -> u64 {
        self.client.calls()
    }

    async fn calls_today(&self) -> Result<u64> {
        Ok(0)
    }

    async fn server_time(&self) -> Result<time::OffsetDateTime> {
        Ok(self.client.http().server_now().unwrap_or_else(time::OffsetDateTime::now_utc))
    }
}

/// How a destination's people become list members: for a Dynamics 365 list, each person stands
/// as the contact they are matched to (R13, R14), and one matched to none, several or an
/// inactive one is reported, never guessed; a Marketo list takes everyone by email (`None`).
pub(crate) fn resolver(destination: &Destination) -> Option<Box<Resolver<'static>>> {
    let settings = destination.dynamics.as_ref()?;
    let connection_id = settings.connection_id.clone();
    Some(Box::new(move |conn: &rusqlite::Connection, keys: &[&str]| -> Result<HashMap<String, Membership>> {
        let found = match_people(conn, &connection_id, keys)?;
        Ok(found.into_iter().map(|(key, found)| (key, membership(found))).collect())
    }))
}

fn membership(found: ContactMatch) -> Membership {
    match found {
        ContactMatch::Matched { contact_id } => Membership::Member(contact_id),
        ContactMatch::NoContact => Membership::Unmatched(msg!("export-unmatched-no-contact")),
        ContactMatch::Ambiguous { contact_ids } => Membership::Unmatched(msg!(
            "export-unmatched-ambiguous",
            count = contact_ids.len(),
            contacts = contact_ids.join(", ")
        )),
        ContactMatch::Inactive { contact_id } => {
            Membership::Unmatched(msg!("export-unmatched-inactive", contact = contact_id))
        }
    }
}
