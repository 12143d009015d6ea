//! Metadata and organization functions: `EntityDefinitions` (with `Attributes`), the
//! `activitypointers` view over every activity, and `RetrieveCurrentOrganization`.

use super::query::run_query;
use super::{API, Resp, SETS, bad_request, error};
use crate::data::{Kind, Row, Schema, Val};
use crate::http::Req;
use crate::state::Shared;
use crate::world::World;
use axum::http::StatusCode;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// A stable metadata ID from a name (the emulated org never changes its schema).
fn metadata_id(name: &str) -> Uuid {
    let h = Sha256::digest(name.as_bytes());
    let mut b = [0u8; 16];
    b.copy_from_slice(&h[..16]);
    uuid::Builder::from_random_bytes(b).into_uuid()
}

fn label(text: &str) -> Value {
    let l = json!({"Label": text, "LanguageCode": 1033, "IsManaged": true});
    json!({"LocalizedLabels": [l.clone()], "UserLocalizedLabel": l})
}

struct EntityInfo {
    set: &'static str,
    logical: &'static str,
    pk: &'static str,
    custom: bool,
    activity: bool,
    type_code: i64,
    primary_name: &'static str,
    display: &'static str,
}

fn entities() -> Vec<EntityInfo> {
    SETS.iter()
        .map(|(set, logical, pk)| {
            let (custom, activity, type_code, primary_name, display) = match *logical {
                "contact" => (false, false, 2, "fullname", "Contact"),
                "lead" => (false, false, 4, "fullname", "Lead"),
                "list" => (false, false, 4300, "listname", "Marketing List"),
                "task" => (false, true, 4212, "subject", "Task"),
                "lia_emailevent" => (true, true, 10_400, "subject", "Email Event"),
                _ => (true, false, 10_401, "lia_name", "Product Interest"),
            };
            EntityInfo { set, logical, pk, custom, activity, type_code, primary_name, display }
        })
        .collect()
}

fn schema_of<'a>(w: &'a World, set: &str) -> &'a Schema {
    match set {
        "contacts" => &w.dv_contacts.schema,
        "leads" => &w.dv_leads.schema,
        "lists" => &w.dv_lists.schema,
        "tasks" => &w.dv_tasks.schema,
        "lia_emailevents" => &w.dv_emailevents.schema,
        _ => &w.dv_interests.schema,
    }
}

/// `Foo_Bar` → `Foo_Bar`; a schema name is the logical name with its words capitalised.
fn schema_name(logical: &str) -> String {
    let mut out = String::new();
    let mut up = true;
    for c in logical.chars() {
        if up {
            out.extend(c.to_uppercase());
        } else {
            out.push(c);
        }
        up = c == '_';
    }
    out
}

fn entity_json(e: &EntityInfo, settings_tracking: bool) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("MetadataId".into(), json!(metadata_id(e.logical)));
    m.insert("LogicalName".into(), json!(e.logical));
    m.insert("SchemaName".into(), json!(schema_name(e.logical)));
    m.insert("EntitySetName".into(), json!(e.set));
    m.insert("LogicalCollectionName".into(), json!(e.set));
    m.insert("PrimaryIdAttribute".into(), json!(e.pk));
    m.insert("PrimaryNameAttribute".into(), json!(e.primary_name));
    m.insert("ObjectTypeCode".into(), json!(e.type_code));
    m.insert("IsCustomEntity".into(), json!(e.custom));
    m.insert("IsActivity".into(), json!(e.activity));
    let tracking = match e.logical {
        "contact" => settings_tracking,
        "lia_productinterest" => true,
        _ => false,
    };
    m.insert("ChangeTrackingEnabled".into(), json!(tracking));
    m.insert("DisplayName".into(), label(e.display));
    m.insert("DisplayCollectionName".into(), label(&format!("{}s", e.display)));
    m
}

const ENTITY_PROPS: [&str; 13] = [
    "MetadataId",
    "LogicalName",
    "SchemaName",
    "EntitySetName",
    "LogicalCollectionName",
    "PrimaryIdAttribute",
    "PrimaryNameAttribute",
    "ObjectTypeCode",
    "IsCustomEntity",
    "IsActivity",
    "ChangeTrackingEnabled",
    "DisplayName",
    "DisplayCollectionName",
];

/// Properties of the base `AttributeMetadata` type; `MaxLength` and `Targets` belong to derived
/// types (`StringAttributeMetadata`, `LookupAttributeMetadata`…) and need a cast segment to be selected.
const ATTRIBUTE_PROPS: [&str; 14] = [
    "MetadataId",
    "LogicalName",
    "SchemaName",
    "AttributeType",
    "AttributeTypeName",
    "AttributeOf",
    "EntityLogicalName",
    "IsCustomAttribute",
    "IsPrimaryId",
    "IsValidForRead",
    "IsValidForCreate",
    "IsValidForUpdate",
    "RequiredLevel",
    "DisplayName",
];

/// (AttributeType, AttributeTypeName, derived type) of a field.
fn attribute_type(name: &str, kind: Kind) -> (&'static str, &'static str, &'static str) {
    match (name, kind) {
        ("statecode", _) => ("State", "StateType", "StateAttributeMetadata"),
        ("versionnumber", _) => ("BigInt", "BigIntType", "BigIntAttributeMetadata"),
        (_, Kind::Id) => ("Uniqueidentifier", "UniqueidentifierType", "UniqueIdentifierAttributeMetadata"),
        (_, Kind::Text) => ("Memo", "MemoType", "MemoAttributeMetadata"),
        (_, Kind::Bool) => ("Boolean", "BooleanType", "BooleanAttributeMetadata"),
        (_, Kind::Int) => ("Integer", "IntegerType", "IntegerAttributeMetadata"),
        (_, Kind::DateTime | Kind::Date) => ("DateTime", "DateTimeType", "DateTimeAttributeMetadata"),
        (_, Kind::Ref) => ("Lookup", "LookupType", "LookupAttributeMetadata"),
        (_, Kind::Picklist) => ("Picklist", "PicklistType", "PicklistAttributeMetadata"),
        _ => ("String", "StringType", "StringAttributeMetadata"),
    }
}

fn attributes(entity: &str, pk: &str, schema: &Schema) -> Vec<Map<String, Value>> {
    let mut out = Vec::new();
    for f in &schema.fields {
        // A lookup's value column `_x_value` is the attribute `x`.
        let logical = f.name.strip_prefix('_').and_then(|n| n.strip_suffix("_value")).unwrap_or(&f.name);
        let (ty, type_name, derived) = attribute_type(&f.name, f.kind);
        let computed = super::COMPUTED.contains(&f.name.as_str());
        let mut m = Map::new();
        m.insert("@odata.type".into(), json!(format!("#Microsoft.Dynamics.CRM.{derived}")));
        m.insert("MetadataId".into(), json!(metadata_id(&format!("{entity}.{logical}"))));
        m.insert("LogicalName".into(), json!(logical));
        m.insert("SchemaName".into(), json!(schema_name(logical)));
        m.insert("AttributeType".into(), json!(ty));
        m.insert("AttributeTypeName".into(), json!({"Value": type_name}));
        m.insert("AttributeOf".into(), Value::Null);
        m.insert("EntityLogicalName".into(), json!(entity));
        m.insert("IsCustomAttribute".into(), json!(logical.starts_with("lia_")));
        m.insert("IsPrimaryId".into(), json!(f.name == pk));
        m.insert("IsValidForRead".into(), json!(true));
        m.insert("IsValidForCreate".into(), json!(!computed));
        m.insert("IsValidForUpdate".into(), json!(!computed && f.name != pk));
        let required = if f.name == pk { "SystemRequired" } else { "None" };
        m.insert("RequiredLevel".into(), json!({"Value": required, "CanBeChanged": false}));
        m.insert("DisplayName".into(), label(&f.label));
        if matches!(ty, "String" | "Memo") {
            m.insert("MaxLength".into(), json!(f.len));
            let format = if f.kind == Kind::Email { "Email" } else { "Text" };
            m.insert("Format".into(), json!(format));
        }
        if ty == "Lookup" {
            let targets: Vec<&str> = match logical {
                "regardingobjectid" => vec!["contact", "lead", "list"],
                _ => vec!["contact"],
            };
            m.insert("Targets".into(), json!(targets));
        }
        out.push(m);
    }
    out
}

/// Keeps the selected properties (plus the annotations), or all of them without `$select`;
/// an unknown property is Dataverse's 400.
fn project(m: Map<String, Value>, select: &Option<Vec<String>>, allowed: &[&str], ty: &str) -> Result<Value, Resp> {
    let Some(sel) = select else { return Ok(Value::Object(m)) };
    for s in sel {
        if !allowed.contains(&s.as_str()) {
            return Err(bad_request(&format!(
                "Could not find a property named '{s}' on type 'Microsoft.Dynamics.CRM.{ty}'."
            )));
        }
    }
    let mut out = Map::new();
    for (k, v) in m {
        if k.starts_with('@') || k == "MetadataId" || sel.contains(&k) {
            out.insert(k, v);
        }
    }
    Ok(Value::Object(out))
}

fn split_list(s: &str) -> Vec<String> {
    s.split(',').map(|p| p.trim().to_string()).filter(|p| !p.is_empty()).collect()
}

/// `$expand=Attributes($select=A,B)` → Some(Some([A,B])); `$expand=Attributes` → Some(None).
fn expand_attributes(req: &Req) -> Result<Option<Option<Vec<String>>>, Resp> {
    let Some(e) = req.q("$expand").map(str::trim) else { return Ok(None) };
    let Some(rest) = e.strip_prefix("Attributes") else {
        return Err(bad_request(&format!(
            "Could not find a property named '{}' on type 'Microsoft.Dynamics.CRM.EntityMetadata'.",
            e.split('(').next().unwrap_or(e)
        )));
    };
    let rest = rest.trim();
    if rest.is_empty() {
        return Ok(Some(None));
    }
    let inner = rest.strip_prefix('(').and_then(|r| r.strip_suffix(')')).unwrap_or("");
    match inner.strip_prefix("$select=") {
        Some(list) => Ok(Some(Some(split_list(list)))),
        None if inner.is_empty() => Ok(Some(None)),
        None => Err(bad_request("Only $select is supported inside $expand=Attributes(…).")),
    }
}

/// `LogicalName eq 'x' and IsCustomEntity eq true` (the conditions clients use on metadata).
fn metadata_filter(filter: &str, m: &Map<String, Value>) -> Result<bool, Resp> {
    for cond in filter.split(" and ") {
        let parts: Vec<&str> = cond.split_whitespace().collect();
        let [prop, "eq", value] = parts[..] else {
            return Err(bad_request(&format!(
                "The metadata query supports 'Property eq value' conditions, not '{cond}'."
            )));
        };
        let want = match value {
            "true" => json!(true),
            "false" => json!(false),
            v => json!(v.trim_matches('\'')),
        };
        if m.get(prop) != Some(&want) {
            return Ok(false);
        }
    }
    Ok(true)
}

/// `EntityDefinitions…` requests: the collection, one entity by `LogicalName='…'`, and its
/// `Attributes` (optionally cast to a derived attribute type).
pub(super) fn entity_definitions(sh: &Shared, w: &World, req: &Req, segs: &[&str]) -> Resp {
    let org = &sh.endpoints.dynamics.org_url;
    let tracking = sh.settings().dynamics_contacts_change_tracking;
    let all = entities();
    let select = req.q("$select").map(split_list);
    let first = segs[0].replace("%27", "'");
    let key = first.strip_prefix("EntityDefinitions(").and_then(|r| r.strip_suffix(')'));
    let Some(key) = key else {
        // The collection.
        let mut value = Vec::new();
        for e in &all {
            let m = entity_json(e, tracking);
            if let Some(f) = req.q("$filter") {
                match metadata_filter(f, &m) {
                    Ok(true) => {}
                    Ok(false) => continue,
                    Err(r) => return r,
                }
            }
            match project(m, &select, &ENTITY_PROPS, "EntityMetadata") {
                Ok(v) => value.push(v),
                Err(r) => return r,
            }
        }
        let ctx = match &select {
            Some(s) => format!("{org}{API}/$metadata#EntityDefinitions({})", s.join(",")),
            None => format!("{org}{API}/$metadata#EntityDefinitions"),
        };
        return Resp::json(StatusCode::OK, json!({"@odata.context": ctx, "value": value}));
    };
    let logical = key.strip_prefix("LogicalName=").map(|v| v.trim_matches('\'')).unwrap_or("");
    let by_id = key.parse::<Uuid>().ok();
    let Some(e) = all.iter().find(|e| e.logical == logical || by_id == Some(metadata_id(e.logical))) else {
        return error(StatusCode::NOT_FOUND, "0x80060888", &format!("Could not find entity with key '{key}'."));
    };
    let schema = schema_of(w, e.set);
    match segs.get(1).copied() {
        None => {
            let m = entity_json(e, tracking);
            let mut v = match project(m, &select, &ENTITY_PROPS, "EntityMetadata") {
                Ok(v) => v,
                Err(r) => return r,
            };
            let expand = match expand_attributes(req) {
                Ok(x) => x,
                Err(r) => return r,
            };
            if let Some(attr_select) = expand {
                let mut list = Vec::new();
                for a in attributes(e.logical, e.pk, schema) {
                    match project(a, &attr_select, &ATTRIBUTE_PROPS, "AttributeMetadata") {
                        Ok(x) => list.push(x),
                        Err(r) => return r,
                    }
                }
                v["Attributes"] = Value::Array(list);
            }
            v["@odata.context"] = json!(format!("{org}{API}/$metadata#EntityDefinitions/$entity"));
            Resp::json(StatusCode::OK, v)
        }
        Some("Attributes") => {
            // `Attributes/Microsoft.Dynamics.CRM.StringAttributeMetadata` narrows to one derived type.
            let cast = segs.get(2).and_then(|c| c.strip_prefix("Microsoft.Dynamics.CRM."));
            let mut allowed: Vec<&str> = ATTRIBUTE_PROPS.to_vec();
            let ty = cast.unwrap_or("AttributeMetadata");
            match cast {
                None => {}
                Some("StringAttributeMetadata" | "MemoAttributeMetadata") => allowed.extend(["MaxLength", "Format"]),
                Some("LookupAttributeMetadata") => allowed.push("Targets"),
                Some(_) => {}
            }
            let mut value = Vec::new();
            for a in attributes(e.logical, e.pk, schema) {
                if let Some(c) = cast
                    && a.get("@odata.type").and_then(Value::as_str) != Some(&format!("#Microsoft.Dynamics.CRM.{c}"))
                {
                    continue;
                }
                if let Some(f) = req.q("$filter") {
                    match metadata_filter(f, &a) {
                        Ok(true) => {}
                        Ok(false) => continue,
                        Err(r) => return r,
                    }
                }
                match project(a, &select, &allowed, ty) {
                    Ok(x) => value.push(x),
                    Err(r) => return r,
                }
            }
            let ctx = format!("{org}{API}/$metadata#EntityDefinitions('{}')/Attributes", e.logical);
            Resp::json(StatusCode::OK, json!({"@odata.context": ctx, "value": value}))
        }
        Some(other) => super::not_found_segment(other),
    }
}

/// The activity pointer columns every activity shares.
pub(crate) fn activitypointer_schema() -> Schema {
    use Kind::*;
    Schema::new(
        "activitypointer",
        &[
            ("activityid", Id, 0, false),
            ("activitytypecode", Str, 64, false),
            ("subject", Str, 400, false),
            ("description", Text, 2000, false),
            ("actualend", DateTime, 0, false),
            ("scheduledend", DateTime, 0, false),
            ("_regardingobjectid_value", Ref, 0, false),
            ("statecode", Int, 0, false),
            ("createdon", DateTime, 0, false),
            ("modifiedon", DateTime, 0, false),
            ("versionnumber", Int, 0, false),
        ],
    )
}

/// `GET activitypointers?$filter=_regardingobjectid_value eq <contact id>`: every activity (tasks
/// and the custom email events) as the contact's timeline shows them.
pub(super) fn activitypointers(sh: &Shared, w: &World, req: &Req) -> Resp {
    let schema = activitypointer_schema();
    let mut rows: Vec<(Uuid, Row)> = Vec::new();
    for (table, code) in [(&w.dv_tasks, "task"), (&w.dv_emailevents, "lia_emailevent")] {
        let s = &table.schema;
        for (id, r) in &table.rows {
            let mut out = schema.blank_row();
            for f in &schema.fields {
                let v = match f.name.as_str() {
                    "activitytypecode" => Val::s(code),
                    "actualend" if code == "lia_emailevent" && r.get(s, "actualend").is_null() => {
                        r.get(s, "lia_occurredon").clone()
                    }
                    name => r.get(s, name).clone(),
                };
                out.set(&schema, &f.name, v);
            }
            rows.push((*id, out));
        }
    }
    rows.sort_by_key(|(id, _)| *id);
    let refs: Vec<(&Uuid, &Row)> = rows.iter().map(|(k, r)| (k, r)).collect();
    run_query(sh, req, &schema, refs, "activitypointer", "activityid", "activitypointers", "activitypointers")
}

/// `RetrieveCurrentOrganization(AccessType=@p)?@p=Microsoft.Dynamics.CRM.EndpointAccessType'Default'`:
/// an online org names its environment, geo and data centre; an on-premises one (setting
/// `dynamics_on_premises`) has none of them and reports a 9.1 version.
pub(super) fn retrieve_current_organization(sh: &Shared, w: &World, req: &Req, seg: &str) -> Resp {
    let org = &sh.endpoints.dynamics.org_url;
    let alias = seg.trim_start_matches("RetrieveCurrentOrganization(").trim_end_matches(')');
    let access = match alias.strip_prefix("AccessType=") {
        Some(a) if a.starts_with('@') => req.q(a).unwrap_or("").to_string(),
        Some(a) => a.to_string(),
        None => String::new(),
    };
    let access = access.replace("%27", "'");
    let valid = ["Default", "Internet", "Intranet"]
        .iter()
        .any(|v| access == format!("Microsoft.Dynamics.CRM.EndpointAccessType'{v}'") || access == format!("'{v}'"));
    if !valid {
        return bad_request(
            "The parameter 'AccessType' of the function 'RetrieveCurrentOrganization' is missing or invalid.",
        );
    }
    let host = org.split("://").nth(1).unwrap_or(org).split('/').next().unwrap_or("");
    let url_name = host.split('.').next().unwrap_or("org").to_string();
    let on_prem = sh.settings().dynamics_on_premises;
    let detail = if on_prem {
        json!({
            "OrganizationId": w.dv_user.2, "FriendlyName": "Liaison Sandbox", "OrganizationVersion": "9.1.0.32091",
            "EnvironmentId": "", "DatacenterId": Uuid::nil(), "Geo": "", "TenantId": "",
            "UrlName": url_name, "UniqueName": url_name, "State": "Enabled", "OrganizationType": "Customer",
            "SchemaType": "", "Endpoints": {"Count": 3, "IsReadOnly": false,
                "Keys": ["WebApplication", "OrganizationService", "OrganizationDataService"],
                "Values": [format!("{org}/"), format!("{org}/XRMServices/2011/Organization.svc"),
                    format!("{org}/XRMServices/2011/OrganizationData.svc")]}
        })
    } else {
        json!({
            "OrganizationId": w.dv_user.2, "FriendlyName": "Liaison Sandbox", "OrganizationVersion": "9.2.25113.171",
            "EnvironmentId": metadata_id("environment"), "DatacenterId": metadata_id("datacenter"), "Geo": "NA",
            "TenantId": metadata_id("tenant"), "UrlName": url_name, "UniqueName": format!("unq{}", metadata_id("unique").simple()),
            "State": "Enabled", "OrganizationType": "Customer", "SchemaType": "Standard",
            "Endpoints": {"Count": 3, "IsReadOnly": false,
                "Keys": ["WebApplication", "OrganizationService", "OrganizationDataService"],
                "Values": [format!("{org}/"), format!("{org}/XRMServices/2011/Organization.svc"),
                    format!("{org}/XRMServices/2011/OrganizationData.svc")]}
        })
    };
    Resp::json(
        StatusCode::OK,
        json!({"@odata.context": format!("{org}{API}/$metadata#Microsoft.Dynamics.CRM.RetrieveCurrentOrganizationResponse"),
            "Detail": detail}),
    )
}
