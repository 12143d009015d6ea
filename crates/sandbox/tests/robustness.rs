//! Malformed requests get each vendor's own error format — never a panic, a hang or a bare 500
//! from the server framework — and unknown routes get the vendor's 404 (issue #3 "done when").

mod common;
use common::*;
use liaison_sandbox::SandboxConfig;
use serde_json::{Value, json};
use std::time::Duration;

/// Deterministic garbage: bodies and paths a broken or hostile client might send.
fn garbage(seed: u64) -> Vec<Vec<u8>> {
    let mut x = seed;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let mut out = vec![
        b"".to_vec(),
        b"{".to_vec(),
        b"[1,2".to_vec(),
        b"null".to_vec(),
        b"{\"input\": 5}".to_vec(),
        b"{\"records\": [1, \"x\", null]}".to_vec(),
        "\u{0}\u{1}\u{fffd}".as_bytes().to_vec(),
        vec![0xff, 0xfe, 0x00, 0x80],
    ];
    for _ in 0..12 {
        let len = (next() % 200) as usize;
        out.push((0..len).map(|_| (next() % 256) as u8).collect());
    }
    out
}

#[tokio::test]
async fn malformed_bodies_get_vendor_errors_and_never_a_panic() {
    let sb = start_with(SandboxConfig { people: 20, auto_approve: true, ..SandboxConfig::default() }).await;
    let e = sb.endpoints().clone();
    let mk = marketo_token(&sb).await;
    let sf = salesforce_login(&sb).await["access_token"].as_str().unwrap().to_string();
    let dv = dv_token(&sb).await;
    let ims = ims_token(&sb).await;
    let c = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let targets: Vec<(String, Option<String>, &str)> = vec![
        (format!("{}/rest/v1/leads.json", e.marketo.base_url), Some(mk.clone()), "marketo"),
        (format!("{}/rest/v1/lists/1000/leads.json", e.marketo.base_url), Some(mk.clone()), "marketo"),
        (format!("{}/rest/v1/leads/delete.json", e.marketo.base_url), Some(mk.clone()), "marketo"),
        (format!("{}/bulk/v1/leads.json", e.marketo.base_url), Some(mk.clone()), "marketo"),
        (format!("{}/bulk/v1/leads/export/create.json", e.marketo.base_url), Some(mk.clone()), "marketo"),
        (format!("{}/identity/oauth/token", e.marketo.base_url), None, "identity"),
        (format!("{}/services/data/v67.0/sobjects/Contact", e.salesforce.login_url), Some(sf.clone()), "salesforce"),
        (format!("{}/services/data/v67.0/composite/sobjects", e.salesforce.login_url), Some(sf.clone()), "salesforce"),
        (format!("{}/services/data/v67.0/jobs/query", e.salesforce.login_url), Some(sf.clone()), "salesforce"),
        (format!("{}/api/data/v9.2/contacts", e.dynamics.org_url), Some(dv.clone()), "dynamics"),
        (format!("{}/api/data/v9.2/AddListMembersList", e.dynamics.org_url), Some(dv.clone()), "dynamics"),
        (format!("{}/api/data/v9.2/$batch", e.dynamics.org_url), Some(dv.clone()), "dynamics"),
        (
            format!("{}/{}/campaign/profileAndServices/profile", e.campaign.base_url, e.campaign.org_id),
            Some(ims.clone()),
            "campaign",
        ),
        (
            format!("{}/{}/campaign/profileAndServicesExt/cusProduct", e.campaign.base_url, e.campaign.org_id),
            Some(ims.clone()),
            "campaign",
        ),
        (format!("{}/services/oauth2/token", e.salesforce.login_url), None, "oauth"),
        (format!("{}/services/oauth2/revoke", e.salesforce.login_url), None, "oauth"),
        (
            format!("{}/organizations/oauth2/v2.0/token", e.dynamics.authority_url.rsplit_once('/').unwrap().0),
            None,
            "oauth",
        ),
        (format!("{}/ims/token/v3", e.campaign.ims_url), None, "oauth"),
    ];
    for body in garbage(7) {
        for (url, token, kind) in &targets {
            for ct in [
                "application/json",
                "application/x-www-form-urlencoded",
                "multipart/form-data; boundary=x",
                "text/plain",
            ] {
                let mut rq = c.post(url).header("content-type", ct).body(body.clone());
                if let Some(t) = token {
                    rq = rq.bearer_auth(t).header("X-Api-Key", &e.campaign.client_id);
                }
                let r = rq
                    .send()
                    .await
                    .unwrap_or_else(|err| panic!("{url} {ct} {body:?}: connection failed ({err}) — a panic?"));
                let status = r.status().as_u16();
                let text = r.text().await.unwrap();
                match *kind {
                    "marketo" => {
                        assert_eq!(status, 200, "{url}");
                        let v: Value = serde_json::from_str(&text).unwrap();
                        assert_eq!(v["success"], false, "{url} {ct} {body:?} -> {text}");
                        assert!(v["errors"][0]["code"].is_string());
                    }
                    "salesforce" => {
                        let v: Value = serde_json::from_str(&text).unwrap();
                        if status == 200 {
                            // A collection of junk records: per-record SaveResults, all failed.
                            assert!(
                                v.as_array()
                                    .unwrap()
                                    .iter()
                                    .all(|r| r["success"] == false && r["errors"][0]["statusCode"].is_string()),
                                "{text}"
                            );
                        } else {
                            assert!((400..500).contains(&status), "{url} {ct} -> {status} {text}");
                            assert!(v[0]["errorCode"].is_string(), "{text}");
                        }
                    }
                    "dynamics" => {
                        assert_eq!(status, 400, "{url} {ct} -> {status} {text}");
                        let v: Value = serde_json::from_str(&text).unwrap();
                        assert!(v["error"]["code"].is_string() && v["error"]["message"].is_string(), "{text}");
                    }
                    "campaign" => {
                        assert_eq!(status, 400, "{url} {ct} -> {status} {text}");
                        let v: Value = serde_json::from_str(&text).unwrap();
                        assert_eq!(v["code"], 400, "{text}");
                    }
                    _ => {
                        assert!((400..500).contains(&status), "{url} {ct} -> {status} {text}");
                        let v: Value = serde_json::from_str(&text).unwrap();
                        assert!(v["error"].is_string(), "{text}");
                    }
                }
            }
        }
    }
    sb.shutdown().await;
}

#[tokio::test]
async fn unknown_routes_get_each_vendors_404() {
    let sb = start(5).await;
    let e = sb.endpoints().clone();
    let c = client();
    let r = c.get(format!("{}/does/not/exist", e.salesforce.login_url)).send().await.unwrap();
    assert_eq!(
        (r.status().as_u16(), r.json::<Value>().await.unwrap()[0]["errorCode"].clone()),
        (404, json!("NOT_FOUND"))
    );
    let mk = marketo_token(&sb).await;
    let v: Value = c
        .get(format!("{}/rest/v1/nope.json", e.marketo.base_url))
        .bearer_auth(&mk)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["errors"][0]["code"], "610");
    let r = c.get(format!("{}/nope", e.dynamics.org_url)).send().await.unwrap();
    assert_eq!(r.status(), 404);
    assert_eq!(r.json::<Value>().await.unwrap()["error"]["code"], "0x8006088a");
    let r = c.get(format!("{}/nope", e.campaign.base_url)).send().await.unwrap();
    assert_eq!(r.status(), 500, "the Adobe gateway answers an invalid URI with its 500 body");
    assert_eq!(
        r.json::<Value>().await.unwrap()["message"],
        "Oops. Something went wrong. Check your URI and try again."
    );
    let r = c.get(format!("{}/nope", e.campaign.ims_url)).send().await.unwrap();
    assert_eq!(r.status(), 404);
    let r = c.get(format!("{}/nope", e.control_url)).send().await.unwrap();
    assert_eq!(r.status(), 404);
    sb.shutdown().await;
}

#[tokio::test]
async fn time_scale_runs_a_20_second_window_in_milliseconds() {
    let sb = start_with(SandboxConfig { people: 5, time_scale: 200.0, ..SandboxConfig::default() }).await;
    control_post(&sb, "/settings", json!({"marketo_rate_limit": 3})).await;
    let token = marketo_token(&sb).await;
    let url = format!("{}/rest/v1/lists.json", sb.endpoints().marketo.base_url);
    let mut saw_606 = false;
    for _ in 0..6 {
        let v: Value = client().get(&url).bearer_auth(&token).send().await.unwrap().json().await.unwrap();
        saw_606 |= v["errors"][0]["code"] == "606";
    }
    assert!(saw_606, "more than 3 calls inside 20 virtual seconds (100 ms real)");
    // 20 virtual seconds at ×200 take 100 ms.
    tokio::time::sleep(Duration::from_millis(150)).await;
    let v: Value = client().get(&url).bearer_auth(&token).send().await.unwrap().json().await.unwrap();
    assert_eq!(v["success"], true);
    sb.shutdown().await;
}

#[tokio::test]
async fn fault_rate_one_fails_every_api_call_in_vendor_formats() {
    let sb = start_with(SandboxConfig { people: 5, fault_rate: 1.0, ..SandboxConfig::default() }).await;
    control_post(&sb, "/faults", json!({"kinds": ["server_error", "rate_limit", "expired_token", "malformed"]})).await;
    let token = marketo_token(&sb).await;
    let url = format!("{}/rest/v1/lists.json", sb.endpoints().marketo.base_url);
    for _ in 0..20 {
        let r = client().get(&url).bearer_auth(&token).send().await.unwrap();
        let status = r.status().as_u16();
        let text = r.text().await.unwrap();
        match serde_json::from_str::<Value>(&text) {
            Ok(v) => assert_eq!(v["success"], false, "{text}"),
            Err(_) => assert!(status == 502 || text.starts_with("{\"requestId\""), "{status} {text}"),
        }
    }
    let stats = control_get(&sb, "/stats").await;
    assert_eq!(stats["faults"]["marketo"].as_object().unwrap().values().map(|v| v.as_u64().unwrap()).sum::<u64>(), 20);
    sb.shutdown().await;
}

#[tokio::test]
async fn vendor_side_edits_show_up_in_each_system() {
    let sb = start_with(SandboxConfig { people: 40, auto_approve: true, ..SandboxConfig::default() }).await;
    let since = control_get(&sb, "/clock").await["now"].as_str().unwrap().to_string();
    let at = salesforce_login(&sb).await["access_token"].as_str().unwrap().to_string();
    let base = sb.endpoints().salesforce.login_url.clone();
    let v: Value = client()
        .get(format!("{base}/services/data/v67.0/query"))
        .query(&[("q", "SELECT Id, Email FROM Contact LIMIT 1")])
        .bearer_auth(&at)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let email = v["records"][0]["Email"].as_str().unwrap().to_uppercase();
    control_post(
        &sb,
        "/edits",
        json!({"system": "salesforce", "object": "Contact", "email": email, "fields": {"HasOptedOutOfEmail": true}}),
    )
    .await;
    let soql = format!("SELECT Id, HasOptedOutOfEmail FROM Contact WHERE LastModifiedDate > {since}");
    let v: Value = client()
        .get(format!("{base}/services/data/v67.0/query"))
        .query(&[("q", &soql)])
        .bearer_auth(&at)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["totalSize"], 1);
    assert_eq!(v["records"][0]["HasOptedOutOfEmail"], true);
    // Dataverse: an edited contact is found by a modifiedon filter.
    let dv = dv_token(&sb).await;
    let api = format!("{}/api/data/v9.2", sb.endpoints().dynamics.org_url);
    let v: Value = client()
        .get(format!("{api}/contacts?$select=emailaddress1&$top=1"))
        .bearer_auth(&dv)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let dv_email = v["value"][0]["emailaddress1"].as_str().unwrap().to_string();
    control_post(&sb, "/edits", json!({"system": "dynamics", "email": dv_email, "fields": {"donotbulkemail": true}}))
        .await;
    let v: Value = client()
        .get(format!("{api}/contacts?$select=emailaddress1,donotbulkemail&$filter=modifiedon gt {since}"))
        .bearer_auth(&dv)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["value"].as_array().unwrap().len(), 1);
    assert_eq!(v["value"][0]["donotbulkemail"], true);
    // Campaign: an opt-out edit is visible on the profile.
    let ims = ims_token(&sb).await;
    let c = sb.endpoints().campaign.clone();
    let v: Value = client()
        .get(format!("{}/{}/campaign/profileAndServices/profile?_lineCount=1", c.base_url, c.org_id))
        .bearer_auth(&ims)
        .header("X-Api-Key", &c.client_id)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let pkey = v["content"][0]["PKey"].as_str().unwrap().to_string();
    control_post(
        &sb,
        "/edits",
        json!({"system": "campaign", "id": pkey, "fields": {"blackListEmail": true, "blackList": true}}),
    )
    .await;
    let v: Value = client()
        .get(format!("{}/{}/campaign/profileAndServices/profile/{pkey}", c.base_url, c.org_id))
        .bearer_auth(&ims)
        .header("X-Api-Key", &c.client_id)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!((v["blackListEmail"].clone(), v["blackList"].clone()), (json!(true), json!(true)));
    let r = client()
        .post(format!("{}/edits", sb.endpoints().control_url))
        .json(&json!({"system": "campaign", "email": "nobody@nowhere", "fields": {"blackListEmail": true}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let r = client()
        .post(format!("{}/edits", sb.endpoints().control_url))
        .json(&json!({"system": "dynamics", "id": "not-a-guid", "fields": {}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let r = client()
        .post(format!("{}/edits", sb.endpoints().control_url))
        .json(&json!({"system": "marketo", "id": 100001, "fields": {"bogus": 1}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    sb.shutdown().await;
}

#[tokio::test]
async fn marketo_414_workaround_post_with_method_get() {
    let sb = start(20).await;
    let token = marketo_token(&sb).await;
    let r = client()
        .post(format!("{}/rest/v1/leads.json?_method=GET", sb.endpoints().marketo.base_url))
        .bearer_auth(&token)
        .form(&[("filterType", "id"), ("filterValues", "100001,100002"), ("fields", "id,email")])
        .send()
        .await
        .unwrap();
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["success"], true, "{v}");
    assert_eq!(v["result"].as_array().unwrap().len(), 2);
    // The deprecated access_token parameter is honoured unless switched off ([U], configurable).
    let url = format!("{}/rest/v1/lists.json?access_token={token}", sb.endpoints().marketo.base_url);
    assert_eq!(client().get(&url).send().await.unwrap().json::<Value>().await.unwrap()["success"], true);
    control_post(&sb, "/settings", json!({"marketo_accept_access_token_param": false})).await;
    assert_eq!(client().get(&url).send().await.unwrap().json::<Value>().await.unwrap()["errors"][0]["code"], "601");
    sb.shutdown().await;
}

#[tokio::test]
async fn the_control_api_answers_this_machine_only_and_changes_nothing_without_json() {
    let sb = start(5).await;
    let control = sb.endpoints().control_url.clone();
    let rebound = client().get(format!("{control}/tokens")).header("host", "evil.example:80").send().await.unwrap();
    assert_eq!(rebound.status(), 403, "a DNS-rebinding page cannot read the tokens");
    let form = client()
        .post(format!("{control}/settings"))
        .header("content-type", "text/plain")
        .body(r#"{"marketo_daily_quota": 1}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), 415, "a cross-site text/plain POST changes nothing");
    let settings: serde_json::Value =
        client().get(format!("{control}/settings")).send().await.unwrap().json().await.unwrap();
    assert_ne!(settings["marketo_daily_quota"], 1);
    assert_eq!(client().get(format!("{control}/tokens")).send().await.unwrap().status(), 200);
    sb.shutdown().await;
}

#[tokio::test]
async fn port_zero_means_free_ports_for_every_system() {
    let sb = start_with(SandboxConfig { port: Some(0), people: 5, ..Default::default() }).await;
    let e = sb.endpoints();
    assert!(!e.marketo.base_url.ends_with(":0") && !e.control_url.ends_with(":1"), "{}", e.control_url);
    sb.shutdown().await;
}
