//! Seed 000's prerequisites, shown before step 2: Sales Insight Actions must be enabled on the
//! Marketo subscription, and the Marketo ↔ Salesforce sync must be configured. "The wizard checks
//! what it can and asks the rest": Adobe enables Sales Insight Actions on request and no API
//! says whether it did, so the admin confirms it; the sync is checked through the APIs.
//!
//! The sync check samples the Salesforce records changed most recently (up to
//! [`SYNC_SAMPLE`] contacts and as many leads) and asks Marketo for leads carrying their ids
//! (`GET /rest/v1/leads.json?filterType=sfdcContactId|sfdcLeadId`): four calls, whatever the size
//! of either database. Marketo's CRM sync writes those ids on the leads it syncs, so none of them
//! known to Marketo means the sync is not configured (or has not run yet); either system not
//! connected means Liaison cannot tell yet.
//!
//! Each answer is kept in the `settings` table (one JSON value per prerequisite) with who gave
//! it and when, and audited.

use rusqlite::{Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::{StepActor, live_connection};
use crate::connections::marketo::MarketoClient;
use crate::connections::salesforce::SalesforceClient;
use crate::i18n::Text;
use crate::members::admin::require_actor;
use crate::store::{Store, now};
use crate::vault::Vault;
use crate::{Error, Result, Workspace, audit, msg};

/// How many recently changed Salesforce contacts (and, separately, leads) the sync check looks
/// up in Marketo: one page of each, well under Marketo's 300 filter values and 8 KB URI.
pub const SYNC_SAMPLE: usize = 100;

/// The prerequisites of seed 000, in the order the wizard shows them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum PrerequisiteKey {
    /// Sales Insight Actions is enabled on the Marketo subscription (asked).
    SalesInsightActions,
    /// The Marketo ↔ Salesforce sync is configured (checked through the APIs).
    MarketoSalesforceSync,
}

/// How a prerequisite is established.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum PrerequisiteCheck {
    /// The admin confirms it (no API can tell).
    Asked,
    /// Liaison checks it through the connected systems.
    Checked,
}

/// What is known about a prerequisite.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum PrerequisiteState {
    /// Not confirmed or checked yet.
    NotChecked,
    /// Confirmed by the admin, or found by the check.
    Met,
    /// The check found it missing (or the admin said it is not done).
    NotMet,
    /// The check could not tell (a system is not connected yet, or has no records to compare).
    CannotTell,
}

impl PrerequisiteKey {
    /// Both prerequisites, in wizard order.
    pub const ALL: [Self; 2] = [Self::SalesInsightActions, Self::MarketoSalesforceSync];

    /// How the prerequisite is established.
    pub fn check(self) -> PrerequisiteCheck {
        match self {
            Self::SalesInsightActions => PrerequisiteCheck::Asked,
            Self::MarketoSalesforceSync => PrerequisiteCheck::Checked,
        }
    }

    /// An English title, for the CLI (the UI translates by key).
    pub fn title(self) -> &'static str {
        match self {
            Self::SalesInsightActions => "Sales Insight Actions is enabled on the Marketo subscription",
            Self::MarketoSalesforceSync => "The Marketo ↔ Salesforce sync is configured",
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Self::SalesInsightActions => "sales_insight_actions",
            Self::MarketoSalesforceSync => "marketo_salesforce_sync",
        }
    }

    fn setting(self) -> String {
        format!("setup.prerequisite.{}", self.as_str())
    }
}

impl PrerequisiteState {
    /// An English label, for the CLI.
    pub fn label(self) -> &'static str {
        match self {
            Self::NotChecked => "not checked",
            Self::Met => "met",
            Self::NotMet => "not met",
            Self::CannotTell => "cannot tell yet",
        }
    }
}

/// One prerequisite as the wizard shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Prerequisite {
    pub key: PrerequisiteKey,
    pub check: PrerequisiteCheck,
    pub state: PrerequisiteState,
    /// What the last confirmation or check found, for the admin.
    pub detail: Option<Text>,
    pub checked_at: Option<String>,
    /// The admin who confirmed or ran the check.
    pub checked_by: Option<StepActor>,
}

/// What the `settings` table keeps per prerequisite.
#[derive(Serialize, Deserialize)]
struct Stored {
    state: PrerequisiteState,
    detail: Option<String>,
    at: String,
    by: Option<String>,
}

/// The prerequisites with what is known about each.
pub fn prerequisites(store: &Store) -> Result<Vec<Prerequisite>> {
    store.read(read_all)
}

fn read_all(conn: &Connection) -> Result<Vec<Prerequisite>> {
    PrerequisiteKey::ALL
        .iter()
        .map(|&key| {
            let stored: Option<String> = conn
                .query_row("SELECT value FROM settings WHERE key = ?1", [key.setting()], |r| r.get(0))
                .optional()?;
            let Some(stored) = stored.and_then(|s| serde_json::from_str::<Stored>(&s).ok()) else {
                return Ok(Prerequisite {
                    key,
                    check: key.check(),
                    state: PrerequisiteState::NotChecked,
                    detail: None,
                    checked_at: None,
                    checked_by: None,
                });
            };
            let checked_by = match &stored.by {
                Some(id) => conn
                    .query_row("SELECT name, email FROM members WHERE id = ?1", [id], |r| {
                        Ok(StepActor { name: r.get(0)?, email: r.get(1)? })
                    })
                    .optional()?,
                None => None,
            };
            Ok(Prerequisite {
                key,
                check: key.check(),
                state: stored.state,
                detail: stored.detail.as_deref().map(Text::from_stored),
                checked_at: Some(stored.at),
                checked_by,
            })
        })
        .collect()
}

/// Records an answer with the acting admin, and audits it.
fn record(
    ws: &Workspace,
    key: PrerequisiteKey,
    state: PrerequisiteState,
    detail: Text,
    action: &str,
    audit_details: serde_json::Value,
) -> Result<Vec<Prerequisite>> {
    ws.store().write(|tx| {
        let actor = require_actor(tx)?;
        let stored = Stored { state, detail: Some(detail.to_stored()), at: now(), by: Some(actor.id.clone()) };
        let value = serde_json::to_string(&stored).map_err(|e| Error::internal(e.to_string()))?;
        crate::settings::put(tx, &key.setting(), value)?;
        let mut details = audit_details;
        details["state"] = serde_json::json!(state);
        audit::record(tx, Some(&actor.id), action, Some(key.as_str()), details)
    })?;
    prerequisites(ws.store())
}

/// The admin says whether Sales Insight Actions is enabled on the Marketo subscription (Adobe
/// enables it through the account team; no API tells). Recorded with the admin, and audited.
pub fn confirm_sales_insight_actions(ws: &Workspace, enabled: bool) -> Result<Vec<Prerequisite>> {
    let email = ws.store().read(|c| require_actor(c).map(|a| a.email))?;
    let (state, detail) = if enabled {
        (PrerequisiteState::Met, msg!("prerequisite-actions-confirmed", email = &email))
    } else {
        (PrerequisiteState::NotMet, msg!("prerequisite-actions-not-enabled", email = &email))
    };
    record(
        ws,
        PrerequisiteKey::SalesInsightActions,
        state,
        detail,
        "setup.prerequisite_confirmed",
        serde_json::json!({ "enabled": enabled }),
    )
}

/// The ids in a Salesforce query answer's first page.
fn record_ids(answer: &serde_json::Value) -> Result<Vec<String>> {
    let records = answer["records"]
        .as_array()
        .ok_or_else(|| Error::new(crate::ErrorCode::BadResponse, msg!("prerequisite-sync-unreadable")))?;
    Ok(records.iter().filter_map(|r| r["Id"].as_str().map(str::to_owned)).collect())
}

/// How many Marketo leads carry one of `ids` in `field` (`sfdcContactId` or `sfdcLeadId`).
async fn leads_carrying(marketo: &MarketoClient, field: &str, ids: &[String]) -> Result<usize> {
    if ids.is_empty() {
        return Ok(0);
    }
    let values = ids.join(",");
    let fields = format!("id,{field}");
    let answer = marketo
        .get("/rest/v1/leads.json", &[("filterType", field), ("filterValues", &values), ("fields", &fields)])
        .await?;
    let result = answer["result"]
        .as_array()
        .ok_or_else(|| Error::new(crate::ErrorCode::BadResponse, msg!("prerequisite-sync-unreadable")))?;
    Ok(result.iter().filter(|lead| lead[field].as_str().is_some_and(|id| ids.iter().any(|x| x == id))).count())
}

/// Checks through the APIs whether the Marketo ↔ Salesforce sync is configured (see the module
/// documentation), records the answer with the acting admin, and audits it.
pub async fn check_marketo_salesforce_sync(ws: &Workspace, vault: &Vault) -> Result<Vec<Prerequisite>> {
    ws.store().read(|c| require_actor(c).map(|_| ()))?;
    let key = PrerequisiteKey::MarketoSalesforceSync;
    let action = "setup.prerequisite_checked";
    let (Some(marketo_id), Some(salesforce_id)) = (live_connection(ws, "marketo")?, live_connection(ws, "salesforce")?)
    else {
        let marketo = live_connection(ws, "marketo")?.is_some();
        let detail =
            if marketo { msg!("prerequisite-sync-needs-salesforce") } else { msg!("prerequisite-sync-needs-marketo") };
        let details = serde_json::json!({ "method": "api", "marketo_connected": marketo });
        return record(ws, key, PrerequisiteState::CannotTell, detail, action, details);
    };
    let salesforce = SalesforceClient::load(ws, vault, &salesforce_id)?;
    let marketo = MarketoClient::load(ws, vault, &marketo_id)?;
    let sample = |object: &str| format!("SELECT Id FROM {object} ORDER BY LastModifiedDate DESC LIMIT {SYNC_SAMPLE}");
    let contacts = record_ids(&salesforce.query(&sample("Contact"), false).await?)?;
    let leads = record_ids(&salesforce.query(&sample("Lead"), false).await?)?;
    let sampled = contacts.len() + leads.len();
    let matched = leads_carrying(&marketo, "sfdcContactId", &contacts).await?
        + leads_carrying(&marketo, "sfdcLeadId", &leads).await?;
    let (state, detail) = match (sampled, matched) {
        (0, _) => (PrerequisiteState::CannotTell, msg!("prerequisite-sync-no-records")),
        (_, 0) => (PrerequisiteState::NotMet, msg!("prerequisite-sync-not-configured", sampled = sampled)),
        _ => (PrerequisiteState::Met, msg!("prerequisite-sync-configured", matched = matched, sampled = sampled)),
    };
    let details = serde_json::json!({
        "method": "api",
        "marketo_connection_id": marketo_id,
        "salesforce_connection_id": salesforce_id,
        "sampled": sampled,
        "matched": matched,
    });
    record(ws, key, state, detail, action, details)
}
