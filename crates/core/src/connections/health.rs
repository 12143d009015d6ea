//! The health check of a connection: a checklist the admin can act on, run on demand and
//! before every job. Each item says what was checked and, when it fails, what to do.

use serde::Serialize;
use ts_rs::TS;

use super::ConnectionKind;
use super::marketo::MarketoClient;
use super::salesforce::SalesforceClient;
use crate::vault::Vault;
use crate::{Error, Result, Workspace};

/// Marketo's default daily API quota (subscriptions can buy more; `stats/usage` reports use).
pub const MARKETO_DEFAULT_DAILY_QUOTA: u64 = 50_000;

/// One line of the checklist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct HealthItem {
    pub key: String,
    pub ok: bool,
    /// What was found, or what to do about it.
    pub detail: String,
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

fn item(key: &str, result: Result<String>) -> HealthItem {
    match result {
        Ok(detail) => HealthItem { key: key.to_owned(), ok: true, detail },
        Err(err) => HealthItem { key: key.to_owned(), ok: false, detail: err.message.to_string() },
    }
}

/// Checks one live connection.
pub async fn check(ws: &Workspace, vault: &Vault, connection_id: &str) -> Result<HealthReport> {
    let summary = super::list(ws.store())?
        .into_iter()
        .find(|c| c.id == connection_id)
        .ok_or_else(|| Error::not_found("That connection does not exist or was disconnected."))?;
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
        describe.as_ref().map(|_| "Marketo accepted the client ID and secret.".to_owned()).map_err(Clone::clone),
    )];
    if !credentials_ok {
        return items;
    }
    items.push(item(
        "read_leads",
        describe.map(|fields| format!("Liaison can read the lead database ({} fields).", fields.len())),
    ));
    items.push(item(
        "lists",
        client
            .get("/rest/v1/lists.json", &[("batchSize", "1")])
            .await
            .map(|_| "Liaison can read static lists.".to_owned()),
    ));
    items.push(item(
        "daily_quota",
        client.calls_today().await.and_then(|used| {
            let left = MARKETO_DEFAULT_DAILY_QUOTA.saturating_sub(used);
            if left == 0 {
                Err(Error::new(crate::ErrorCode::QuotaExceeded, format!("{used} API calls were used today: the default daily quota of {MARKETO_DEFAULT_DAILY_QUOTA} is reached. Jobs wait for the reset at midnight US Central time.")))
            } else {
                Ok(format!("{used} API calls used today; about {left} left of the default {MARKETO_DEFAULT_DAILY_QUOTA}. Liaison keeps to 100 calls per 20 seconds and 10 at once."))
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
        limits.as_ref().map(|_| format!("Signed in as {}.", client.settings().username)).map_err(Clone::clone),
    )];
    if !ok {
        return items;
    }
    for (object, key) in [("Contact", "read_contacts"), ("Lead", "read_leads")] {
        let result = client.get(&format!("/sobjects/{object}/describe")).await.and_then(|d| {
            if d["queryable"].as_bool() == Some(true) {
                Ok(format!("Liaison can read {object} records ({} fields).", d["fields"].as_array().map_or(0, Vec::len)))
            } else {
                Err(Error::new(crate::ErrorCode::Forbidden, format!("The signed-in user cannot query {object}. Give them read access to {object} in their profile or a permission set.")))
            }
        });
        items.push(item(key, result));
    }
    let task = client.get("/sobjects/Task/describe").await.and_then(|d| {
        if d["createable"].as_bool() == Some(true) {
            Ok("Liaison can log activities as Tasks.".to_owned())
        } else {
            Err(Error::new(
                crate::ErrorCode::Forbidden,
                "The signed-in user cannot create Tasks, so activities cannot be logged. Grant Create on Task.",
            ))
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
                format!("The org's daily API requests are used up (0 of {max} left)."),
            ))
        } else {
            Ok(format!("{left} of {max} daily API requests left."))
        }
    });
    items.push(item("daily_quota", quota));
    items
}

async fn dynamics(ws: &Workspace, vault: &Vault, id: &str) -> Vec<HealthItem> {
    let who = super::dynamics::get(ws, vault, id, "WhoAmI").await;
    let ok = who.is_ok();
    let mut items = vec![item("credentials", who.map(|_| "Dynamics 365 accepted the sign-in (WhoAmI).".to_owned()))];
    if !ok {
        return items;
    }
    for (path, key, what) in [
        ("contacts?$select=contactid&$top=1", "read_contacts", "contacts"),
        ("lists?$select=listid&$top=1", "read_lists", "marketing lists"),
    ] {
        items.push(item(
            key,
            super::dynamics::get(ws, vault, id, path).await.map(|_| format!("Liaison can read {what}.")),
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
            let secret = vault.get(&super::campaign::secret_name(id))?.ok_or_else(|| {
                Error::new(
                    crate::ErrorCode::Unauthorized,
                    "The Campaign connection has no stored secret. Reconnect Adobe Campaign.",
                )
            })?;
            super::campaign::CampaignClient::new(settings, secret)
        });
    let client = match client {
        Ok(c) => c,
        Err(e) => return vec![item("credentials", Err(e))],
    };
    let profile = client.get("profileAndServices/profile?_lineCount=1").await;
    let ok = profile.is_ok();
    let mut items = vec![item(
        "credentials",
        profile.map(|_| "Adobe IMS and Campaign accepted the credential; profiles can be read.".to_owned()),
    )];
    if ok {
        items.push(item(
            "read_services",
            client
                .get("profileAndServices/service?_lineCount=1")
                .await
                .map(|_| "Liaison can read subscription services.".to_owned()),
        ));
    }
    items
}
