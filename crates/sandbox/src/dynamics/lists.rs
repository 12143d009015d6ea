//! Marketing list membership: `listcontact_association` references and the `AddListMembersList` action.

use super::query::run_query;
use super::writes::{Journal, change_members};
use super::{Resp, bad_request, does_not_exist, error, table};
use crate::data::Row;
use crate::http::Req;
use crate::state::Shared;
use crate::world::{World, new_uuid};
use axum::http::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

pub(super) fn list_members(sh: &Shared, w: &mut World, req: &Req, list: Uuid, nav: &str) -> Resp {
    if !w.dv_lists.rows.contains_key(&list) {
        return does_not_exist("list", &list.to_string());
    }
    let (set, entity, pk) =
        if nav == "listlead_association" { ("leads", "lead", "leadid") } else { ("contacts", "contact", "contactid") };
    let members: Vec<Uuid> = w.dv_members.get(&list).map(|m| m.keys().copied().collect()).unwrap_or_default();
    let t = table(w, set);
    let schema = t.schema.clone();
    let rows: Vec<(&Uuid, &Row)> = members.iter().filter_map(|id| t.rows.get_key_value(id)).collect();
    run_query(sh, req, &schema, rows, entity, pk, &format!("lists({list})/{nav}"), set)
}

/// Member type must match the list's `createdfromcode` (2 = contact, 4 = lead).
fn check_member(w: &World, list: Uuid, member: Uuid) -> Result<(), Resp> {
    let s = w.dv_lists.schema.clone();
    let Some(l) = w.dv_lists.rows.get(&list) else { return Err(does_not_exist("list", &list.to_string())) };
    if l.get(&s, "lockstatus").as_bool() {
        return Err(error(StatusCode::BAD_REQUEST, "0x80040225", "Cannot add members to a locked marketing list."));
    }
    let ok = match l.get(&s, "createdfromcode").as_int() {
        Some(4) => w.dv_leads.rows.contains_key(&member),
        _ => w.dv_contacts.rows.contains_key(&member),
    };
    if ok {
        Ok(())
    } else {
        let entity = if l.get(&s, "createdfromcode").as_int() == Some(4) { "lead" } else { "contact" };
        Err(does_not_exist(entity, &member.to_string()))
    }
}

pub(super) fn member_op(w: &mut World, req: &Req, list: Uuid, add: bool, journal: &mut Journal) -> Resp {
    let Some(member) =
        req.json().ok().and_then(|v| v.get("EntityId").and_then(Value::as_str).and_then(|s| s.parse::<Uuid>().ok()))
    else {
        return bad_request("Parameter 'EntityId' is missing or is not a valid Edm.Guid.");
    };
    if let Err(r) = check_member(w, list, member) {
        return r;
    }
    if add {
        let new_id = new_uuid(&mut w.rng);
        let mut id = new_id;
        change_members(w, list, journal, |m| {
            id = *m.entry(member).or_insert(new_id);
        });
        Resp::json(
            StatusCode::OK,
            json!({"@odata.context": format!("$metadata#Microsoft.Dynamics.CRM.AddMemberListResponse"), "Id": id}),
        )
    } else {
        change_members(w, list, journal, |m| {
            m.remove(&member);
        });
        Resp::empty(StatusCode::NO_CONTENT)
    }
}

pub(super) fn ref_member(w: &mut World, list: Uuid, member: Uuid, add: bool, journal: &mut Journal) -> Resp {
    if let Err(r) = check_member(w, list, member) {
        return r;
    }
    let new_id = new_uuid(&mut w.rng);
    change_members(w, list, journal, |m| {
        if add {
            m.entry(member).or_insert(new_id);
        } else {
            m.remove(&member);
        }
    });
    Resp::empty(StatusCode::NO_CONTENT)
}

pub(super) fn add_list_members_list(w: &mut World, req: &Req, _now: i64, journal: &mut Journal) -> Resp {
    let body = match req.json() {
        Ok(v) => v,
        Err(_) => return bad_request("Invalid JSON. A token was not recognized in the JSON content."),
    };
    let Some(list) =
        body.get("List").and_then(|l| l.get("listid")).and_then(Value::as_str).and_then(|s| s.parse::<Uuid>().ok())
    else {
        return bad_request("Parameter 'List' is missing or has no valid 'listid'.");
    };
    let Some(members) = body.get("Members").and_then(Value::as_array) else {
        return bad_request("Parameter 'Members' is missing.");
    };
    let mut ids = Vec::new();
    for m in members {
        let id = ["contactid", "leadid", "accountid"]
            .iter()
            .find_map(|k| m.get(*k).and_then(Value::as_str))
            .and_then(|s| s.parse::<Uuid>().ok());
        let Some(id) = id else { return bad_request("Each member needs a contactid, leadid or accountid.") };
        if let Err(r) = check_member(w, list, id) {
            return r;
        }
        ids.push(id);
    }
    let new_ids: Vec<Uuid> = ids.iter().map(|_| new_uuid(&mut w.rng)).collect();
    change_members(w, list, journal, |m| {
        for (id, nid) in ids.iter().zip(new_ids) {
            m.entry(*id).or_insert(nid);
        }
    });
    Resp::empty(StatusCode::NO_CONTENT)
}
