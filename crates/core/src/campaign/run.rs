//! Contacts from Dynamics 365 to Adobe Campaign profiles (seed 004; R17): Dynamics is the source
//! of truth. The first run reads every contact with change tracking and, before creating
//! anything, learns the profiles Campaign already holds (by contact ID, then email); later runs
//! follow this flow's own delta link (changed and removed contacts).
//!
//! Per contact the profile's PKey and a hash of the values last written are kept. A profile is
//! compared with what Campaign holds now and only differing fields are PATCHed; a field Campaign
//! holds differently from what Liaison last wrote was edited in Campaign and is put back, counted
//! as an overwrite. Edits made only in Campaign, on contacts Dynamics did not change, are found
//! by listing profiles `_order=lastModified desc` down to the newest `lastModified` the previous
//! run saw (Campaign's own clock, so no clock skew): a profile whose mapped values no longer hash
//! to what was written has its contact read again and written back.
//!
//! A create is recorded (PKey unknown) before the POST; one whose outcome is unknown (a timeout,
//! a kill) is settled by looking the profile up by `cusCrmContactId`, never sent blindly again.
//! The checkpoint holds the page being processed, so a killed or cancelled run is continued.
//!
//! Opt-outs travel as the link's direction says (R19; `optout.rs`): Dynamics's carriers to
//! `blackListEmail`, Campaign's changes to `donotbulkemail`, or both ways with the most recent
//! change winning and a conflict recorded.
//!
//! Last, each known profile's email events (sent, bounced, opened, clicked) become activities on
//! its contact's timeline in Dynamics 365, each once (R18; `events.rs`).

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use ts_rs::TS;

#[path = "entity_run.rs"]
mod entity_run;
#[path = "events.rs"]
mod events;
#[path = "optout.rs"]
mod optout;

pub use optout::{CampaignOptOutConflict, OptOutSide, optout_conflicts};

pub(super) use events::{Event, event_of, subject};

use super::metadata::{FieldType, Metadata, read_metadata};
use super::setup::{CampaignLink, KEY_FIELD, OptOutCarrier, OptOutDirection, link, opt_out_carriers};
use crate::connections::access::check_usable;
use crate::connections::campaign::CampaignClient;
use crate::connections::dataverse::{DataverseClient, dataverse_code};
use crate::i18n::{Lang, Text};
use crate::jobs::{Control, Heartbeat};
use crate::runs::RunState;
use crate::store::{Store, now};
use crate::vault::Vault;
use crate::{Error, ErrorCode, Result, Workspace, msg};

/// Dataverse: "Entity contact isn't enabled for change tracking."
const TRACKING_OFF: &str = "0x80072491";
/// Dataverse: the delta token expired (changes are kept 30 days by default): read all again.
const TOKEN_EXPIRED: &str = "0x80044352";
/// A run whose heartbeat is older than this is taken to be dead (killed or crashed).
const HEARTBEAT_STALE_SECS: i64 = 90;
const HEARTBEAT_EVERY: Duration = Duration::from_secs(15);
/// A cap on stored per-contact errors per run (all are counted).
const MAX_STORED_ERRORS: u64 = 10_000;
/// The profile field that carries the opt-out (R19).
const OPT_OUT_FIELD: &str = "blackListEmail";
pub(super) const PROFILES: &str = "profileAndServicesExt/profile";
/// A listed profile by its contact ID, and an unclaimed one by email: each an index lookup, so a
/// first run over a large Campaign costs a lookup per contact, not a scan of every profile. The
/// index is named: without statistics SQLite prefers the table's own key (`run_id`, the same for
/// every row of a run), which scans them all.
const SCAN_BY_CONTACT: &str = "SELECT profile FROM campaign_profile_scan INDEXED BY campaign_profile_scan_crm
  WHERE run_id = ?1 AND crm_id = ?2 LIMIT 1";
const SCAN_BY_EMAIL: &str = "SELECT profile FROM campaign_profile_scan INDEXED BY campaign_profile_scan_email
  WHERE run_id = ?1 AND email_key = ?2 AND crm_id IS NULL ORDER BY pkey LIMIT 1";

/// How a run is asked for.
#[derive(Debug, Clone)]
pub struct CampaignRunOptions {
    /// Read every contact again instead of the changes since the last run.
    pub full: bool,
    /// Contacts asked for per page (`Prefer: odata.maxpagesize`, at most 5,000).
    pub dynamics_page_size: usize,
    /// Profiles asked for per page when listing Campaign (`_lineCount`).
    pub campaign_page_size: usize,
}

impl Default for CampaignRunOptions {
    fn default() -> Self {
        Self { full: false, dynamics_page_size: 5000, campaign_page_size: 100 }
    }
}

/// What a run has done so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct CampaignCounts {
    pub profiles_created: u64,
    pub profiles_updated: u64,
    pub unchanged: u64,
    /// Profiles whose values had been edited in Campaign since Liaison wrote them, put back
    /// (R17: Dynamics is the source of truth).
    pub overwritten: u64,
    /// Contacts deleted in Dynamics: their profiles are kept, Liaison forgets them.
    pub removed_in_dynamics: u64,
    pub errors: u64,
    /// Records of mapped custom entities created or updated in their Campaign custom resources.
    pub entities: u64,
    /// Custom entity records deleted in Campaign because their rows were deleted in Dynamics.
    pub entities_removed: u64,
    /// Campaign email events written as activities on the contacts' timelines (R18).
    pub events_logged: u64,
    /// Profiles whose `blackListEmail` was written because Dynamics's opt-out carriers changed
    /// it (R19; not counting a Campaign edit put back, which is `overwritten`).
    pub optouts_to_campaign: u64,
    /// Contacts whose `donotbulkemail` was written because the opt-out changed in Campaign (R19).
    pub optouts_to_dynamics: u64,
    /// Contacts whose opt-out changed on both sides since the last run, to different values: the
    /// most recent change won and the conflict is recorded (R19, both ways).
    pub optout_conflicts: u64,
    /// Calls to both systems.
    pub calls: u64,
}

/// The steps of a run, in order.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum CampaignPhase {
    /// First run: the profiles Campaign already holds.
    #[default]
    LearnProfiles,
    /// Dynamics contacts, all or the changes.
    Contacts,
    /// Profiles edited in Campaign since the last run.
    CampaignEdits,
    /// Mapped custom entities to their Campaign custom resources, linked to the profiles.
    Entities,
    /// Campaign's email events to the contacts' timelines in Dynamics 365 (R18).
    Events,
    Done,
}

/// One progress report.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct CampaignProgress {
    pub run_id: String,
    pub phase: CampaignPhase,
    pub counts: CampaignCounts,
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct CampaignReport {
    pub run_id: String,
    pub state: RunState,
    pub full: bool,
    pub counts: CampaignCounts,
    /// Time spent, over every process that drove the run.
    pub seconds: f64,
    /// Whether this run continued an interrupted one.
    pub resumed: bool,
}

/// A past run.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct CampaignRun {
    pub id: String,
    pub state: RunState,
    pub full: bool,
    pub started_at: String,
    pub finished_at: Option<String>,
    pub counts: CampaignCounts,
    pub error: Option<Text>,
    /// The opt-out conflicts the run recorded (R19, both ways), newest first.
    pub optout_conflicts: Vec<CampaignOptOutConflict>,
}

/// Everything a run needs to continue after a kill.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
struct Checkpoint {
    owner: String,
    process: Option<crate::jobs::ProcessId>,
    full: bool,
    phase: CampaignPhase,
    /// The page being processed (a URL, or a path under Campaign's API): read again on resume.
    position: Option<String>,
    /// Whether this run listed Campaign's profiles (contacts without a profile are matched there).
    learned: bool,
    /// The delta link to keep when the run succeeds.
    delta: Option<String>,
    /// Campaign's newest `lastModified` as the previous run and this one began.
    edits_from: Option<String>,
    edits_to: Option<String>,
    /// The events phase: the last contact whose profile's events are all carried.
    events_after: Option<String>,
    /// The entities phase: the mappings (by their cursor name) read to the end, and the delta
    /// link each left to keep when the run succeeds.
    entities_done: Vec<String>,
    entity_deltas: BTreeMap<String, String>,
    counts: CampaignCounts,
    seconds: f64,
}

fn delta_cursor(link: &CampaignLink) -> String {
    format!("campaign.{}.{}.contacts", link.dynamics_connection, link.campaign_connection)
}

fn edits_cursor(link: &CampaignLink) -> String {
    format!("campaign.{}.profiles_modified", link.campaign_connection)
}

fn cursor(conn: &Connection, name: &str) -> Result<Option<String>> {
    Ok(conn.query_row("SELECT value FROM sync_cursors WHERE name = ?1", [name], |r| r.get(0)).optional()?)
}

/// A mapped pair with both sides' types.
#[derive(Debug, Clone)]
struct Pair {
    attribute: String,
    /// What to `$select` and read (a lookup's `_x_value`).
    read_as: String,
    source: FieldType,
    field: String,
    target: FieldType,
}

impl Pair {
    /// The column to read an attribute from: a lookup's value column (`_x_value`), else itself.
    fn column(attribute: &super::ContactAttribute) -> String {
        match attribute.dataverse_type.as_str() {
            "Lookup" | "Customer" | "Owner" => format!("_{}_value", attribute.name),
            _ => attribute.name.clone(),
        }
    }

    /// This pair's value in a row read from Dataverse, as the field's type expects it; `None`
    /// when it does not fit.
    fn value_of(&self, row: &Value) -> Option<Value> {
        let raw = &row[self.read_as.as_str()];
        let formatted = row[format!("{}@OData.Community.Display.V1.FormattedValue", self.read_as)].as_str();
        convert(raw, formatted, self.source, self.target)
    }
}

/// The values of `pairs` in a row read from Dataverse, each as its field's type expects it;
/// `unfit` says why a value (the pair's, as read) does not fit.
fn values_of(
    pairs: &[Pair],
    row: &Value,
    unfit: impl Fn(&Pair, &Value) -> Text,
) -> std::result::Result<Map<String, Value>, Text> {
    let mut out = Map::new();
    for p in pairs {
        let value = p.value_of(row).ok_or_else(|| unfit(p, &row[p.read_as.as_str()]))?;
        out.insert(p.field.clone(), value);
    }
    Ok(out)
}

/// What the run writes: the mapping typed from both systems' metadata, and which way the opt-out
/// travels.
struct Plan {
    pairs: Vec<Pair>,
    /// Whether Dynamics's opt-out is written to Campaign (`blackListEmail` is one of the fields).
    optout: bool,
    direction: OptOutDirection,
}

impl Plan {
    fn new(link: &CampaignLink, metadata: &Metadata) -> Result<Self> {
        let mut pairs = Vec::new();
        for p in &link.contact_fields {
            let attribute = metadata.attribute(&p.attribute).ok_or_else(|| {
                Error::new(ErrorCode::Conflict, msg!("campaign-run-attribute-gone", attribute = p.attribute.as_str()))
            })?;
            let field = metadata.field(&p.field).filter(|f| !f.read_only).ok_or_else(|| {
                Error::new(ErrorCode::Conflict, msg!("campaign-run-field-gone", field = p.field.as_str()))
            })?;
            pairs.push(Pair {
                attribute: attribute.name.clone(),
                read_as: Pair::column(attribute),
                source: if p.attribute == "contactid" { FieldType::Id } else { attribute.field_type },
                field: field.name.clone(),
                target: field.field_type,
            });
        }
        if !pairs.iter().any(|p| p.field == KEY_FIELD) {
            return Err(Error::new(ErrorCode::Conflict, msg!("campaign-link-no-key-field", field = KEY_FIELD)));
        }
        let optout = matches!(link.optout, OptOutDirection::DynamicsToCampaign | OptOutDirection::Both);
        Ok(Self { pairs, optout, direction: link.optout })
    }

    /// The attributes to `$select`: the mapped ones, the contact ID, the opt-out carriers and
    /// `modifiedon` (when the contact last changed, for an opt-out changed on both sides).
    fn select(&self) -> String {
        let mut out = vec!["contactid".to_owned(), "modifiedon".to_owned()];
        for name in
            self.pairs.iter().map(|p| p.read_as.clone()).chain(opt_out_carriers().into_iter().map(|c| c.attribute))
        {
            if !out.contains(&name) {
                out.push(name);
            }
        }
        out.join(",")
    }

    /// The profile fields the run writes, with their types.
    fn fields(&self) -> Vec<(String, FieldType)> {
        let mut out: Vec<(String, FieldType)> = self.pairs.iter().map(|p| (p.field.clone(), p.target)).collect();
        if self.optout {
            out.push((OPT_OUT_FIELD.to_owned(), FieldType::Boolean));
        }
        out
    }

    /// The profile values for a contact, as Campaign's field types expect them.
    fn values(&self, contact: &Value) -> std::result::Result<Map<String, Value>, Text> {
        let mut out = values_of(&self.pairs, contact, |p, raw| {
            msg!(
                "campaign-run-value-unfit",
                attribute = p.attribute.as_str(),
                field = p.field.as_str(),
                value = raw.to_string()
            )
        })?;
        if self.optout {
            out.insert(OPT_OUT_FIELD.to_owned(), Value::Bool(refuses(contact, |_| true)));
        }
        Ok(out)
    }

    /// The hash of a profile's values for the fields the run writes, each in its comparable form.
    fn hash(&self, profile: &Map<String, Value>) -> String {
        let canonical: BTreeMap<String, Value> = self
            .fields()
            .into_iter()
            .map(|(f, t)| (f.clone(), canon(t, profile.get(&f).unwrap_or(&Value::Null))))
            .collect();
        let mut h = Sha256::new();
        h.update(serde_json::to_string(&canonical).unwrap_or_default().as_bytes());
        h.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// Whether any of the contact's opt-out carriers that `which` takes refuses email.
fn refuses(contact: &Value, which: impl Fn(&OptOutCarrier) -> bool) -> bool {
    opt_out_carriers().iter().filter(|c| which(c)).any(|c| contact[c.attribute.as_str()].as_bool() == Some(true))
}

/// Whether a profile refuses email (`blackListEmail`).
fn profile_refuses(profile: &Map<String, Value>) -> bool {
    canon(FieldType::Boolean, profile.get(OPT_OUT_FIELD).unwrap_or(&Value::Null)) == Value::Bool(true)
}

/// Reads Campaign's (`2026-01-31 12:00:00.000Z`) and Dataverse's (`2026-01-31T12:00:00Z`) times.
fn parse_time(text: &str) -> Option<time::OffsetDateTime> {
    let text = text.trim();
    if text.len() < 19 {
        return None;
    }
    let iso = format!("{}T{}", &text[..10], &text[11..]);
    time::OffsetDateTime::parse(&iso, &time::format_description::well_known::Rfc3339).ok()
}

fn campaign_time(at: time::OffsetDateTime) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}.{:03}Z",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second(),
        at.millisecond()
    )
}

fn text_of(raw: &Value) -> Option<String> {
    match raw {
        Value::Null => Some(String::new()),
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A contact value converted to what the profile field's type expects; `None` when it cannot be.
fn convert(raw: &Value, formatted: Option<&str>, source: FieldType, target: FieldType) -> Option<Value> {
    use FieldType::*;
    match (source, target) {
        (Choice, Text | Choice) => match (raw, formatted) {
            (Value::Null, _) => Some(Value::String(String::new())),
            (_, Some(label)) => Some(Value::String(label.to_owned())),
            _ => text_of(raw).map(Value::String),
        },
        (_, Text) => text_of(raw).map(Value::String),
        (_, Number) => match raw {
            Value::Null => Some(Value::Null),
            Value::Number(_) => Some(raw.clone()),
            Value::String(s) => s.trim().parse::<f64>().ok().and_then(serde_json::Number::from_f64).map(Value::Number),
            _ => None,
        },
        (_, Boolean) => match raw {
            Value::Null => Some(Value::Bool(false)),
            Value::Bool(_) => Some(raw.clone()),
            _ => None,
        },
        (_, DateTime) => match raw {
            Value::Null => Some(Value::Null),
            Value::String(s) if s.trim().is_empty() => Some(Value::Null),
            Value::String(s) => parse_time(s).map(|t| Value::String(campaign_time(t))),
            _ => None,
        },
        (_, Date) => match raw {
            Value::Null => Some(Value::Null),
            Value::String(s) if s.trim().is_empty() => Some(Value::Null),
            Value::String(s) if s.len() == 10 => Some(Value::String(s.clone())),
            Value::String(s) => parse_time(s).map(|t| Value::String(campaign_time(t)[..10].to_owned())),
            _ => None,
        },
        _ => None,
    }
}

/// A value in the form both sides' versions of it compare equal in: Campaign answers an empty
/// text as `""`, a time in its own format, a number as it stores it.
fn canon(target: FieldType, v: &Value) -> Value {
    use FieldType::*;
    match target {
        Number => match v {
            Value::Number(n) => n.as_f64().map_or(Value::Null, |f| Value::String(f.to_string())),
            Value::String(s) => s.trim().parse::<f64>().map_or(Value::Null, |f| Value::String(f.to_string())),
            _ => Value::Null,
        },
        Boolean => Value::Bool(match v {
            Value::Bool(b) => *b,
            Value::String(s) => s == "true",
            _ => false,
        }),
        DateTime => match v.as_str().and_then(parse_time) {
            Some(t) => Value::String(campaign_time(t)),
            None => Value::Null,
        },
        Date => match v.as_str().map(str::trim) {
            Some(s) if s.len() >= 10 => Value::String(s[..10].to_owned()),
            _ => Value::Null,
        },
        _ => Value::String(text_of(v).unwrap_or_default()),
    }
}

/// The profile's JSON object, whatever the answer's shape (bare, or in `content`).
fn profile_object(v: &Value) -> Option<Map<String, Value>> {
    match v {
        Value::Object(m) if m.contains_key("PKey") => Some(m.clone()),
        _ => v["content"].as_array().and_then(|c| c.first()).and_then(|p| p.as_object().cloned()),
    }
}

fn email_key(email: &str) -> Option<String> {
    Some(email.trim().to_lowercase()).filter(|e| e.contains('@'))
}

/// Whether a row of a tracked read is a removed row: `{"@removed": …}` (OData 4.01) or
/// Dataverse's `$deletedEntity` (`{"id": …, "reason": "deleted"}`). Its ID (`id_attribute`'s
/// value: `contactid` for contacts).
fn removed(row: &Value, id_attribute: &str) -> Option<String> {
    let deleted = row.get("@removed").is_some()
        || row["@odata.context"].as_str().is_some_and(|c| c.ends_with("$deletedEntity"))
        || (row["reason"].is_string() && row.get(id_attribute).is_none());
    if !deleted {
        return None;
    }
    row["id"].as_str().or(row[id_attribute].as_str()).map(str::to_owned)
}

/// Whether an error concerns one record only (a value Campaign refused), so the run goes on.
fn per_record(err: &Error) -> bool {
    let status = err.details.as_ref().and_then(|d| d["http_status"].as_u64()).unwrap_or(0);
    matches!(err.code, ErrorCode::BadResponse | ErrorCode::NotFound) && (400..500).contains(&status) && status != 401
}

/// The first record a custom filter (`filter`: `byX?param`) of `resource` lists for `value`
/// that holds `value` in `field` exactly.
pub(super) async fn find_by(
    campaign: &CampaignClient,
    resource: &str,
    filter: &str,
    field: &str,
    value: &str,
) -> Result<Option<Map<String, Value>>> {
    let path =
        format!("{resource}/{filter}={}", url::form_urlencoded::byte_serialize(value.as_bytes()).collect::<String>());
    let page = campaign.get(&path).await?;
    Ok(page["content"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|r| r[field].as_str() == Some(value))
        .find_map(|r| r.as_object().cloned()))
}

/// The newest run's `columns`, and whether its process still beats (a heartbeat within
/// [`HEARTBEAT_STALE_SECS`]).
pub(super) fn newest_run(columns: &str) -> String {
    format!(
        "SELECT {columns},
                coalesce(heartbeat_at > strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '-{HEARTBEAT_STALE_SECS} seconds'), 0)
           FROM campaign_runs ORDER BY started_at DESC, rowid DESC LIMIT 1"
    )
}

/// How a create of one Campaign record ended.
enum Created {
    /// Made, with this PKey (answered, or found by the lookup after an unknown outcome).
    At(String),
    /// Made, but the answer named no PKey.
    Unplaced,
    /// Refused for this record; the run goes on.
    Refused(Error),
}

/// POSTs `body` to `path` to create one record (`what`, for the log). An answer whose outcome is
/// unknown (a timeout, a cut connection) is settled by `lookup` (the record found by the key
/// written with it), and the POST is sent again only when nothing was made, up to three times.
async fn create_once<F, Fut>(
    campaign: &CampaignClient,
    path: &str,
    body: &Value,
    what: &str,
    lookup: F,
) -> Result<Created>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Result<Option<String>>>,
{
    let mut unknown_outcomes = 0;
    loop {
        match campaign.post(path, body).await {
            Ok(created) => {
                return Ok(profile_object(&created)
                    .and_then(|p| p["PKey"].as_str().map(str::to_owned))
                    .map_or(Created::Unplaced, Created::At));
            }
            Err(e) if crate::http::is_uncertain(&e) && unknown_outcomes < 3 => {
                unknown_outcomes += 1;
                tracing::info!("a {what} create's outcome is unknown; settling it by lookup: {}", e.chain());
                if let Some(pkey) = lookup().await? {
                    return Ok(Created::At(pkey));
                }
                // Not created: sending it again creates it once.
            }
            Err(e) if per_record(&e) => return Ok(Created::Refused(e)),
            Err(e) => return Err(e),
        }
    }
}

/// An interrupted run to continue, or a new one. Refuses while another live run holds it.
fn begin(store: &Store, link: &CampaignLink, full: bool) -> Result<(String, Checkpoint, bool)> {
    store.write(|tx| {
        let newest: Option<(String, String, Option<String>, bool)> = tx
            .query_row(&newest_run("id, state, checkpoint"), [], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .optional()?;
        if let Some((id, state, checkpoint, live)) = newest
            && state != "succeeded"
        {
            if state == "running" && live && !crate::runs::owner_gone(checkpoint.as_deref()) {
                return Err(Error::new(ErrorCode::Conflict, msg!("campaign-run-already-running")));
            }
            let mut cp: Checkpoint =
                checkpoint.as_deref().and_then(|c| serde_json::from_str(c).ok()).unwrap_or_default();
            if cp.full || !full {
                // This process owns the run from now on; a stalled owner stops at its next write.
                cp.owner = uuid::Uuid::new_v4().to_string();
                cp.process = Some(crate::jobs::ProcessId::this());
                tx.execute(
                    "UPDATE campaign_runs SET state = 'running', checkpoint = ?2, finished_at = NULL, error = NULL,
                            heartbeat_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now') WHERE id = ?1",
                    params![id, serde_json::to_string(&cp)?],
                )?;
                return Ok((id, cp, true));
            }
            // A full run was asked for: the interrupted incremental one ends here.
            tx.execute(
                "UPDATE campaign_runs SET state = 'cancelled', finished_at = coalesce(finished_at, ?2) WHERE id = ?1",
                params![id, now()],
            )?;
        }
        tx.execute("DELETE FROM campaign_profile_scan", [])?;
        let id = uuid::Uuid::new_v4().to_string();
        let full = full || cursor(tx, &delta_cursor(link))?.is_none();
        let known: bool = tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM campaign_profiles WHERE campaign_connection = ?1)",
            [&link.campaign_connection],
            |r| r.get(0),
        )?;
        let cp = Checkpoint {
            owner: uuid::Uuid::new_v4().to_string(),
            process: Some(crate::jobs::ProcessId::this()),
            full,
            // Only a first run learns Campaign's profiles; later ones know theirs.
            phase: if full && !known { CampaignPhase::LearnProfiles } else { CampaignPhase::Contacts },
            edits_from: cursor(tx, &edits_cursor(link))?,
            ..Checkpoint::default()
        };
        tx.execute(
            "INSERT INTO campaign_runs (id, state, full, started_at, checkpoint, heartbeat_at)
             VALUES (?1, 'running', ?2, ?3, ?4, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))",
            params![id, full, now(), serde_json::to_string(&cp)?],
        )?;
        let actor = crate::members::admin::acting_admin_in(tx)?.map(|a| a.id);
        crate::audit::record(
            tx,
            actor.as_deref(),
            "campaign.run_started",
            Some(&id),
            serde_json::json!({ "full": full }),
        )?;
        Ok((id, cp, false))
    })
}

/// Writes the checkpoint and counts if this process still owns the run.
fn save(conn: &Connection, run_id: &str, cp: &Checkpoint, state: &str) -> Result<()> {
    let written = conn.execute(
        "UPDATE campaign_runs SET checkpoint = ?2, counts = ?3, state = ?4, heartbeat_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')
          WHERE id = ?1 AND coalesce(json_extract(checkpoint, '$.owner'), '') = ?5",
        params![run_id, serde_json::to_string(cp)?, serde_json::to_string(&cp.counts)?, state, cp.owner],
    )?;
    if written == 0 {
        return Err(Error::new(ErrorCode::Conflict, msg!("run-taken-over")));
    }
    Ok(())
}

/// A profile as the run found it: its PKey and the values Campaign holds now.
struct Found {
    pkey: String,
    profile: Map<String, Value>,
}

struct Ctx<'a> {
    conn: Connection,
    link: CampaignLink,
    plan: Plan,
    dataverse: DataverseClient<'a>,
    campaign: CampaignClient,
    options: CampaignRunOptions,
    run_id: String,
    cp: Checkpoint,
    control: &'a Control,
    progress: &'a (dyn Fn(&CampaignProgress) + Send + Sync),
    calls0: u64,
    calls_base: u64,
    stored_errors: u64,
    /// The workspace's language: what the activities written to Dynamics 365 are worded in.
    lang: Lang,
}

/// Writes Dynamics 365 contacts to Adobe Campaign profiles (or continues an interrupted run),
/// reporting progress; `control` cancels at the next contact, keeping the checkpoint.
pub async fn run(
    ws: &Workspace,
    vault: &Vault,
    options: CampaignRunOptions,
    control: &Control,
    progress: &(dyn Fn(&CampaignProgress) + Send + Sync),
) -> Result<CampaignReport> {
    let started = Instant::now();
    let link = link(ws.store())?.ok_or_else(|| Error::new(ErrorCode::Conflict, msg!("campaign-link-not-set-up")))?;
    check_usable(ws.store(), &link.dynamics_connection)?;
    let dataverse = DataverseClient::load(ws, vault, &link.dynamics_connection)?;
    dataverse.require_session()?;
    let campaign = CampaignClient::load(ws, vault, &link.campaign_connection)?;
    let calls0 = dataverse.calls() + campaign.calls();
    // Both systems' metadata now: a field removed since the mapping was saved stops the run here.
    let metadata = read_metadata(&dataverse, &campaign).await?;
    let plan = Plan::new(&link, &metadata)?;
    let (run_id, cp, resumed) = begin(ws.store(), &link, options.full)?;
    // On its own timer, so a call waiting out a 429's `Retry-After` never looks dead.
    let _heartbeat = Heartbeat::beating(
        ws.store().clone(),
        run_id.clone(),
        HEARTBEAT_EVERY,
        "UPDATE campaign_runs SET heartbeat_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')
          WHERE id = ?1 AND state = 'running'",
    );
    let conn = ws.store().connect()?;
    let stored_errors: u64 =
        conn.query_row("SELECT count(*) FROM campaign_record_errors WHERE run_id = ?1", [&run_id], |r| r.get(0))?;
    let calls_base = cp.counts.calls;
    let mut ctx = Ctx {
        conn,
        link,
        plan,
        dataverse,
        campaign,
        options,
        run_id: run_id.clone(),
        cp,
        control,
        progress,
        calls0,
        calls_base,
        stored_errors,
        lang: crate::settings::language(ws.store()),
    };
    let outcome = ctx.drive().await;
    ctx.count_calls();
    ctx.cp.seconds += started.elapsed().as_secs_f64();
    let state = match &outcome {
        Ok(()) if ctx.cp.phase != CampaignPhase::Done => RunState::Cancelled,
        Ok(()) => RunState::Succeeded,
        Err(_) => RunState::Failed,
    };
    ctx.finish(state, outcome.as_ref().err())?;
    ctx.emit();
    outcome?;
    Ok(CampaignReport { run_id, state, full: ctx.cp.full, counts: ctx.cp.counts, seconds: ctx.cp.seconds, resumed })
}

impl Ctx<'_> {
    async fn drive(&mut self) -> Result<()> {
        self.settle_creates().await?;
        if self.cp.edits_to.is_none() {
            // Campaign's newest change as the run starts: the next run looks for edits from here.
            // With no profile yet, every profile is newer than this: the next run looks at all.
            let newest = self.newest_change().await?.unwrap_or_else(|| "1970-01-01 00:00:00.000Z".to_owned());
            self.cp.edits_to = Some(newest);
            self.checkpoint()?;
        }
        while self.cp.phase != CampaignPhase::Done {
            if self.control.cancelled() {
                return Ok(());
            }
            self.emit();
            let finished = match self.cp.phase {
                CampaignPhase::LearnProfiles => self.learn().await?,
                CampaignPhase::Contacts => self.contacts().await?,
                CampaignPhase::CampaignEdits => self.campaign_edits().await?,
                CampaignPhase::Entities => self.entities().await?,
                CampaignPhase::Events => self.events().await?,
                CampaignPhase::Done => true,
            };
            if !finished {
                return Ok(());
            }
            self.cp.phase = match self.cp.phase {
                CampaignPhase::LearnProfiles => CampaignPhase::Contacts,
                // A full run compared every contact with Campaign's values already.
                CampaignPhase::Contacts if self.cp.full => CampaignPhase::Entities,
                CampaignPhase::Contacts => CampaignPhase::CampaignEdits,
                CampaignPhase::CampaignEdits => CampaignPhase::Entities,
                CampaignPhase::Entities => CampaignPhase::Events,
                _ => CampaignPhase::Done,
            };
            self.cp.position = None;
            self.checkpoint()?;
        }
        Ok(())
    }

    fn count_calls(&mut self) {
        self.cp.counts.calls =
            self.calls_base + (self.dataverse.calls() + self.campaign.calls()).saturating_sub(self.calls0);
    }

    fn checkpoint(&mut self) -> Result<()> {
        self.count_calls();
        save(&self.conn, &self.run_id, &self.cp, "running")
    }

    fn emit(&self) {
        (self.progress)(&CampaignProgress {
            run_id: self.run_id.clone(),
            phase: self.cp.phase,
            counts: self.cp.counts,
        });
    }

    /// `lastModified` of Campaign's most recently changed profile.
    async fn newest_change(&self) -> Result<Option<String>> {
        let page = self.campaign.get(&format!("{PROFILES}?_order=lastModified%20desc&_lineCount=1")).await?;
        Ok(page["content"][0]["lastModified"].as_str().map(str::to_owned))
    }

    async fn campaign_page(&self, position: &str) -> Result<Value> {
        if position.starts_with("http") {
            self.campaign.get_url(position).await
        } else {
            self.campaign.get(position).await
        }
    }

    /// First run: lists Campaign's profiles page by page into the scan table, so contacts are
    /// matched to the profiles that exist before anything is created.
    async fn learn(&mut self) -> Result<bool> {
        let size = self.options.campaign_page_size.clamp(1, 1000);
        let mut position = self.cp.position.clone().unwrap_or_else(|| format!("{PROFILES}?_lineCount={size}"));
        loop {
            let page = self.campaign_page(&position).await?;
            let next = page["next"]["href"].as_str().map(str::to_owned);
            self.cp.position = next.clone();
            self.count_calls();
            let tx = self.conn.unchecked_transaction()?;
            {
                let mut insert = tx.prepare_cached(
                    "INSERT OR REPLACE INTO campaign_profile_scan (run_id, pkey, crm_id, email_key, profile)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                )?;
                for p in page["content"].as_array().into_iter().flatten() {
                    let Some(pkey) = p["PKey"].as_str() else { continue };
                    let crm = p[KEY_FIELD].as_str().map(str::trim).filter(|c| !c.is_empty());
                    let email = p["email"].as_str().and_then(email_key);
                    insert.execute(params![self.run_id, pkey, crm, email, p.to_string()])?;
                }
            }
            save(&tx, &self.run_id, &self.cp, "running")?;
            tx.commit()?;
            self.emit();
            if self.control.cancelled() {
                return Ok(false);
            }
            match next {
                Some(n) => position = n,
                None => break,
            }
        }
        self.cp.learned = true;
        Ok(true)
    }

    /// One page of a tracked read at `position`, checkpointed as the page being processed. A
    /// delta token that expired moves `position` to `whole` (every row) and answers `None`;
    /// change tracking turned off stops the run with `tracking_off`.
    async fn tracked_page(
        &mut self,
        position: &mut String,
        whole: &str,
        prefer: &str,
        tracking_off: Text,
    ) -> Result<Option<Value>> {
        let page = match self.dataverse.get_url(position, &[prefer]).await {
            Ok(p) => p,
            Err(e) if dataverse_code(&e) == Some(TRACKING_OFF) => {
                return Err(Error::new(ErrorCode::Conflict, tracking_off).caused_by(e));
            }
            Err(e) if dataverse_code(&e) == Some(TOKEN_EXPIRED) && position != whole => {
                tracing::info!("a delta token expired; reading every row again: {}", e.chain());
                *position = whole.to_owned();
                return Ok(None);
            }
            Err(e) => return Err(e),
        };
        self.cp.position = Some(position.clone());
        self.checkpoint()?;
        Ok(Some(page))
    }

    /// The `Prefer` of a tracked read: the page size, change tracking and the choices' labels.
    fn tracked_prefer(&self) -> String {
        let size = self.options.dynamics_page_size.clamp(1, 5000);
        format!(
            "odata.maxpagesize={size},odata.track-changes,odata.include-annotations=\"OData.Community.Display.V1.FormattedValue\""
        )
    }

    /// Where a tracked read starts: the page a continued run stopped in, every row (`whole`) when
    /// `full`, else the delta link kept as `cursor_name` (every row without one).
    fn tracked_start(&self, whole: &str, full: bool, cursor_name: &str) -> Result<String> {
        Ok(match self.cp.position.clone() {
            Some(p) => p,
            None if full => whole.to_owned(),
            None => cursor(&self.conn, cursor_name)?.unwrap_or_else(|| whole.to_owned()),
        })
    }

    /// Dynamics contacts: the whole read or the delta, each page processed contact by contact
    /// and then checkpointed with the next link.
    async fn contacts(&mut self) -> Result<bool> {
        let prefer = self.tracked_prefer();
        let whole = format!("{}/api/data/v9.2/contacts?$select={}", self.dataverse.org_url(), self.plan.select());
        let mut position = self.tracked_start(&whole, self.cp.full, &delta_cursor(&self.link))?;
        loop {
            let tracking_off = msg!("campaign-run-tracking-off");
            let Some(page) = self.tracked_page(&mut position, &whole, &prefer, tracking_off).await? else {
                self.cp.full = true;
                continue;
            };
            for row in page["value"].as_array().into_iter().flatten() {
                if let Some(id) = removed(row, "contactid") {
                    self.forget(&id)?;
                } else {
                    self.contact(row, None).await?;
                }
                if self.control.cancelled() {
                    // The page is read again by the run that continues this one.
                    self.checkpoint()?;
                    return Ok(false);
                }
            }
            if let Some(delta) = page["@odata.deltaLink"].as_str() {
                self.cp.delta = Some(delta.to_owned());
            }
            let next = page["@odata.nextLink"].as_str().map(str::to_owned);
            self.cp.position = next.clone();
            self.checkpoint()?;
            self.emit();
            match next {
                Some(n) => position = n,
                None => return Ok(true),
            }
        }
    }

    /// Profiles changed in Campaign since the last run: one whose mapped values no longer hash
    /// to what Liaison wrote was edited there; its contact is read and written back.
    async fn campaign_edits(&mut self) -> Result<bool> {
        let Some(from) = self.cp.edits_from.as_deref().and_then(parse_time) else { return Ok(true) };
        let size = self.options.campaign_page_size.clamp(1, 1000);
        let mut position = self
            .cp
            .position
            .clone()
            .unwrap_or_else(|| format!("{PROFILES}?_order=lastModified%20desc&_lineCount={size}"));
        loop {
            let page = self.campaign_page(&position).await?;
            self.cp.position = Some(position.clone());
            let mut older = false;
            for p in page["content"].as_array().into_iter().flatten() {
                if p["lastModified"].as_str().and_then(parse_time).is_some_and(|at| at < from) {
                    older = true;
                    break;
                }
                let (Some(profile), Some(contact_id)) = (p.as_object(), p[KEY_FIELD].as_str()) else { continue };
                let Some((pkey, hash)) = self.stored(contact_id)? else { continue };
                if pkey.as_deref() != p["PKey"].as_str()
                    || (hash == self.plan.hash(profile) && !self.optout_moved(contact_id, profile)?)
                {
                    continue;
                }
                let path = format!("contacts({contact_id})?$select={}", self.plan.select());
                match self.dataverse.get(&path, &[]).await {
                    Ok(contact) => {
                        let found = Found { pkey: pkey.unwrap_or_default(), profile: profile.clone() };
                        self.contact(&contact, Some(found)).await?;
                    }
                    // Deleted in Dynamics since: the next delta reports it.
                    Err(e) if e.code == ErrorCode::NotFound => {}
                    Err(e) => return Err(e),
                }
                if self.control.cancelled() {
                    self.checkpoint()?;
                    return Ok(false);
                }
            }
            let next = page["next"]["href"].as_str().map(str::to_owned).filter(|_| !older);
            self.cp.position = next.clone();
            self.checkpoint()?;
            match next {
                Some(n) => position = n,
                None => return Ok(true),
            }
        }
    }

    /// Whether a profile's opt-out is not what was remembered for it (with none remembered, a
    /// refusal), when Campaign's opt-out may travel to Dynamics.
    fn optout_moved(&self, contact_id: &str, profile: &Map<String, Value>) -> Result<bool> {
        if self.plan.direction == OptOutDirection::DynamicsToCampaign {
            return Ok(false);
        }
        let seen = optout::seen(&self.conn, &self.link.campaign_connection, contact_id)?;
        Ok(seen.campaign.unwrap_or(false) != profile_refuses(profile))
    }

    /// The stored PKey (`None` while a create is unsettled) and hash of a contact's profile.
    fn stored(&self, contact_id: &str) -> Result<Option<(Option<String>, String)>> {
        Ok(self
            .conn
            .query_row(
                "SELECT pkey, values_hash FROM campaign_profiles WHERE campaign_connection = ?1 AND contact_id = ?2",
                params![self.link.campaign_connection, contact_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?)
    }

    fn remember(&self, contact_id: &str, pkey: Option<&str>, hash: &str) -> Result<()> {
        self.conn.execute(
            "INSERT INTO campaign_profiles (campaign_connection, contact_id, pkey, values_hash, written_at)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (campaign_connection, contact_id) DO UPDATE SET pkey = excluded.pkey,
               values_hash = excluded.values_hash, written_at = excluded.written_at",
            params![self.link.campaign_connection, contact_id, pkey, hash, now()],
        )?;
        Ok(())
    }

    fn unremember(&self, contact_id: &str) -> Result<usize> {
        Ok(self.conn.execute(
            "DELETE FROM campaign_profiles WHERE campaign_connection = ?1 AND contact_id = ?2",
            params![self.link.campaign_connection, contact_id],
        )?)
    }

    /// A contact removed in Dynamics: its profile stays in Campaign; Liaison forgets it.
    fn forget(&mut self, contact_id: &str) -> Result<()> {
        // Counted once: a page read again after a kill finds the row gone.
        if self.unremember(contact_id)? > 0 {
            self.cp.counts.removed_in_dynamics += 1;
        }
        Ok(())
    }

    fn record_error(&mut self, contact_id: &str, code: &str, message: &Text) -> Result<()> {
        self.cp.counts.errors += 1;
        if self.stored_errors < MAX_STORED_ERRORS {
            self.conn.execute(
                "INSERT INTO campaign_record_errors (run_id, contact_id, code, message) VALUES (?1, ?2, ?3, ?4)",
                params![self.run_id, contact_id, code, message.to_stored()],
            )?;
            self.stored_errors += 1;
        }
        Ok(())
    }

    /// The profile of a contact with no stored one: in the listing of a first run, else looked
    /// up by contact ID and then by email (a profile linked to another contact is not taken).
    async fn find(&self, contact_id: &str, email: Option<&str>) -> Result<Option<Found>> {
        let from_scan = |sql: &str, key: &str| -> Result<Option<Found>> {
            let profile: Option<String> =
                self.conn.query_row(sql, params![self.run_id, key], |r| r.get(0)).optional()?;
            Ok(profile
                .and_then(|p| serde_json::from_str::<Value>(&p).ok())
                .and_then(|p| profile_object(&p))
                .map(|profile| Found { pkey: profile["PKey"].as_str().unwrap_or_default().to_owned(), profile }))
        };
        if self.cp.learned {
            if let Some(found) = from_scan(SCAN_BY_CONTACT, contact_id)? {
                return Ok(Some(found));
            }
            let Some(key) = email.and_then(email_key) else { return Ok(None) };
            let found = from_scan(SCAN_BY_EMAIL, &key)?;
            if let Some(f) = &found {
                // Claimed: another contact with the same email does not take this profile too.
                self.conn.execute(
                    "UPDATE campaign_profile_scan SET crm_id = ?3 WHERE run_id = ?1 AND pkey = ?2",
                    params![self.run_id, f.pkey, contact_id],
                )?;
            }
            return Ok(found);
        }
        if let Some(found) = self.by_contact_id(contact_id).await? {
            return Ok(Some(found));
        }
        let Some(key) = email.and_then(email_key) else { return Ok(None) };
        let path = format!(
            "{PROFILES}/byText?text={}&filterType=email&_lineCount=25",
            url::form_urlencoded::byte_serialize(email.unwrap_or_default().trim().as_bytes()).collect::<String>()
        );
        let page = self.campaign.get(&path).await?;
        Ok(page["content"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|p| p["email"].as_str().and_then(email_key).as_deref() == Some(key.as_str()))
            .filter(|p| p[KEY_FIELD].as_str().is_none_or(|c| c.trim().is_empty()))
            .find_map(|p| p.as_object().cloned())
            .map(|profile| Found { pkey: profile["PKey"].as_str().unwrap_or_default().to_owned(), profile }))
    }

    async fn by_contact_id(&self, contact_id: &str) -> Result<Option<Found>> {
        Ok(self
            .find_by(PROFILES, "byCrmContactId?crmContactId", KEY_FIELD, contact_id)
            .await?
            .map(|profile| Found { pkey: profile["PKey"].as_str().unwrap_or_default().to_owned(), profile }))
    }

    /// The first record a custom filter of `resource` lists for `value` ([`find_by`]).
    async fn find_by(
        &self,
        resource: &str,
        filter: &str,
        field: &str,
        value: &str,
    ) -> Result<Option<Map<String, Value>>> {
        find_by(&self.campaign, resource, filter, field, value).await
    }

    /// Creates recorded before a kill whose outcome is unknown: the profile found by contact ID
    /// is kept; otherwise the row goes and the contact, read again, is created once.
    async fn settle_creates(&mut self) -> Result<()> {
        let pending: Vec<(String, String)> = {
            let mut stmt = self.conn.prepare(
                "SELECT contact_id, values_hash FROM campaign_profiles WHERE campaign_connection = ?1 AND pkey IS NULL",
            )?;
            let rows = stmt.query_map([&self.link.campaign_connection], |r| Ok((r.get(0)?, r.get(1)?)))?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        for (contact_id, hash) in pending {
            match self.by_contact_id(&contact_id).await? {
                Some(found) => self.remember(&contact_id, Some(&found.pkey), &hash)?,
                None => {
                    self.unremember(&contact_id)?;
                }
            }
        }
        Ok(())
    }

    /// Writes one contact to its profile: creates it, or PATCHes the fields that differ; the
    /// opt-out travels as the link's direction says (R19, `optout.rs`).
    async fn contact(&mut self, contact: &Value, found: Option<Found>) -> Result<()> {
        let Some(contact_id) = contact["contactid"].as_str().map(str::to_owned) else { return Ok(()) };
        let mut values = match self.plan.values(contact) {
            Ok(v) => v,
            Err(message) => return self.record_error(&contact_id, "value_unfit", &message),
        };
        let stored = self.stored(&contact_id)?;
        let found = match (found, stored.as_ref()) {
            (Some(f), _) => Some(f),
            (None, Some((Some(pkey), _))) => match self.campaign.get(&format!("{PROFILES}/{pkey}")).await {
                Ok(v) => profile_object(&v).map(|profile| Found { pkey: pkey.clone(), profile }),
                // Deleted in Campaign: Dynamics is the source of truth, the contact gets a profile again.
                Err(e) if e.code == ErrorCode::NotFound => {
                    self.unremember(&contact_id)?;
                    None
                }
                Err(e) => return Err(e),
            },
            (None, _) => {
                let email = values.get("email").and_then(Value::as_str).map(str::to_owned);
                self.find(&contact_id, email.as_deref()).await?
            }
        };
        let Some(found) = found else {
            let hash = self.plan.hash(&values);
            return self.create(&contact_id, &values, &hash, refuses(contact, |_| true)).await;
        };
        let seen = optout::seen(&self.conn, &self.link.campaign_connection, &contact_id)?;
        let verdict = optout::decide(self.plan.direction, contact, &found.profile, seen);
        if !self.settle_optout(&contact_id, contact, &found, &verdict).await? {
            return Ok(());
        }
        if self.plan.optout {
            values.insert(OPT_OUT_FIELD.to_owned(), Value::Bool(verdict.campaign));
        }
        let hash = self.plan.hash(&values);
        let differing: Map<String, Value> = self
            .plan
            .fields()
            .into_iter()
            .filter(|(f, t)| canon(*t, found.profile.get(f).unwrap_or(&Value::Null)) != canon(*t, &values[f.as_str()]))
            .map(|(f, _)| (f.clone(), values[f.as_str()].clone()))
            .collect();
        let remember_optouts = |ctx: &Self| {
            let campaign = if ctx.plan.optout { verdict.campaign } else { profile_refuses(&found.profile) };
            optout::remember(&ctx.conn, &ctx.link.campaign_connection, &contact_id, verdict.dynamics_after, campaign)
        };
        if differing.is_empty() {
            self.cp.counts.unchanged += 1;
            if stored.as_ref().is_none_or(|(p, h)| p.as_deref() != Some(found.pkey.as_str()) || *h != hash) {
                self.remember(&contact_id, Some(&found.pkey), &hash)?;
            }
            return remember_optouts(self);
        }
        // Campaign holds something other than what Liaison last wrote: edited in Campaign (an
        // opt-out changed there that stands is not such an edit).
        let mut as_written = found.profile.clone();
        if let (true, Some(before)) = (verdict.campaign_taken, seen.campaign) {
            as_written.insert(OPT_OUT_FIELD.to_owned(), Value::Bool(before));
        }
        let overwrite = stored
            .as_ref()
            .is_some_and(|(p, h)| p.as_deref() == Some(found.pkey.as_str()) && *h != self.plan.hash(&as_written));
        let optout_written = differing.contains_key(OPT_OUT_FIELD) && !verdict.campaign_changed;
        match self.campaign.patch(&format!("{PROFILES}/{}", found.pkey), &Value::Object(differing)).await {
            Ok(_) => {
                self.remember(&contact_id, Some(&found.pkey), &hash)?;
                remember_optouts(self)?;
                self.cp.counts.profiles_updated += 1;
                if overwrite {
                    self.cp.counts.overwritten += 1;
                }
                if optout_written {
                    self.cp.counts.optouts_to_campaign += 1;
                }
                Ok(())
            }
            Err(e) if per_record(&e) => self.record_error(&contact_id, "refused", &e.message),
            Err(e) => Err(e),
        }
    }

    /// Records an opt-out conflict and writes Campaign's opt-out to Dynamics when it wins;
    /// `false` when the contact is gone or Dynamics refused the value (the contact is left).
    async fn settle_optout(
        &mut self,
        contact_id: &str,
        contact: &Value,
        found: &Found,
        verdict: &optout::Verdict,
    ) -> Result<bool> {
        if let Some(winner) = verdict.conflict {
            let conflict = optout::Conflict {
                run_id: &self.run_id,
                contact_id,
                pkey: &found.pkey,
                contact,
                profile: &found.profile,
                winner,
            };
            self.cp.counts.optout_conflicts = optout::record(&self.conn, &conflict)?;
        }
        let Some(refused) = verdict.to_dynamics else { return Ok(true) };
        match self.dataverse.patch(&format!("contacts({contact_id})"), &optout::dynamics_body(refused)).await {
            Ok(()) => {
                self.cp.counts.optouts_to_dynamics += 1;
                Ok(true)
            }
            // Deleted in Dynamics since it was read: the next delta reports it.
            Err(e) if e.code == ErrorCode::NotFound => Ok(false),
            Err(e) if per_record(&e) => {
                self.record_error(contact_id, "optout_refused", &e.message)?;
                Ok(false)
            }
            Err(e) => Err(e),
        }
    }

    /// Creates a contact's profile, recorded first so that an unknown outcome is settled by
    /// lookup and never sent twice.
    async fn create(&mut self, contact_id: &str, values: &Map<String, Value>, hash: &str, refused: bool) -> Result<()> {
        self.remember(contact_id, None, hash)?;
        let body = Value::Object(values.clone());
        let this = &*self;
        let created = create_once(&self.campaign, PROFILES, &body, "profile", || async move {
            Ok(this.by_contact_id(contact_id).await?.map(|found| found.pkey))
        })
        .await?;
        match created {
            Created::At(pkey) => {
                self.remember(contact_id, Some(&pkey), hash)?;
                self.created(contact_id, values, refused)
            }
            // Created, but where is unknown: the next run settles it by contact ID.
            Created::Unplaced => Err(Error::new(ErrorCode::BadResponse, msg!("campaign-run-created-without-pkey"))),
            Created::Refused(e) => {
                self.unremember(contact_id)?;
                self.record_error(contact_id, "refused", &e.message)
            }
        }
    }

    /// Counts a profile created with `values` for a contact that refuses email or not, and
    /// remembers both sides' opt-outs.
    fn created(&mut self, contact_id: &str, values: &Map<String, Value>, refused: bool) -> Result<()> {
        self.cp.counts.profiles_created += 1;
        let in_campaign = values.get(OPT_OUT_FIELD).and_then(Value::as_bool).unwrap_or(false);
        if in_campaign {
            self.cp.counts.optouts_to_campaign += 1;
        }
        optout::remember(&self.conn, &self.link.campaign_connection, contact_id, refused, in_campaign)
    }

    /// Ends the run: its state and counts, and on success the cursors for the next one.
    fn finish(&mut self, state: RunState, error: Option<&Error>) -> Result<()> {
        let state_text = match state {
            RunState::Succeeded => "succeeded",
            RunState::Failed => "failed",
            _ => "cancelled",
        };
        let tx = self.conn.unchecked_transaction()?;
        if state == RunState::Succeeded {
            let cursors = [
                (edits_cursor(&self.link), self.cp.edits_to.clone()),
                (delta_cursor(&self.link), self.cp.delta.clone()),
            ]
            .into_iter()
            .chain(self.cp.entity_deltas.iter().map(|(name, delta)| (name.clone(), Some(delta.clone()))));
            for (name, value) in cursors {
                let Some(value) = value else { continue };
                tx.execute(
                    "INSERT INTO sync_cursors (name, value, updated_at) VALUES (?1, ?2, ?3)
                     ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
                    params![name, value, now()],
                )?;
            }
            tx.execute("DELETE FROM campaign_profile_scan WHERE run_id = ?1", [&self.run_id])?;
        }
        save(&tx, &self.run_id, &self.cp, state_text)?;
        let error = error
            .map(|e| serde_json::json!({ "code": e.code, "message": e.message.to_stored(), "details": e.details }))
            .map(|e| e.to_string());
        tx.execute(
            "UPDATE campaign_runs SET finished_at = ?2, error = ?3 WHERE id = ?1",
            params![self.run_id, now(), error],
        )?;
        let actor = crate::members::admin::acting_admin_in(&tx)?.map(|a| a.id);
        crate::audit::record(
            &tx,
            actor.as_deref(),
            "campaign.run_finished",
            Some(&self.run_id),
            serde_json::json!({ "state": state_text, "counts": self.cp.counts }),
        )?;
        tx.commit()?;
        Ok(())
    }
}

/// The opt-out conflicts listed with each run in the history (all are counted).
const MAX_SHOWN_CONFLICTS: u32 = 100;

/// Campaign runs, newest first, each with its recorded opt-out conflicts.
pub fn history(store: &Store, limit: u32) -> Result<Vec<CampaignRun>> {
    store.read(|c| {
        let mut stmt = c.prepare(
            "SELECT id, state, full, started_at, finished_at, counts, error FROM campaign_runs
              ORDER BY started_at DESC, rowid DESC LIMIT ?1",
        )?;
        let rows = stmt.query_map([limit.clamp(1, 500)], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, bool>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, Option<String>>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, Option<String>>(6)?,
            ))
        })?;
        rows.map(|row| {
            let (id, state, full, started_at, finished_at, counts, error) = row?;
            let optout_conflicts = optout::conflicts_in(c, Some(&id), MAX_SHOWN_CONFLICTS)?;
            Ok(CampaignRun {
                id,
                state: crate::members::parse_enum(&state)?,
                full,
                started_at,
                finished_at,
                counts: serde_json::from_str(&counts).unwrap_or_default(),
                error: error
                    .and_then(|e| serde_json::from_str::<Value>(&e).ok())
                    .and_then(|e| e["message"].as_str().map(Text::from_stored)),
                optout_conflicts,
            })
        })
        .collect()
    })
}

/// A per-contact problem of a run.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct CampaignRecordError {
    pub contact_id: String,
    pub code: String,
    pub message: Text,
}

/// The stored per-contact problems of a run.
pub fn record_errors(store: &Store, run_id: &str, limit: u32) -> Result<Vec<CampaignRecordError>> {
    store.read(|c| {
        let mut stmt = c.prepare(
            "SELECT contact_id, code, message FROM campaign_record_errors WHERE run_id = ?1 ORDER BY id LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![run_id, limit.clamp(1, 10_000)], |r| {
            Ok(CampaignRecordError {
                contact_id: r.get(0)?,
                code: r.get(1)?,
                message: Text::from_stored(&r.get::<_, String>(2)?),
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_listed_profile_is_found_by_contact_id_or_email_through_an_index_not_a_scan() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&crate::Paths::in_dir(dir.path())).unwrap();
        let conn = store.connect().unwrap();
        for sql in [SCAN_BY_CONTACT, SCAN_BY_EMAIL] {
            let plan: Vec<String> = conn
                .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
                .unwrap()
                .query_map(params!["run", "key"], |r| r.get(3))
                .unwrap()
                .collect::<rusqlite::Result<_>>()
                .unwrap();
            assert!(plan.iter().any(|step| step.contains("USING INDEX campaign_profile_scan_")), "{sql}: {plan:?}");
        }
    }

    #[test]
    fn values_are_converted_to_what_the_profile_field_expects() {
        use FieldType::*;
        let v = |raw: Value, s, t| convert(&raw, None, s, t);
        assert_eq!(v(Value::Null, Text, Text), Some(Value::from("")));
        assert_eq!(v(Value::from(42), Number, Text), Some(Value::from("42")));
        assert_eq!(v(Value::from(true), Boolean, Boolean), Some(Value::from(true)));
        assert_eq!(v(Value::from("yes"), Text, Boolean), None);
        assert_eq!(
            v(Value::from("2026-01-31T12:00:00Z"), DateTime, DateTime),
            Some(Value::from("2026-01-31 12:00:00.000Z"))
        );
        assert_eq!(v(Value::from("2026-01-31T23:30:00Z"), DateTime, Date), Some(Value::from("2026-01-31")));
        assert_eq!(convert(&Value::from(2), Some("Preferred"), Choice, Text), Some(Value::from("Preferred")));
    }

    #[test]
    fn campaign_s_echo_of_a_written_value_compares_equal() {
        use FieldType::*;
        assert_eq!(canon(Text, &Value::Null), canon(Text, &Value::from("")));
        assert_eq!(
            canon(DateTime, &Value::from("2026-01-31T12:00:00Z")),
            canon(DateTime, &Value::from("2026-01-31 12:00:00.000Z"))
        );
        assert_eq!(canon(Number, &Value::from(3)), canon(Number, &Value::from(3.0)));
        assert_ne!(canon(Text, &Value::from("a")), canon(Text, &Value::from("b")));
        assert_eq!(canon(Boolean, &Value::Null), Value::Bool(false));
    }

    #[test]
    fn removed_contacts_are_read_in_both_shapes() {
        let dataverse = serde_json::json!({"@odata.context": "x/$metadata#contacts/$deletedEntity", "id": "c1", "reason": "deleted"});
        assert_eq!(removed(&dataverse, "contactid"), Some("c1".into()));
        assert_eq!(
            removed(&serde_json::json!({"@removed": {"reason": "deleted"}, "contactid": "c2"}), "contactid"),
            Some("c2".into())
        );
        assert_eq!(removed(&serde_json::json!({"contactid": "c3", "firstname": "A"}), "contactid"), None);
    }
}
