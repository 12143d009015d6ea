//! Reads: OData `$select`, `$filter`, `$orderby`, paging (`Prefer: odata.maxpagesize`, `$skiptoken`) and single-record GETs.

use super::{API, MAX_PAGE, Resp, bad_request, does_not_exist, prefer, table};
use crate::clock::iso_z;
use crate::data::{Row, Schema, cmp_vals, val_json};
use crate::http::Req;
use crate::soql::{self, Bound};
use crate::state::Shared;
use crate::world::World;
use axum::http::StatusCode;
use serde_json::{Map, Value, json};
use uuid::Uuid;

pub(super) fn etag(schema: &Schema, row: &Row) -> String {
    format!("W/\"{}\"", row.get(schema, "versionnumber").as_int().unwrap_or(0))
}

pub(super) fn entity_json(schema: &Schema, row: &Row, fields: &[usize]) -> Value {
    let mut m = Map::new();
    m.insert("@odata.etag".into(), json!(etag(schema, row)));
    for &i in fields {
        let def = &schema.fields[i];
        m.insert(def.name.clone(), val_json(def, &row.0[i], iso_z));
    }
    Value::Object(m)
}

/// `$select` (primary key always included) or every column.
pub(super) fn select(req: &Req, schema: &Schema, entity: &str, pk: &str) -> Result<(Vec<usize>, Option<String>), Resp> {
    let Some(sel) = req.q("$select").filter(|s| !s.trim().is_empty()) else {
        return Ok(((0..schema.fields.len()).collect(), None));
    };
    let mut out = Vec::new();
    for name in sel.split(',').map(str::trim) {
        let i = schema.idx(name).ok_or_else(|| {
            bad_request(&format!("Could not find a property named '{name}' on type 'Microsoft.Dynamics.CRM.{entity}'."))
        })?;
        if !out.contains(&i) {
            out.push(i);
        }
    }
    if let Some(p) = schema.idx(pk)
        && !out.contains(&p)
    {
        out.push(p);
    }
    Ok((out, Some(sel.to_string())))
}

fn order(req: &Req, schema: &Schema, entity: &str) -> Result<Vec<(usize, bool)>, Resp> {
    let mut out = Vec::new();
    for part in req.q("$orderby").unwrap_or("").split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let mut it = part.split_whitespace();
        let name = it.next().unwrap_or("");
        let i = schema.idx(name).ok_or_else(|| {
            bad_request(&format!("Could not find a property named '{name}' on type 'Microsoft.Dynamics.CRM.{entity}'."))
        })?;
        let desc = match it.next() {
            None | Some("asc") => false,
            Some("desc") => true,
            Some(other) => {
                return Err(bad_request(&format!(
                    "Syntax error: character '{other}' is not valid at position {}.",
                    part.len()
                )));
            }
        };
        out.push((i, desc));
    }
    Ok(out)
}

pub(super) fn page_size(req: &Req) -> Option<usize> {
    prefer(req, "odata.maxpagesize").and_then(|v| v.parse::<usize>().ok()).map(|n| n.clamp(1, MAX_PAGE))
}

pub(super) fn page_number(req: &Req) -> Result<usize, Resp> {
    match req.q("$skiptoken") {
        None => Ok(1),
        Some(tok) => tok
            .split("pagenumber=\"")
            .nth(1)
            .and_then(|r| r.split('"').next())
            .and_then(|n| n.parse::<usize>().ok())
            .filter(|n| *n >= 1)
            .ok_or_else(|| bad_request("The $skiptoken is invalid.")),
    }
}

pub(super) fn context(org: &str, set: &str, sel: &Option<String>) -> String {
    match sel {
        Some(s) => format!("{org}{API}/$metadata#{set}({s})"),
        None => format!("{org}{API}/$metadata#{set}"),
    }
}

/// Runs `$filter`/`$orderby`/`$top`/`$count` and server-driven paging over `keys`.
#[allow(clippy::too_many_arguments)]
pub(super) fn run_query(
    sh: &Shared,
    req: &Req,
    schema: &Schema,
    rows: Vec<(&Uuid, &Row)>,
    entity: &str,
    pk: &str,
    set_path: &str,
    ctx_set: &str,
) -> Resp {
    let org = &sh.endpoints.dynamics.org_url;
    if req.q("$skip").is_some() {
        return bad_request("The query parameter $skip is not supported");
    }
    let (fields, sel) = match select(req, schema, entity, pk) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let filter: Option<Bound> = match req.q("$filter") {
        Some(f) => match crate::odata::parse(f, schema, entity) {
            Ok(b) => Some(b),
            Err(msg) => return bad_request(&msg),
        },
        None => None,
    };
    let ord = match order(req, schema, entity) {
        Ok(o) => o,
        Err(r) => return r,
    };
    let top = match req.q("$top").map(|t| t.parse::<usize>()) {
        None => None,
        Some(Ok(t)) => Some(t),
        Some(Err(_)) => return bad_request("Invalid value for $top."),
    };
    let mut matched: Vec<(&Uuid, &Row)> =
        rows.into_iter().filter(|(_, r)| filter.as_ref().is_none_or(|f| soql::eval(f, r))).collect();
    if !ord.is_empty() {
        matched.sort_by(|a, b| {
            for (i, desc) in &ord {
                let o = cmp_vals(&a.1.0[*i], &b.1.0[*i]);
                let o = if *desc { o.reverse() } else { o };
                if o != std::cmp::Ordering::Equal {
                    return o;
                }
            }
            std::cmp::Ordering::Equal
        });
    }
    if let Some(t) = top {
        matched.truncate(t);
    }
    let total = matched.len();
    let max_page = page_size(req);
    let size = max_page.unwrap_or(MAX_PAGE);
    let pageno = match page_number(req) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let start = (pageno - 1) * size;
    let value: Vec<Value> =
        matched.iter().skip(start).take(size).map(|(_, r)| entity_json(schema, r, &fields)).collect();
    let mut body = json!({"@odata.context": context(org, ctx_set, &sel), "value": value});
    if req.q("$count") == Some("true") {
        body["@odata.count"] = json!(total.min(MAX_PAGE));
    }
    if start + size < total {
        let cookie = format!(
            "<cookie pagenumber=\"{}\" pagingcookie=\"%253ccookie%2520page%253d%2522{pageno}%2522%253e%253c%252fcookie%253e\" istracking=\"False\" />",
            pageno + 1
        );
        let mut q: Vec<(String, String)> = req.query.iter().filter(|(k, _)| k != "$skiptoken").cloned().collect();
        q.push(("$skiptoken".into(), cookie));
        let qs = q.iter().map(|(k, v)| format!("{k}={}", crate::http::enc(v))).collect::<Vec<_>>().join("&");
        body["@odata.nextLink"] = json!(format!("{org}{API}/{set_path}?{qs}"));
    }
    let mut r = Resp::json(StatusCode::OK, body);
    if let Some(n) = max_page {
        r = r.header("Preference-Applied", format!("odata.maxpagesize={n}"));
    }
    r
}

pub(super) fn query(sh: &Shared, w: &mut World, req: &Req, set: &str, entity: &str, pk: &str, now: i64) -> Resp {
    if super::changes::wanted(req) {
        // Only contacts have change tracking enabled in the emulated org.
        return if set == "contacts" || set == "lia_productinterests" {
            super::changes::tracked(sh, w, req, set, now)
        } else {
            super::error(
                StatusCode::BAD_REQUEST,
                "0x80072491",
                &format!("Entity {entity} isn't enabled for change tracking."),
            )
        };
    }
    let t = table(w, set);
    let schema = t.schema.clone();
    let rows: Vec<(&Uuid, &Row)> = t.rows.iter().collect();
    run_query(sh, req, &schema, rows, entity, pk, set, set)
}

pub(super) fn get_one(sh: &Shared, w: &mut World, req: &Req, set: &str, entity: &str, pk: &str, id: Uuid) -> Resp {
    let org = &sh.endpoints.dynamics.org_url;
    let t = table(w, set);
    let schema = t.schema.clone();
    let (fields, sel) = match select(req, &schema, entity, pk) {
        Ok(x) => x,
        Err(r) => return r,
    };
    match t.rows.get(&id) {
        Some(r) => {
            let mut v = entity_json(&schema, r, &fields);
            v["@odata.context"] = json!(format!("{}/$entity", context(org, set, &sel)));
            Resp::json(StatusCode::OK, v).header("ETag", etag(&schema, r))
        }
        None => does_not_exist(entity, &id.to_string()),
    }
}
