//! Turning what Marketo, Salesforce and Dynamics 365 send (bulk-extract CSV, REST JSON) into cache records.

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::cache::{PersonField, SourceRecord, Value};
use super::fields::Mapping;
use crate::{Error, ErrorCode, Result, msg};

/// `2026-01-31T12:00:00.000Z`: one shape for both systems' timestamps, so they compare as text.
pub fn normalize_time(raw: &str) -> Option<String> {
    let raw = raw.trim();
    let parsed = OffsetDateTime::parse(raw, &Rfc3339).ok().or_else(|| {
        // Salesforce: 2026-01-31T12:00:00.000+0000
        const SF: &[time::format_description::BorrowedFormatItem<'_>] = time::macros::format_description!(
            "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond][offset_hour sign:mandatory][offset_minute]"
        );
        OffsetDateTime::parse(raw, SF).ok()
    })?;
    Some(format_time(parsed))
}

/// Formats a time in the cache's shape.
pub fn format_time(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.millisecond()
    )
}

/// Marketo's request format: `2026-01-31T12:00:00Z`.
pub fn marketo_time(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// SOQL's datetime literal: `2026-01-31T12:00:00.000Z`.
pub fn soql_time(t: OffsetDateTime) -> String {
    format_time(t)
}

fn parse_bool(raw: &str) -> Option<bool> {
    match raw.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" => Some(true),
        "false" | "0" | "no" => Some(false),
        _ => None,
    }
}

fn text_value(raw: &str, boolean: bool) -> Option<Value> {
    let raw = raw.trim();
    if raw.is_empty() {
        return None;
    }
    if boolean { parse_bool(raw).map(Value::Bool) } else { Some(Value::Text(raw.to_owned())) }
}

fn json_value(v: &serde_json::Value, boolean: bool) -> Option<Value> {
    match v {
        serde_json::Value::Bool(b) => Some(Value::Bool(*b)),
        serde_json::Value::String(s) => text_value(s, boolean),
        serde_json::Value::Number(n) => text_value(&n.to_string(), boolean),
        _ => None,
    }
}

/// A lead from Marketo: from an extract row or a REST lead. `get` reads a field by API name.
fn marketo_record(
    mapping: &Mapping,
    get: impl Fn(&str) -> Option<Value>,
    id: String,
    email: String,
    updated: &str,
) -> Option<SourceRecord> {
    let modified_at = normalize_time(updated)?;
    let mut values: [Option<Value>; 11] = Default::default();
    for mapped in &mapping.fields {
        if let Some(name) = &mapped.marketo {
            values[index(mapped.field)] = get(name);
        }
    }
    let custom = mapping.custom.iter().map(|c| c.marketo.as_deref().and_then(&get)).collect();
    Some(SourceRecord { email, system_id: id, modified_at, values, custom })
}

fn index(field: PersonField) -> usize {
    PersonField::ALL.iter().position(|f| *f == field).expect("every field is in ALL")
}

/// The columns an extract asks for: id, email, createdAt, updatedAt, then the mapped fields.
pub fn extract_fields(mapping: &Mapping) -> Vec<String> {
    let mut fields =
        vec!["id".to_owned(), mapping.marketo_email.clone(), "createdAt".to_owned(), "updatedAt".to_owned()];
    for name in mapping.marketo_fields() {
        if !fields.iter().any(|f| f == name) {
            fields.push(name.to_owned());
        }
    }
    fields
}

/// A record that could not be used, with why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejected {
    pub record_id: String,
    pub email: Option<String>,
    pub code: &'static str,
    pub message: crate::i18n::Text,
}

/// Parses one bulk-extract CSV (header row of API names), keeping leads created in
/// `[from, to)` (windows are requested with inclusive ends, so a lead on the boundary comes in
/// twice; it belongs to the later window).
pub fn parse_extract(
    csv_text: &str,
    mapping: &Mapping,
    from: &str,
    to: &str,
) -> Result<(Vec<SourceRecord>, Vec<Rejected>)> {
    let mut reader = csv::ReaderBuilder::new().flexible(false).from_reader(csv_text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| Error::new(ErrorCode::BadResponse, msg!("records-extract-no-header", reason = e.to_string())))?
        .clone();
    let col = |name: &str| headers.iter().position(|h| h == name);
    let (Some(id_col), Some(email_col), Some(created_col), Some(updated_col)) =
        (col("id"), col(&mapping.marketo_email), col("createdAt"), col("updatedAt"))
    else {
        return Err(Error::new(ErrorCode::BadResponse, msg!("records-extract-lacks-columns")));
    };
    let columns: Vec<(String, usize, bool)> = mapping
        .fields
        .iter()
        .map(|m| (&m.marketo, m.boolean))
        .chain(mapping.custom.iter().map(|m| (&m.marketo, m.boolean)))
        .filter_map(|(name, boolean)| Some((name.clone()?, col(name.as_deref()?)?, boolean)))
        .collect();
    let mut records = Vec::new();
    let mut rejected = Vec::new();
    for (n, row) in reader.records().enumerate() {
        let row = row.map_err(|e| {
            let row = (n + 2).to_string();
            Error::new(ErrorCode::BadResponse, msg!("records-extract-malformed", row = row, reason = e.to_string()))
        })?;
        let created = row.get(created_col).and_then(normalize_time);
        let id = row.get(id_col).unwrap_or_default().to_owned();
        let email = row.get(email_col).unwrap_or_default().trim().to_owned();
        match created {
            Some(c) if c.as_str() < from || c.as_str() >= to => continue,
            Some(_) => {}
            None => {
                rejected.push(Rejected {
                    record_id: id,
                    email: Some(email).filter(|e| !e.is_empty()),
                    code: "bad_date",
                    message: msg!("records-created-not-a-date"),
                });
                continue;
            }
        }
        let get = |name: &str| {
            columns.iter().find(|(n, ..)| n == name).and_then(|(_, i, b)| text_value(row.get(*i).unwrap_or(""), *b))
        };
        let updated = row.get(updated_col).unwrap_or_default();
        match marketo_record(mapping, get, id.clone(), email.clone(), updated) {
            Some(record) => records.push(record),
            None => rejected.push(Rejected {
                record_id: id,
                email: Some(email).filter(|e| !e.is_empty()),
                code: "bad_date",
                message: msg!("records-updated-not-a-date"),
            }),
        }
    }
    Ok((records, rejected))
}

/// A contact from the Dataverse Web API: the record for the cache, its state (0 active,
/// 1 inactive) and the value of `match_attribute` (matching by a key, R13).
pub fn dynamics_contact(
    contact: &serde_json::Value,
    mapping: &Mapping,
    match_attribute: Option<&str>,
) -> std::result::Result<(SourceRecord, i64, Option<String>), Rejected> {
    let id = contact["contactid"].as_str().unwrap_or_default().to_owned();
    let email = contact["emailaddress1"].as_str().unwrap_or_default().trim().to_owned();
    let Some(modified_at) = contact["modifiedon"].as_str().and_then(normalize_time) else {
        return Err(Rejected {
            record_id: id,
            email: Some(email).filter(|e| !e.is_empty()),
            code: "bad_date",
            message: msg!("records-updated-not-a-date"),
        });
    };
    let mut values: [Option<Value>; 11] = Default::default();
    for mapped in &mapping.fields {
        if let Some(name) = &mapped.dynamics {
            values[index(mapped.field)] = json_value(&contact[name.as_str()], mapped.boolean);
        }
    }
    let state = contact["statecode"].as_i64().unwrap_or(0);
    let key = match_attribute.and_then(|a| match &contact[a] {
        serde_json::Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    });
    Ok((SourceRecord { email, system_id: id, modified_at, values, custom: Vec::new() }, state, key))
}

/// A lead from the REST API (`leads.json`).
pub fn marketo_lead(lead: &serde_json::Value, mapping: &Mapping) -> std::result::Result<SourceRecord, Rejected> {
    let id = match &lead["id"] {
        serde_json::Value::Number(n) => n.to_string(),
        serde_json::Value::String(s) => s.clone(),
        _ => String::new(),
    };
    let email = lead[&mapping.marketo_email].as_str().unwrap_or_default().trim().to_owned();
    let updated = lead["updatedAt"].as_str().unwrap_or_default();
    let boolean = |name: &str| {
        mapping.fields.iter().any(|m| m.marketo.as_deref() == Some(name) && m.boolean)
            || mapping.custom.iter().any(|m| m.marketo.as_deref() == Some(name) && m.boolean)
    };
    marketo_record(mapping, |name| json_value(&lead[name], boolean(name)), id.clone(), email.clone(), updated).ok_or(
        Rejected {
            record_id: id,
            email: Some(email).filter(|e| !e.is_empty()),
            code: "bad_date",
            message: msg!("records-updated-missing"),
        },
    )
}

/// The Salesforce objects people come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SfObject {
    Contact,
    Lead,
}

impl SfObject {
    pub fn name(self) -> &'static str {
        match self {
            Self::Contact => "Contact",
            Self::Lead => "Lead",
        }
    }

    /// The mapped field names on this object.
    pub fn fields(self, mapping: &Mapping) -> Vec<String> {
        let mut fields = vec!["Id".to_owned(), "Email".to_owned(), "SystemModstamp".to_owned()];
        let sides = mapping.fields.iter().map(|m| (&m.salesforce_contact, &m.salesforce_lead));
        let sides = sides.chain(mapping.custom.iter().map(|m| (&m.salesforce_contact, &m.salesforce_lead)));
        for (contact, lead) in sides {
            let name = match self {
                Self::Contact => contact.as_ref(),
                Self::Lead => lead.as_ref(),
            };
            if let Some(name) = name
                && !fields.contains(name)
            {
                fields.push(name.clone());
            }
        }
        fields
    }
}

/// A contact or lead from a query result.
pub fn salesforce_record(
    rec: &serde_json::Value,
    object: SfObject,
    mapping: &Mapping,
) -> std::result::Result<SourceRecord, Rejected> {
    let id = rec["Id"].as_str().unwrap_or_default().to_owned();
    let email = rec["Email"].as_str().unwrap_or_default().trim().to_owned();
    let Some(modified_at) = rec["SystemModstamp"].as_str().and_then(normalize_time) else {
        return Err(Rejected {
            record_id: id,
            email: Some(email).filter(|e| !e.is_empty()),
            code: "bad_date",
            message: msg!("records-modstamp-missing", object = object.name()),
        });
    };
    let mut values: [Option<Value>; 11] = Default::default();
    for m in &mapping.fields {
        let name = match object {
            SfObject::Contact => m.salesforce_contact.as_ref(),
            SfObject::Lead => m.salesforce_lead.as_ref(),
        };
        if let Some(name) = name {
            values[index(m.field)] = json_value(&rec[name.as_str()], m.boolean);
        }
    }
    let custom = mapping
        .custom
        .iter()
        .map(|m| {
            let name = match object {
                SfObject::Contact => m.salesforce_contact.as_ref(),
                SfObject::Lead => m.salesforce_lead.as_ref(),
            };
            name.and_then(|n| json_value(&rec[n.as_str()], m.boolean))
        })
        .collect();
    Ok(SourceRecord { email, system_id: id, modified_at, values, custom })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sync::cache::ConflictRule;
    use crate::sync::fields::MappedField;

    fn mapping() -> Mapping {
        Mapping {
            custom: Vec::new(),
            marketo_email: "email".into(),
            fields: vec![
                MappedField {
                    field: PersonField::FirstName,
                    marketo: Some("firstName".into()),
                    salesforce_contact: Some("FirstName".into()),
                    salesforce_lead: Some("FirstName".into()),
                    dynamics: None,
                    rule: ConflictRule::SalesforceWins,
                    boolean: false,
                },
                MappedField {
                    field: PersonField::Unsubscribed,
                    marketo: Some("unsubscribed".into()),
                    salesforce_contact: Some("HasOptedOutOfEmail".into()),
                    salesforce_lead: Some("HasOptedOutOfEmail".into()),
                    dynamics: None,
                    rule: ConflictRule::MarketoWins,
                    boolean: true,
                },
            ],
        }
    }

    #[test]
    fn both_systems_timestamps_normalise_to_one_comparable_shape() {
        assert_eq!(normalize_time("2026-01-31T12:00:00Z").unwrap(), "2026-01-31T12:00:00.000Z");
        assert_eq!(normalize_time("2026-01-31T21:00:00.250+0900").unwrap(), "2026-01-31T12:00:00.250Z");
        assert!(normalize_time("yesterday").is_none());
    }

    #[test]
    fn an_extract_keeps_its_window_and_reads_mapped_fields() {
        let csv = "id,email,createdAt,updatedAt,firstName,unsubscribed\n\
                   1,a@example.com,2026-01-01T00:00:00Z,2026-01-02T00:00:00Z,Ada,true\n\
                   2,b@example.com,2026-02-01T00:00:00Z,2026-02-01T00:00:00Z,,false\n\
                   3,c@example.com,not-a-date,2026-02-01T00:00:00Z,Cy,false\n";
        let (records, rejected) =
            parse_extract(csv, &mapping(), "2026-01-01T00:00:00.000Z", "2026-02-01T00:00:00.000Z").unwrap();
        assert_eq!(records.len(), 1, "the lead on the window's end belongs to the next window");
        assert_eq!(records[0].values[0], Some(Value::Text("Ada".into())));
        assert_eq!(records[0].values[8], Some(Value::Bool(true)));
        assert_eq!(rejected[0].record_id, "3");
    }

    #[test]
    fn a_malformed_extract_file_is_a_clear_error() {
        let err = parse_extract("firstName\nAda\n", &mapping(), "a", "z").unwrap_err();
        assert!(err.message.contains("lacks the id, email"), "{}", err.message);
        let ragged = "id,email,createdAt,updatedAt\n1,a@example.com,2026-01-01T00:00:00Z\n";
        let err = parse_extract(ragged, &mapping(), "a", "z").unwrap_err();
        assert!(err.message.contains("malformed at row 2"), "{}", err.message);
    }

    #[test]
    fn a_salesforce_record_without_a_timestamp_is_rejected_with_its_id() {
        let rec = serde_json::json!({"Id": "003X", "Email": "x@example.com", "FirstName": "X"});
        let err = salesforce_record(&rec, SfObject::Contact, &mapping()).unwrap_err();
        assert_eq!((err.record_id.as_str(), err.code), ("003X", "bad_date"));
        assert_eq!(
            SfObject::Lead.fields(&mapping()),
            vec!["Id", "Email", "SystemModstamp", "FirstName", "HasOptedOutOfEmail"]
        );
    }
}
