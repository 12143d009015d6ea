//! SOQL `query`/`queryAll` execution and `nextRecordsUrl` paging.

use super::{Cursor, canonical, err, table};
use crate::clock::sf_datetime;
use crate::data::{Row, Schema, val_json};
use crate::http::{Req, json_response};
use crate::soql::{self, SoqlError};
use crate::state::{Shared, lock};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Map, Value, json};

pub(super) fn record_json(base: &str, name: &str, schema: &Schema, key: &str, row: &Row, fields: &[usize]) -> Value {
    let mut m = Map::new();
    m.insert("attributes".into(), json!({"type": name, "url": format!("{base}/sobjects/{name}/{key}")}));
    for &i in fields {
        let def = &schema.fields[i];
        m.insert(def.name.clone(), val_json(def, &row.0[i], sf_datetime));
    }
    Value::Object(m)
}

pub(super) fn soql_error(e: SoqlError) -> Response {
    match e {
        SoqlError::Malformed(m) => err(StatusCode::BAD_REQUEST, "MALFORMED_QUERY", &m),
        SoqlError::InvalidField(m) => err(StatusCode::BAD_REQUEST, "INVALID_FIELD", &m),
        SoqlError::InvalidType(m) => err(StatusCode::BAD_REQUEST, "INVALID_TYPE", &m),
    }
}

fn batch_size(req: &Req, settings: &crate::state::Settings) -> usize {
    req.header("sforce-query-options")
        .and_then(|h| {
            h.split(',').find_map(|p| p.trim().strip_prefix("batchSize=").and_then(|n| n.trim().parse::<usize>().ok()))
        })
        .map(|n| n.clamp(200, 2000))
        .unwrap_or(settings.salesforce_query_batch)
}

pub(super) fn run_query(
    sh: &Shared,
    req: &Req,
    base: &str,
    q: &str,
    all: bool,
    now: i64,
    settings: &crate::state::Settings,
) -> Response {
    let mut w = lock(&sh.world);
    let schemas =
        [w.sf_contacts.schema.clone(), w.sf_leads.schema.clone(), w.sf_tasks.schema.clone(), w.sf_users.schema.clone()];
    let parsed =
        soql::parse(q, |o| canonical(o).and_then(|(n, _, _)| schemas.iter().find(|s| s.name == n).map(|s| s.as_ref())));
    let query = match parsed {
        Ok(q) => q,
        Err(e) => return soql_error(e),
    };
    let t = table(&mut w, &query.object);
    let schema = t.schema.clone();
    let bound = match query.filter.as_ref().map(|f| soql::bind(f, &schema, now)).transpose() {
        Ok(b) => b,
        Err(e) => return soql_error(e),
    };
    let deleted = schema.idx("IsDeleted");
    let mut rows: Vec<(&String, &Row)> = t
        .rows
        .iter()
        .filter(|(_, r)| all || deleted.is_none_or(|i| !r.0[i].as_bool()))
        .filter(|(_, r)| bound.as_ref().is_none_or(|b| soql::eval(b, r)))
        .collect();
    soql::order_rows(&mut rows, &query.order);
    let rows: Vec<(&String, &Row)> =
        rows.into_iter().skip(query.offset).take(query.limit.unwrap_or(usize::MAX)).collect();
    if query.count_only {
        return json_response(StatusCode::OK, &json!({"totalSize": rows.len(), "done": true, "records": []}));
    }
    let size = batch_size(req, settings);
    let total = rows.len();
    let records: Vec<Value> =
        rows.iter().take(size).map(|(k, r)| record_json(base, &query.object, &schema, k, r, &query.fields)).collect();
    let mut body = json!({"totalSize": total, "done": total <= size, "records": records});
    if total > size {
        let keys: Vec<String> = rows.iter().map(|(k, _)| (*k).clone()).collect();
        drop(w);
        let mut jobs = lock(&sh.jobs);
        jobs.next_id += 1;
        let id = crate::world::sf_id("01g", jobs.next_id as u64);
        jobs.sf_cursors
            .insert(id.clone(), (Cursor { object: query.object.clone(), fields: query.fields.clone(), keys }, size));
        body["nextRecordsUrl"] = json!(format!("{base}/{}/{id}-{size}", if all { "queryAll" } else { "query" }));
    }
    json_response(StatusCode::OK, &body)
}

pub(super) fn next_page(sh: &Shared, base: &str, locator: &str, kind: &str) -> Response {
    let Some((id, offset)) = locator.rsplit_once('-').and_then(|(id, o)| o.parse::<usize>().ok().map(|o| (id, o)))
    else {
        return err(StatusCode::BAD_REQUEST, "INVALID_QUERY_LOCATOR", "invalid query locator");
    };
    let Some((cursor, size)) = lock(&sh.jobs).sf_cursors.get(id).cloned() else {
        return err(StatusCode::BAD_REQUEST, "INVALID_QUERY_LOCATOR", "invalid query locator");
    };
    if offset > cursor.keys.len() {
        return err(StatusCode::BAD_REQUEST, "INVALID_QUERY_LOCATOR", "invalid query locator");
    }
    let mut w = lock(&sh.world);
    let t = table(&mut w, &cursor.object);
    let schema = t.schema.clone();
    let records: Vec<Value> = cursor.keys[offset..]
        .iter()
        .take(size)
        .filter_map(|k| t.rows.get(k).map(|r| record_json(base, &cursor.object, &schema, k, r, &cursor.fields)))
        .collect();
    let end = offset + size;
    let mut body = json!({"totalSize": cursor.keys.len(), "done": end >= cursor.keys.len(), "records": records});
    if end < cursor.keys.len() {
        body["nextRecordsUrl"] = json!(format!("{base}/{kind}/{id}-{end}"));
    }
    json_response(StatusCode::OK, &body)
}
