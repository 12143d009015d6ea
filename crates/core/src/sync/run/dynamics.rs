//! Dynamics 365 contacts, the sync's third source: a full read with change tracking (paged,
//! ending with a delta link kept as the cursor), incremental reads through that delta link
//! (deleted contacts included), and, where the org has change tracking off for contacts, reads
//! of `modifiedon ge <cursor>` on the server's clock. Deletions are then only seen by a full
//! run (Dataverse reports no deleted records without change tracking).
//!
//! Every call counts against the org's service-protection budget, shared by every job of the
//! workspace (6,000 requests / 5 min, 52 at once); 429s are retried after `Retry-After`.

use serde_json::Value;

use super::Ctx;
use super::checkpoint::save;
use crate::connections::dataverse::{DataverseClient, dataverse_code};
use crate::connections::dynamics::{self, DynamicsSettings, MatchBy};
use crate::http::Http;
use crate::runs::RunState;
use crate::sync::cache::Source;
use crate::sync::dynamics_match::cursor_name;
use crate::sync::records::{self, Rejected};
use crate::vault::Vault;
use crate::{Result, Workspace};

/// Dataverse: "Entity contact isn't enabled for change tracking."
const TRACKING_OFF: &str = "0x80072491";
/// Dataverse: "Version stamp associated with the client has expired. Please perform a full sync."
const TOKEN_EXPIRED: &str = "0x80044352";
/// A `modifiedon` cursor starts this long before the server's time at the start of the read.
const MARGIN: time::Duration = time::Duration::minutes(10);

/// Reads the contacts of one Dynamics connection, through the connection's Web API client (the
/// org's shared budget, the session renewed on 401).
pub(super) struct DynamicsReader<'a> {
    client: DataverseClient<'a>,
    pub(super) connection_id: String,
    pub(super) settings: DynamicsSettings,
}

impl<'a> DynamicsReader<'a> {
    /// The reader of a stored connection, on the org's shared budget.
    pub(super) fn load(ws: &'a Workspace, vault: &'a Vault, connection_id: &str) -> Result<Self> {
        let settings = ws.store().read(|c| dynamics::settings(c, connection_id))?;
        let client = DataverseClient::load(ws, vault, connection_id)?;
        client.require_session()?;
        Ok(Self { client, connection_id: connection_id.to_owned(), settings })
    }

    /// The HTTP client (its budget counts this run's calls; its clock is the server's).
    pub(super) fn http(&self) -> &Http {
        self.client.http()
    }

    /// GETs a Web API URL with the `Prefer` header given.
    async fn get(&self, url: &str, prefer: &str) -> Result<Value> {
        self.client.get_url(url, &[prefer]).await
    }
}

/// What matching keeps of one contact.
struct StoredContact {
    id: String,
    email: String,
    state: i64,
    key: Option<String>,
    modified_at: String,
}

/// How the pages being read were asked for (kept in the checkpoint with the next link).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Every contact, with change tracking.
    Whole,
    /// Every contact, change tracking being off.
    WholeUntracked,
    /// A delta link's changes.
    Delta,
    /// Contacts modified since a time.
    Since,
}

impl Mode {
    fn as_str(self) -> &'static str {
        match self {
            Self::Whole => "whole",
            Self::WholeUntracked => "whole-untracked",
            Self::Delta => "delta",
            Self::Since => "since",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        [Self::Whole, Self::WholeUntracked, Self::Delta, Self::Since].into_iter().find(|m| m.as_str() == s)
    }

    fn tracked(self) -> bool {
        matches!(self, Self::Whole | Self::Delta)
    }

    /// A read of every contact: those not seen were deleted.
    fn whole(self) -> bool {
        matches!(self, Self::Whole | Self::WholeUntracked)
    }
}

/// How the phase starts reading.
enum Read {
    /// Every contact, with change tracking: ends with a delta link.
    Tracked,
    /// Every contact, without change tracking (it is off for contacts in the org).
    Untracked,
    /// The changes since a delta link.
    Delta(String),
    /// Contacts modified since a time (change tracking off).
    Since(String),
}

impl Ctx<'_> {
    /// The Dynamics contacts phase (skipped when the sync reads no Dynamics connection).
    pub(super) async fn dynamics_contacts(&mut self) -> Result<()> {
        let Some(dv) = &self.dv else { return Ok(()) };
        let name = cursor_name(&dv.connection_id);
        let attribute = match &dv.settings.match_by {
            MatchBy::Key { attribute, .. } => Some(attribute.clone()),
            MatchBy::Email => None,
        };
        let mut select = vec!["contactid", "emailaddress1", "statecode", "modifiedon"];
        for f in self.mapping.fields.iter().filter_map(|f| f.dynamics.as_deref()) {
            if !select.contains(&f) {
                select.push(f);
            }
        }
        if let Some(a) = attribute.as_deref().filter(|a| !select.contains(a)) {
            select.push(a);
        }
        let base = format!("{}/api/data/v9.2/contacts?$select={}", dv.settings.org_url, select.join(","));
        let page_size = self.options.dynamics_page_size.clamp(1, 5000);
        let tracked_prefer = format!("odata.maxpagesize={page_size}, odata.track-changes");
        let plain_prefer = format!("odata.maxpagesize={page_size}");
        // A resumed run continues at the next page's link, in the mode it was read in.
        let (mode, mut page) = match self.cp.position.clone().and_then(|p| {
            let (mode, link) = p.split_once(' ')?;
            Some((Mode::parse(mode)?, link.to_owned()))
        }) {
            Some((mode, link)) => {
                let prefer = if mode.tracked() { &tracked_prefer } else { &plain_prefer };
                (mode, dv.get(&link, prefer).await?)
            }
            None => {
                let read = match self.cp.old_cursors.get(&name) {
                    _ if self.cp.full => Read::Tracked,
                    None => Read::Tracked,
                    Some(c) if c.starts_with("modifiedon:") => Read::Since(c["modifiedon:".len()..].to_owned()),
                    Some(c) => Read::Delta(c.clone()),
                };
                self.first_page(read, &base, &tracked_prefer, &plain_prefer, &name).await?
            }
        };
        let mut seen = 0u64;
        loop {
            let rows = page["value"].as_array().cloned().unwrap_or_default();
            let mut batch = Vec::new();
            let mut contacts = Vec::new();
            let mut rejected: Vec<Rejected> = Vec::new();
            let mut deleted = Vec::new();
            for row in &rows {
                if row["reason"].is_string() && row.get("contactid").is_none() {
                    deleted.extend(row["id"].as_str().map(str::to_owned));
                    continue;
                }
                match records::dynamics_contact(row, &self.mapping, attribute.as_deref()) {
                    Ok((record, state, key)) => {
                        contacts.push(StoredContact {
                            id: record.system_id.clone(),
                            email: record.email.clone(),
                            state,
                            key,
                            modified_at: record.modified_at.clone(),
                        });
                        batch.push(record);
                    }
                    Err(r) => rejected.push(r),
                }
            }
            seen += rows.len() as u64;
            // Dataverse gives no total with change tracking: the bar approaches the end page by page.
            self.phase_fraction = seen as f64 / (seen as f64 + page_size as f64);
            // Deletions first, under the current checkpoint: a kill before the page is written
            // reads the page again, and deleting twice does no harm.
            if !deleted.is_empty() {
                self.store_contacts(&[], &deleted)?;
                self.forget(Source::DynamicsContact, &deleted)?;
            }
            self.store_contacts(&contacts, &[])?;
            let next = page["@odata.nextLink"].as_str().map(str::to_owned);
            if let Some(delta) = page["@odata.deltaLink"].as_str() {
                self.cp.new_cursors.insert(name.clone(), delta.to_owned());
            }
            self.cp.position = next.as_ref().map(|n| format!("{} {n}", mode.as_str()));
            self.commit_batch(Source::DynamicsContact, &batch, &rejected)?;
            if self.control.cancelled() {
                return Ok(());
            }
            let Some(next) = next else { break };
            let prefer = if mode.tracked() { &tracked_prefer } else { &plain_prefer };
            let Some(dv) = &self.dv else { return Ok(()) };
            page = dv.get(&next, prefer).await?;
        }
        let whole = mode.whole();
        if whole {
            self.forget_unseen()?;
        }
        Ok(())
    }

    /// The first page of a read, falling back when change tracking is off or a token expired.
    async fn first_page(
        &mut self,
        read: Read,
        base: &str,
        tracked: &str,
        plain: &str,
        name: &str,
    ) -> Result<(Mode, Value)> {
        let Some(dv) = &self.dv else { return Ok((Mode::Delta, Value::Null)) };
        let mut read = read;
        loop {
            let attempt = match &read {
                Read::Tracked => dv.get(base, tracked).await,
                Read::Untracked => dv.get(base, plain).await,
                Read::Delta(link) => dv.get(link, tracked).await,
                Read::Since(at) => {
                    let url = format!("{base}&$filter=modifiedon ge {at}");
                    dv.get(&url, plain).await
                }
            };
            let server_now = dv.http().server_now().unwrap_or_else(time::OffsetDateTime::now_utc);
            let since = records::marketo_time(server_now - MARGIN);
            match attempt {
                Ok(page) => {
                    let mode = match read {
                        Read::Tracked => Mode::Whole,
                        Read::Untracked => Mode::WholeUntracked,
                        Read::Delta(_) => Mode::Delta,
                        Read::Since(_) => Mode::Since,
                    };
                    if !mode.tracked() {
                        // No delta link will come: the next run reads what changed from here on.
                        self.cp.new_cursors.insert(name.to_owned(), format!("modifiedon:{since}"));
                    } else {
                        self.cp.new_cursors.remove(name);
                    }
                    let tx = self.conn.transaction()?;
                    save(&tx, &self.run_id, &self.cp, RunState::Running)?;
                    tx.commit()?;
                    return Ok((mode, page));
                }
                Err(e) if dataverse_code(&e) == Some(TRACKING_OFF) => {
                    read = match read {
                        // Without change tracking a cursor from a delta link means nothing: read all.
                        Read::Tracked | Read::Delta(_) => Read::Untracked,
                        _ => return Err(e),
                    };
                }
                Err(e) if dataverse_code(&e) == Some(TOKEN_EXPIRED) && matches!(read, Read::Delta(_)) => {
                    // Dataverse keeps changes for a limited time (30 days by default): read all again.
                    read = Read::Tracked;
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Keeps what matching needs of each contact read, and drops the deleted ones.
    fn store_contacts(&mut self, contacts: &[StoredContact], deleted: &[String]) -> Result<()> {
        let Some(dv) = &self.dv else { return Ok(()) };
        let tx = self.conn.transaction()?;
        {
            let mut upsert = tx.prepare_cached(
                "INSERT INTO dynamics_contacts (connection_id, contact_id, email_key, statecode, match_value, modified_at, run_id)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT (connection_id, contact_id) DO UPDATE SET email_key = excluded.email_key,
                   statecode = excluded.statecode, match_value = excluded.match_value,
                   modified_at = excluded.modified_at, run_id = excluded.run_id",
            )?;
            for c in contacts {
                let email_key = Some(crate::sync::cache::email_key(&c.email)).filter(|k| k.contains('@'));
                upsert.execute(rusqlite::params![
                    dv.connection_id,
                    c.id,
                    email_key,
                    c.state,
                    c.key,
                    c.modified_at,
                    self.run_id
                ])?;
            }
            let mut delete =
                tx.prepare_cached("DELETE FROM dynamics_contacts WHERE connection_id = ?1 AND contact_id = ?2")?;
            for id in deleted {
                delete.execute(rusqlite::params![dv.connection_id, id])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// After a read of every contact: those this run did not see were deleted in Dynamics.
    fn forget_unseen(&mut self) -> Result<()> {
        let Some(dv) = &self.dv else { return Ok(()) };
        let connection_id = dv.connection_id.clone();
        let gone: Vec<String> = {
            let mut stmt = self
                .conn
                .prepare("SELECT contact_id FROM dynamics_contacts WHERE connection_id = ?1 AND run_id IS NOT ?2")?;
            stmt.query_map(rusqlite::params![connection_id, self.run_id], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?
        };
        if gone.is_empty() {
            return Ok(());
        }
        self.store_contacts(&[], &gone)?;
        self.forget(Source::DynamicsContact, &gone)
    }
}
