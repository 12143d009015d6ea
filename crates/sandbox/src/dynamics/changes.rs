//! Change tracking on `contacts`: `Prefer: odata.track-changes` on a read returns every row and,
//! on its last page, an `@odata.deltaLink`; following that link returns the rows created or
//! changed since, and the deleted ones as `$deletedEntity` entries, again ending with a delta
//! link. Tokens look like Dataverse's (`<row version>!<MM/dd/yyyy HH:mm:ss>`) and expire after
//! `dynamics_change_tracking_days`.

use super::query::{context, entity_json, page_number, page_size, select};
use super::{API, MAX_PAGE, Resp, error, prefer};
use crate::clock::ms_to_dt;
use crate::http::{Req, enc};
use crate::state::Shared;
use crate::world::World;
use axum::http::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

const DAY_MS: i64 = 86_400_000;

/// Whether the request asks for change tracking (the preference or a delta token).
pub(super) fn wanted(req: &Req) -> bool {
    req.q("$deltatoken").is_some() || prefer(req, "odata.track-changes").is_some()
}

fn not_enabled(entity: &str) -> Resp {
    error(StatusCode::BAD_REQUEST, "0x80072491", &format!("Entity {entity} isn't enabled for change tracking."))
}

fn expired() -> Resp {
    error(
        StatusCode::BAD_REQUEST,
        "0x80044352",
        "Version stamp associated with the client has expired. Please perform a full sync.",
    )
}

/// `919042!08/22/2017 08:10:44`
fn token(version: i64, now: i64) -> String {
    let d = ms_to_dt(now);
    format!(
        "{version}!{:02}/{:02}/{:04} {:02}:{:02}:{:02}",
        u8::from(d.month()),
        d.day(),
        d.year(),
        d.hour(),
        d.minute(),
        d.second()
    )
}

/// The row version and issue time of a token, if it is one.
fn parse_token(t: &str) -> Option<(i64, i64)> {
    let (version, when) = t.split_once('!')?;
    let version = version.parse::<i64>().ok()?;
    let (date, clock) = when.trim().split_once(' ')?;
    let d: Vec<u32> = date.split('/').map(|p| p.parse().ok()).collect::<Option<_>>()?;
    let c: Vec<u32> = clock.split(':').map(|p| p.parse().ok()).collect::<Option<_>>()?;
    let [month, day, year] = d[..] else { return None };
    let [h, m, s] = c[..] else { return None };
    let month = time::Month::try_from(u8::try_from(month).ok()?).ok()?;
    let date = time::Date::from_calendar_date(i32::try_from(year).ok()?, month, u8::try_from(day).ok()?).ok()?;
    let at = date.with_hms(u8::try_from(h).ok()?, u8::try_from(m).ok()?, u8::try_from(s).ok()?).ok()?.assume_utc();
    Some((version, (at.unix_timestamp_nanos() / 1_000_000) as i64))
}

/// The row version a paged tracking read started at (kept in its paging cookie), or now's.
fn snapshot(req: &Req, w: &World) -> i64 {
    req.q("$skiptoken")
        .and_then(|t| t.split("deltaversion=\"").nth(1))
        .and_then(|r| r.split('"').next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(w.dv_version)
}

/// Reads `contacts` or the custom table `lia_productinterests` with change tracking: the
/// initial read or a delta.
pub(super) fn tracked(sh: &Shared, w: &mut World, req: &Req, set: &str, now: i64) -> Resp {
    let settings = sh.settings();
    let (entity, pk) =
        if set == "contacts" { ("contact", "contactid") } else { ("lia_productinterest", "lia_productinterestid") };
    if set == "contacts" && !settings.dynamics_contacts_change_tracking {
        return not_enabled(entity);
    }
    let org = &sh.endpoints.dynamics.org_url;
    let (table, versions) = if set == "contacts" {
        (&w.dv_contacts, &w.dv_contact_versions)
    } else {
        (&w.dv_interests, &w.dv_interest_versions)
    };
    let schema = table.schema.clone();
    let (fields, sel) = match select(req, &schema, entity, pk) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let since = match req.q("$deltatoken") {
        None => None,
        Some(t) => match parse_token(t) {
            Some((v, issued)) if now - issued <= settings.dynamics_change_tracking_days * DAY_MS => Some(v),
            _ => return expired(),
        },
    };
    let version = snapshot(req, w);
    // Rows in key order: a row changed while the client pages can only add entries, so a
    // client sees some twice (harmless) but never misses one.
    let ids: Vec<Uuid> = match since {
        None => table.rows.keys().copied().collect(),
        Some(v) => versions.iter().filter(|(_, at)| **at > v).map(|(id, _)| *id).collect(),
    };
    let size = page_size(req).unwrap_or(MAX_PAGE);
    let pageno = match page_number(req) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let start = (pageno - 1) * size;
    let deleted_ctx = format!("{org}{API}/$metadata#{set}/$deletedEntity");
    let value: Vec<Value> = ids
        .iter()
        .skip(start)
        .take(size)
        .map(|id| match table.rows.get(id) {
            Some(row) => entity_json(&schema, row, &fields),
            None => json!({"@odata.context": deleted_ctx, "id": id.to_string(), "reason": "deleted"}),
        })
        .collect();
    let mut body = json!({"@odata.context": format!("{}/$delta", context(org, set, &sel)), "value": value});
    if start + size < ids.len() {
        let cookie = format!(
            "<cookie pagenumber=\"{}\" pagingcookie=\"%253ccookie%2520page%253d%2522{pageno}%2522%253e%253c%252fcookie%253e\" istracking=\"True\" deltaversion=\"{version}\" />",
            pageno + 1
        );
        let mut q: Vec<(String, String)> = req.query.iter().filter(|(k, _)| k != "$skiptoken").cloned().collect();
        q.push(("$skiptoken".into(), cookie));
        let qs = q.iter().map(|(k, v)| format!("{k}={}", enc(v))).collect::<Vec<_>>().join("&");
        body["@odata.nextLink"] = json!(format!("{org}{API}/{set}?{qs}"));
    } else {
        let mut q: Vec<String> = sel.iter().map(|s| format!("$select={}", enc(s))).collect();
        q.push(format!("$deltatoken={}", enc(&token(version, now))));
        body["@odata.deltaLink"] = json!(format!("{org}{API}/{set}?{}", q.join("&")));
    }
    let applied = match page_size(req) {
        Some(n) => format!("odata.track-changes,odata.maxpagesize={n}"),
        None => "odata.track-changes".to_owned(),
    };
    Resp::json(StatusCode::OK, body).header("Preference-Applied", applied)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_read_back_and_others_are_refused() {
        let now = 1_767_225_600_000 + 3_723_000;
        let t = token(42, now);
        assert_eq!(t, "42!01/01/2026 01:02:03");
        assert_eq!(parse_token(&t), Some((42, now)));
        assert_eq!(parse_token("42"), None);
        assert_eq!(parse_token("x!01/01/2026 01:02:03"), None);
    }
}
