//! Custom entities (seed 004; issue #12): a Dynamics 365 entity set (a custom table such as
//! `lia_productinterests`) mapped to an Adobe Campaign custom resource (`cus…`), with its own
//! field pairs and its link to the profile: the entity's lookup that points at the contact and
//! the resource's link field that points at the profile. Several mappings, one per entity set;
//! each checked against both systems' metadata when it is added or replaced, and again when a run
//! starts. Kept in the link's JSON; every change audited.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use ts_rs::TS;

use super::metadata::{CampaignField, ContactAttribute, FieldType, compatible, fields_of, read_attributes};
use super::setup::{CampaignLink, FieldPair, acting_email, current_clients, link, save};
use crate::connections::campaign::CampaignClient;
use crate::connections::dataverse::{DataverseClient, odata_string};
use crate::store::now;
use crate::vault::Vault;
use crate::{Error, ErrorCode, Result, Workspace, msg};

/// The custom resource's field that holds each record's Dynamics row ID, so that a record is
/// created once and found again (like `cusCrmContactId` for profiles).
pub const ENTITY_KEY_FIELD: &str = "crmId";
/// The custom resource's filter that finds a record by [`ENTITY_KEY_FIELD`]
/// (`GET profileAndServicesExt/<resource>/byCrmId?crmId=…`).
pub const ENTITY_KEY_FILTER: &str = "byCrmId";

/// One Dynamics 365 entity set written to one Campaign custom resource.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct EntityMapping {
    /// The entity set, as the Web API names it (`lia_productinterests`).
    pub entity_set: String,
    /// The entity's logical name (`lia_productinterest`), from `EntityDefinitions`.
    pub entity: String,
    /// The entity's primary ID attribute (`lia_productinterestid`): written to [`ENTITY_KEY_FIELD`].
    pub primary_id: String,
    /// The Campaign custom resource (`cusProductInterest`).
    pub resource: String,
    /// The entity's lookup attribute that points at the contact (`lia_contactid`).
    pub contact_lookup: String,
    /// The resource's link field that points at the profile (`profile`).
    pub profile_link: String,
    /// Entity attributes to resource fields (the row ID and the link are not among them).
    pub fields: Vec<FieldPair>,
}

/// What the admin asks for: the entity set, the resource, the link and the field pairs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct EntityMappingRequest {
    pub entity_set: String,
    pub resource: String,
    /// `lookup` = the entity's lookup to the contact, `field` = the resource's link to the profile.
    pub link: FieldPair,
    pub fields: Vec<FieldPair>,
}

/// Reads `lookup=linkfield`.
pub fn parse_entity_link(text: &str) -> Result<FieldPair> {
    match text.split_once('=') {
        Some((a, f)) if !a.trim().is_empty() && !f.trim().is_empty() => {
            Ok(FieldPair { attribute: a.trim().to_owned(), field: f.trim().to_owned() })
        }
        _ => Err(Error::invalid_input(msg!("campaign-entity-link-malformed", value = text))),
    }
}

/// An entity set or resource name as both APIs spell them: letters, digits and underscores.
fn plain_name(text: &str) -> bool {
    !text.is_empty() && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The Dynamics side of a mapping as `EntityDefinitions` describes it.
pub(super) struct EntitySide {
    pub entity: String,
    pub primary_id: String,
    pub attributes: Vec<ContactAttribute>,
    /// The lookups to a contact.
    pub contact_lookups: Vec<String>,
}

impl EntitySide {
    pub fn attribute(&self, name: &str) -> Option<&ContactAttribute> {
        self.attributes.iter().find(|a| a.name == name)
    }
}

/// The entity behind `set`: refused unless it exists and has change tracking on (the runs read
/// its changes through it).
pub(super) async fn read_entity(dataverse: &DataverseClient<'_>, set: &str) -> Result<EntitySide> {
    if !plain_name(set) {
        return Err(Error::invalid_input(msg!("campaign-entity-unknown", entity = set)));
    }
    let found = dataverse
        .get(
            &format!(
                "EntityDefinitions?$select=LogicalName,EntitySetName,PrimaryIdAttribute,ChangeTrackingEnabled&$filter=EntitySetName eq {}",
                odata_string(set)
            ),
            &[],
        )
        .await?;
    let Some(definition) = found["value"].as_array().and_then(|v| v.iter().find(|e| e["EntitySetName"] == set)) else {
        return Err(Error::invalid_input(msg!("campaign-entity-unknown", entity = set)));
    };
    let text = |key: &str| definition[key].as_str().unwrap_or_default().to_owned();
    let (entity, primary_id) = (text("LogicalName"), text("PrimaryIdAttribute"));
    if definition["ChangeTrackingEnabled"].as_bool() != Some(true) {
        return Err(Error::new(ErrorCode::Conflict, msg!("campaign-entity-tracking-off", entity = entity.as_str())));
    }
    let attributes = read_attributes(dataverse, &entity).await?;
    let lookups = dataverse
        .get(
            &format!(
                "EntityDefinitions(LogicalName='{entity}')/Attributes/Microsoft.Dynamics.CRM.LookupAttributeMetadata?$select=LogicalName,Targets"
            ),
            &[],
        )
        .await?;
    let contact_lookups = lookups["value"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|a| a["Targets"].as_array().is_some_and(|t| t.iter().any(|t| t == "contact")))
        .filter_map(|a| a["LogicalName"].as_str().map(str::to_owned))
        .collect();
    Ok(EntitySide { entity, primary_id, attributes, contact_lookups })
}

/// The Campaign side of a mapping: the custom resource's fields and its links to the profile.
pub(super) struct ResourceSide {
    pub fields: Vec<CampaignField>,
    pub profile_links: Vec<String>,
}

impl ResourceSide {
    pub fn field(&self, name: &str) -> Option<&CampaignField> {
        self.fields.iter().find(|f| f.name == name)
    }
}

/// The custom resource `resource`: refused unless its name has the `cus` prefix, Campaign lists
/// it, and it has a writable text [`ENTITY_KEY_FIELD`] with the [`ENTITY_KEY_FILTER`] to find it by.
pub(super) async fn read_resource(campaign: &CampaignClient, resource: &str) -> Result<ResourceSide> {
    if !resource.starts_with("cus") || !plain_name(resource) {
        return Err(Error::invalid_input(msg!("campaign-entity-resource-not-custom", resource = resource)));
    }
    let listed = campaign.get("profileAndServicesExt/").await?;
    let names: Vec<&str> =
        listed["content"].as_array().into_iter().flatten().filter_map(|r| r["name"].as_str()).collect();
    if !names.contains(&resource) {
        return Err(Error::invalid_input(msg!(
            "campaign-entity-unknown-resource",
            resource = resource,
            known = names.join(", ")
        )));
    }
    let raw = campaign.get(&format!("profileAndServicesExt/resourceType/{resource}")).await?;
    let fields = fields_of(&raw)?;
    let profile_links = fields
        .iter()
        .filter(|f| f.campaign_type == "link" && raw["content"][f.name.as_str()]["resTarget"] == "profile")
        .map(|f| f.name.clone())
        .collect();
    let filters = campaign.get(&format!("profileAndServicesExt/resourceType/{resource}/filters")).await?;
    let key = fields.iter().find(|f| f.name == ENTITY_KEY_FIELD);
    if key.is_none_or(|f| f.read_only || !compatible(FieldType::Id, f.field_type))
        || filters.get(ENTITY_KEY_FILTER).is_none()
    {
        return Err(Error::new(
            ErrorCode::Conflict,
            msg!(
                "campaign-entity-no-key-field",
                resource = resource,
                field = ENTITY_KEY_FIELD,
                filter = ENTITY_KEY_FILTER
            ),
        ));
    }
    Ok(ResourceSide { fields, profile_links })
}

/// Checks a mapping's link and pairs against both sides: the lookup points at the contact, the
/// link field at the profile, each attribute exists and each field is writable and of a fitting
/// type, and no field is written twice or is one Liaison sets itself.
pub(super) fn check_mapping(entity: &EntitySide, resource: &ResourceSide, mapping: &EntityMapping) -> Result<()> {
    let (set, res) = (mapping.entity_set.as_str(), mapping.resource.as_str());
    if !entity.contact_lookups.contains(&mapping.contact_lookup) {
        let kind = entity.attribute(&mapping.contact_lookup).map_or("—", |a| a.dataverse_type.as_str());
        return Err(Error::invalid_input(msg!(
            "campaign-entity-lookup-not-contact",
            entity = set,
            attribute = mapping.contact_lookup.as_str(),
            kind = kind
        )));
    }
    if !resource.profile_links.contains(&mapping.profile_link) {
        return Err(Error::invalid_input(msg!(
            "campaign-entity-link-not-profile",
            resource = res,
            field = mapping.profile_link.as_str()
        )));
    }
    let mut written = std::collections::BTreeSet::new();
    for pair in &mapping.fields {
        let attribute = entity.attribute(&pair.attribute).ok_or_else(|| {
            Error::invalid_input(msg!(
                "campaign-entity-unknown-attribute",
                entity = set,
                attribute = pair.attribute.as_str()
            ))
        })?;
        let field = resource.field(&pair.field).ok_or_else(|| {
            Error::invalid_input(msg!("campaign-entity-unknown-field", resource = res, field = pair.field.as_str()))
        })?;
        if field.name == ENTITY_KEY_FIELD || field.name == mapping.profile_link {
            return Err(Error::invalid_input(msg!(
                "campaign-entity-field-reserved",
                resource = res,
                field = pair.field.as_str()
            )));
        }
        if field.read_only {
            return Err(Error::invalid_input(msg!(
                "campaign-entity-field-read-only",
                resource = res,
                field = pair.field.as_str()
            )));
        }
        if !compatible(attribute.field_type, field.field_type) {
            return Err(Error::invalid_input(msg!(
                "campaign-entity-types-differ",
                entity = set,
                attribute = pair.attribute.as_str(),
                attribute_type = attribute.dataverse_type.as_str(),
                resource = res,
                field = pair.field.as_str(),
                field_type = field.campaign_type.as_str()
            )));
        }
        if !written.insert(pair.field.as_str()) {
            return Err(Error::invalid_input(msg!(
                "campaign-entity-field-twice",
                resource = res,
                field = pair.field.as_str()
            )));
        }
    }
    Ok(())
}

/// The mapping `request` asks for, checked live against both systems.
pub(super) async fn checked_mapping(
    dataverse: &DataverseClient<'_>,
    campaign: &CampaignClient,
    request: &EntityMappingRequest,
) -> Result<EntityMapping> {
    let set = request.entity_set.trim();
    let resource = request.resource.trim();
    let entity = read_entity(dataverse, set).await?;
    let side = read_resource(campaign, resource).await?;
    let mapping = EntityMapping {
        entity_set: set.to_owned(),
        entity: entity.entity.clone(),
        primary_id: entity.primary_id.clone(),
        resource: resource.to_owned(),
        contact_lookup: request.link.attribute.clone(),
        profile_link: request.link.field.clone(),
        fields: request.fields.clone(),
    };
    check_mapping(&entity, &side, &mapping)?;
    Ok(mapping)
}

/// Adds the mapping of an entity set to a custom resource, or replaces the one of the same
/// entity set; checked against both systems' metadata. A resource receives one entity set.
/// Audited (`campaign.entity_mapped`).
pub async fn map_entity(ws: &Workspace, vault: &Vault, request: EntityMappingRequest) -> Result<CampaignLink> {
    let changed_by = acting_email(ws)?;
    let current = link(ws.store())?.ok_or_else(|| Error::new(ErrorCode::Conflict, msg!("campaign-link-not-set-up")))?;
    let (dataverse, campaign) = current_clients(ws, vault, &current)?;
    let mapping = checked_mapping(&dataverse, &campaign, &request).await?;
    if let Some(other) =
        current.entities.iter().find(|m| m.resource == mapping.resource && m.entity_set != mapping.entity_set)
    {
        return Err(Error::new(
            ErrorCode::Conflict,
            msg!(
                "campaign-entity-resource-taken",
                resource = other.resource.as_str(),
                entity = other.entity_set.as_str()
            ),
        ));
    }
    let mut entities = current.entities.clone();
    match entities.iter_mut().find(|m| m.entity_set == mapping.entity_set) {
        Some(slot) => *slot = mapping,
        None => entities.push(mapping),
    }
    let link = CampaignLink { entities, changed_by, changed_at: now(), ..current };
    save(ws, &link, "campaign.entity_mapped")?;
    Ok(link)
}

/// Removes the mapping of `entity_set`: later runs no longer write it (what Campaign holds stays).
/// Audited (`campaign.entity_unmapped`).
pub fn unmap_entity(ws: &Workspace, entity_set: &str) -> Result<CampaignLink> {
    let changed_by = acting_email(ws)?;
    let current = link(ws.store())?.ok_or_else(|| Error::new(ErrorCode::Conflict, msg!("campaign-link-not-set-up")))?;
    let entity_set = entity_set.trim();
    if !current.entities.iter().any(|m| m.entity_set == entity_set) {
        return Err(Error::not_found(msg!("campaign-entity-not-mapped", entity = entity_set)));
    }
    let entities = current.entities.iter().filter(|m| m.entity_set != entity_set).cloned().collect();
    let link = CampaignLink { entities, changed_by, changed_at: now(), ..current };
    save(ws, &link, "campaign.entity_unmapped")?;
    Ok(link)
}

/// The Campaign link value of a profile link field as Campaign answers it (`{"PKey": …}`) or a
/// bare PKey.
pub(super) fn linked_pkey(value: &Value) -> Option<&str> {
    value.get("PKey").and_then(Value::as_str).or_else(|| value.as_str()).filter(|p| !p.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_is_lookup_equals_link_field() {
        let link = parse_entity_link(" lia_contactid = profile ").unwrap();
        assert_eq!((link.attribute.as_str(), link.field.as_str()), ("lia_contactid", "profile"));
        assert_eq!(parse_entity_link("lia_contactid").unwrap_err().code, ErrorCode::InvalidInput);
        assert!(parse_entity_link("=profile").is_err());
    }

    #[test]
    fn only_plain_names_reach_a_url() {
        assert!(plain_name("lia_productinterests"));
        assert!(!plain_name("contacts?$top=1"));
        assert!(!plain_name(""));
    }

    #[test]
    fn a_profile_link_is_read_in_both_shapes() {
        assert_eq!(linked_pkey(&serde_json::json!({"PKey": "@a", "href": "x"})), Some("@a"));
        assert_eq!(linked_pkey(&serde_json::json!("@b")), Some("@b"));
        assert_eq!(linked_pkey(&serde_json::json!("")), None);
    }
}
