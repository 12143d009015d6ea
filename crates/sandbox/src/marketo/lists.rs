//! Static lists: REST v1 list membership and the asset API's `staticList` resources.

use super::{
    batch_size, fail, field_list, ids_from, lead_json, ok, page, position_of, request_id, skipped, token_decode,
    token_encode,
};
use crate::clock::iso_z;
use crate::http::Req;
use crate::state::{Shared, lock};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::ops::Bound;

fn list_id(raw: &str) -> Option<i64> {
    raw.strip_suffix(".json").unwrap_or(raw).parse().ok()
}

fn list_json(l: &crate::world::MkList) -> Value {
    let mut v = json!({"id": l.id, "name": l.name, "workspaceName": "Default", "createdAt": iso_z(l.created), "updatedAt": iso_z(l.updated)});
    if let Some(d) = &l.description {
        v["description"] = json!(d);
    }
    if let Some(p) = &l.program_name {
        v["programName"] = json!(p);
    }
    v
}

pub(super) fn get_lists(sh: &Shared, req: &Req) -> Value {
    let ids: BTreeSet<i64> =
        req.q_all("id").iter().flat_map(|s| s.split(',')).filter_map(|s| s.trim().parse().ok()).collect();
    let names: Vec<&str> = req.q_all("name").iter().flat_map(|s| s.split(',')).collect();
    let programs: Vec<&str> = req.q_all("programName").iter().flat_map(|s| s.split(',')).collect();
    let (start, size) = match (position_of(req), batch_size(req)) {
        (Ok(s), Ok(b)) => (s, b),
        (Err(e), _) | (_, Err(e)) => return e,
    };
    let w = lock(&sh.world);
    let items = w
        .mk_lists
        .values()
        .filter(|l| ids.is_empty() || ids.contains(&l.id))
        .filter(|l| names.is_empty() || names.contains(&l.name.as_str()))
        .filter(|l| programs.is_empty() || l.program_name.as_deref().is_some_and(|p| programs.contains(&p)))
        .map(list_json);
    page(items, start, size)
}

pub(super) fn get_list(sh: &Shared, raw: &str) -> Value {
    let w = lock(&sh.world);
    match list_id(raw).and_then(|id| w.mk_lists.get(&id)) {
        Some(l) => ok(vec![list_json(l)]),
        None => fail("1013", "Static list not found"),
    }
}

pub(super) fn list_members(sh: &Shared, req: &Req, raw: &str) -> Value {
    let w = lock(&sh.world);
    let Some(list) = list_id(raw).and_then(|id| w.mk_lists.get(&id)) else {
        return fail("1013", "Static list not found");
    };
    let schema = w.mk_leads.schema.clone();
    let fields = match field_list(&schema, req) {
        Ok(f) => f,
        Err(e) => return e,
    };
    let size = match batch_size(req) {
        Ok(b) => b,
        Err(e) => return e,
    };
    // The token holds the last lead id sent, so each page of a list of a million is a range
    // read, not a skip over everything before it.
    let after = match req.q("nextPageToken").filter(|t| !t.is_empty()) {
        None => None,
        Some(t) => match token_decode(t).and_then(|s| s.strip_prefix("m:")?.split(':').next()?.parse::<i64>().ok()) {
            Some(id) => Some(id),
            None => return fail("1003", "Invalid next page token"),
        },
    };
    let from = after.map_or(Bound::Unbounded, Bound::Excluded);
    let mut ids =
        list.members.range((from, Bound::Unbounded)).map(|(id, _)| *id).filter(|id| w.mk_leads.rows.contains_key(id));
    let page_ids: Vec<i64> = ids.by_ref().take(size).collect();
    let more = ids.next().is_some();
    let mut v =
        ok(page_ids.iter().filter_map(|id| w.mk_leads.rows.get(id)).map(|r| lead_json(&schema, r, &fields)).collect());
    if more && let Some(last) = page_ids.last() {
        v["nextPageToken"] = json!(token_encode(&format!("m:{last}:liaison")));
        v["moreResult"] = json!(true);
    }
    v
}

pub(super) fn change_membership(sh: &Shared, req: &Req, raw: &str, add: bool, now: i64) -> Value {
    let ids = match ids_from(req) {
        Ok(i) => i,
        Err(e) => return e,
    };
    let mut w = lock(&sh.world);
    let Some(lid) = list_id(raw).filter(|id| w.mk_lists.contains_key(id)) else {
        return fail("1013", "Static list not found");
    };
    let list_name = w.mk_lists.get(&lid).map(|l| l.name.clone()).unwrap_or_default();
    let mut results = Vec::new();
    for id in ids {
        if !w.mk_leads.rows.contains_key(&id) {
            let mut s = skipped("1004", "Lead not found");
            s["id"] = json!(id);
            results.push(s);
            continue;
        }
        let list = w.mk_lists.get_mut(&lid).expect("checked above");
        if add {
            list.members.entry(id).or_insert(now);
            list.updated = now;
            w.mk_activity(id, now, 24, (lid, list_name.clone()));
            results.push(json!({"id": id, "status": "added"}));
        } else if list.members.remove(&id).is_some() {
            list.updated = now;
            w.mk_activity(id, now, 25, (lid, list_name.clone()));
            results.push(json!({"id": id, "status": "removed"}));
        } else {
            let mut s = skipped("1015", "Lead not in list");
            s["id"] = json!(id);
            results.push(s);
        }
    }
    ok(results)
}

pub(super) fn is_member(sh: &Shared, req: &Req, raw: &str) -> Value {
    let ids = match ids_from(req) {
        Ok(i) => i,
        Err(e) => return e,
    };
    let w = lock(&sh.world);
    let Some(list) = list_id(raw).and_then(|id| w.mk_lists.get(&id)) else {
        return fail("1013", "Static list not found");
    };
    ok(ids
        .into_iter()
        .map(|id| {
            if !w.mk_leads.rows.contains_key(&id) {
                let mut s = skipped("1004", "Lead not found");
                s["id"] = json!(id);
                s
            } else if list.members.contains_key(&id) {
                json!({"id": id, "status": "memberof"})
            } else {
                json!({"id": id, "status": "notmemberof"})
            }
        })
        .collect())
}

pub(super) fn list_membership(sh: &Shared, req: &Req, raw: &str) -> Value {
    let Ok(id) = raw.parse::<i64>() else { return fail("610", "Requested resource not found") };
    let (start, size) = match (position_of(req), batch_size(req)) {
        (Ok(s), Ok(b)) => (s, b),
        (Err(e), _) | (_, Err(e)) => return e,
    };
    let w = lock(&sh.world);
    if !w.mk_leads.rows.contains_key(&id) {
        return fail("1004", "Lead not found");
    }
    let items = w.mk_lists.values().filter_map(|l| {
        l.members.get(&id).map(|t| json!({"listId": l.id, "createdAt": iso_z(*t), "updatedAt": iso_z(*t)}))
    });
    page(items, start, size)
}

// ------------------------------------------------------------------ asset API (static lists)

fn asset_ok(result: Vec<Value>) -> Value {
    json!({"success": true, "errors": [], "requestId": request_id(), "warnings": [], "result": result})
}

fn asset_fail(code: &str, message: &str) -> Value {
    json!({"success": false, "errors": [{"code": code, "message": message}], "requestId": request_id(), "warnings": []})
}

fn asset_list_json(l: &crate::world::MkList) -> Value {
    json!({
        "id": l.id, "name": l.name, "description": l.description,
        "createdAt": format!("{}+0000", iso_z(l.created)), "updatedAt": format!("{}+0000", iso_z(l.updated)),
        "folder": {"id": l.folder.0, "type": l.folder.1}, "workspace": "Default",
        "computedUrl": format!("https://app-sj01.marketo.com/#ST{}A1", l.id),
    })
}

pub(super) fn asset_list(sh: &Shared, raw: &str) -> Value {
    let w = lock(&sh.world);
    match list_id(raw).and_then(|id| w.mk_lists.get(&id)) {
        Some(l) => asset_ok(vec![asset_list_json(l)]),
        None => asset_ok(vec![]).tap(|v| v["warnings"] = json!(["No assets found for the given search criteria."])),
    }
}

trait Tap: Sized {
    fn tap(mut self, f: impl FnOnce(&mut Self)) -> Self {
        f(&mut self);
        self
    }
}
impl Tap for Value {}

pub(super) fn asset_list_by_name(sh: &Shared, req: &Req) -> Value {
    let Some(name) = req.q("name") else { return asset_fail("701", "name cannot be blank") };
    let w = lock(&sh.world);
    match w.mk_lists.values().find(|l| l.name == name) {
        Some(l) => asset_ok(vec![asset_list_json(l)]),
        None => asset_ok(vec![]).tap(|v| v["warnings"] = json!(["No assets found for the given search criteria."])),
    }
}

pub(super) fn asset_lists(sh: &Shared, req: &Req) -> Value {
    let offset = req.q("offset").and_then(|s| s.parse::<usize>().ok()).unwrap_or(0);
    let max = req.q("maxReturn").and_then(|s| s.parse::<usize>().ok()).unwrap_or(20).clamp(1, 200);
    let folder = req.q("folder").and_then(|f| serde_json::from_str::<Value>(f).ok());
    let folder_id = folder.as_ref().and_then(|f| f.get("id")).and_then(Value::as_i64);
    let w = lock(&sh.world);
    let items: Vec<Value> = w
        .mk_lists
        .values()
        .filter(|l| folder_id.is_none_or(|f| l.folder.0 == f))
        .skip(offset)
        .take(max)
        .map(asset_list_json)
        .collect();
    if items.is_empty() {
        return asset_ok(vec![]).tap(|v| v["warnings"] = json!(["No assets found for the given search criteria."]));
    }
    asset_ok(items)
}

pub(super) fn asset_create_list(sh: &Shared, req: &Req, now: i64) -> Value {
    if !req.content_type().starts_with("application/x-www-form-urlencoded") {
        return asset_fail("612", "Invalid Content Type");
    }
    let form = req.form();
    let get = |k: &str| form.iter().find(|(f, _)| f == k).map(|(_, v)| v.clone());
    let Some(name) = get("name").filter(|n| !n.trim().is_empty()) else {
        return asset_fail("701", "name cannot be blank");
    };
    let Some(folder) = get("folder") else { return asset_fail("701", "folder cannot be blank") };
    let Some(folder) =
        serde_json::from_str::<Value>(&folder).ok().filter(|f| f.get("id").and_then(Value::as_i64).is_some())
    else {
        return asset_fail("1003", "Invalid folder");
    };
    let kind = if folder.get("type").and_then(Value::as_str) == Some("Folder") { "Folder" } else { "Program" };
    let mut w = lock(&sh.world);
    if w.mk_lists.values().any(|l| l.name == name) {
        return asset_fail("709", &format!("Static List with name '{name}' already exists"));
    }
    let id = w.mk_next_list;
    w.mk_next_list += 1;
    let list = crate::world::MkList {
        id,
        name,
        description: get("description"),
        program_name: None,
        folder: (folder["id"].as_i64().unwrap_or(0), kind),
        created: now,
        updated: now,
        members: Default::default(),
    };
    let v = asset_list_json(&list);
    w.mk_lists.insert(id, list);
    asset_ok(vec![v])
}

pub(super) fn asset_update_list(sh: &Shared, req: &Req, raw: &str, now: i64) -> Value {
    let form = req.form();
    let mut w = lock(&sh.world);
    let Some(l) = list_id(raw).and_then(|id| w.mk_lists.get_mut(&id)) else {
        return asset_fail("702", "Static list not found");
    };
    for (k, v) in form {
        match k.as_str() {
            "name" => l.name = v,
            "description" => l.description = Some(v),
            _ => {}
        }
    }
    l.updated = now;
    asset_ok(vec![asset_list_json(l)])
}

pub(super) fn asset_delete_list(sh: &Shared, raw: &str) -> Value {
    let mut w = lock(&sh.world);
    match list_id(raw).and_then(|id| w.mk_lists.remove(&id)) {
        Some(l) => asset_ok(vec![json!({"id": l.id})]),
        None => asset_fail("702", "Static list not found"),
    }
}
