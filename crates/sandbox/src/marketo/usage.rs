//! Daily and seven-day API usage and error statistics (`/rest/v1/stats/…`).

use super::ok;
use crate::state::{Shared, central_day, lock};
use serde_json::{Value, json};

pub(super) fn usage(sh: &Shared, now: i64, days: i64) -> Value {
    let today = central_day(now);
    let limits = lock(&sh.limits);
    let mut out = Vec::new();
    for d in (today - days + 1..=today).rev() {
        let calls = limits.marketo_daily_log.get(&d);
        let total: u64 = calls.map(|c| c.values().sum()).unwrap_or(0);
        if days > 1 && total == 0 {
            continue;
        }
        let api_calls: Vec<Value> =
            calls.into_iter().flatten().map(|(k, v)| json!({"apiName": k, "count": v})).collect();
        out.push(json!({"date": crate::clock::date_only(d * 86_400_000 + 6 * 3_600_000), "total": total,
            "users": [{"userId": "liaison-api@sandbox.example.com", "count": total, "apiCalls": api_calls}]}));
    }
    ok(out)
}

pub(super) fn errors_stats(sh: &Shared, now: i64, days: i64) -> Value {
    let today = central_day(now);
    let limits = lock(&sh.limits);
    let mut out = Vec::new();
    for d in (today - days + 1..=today).rev() {
        let errs = limits.marketo_errors.get(&d);
        let total: u64 = errs.map(|c| c.values().sum()).unwrap_or(0);
        let codes: Vec<Value> = errs.into_iter().flatten().map(|(k, v)| json!({"errorCode": k, "count": v})).collect();
        out.push(
            json!({"date": crate::clock::date_only(d * 86_400_000 + 6 * 3_600_000), "total": total, "errors": codes}),
        );
    }
    ok(out)
}
