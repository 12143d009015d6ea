//! sObject describe and describeGlobal.

use super::{OBJECTS, canonical};
use crate::data::{Kind, Schema};
use crate::http::json_response;
use crate::state::{Shared, lock};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

fn sf_type(k: Kind) -> (&'static str, &'static str) {
    match k {
        Kind::Id => ("id", "tns:ID"),
        Kind::Str => ("string", "xsd:string"),
        Kind::Email => ("email", "xsd:string"),
        Kind::Phone => ("phone", "xsd:string"),
        Kind::Text => ("textarea", "xsd:string"),
        Kind::Bool => ("boolean", "xsd:boolean"),
        Kind::Int => ("int", "xsd:int"),
        Kind::DateTime => ("datetime", "xsd:dateTime"),
        Kind::Date => ("date", "xsd:date"),
        Kind::Ref => ("reference", "tns:ID"),
        Kind::Picklist => ("picklist", "xsd:string"),
    }
}

pub(super) fn object_summary(name: &str, _schema: &Schema, base: &str) -> Value {
    let (_, prefix, plural) = canonical(name).unwrap_or(("", "", ""));
    json!({
        "name": name, "label": name, "labelPlural": plural, "keyPrefix": prefix, "custom": false, "createable": true,
        "updateable": true, "deletable": name != "User", "queryable": true, "retrieveable": true, "searchable": true,
        "urls": {"sobject": format!("{base}/sobjects/{name}"), "describe": format!("{base}/sobjects/{name}/describe"),
            "rowTemplate": format!("{base}/sobjects/{name}/{{ID}}")},
    })
}

pub(super) fn describe(name: &str, schema: &Schema, base: &str) -> Value {
    let fields: Vec<Value> = schema
        .fields
        .iter()
        .map(|f| {
            let (t, soap) = sf_type(f.kind);
            let refs: Vec<&str> = match f.name.as_str() {
                "OwnerId" => vec!["User"],
                "WhoId" => vec!["Contact", "Lead"],
                "WhatId" => vec!["Account", "Opportunity", "Campaign", "Case"],
                _ => vec![],
            };
            let system = matches!(f.name.as_str(), "Id" | "IsDeleted" | "CreatedDate" | "LastModifiedDate" | "SystemModstamp" | "Name");
            json!({
                "name": f.name, "label": f.label, "type": t, "soapType": soap, "length": if matches!(f.kind, Kind::Bool | Kind::DateTime | Kind::Date | Kind::Int) { 0 } else { f.len },
                "byteLength": if matches!(f.kind, Kind::Bool | Kind::DateTime | Kind::Date | Kind::Int) { 0 } else { f.len * 3 },
                "createable": f.updateable, "updateable": f.updateable, "nillable": !f.required && f.kind != Kind::Bool && !system,
                "custom": false, "defaultedOnCreate": system || f.kind == Kind::Bool || f.name == "OwnerId" || f.name == "Status",
                "externalId": false, "unique": false, "idLookup": f.name == "Id" || f.kind == Kind::Email, "calculated": false,
                "filterable": true, "sortable": f.kind != Kind::Text, "groupable": f.kind != Kind::Text,
                "picklistValues": f.picklist.iter().enumerate().map(|(i, v)| json!({"active": true, "defaultValue": i == 0 && f.name == "Status", "label": v, "validFor": null, "value": v})).collect::<Vec<_>>(),
                "restrictedPicklist": false, "dependentPicklist": false, "referenceTo": refs,
                "relationshipName": match f.name.as_str() { "OwnerId" => json!("Owner"), "WhoId" => json!("Who"), "WhatId" => json!("What"), _ => Value::Null },
                "precision": 0, "scale": 0, "digits": 0, "htmlFormatted": false, "nameField": f.name == "Name", "autoNumber": false,
            })
        })
        .collect();
    let mut v = object_summary(name, schema, base);
    v["fields"] = Value::Array(fields);
    v["childRelationships"] = json!([]);
    v["recordTypeInfos"] = json!([]);
    v
}

pub(super) fn describe_global(sh: &Shared, base: &str) -> Response {
    let w = lock(&sh.world);
    let list: Vec<Value> = OBJECTS.iter().map(|(n, _, _)| object_summary(n, &w.sf_contacts.schema, base)).collect();
    json_response(StatusCode::OK, &json!({"encoding": "UTF-8", "maxBatchSize": 200, "sobjects": list}))
}
