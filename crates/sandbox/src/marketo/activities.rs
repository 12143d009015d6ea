//! Activity feeds: activity types, paging tokens, activities, lead changes and deleted leads.

use super::{batch_size, fail, ok, request_id, token_decode, token_encode};
use crate::clock::{iso_z, parse_datetime};
use crate::http::Req;
use crate::state::{Shared, lock};
use serde_json::{Value, json};

const ACTIVITY_TYPES: &[(i64, &str, &str, &str)] = &[
    (1, "Visit Webpage", "Webpage ID", "integer"),
    (2, "Fill Out Form", "Webform ID", "integer"),
    (3, "Click Link", "Link ID", "integer"),
    (6, "Send Email", "Mailing ID", "integer"),
    (7, "Email Delivered", "Mailing ID", "integer"),
    (8, "Email Bounced", "Mailing ID", "integer"),
    (9, "Unsubscribe Email", "Mailing ID", "integer"),
    (10, "Open Email", "Mailing ID", "integer"),
    (11, "Click Email", "Mailing ID", "integer"),
    (12, "New Lead", "Lead ID", "integer"),
    (13, "Change Data Value", "Field ID", "integer"),
    (24, "Add to List", "List ID", "integer"),
    (25, "Remove from List", "List ID", "integer"),
    (27, "Email Bounced Soft", "Mailing ID", "integer"),
    (37, "Delete Lead", "Lead ID", "integer"),
];

pub(super) fn activity_types() -> Value {
    ok(ACTIVITY_TYPES
        .iter()
        .map(|(id, name, primary, dt)| {
            json!({"id": id, "name": name, "description": format!("User {}", name.to_lowercase()),
                "primaryAttribute": {"name": primary, "dataType": dt},
                "attributes": [{"name": "Campaign Run ID", "dataType": "integer"}, {"name": "Source", "dataType": "string"}]})
        })
        .collect())
}

pub(super) fn paging_token(req: &Req) -> Value {
    let Some(since) = req.q("sinceDatetime").filter(|s| !s.is_empty()) else {
        return fail("701", "sinceDatetime cannot be blank");
    };
    let Some(ms) = parse_datetime(since) else {
        return fail("704", "Invalid date format");
    };
    json!({"requestId": request_id(), "success": true, "nextPageToken": token_encode(&format!("d:{ms}:0"))})
}

#[derive(PartialEq)]
pub(super) enum Feed {
    Activities,
    LeadChanges,
    Deleted,
}

pub(super) fn activities(sh: &Shared, req: &Req, feed: Feed) -> Value {
    let Some(tok) = req.q("nextPageToken").filter(|s| !s.is_empty()) else {
        return fail("701", "nextPageToken cannot be blank");
    };
    let Some((since, after)) = token_decode(tok).and_then(|s| {
        let mut p = s.strip_prefix("d:")?.split(':');
        Some((p.next()?.parse::<i64>().ok()?, p.next()?.parse::<i64>().ok()?))
    }) else {
        return fail("1003", "Invalid next page token");
    };
    let types: Vec<i64> = match feed {
        Feed::Activities => {
            let raw: Vec<&str> = req
                .q_all("activityTypeIds")
                .into_iter()
                .flat_map(|s| s.split(','))
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .collect();
            if raw.is_empty() {
                return fail("701", "activityTypeIds cannot be blank");
            }
            if raw.len() > 10 {
                return fail("1003", "Too many activityTypeIds, max 10");
            }
            match raw.iter().map(|s| s.parse::<i64>()).collect::<Result<Vec<_>, _>>() {
                Ok(t) => t,
                Err(_) => return fail("1003", "Invalid activityTypeIds"),
            }
        }
        Feed::LeadChanges => vec![12, 13],
        Feed::Deleted => vec![37],
    };
    let change_fields: Vec<String> = if feed == Feed::LeadChanges {
        match req.q("fields").filter(|s| !s.is_empty()) {
            Some(f) => f.split(',').map(|s| s.trim().to_string()).collect(),
            None => return fail("701", "fields cannot be blank"),
        }
    } else {
        Vec::new()
    };
    let lead_ids: Vec<i64> =
        req.q_all("leadIds").into_iter().flat_map(|s| s.split(',')).filter_map(|s| s.trim().parse().ok()).collect();
    if lead_ids.len() > 30 {
        return fail("1003", "Too many leadIds, max 30");
    }
    let size = match batch_size(req) {
        Ok(b) => b,
        Err(e) => return e,
    };
    let w = lock(&sh.world);
    let list_members = match req.q("listId").filter(|s| !s.is_empty()) {
        Some(l) => match l.parse::<i64>().ok().and_then(|id| w.mk_lists.get(&id)) {
            Some(list) => Some(&list.members),
            None => return fail("1013", "Static list not found"),
        },
        None => None,
    };
    let start = w
        .mk_activities
        .partition_point(|a| if after == 0 { a.date_ms < since } else { (a.date_ms, a.id) <= (since, after) });
    let mut result = Vec::new();
    let mut last = (since, after);
    let mut scanned_to_end = true;
    for a in &w.mk_activities[start..] {
        if result.len() >= size {
            scanned_to_end = false;
            break;
        }
        last = (a.date_ms, a.id);
        if !types.contains(&a.type_id) {
            continue;
        }
        if !lead_ids.is_empty() && !lead_ids.contains(&a.lead_id) {
            continue;
        }
        if list_members.is_some_and(|m| !m.contains_key(&a.lead_id)) {
            continue;
        }
        if feed == Feed::LeadChanges && a.type_id == 13 && !a.fields.iter().any(|f| change_fields.contains(&f.1)) {
            continue;
        }
        let mut item = json!({
            "id": a.id, "marketoGUID": a.guid, "leadId": a.lead_id, "activityDate": iso_z(a.date_ms),
            "activityTypeId": a.type_id,
        });
        if feed == Feed::LeadChanges {
            item["fields"] = Value::Array(
                a.fields
                    .iter()
                    .filter(|f| change_fields.contains(&f.1))
                    .map(|(id, name, new, old)| json!({"id": id, "name": name, "newValue": new, "oldValue": old}))
                    .collect(),
            );
        } else {
            item["primaryAttributeValueId"] = json!(a.primary_id);
            item["primaryAttributeValue"] = json!(a.primary_value);
        }
        item["attributes"] = Value::Array(a.attributes.iter().map(|(n, v)| json!({"name": n, "value": v})).collect());
        result.push(item);
    }
    let mut v = json!({"requestId": request_id(), "success": true,
        "nextPageToken": token_encode(&format!("d:{}:{}", last.0, last.1)), "moreResult": !scanned_to_end});
    if !result.is_empty() {
        v["result"] = Value::Array(result);
    }
    v
}
