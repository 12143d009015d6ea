//! Leads: describe, query by filter or id, createOrUpdate (`sync_one`, shared with bulk import) and delete.

use super::{MAX_BATCH, batch_size, fail, field_list, ids_from, json_body, lead_json, ok, page, position_of, skipped};
use crate::data::{Kind, Row, Schema, Val, json_val};
use crate::http::Req;
use crate::state::{Shared, lock};
use crate::world::World;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::sync::Arc;

const SEARCHABLE: [&str; 12] = [
    "id",
    "email",
    "cookies",
    "facebookId",
    "leadPartitionId",
    "linkedInId",
    "sfdcAccountId",
    "sfdcContactId",
    "sfdcLeadId",
    "sfdcLeadOwnerId",
    "sfdcOpptyId",
    "twitterId",
];

pub(crate) fn mk_type(k: Kind) -> &'static str {
    match k {
        Kind::Int | Kind::Id => "integer",
        Kind::Email => "email",
        Kind::Str | Kind::Picklist => "string",
        Kind::Text => "text",
        Kind::Bool => "boolean",
        Kind::DateTime => "datetime",
        Kind::Date => "date",
        Kind::Phone => "phone",
        Kind::Ref => "reference",
    }
}

pub(super) fn describe() -> Value {
    let schema = crate::world::marketo_lead_schema();
    let result = schema
        .fields
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let mut v = json!({
                "id": i + 1,
                "displayName": f.label,
                "dataType": mk_type(f.kind),
                "rest": {"name": f.name, "readOnly": !f.updateable},
                "soap": {"name": soap_name(&f.name), "readOnly": !f.updateable},
            });
            if f.len > 0 {
                v["length"] = json!(f.len);
            }
            v
        })
        .collect();
    ok(result)
}

fn soap_name(rest: &str) -> String {
    let mut c = rest.chars();
    c.next().map(|f| f.to_uppercase().collect::<String>() + c.as_str()).unwrap_or_default()
}

pub(super) fn describe2() -> Value {
    let schema = crate::world::marketo_lead_schema();
    let fields: Vec<Value> = schema
        .fields
        .iter()
        .map(|f| {
            let mut v = json!({"name": f.name, "displayName": f.label, "dataType": mk_type(f.kind), "updateable": f.updateable,
                "crmManaged": f.name.starts_with("sfdc")});
            if f.len > 0 {
                v["length"] = json!(f.len);
            }
            v
        })
        .collect();
    let searchable: Vec<Value> = ["email", "id", "sfdcContactId", "sfdcLeadId"].iter().map(|f| json!([f])).collect();
    ok(vec![json!({"name": "API Lead", "searchableFields": searchable, "fields": fields})])
}

fn split_values(s: &str) -> Vec<String> {
    s.split(',').map(|v| v.trim().to_string()).filter(|v| !v.is_empty()).collect()
}

fn matches_value(def_kind: Kind, v: &Val, wanted: &str) -> bool {
    match (def_kind, v) {
        (_, Val::Int(i)) => wanted.parse::<i64>().is_ok_and(|w| w == *i),
        (Kind::Email, Val::Str(s)) => s.eq_ignore_ascii_case(wanted),
        (_, Val::Str(s)) => &**s == wanted,
        _ => false,
    }
}

pub(super) fn leads_by_filter(sh: &Shared, req: &Req) -> Value {
    let Some(filter_type) = req.q("filterType").filter(|s| !s.is_empty()) else {
        return fail("1003", "filterType cannot be blank");
    };
    let values = split_values(&req.q_all("filterValues").join(","));
    if values.is_empty() {
        return fail("1003", "filterValues cannot be blank");
    }
    if values.len() > MAX_BATCH {
        return fail("1003", &format!("Number of filterValues exceeds limit of {MAX_BATCH}"));
    }
    let w = lock(&sh.world);
    let schema = w.mk_leads.schema.clone();
    let Some(fi) = schema.idx(filter_type) else {
        return fail("1003", &format!("Invalid filterType '{filter_type}'"));
    };
    let fdef = &schema.fields[fi];
    let searchable = SEARCHABLE.contains(&filter_type)
        || (!matches!(fdef.kind, Kind::Bool | Kind::DateTime) && filter_type.starts_with("c_"));
    if !searchable {
        return fail("1011", &format!("Field '{filter_type}' not supported"));
    }
    let fields = match field_list(&schema, req) {
        Ok(f) => f,
        Err(e) => return e,
    };
    let (start, size) = match (position_of(req), batch_size(req)) {
        (Ok(s), Ok(b)) => (s, b),
        (Err(e), _) | (_, Err(e)) => return e,
    };
    let matched: Vec<&Row> = if filter_type.starts_with("sfdc") && !sh.settings().marketo_salesforce_sync {
        Vec::new()
    } else if filter_type == "id" {
        values.iter().filter_map(|v| v.parse::<i64>().ok()).filter_map(|id| w.mk_leads.rows.get(&id)).collect()
    } else if filter_type == "email" {
        let ids: BTreeSet<i64> = values.iter().flat_map(|v| w.mk_by_email.ids(&w.mk_leads, v)).collect();
        ids.iter().filter_map(|id| w.mk_leads.rows.get(id)).collect()
    } else {
        let wanted: BTreeSet<String> =
            values.iter().map(|v| if fdef.kind == Kind::Email { v.to_ascii_lowercase() } else { v.clone() }).collect();
        w.mk_leads
            .rows
            .values()
            .filter(|r| match &r.0[fi] {
                Val::Str(s) if fdef.kind == Kind::Email => wanted.contains(&s.to_ascii_lowercase()),
                v => wanted.iter().any(|x| matches_value(fdef.kind, v, x)),
            })
            .collect()
    };
    if matched.len() > 1000 {
        return fail("1003", "Too many results match the filter");
    }
    page(matched.iter().map(|r| lead_json(&schema, r, &fields)), start, size)
}

pub(super) fn lead_by_id(sh: &Shared, req: &Req, id_json: &str) -> Value {
    let Some(id) = id_json.strip_suffix(".json").and_then(|s| s.parse::<i64>().ok()) else {
        return fail("610", "Requested resource not found");
    };
    let w = lock(&sh.world);
    let schema = w.mk_leads.schema.clone();
    let fields = match field_list(&schema, req) {
        Ok(f) => f,
        Err(e) => return e,
    };
    ok(w.mk_leads.rows.get(&id).map(|r| lead_json(&schema, r, &fields)).into_iter().collect())
}

fn find_by_lookup(w: &World, schema: &Schema, field: usize, value: &Val) -> Vec<i64> {
    let kind = schema.fields[field].kind;
    if schema.fields[field].name == "id" {
        return value.as_int().filter(|id| w.mk_leads.rows.contains_key(id)).into_iter().collect();
    }
    if schema.fields[field].name == "email" {
        return value.as_str().map(|e| w.mk_by_email.ids(&w.mk_leads, e)).unwrap_or_default();
    }
    w.mk_leads
        .rows
        .iter()
        .filter(|(_, r)| match (&r.0[field], value) {
            (Val::Str(a), Val::Str(b)) if kind == Kind::Email => a.eq_ignore_ascii_case(b),
            (a, b) => !a.is_null() && a == b,
        })
        .map(|(k, _)| *k)
        .collect()
}

pub(super) fn sync_leads(sh: &Shared, req: &Req, now: i64) -> Value {
    let body = match json_body(req) {
        Ok(b) => b,
        Err(e) => return e,
    };
    let action = body.get("action").and_then(Value::as_str).unwrap_or("createOrUpdate");
    if !matches!(action, "createOnly" | "updateOnly" | "createOrUpdate" | "createDuplicate") {
        return fail("1003", &format!("Invalid action '{action}'"));
    }
    let lookup = body.get("lookupField").and_then(Value::as_str).unwrap_or("email");
    let Some(input) = body.get("input").and_then(Value::as_array) else {
        return fail("701", "input cannot be blank");
    };
    if input.is_empty() {
        return fail("701", "input cannot be blank");
    }
    if input.len() > MAX_BATCH {
        return fail("1003", &format!("Number of records in input exceeds limit of {MAX_BATCH}"));
    }
    let mut w = lock(&sh.world);
    let schema = w.mk_leads.schema.clone();
    let Some(li) = schema.idx(lookup).filter(|_| SEARCHABLE.contains(&lookup)) else {
        return fail("1011", &format!("Field '{lookup}' not supported"));
    };
    if lookup == "id" && action != "updateOnly" {
        return fail("1003", "Lookup field 'id' is only valid with action 'updateOnly'");
    }
    let mut results = Vec::new();
    for rec in input {
        results.push(sync_one(&mut w, &schema, rec, action, li, now));
    }
    ok(results)
}

pub(crate) fn sync_one(w: &mut World, schema: &Arc<Schema>, rec: &Value, action: &str, li: usize, now: i64) -> Value {
    let Some(obj) = rec.as_object() else {
        return skipped("1003", "Invalid data");
    };
    let mut values = Vec::new();
    for (k, v) in obj {
        let Some(i) = schema.idx(k) else {
            return skipped("1006", &format!("Field '{k}' not found"));
        };
        let def = &schema.fields[i];
        match json_val(def, v) {
            Ok(val) => {
                if def.kind == Kind::Email && val.as_str().is_some_and(|s| !s.is_empty() && !valid_email(s)) {
                    return skipped("1003", &format!("Invalid email address '{}'", val.as_str().unwrap_or("")));
                }
                values.push((i, val));
            }
            Err(t) => return skipped("1001", &format!("Invalid value '{v}'. Required of type '{t}'")),
        }
    }
    let lookup_val = values.iter().find(|(i, _)| *i == li).map(|(_, v)| v.clone());
    let existing = match &lookup_val {
        Some(v) if !v.is_null() && action != "createDuplicate" => find_by_lookup(w, schema, li, v),
        _ => Vec::new(),
    };
    if existing.len() > 1 && action != "createDuplicate" {
        return skipped("1007", "Multiple lead match lookup criteria");
    }
    match (existing.first(), action) {
        (Some(_), "createOnly") => skipped("1005", "Lead already exists"),
        (None, "updateOnly") => skipped("1004", "Lead not found"),
        (Some(id), _) => {
            let id = *id;
            let Some(row) = w.mk_leads.rows.get_mut(&id) else { return skipped("1004", "Lead not found") };
            let mut changes = Vec::new();
            for (i, v) in values {
                let def = &schema.fields[i];
                if !def.updateable {
                    continue;
                }
                if row.0[i] != v {
                    changes.push((i as i64, def.name.clone(), v.clone(), row.0[i].clone()));
                    row.0[i] = v;
                }
            }
            if let Some((_, _, new, old)) = changes.iter().find(|c| c.1 == "email") {
                w.mk_by_email.remove(old, id);
                w.mk_by_email.add(new, id);
            }
            if !changes.is_empty() {
                crate::world::touch(schema, row, now);
            }
            for (fid, name, new, old) in changes {
                let a = w.mk_activity(id, now, 13, (fid, name.clone()));
                a.fields.push((fid, name, show(&new), show(&old)));
                a.attributes.push(("Source".into(), json!("Web service API")));
            }
            json!({"id": id, "status": "updated"})
        }
        (None, _) => {
            if lookup_val.as_ref().is_none_or(Val::is_null)
                && schema.fields[li].name == "email"
                && action != "createDuplicate"
            {
                return skipped("1003", "Value for lookup field 'email' not found");
            }
            w.mk_next_id += 1;
            let id = w.mk_next_id;
            let mut row = schema.blank_row();
            for (i, v) in values {
                if schema.fields[i].updateable {
                    row.0[i] = v;
                }
            }
            row.set(schema, "id", Val::Int(id));
            for f in ["unsubscribed", "emailInvalid", "doNotCall"] {
                if row.get(schema, f).is_null() {
                    row.set(schema, f, Val::Bool(false));
                }
            }
            row.set(schema, "createdAt", Val::Int(now));
            row.set(schema, "updatedAt", Val::Int(now));
            w.mk_by_email.add(row.get(schema, "email"), id);
            w.mk_leads.rows.insert(id, row);
            let a = w.mk_activity(id, now, 12, (id, "New lead".into()));
            a.attributes.push(("Source Type".into(), json!("Web service API")));
            json!({"id": id, "status": "created"})
        }
    }
}

/// Marketo refuses an email that is not `local@domain` in ASCII (one `@`, both sides non-empty,
/// no spaces); an import row with one fails with the reason in its failures file.
pub(crate) fn valid_email(s: &str) -> bool {
    s.is_ascii()
        && !s.bytes().any(|b| b.is_ascii_whitespace() || b.is_ascii_control())
        && s.split_once('@')
            .is_some_and(|(local, domain)| !local.is_empty() && !domain.is_empty() && !domain.contains('@'))
}

pub(crate) fn show(v: &Val) -> Option<String> {
    match v {
        Val::Null => None,
        Val::Bool(b) => Some(b.to_string()),
        Val::Int(i) => Some(i.to_string()),
        Val::Str(s) => Some(s.to_string()),
    }
}

pub(super) fn delete_leads(sh: &Shared, req: &Req, now: i64) -> Value {
    let ids = match ids_from(req) {
        Ok(i) => i,
        Err(e) => return e,
    };
    let mut w = lock(&sh.world);
    let mut results = Vec::new();
    for id in ids {
        if let Some(row) = w.mk_leads.rows.remove(&id) {
            let schema = w.mk_leads.schema.clone();
            w.mk_by_email.remove(row.get(&schema, "email"), id);
            for l in w.mk_lists.values_mut() {
                l.members.remove(&id);
            }
            // A deleted person's activity log goes with them; the deletion itself is logged.
            w.mk_activities.retain(|a| a.lead_id != id || a.type_id == 37);
            w.mk_activity(id, now, 37, (id, "Deleted via API".into()));
            results.push(json!({"id": id, "status": "deleted"}));
        } else {
            let mut s = skipped("1004", "Lead not found");
            s["id"] = json!(id);
            results.push(s);
        }
    }
    ok(results)
}
