//! Salesforce Tooling API: `GET /services/data/vXX.X/tooling/query?q=…` over
//! `InstalledSubscriberPackage`, the object setup tools query to see which managed packages an
//! org has installed (Tooling API reference, "InstalledSubscriberPackage", API 41.0+).
//!
//! Three settings shape the answer: `salesforce_package_installed` (whether the Marketo Sales
//! Insight package, namespace `mkto_si`, is among the installed packages),
//! `salesforce_package_version` (its installed version, reached through the
//! `SubscriberPackageVersion` relationship: `MajorVersion`, `MinorVersion`, `PatchVersion`,
//! `BuildNumber`, `Name`) and
//! `salesforce_user_can_view_setup`. A user without "View Setup and Configuration" (or "Download
//! AppExchange Packages") does not get a 403: Salesforce answers as if the object did not exist,
//! `400 [{"errorCode":"INVALID_TYPE","message":"sObject type 'InstalledSubscriberPackage' is not
//! supported."}]`, as reported by `sf package installed list` and OrgCheck users
//! (forcedotcom/cli#3519, SalesforceLabs/OrgCheck#144).

use crate::http::{Req, html_escape, json_response, pget, text_response};
use crate::state::{MARKETO_SALES_INSIGHT_NEWEST, Settings, Shared};
use axum::http::Method;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Map, Value, json};

/// One installed package as the emulated org knows it.
struct Package {
    installed_id: &'static str,
    package_id: &'static str,
    version_id: String,
    namespace: &'static str,
    name: &'static str,
    description: &'static str,
    version_name: String,
    version: [u32; 4],
}

/// The `04t…` id of a Marketo Sales Insight version: every version has its own (18 characters,
/// derived from the version number so that each configured version gets a stable one).
pub fn marketo_sales_insight_version_id(version: [u32; 4]) -> String {
    let [major, minor, patch, build] = version;
    format!("04t5g{:02}{:05}{:02}{:01}SIA", major % 100, minor % 100_000, patch % 100, build % 10)
}

/// The Marketo Sales Insight package (the CRM-side package of setup step 6), at the installed version.
fn marketo_sales_insight(version: [u32; 4]) -> Package {
    Package {
        installed_id: "0A35g000000Mkto5AB",
        package_id: "033500000004MktoAA",
        version_id: marketo_sales_insight_version_id(version),
        namespace: "mkto_si",
        name: "Marketo Sales Insight",
        description: "Marketo Sales Insight for Salesforce",
        version_name: format!("Marketo Sales Insight {}.{}", version[0], version[1]),
        version,
    }
}

/// A package nearly every org has, so a query never relies on being alone in the list.
fn connected_apps() -> Package {
    Package {
        installed_id: "0A35g000000Conn5AB",
        package_id: "033A0000000ConnAAA",
        version_id: "04tA0000000ConnAAA".into(),
        namespace: "sf_com_apps",
        name: "Salesforce Connected Apps",
        description: "",
        version_name: "Winter '16".into(),
        version: [1, 7, 0, 1],
    }
}

const OBJECT: &str = "InstalledSubscriberPackage";

fn err(status: StatusCode, code: &str, message: &str) -> Response {
    json_response(status, &json!([{"message": message, "errorCode": code}]))
}

fn not_supported(object: &str) -> Response {
    err(StatusCode::BAD_REQUEST, "INVALID_TYPE", &format!("sObject type '{object}' is not supported."))
}

/// A parsed `SELECT fields FROM InstalledSubscriberPackage [WHERE a = 'x' [AND …]] [ORDER BY …] [LIMIT n]`.
struct Query {
    fields: Vec<String>,
    filters: Vec<(String, String)>,
    limit: Option<usize>,
}

fn keyword(word: &str, k: &str) -> bool {
    word.eq_ignore_ascii_case(k)
}

fn parse(q: &str) -> Result<Query, Response> {
    let malformed = |m: &str| err(StatusCode::BAD_REQUEST, "MALFORMED_QUERY", m);
    let words: Vec<&str> = q.split_whitespace().collect();
    if words.first().is_none_or(|w| !keyword(w, "SELECT")) {
        return Err(malformed("unexpected token: expecting SELECT"));
    }
    let from = words
        .iter()
        .position(|w| keyword(w, "FROM"))
        .ok_or_else(|| malformed("unexpected end of query: expecting FROM"))?;
    let fields: Vec<String> =
        words[1..from].join(" ").split(',').map(|f| f.trim().to_owned()).filter(|f| !f.is_empty()).collect();
    if fields.is_empty() {
        return Err(malformed("unexpected token: FROM"));
    }
    let object = words.get(from + 1).ok_or_else(|| malformed("unexpected end of query: expecting an object"))?;
    if !object.eq_ignore_ascii_case(OBJECT) {
        return Err(not_supported(object));
    }
    let mut filters = Vec::new();
    let mut limit = None;
    let mut i = from + 2;
    while i < words.len() {
        let w = words[i];
        if keyword(w, "WHERE") || keyword(w, "AND") {
            // `field = 'value'` (values without spaces, which is all this object's filters need).
            let (Some(field), Some(op), Some(value)) = (words.get(i + 1), words.get(i + 2), words.get(i + 3)) else {
                return Err(malformed("unexpected end of query in WHERE"));
            };
            let value = value.strip_prefix('\'').and_then(|v| v.strip_suffix('\''));
            match (*op, value) {
                ("=", Some(v)) => filters.push(((*field).to_owned(), v.to_owned())),
                _ => return Err(malformed("only field = 'value' conditions joined by AND are supported here")),
            }
            i += 4;
        } else if keyword(w, "ORDER") && words.get(i + 1).is_some_and(|b| keyword(b, "BY")) {
            // Two packages at most: the order is already stable; skip the field list.
            i += 2;
            while i < words.len() && !keyword(words[i], "LIMIT") {
                i += 1;
            }
        } else if keyword(w, "LIMIT") {
            limit = Some(
                words
                    .get(i + 1)
                    .and_then(|n| n.parse::<usize>().ok())
                    .ok_or_else(|| malformed("LIMIT needs a number"))?,
            );
            i += 2;
        } else {
            return Err(malformed(&format!("unexpected token: '{w}'")));
        }
    }
    for f in fields.iter().chain(filters.iter().map(|(f, _)| f)) {
        if value_of(&connected_apps(), f).is_none() {
            return Err(err(
                StatusCode::BAD_REQUEST,
                "INVALID_FIELD",
                &format!(
                    "No such column '{f}' on entity '{OBJECT}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name."
                ),
            ));
        }
    }
    Ok(Query { fields, filters, limit })
}

/// The value of a (possibly dotted) field, or `None` for an unknown field.
fn value_of(p: &Package, field: &str) -> Option<Value> {
    let lower = field.to_ascii_lowercase();
    let [major, minor, patch, build] = p.version;
    Some(match lower.as_str() {
        "id" => json!(p.installed_id),
        "subscriberpackageid" => json!(p.package_id),
        "subscriberpackageversionid" | "minpackageversionid" => json!(p.version_id),
        "subscriberpackage.id" => json!(p.package_id),
        "subscriberpackage.name" => json!(p.name),
        "subscriberpackage.namespaceprefix" => json!(p.namespace),
        "subscriberpackage.description" => json!(p.description),
        "subscriberpackageversion.id" => json!(p.version_id),
        "subscriberpackageversion.name" => json!(p.version_name),
        "subscriberpackageversion.majorversion" => json!(major),
        "subscriberpackageversion.minorversion" => json!(minor),
        "subscriberpackageversion.patchversion" => json!(patch),
        "subscriberpackageversion.buildnumber" => json!(build),
        "subscriberpackageversion.isbeta" => json!(false),
        "subscriberpackageversion.ismanaged" => json!(true),
        _ => return None,
    })
}

fn record(base: &str, p: &Package, fields: &[String]) -> Value {
    let mut m = Map::new();
    m.insert(
        "attributes".into(),
        json!({"type": OBJECT, "url": format!("{base}/tooling/sobjects/{OBJECT}/{}", p.installed_id)}),
    );
    for f in fields {
        let value = value_of(p, f).unwrap_or(Value::Null);
        match f.split_once('.') {
            Some((relation, leaf)) => {
                let relation = if relation.eq_ignore_ascii_case("SubscriberPackage") {
                    "SubscriberPackage"
                } else {
                    "SubscriberPackageVersion"
                };
                let (id, sobject) = if relation == "SubscriberPackage" {
                    (p.package_id, "SubscriberPackage")
                } else {
                    (p.version_id.as_str(), "SubscriberPackageVersion")
                };
                let nested = m.entry(relation).or_insert_with(|| {
                    json!({"attributes": {"type": sobject, "url": format!("{base}/tooling/sobjects/{sobject}/{id}")}})
                });
                nested[canonical_leaf(leaf)] = value;
            }
            None => {
                m.insert(canonical_top(f).to_owned(), value);
            }
        }
    }
    Value::Object(m)
}

fn canonical_top(f: &str) -> &'static str {
    match f.to_ascii_lowercase().as_str() {
        "id" => "Id",
        "subscriberpackageid" => "SubscriberPackageId",
        "subscriberpackageversionid" => "SubscriberPackageVersionId",
        _ => "MinPackageVersionId",
    }
}

fn canonical_leaf(f: &str) -> &'static str {
    const LEAVES: [&str; 10] = [
        "Id",
        "Name",
        "NamespacePrefix",
        "Description",
        "MajorVersion",
        "MinorVersion",
        "PatchVersion",
        "BuildNumber",
        "IsBeta",
        "IsManaged",
    ];
    LEAVES.iter().find(|l| l.eq_ignore_ascii_case(f)).copied().unwrap_or("Name")
}

/// Answers a Tooling API query.
pub(crate) fn query(req: &Req, base: &str, settings: &Settings) -> Response {
    let Some(q) = req.q("q").filter(|q| !q.trim().is_empty()) else {
        return err(StatusCode::BAD_REQUEST, "MALFORMED_QUERY", "A query string has to be specified");
    };
    let query = match parse(q) {
        Ok(query) => query,
        Err(response) => return response,
    };
    if !settings.salesforce_user_can_view_setup {
        return not_supported(OBJECT);
    }
    let mut installed = vec![connected_apps()];
    if settings.salesforce_package_installed {
        installed.push(marketo_sales_insight(settings.salesforce_package_version));
    }
    let records: Vec<Value> = installed
        .iter()
        .filter(|p| {
            query.filters.iter().all(|(f, v)| {
                value_of(p, f).is_some_and(|x| x.as_str().map_or(x.to_string(), str::to_owned).eq_ignore_ascii_case(v))
            })
        })
        .take(query.limit.unwrap_or(usize::MAX))
        .map(|p| record(base, p, &query.fields))
        .collect();
    json_response(
        StatusCode::OK,
        &json!({
            "size": records.len(), "totalSize": records.len(), "done": true, "queryLocator": null,
            "entityTypeName": OBJECT, "records": records,
        }),
    )
}

/// `{login_url}/packaging/installPackage.apexp?p0=04t…`, the standard install link of a package
/// version: the page offers to install (or upgrade to) that version, and the form's POST does it.
/// The emulated AppExchange offers one version of Marketo Sales Insight, the newest; the sign-in
/// a real org asks for first is left out (the OAuth pages already cover sign-in).
pub(crate) fn install_page(sh: &Shared, req: &Req) -> Response {
    let params = req.params();
    let newest = marketo_sales_insight(MARKETO_SALES_INSIGHT_NEWEST);
    let page = |status: StatusCode, title: &str, body: &str| {
        let html = format!(
            "<!doctype html><html><head><meta charset=\"utf-8\"><title>{t}</title></head><body><h1>{t}</h1>{body}</body></html>",
            t = html_escape(title)
        );
        text_response(status, "text/html; charset=utf-8", html)
    };
    if pget(&params, "p0") != Some(newest.version_id.as_str()) {
        return page(
            StatusCode::NOT_FOUND,
            "Package Not Found",
            "<p>This installation link is not valid or the package version is no longer available.</p>",
        );
    }
    let label = format!("{} {}", html_escape(newest.name), newest.version.map(|n| n.to_string()).join("."));
    if req.method == Method::POST {
        let mut settings = sh.settings.write().unwrap_or_else(|e| e.into_inner());
        settings.salesforce_package_installed = true;
        settings.salesforce_package_version = MARKETO_SALES_INSIGHT_NEWEST;
        return page(StatusCode::OK, "Installation Complete", &format!("<p>{label} is installed.</p>"));
    }
    let settings = sh.settings();
    let verb = if settings.salesforce_package_installed { "Upgrade" } else { "Install" };
    page(
        StatusCode::OK,
        &format!("{verb} {}", newest.name),
        &format!(
            "<p>{verb} {label} for all users.</p><form method=\"post\"><input type=\"hidden\" name=\"p0\" value=\"{id}\"><button type=\"submit\">{verb}</button></form>",
            id = newest.version_id
        ),
    )
}
