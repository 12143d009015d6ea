//! Setting the link up: the two connections, checked against seed 004's constraints, the contact
//! mapping and the opt-out direction. Kept as one JSON value in the workspace's settings; every
//! change is audited.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::metadata::{Metadata, compatible, read_metadata};
use crate::connections::access::check_usable;
use crate::connections::campaign::CampaignClient;
use crate::connections::dataverse::DataverseClient;
use crate::connections::{ConnectionKind, list};
use crate::members::admin::require_actor;
use crate::store::{Store, now};
use crate::vault::Vault;
use crate::{Error, ErrorCode, Result, Workspace, audit, msg};

const SETTINGS_KEY: &str = "campaign_link";

/// The profile extension field that holds each profile's Dynamics contact ID, so that a contact
/// whose email changes updates its profile instead of creating a second one.
pub const KEY_FIELD: &str = "cusCrmContactId";

/// Which way opt-outs travel (R19).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum OptOutDirection {
    /// Dynamics 365 decides; Campaign follows.
    #[default]
    DynamicsToCampaign,
    /// Campaign decides (an unsubscribe link, a bounce); Dynamics follows.
    CampaignToDynamics,
    /// Both ways: the most recent change wins and a conflict is recorded.
    Both,
}

impl OptOutDirection {
    /// Reads `dynamics-to-campaign`, `campaign-to-dynamics` or `both`.
    pub fn parse(text: &str) -> Result<Self> {
        match text.trim().to_ascii_lowercase().replace('_', "-").as_str() {
            "dynamics-to-campaign" => Ok(Self::DynamicsToCampaign),
            "campaign-to-dynamics" => Ok(Self::CampaignToDynamics),
            "both" => Ok(Self::Both),
            other => Err(Error::invalid_input(msg!("campaign-link-optout-unknown", value = other))),
        }
    }
}

/// A pair of attributes that carry an opt-out, and which way each may travel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct OptOutCarrier {
    /// The contact attribute (`donotbulkemail`).
    pub attribute: String,
    /// The profile field (`blackListEmail`).
    pub field: String,
    /// Whether a change in Campaign is written back to this attribute (the marketing opt-out is;
    /// "do not email at all" is a sales decision, only read).
    pub to_dynamics: bool,
}

/// The attributes that carry an opt-out (attribute, field, written back): Dynamics's bulk-email
/// and any-email refusals both stop Campaign's email (`blackListEmail`); an opt-out made in
/// Campaign becomes a bulk-email refusal.
const OPT_OUT_CARRIERS: [(&str, &str, bool); 2] =
    [("donotbulkemail", "blackListEmail", true), ("donotemail", "blackListEmail", false)];

/// The attributes that carry an opt-out, as [`OPT_OUT_CARRIERS`] lists them.
pub fn opt_out_carriers() -> Vec<OptOutCarrier> {
    OPT_OUT_CARRIERS
        .iter()
        .map(|(attribute, field, to_dynamics)| OptOutCarrier {
            attribute: (*attribute).to_owned(),
            field: (*field).to_owned(),
            to_dynamics: *to_dynamics,
        })
        .collect()
}

/// One contact attribute delivered to one profile field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct FieldPair {
    /// The contact attribute's logical name.
    pub attribute: String,
    /// The profile field's API name.
    pub field: String,
}

impl FieldPair {
    fn new(attribute: &str, field: &str) -> Self {
        Self { attribute: attribute.to_owned(), field: field.to_owned() }
    }

    /// Reads `attribute=field`.
    pub fn parse(text: &str) -> Result<Self> {
        match text.split_once('=') {
            Some((a, f)) if !a.trim().is_empty() && !f.trim().is_empty() => Ok(Self::new(a.trim(), f.trim())),
            _ => Err(Error::invalid_input(msg!("campaign-link-pair-malformed", value = text))),
        }
    }
}

/// The link as it is set up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct CampaignLink {
    pub dynamics_connection: String,
    pub campaign_connection: String,
    pub optout: OptOutDirection,
    /// Contact attributes to profile fields; the contact ID to [`KEY_FIELD`] always first.
    pub contact_fields: Vec<FieldPair>,
    /// Dynamics entity sets written to Campaign custom resources (issue #12); none in a link
    /// saved before custom entities existed.
    #[serde(default)]
    pub entities: Vec<super::entities::EntityMapping>,
    /// Who set it up or last changed it, and when.
    pub changed_by: String,
    pub changed_at: String,
}

/// The default mapping (seed 004): email, first and last name, phone, address; each where both
/// sides have it.
const DEFAULT_FIELDS: [(&str, &str); 6] = [
    ("emailaddress1", "email"),
    ("firstname", "firstName"),
    ("lastname", "lastName"),
    ("telephone1", "phone"),
    ("address1_city", "location_city"),
    ("jobtitle", "cusJobTitle"),
];

/// The link, if it was set up.
pub fn link(store: &Store) -> Result<Option<CampaignLink>> {
    store.read(|c| {
        use rusqlite::OptionalExtension;
        let raw: Option<String> =
            c.query_row("SELECT value FROM settings WHERE key = ?1", [SETTINGS_KEY], |r| r.get(0)).optional()?;
        Ok(raw.map(|r| serde_json::from_str(&r)).transpose()?)
    })
}

/// The two connections, refused unless each is live and of its kind and the admin may use the
/// Dynamics one (R13).
fn check_connections(ws: &Workspace, dynamics: &str, campaign: &str) -> Result<()> {
    let connections = list(ws.store())?;
    for (id, kind, name) in
        [(dynamics, ConnectionKind::Dynamics, "Dynamics 365"), (campaign, ConnectionKind::Campaign, "Adobe Campaign")]
    {
        if !connections.iter().any(|c| c.id == id && c.kind == kind) {
            return Err(Error::not_found(msg!("campaign-link-no-connection", system = name, connection = id)));
        }
    }
    check_usable(ws.store(), dynamics)
}

/// Seed 004: Dynamics 365 online. An org that answers as an on-premises server (no online
/// environment, no geography) is refused with what it said.
async fn require_online(dataverse: &DataverseClient<'_>) -> Result<()> {
    let org = dataverse
        .get("RetrieveCurrentOrganization(AccessType=@p)?@p=Microsoft.Dynamics.CRM.EndpointAccessType'Default'", &[])
        .await?;
    let detail = &org["Detail"];
    let text = |key: &str| detail[key].as_str().unwrap_or_default().trim().to_owned();
    if text("EnvironmentId").is_empty() || text("Geo").is_empty() {
        return Err(Error::new(
            ErrorCode::Conflict,
            msg!("campaign-link-on-premises", version = text("OrganizationVersion").as_str()),
        ));
    }
    Ok(())
}

/// Seed 004: Campaign Standard. Its REST API describes the profile resource; another product
/// (Campaign Classic or v8 without the Standard APIs) answers that with an error.
async fn require_standard(campaign: &CampaignClient) -> Result<()> {
    match campaign.get("profileAndServices/resourceType/profile").await {
        Ok(v) if v["content"].is_object() => Ok(()),
        Ok(_) => Err(Error::new(ErrorCode::Conflict, msg!("campaign-link-not-standard", reason = "—"))),
        Err(err) => {
            Err(Error::new(ErrorCode::Conflict, msg!("campaign-link-not-standard", reason = err.message.clone()))
                .caused_by(err))
        }
    }
}

/// Checks `pairs` against both sides' metadata: each attribute exists on the contact, each field
/// on the profile and writable, the types fit, no field is written twice, and the contact ID
/// goes to [`KEY_FIELD`].
fn check_pairs(metadata: &Metadata, pairs: &[FieldPair]) -> Result<()> {
    let key = metadata.field(KEY_FIELD);
    if key.is_none_or(|f| f.read_only || !compatible(super::FieldType::Id, f.field_type)) {
        return Err(Error::new(ErrorCode::Conflict, msg!("campaign-link-no-key-field", field = KEY_FIELD)));
    }
    let mut written = std::collections::BTreeSet::new();
    for pair in pairs {
        let attribute = metadata.attribute(&pair.attribute).ok_or_else(|| {
            Error::invalid_input(msg!("campaign-link-unknown-attribute", attribute = pair.attribute.as_str()))
        })?;
        let field = metadata
            .field(&pair.field)
            .ok_or_else(|| Error::invalid_input(msg!("campaign-link-unknown-field", field = pair.field.as_str())))?;
        if field.read_only {
            return Err(Error::invalid_input(msg!("campaign-link-field-read-only", field = pair.field.as_str())));
        }
        if !compatible(attribute.field_type, field.field_type) {
            return Err(Error::invalid_input(msg!(
                "campaign-link-types-differ",
                attribute = pair.attribute.as_str(),
                attribute_type = attribute.dataverse_type.as_str(),
                field = pair.field.as_str(),
                field_type = field.campaign_type.as_str()
            )));
        }
        if OPT_OUT_CARRIERS.iter().any(|(_, carrier, _)| *carrier == field.name) {
            return Err(Error::invalid_input(msg!("campaign-link-field-carries-optout", field = pair.field.as_str())));
        }
        if !written.insert(pair.field.as_str()) {
            return Err(Error::invalid_input(msg!("campaign-link-field-twice", field = pair.field.as_str())));
        }
    }
    Ok(())
}

/// The mapping with the contact ID first, to [`KEY_FIELD`], whatever `pairs` holds.
fn with_key(pairs: Vec<FieldPair>) -> Vec<FieldPair> {
    let mut out = vec![FieldPair::new("contactid", KEY_FIELD)];
    out.extend(pairs.into_iter().filter(|p| p.field != KEY_FIELD && p.attribute != "contactid"));
    out
}

/// Keeps the link and audits the change as `action`.
pub(super) fn save(ws: &Workspace, link: &CampaignLink, action: &str) -> Result<()> {
    ws.store().write(|tx| {
        let actor = require_actor(tx)?;
        crate::settings::put(tx, SETTINGS_KEY, serde_json::to_string(link)?)?;
        audit::record(tx, Some(&actor.id), action, None, serde_json::to_value(link)?)
    })
}

/// The acting admin's email (refused without one).
pub(super) fn acting_email(ws: &Workspace) -> Result<String> {
    ws.store().read(|c| Ok(require_actor(c)?.email))
}

/// Links the Dynamics 365 connection `dynamics` and the Campaign connection `campaign`: both
/// are checked live (Dynamics online, Campaign Standard, the profile extension field for the
/// contact ID), and the link starts with the default mapping. Setting it up again keeps the
/// mapping where both connections are the same. Audited (`campaign.link_set_up`).
pub async fn setup(
    ws: &Workspace,
    vault: &Vault,
    dynamics: &str,
    campaign: &str,
    optout: OptOutDirection,
) -> Result<CampaignLink> {
    let changed_by = acting_email(ws)?;
    check_connections(ws, dynamics, campaign)?;
    let dataverse = DataverseClient::load(ws, vault, dynamics)?;
    let campaign_client = CampaignClient::load(ws, vault, campaign)?;
    require_online(&dataverse).await?;
    require_standard(&campaign_client).await?;
    let metadata = read_metadata(&dataverse, &campaign_client).await?;
    let kept = link(ws.store())?
        .filter(|l| l.dynamics_connection == dynamics && l.campaign_connection == campaign)
        .map(|l| (l.contact_fields, l.entities));
    let (contact_fields, entities) = match kept {
        Some(kept) => kept,
        None => (
            with_key(
                DEFAULT_FIELDS
                    .iter()
                    .filter(|(a, f)| metadata.attribute(a).is_some() && metadata.field(f).is_some())
                    .map(|(a, f)| FieldPair::new(a, f))
                    .collect(),
            ),
            Vec::new(),
        ),
    };
    check_pairs(&metadata, &contact_fields)?;
    let link = CampaignLink {
        dynamics_connection: dynamics.to_owned(),
        campaign_connection: campaign.to_owned(),
        optout,
        contact_fields,
        entities,
        changed_by,
        changed_at: now(),
    };
    save(ws, &link, "campaign.link_set_up")?;
    Ok(link)
}

/// Both connections' clients for the link as it is set up, each connection checked first.
pub(super) fn current_clients<'a>(
    ws: &'a Workspace,
    vault: &'a Vault,
    current: &CampaignLink,
) -> Result<(DataverseClient<'a>, CampaignClient)> {
    check_connections(ws, &current.dynamics_connection, &current.campaign_connection)?;
    let dataverse = DataverseClient::load(ws, vault, &current.dynamics_connection)?;
    let campaign_client = CampaignClient::load(ws, vault, &current.campaign_connection)?;
    Ok((dataverse, campaign_client))
}

/// Both systems' field metadata for the link as it is set up: what a mapping may name.
pub async fn metadata(ws: &Workspace, vault: &Vault) -> Result<Metadata> {
    let current = link(ws.store())?.ok_or_else(|| Error::new(ErrorCode::Conflict, msg!("campaign-link-not-set-up")))?;
    let (dataverse, campaign_client) = current_clients(ws, vault, &current)?;
    read_metadata(&dataverse, &campaign_client).await
}

/// Replaces the contact mapping with `pairs` (the contact ID to [`KEY_FIELD`] is always kept),
/// each checked against both systems' metadata; the opt-out direction too when given. Audited
/// (`campaign.link_changed`).
pub async fn map_contact(
    ws: &Workspace,
    vault: &Vault,
    pairs: Vec<FieldPair>,
    optout: Option<OptOutDirection>,
) -> Result<CampaignLink> {
    let changed_by = acting_email(ws)?;
    let current = link(ws.store())?.ok_or_else(|| Error::new(ErrorCode::Conflict, msg!("campaign-link-not-set-up")))?;
    let (dataverse, campaign_client) = current_clients(ws, vault, &current)?;
    let metadata = read_metadata(&dataverse, &campaign_client).await?;
    let contact_fields = with_key(pairs);
    check_pairs(&metadata, &contact_fields)?;
    let link = CampaignLink {
        optout: optout.unwrap_or(current.optout),
        contact_fields,
        changed_by,
        changed_at: now(),
        ..current
    };
    save(ws, &link, "campaign.link_changed")?;
    Ok(link)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_opt_out_direction_is_read_as_typed_and_anything_else_is_refused() {
        assert_eq!(OptOutDirection::parse("dynamics-to-campaign").unwrap(), OptOutDirection::DynamicsToCampaign);
        assert_eq!(OptOutDirection::parse("Campaign_to_Dynamics").unwrap(), OptOutDirection::CampaignToDynamics);
        assert_eq!(OptOutDirection::parse("both").unwrap(), OptOutDirection::Both);
        assert_eq!(OptOutDirection::parse("sideways").unwrap_err().code, ErrorCode::InvalidInput);
    }

    #[test]
    fn a_pair_is_attribute_equals_field() {
        assert_eq!(FieldPair::parse(" jobtitle = cusJobTitle ").unwrap(), FieldPair::new("jobtitle", "cusJobTitle"));
        assert!(FieldPair::parse("jobtitle").is_err());
        assert!(FieldPair::parse("=cusJobTitle").is_err());
    }

    #[test]
    fn the_contact_id_always_goes_first_to_the_key_field() {
        let pairs = with_key(vec![FieldPair::new("contactid", "email"), FieldPair::new("firstname", "firstName")]);
        assert_eq!(pairs, vec![FieldPair::new("contactid", KEY_FIELD), FieldPair::new("firstname", "firstName")]);
    }
}
