//! Step 6 verified through Salesforce (R1: "steps that can be verified through an API are
//! verified, not just ticked"): the Tooling API lists the org's installed packages
//! (`InstalledSubscriberPackage`), and the step is done when Marketo Sales Insight is among them.
//!
//! Reading that list needs "View Setup and Configuration". Without it Salesforce answers as if the
//! object did not exist (`INVALID_TYPE … is not supported`), so that answer, like
//! `INSUFFICIENT_ACCESS`, means "cannot tell": the step is left as it was and the admin confirms
//! the checklist instead.

use rusqlite::OptionalExtension;
use serde::Serialize;
use ts_rs::TS;

use super::{SetupOverview, SetupStepKey, StepState, overview, set_step};
use crate::connections::salesforce::SalesforceClient;
use crate::members::admin::require_actor;
use crate::vault::Vault;
use crate::{Error, ErrorCode, Result, Workspace, audit, msg};

/// The namespace of the Marketo Sales Insight managed package.
pub const MARKETO_SALES_INSIGHT_NAMESPACE: &str = "mkto_si";

/// The Tooling API query for the installed packages.
pub const INSTALLED_PACKAGES_QUERY: &str = "SELECT Id, SubscriberPackage.NamespacePrefix, SubscriberPackage.Name, SubscriberPackageVersion.Name FROM InstalledSubscriberPackage";

/// What the verification found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum PackageOutcome {
    /// The package is installed; step 6 is done.
    Installed,
    /// The org lists its packages and the Marketo one is not among them; step 6 needs attention.
    NotInstalled,
    /// The signed-in Salesforce user may not read the installed packages; confirm the checklist.
    AccessDenied,
}

/// An installed package as Salesforce lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct InstalledPackage {
    pub namespace: String,
    pub name: String,
    /// The installed version's name, when Salesforce gives one.
    pub version: Option<String>,
}

/// The result of "Verify in Salesforce" on step 6.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct PackageVerification {
    pub outcome: PackageOutcome,
    /// The Marketo package, when installed.
    pub package: Option<InstalledPackage>,
    /// How many packages the org lists, when it could be read.
    pub packages_listed: Option<u32>,
    /// The Salesforce user the check ran as.
    pub username: String,
    /// English explanation, for the CLI (the UI words each outcome itself).
    pub message: crate::i18n::Text,
    /// The wizard after the check.
    pub overview: SetupOverview,
}

/// The live Salesforce connection of the integration (one at a time, R7; during a handover the
/// older one is still the integration's).
fn salesforce_connection(ws: &Workspace) -> Result<String> {
    ws.store()
        .read(|c| {
            Ok(c.query_row(
                "SELECT id FROM connections WHERE kind = 'salesforce' AND disconnected_at IS NULL
                  ORDER BY created_at, rowid LIMIT 1",
                [],
                |r| r.get::<_, String>(0),
            )
            .optional()?)
        })?
        .ok_or_else(|| Error::new(ErrorCode::Conflict, msg!("package-salesforce-not-connected")))
}

/// Whether a Salesforce error means "this user may not read setup metadata".
fn is_access_denied(err: &Error) -> bool {
    let vendor = err.details.as_ref().and_then(|d| d["error_code"].as_str()).unwrap_or("");
    matches!(vendor, "INVALID_TYPE" | "INSUFFICIENT_ACCESS" | "INSUFFICIENT_ACCESS_OR_READONLY")
}

fn parse_packages(answer: &serde_json::Value) -> Result<Vec<InstalledPackage>> {
    let records = answer["records"]
        .as_array()
        .ok_or_else(|| Error::new(ErrorCode::BadResponse, msg!("package-list-unreadable")))?;
    Ok(records
        .iter()
        .map(|r| {
            let text = |v: &serde_json::Value| v.as_str().map(str::to_owned);
            InstalledPackage {
                namespace: text(&r["SubscriberPackage"]["NamespacePrefix"]).unwrap_or_default(),
                name: text(&r["SubscriberPackage"]["Name"]).unwrap_or_default(),
                version: text(&r["SubscriberPackageVersion"]["Name"]),
            }
        })
        .collect())
}

/// Looks for the Marketo Sales Insight package in the connected Salesforce org and records the
/// answer on step 6: done (audited) when installed, needs attention when not; unchanged when the
/// user may not read the list, which the caller answers with the checklist.
pub async fn verify_package(ws: &Workspace, vault: &Vault) -> Result<PackageVerification> {
    ws.store().read(|c| require_actor(c).map(|_| ()))?;
    let connection_id = salesforce_connection(ws)?;
    let client = SalesforceClient::load(ws, vault, &connection_id)?;
    let settings = client.settings().clone();
    let answer = match client.tooling_query(INSTALLED_PACKAGES_QUERY).await {
        Ok(answer) => answer,
        Err(err) if is_access_denied(&err) => {
            tracing::info!(connection = %connection_id, "the Salesforce user may not list installed packages");
            return Ok(PackageVerification {
                outcome: PackageOutcome::AccessDenied,
                package: None,
                packages_listed: None,
                message: msg!("package-access-denied", username = &settings.username),
                username: settings.username,
                overview: overview(ws.store())?,
            });
        }
        Err(err) => return Err(err),
    };
    let packages = parse_packages(&answer)?;
    let listed = packages.len() as u32;
    let found = packages.into_iter().find(|p| p.namespace.eq_ignore_ascii_case(MARKETO_SALES_INSIGHT_NAMESPACE));
    let (outcome, state, detail, action) = match &found {
        Some(p) => (
            PackageOutcome::Installed,
            StepState::Done,
            match p.version.as_deref() {
                Some(version) => {
                    msg!("package-verified-version", name = &p.name, version = version, org = &settings.org_id)
                }
                None => msg!("package-verified", name = &p.name, org = &settings.org_id),
            },
            "setup.step_verified",
        ),
        None => (
            PackageOutcome::NotInstalled,
            StepState::NeedsAttention,
            msg!(
                "package-not-installed",
                namespace = MARKETO_SALES_INSIGHT_NAMESPACE,
                org = &settings.org_id,
                listed = listed
            ),
            "setup.step_verification_failed",
        ),
    };
    ws.store().write(|tx| {
        let actor = require_actor(tx)?;
        set_step(tx, SetupStepKey::CrmPackage, state, Some(&detail))?;
        audit::record(
            tx,
            Some(&actor.id),
            action,
            Some(&SetupStepKey::CrmPackage.number().to_string()),
            serde_json::json!({
                "method": "salesforce_tooling_api",
                "connection_id": connection_id,
                "org_id": settings.org_id,
                "namespace": MARKETO_SALES_INSIGHT_NAMESPACE,
                "version": found.as_ref().and_then(|p| p.version.clone()),
                "packages_listed": listed,
            }),
        )
    })?;
    Ok(PackageVerification {
        outcome,
        package: found,
        packages_listed: Some(listed),
        username: settings.username,
        message: detail,
        overview: overview(ws.store())?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_type_and_insufficient_access_count_as_denied_but_other_errors_do_not() {
        let with = |code: &str| {
            Error::new(ErrorCode::BadResponse, "x").with_details(serde_json::json!({ "error_code": code }))
        };
        assert!(is_access_denied(&with("INVALID_TYPE")));
        assert!(is_access_denied(&with("INSUFFICIENT_ACCESS")));
        assert!(!is_access_denied(&with("MALFORMED_QUERY")));
        assert!(!is_access_denied(&Error::new(ErrorCode::Unauthorized, "expired")));
    }

    #[test]
    fn an_answer_without_records_is_a_bad_response() {
        let err = parse_packages(&serde_json::json!({"size": 0})).unwrap_err();
        assert_eq!(err.code, ErrorCode::BadResponse);
    }
}
