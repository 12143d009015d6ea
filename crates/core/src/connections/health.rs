//! The health check of a connection: a checklist the admin can act on, run on demand and
//! before every job. Each item says what was checked and, when it fails, what to do.

use serde::Serialize;
use ts_rs::TS;

use super::ConnectionKind;
use super::marketo::MarketoClient;
use super::salesforce::SalesforceClient;
use crate::i18n::Text;
use crate::vault::Vault;
use crate::{Error, Result, Workspace, msg};

/// Marketo's default daily API quota (subscriptions can buy more; `stats/usage` reports use).
pub const MARKETO_DEFAULT_DAILY_QUOTA: u64 = 50_000;

/// One line of the checklist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct HealthItem {
    pub key: String,
    pub ok: bool,
    /// What was found, or what to do about it.
    pub detail: Text,
}

/// The checklist of one connection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct HealthReport {
    pub connection_id: String,
    pub kind: ConnectionKind,
    pub display_name: String,
    pub checked_at: String,
    pub items: Vec<HealthItem>,
}

impl HealthReport {
    /// Whether every item passed.
    pub fn healthy(&self) -> bool {
        self.items.iter().all(|i| i.ok)
    }
}

fn item(key: &str, result: Result<Text>) -> HealthItem {
    match result {
        Ok(detail) => HealthItem { key: key.to_owned(), ok: true, detail },
        Err(err) => HealthItem { key: key.to_owned(), ok: false, detail: err.message },
    }
}

/// Checks one live connection.
pub async fn check(ws: &Workspace, vault: &Vault, connection_id: &str) -> Result<HealthReport> {
    let summary = super::list(ws.store())?
        .into_iter()
        .find(|c| c.id == connection_id)
        .ok_or_else(|| Error::not_found(msg!("health-connection-not-found")))?;
    let items = match summary.kind {
        ConnectionKind::Marketo => marketo(ws, vault, connection_id).await,
        ConnectionKind::Salesforce => salesforce(ws, vault, connection_id).await,
        ConnectionKind::Dynamics => dynamics(ws, vault, connection_id).await,
        ConnectionKind::Campaign => campaign(ws, vault, connection_id).await,
    };
    Ok(HealthReport {
        connection_id: summary.id,
        kind: summary.kind,
        display_name: summary.display_name,
        checked_at: crate::store::now(),
        items,
    })
}

async fn marketo(ws: &Workspace, vault: &Vault, id: &str) -> Vec<HealthItem> {
    let client = match MarketoClient::load(ws, vault, id) {
        Ok(c) => c,
        Err(e) => return vec![item("credentials", Err(e))],
    };
    let describe = client.describe().await;
    let credentials_ok = describe.is_ok();
    let mut items = vec![item(
        "credentials",
        describe.as_ref().map(|_| msg!("health-marketo-credentials-ok")).map_err(Clone::clone),
    )];
    if !credentials_ok {
        return items;
    }
    items.push(item(
        "read_leads",
        describe.map(|fields| msg!("health-marketo-read-leads", fields = fields.len().to_string())),
    ));
    items.push(item(
        "lists",
        client.get("/rest/v1/lists.json", &[("batchSize", "1")]).await.map(|_| msg!("health-marketo-lists")),
    ));
    items.push(item(
        "daily_quota",
        client.calls_today().await.and_then(|used| {
            let left = MARKETO_DEFAULT_DAILY_QUOTA.saturating_sub(used);
            if left == 0 {
                Err(Error::new(
                    crate::ErrorCode::QuotaExceeded,
                    msg!(
                        "health-marketo-quota-reached",
                        used = used.to_string(),
                        quota = MARKETO_DEFAULT_DAILY_QUOTA.to_string()
                    ),
                ))
            } else {
                Ok(msg!(
                    "health-marketo-quota-left",
                    used = used.to_string(),
                    left = left.to_string(),
                    quota = MARKETO_DEFAULT_DAILY_QUOTA.to_string()
                ))
            }
        }),
    ));
    items
}

async fn salesforce(ws: &Workspace, vault: &Vault, id: &str) -> Vec<HealthItem> {
    let client = match SalesforceClient::load(ws, vault, id) {
        Ok(c) => c,
        Err(e) => return vec![item("credentials", Err(e))],
    };
    let limits = client.get("/limits").await;
    let ok = limits.is_ok();
    let mut items = vec![item(
        "credentials",
        limits
            .as_ref()
            .map(|_| msg!("health-salesforce-signed-in-as", username = &client.settings().username))
            .map_err(Clone::clone),
    )];
    if !ok {
        return items;
    }
    for (object, key) in [("Contact", "read_contacts"), ("Lead", "read_leads")] {
        let result = client.get(&format!("/sobjects/{object}/describe")).await.and_then(|d| {
            if d["queryable"].as_bool() == Some(true) {
                let fields = d["fields"].as_array().map_or(0, Vec::len).to_string();
                Ok(msg!("health-salesforce-read-object", object = object, fields = fields))
            } else {
                Err(Error::new(crate::ErrorCode::Forbidden, msg!("health-salesforce-cannot-query", object = object)))
            }
        });
        items.push(item(key, result));
    }
    let task = client.get("/sobjects/Task/describe").await.and_then(|d| {
        if d["createable"].as_bool() == Some(true) {
            Ok(msg!("health-salesforce-tasks-ok"))
        } else {
            Err(Error::new(crate::ErrorCode::Forbidden, msg!("health-salesforce-cannot-create-tasks")))
        }
    });
    items.push(item("create_tasks", task));
    let quota = limits.and_then(|l| {
        let (max, left) = (
            l["DailyApiRequests"]["Max"].as_u64().unwrap_or(0),
            l["DailyApiRequests"]["Remaining"].as_u64().unwrap_or(0),
        );
        if left == 0 {
            Err(Error::new(
                crate::ErrorCode::QuotaExceeded,
                msg!("health-salesforce-quota-used-up", max = max.to_string()),
            ))
        } else {
            Ok(msg!("health-salesforce-quota-left", left = left.to_string(), max = max.to_string()))
        }
    });
    items.push(item("daily_quota", quota));
    items
}

async fn dynamics(ws: &Workspace, vault: &Vault, id: &str) -> Vec<HealthItem> {
    let who = super::dynamics::get(ws, vault, id, "WhoAmI").await;
    let ok = who.is_ok();
    let mut items = vec![item("credentials", who.map(|_| msg!("health-dynamics-credentials-ok")))];
    if !ok {
        return items;
    }
    for (path, key) in
        [("contacts?$select=contactid&$top=1", "read_contacts"), ("lists?$select=listid&$top=1", "read_lists")]
    {
        // `what` selects the noun in `health-dynamics-can-read`.
        let what = if key == "read_contacts" { "contacts" } else { "lists" };
        items.push(item(
            key,
            super::dynamics::get(ws, vault, id, path).await.map(|_| msg!("health-dynamics-can-read", what = what)),
        ));
    }
    items
}

async fn campaign(ws: &Workspace, vault: &Vault, id: &str) -> Vec<HealthItem> {
    let client = ws
        .store()
        .read(|c| {
            Ok(c.query_row("SELECT settings FROM connections WHERE id = ?1 AND kind = 'campaign'", [id], |r| {
                r.get::<_, String>(0)
            })?)
        })
        .and_then(|s| Ok(serde_json::from_str::<super::campaign::CampaignSettings>(&s)?))
        .and_then(|settings| {
            let secret = vault
                .get(&super::campaign::secret_name(id))?
                .ok_or_else(|| Error::new(crate::ErrorCode::Unauthorized, msg!("health-campaign-no-secret")))?;
            super::campaign::CampaignClient::new(settings, secret)
        });
    let client = match client {
        Ok(c) => c,
        Err(e) => return vec![item("credentials", Err(e))],
    };
    let profile = client.get("profileAndServices/profile?_lineCount=1").await;
    let ok = profile.is_ok();
    let mut items = vec![item("credentials", profile.map(|_| msg!("health-campaign-credentials-ok")))];
    if ok {
        items.push(item(
            "read_services",
            client.get("profileAndServices/service?_lineCount=1").await.map(|_| msg!("health-campaign-read-services")),
        ));
    }
    items
}
