//! Salesforce OAuth and REST contract tests; names cite the API reference (§2) facts checked.

mod common;
use common::*;
use liaison_sandbox::SandboxConfig;
use serde_json::{Value, json};

#[tokio::test]
async fn salesforce_token_response_has_issued_at_ms_and_no_expires_in() {
    let sb = start(10).await;
    let t = salesforce_login(&sb).await;
    let login = &sb.endpoints().salesforce.login_url;
    assert!(t.get("expires_in").is_none());
    let issued: i64 = t["issued_at"].as_str().unwrap().parse().unwrap();
    assert!(issued > 1_700_000_000_000, "milliseconds, as a string");
    assert_eq!(t["instance_url"], json!(login));
    assert!(t["id"].as_str().unwrap().starts_with(&format!("{login}/id/00D")));
    assert_eq!(t["token_type"], "Bearer");
    assert!(t["signature"].is_string() && t["refresh_token"].is_string());
    assert_eq!(t["scope"], "api refresh_token");
    sb.shutdown().await;
}

#[tokio::test]
async fn salesforce_authorize_page_offers_allow_and_deny_and_deny_redirects_access_denied_with_state() {
    let sb = start(10).await;
    let sf = sb.endpoints().salesforce.clone();
    let (_, challenge) = pkce();
    let url = format!(
        "{}/services/oauth2/authorize?response_type=code&client_id={}&redirect_uri=http%3A%2F%2F127.0.0.1%3A41234%2Fcb&code_challenge={challenge}&code_challenge_method=S256&state=s1",
        sf.login_url, sf.client_id
    );
    let r = client().get(&url).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("value=\"allow\"") && html.contains("value=\"deny\"") && html.contains("<form method=\"post\"")
    );
    let r = client()
        .post(format!("{}/services/oauth2/authorize", sf.login_url))
        .form(&[
            ("response_type", "code"),
            ("client_id", &sf.client_id),
            ("redirect_uri", "http://127.0.0.1:41234/cb"),
            ("code_challenge", &challenge),
            ("state", "s1"),
            ("decision", "deny"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 302);
    let loc = r.headers()["location"].to_str().unwrap().to_string();
    assert!(loc.starts_with("http://127.0.0.1:41234/cb?"));
    assert_eq!(query_param(&loc, "error").as_deref(), Some("access_denied"));
    assert_eq!(query_param(&loc, "state").as_deref(), Some("s1"));
    // Not loopback: an error page, never a redirect (RFC 8252 §7.3 loopback only).
    let bad = url.replace("http%3A%2F%2F127.0.0.1%3A41234%2Fcb", "https%3A%2F%2Fevil.example.com%2Fcb");
    assert_eq!(client().get(bad).send().await.unwrap().status(), 400);
    // PKCE required: no code_challenge → redirected error.
    let no_pkce = url.replace(&format!("&code_challenge={challenge}"), "");
    let r = client().get(no_pkce).send().await.unwrap();
    assert_eq!(query_param(r.headers()["location"].to_str().unwrap(), "error").as_deref(), Some("invalid_request"));
    sb.shutdown().await;
}

#[tokio::test]
async fn salesforce_auto_approve_redirects_at_once_and_wrong_verifier_is_invalid_grant() {
    let sb = start_with(SandboxConfig { people: 10, auto_approve: true, ..SandboxConfig::default() }).await;
    let sf = sb.endpoints().salesforce.clone();
    let (_, challenge) = pkce();
    let r = client()
        .get(format!("{}/services/oauth2/authorize", sf.login_url))
        .query(&[
            ("response_type", "code"),
            ("client_id", &sf.client_id),
            ("redirect_uri", "http://localhost:1717/OauthRedirect"),
            ("code_challenge", &challenge),
            ("state", "abc"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 302);
    let loc = r.headers()["location"].to_str().unwrap().to_string();
    let code = query_param(&loc, "code").unwrap();
    assert_eq!(query_param(&loc, "state").as_deref(), Some("abc"));
    let r = client()
        .post(format!("{}/services/oauth2/token", sf.login_url))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("client_id", &sf.client_id),
            ("redirect_uri", "http://localhost:1717/OauthRedirect"),
            ("code_verifier", "wrong-verifier-wrong-verifier-wrong-verifier-00"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v, json!({"error": "invalid_grant", "error_description": "invalid code verifier"}));
    sb.shutdown().await;
}

#[tokio::test]
async fn salesforce_refresh_omits_refresh_token_and_revoke_kills_the_family() {
    let sb = start(10).await;
    let sf = sb.endpoints().salesforce.clone();
    let t = salesforce_login(&sb).await;
    let rt = t["refresh_token"].as_str().unwrap();
    let r: Value = client()
        .post(format!("{}/services/oauth2/token", sf.login_url))
        .form(&[("grant_type", "refresh_token"), ("refresh_token", rt), ("client_id", &sf.client_id)])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(r.get("refresh_token").is_none() && r["access_token"].is_string());
    let at = r["access_token"].as_str().unwrap();
    let r =
        client().post(format!("{}/services/oauth2/revoke", sf.login_url)).form(&[("token", rt)]).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let r = client().get(format!("{}/services/data/v67.0/limits", sf.login_url)).bearer_auth(at).send().await.unwrap();
    assert_eq!(r.status(), 401, "revoking a refresh token revokes its access tokens");
    let r = client()
        .post(format!("{}/services/oauth2/revoke", sf.login_url))
        .form(&[("token", "bogus")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400, "Salesforce answers 400 for an invalid token (unlike RFC 7009)");
    assert_eq!(r.json::<Value>().await.unwrap()["error"], "invalid_token");
    let r: Value = client()
        .post(format!("{}/services/oauth2/token", sf.login_url))
        .form(&[("grant_type", "refresh_token"), ("refresh_token", rt), ("client_id", &sf.client_id)])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(r, json!({"error": "invalid_grant", "error_description": "expired access/refresh token"}));
    sb.shutdown().await;
}

#[tokio::test]
async fn salesforce_invalid_session_is_401_error_array_and_session_expires() {
    let sb = start(10).await;
    let base = sb.endpoints().salesforce.login_url.clone();
    let r = client().get(format!("{base}/services/data/v67.0/limits")).bearer_auth("00Dbogus").send().await.unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(
        r.json::<Value>().await.unwrap(),
        json!([{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}])
    );
    let t = salesforce_login(&sb).await;
    let at = t["access_token"].as_str().unwrap();
    assert_eq!(
        client().get(format!("{base}/services/data/v67.0/limits")).bearer_auth(at).send().await.unwrap().status(),
        200
    );
    control_post(&sb, "/clock", json!({"advance_secs": 7201})).await;
    assert_eq!(
        client().get(format!("{base}/services/data/v67.0/limits")).bearer_auth(at).send().await.unwrap().status(),
        401
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn salesforce_unknown_route_is_404_not_found_and_versions_need_no_auth() {
    let sb = start(10).await;
    let base = sb.endpoints().salesforce.login_url.clone();
    let r = client().get(format!("{base}/nothing/here")).send().await.unwrap();
    assert_eq!(r.status(), 404);
    assert_eq!(r.json::<Value>().await.unwrap()[0]["errorCode"], "NOT_FOUND");
    let r = client().get(format!("{base}/services/data/")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers().get("sforce-limit-info").is_none());
    let v: Value = r.json().await.unwrap();
    assert_eq!(
        v.as_array().unwrap().last().unwrap(),
        &json!({"label": "Summer '26", "url": "/services/data/v67.0", "version": "67.0"})
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn salesforce_query_pages_at_2000_with_next_records_url() {
    let sb = start(5000).await;
    let base = sb.endpoints().salesforce.login_url.clone();
    let at = salesforce_login(&sb).await["access_token"].as_str().unwrap().to_string();
    let r = client()
        .get(format!("{base}/services/data/v67.0/query"))
        .query(&[(
            "q",
            "SELECT Id, Email, HasOptedOutOfEmail, LastModifiedDate FROM Contact ORDER BY LastModifiedDate DESC",
        )])
        .bearer_auth(&at)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["sforce-limit-info"].to_str().unwrap().starts_with("api-usage="));
    let v: Value = r.json().await.unwrap();
    let total = v["totalSize"].as_u64().unwrap();
    assert!(total > 2000, "{total}");
    assert_eq!(v["done"], false);
    assert_eq!(v["records"].as_array().unwrap().len(), 2000);
    let rec = &v["records"][0];
    assert_eq!(rec["attributes"]["type"], "Contact");
    assert!(rec["attributes"]["url"].as_str().unwrap().starts_with("/services/data/v67.0/sobjects/Contact/003"));
    let lmd = rec["LastModifiedDate"].as_str().unwrap();
    assert!(lmd.ends_with("+0000") && lmd.len() == 28 && lmd.as_bytes()[19] == b'.', "{lmd}");
    let next = v["nextRecordsUrl"].as_str().unwrap();
    assert!(next.starts_with("/services/data/v67.0/query/01g") && next.ends_with("-2000"));
    let v2: Value = client().get(format!("{base}{next}")).bearer_auth(&at).send().await.unwrap().json().await.unwrap();
    assert_eq!(v2["done"], true);
    assert_eq!(v2["records"].as_array().unwrap().len() as u64, total - 2000);
    assert!(v2.get("nextRecordsUrl").is_none());
    sb.shutdown().await;
}

#[tokio::test]
async fn salesforce_soql_where_in_like_and_errors() {
    let sb = start(300).await;
    let base = sb.endpoints().salesforce.login_url.clone();
    let at = salesforce_login(&sb).await["access_token"].as_str().unwrap().to_string();
    let q = |soql: &str| {
        let c = client().get(format!("{base}/services/data/v59.0/query")).query(&[("q", soql)]).bearer_auth(&at);
        async move { c.send().await.unwrap() }
    };
    let v: Value = q("SELECT Id, Email FROM Contact LIMIT 2").await.json().await.unwrap();
    let emails: Vec<String> =
        v["records"].as_array().unwrap().iter().map(|r| r["Email"].as_str().unwrap().to_uppercase()).collect();
    let soql = format!(
        "SELECT Id FROM Contact WHERE Email IN ('{}','{}') AND (HasOptedOutOfEmail = false OR HasOptedOutOfEmail = true)",
        emails[0], emails[1]
    );
    let v: Value = q(&soql).await.json().await.unwrap();
    assert_eq!(v["totalSize"], 2, "Email comparison is case-insensitive");
    let v: Value =
        q("SELECT COUNT() FROM Lead WHERE Email LIKE '%.example.com' AND LastModifiedDate > 2020-01-01T00:00:00Z")
            .await
            .json()
            .await
            .unwrap();
    assert!(v["totalSize"].as_u64().unwrap() > 0);
    let r = q("SELECT Id FROM Contact WHERE").await;
    assert_eq!(r.status(), 400);
    assert_eq!(r.json::<Value>().await.unwrap()[0]["errorCode"], "MALFORMED_QUERY");
    let r = q("SELECT Bogus FROM Contact").await;
    assert_eq!(r.json::<Value>().await.unwrap()[0]["errorCode"], "INVALID_FIELD");
    let r = q("SELECT Id FROM Nothing").await;
    assert_eq!(r.json::<Value>().await.unwrap()[0]["errorCode"], "INVALID_TYPE");
    sb.shutdown().await;
}

#[tokio::test]
async fn salesforce_crud_returns_201_then_204_and_query_all_sees_deleted() {
    let sb = start(10).await;
    let base = sb.endpoints().salesforce.login_url.clone();
    let at = salesforce_login(&sb).await["access_token"].as_str().unwrap().to_string();
    let c = client();
    let r = c
        .post(format!("{base}/services/data/v67.0/sobjects/Contact"))
        .bearer_auth(&at)
        .json(&json!({"LastName": "Ye", "Email": "bo@y.com"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["success"], true);
    assert_eq!(v["errors"], json!([]));
    let id = v["id"].as_str().unwrap().to_string();
    assert!(id.starts_with("003") && id.len() == 18);
    let r = c
        .patch(format!("{base}/services/data/v67.0/sobjects/Contact/{id}"))
        .bearer_auth(&at)
        .json(&json!({"HasOptedOutOfEmail": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let v: Value = c
        .get(format!("{base}/services/data/v67.0/sobjects/Contact/{id}?fields=Email,HasOptedOutOfEmail,Name"))
        .bearer_auth(&at)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["HasOptedOutOfEmail"], true);
    assert_eq!(v["Name"], "Ye");
    let r = c
        .post(format!("{base}/services/data/v67.0/sobjects/Contact"))
        .bearer_auth(&at)
        .json(&json!({"Email": "x@y.com"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v[0]["errorCode"], "REQUIRED_FIELD_MISSING");
    assert_eq!(v[0]["fields"], json!(["LastName"]));
    let r =
        c.delete(format!("{base}/services/data/v67.0/sobjects/Contact/{id}")).bearer_auth(&at).send().await.unwrap();
    assert_eq!(r.status(), 204);
    let soql = format!("SELECT Id, IsDeleted FROM Contact WHERE Id = '{id}'");
    let v: Value = c
        .get(format!("{base}/services/data/v67.0/query"))
        .query(&[("q", &soql)])
        .bearer_auth(&at)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["totalSize"], 0);
    let v: Value = c
        .get(format!("{base}/services/data/v67.0/queryAll"))
        .query(&[("q", &soql)])
        .bearer_auth(&at)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["records"][0]["IsDeleted"], true);
    let v: Value = c
        .get(format!("{base}/services/data/v67.0/sobjects/Task/describe"))
        .bearer_auth(&at)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let who = v["fields"].as_array().unwrap().iter().find(|f| f["name"] == "WhoId").unwrap().clone();
    assert_eq!(who["type"], "reference");
    assert_eq!(who["referenceTo"], json!(["Contact", "Lead"]));
    sb.shutdown().await;
}

#[tokio::test]
async fn salesforce_collections_cap_at_200_and_honour_all_or_none() {
    let sb = start(20).await;
    let base = sb.endpoints().salesforce.login_url.clone();
    let at = salesforce_login(&sb).await["access_token"].as_str().unwrap().to_string();
    let c = client();
    let v: Value = c
        .get(format!("{base}/services/data/v67.0/query"))
        .query(&[("q", "SELECT Id FROM Contact LIMIT 1")])
        .bearer_auth(&at)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let who = v["records"][0]["Id"].as_str().unwrap().to_string();
    let task = |subject: Value| json!({"attributes": {"type": "Task"}, "WhoId": who, "Subject": subject, "ActivityDate": "2026-05-01", "Status": "Completed"});
    let r = c
        .post(format!("{base}/services/data/v67.0/composite/sobjects"))
        .bearer_auth(&at)
        .json(&json!({"allOrNone": false, "records": [task(json!("Email: Spring promo")), {"attributes": {"type": "Task"}, "Bogus__c": 1}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v[0]["success"], true);
    assert!(v[0]["id"].as_str().unwrap().starts_with("00T"));
    assert_eq!(v[1]["success"], false);
    assert_eq!(v[1]["errors"][0]["statusCode"], "INVALID_FIELD", "collections use statusCode, not errorCode");
    let v: Value = c
        .post(format!("{base}/services/data/v67.0/composite/sobjects"))
        .bearer_auth(&at)
        .json(&json!({"allOrNone": true, "records": [task(json!("ok")), {"attributes": {"type": "Task"}, "Bogus__c": 1}]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v[0]["errors"][0]["statusCode"], "ALL_OR_NONE_OPERATION_ROLLED_BACK");
    let too_many: Vec<Value> = (0..201).map(|_| task(json!("x"))).collect();
    let r = c
        .post(format!("{base}/services/data/v67.0/composite/sobjects"))
        .bearer_auth(&at)
        .json(&json!({"records": too_many}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(r.json::<Value>().await.unwrap()[0]["errorCode"], "EXCEEDED_ID_LIMIT");
    let v: Value = c
        .get(format!("{base}/services/data/v67.0/query"))
        .query(&[("q", "SELECT COUNT() FROM Task")])
        .bearer_auth(&at)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["totalSize"], 1, "the allOrNone batch wrote nothing");
    sb.shutdown().await;
}

#[tokio::test]
async fn salesforce_daily_request_limit_is_403_request_limit_exceeded() {
    let sb = start(10).await;
    control_post(&sb, "/settings", json!({"salesforce_daily_limit": 3})).await;
    let base = sb.endpoints().salesforce.login_url.clone();
    let at = salesforce_login(&sb).await["access_token"].as_str().unwrap().to_string();
    for i in 1..=3 {
        let r = client().get(format!("{base}/services/data/v67.0/limits")).bearer_auth(&at).send().await.unwrap();
        assert_eq!(r.headers()["sforce-limit-info"], format!("api-usage={i}/3").as_str());
    }
    let r = client().get(format!("{base}/services/data/v67.0/limits")).bearer_auth(&at).send().await.unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(
        r.json::<Value>().await.unwrap(),
        json!([{"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}])
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn salesforce_bulk_v2_query_job_runs_and_pages_csv_with_sforce_locator() {
    let sb = start(300).await;
    let base = sb.endpoints().salesforce.login_url.clone();
    let at = salesforce_login(&sb).await["access_token"].as_str().unwrap().to_string();
    let c = client();
    let r = c
        .post(format!("{base}/services/data/v67.0/jobs/query"))
        .bearer_auth(&at)
        .json(&json!({"operation": "query", "query": "SELECT Id, Email, HasOptedOutOfEmail FROM Contact"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let job: Value = r.json().await.unwrap();
    assert_eq!(job["state"], "UploadComplete");
    assert_eq!(job["jobType"], "V2Query");
    let id = job["id"].as_str().unwrap().to_string();
    assert!(id.starts_with("750"));
    let v: Value = c
        .get(format!("{base}/services/data/v67.0/jobs/query/{id}"))
        .bearer_auth(&at)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["state"], "InProgress");
    let r = c.get(format!("{base}/services/data/v67.0/jobs/query/{id}/results")).bearer_auth(&at).send().await.unwrap();
    assert_eq!(r.status(), 400, "no results before JobComplete");
    control_post(&sb, "/clock", json!({"advance_secs": 3})).await;
    let v: Value = c
        .get(format!("{base}/services/data/v67.0/jobs/query/{id}"))
        .bearer_auth(&at)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["state"], "JobComplete");
    let total = v["numberRecordsProcessed"].as_u64().unwrap();
    let mut seen = 0u64;
    let mut locator: Option<String> = None;
    loop {
        let mut url = format!("{base}/services/data/v67.0/jobs/query/{id}/results?maxRecords=50");
        if let Some(l) = &locator {
            url.push_str(&format!("&locator={l}"));
        }
        let r = c.get(url).bearer_auth(&at).send().await.unwrap();
        let next = r.headers()["sforce-locator"].to_str().unwrap().to_string();
        let n: u64 = r.headers()["sforce-numberofrecords"].to_str().unwrap().parse().unwrap();
        let body = r.text().await.unwrap();
        assert!(body.starts_with("Id,Email,HasOptedOutOfEmail\n"));
        assert_eq!(body.lines().count() as u64, n + 1);
        seen += n;
        if next == "null" {
            break;
        }
        locator = Some(next);
    }
    assert_eq!(seen, total);
    sb.shutdown().await;
}

const INSTALLED_PACKAGES: &str = "SELECT Id, SubscriberPackage.NamespacePrefix, SubscriberPackage.Name, SubscriberPackageVersion.Name FROM InstalledSubscriberPackage";

async fn tooling_query(sb: &liaison_sandbox::Sandbox, token: &str, q: &str) -> (u16, Value) {
    let base = &sb.endpoints().salesforce.login_url;
    let r = client()
        .get(format!("{base}/services/data/v59.0/tooling/query"))
        .query(&[("q", q)])
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

#[tokio::test]
async fn salesforce_tooling_query_lists_installed_subscriber_packages_with_nested_relationships() {
    let sb = start(10).await;
    let at = salesforce_login(&sb).await["access_token"].as_str().unwrap().to_string();
    let (status, v) = tooling_query(&sb, &at, INSTALLED_PACKAGES).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["entityTypeName"], "InstalledSubscriberPackage");
    assert_eq!((v["done"].clone(), v["queryLocator"].clone()), (json!(true), Value::Null));
    assert_eq!(v["size"], v["totalSize"]);
    let records = v["records"].as_array().unwrap();
    assert_eq!(records.len() as u64, v["size"].as_u64().unwrap());
    let msi = records.iter().find(|r| r["SubscriberPackage"]["NamespacePrefix"] == "mkto_si").expect("MSI installed");
    assert_eq!(msi["attributes"]["type"], "InstalledSubscriberPackage");
    let id = msi["Id"].as_str().unwrap();
    assert!(id.starts_with("0A3") && id.len() == 18, "{id}");
    assert_eq!(
        msi["attributes"]["url"],
        json!(format!("/services/data/v59.0/tooling/sobjects/InstalledSubscriberPackage/{id}"))
    );
    assert_eq!(msi["SubscriberPackage"]["attributes"]["type"], "SubscriberPackage");
    assert_eq!(msi["SubscriberPackage"]["Name"], "Marketo Sales Insight");
    assert_eq!(msi["SubscriberPackageVersion"]["attributes"]["type"], "SubscriberPackageVersion");
    assert!(msi["SubscriberPackageVersion"]["Name"].is_string());
    // Only the selected fields come back.
    assert!(msi.get("SubscriberPackageId").is_none() && msi["SubscriberPackage"].get("Description").is_none());
    sb.shutdown().await;
}

#[tokio::test]
async fn salesforce_tooling_query_without_the_package_lists_only_the_other_packages() {
    let sb = start(10).await;
    control_post(&sb, "/settings", json!({"salesforce_package_installed": false})).await;
    let at = salesforce_login(&sb).await["access_token"].as_str().unwrap().to_string();
    let (status, v) = tooling_query(&sb, &at, INSTALLED_PACKAGES).await;
    assert_eq!(status, 200);
    let records = v["records"].as_array().unwrap();
    assert!(!records.is_empty(), "other packages are still listed");
    assert!(records.iter().all(|r| r["SubscriberPackage"]["NamespacePrefix"] != "mkto_si"), "{v}");
    sb.shutdown().await;
}

const PACKAGE_VERSIONS: &str = "SELECT SubscriberPackage.NamespacePrefix, SubscriberPackageVersion.Id, SubscriberPackageVersion.Name, SubscriberPackageVersion.MajorVersion, SubscriberPackageVersion.MinorVersion, SubscriberPackageVersion.PatchVersion, SubscriberPackageVersion.BuildNumber FROM InstalledSubscriberPackage WHERE SubscriberPackage.NamespacePrefix = 'mkto_si'";

#[tokio::test]
async fn salesforce_tooling_query_reports_the_configured_package_version_and_the_install_link_upgrades_it() {
    let sb = start(10).await;
    control_post(&sb, "/settings", json!({"salesforce_package_version": [1, 4100, 2, 3]})).await;
    let at = salesforce_login(&sb).await["access_token"].as_str().unwrap().to_string();
    let (status, v) = tooling_query(&sb, &at, PACKAGE_VERSIONS).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["size"], 1, "{v}");
    let version = &v["records"][0]["SubscriberPackageVersion"];
    assert_eq!(version["attributes"]["type"], "SubscriberPackageVersion");
    assert_eq!(
        (&version["MajorVersion"], &version["MinorVersion"], &version["PatchVersion"], &version["BuildNumber"]),
        (&json!(1), &json!(4100), &json!(2), &json!(3))
    );
    let old_id = version["Id"].as_str().unwrap().to_owned();
    assert!(old_id.starts_with("04t") && old_id.len() == 18, "{old_id}");
    let newest_id = liaison_sandbox::marketo_sales_insight_version_id(liaison_sandbox::MARKETO_SALES_INSIGHT_NEWEST);
    assert_ne!(old_id, newest_id, "every version has its own id");

    // The standard install link of the newest version offers the upgrade, and its form performs it.
    let install = format!("{}/packaging/installPackage.apexp", sb.endpoints().salesforce.login_url);
    let r = client().get(&install).query(&[("p0", old_id.as_str())]).send().await.unwrap();
    assert_eq!(r.status(), 404, "only the newest version is offered");
    let r = client().get(&install).query(&[("p0", newest_id.as_str())]).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("Upgrade Marketo Sales Insight"));
    let r = client().post(&install).form(&[("p0", newest_id.as_str())]).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let (_, v) = tooling_query(&sb, &at, PACKAGE_VERSIONS).await;
    assert_eq!(v["records"][0]["SubscriberPackageVersion"]["Id"], json!(newest_id));
    assert_eq!(
        v["records"][0]["SubscriberPackageVersion"]["MinorVersion"],
        json!(liaison_sandbox::MARKETO_SALES_INSIGHT_NEWEST[1])
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn salesforce_tooling_installed_packages_without_view_setup_is_400_invalid_type() {
    let sb = start(10).await;
    control_post(&sb, "/settings", json!({"salesforce_user_can_view_setup": false})).await;
    let at = salesforce_login(&sb).await["access_token"].as_str().unwrap().to_string();
    let (status, v) = tooling_query(&sb, &at, INSTALLED_PACKAGES).await;
    assert_eq!(status, 400);
    assert_eq!(
        v,
        json!([{"message": "sObject type 'InstalledSubscriberPackage' is not supported.", "errorCode": "INVALID_TYPE"}])
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn salesforce_tooling_query_rejects_unknown_fields_objects_and_missing_sessions() {
    let sb = start(10).await;
    let at = salesforce_login(&sb).await["access_token"].as_str().unwrap().to_string();
    let (status, v) = tooling_query(&sb, &at, "SELECT Id, Bogus__c FROM InstalledSubscriberPackage").await;
    assert_eq!((status, v[0]["errorCode"].clone()), (400, json!("INVALID_FIELD")));
    let (status, v) = tooling_query(&sb, &at, "SELECT Id FROM NoSuchThing").await;
    assert_eq!((status, v[0]["errorCode"].clone()), (400, json!("INVALID_TYPE")));
    let (status, v) = tooling_query(&sb, &at, "Id FROM InstalledSubscriberPackage").await;
    assert_eq!((status, v[0]["errorCode"].clone()), (400, json!("MALFORMED_QUERY")));
    let (status, v) = tooling_query(&sb, "not-a-token", INSTALLED_PACKAGES).await;
    assert_eq!((status, v[0]["errorCode"].clone()), (401, json!("INVALID_SESSION_ID")));
    // A WHERE on the namespace narrows the list.
    let (status, v) = tooling_query(
        &sb,
        &at,
        "SELECT Id, SubscriberPackage.Name FROM InstalledSubscriberPackage WHERE SubscriberPackage.NamespacePrefix = 'mkto_si'",
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(v["totalSize"], 1);
    assert_eq!(v["records"][0]["SubscriberPackage"]["Name"], "Marketo Sales Insight");
    sb.shutdown().await;
}
