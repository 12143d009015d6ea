//! Request/response plumbing shared by the emulators.

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

/// A fully read request. Every emulator routes on it by hand so that unknown routes,
/// odd path shapes (`lead/{id}.json`, `contacts(guid)`) and errors stay in the vendor's format.
#[derive(Debug)]
pub(crate) struct Req {
    pub method: Method,
    pub path: String,
    pub query: Vec<(String, String)>,
    pub headers: HeaderMap,
    pub body: Bytes,
}

pub(crate) enum ReadError {
    TooLarge,
    Broken,
}

impl Req {
    pub(crate) async fn read(request: Request, max_body: usize) -> Result<Req, ReadError> {
        let (parts, body) = request.into_parts();
        if let Some(len) = parts
            .headers
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok())
            && len > max_body
        {
            return Err(ReadError::TooLarge);
        }
        let body = axum::body::to_bytes(body, max_body).await.map_err(|e| {
            if std::error::Error::source(&e).is_some_and(|s| s.to_string().contains("length limit"))
                || e.to_string().contains("length limit")
            {
                ReadError::TooLarge
            } else {
                ReadError::Broken
            }
        })?;
        let query = parse_form(parts.uri.query().unwrap_or("").as_bytes());
        Ok(Req { method: parts.method, path: normalize_path(parts.uri.path()), query, headers: parts.headers, body })
    }

    pub(crate) fn q(&self, key: &str) -> Option<&str> {
        self.query.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }
    pub(crate) fn q_all(&self, key: &str) -> Vec<&str> {
        self.query.iter().filter(|(k, _)| k == key).map(|(_, v)| v.as_str()).collect()
    }
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
    pub(crate) fn content_type(&self) -> String {
        self.header("content-type").unwrap_or("").to_ascii_lowercase()
    }
    /// Bearer token (also Salesforce's legacy `OAuth <token>` scheme).
    pub(crate) fn bearer(&self) -> Option<&str> {
        let h = self.header("authorization")?;
        let (scheme, token) = h.split_once(' ')?;
        (scheme.eq_ignore_ascii_case("bearer") || scheme.eq_ignore_ascii_case("oauth")).then(|| token.trim())
    }
    pub(crate) fn form(&self) -> Vec<(String, String)> {
        parse_form(&self.body)
    }
    /// Query parameters and form-body parameters together (form body wins).
    pub(crate) fn params(&self) -> Vec<(String, String)> {
        let mut all = self.query.clone();
        if self.content_type().starts_with("application/x-www-form-urlencoded") {
            all.extend(self.form());
        }
        all
    }
    pub(crate) fn json(&self) -> Result<Value, String> {
        serde_json::from_slice(&self.body).map_err(|e| e.to_string())
    }
    pub(crate) fn segments(&self) -> Vec<&str> {
        self.path.split('/').filter(|s| !s.is_empty()).collect()
    }
    /// `GET /rest/v1/lead/123.json` → `GET /rest/v1/lead/{id}.json` (for the call counters).
    pub(crate) fn endpoint_label(&self) -> String {
        let mut out = String::new();
        for seg in self.path.split('/').filter(|s| !s.is_empty()) {
            out.push('/');
            out.push_str(&normalise_segment(seg));
        }
        if out.is_empty() {
            out.push('/');
        }
        format!("{} {}", self.method, out)
    }
}

/// Resolves `.` and `..` segments (RFC 3986 §5.2.4) as the vendors' front ends do: some clients
/// build bulk URLs as `{endpoint}/../bulk/v1/...`.
pub(crate) fn normalize_path(path: &str) -> String {
    if !path.split('/').any(|s| s == "." || s == "..") {
        return path.to_string();
    }
    let mut out: Vec<&str> = Vec::new();
    for seg in path.split('/').skip(1) {
        match seg {
            "." => {}
            ".." => {
                out.pop();
            }
            s => out.push(s),
        }
    }
    format!("/{}", out.join("/"))
}

fn normalise_segment(seg: &str) -> String {
    if let Some(open) = seg.find('(')
        && seg.ends_with(')')
    {
        return format!("{}({{id}})", &seg[..open]);
    }
    let (stem, ext) = match seg.rsplit_once('.') {
        Some((s, "json")) => (s, ".json"),
        _ => (seg, ""),
    };
    let digits = stem.bytes().filter(|b| b.is_ascii_digit()).count();
    let all_digits = !stem.is_empty() && digits == stem.len();
    if all_digits || (stem.len() >= 15 && digits > 0) || stem.starts_with('@') {
        format!("{{id}}{ext}")
    } else {
        seg.to_string()
    }
}

pub(crate) fn pget<'a>(params: &'a [(String, String)], key: &str) -> Option<&'a str> {
    params.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

pub(crate) fn parse_form(bytes: &[u8]) -> Vec<(String, String)> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(bytes).unwrap_or_default()
}

pub(crate) fn enc(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}

pub(crate) fn json_response(status: StatusCode, v: &Value) -> Response {
    let mut r = (status, Body::from(serde_json::to_vec(v).unwrap_or_default())).into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json;charset=UTF-8"));
    r
}

pub(crate) fn text_response(status: StatusCode, content_type: &'static str, body: impl Into<Body>) -> Response {
    let mut r = (status, body.into()).into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    r
}

pub(crate) fn redirect(location: &str) -> Response {
    let mut r = StatusCode::FOUND.into_response();
    if let Ok(v) = HeaderValue::from_str(location) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    r
}

pub(crate) fn set_header(r: &mut Response, name: &'static str, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        r.headers_mut().insert(name, v);
    }
}

/// A body that looks like the start of the vendor's JSON and stops (the "malformed" fault).
pub(crate) fn malformed(content_type: &'static str, start: &str) -> Response {
    text_response(StatusCode::OK, content_type, start.to_string())
}

pub(crate) fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

/// Sets `Date` (RFC 9110 IMF-fixdate) from the virtual clock.
pub(crate) async fn date_header(
    axum::extract::State(sh): axum::extract::State<std::sync::Arc<crate::state::Shared>>,
    mut response: Response,
) -> Response {
    if let Ok(value) = HeaderValue::from_str(&http_date(sh.now_ms())) {
        response.headers_mut().insert(header::DATE, value);
    }
    response
}

/// `Tue, 24 Nov 2026 02:44:19 GMT`.
pub(crate) fn http_date(ms: i64) -> String {
    const FORMAT: &[time::format_description::BorrowedFormatItem<'_>] = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    crate::clock::ms_to_dt(ms).format(FORMAT).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dot_segments_are_resolved() {
        assert_eq!(normalize_path("/rest/../bulk/v1/leads.json"), "/bulk/v1/leads.json");
        assert_eq!(normalize_path("/a/./b/../c"), "/a/c");
        assert_eq!(normalize_path("/../x"), "/x");
        assert_eq!(normalize_path("/rest/v1/leads.json"), "/rest/v1/leads.json");
    }

    #[test]
    fn endpoint_labels_hide_ids() {
        assert_eq!(normalise_segment("318581.json"), "{id}.json");
        assert_eq!(normalise_segment("v1"), "v1");
        assert_eq!(normalise_segment("v67.0"), "v67.0");
        assert_eq!(normalise_segment("contacts(0000-1111)"), "contacts({id})");
        assert_eq!(normalise_segment("0035g0000000001AAA"), "{id}");
    }
}
