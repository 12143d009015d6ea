//! The field preview: which person fields a sync carries, built from live describe calls
//! (Marketo `leads/describe2`, Salesforce Contact and Lead describe), with type compatibility
//! and the conflict rule of each field. The admin's choices are saved as the sync mapping.

use rusqlite::OptionalExtension;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::cache::{ConflictRule, PersonField};
use crate::connections::marketo::MarketoClient;
use crate::connections::salesforce::SalesforceClient;
use crate::i18n::Text;
use crate::store::Store;
use crate::{Error, ErrorCode, Result, msg};

/// A field as one system describes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct SystemField {
    /// The API name (`firstName`, `MailingCity`).
    pub name: String,
    pub label: String,
    /// The system's own type name (`string`, `boolean`, `picklist`).
    pub data_type: String,
}

/// One row of the preview.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct FieldRow {
    /// `None` for email, the match key, and for custom fields.
    pub field: Option<PersonField>,
    /// A custom field the admin added (its key and label).
    pub custom: Option<CustomFieldRef>,
    pub marketo: Option<SystemField>,
    pub salesforce_contact: Option<SystemField>,
    pub salesforce_lead: Option<SystemField>,
    /// The Dynamics 365 contact attribute, when the sync reads a Dynamics connection.
    pub dynamics: Option<SystemField>,
    /// Whether the two sides hold the same kind of value (text with text, yes/no with yes/no).
    pub compatible: bool,
    /// Why the field is limited, for people (missing on one side, types that differ).
    pub note: Option<Text>,
    pub rule: ConflictRule,
    pub selected: bool,
    /// Email: always synced, cannot be deselected.
    pub required: bool,
}

/// Which custom field a preview row is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct CustomFieldRef {
    pub key: String,
    pub label: String,
}

/// A field the admin adds to the sync beyond the standard ones: its API name on each side.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct CustomField {
    /// Stable key (from the label): `region`, `customer_tier`.
    pub key: String,
    pub label: String,
    pub marketo: Option<String>,
    pub salesforce_contact: Option<String>,
    pub salesforce_lead: Option<String>,
    pub rule: ConflictRule,
    pub selected: bool,
}

/// What the admin types to add a custom field.
#[derive(Debug, Clone, Deserialize, TS)]
pub struct NewCustomField {
    pub label: String,
    pub marketo: Option<String>,
    pub salesforce_contact: Option<String>,
    pub salesforce_lead: Option<String>,
    pub rule: ConflictRule,
}

/// The preview the Data sync page shows before Start sync.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct FieldPreview {
    pub rows: Vec<FieldRow>,
    /// Whether the admin saved choices before (otherwise these are the defaults).
    pub saved: bool,
}

/// The admin's choice for one field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct FieldChoice {
    pub field: PersonField,
    pub selected: bool,
    pub rule: ConflictRule,
}

/// The resolved mapping a run uses: per field, the API name on each side (when present and
/// selected) and its rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mapping {
    pub marketo_email: String,
    pub fields: Vec<MappedField>,
    /// Custom fields, in the order of [`SourceRecord::custom`](super::cache::SourceRecord).
    pub custom: Vec<MappedCustom>,
}

/// One synced custom field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MappedCustom {
    pub key: String,
    pub marketo: Option<String>,
    pub salesforce_contact: Option<String>,
    pub salesforce_lead: Option<String>,
    pub rule: ConflictRule,
    pub boolean: bool,
}

/// One synced field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MappedField {
    pub field: PersonField,
    pub marketo: Option<String>,
    pub salesforce_contact: Option<String>,
    pub salesforce_lead: Option<String>,
    /// The Dynamics contact attribute (when the sync reads Dynamics).
    pub dynamics: Option<String>,
    pub rule: ConflictRule,
    /// Yes/no values (parsed from `true`/`false`).
    pub boolean: bool,
}

impl Mapping {
    /// The rules for the cache writer.
    pub fn rules(&self) -> Vec<(PersonField, ConflictRule)> {
        self.fields.iter().map(|f| (f.field, f.rule)).collect()
    }

    /// Marketo API names to request, in order (after `id`, `email`, `updatedAt`).
    pub fn marketo_fields(&self) -> Vec<&str> {
        let standard = self.fields.iter().filter_map(|f| f.marketo.as_deref());
        standard.chain(self.custom.iter().filter_map(|f| f.marketo.as_deref())).collect()
    }
}

/// Where each person field usually lives: Marketo, Salesforce Contact, Salesforce Lead.
fn candidates(field: PersonField) -> (&'static [&'static str], &'static [&'static str], &'static [&'static str]) {
    use PersonField::*;
    match field {
        FirstName => (&["firstName"], &["FirstName"], &["FirstName"]),
        LastName => (&["lastName"], &["LastName"], &["LastName"]),
        Title => (&["title"], &["Title"], &["Title"]),
        // A contact's company is its Account, which is a relationship, not a Contact field.
        Company => (&["company"], &[], &["Company"]),
        Phone => (&["phone", "mainPhone"], &["Phone"], &["Phone"]),
        City => (&["city"], &["MailingCity"], &["City"]),
        State => (&["state"], &["MailingState"], &["State"]),
        Country => (&["country"], &["MailingCountry"], &["Country"]),
        Unsubscribed => (&["unsubscribed"], &["HasOptedOutOfEmail"], &["HasOptedOutOfEmail"]),
        EmailInvalid => (&["emailInvalid"], &["IsEmailBounced"], &["IsEmailBounced"]),
        LeadOwner => (&["leadOwnerId", "leadOwnerEmailAddress"], &["OwnerId"], &["OwnerId"]),
    }
}

/// Is this type yes/no, text, or something else (numbers, dates)?
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Text,
    Boolean,
    Other,
}

fn class(data_type: &str) -> Class {
    match data_type.to_ascii_lowercase().as_str() {
        "boolean" => Class::Boolean,
        "string" | "email" | "phone" | "text" | "textarea" | "picklist" | "url" | "reference" | "id" | "combobox" => {
            Class::Text
        }
        _ => Class::Other,
    }
}

fn find(fields: &[SystemField], names: &[&str]) -> Option<SystemField> {
    names.iter().find_map(|n| fields.iter().find(|f| f.name.eq_ignore_ascii_case(n)).cloned())
}

/// Builds the rows from the three describes and the saved choices.
pub fn rows(
    marketo: &[SystemField],
    contact: &[SystemField],
    lead: &[SystemField],
    saved: &[FieldChoice],
    custom: &[CustomField],
) -> Result<Vec<FieldRow>> {
    let email = (find(marketo, &["email"]), find(contact, &["Email"]), find(lead, &["Email"]));
    let Some(mk_email) = email.0.clone() else {
        return Err(Error::new(ErrorCode::BadResponse, msg!("fields-marketo-no-email-cannot-match")));
    };
    if email.1.is_none() || email.2.is_none() {
        return Err(Error::new(ErrorCode::Forbidden, msg!("fields-salesforce-no-email")));
    }
    let mut rows = vec![FieldRow {
        field: None,
        custom: None,
        marketo: Some(mk_email),
        salesforce_contact: email.1,
        salesforce_lead: email.2,
        dynamics: None,
        compatible: true,
        note: None,
        rule: ConflictRule::SalesforceWins,
        selected: true,
        required: true,
    }];
    for field in PersonField::ALL {
        let (mk, ct, ld) = candidates(field);
        let (mk, ct, ld) = (find(marketo, mk), find(contact, ct), find(lead, ld));
        let classes: Vec<Class> =
            [&mk, &ct, &ld].iter().filter_map(|f| f.as_ref().map(|f| class(&f.data_type))).collect();
        let compatible = classes.windows(2).all(|w| w[0] == w[1]) && !classes.contains(&Class::Other);
        let note = match (&mk, ct.is_some() || ld.is_some()) {
            _ if !compatible => Some(msg!("fields-note-incompatible")),
            (None, false) => Some(msg!("fields-note-neither")),
            (None, true) => Some(msg!("fields-note-salesforce-only")),
            (Some(_), false) => Some(msg!("fields-note-marketo-only")),
            (Some(_), true) if ct.is_none() => Some(msg!("fields-note-leads-only")),
            _ => None,
        };
        let available = compatible && (mk.is_some() || ct.is_some() || ld.is_some());
        let choice = saved.iter().find(|c| c.field == field);
        rows.push(FieldRow {
            field: Some(field),
            custom: None,
            marketo: mk,
            salesforce_contact: ct,
            salesforce_lead: ld,
            dynamics: None,
            compatible,
            note,
            rule: choice.map_or(ConflictRule::default_for(field), |c| c.rule),
            selected: available && choice.is_none_or(|c| c.selected),
            required: false,
        });
    }
    for c in custom {
        let lookup =
            |fields: &[SystemField], name: &Option<String>| -> std::result::Result<Option<SystemField>, String> {
                match name {
                    None => Ok(None),
                    Some(n) => find(fields, &[n.as_str()]).map(Some).ok_or_else(|| n.clone()),
                }
            };
        let sides = [
            ("Marketo", lookup(marketo, &c.marketo)),
            ("Salesforce Contact", lookup(contact, &c.salesforce_contact)),
            ("Salesforce Lead", lookup(lead, &c.salesforce_lead)),
        ];
        let missing: Vec<Text> = sides
            .iter()
            .filter_map(|(system, r)| {
                r.as_ref().err().map(|n| msg!("fields-system-has-no-field", system = *system, name = n))
            })
            .collect();
        let [mk, ct, ld] = sides.map(|(_, r)| r.unwrap_or(None));
        let classes: Vec<Class> =
            [&mk, &ct, &ld].iter().filter_map(|f| f.as_ref().map(|f| class(&f.data_type))).collect();
        let compatible =
            missing.is_empty() && classes.windows(2).all(|w| w[0] == w[1]) && !classes.contains(&Class::Other);
        let note =
            if let Some(list) = missing.into_iter().reduce(|a, b| msg!("fields-missing-and", first = a, rest = b)) {
                Some(msg!("fields-note-missing", missing = list))
            } else if !compatible {
                Some(msg!("fields-note-incompatible"))
            } else {
                None
            };
        rows.push(FieldRow {
            field: None,
            custom: Some(CustomFieldRef { key: c.key.clone(), label: c.label.clone() }),
            marketo: mk,
            salesforce_contact: ct,
            salesforce_lead: ld,
            dynamics: None,
            compatible,
            note,
            rule: c.rule,
            selected: c.selected && compatible,
            required: false,
        });
    }
    Ok(rows)
}

/// Turns preview rows into the mapping a run uses.
pub fn mapping(rows: &[FieldRow]) -> Result<Mapping> {
    let marketo_email = rows
        .iter()
        .find(|r| r.required)
        .and_then(|r| r.marketo.as_ref())
        .map(|f| f.name.clone())
        .ok_or_else(|| Error::new(ErrorCode::BadResponse, msg!("fields-marketo-no-email")))?;
    let name = |f: &Option<SystemField>| f.as_ref().map(|f| f.name.clone());
    let boolean = |r: &FieldRow| {
        [&r.marketo, &r.salesforce_contact, &r.salesforce_lead]
            .iter()
            .any(|f| f.as_ref().is_some_and(|f| class(&f.data_type) == Class::Boolean))
    };
    let synced = rows.iter().filter(|r| r.selected && r.compatible);
    let fields = synced
        .clone()
        .filter_map(|r| {
            Some(MappedField {
                field: r.field?,
                marketo: name(&r.marketo),
                salesforce_contact: name(&r.salesforce_contact),
                salesforce_lead: name(&r.salesforce_lead),
                dynamics: name(&r.dynamics),
                rule: r.rule,
                boolean: boolean(r),
            })
        })
        .collect();
    let custom = synced
        .filter_map(|r| {
            Some(MappedCustom {
                key: r.custom.as_ref()?.key.clone(),
                marketo: name(&r.marketo),
                salesforce_contact: name(&r.salesforce_contact),
                salesforce_lead: name(&r.salesforce_lead),
                rule: r.rule,
                boolean: boolean(r),
            })
        })
        .collect();
    Ok(Mapping { marketo_email, fields, custom })
}

const MAPPING_KEY: &str = "sync.mapping";

/// The saved choices (empty when the admin has not saved any).
pub fn saved_choices(store: &Store) -> Result<Vec<FieldChoice>> {
    let raw: Option<String> = store.read(|c| {
        Ok(c.query_row("SELECT value FROM settings WHERE key = ?1", [MAPPING_KEY], |r| r.get(0)).optional()?)
    })?;
    Ok(raw.and_then(|r| serde_json::from_str(&r).ok()).unwrap_or_default())
}

/// Saves the admin's choices (audited).
pub fn save_choices(store: &Store, choices: &[FieldChoice]) -> Result<()> {
    let value = serde_json::to_string(choices)?;
    store.write(|tx| {
        crate::settings::put(tx, MAPPING_KEY, value)?;
        let selected: Vec<&str> = choices.iter().filter(|c| c.selected).map(|c| c.field.column()).collect();
        let actor = crate::members::admin::acting_admin_in(tx)?.map(|a| a.id);
        crate::audit::record(
            tx,
            actor.as_deref(),
            "sync.mapping_saved",
            None,
            serde_json::json!({ "selected": selected, "choices": choices }),
        )?;
        Ok(())
    })
}

const CUSTOM_KEY: &str = "sync.custom_fields";

/// The custom fields the admin added.
pub fn custom_fields(store: &Store) -> Result<Vec<CustomField>> {
    let raw: Option<String> = store.read(|c| {
        Ok(c.query_row("SELECT value FROM settings WHERE key = ?1", [CUSTOM_KEY], |r| r.get(0)).optional()?)
    })?;
    Ok(raw.and_then(|r| serde_json::from_str(&r).ok()).unwrap_or_default())
}

fn store_custom(store: &Store, fields: &[CustomField], action: &str, key: &str) -> Result<()> {
    let value = serde_json::to_string(fields)?;
    store.write(|tx| {
        crate::settings::put(tx, CUSTOM_KEY, value)?;
        let actor = crate::members::admin::acting_admin_in(tx)?.map(|a| a.id);
        crate::audit::record(tx, actor.as_deref(), action, Some(key), serde_json::json!({}))?;
        Ok(())
    })
}

fn api_name(system: &str, name: Option<String>) -> Result<Option<String>> {
    let Some(name) = name.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty()) else { return Ok(None) };
    let valid = name.len() <= 80
        && name.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !valid {
        return Err(Error::invalid_input(msg!("fields-not-an-api-name", name = &name, system = system)));
    }
    Ok(Some(name))
}

/// Adds a custom field to the sync (checked against the live describes at the next preview).
pub fn add_custom(store: &Store, new: NewCustomField) -> Result<CustomField> {
    let label = new.label.trim().to_owned();
    if label.is_empty() || label.chars().count() > 80 {
        return Err(Error::invalid_input(msg!("fields-custom-name-invalid")));
    }
    let key: String = label
        .to_lowercase()
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { '_' })
        .collect::<String>()
        .split('_')
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("_");
    let field = CustomField {
        key: format!("custom_{key}"),
        label,
        marketo: api_name("Marketo", new.marketo)?,
        salesforce_contact: api_name("Salesforce", new.salesforce_contact)?,
        salesforce_lead: api_name("Salesforce", new.salesforce_lead)?,
        rule: new.rule,
        selected: true,
    };
    if field.marketo.is_none() && field.salesforce_contact.is_none() && field.salesforce_lead.is_none() {
        return Err(Error::invalid_input(msg!("fields-custom-no-api-name")));
    }
    let mut fields = custom_fields(store)?;
    if fields.iter().any(|f| f.key == field.key) {
        return Err(Error::new(ErrorCode::Conflict, msg!("fields-custom-exists", label = &field.label)));
    }
    if fields.len() >= 50 {
        return Err(Error::invalid_input(msg!("fields-custom-too-many")));
    }
    fields.push(field.clone());
    store_custom(store, &fields, "sync.custom_field_added", &field.key)?;
    Ok(field)
}

/// Removes a custom field from the sync (cached values stay until the next full sync).
pub fn remove_custom(store: &Store, key: &str) -> Result<()> {
    let mut fields = custom_fields(store)?;
    let before = fields.len();
    fields.retain(|f| f.key != key);
    if fields.len() == before {
        return Err(Error::not_found(msg!("fields-custom-not-found", key = key)));
    }
    store_custom(store, &fields, "sync.custom_field_removed", key)
}

/// Saves a custom field's selection and rule (from the preview).
pub fn choose_custom(store: &Store, key: &str, selected: bool, rule: ConflictRule) -> Result<()> {
    let mut fields = custom_fields(store)?;
    let field = fields
        .iter_mut()
        .find(|f| f.key == key)
        .ok_or_else(|| Error::not_found(msg!("fields-custom-not-found", key = key)))?;
    field.selected = selected;
    field.rule = rule;
    store_custom(store, &fields, "sync.custom_field_changed", key)
}

/// Reads Marketo's lead fields (describe2 where available, else describe).
pub async fn marketo_fields(client: &MarketoClient) -> Result<Vec<SystemField>> {
    let body = client.get("/rest/v1/leads/describe2.json", &[]).await?;
    let fields = body["result"][0]["fields"]
        .as_array()
        .ok_or_else(|| Error::new(ErrorCode::BadResponse, msg!("fields-marketo-describe-no-list")))?;
    Ok(fields
        .iter()
        .filter_map(|f| {
            Some(SystemField {
                name: f["name"].as_str()?.to_owned(),
                label: f["displayName"].as_str().unwrap_or_default().to_owned(),
                data_type: f["dataType"].as_str().unwrap_or_default().to_owned(),
            })
        })
        .collect())
}

/// Reads the fields of a Salesforce object the user can read.
pub async fn salesforce_fields(client: &SalesforceClient<'_>, object: &str) -> Result<Vec<SystemField>> {
    let body = client.get(&format!("/sobjects/{object}/describe")).await?;
    let fields = body["fields"].as_array().ok_or_else(|| {
        Error::new(ErrorCode::BadResponse, msg!("fields-salesforce-describe-no-list", object = object))
    })?;
    Ok(fields
        .iter()
        .filter_map(|f| {
            Some(SystemField {
                name: f["name"].as_str()?.to_owned(),
                label: f["label"].as_str().unwrap_or_default().to_owned(),
                data_type: f["type"].as_str().unwrap_or_default().to_owned(),
            })
        })
        .collect())
}

/// The live preview: describes both systems and applies the saved choices.
pub async fn preview(
    store: &Store,
    marketo: &MarketoClient,
    salesforce: &SalesforceClient<'_>,
) -> Result<FieldPreview> {
    let mk = marketo_fields(marketo).await?;
    let contact = salesforce_fields(salesforce, "Contact").await?;
    let lead = salesforce_fields(salesforce, "Lead").await?;
    let saved = saved_choices(store)?;
    let custom = custom_fields(store)?;
    let mut rows = rows(&mk, &contact, &lead, &saved, &custom)?;
    if store.read(crate::sync::dynamics_match::source_connection)?.is_some() {
        for row in &mut rows {
            row.dynamics = dynamics_attribute(row.field, row.required);
        }
    }
    Ok(FieldPreview { rows, saved: !saved.is_empty() })
}

/// The Dynamics 365 contact attribute of a person field (`required`: the email row). Company
/// and owner are lookups on a contact, state and bounce flags have no standard attribute.
pub fn dynamics_attribute(field: Option<PersonField>, required: bool) -> Option<SystemField> {
    use PersonField::*;
    let (name, label, data_type) = match field {
        None if required => ("emailaddress1", "Email", "String"),
        Some(FirstName) => ("firstname", "First Name", "String"),
        Some(LastName) => ("lastname", "Last Name", "String"),
        Some(Title) => ("jobtitle", "Job Title", "String"),
        Some(Phone) => ("telephone1", "Business Phone", "String"),
        Some(City) => ("address1_city", "Address 1: City", "String"),
        Some(Country) => ("address1_country", "Address 1: Country/Region", "String"),
        Some(Unsubscribed) => ("donotbulkemail", "Do not allow Bulk Emails", "Boolean"),
        _ => return None,
    };
    Some(SystemField { name: name.to_owned(), label: label.to_owned(), data_type: data_type.to_owned() })
}

#[cfg(test)]
mod tests;
