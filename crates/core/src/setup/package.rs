//! Step 6 verified through Salesforce (R1: "steps that can be verified through an API are
//! verified, not just ticked"): the Tooling API lists the org's installed packages
//! (`InstalledSubscriberPackage`), and the step is done when Marketo Sales Insight is among them
//! at the newest version Liaison knows ([`NEWEST_PACKAGE_VERSION`]). The step is "install **or
//! upgrade**" (seed 000): an older version needs attention, with the link that upgrades it.
//!
//! Reading that list needs "View Setup and Configuration". Without it Salesforce answers as if the
//! object did not exist (`INVALID_TYPE … is not supported`), so that answer, like
//! `INSUFFICIENT_ACCESS`, means "cannot tell": the step is left as it was and the admin confirms
//! the checklist instead.

use serde::Serialize;
use ts_rs::TS;

use super::{SetupOverview, SetupStepKey, StepState, live_connection, overview, set_step};
use crate::connections::salesforce::SalesforceClient;
use crate::members::admin::require_actor;
use crate::vault::Vault;
use crate::{Error, ErrorCode, Result, Workspace, audit, msg};

/// The namespace of the Marketo Sales Insight managed package.
pub const MARKETO_SALES_INSIGHT_NAMESPACE: &str = "mkto_si";

/// The Tooling API query for the installed packages, with each one's version reached through the
/// `SubscriberPackageVersion` relationship.
pub const INSTALLED_PACKAGES_QUERY: &str = "SELECT Id, SubscriberPackage.NamespacePrefix, SubscriberPackage.Name, SubscriberPackageVersion.Id, SubscriberPackageVersion.Name, SubscriberPackageVersion.MajorVersion, SubscriberPackageVersion.MinorVersion, SubscriberPackageVersion.PatchVersion, SubscriberPackageVersion.BuildNumber FROM InstalledSubscriberPackage";

/// A package version number as Salesforce keeps it (`SubscriberPackageVersion.MajorVersion`,
/// `MinorVersion`, `PatchVersion`, `BuildNumber`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
pub struct PackageVersion {
    pub major: u32,
    pub minor: u32,
    pub patch: u32,
    pub build: u32,
}

impl PackageVersion {
    /// Whether this version is older than `other`. Released versions differ in
    /// `major.minor.patch`; the build number only counts the uploads of one version (betas first),
    /// so it is not compared.
    pub fn is_older_than(&self, other: &PackageVersion) -> bool {
        (self.major, self.minor, self.patch) < (other.major, other.minor, other.patch)
    }
}

impl std::fmt::Display for PackageVersion {
    /// `major.minor.patch.build`, the form Salesforce's package tools print.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}.{}.{}", self.major, self.minor, self.patch, self.build)
    }
}

/// The newest Marketo Sales Insight version Liaison knows. An org with an older one gets step 6
/// "needs attention" and the upgrade link. Raise it (with [`NEWEST_PACKAGE_VERSION_ID`]) when
/// Marketo publishes a new version on AppExchange; the sandbox's default installed version and the
/// version its install page offers follow this constant (a test keeps them equal).
pub const NEWEST_PACKAGE_VERSION: PackageVersion = PackageVersion { major: 1, minor: 4362, patch: 0, build: 1 };

/// The `04t…` id of [`NEWEST_PACKAGE_VERSION`], the `p0` of its install link.
///
/// Not verified: this version and its id are the ones the built-in sandbox models (no public
/// source here gave Marketo's current AppExchange values). Before a release they must be set to
/// the published version of Marketo Sales Insight, or the upgrade link leads nowhere in a real
/// org (the README says so under step 6).
pub const NEWEST_PACKAGE_VERSION_ID: &str = "04t5g0104362001SIA";

/// The settings key that keeps step 6's install or upgrade link while the step needs attention.
pub(super) const INSTALL_URL_SETTING: &str = "setup.crm_package.install_url";

/// The standard install link of the newest version on the org's own login host
/// (`{login}/packaging/installPackage.apexp?p0=04t…`): on an org that has the package it upgrades
/// it, on one that has not it installs it. The login host is the one the admin signed in with
/// (production, `test.salesforce.com` for a sandbox org, or a My Domain).
pub fn install_url(login_url: &str) -> String {
    format!("{}/packaging/installPackage.apexp?p0={NEWEST_PACKAGE_VERSION_ID}", login_url.trim_end_matches('/'))
}

/// What the verification found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum PackageOutcome {
    /// The package is installed at the newest version; step 6 is done.
    Installed,
    /// The package is installed at an older version; step 6 needs attention (upgrade it).
    Outdated,
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
    /// The installed version's number, when Salesforce gives one.
    pub version_number: Option<PackageVersion>,
}

/// The result of "Verify in Salesforce" on step 6.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct PackageVerification {
    pub outcome: PackageOutcome,
    /// The Marketo package, when installed.
    pub package: Option<InstalledPackage>,
    /// How many packages the org lists, when it could be read.
    pub packages_listed: Option<u32>,
    /// The newest version Liaison knows.
    pub newest_version: PackageVersion,
    /// The link that installs or upgrades the package, when step 6 needs it (not installed or outdated).
    pub install_url: Option<String>,
    /// The Salesforce user the check ran as.
    pub username: String,
    /// English explanation, for the CLI (the UI words each outcome itself).
    pub message: crate::i18n::Text,
    /// The wizard after the check.
    pub overview: SetupOverview,
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
            let version = &r["SubscriberPackageVersion"];
            let number = |field: &str| version[field].as_u64().and_then(|n| u32::try_from(n).ok());
            let version_number = match (number("MajorVersion"), number("MinorVersion")) {
                (Some(major), Some(minor)) => Some(PackageVersion {
                    major,
                    minor,
                    patch: number("PatchVersion").unwrap_or(0),
                    build: number("BuildNumber").unwrap_or(0),
                }),
                _ => None,
            };
            InstalledPackage {
                namespace: text(&r["SubscriberPackage"]["NamespacePrefix"]).unwrap_or_default(),
                name: text(&r["SubscriberPackage"]["Name"]).unwrap_or_default(),
                version: text(&version["Name"]),
                version_number,
            }
        })
        .collect())
}

/// Looks for the Marketo Sales Insight package in the connected Salesforce org and records the
/// answer on step 6: done (audited) when installed, needs attention when not; unchanged when the
/// user may not read the list, which the caller answers with the checklist.
pub async fn verify_package(ws: &Workspace, vault: &Vault) -> Result<PackageVerification> {
    ws.store().read(|c| require_actor(c).map(|_| ()))?;
    let connection_id = live_connection(ws, "salesforce")?
        .ok_or_else(|| Error::new(ErrorCode::Conflict, msg!("package-salesforce-not-connected")))?;
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
                newest_version: NEWEST_PACKAGE_VERSION,
                install_url: None,
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
    let link = install_url(&settings.login_url);
    let newest = NEWEST_PACKAGE_VERSION.to_string();
    let outdated = found.as_ref().and_then(|p| p.version_number).filter(|v| v.is_older_than(&NEWEST_PACKAGE_VERSION));
    let (outcome, state, detail, action) = match (&found, outdated) {
        (Some(p), Some(installed)) => (
            PackageOutcome::Outdated,
            StepState::NeedsAttention,
            msg!(
                "package-outdated",
                name = &p.name,
                version = installed.to_string(),
                newest = &newest,
                org = &settings.org_id,
                url = &link
            ),
            "setup.step_verification_failed",
        ),
        (Some(p), None) => (
            PackageOutcome::Installed,
            StepState::Done,
            match (p.version_number, p.version.as_deref()) {
                (Some(number), _) => msg!(
                    "package-verified-version",
                    name = &p.name,
                    version = number.to_string(),
                    org = &settings.org_id
                ),
                (None, Some(version)) => {
                    msg!("package-verified-version", name = &p.name, version = version, org = &settings.org_id)
                }
                (None, None) => msg!("package-verified", name = &p.name, org = &settings.org_id),
            },
            "setup.step_verified",
        ),
        (None, _) => (
            PackageOutcome::NotInstalled,
            StepState::NeedsAttention,
            msg!(
                "package-not-installed",
                namespace = MARKETO_SALES_INSIGHT_NAMESPACE,
                org = &settings.org_id,
                listed = listed,
                url = &link
            ),
            "setup.step_verification_failed",
        ),
    };
    let install_url = (state == StepState::NeedsAttention).then_some(link);
    ws.store().write(|tx| {
        let actor = require_actor(tx)?;
        set_step(tx, SetupStepKey::CrmPackage, state, Some(&detail))?;
        match &install_url {
            Some(url) => tx.execute(
                "INSERT INTO settings (key, value) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                rusqlite::params![INSTALL_URL_SETTING, url],
            )?,
            None => tx.execute("DELETE FROM settings WHERE key = ?1", [INSTALL_URL_SETTING])?,
        };
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
                "version_number": found.as_ref().and_then(|p| p.version_number).map(|v| v.to_string()),
                "newest_version": &newest,
                "outdated": outcome == PackageOutcome::Outdated,
                "packages_listed": listed,
            }),
        )
    })?;
    Ok(PackageVerification {
        outcome,
        package: found,
        packages_listed: Some(listed),
        newest_version: NEWEST_PACKAGE_VERSION,
        install_url,
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
    fn versions_compare_by_major_minor_patch_and_print_with_the_build() {
        let v = |major, minor, patch, build| PackageVersion { major, minor, patch, build };
        assert!(v(1, 4100, 9, 9).is_older_than(&v(1, 4362, 0, 1)));
        assert!(v(0, 9999, 0, 1).is_older_than(&v(1, 0, 0, 1)));
        assert!(!v(1, 4362, 0, 1).is_older_than(&v(1, 4362, 0, 7)), "the build number is not compared");
        assert!(!v(2, 0, 0, 1).is_older_than(&NEWEST_PACKAGE_VERSION));
        assert_eq!(v(1, 4362, 0, 1).to_string(), "1.4362.0.1");
    }

    #[test]
    fn the_install_link_is_the_standard_one_on_the_org_login_host() {
        assert_eq!(
            install_url("https://test.salesforce.com/"),
            format!("https://test.salesforce.com/packaging/installPackage.apexp?p0={NEWEST_PACKAGE_VERSION_ID}")
        );
    }

    #[test]
    fn an_answer_without_records_is_a_bad_response() {
        let err = parse_packages(&serde_json::json!({"size": 0})).unwrap_err();
        assert_eq!(err.code, ErrorCode::BadResponse);
    }
}
