//! Both systems' field metadata, read from the systems themselves: Dataverse's
//! `EntityDefinitions` for the contact's attributes and Campaign's resource metadata for the
//! profile's fields (standard and extension), reduced to the types a mapping is checked with.

use serde::Serialize;
use serde_json::Value;
use ts_rs::TS;

use crate::connections::campaign::CampaignClient;
use crate::connections::dataverse::DataverseClient;
use crate::{Error, ErrorCode, Result, msg};

/// What kind of values a field holds, on either side, as far as a mapping cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum FieldType {
    Text,
    Number,
    Boolean,
    DateTime,
    Date,
    /// A choice from a list (a Dataverse option set, a Campaign enumeration).
    Choice,
    /// An ID (Dataverse's unique identifiers and lookups).
    Id,
    /// Nothing a value can be written to or read from (links, collections, virtual attributes).
    Other,
}

/// A contact attribute of the Dynamics 365 org.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ContactAttribute {
    /// The logical name (`emailaddress1`).
    pub name: String,
    /// Dataverse's own type name (`String`, `Boolean`, …).
    pub dataverse_type: String,
    pub field_type: FieldType,
    pub max_length: Option<u32>,
}

/// A field of Campaign's profile resource (`profileAndServicesExt`: standard and extension).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct CampaignField {
    /// The API name (`firstName`, `cusCrmContactId`).
    pub name: String,
    pub label: String,
    /// Campaign's own type name (`string`, `boolean`, …).
    pub campaign_type: String,
    pub field_type: FieldType,
    pub length: Option<u32>,
    pub read_only: bool,
    /// A profile extension field (`cus…`).
    pub extension: bool,
}

/// The fields of both sides.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Metadata {
    pub contact: Vec<ContactAttribute>,
    pub profile: Vec<CampaignField>,
}

impl Metadata {
    pub fn attribute(&self, name: &str) -> Option<&ContactAttribute> {
        self.contact.iter().find(|a| a.name == name)
    }

    pub fn field(&self, name: &str) -> Option<&CampaignField> {
        self.profile.iter().find(|f| f.name == name)
    }
}

fn dataverse_type(name: &str) -> FieldType {
    match name {
        "String" | "Memo" | "EntityName" => FieldType::Text,
        "Integer" | "BigInt" | "Decimal" | "Double" | "Money" => FieldType::Number,
        "Boolean" => FieldType::Boolean,
        "DateTime" => FieldType::DateTime,
        "Picklist" | "State" | "Status" => FieldType::Choice,
        "Uniqueidentifier" | "Lookup" | "Customer" | "Owner" => FieldType::Id,
        _ => FieldType::Other,
    }
}

fn campaign_type(name: &str) -> FieldType {
    match name {
        "string" | "memo" | "email" | "phone" => FieldType::Text,
        "number" | "integer" | "long" | "double" | "float" | "short" | "byte" => FieldType::Number,
        "boolean" => FieldType::Boolean,
        "datetime" | "timestamp" => FieldType::DateTime,
        "date" => FieldType::Date,
        "enumeration" => FieldType::Choice,
        _ => FieldType::Other,
    }
}

/// Whether a contact attribute's values can be written to a profile field: text and IDs into
/// text, numbers into numbers or text, yes/no into yes/no, a choice into a choice or text, a
/// date and time into a date and time or a date.
pub fn compatible(from: FieldType, to: FieldType) -> bool {
    use FieldType::*;
    matches!(
        (from, to),
        (Text | Id, Text)
            | (Number, Number | Text)
            | (Boolean, Boolean)
            | (Choice, Choice | Text)
            | (DateTime, DateTime | Date)
            | (Date, Date)
    )
}

/// Reads both sides' metadata: the contact's attributes (with the maximum length of its text
/// attributes) and the profile resource's fields.
pub async fn read_metadata(dataverse: &DataverseClient<'_>, campaign: &CampaignClient) -> Result<Metadata> {
    let contact = read_attributes(dataverse, "contact").await?;
    let resource = campaign.get("profileAndServicesExt/resourceType/profile").await?;
    let profile = fields_of(&resource)?;
    Ok(Metadata { contact, profile })
}

/// The readable attributes of the Dataverse entity `logical` (its logical name), typed, with
/// the maximum length of its text attributes, by name.
pub(super) async fn read_attributes(dataverse: &DataverseClient<'_>, logical: &str) -> Result<Vec<ContactAttribute>> {
    let attributes = dataverse
        .get(
            &format!(
                "EntityDefinitions(LogicalName='{logical}')/Attributes?$select=LogicalName,AttributeType,IsValidForRead"
            ),
            &[],
        )
        .await?;
    let lengths = dataverse
        .get(
            &format!(
                "EntityDefinitions(LogicalName='{logical}')/Attributes/Microsoft.Dynamics.CRM.StringAttributeMetadata?$select=LogicalName,MaxLength"
            ),
            &[],
        )
        .await?;
    attributes_of(&attributes, &lengths)
}

/// The attributes of an `Attributes` answer, with the lengths of a `StringAttributeMetadata` one.
fn attributes_of(attributes: &Value, lengths: &Value) -> Result<Vec<ContactAttribute>> {
    let max_length = |name: &str| {
        lengths["value"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|a| a["LogicalName"] == name)
            .and_then(|a| a["MaxLength"].as_u64().map(|n| n as u32))
    };
    let mut out: Vec<ContactAttribute> = attributes["value"]
        .as_array()
        .ok_or_else(|| {
            Error::new(ErrorCode::BadResponse, msg!("campaign-link-metadata-unreadable", system = "Dynamics 365"))
        })?
        .iter()
        .filter(|a| a["IsValidForRead"].as_bool() != Some(false))
        .filter_map(|a| {
            let name = a["LogicalName"].as_str()?.to_owned();
            let type_name = a["AttributeType"].as_str().unwrap_or_default().to_owned();
            Some(ContactAttribute {
                field_type: dataverse_type(&type_name),
                max_length: max_length(&name),
                name,
                dataverse_type: type_name,
            })
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

/// The fields a Campaign resource's metadata (`resourceType/<resource>`) describes, by name.
pub(super) fn fields_of(resource: &Value) -> Result<Vec<CampaignField>> {
    let fields = resource["content"].as_object().ok_or_else(|| {
        Error::new(ErrorCode::BadResponse, msg!("campaign-link-metadata-unreadable", system = "Adobe Campaign"))
    })?;
    let mut out: Vec<CampaignField> = fields
        .iter()
        .map(|(key, f)| {
            let name = f["apiName"].as_str().unwrap_or(key).to_owned();
            let type_name = f["type"].as_str().unwrap_or_default().to_owned();
            CampaignField {
                label: f["label"].as_str().unwrap_or(&name).to_owned(),
                field_type: campaign_type(&type_name),
                length: f["length"].as_u64().map(|n| n as u32),
                read_only: f["readOnly"].as_bool().unwrap_or(false),
                extension: name.starts_with("cus"),
                name,
                campaign_type: type_name,
            }
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_goes_into_text_and_yes_or_no_only_into_yes_or_no() {
        assert!(compatible(FieldType::Text, FieldType::Text));
        assert!(compatible(FieldType::Id, FieldType::Text));
        assert!(compatible(FieldType::Number, FieldType::Text));
        assert!(!compatible(FieldType::Text, FieldType::Number));
        assert!(!compatible(FieldType::Text, FieldType::Boolean));
        assert!(!compatible(FieldType::Boolean, FieldType::Text));
        assert!(compatible(FieldType::DateTime, FieldType::Date));
        assert!(!compatible(FieldType::Date, FieldType::DateTime));
        assert!(!compatible(FieldType::Other, FieldType::Text));
    }

    #[test]
    fn both_systems_type_names_are_read() {
        assert_eq!(dataverse_type("Memo"), FieldType::Text);
        assert_eq!(dataverse_type("Lookup"), FieldType::Id);
        assert_eq!(dataverse_type("Virtual"), FieldType::Other);
        assert_eq!(campaign_type("enumeration"), FieldType::Choice);
        assert_eq!(campaign_type("link"), FieldType::Other);
    }
}
