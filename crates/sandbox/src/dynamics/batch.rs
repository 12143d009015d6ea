//! `$batch`: multipart requests, change sets (all or nothing) and the multipart response.

use super::writes::{Journal, rollback};
use super::{API, Resp, bad_request, exec, not_found_segment, prefer};
use crate::http::{Req, set_header, text_response};
use crate::state::{Shared, lock};
use crate::world::World;
use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::response::Response;
use serde_json::Value;
use uuid::Uuid;

// ------------------------------------------------------------------ $batch

/// One embedded HTTP request of a batch.
struct Part {
    content_id: Option<String>,
    method: Method,
    target: String,
    headers: HeaderMap,
    body: Bytes,
}

fn boundary_of(content_type: &str) -> Option<String> {
    content_type
        .split(';')
        .map(str::trim)
        .find_map(|p| p.strip_prefix("boundary="))
        .map(|b| b.trim_matches('"').to_string())
}

/// Splits a multipart/mixed body into (part headers, part body) pairs.
fn split_multipart(body: &str, boundary: &str) -> Option<Vec<(HeaderMap, String)>> {
    let delim = format!("--{boundary}");
    let mut parts = Vec::new();
    let mut sections = body.split(delim.as_str());
    sections.next()?;
    for sec in sections {
        if sec.starts_with("--") {
            return Some(parts);
        }
        let sec = sec.strip_prefix("\r\n").or_else(|| sec.strip_prefix('\n')).unwrap_or(sec);
        let (head, rest) = split_head(sec);
        parts.push((parse_headers(head), rest.trim_end_matches(['\r', '\n']).to_string()));
    }
    None
}

fn split_head(s: &str) -> (&str, &str) {
    if let Some(i) = s.find("\r\n\r\n") {
        (&s[..i], &s[i + 4..])
    } else if let Some(i) = s.find("\n\n") {
        (&s[..i], &s[i + 2..])
    } else {
        (s, "")
    }
}

fn parse_headers(head: &str) -> HeaderMap {
    let mut h = HeaderMap::new();
    for line in head.lines() {
        if let Some((k, v)) = line.split_once(':')
            && let (Ok(k), Ok(v)) = (HeaderName::from_bytes(k.trim().as_bytes()), HeaderValue::from_str(v.trim()))
        {
            h.append(k, v);
        }
    }
    h
}

fn parse_part(headers: &HeaderMap, body: &str) -> Option<Part> {
    let (head, payload) = split_head(body);
    let mut lines = head.lines();
    let request_line = lines.next()?.trim();
    let (method, rest) = request_line.split_once(' ')?;
    let method = Method::from_bytes(method.as_bytes()).ok()?;
    // Tolerate unencoded spaces in the target: it runs up to the trailing " HTTP/1.1".
    let target = rest.rsplit_once(" HTTP/").map(|(t, _)| t).unwrap_or(rest).trim().to_string();
    let inner_headers = parse_headers(&lines.collect::<Vec<_>>().join("\n"));
    Some(Part {
        content_id: headers.get("content-id").and_then(|v| v.to_str().ok()).map(String::from),
        method,
        target,
        headers: inner_headers,
        body: Bytes::from(payload.to_string()),
    })
}

fn http_text(r: &Resp, content_id: Option<&str>) -> String {
    let mut s = String::from("Content-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n");
    if let Some(id) = content_id {
        s.push_str(&format!("Content-ID: {id}\r\n"));
    }
    s.push_str(&format!("\r\nHTTP/1.1 {} {}\r\n", r.status.as_u16(), r.status.canonical_reason().unwrap_or("")));
    s.push_str("OData-Version: 4.0\r\n");
    for (k, v) in &r.headers {
        s.push_str(&format!("{k}: {v}\r\n"));
    }
    match &r.body {
        Some(b) => s.push_str(&format!("Content-Type: application/json; odata.metadata=minimal\r\n\r\n{b}\r\n")),
        None => s.push_str("\r\n"),
    }
    s
}

/// A top-level batch item: a change set (`Ok`, its parts) or a single request part (`Err`).
type BatchUnit = Result<Vec<(HeaderMap, String)>, (HeaderMap, String)>;

pub(super) fn batch(sh: &Shared, req: &Req, now: i64) -> Response {
    let ct = req.content_type();
    let Some(boundary) =
        ct.starts_with("multipart/mixed").then(|| boundary_of(req.header("content-type").unwrap_or(""))).flatten()
    else {
        return bad_request("The content type of a batch request must be multipart/mixed with a boundary.")
            .into_response();
    };
    let body = String::from_utf8_lossy(&req.body).to_string();
    let Some(parts) = split_multipart(&body, &boundary) else {
        return bad_request("The batch request body is not a valid multipart/mixed message.").into_response();
    };
    // Count embedded requests (change-set items count individually).
    let mut units: Vec<BatchUnit> = Vec::new();
    let mut count = 0;
    for (h, b) in parts {
        let pct = h.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
        if pct.to_ascii_lowercase().starts_with("multipart/mixed") {
            let Some(items) = boundary_of(&pct).and_then(|cb| split_multipart(&b, &cb)) else {
                return bad_request("A change set in the batch is not a valid multipart/mixed message.")
                    .into_response();
            };
            count += items.len();
            units.push(Ok(items));
        } else {
            count += 1;
            units.push(Err((h, b)));
        }
    }
    if count > 1000 {
        return bad_request("The number of requests in the batch exceeds the limit of 1000.").into_response();
    }
    let continue_on_error = prefer(req, "odata.continue-on-error").is_some();
    let out_boundary = format!("batchresponse_{}", Uuid::new_v4());
    let mut out = String::new();
    let mut w = lock(&sh.world);
    let org = sh.endpoints.dynamics.org_url.clone();
    let to_req = |p: &Part, refs: &std::collections::HashMap<String, String>| -> Req {
        let mut target = p.target.clone();
        if let Some(rest) = target.strip_prefix('$') {
            let (id, tail) = rest.split_once('/').map(|(a, b)| (a, format!("/{b}"))).unwrap_or((rest, String::new()));
            if let Some(url) = refs.get(id) {
                target = format!("{url}{tail}");
            }
        }
        let target = target.strip_prefix(&org).unwrap_or(&target).to_string();
        let target = if target.starts_with('/') { target } else { format!("{API}/{target}") };
        let (path, query) = target.split_once('?').unwrap_or((&target, ""));
        // `"x@odata.bind": "$1"` refers to an entity created earlier in the change set.
        let mut body = p.body.clone();
        if let Ok(Value::Object(mut m)) = serde_json::from_slice::<Value>(&p.body) {
            let mut changed = false;
            for (k, v) in m.iter_mut() {
                if k.ends_with("@odata.bind")
                    && let Some(url) = v.as_str().and_then(|s| s.strip_prefix('$')).and_then(|id| refs.get(id))
                {
                    *v = Value::String(url.clone());
                    changed = true;
                }
            }
            if changed {
                body = Bytes::from(Value::Object(m).to_string());
            }
        }
        Req {
            method: p.method.clone(),
            path: path.to_string(),
            query: crate::http::parse_form(query.as_bytes()),
            headers: p.headers.clone(),
            body,
        }
    };
    let run = |w: &mut World, inner: &Req, journal: &mut Journal| -> Resp {
        match inner.path.strip_prefix(API) {
            Some(rest) => exec(sh, w, inner, rest.trim_start_matches('/'), now, journal),
            None => not_found_segment(inner.path.trim_start_matches('/')),
        }
    };
    for unit in units {
        out.push_str(&format!("--{out_boundary}\r\n"));
        match unit {
            Err((h, b)) => {
                let Some(p) = parse_part(&h, &b) else {
                    out.push_str(&http_text(&bad_request("Invalid embedded HTTP request in batch."), None));
                    if !continue_on_error {
                        break;
                    }
                    continue;
                };
                let inner = to_req(&p, &Default::default());
                let r = run(&mut w, &inner, &mut None);
                let failed = r.status.is_client_error() || r.status.is_server_error();
                out.push_str(&http_text(&r, None));
                if failed && !continue_on_error {
                    break;
                }
            }
            Ok(items) => {
                let cs = format!("changesetresponse_{}", Uuid::new_v4());
                let mut journal: Journal = Some(Vec::new());
                let mut refs = std::collections::HashMap::new();
                let mut texts = Vec::new();
                let mut failure: Option<Resp> = None;
                for (h, b) in items {
                    let Some(p) = parse_part(&h, &b) else {
                        failure = Some(bad_request("Invalid embedded HTTP request in change set."));
                        break;
                    };
                    if p.method == Method::GET {
                        failure = Some(bad_request("GET requests are not allowed inside a change set."));
                        break;
                    }
                    let inner = to_req(&p, &refs);
                    let r = run(&mut w, &inner, &mut journal);
                    if r.status.is_client_error() || r.status.is_server_error() {
                        failure = Some(r);
                        break;
                    }
                    if let (Some(id), Some((_, url))) =
                        (&p.content_id, r.headers.iter().find(|(k, _)| *k == "OData-EntityId"))
                    {
                        refs.insert(id.clone(), url.clone());
                    }
                    texts.push(http_text(&r, p.content_id.as_deref()));
                }
                match failure {
                    Some(r) => {
                        rollback(&mut w, journal.unwrap_or_default());
                        out.push_str(&http_text(&r, None));
                        if !continue_on_error {
                            break;
                        }
                    }
                    None => {
                        out.push_str(&format!("Content-Type: multipart/mixed; boundary={cs}\r\n\r\n"));
                        for t in texts {
                            out.push_str(&format!("--{cs}\r\n{t}"));
                        }
                        out.push_str(&format!("--{cs}--\r\n"));
                    }
                }
            }
        }
    }
    out.push_str(&format!("--{out_boundary}--\r\n"));
    let mut r = text_response(StatusCode::OK, "multipart/mixed", out);
    set_header(&mut r, "Content-Type", &format!("multipart/mixed; boundary={out_boundary}"));
    set_header(&mut r, "OData-Version", "4.0");
    r
}
