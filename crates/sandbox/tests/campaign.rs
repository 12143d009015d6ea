//! Adobe Campaign Standard contract tests (API reference §4).

mod common;
use common::*;
use serde_json::{Value, json};

fn acs(sb: &liaison_sandbox::Sandbox, method: reqwest::Method, path: &str, token: &str) -> reqwest::RequestBuilder {
    let c = &sb.endpoints().campaign;
    let url =
        if path.starts_with("http") { path.to_string() } else { format!("{}/{}/campaign{path}", c.base_url, c.org_id) };
    client()
        .request(method, url)
        .bearer_auth(token)
        .header("X-Api-Key", &c.client_id)
        .header("Cache-Control", "no-cache")
        .header("Content-Type", "application/json")
}

#[tokio::test]
async fn campaign_requires_bearer_and_api_key_with_gateway_error_bodies() {
    let sb = start(20).await;
    let c = sb.endpoints().campaign.clone();
    let url = format!("{}/{}/campaign/profileAndServices/profile", c.base_url, c.org_id);
    let r = client().get(&url).bearer_auth("bogus").header("X-Api-Key", &c.client_id).send().await.unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(
        r.json::<Value>().await.unwrap(),
        json!({"error_code": "401013", "message": "Oauth token is not valid"})
    );
    let token = ims_token(&sb).await;
    let r = client().get(&url).bearer_auth(&token).send().await.unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(r.json::<Value>().await.unwrap()["error_code"], "403000");
    let r = acs(&sb, reqwest::Method::GET, "/profileAndServices/nothing", &token).send().await.unwrap();
    assert_eq!(r.status(), 500);
    assert_eq!(
        r.json::<Value>().await.unwrap(),
        json!({"code": 500, "message": "Oops. Something went wrong. Check your URI and try again."})
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn campaign_profiles_page_by_25_with_next_href_and_line_count() {
    let sb = start(200).await;
    let token = ims_token(&sb).await;
    let v: Value = acs(&sb, reqwest::Method::GET, "/profileAndServices/profile", &token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["content"].as_array().unwrap().len(), 25, "default page of 25");
    let p = &v["content"][0];
    assert!(p["PKey"].as_str().unwrap().starts_with('@'));
    assert!(p["blackListEmail"].is_boolean() && p["blackList"].is_boolean() && p["ccpaOptOut"].is_boolean());
    let next = v["next"]["href"].as_str().unwrap().to_string();
    assert!(next.contains("_lineStart=@") && next.contains("_lineCount=25"));
    let v2: Value = acs(&sb, reqwest::Method::GET, &next, &token).send().await.unwrap().json().await.unwrap();
    assert_ne!(v2["content"][0]["PKey"], v["content"][0]["PKey"]);
    let v: Value = acs(&sb, reqwest::Method::GET, "/profileAndServices/profile?_lineCount=1000", &token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(v.get("next").is_none(), "no next on the last page");
    let v: Value = acs(&sb, reqwest::Method::GET, "/profileAndServices/profile/email?_lineCount=3", &token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(v["content"][0].as_str().unwrap().contains('@'), "field projection returns bare values");
    sb.shutdown().await;
}

#[tokio::test]
async fn campaign_by_text_is_a_case_sensitive_prefix_and_patch_sets_opt_out() {
    let sb = start(50).await;
    let token = ims_token(&sb).await;
    let v: Value = acs(&sb, reqwest::Method::GET, "/profileAndServices/profile?_lineCount=1", &token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let email = v["content"][0]["email"].as_str().unwrap().to_string();
    let pkey = v["content"][0]["PKey"].as_str().unwrap().to_string();
    let path = format!("/profileAndServices/profile/byText?text={}&filterType=email", email.replace('@', "%40"));
    let v: Value = acs(&sb, reqwest::Method::GET, &path, &token).send().await.unwrap().json().await.unwrap();
    assert_eq!(v["content"][0]["PKey"], pkey);
    let upper = format!(
        "/profileAndServices/profile/byText?text={}&filterType=email",
        email.to_uppercase().replace('@', "%40")
    );
    let v: Value = acs(&sb, reqwest::Method::GET, &upper, &token).send().await.unwrap().json().await.unwrap();
    assert_eq!(v["content"], json!([]), "case-sensitive");
    let r = acs(&sb, reqwest::Method::PATCH, &format!("/profileAndServices/profile/{pkey}"), &token)
        .json(&json!({"blackListEmail": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["PKey"], json!(pkey));
    assert!(v["href"].as_str().unwrap().ends_with(&format!("/profileAndServices/profile/{pkey}")));
    let v: Value = acs(&sb, reqwest::Method::GET, &format!("/profileAndServices/profile/{pkey}"), &token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["blackListEmail"], true);
    let r = acs(&sb, reqwest::Method::PATCH, &format!("/profileAndServices/profile/{pkey}"), &token)
        .json(&json!({"age": 3}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 500);
    assert_eq!(r.json::<Value>().await.unwrap()["message"], "Cannot update the 'age' property that is read-only");
    sb.shutdown().await;
}

#[tokio::test]
async fn campaign_create_delete_history_and_custom_resource() {
    let sb = start(20).await;
    let token = ims_token(&sb).await;
    let r = acs(&sb, reqwest::Method::POST, "/profileAndServices/profile", &token)
        .json(&json!({"email": "c@z.com", "firstName": "Cy"}))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    let v: Value = r.json().await.unwrap();
    let pkey = v["PKey"].as_str().unwrap().to_string();
    assert_eq!(v["email"], "c@z.com");
    let v: Value = acs(&sb, reqwest::Method::GET, &format!("/profileAndServices/history/{pkey}"), &token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(v["events"]["href"].as_str().unwrap().ends_with("/events/"));
    let v: Value = acs(&sb, reqwest::Method::GET, "/profileAndServicesExt/cusProduct", &token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(!v["content"].as_array().unwrap().is_empty());
    let r = acs(&sb, reqwest::Method::POST, "/profileAndServicesExt/cusProduct", &token)
        .json(&json!({"name": "P", "profilePKey": pkey}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let r =
        acs(&sb, reqwest::Method::DELETE, &format!("/profileAndServices/profile/{pkey}"), &token).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let r =
        acs(&sb, reqwest::Method::GET, &format!("/profileAndServices/profile/{pkey}"), &token).send().await.unwrap();
    assert_eq!(r.status(), 404);
    sb.shutdown().await;
}

#[tokio::test]
async fn campaign_rate_limit_is_configurable_and_answers_429_with_retry_after() {
    let sb = start(5).await;
    control_post(&sb, "/settings", json!({"campaign_rate_limit": 2})).await;
    let token = ims_token(&sb).await;
    for _ in 0..2 {
        assert_eq!(
            acs(&sb, reqwest::Method::GET, "/profileAndServices/profile", &token).send().await.unwrap().status(),
            200
        );
    }
    let r = acs(&sb, reqwest::Method::GET, "/profileAndServices/profile", &token).send().await.unwrap();
    assert_eq!(r.status(), 429);
    assert!(r.headers().contains_key("retry-after"));
    assert_eq!(r.json::<Value>().await.unwrap()["error_code"], "429050");
    sb.shutdown().await;
}

async fn get(sb: &liaison_sandbox::Sandbox, path: &str, token: &str) -> Value {
    let r = acs(sb, reqwest::Method::GET, path, token).send().await.unwrap();
    assert_eq!(r.status(), 200, "GET {path}");
    r.json().await.unwrap()
}

#[tokio::test]
async fn a_profile_extension_field_is_written_and_found_by_its_custom_filter() {
    let sb = start(50).await;
    let token = ims_token(&sb).await;
    let v = get(&sb, "/profileAndServices/profile?_lineCount=1", &token).await;
    let pkey = v["content"][0]["PKey"].as_str().unwrap().to_string();
    assert!(v["content"][0].get("cusCrmContactId").is_none(), "the standard API hides extension fields");
    let r = acs(&sb, reqwest::Method::PATCH, &format!("/profileAndServices/profile/{pkey}"), &token)
        .json(&json!({"cusJobTitle": "CTO"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400, "the standard API refuses extension fields");
    let contact = "6f1c2a3b-0000-4000-8000-000000000abc";
    let r = acs(&sb, reqwest::Method::PATCH, &format!("/profileAndServicesExt/profile/{pkey}"), &token)
        .json(&json!({"cusCrmContactId": contact, "cusJobTitle": "部長"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let v = get(&sb, &format!("/profileAndServicesExt/profile/{pkey}"), &token).await;
    assert_eq!((v["cusCrmContactId"].as_str(), v["cusJobTitle"].as_str()), (Some(contact), Some("部長")));
    let v = get(&sb, &format!("/profileAndServicesExt/profile/byCrmContactId?crmContactId={contact}"), &token).await;
    assert_eq!(v["content"].as_array().unwrap().len(), 1);
    assert_eq!(v["content"][0]["PKey"], json!(pkey));
    let v = get(&sb, "/profileAndServicesExt/profile/byCrmContactId?crmContactId=nobody", &token).await;
    assert_eq!(v["content"], json!([]));
    // A new profile can carry its extension fields from the start.
    let r = acs(&sb, reqwest::Method::POST, "/profileAndServicesExt/profile", &token)
        .json(&json!({"email": "k@y.jp", "cusCrmContactId": "00000000-0000-4000-8000-000000000001"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    assert_eq!(r.json::<Value>().await.unwrap()["cusCrmContactId"], "00000000-0000-4000-8000-000000000001");
    // Generated profiles already synced from Dynamics carry their contact ID.
    let v = get(&sb, "/profileAndServicesExt/profile?_lineCount=50", &token).await;
    assert!(
        v["content"].as_array().unwrap().iter().any(|p| p["cusCrmContactId"].as_str().is_some_and(|s| s.len() == 36))
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn resource_metadata_describes_fields_types_lengths_and_the_custom_filter() {
    let sb = start(10).await;
    let token = ims_token(&sb).await;
    let v = get(&sb, "/profileAndServicesExt/resourceType/profile", &token).await;
    assert_eq!(v["name"], "profile");
    assert_eq!(v["content"]["email"]["type"], "string");
    assert_eq!(v["content"]["email"]["length"], 128);
    assert_eq!(v["content"]["email"]["dataPolicy"], "email");
    assert_eq!(v["content"]["blackListEmail"]["type"], "boolean");
    assert_eq!(v["content"]["lastModified"]["type"], "datetime");
    assert_eq!(v["content"]["lastModified"]["sortable"], true);
    assert_eq!(v["content"]["cusCrmContactId"]["length"], 36);
    assert_eq!(v["content"]["logs"]["type"], "collection");
    let std = get(&sb, "/profileAndServices/resourceType/profile", &token).await;
    assert!(std["content"].get("cusCrmContactId").is_none());
    let filters = get(&sb, v["filters"]["href"].as_str().unwrap(), &token).await;
    assert!(filters["byCrmContactId"]["data"].as_str().unwrap().contains("byCrmContactId?crmContactId=$value"));
    assert!(filters["byText"].is_object());
    let m = get(&sb, "/profileAndServicesExt/cusProductInterest/metadata", &token).await;
    assert_eq!(m["content"]["profile"]["type"], "link");
    assert_eq!(m["content"]["profile"]["resTarget"], "profile");
    assert_eq!(m["content"]["interestLevel"]["type"], "enumeration");
    let list = get(&sb, "/profileAndServicesExt/", &token).await;
    let names: Vec<&str> = list["content"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["cusProduct", "cusProductInterest"]);
    sb.shutdown().await;
}

#[tokio::test]
async fn a_custom_resource_linked_to_a_profile_is_created_paged_patched_and_deleted() {
    let sb = start(30).await;
    let token = ims_token(&sb).await;
    let v = get(&sb, "/profileAndServices/profile?_lineCount=1", &token).await;
    let profile = v["content"][0]["PKey"].as_str().unwrap().to_string();
    let mut created = Vec::new();
    for i in 0..3 {
        let r = acs(&sb, reqwest::Method::POST, "/profileAndServicesExt/cusProductInterest", &token)
            .json(&json!({"crmId": format!("crm-{i}"), "product": "Mobile SDK", "interestLevel": "high",
                "profile": {"PKey": profile}}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["profile"]["PKey"], json!(profile));
        created.push(v["PKey"].as_str().unwrap().to_string());
    }
    let page = get(&sb, "/profileAndServicesExt/cusProductInterest?_lineCount=2", &token).await;
    assert_eq!(page["content"].as_array().unwrap().len(), 2);
    let next = get(&sb, page["next"]["href"].as_str().unwrap(), &token).await;
    assert_eq!(next["content"].as_array().unwrap().len(), 1);
    let found = get(&sb, "/profileAndServicesExt/cusProductInterest/byCrmId?crmId=crm-1", &token).await;
    assert_eq!(found["content"][0]["PKey"], json!(created[1]));
    let r =
        acs(&sb, reqwest::Method::PATCH, &format!("/profileAndServicesExt/cusProductInterest/{}", created[0]), &token)
            .json(&json!({"interestLevel": "low"}))
            .send()
            .await
            .unwrap();
    assert_eq!(r.status(), 200);
    let v = get(&sb, &format!("/profileAndServicesExt/cusProductInterest/{}", created[0]), &token).await;
    assert_eq!(v["interestLevel"], "low");
    let r =
        acs(&sb, reqwest::Method::PATCH, &format!("/profileAndServicesExt/cusProductInterest/{}", created[0]), &token)
            .json(&json!({"interestLevel": "enormous"}))
            .send()
            .await
            .unwrap();
    assert_eq!(r.status(), 400, "enumeration values are checked");
    let r = acs(&sb, reqwest::Method::POST, "/profileAndServicesExt/cusProductInterest", &token)
        .json(&json!({"product": "X", "profile": {"PKey": "@nobody"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400, "must be linked to an existing profile");
    let r =
        acs(&sb, reqwest::Method::DELETE, &format!("/profileAndServicesExt/cusProductInterest/{}", created[2]), &token)
            .send()
            .await
            .unwrap();
    assert_eq!(r.status(), 200);
    let r =
        acs(&sb, reqwest::Method::GET, &format!("/profileAndServicesExt/cusProductInterest/{}", created[2]), &token)
            .send()
            .await
            .unwrap();
    assert_eq!(r.status(), 404);
    sb.shutdown().await;
}

#[tokio::test]
async fn tracking_logs_are_paged_with_stable_pkeys() {
    let sb = start(400).await;
    let token = ims_token(&sb).await;
    let v = get(&sb, "/profileAndServices/profile?_lineCount=1", &token).await;
    let profile = v["content"][0].clone();
    let pkey = profile["PKey"].as_str().unwrap().to_string();
    let t0 = "2026-02-01T09:00:00Z";
    let mut events = vec![json!({"profile": pkey, "type": "sent", "label": "Seed 004 test delivery", "at": t0})];
    for i in 0..5 {
        events.push(json!({"profile": pkey, "type": if i == 0 { "opened" } else { "clicked" }, "label": "Seed 004 test delivery",
            "at": format!("2026-02-01T10:0{i}:00Z"), "url": if i == 0 { Value::Null } else { json!(format!("https://www.example.com/p{i}")) }}));
    }
    let out = control_post(&sb, "/campaign/events", json!(events)).await;
    assert_eq!(out["created"].as_array().unwrap().len(), 6);
    let tracking_href = profile["tracking"]["href"].as_str().unwrap().to_string();
    let mut seen = Vec::new();
    let mut url = format!("{tracking_href}?_lineCount=2");
    loop {
        let page = get(&sb, &url, &token).await;
        for log in page["content"].as_array().unwrap() {
            if log["delivery"]["label"] == "Seed 004 test delivery" {
                seen.push((
                    log["PKey"].as_str().unwrap().to_string(),
                    log["type"].clone(),
                    log["url"]["source"].clone(),
                ));
            }
        }
        match page["next"]["href"].as_str() {
            Some(n) => url = n.to_string(),
            None => break,
        }
    }
    assert_eq!(seen.len(), 5);
    assert_eq!(seen[0].1, "open");
    assert_eq!((seen[1].1.as_str(), seen[1].2.as_str()), (Some("click"), Some("https://www.example.com/p1")));
    let again = get(&sb, &format!("{tracking_href}?_lineCount=100"), &token).await;
    let keys: Vec<&str> = again["content"].as_array().unwrap().iter().map(|l| l["PKey"].as_str().unwrap()).collect();
    assert!(seen.iter().all(|(k, _, _)| keys.contains(&k.as_str())), "PKeys are stable across reads");
    let logs = get(&sb, profile["logs"]["href"].as_str().unwrap(), &token).await;
    let sent = logs["content"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["delivery"]["label"] == "Seed 004 test delivery")
        .unwrap();
    assert_eq!(sent["status"], "sent");
    assert_eq!(sent["eventDate"], "2026-02-01 09:00:00.000Z");
    // The generator gives some profiles a history of their own.
    let all = get(&sb, "/profileAndServices/profile?_lineCount=400", &token).await;
    let mut with_logs = 0;
    for p in all["content"].as_array().unwrap().iter().take(60) {
        let l = get(&sb, p["logs"]["href"].as_str().unwrap(), &token).await;
        with_logs += usize::from(!l["content"].as_array().unwrap().is_empty());
    }
    assert!(with_logs > 0, "some generated profiles have delivery logs");
    sb.shutdown().await;
}

#[tokio::test]
async fn an_injected_campaign_edit_changes_last_modified() {
    let sb = start(100).await;
    let token = ims_token(&sb).await;
    let v = get(&sb, "/profileAndServices/profile?_lineCount=1", &token).await;
    let p = v["content"][0].clone();
    let pkey = p["PKey"].as_str().unwrap().to_string();
    control_post(&sb, "/clock", json!({"advance_secs": 3600})).await;
    let out = control_post(
        &sb,
        "/edits",
        json!({"system": "campaign", "email": p["email"], "fields": {"firstName": "Changed", "blackListEmail": true}}),
    )
    .await;
    assert_eq!(out["updated"][0]["id"], json!(pkey));
    let after = get(&sb, &format!("/profileAndServices/profile/{pkey}"), &token).await;
    assert_eq!((after["firstName"].as_str(), after["blackListEmail"].as_bool()), (Some("Changed"), Some(true)));
    assert!(after["lastModified"].as_str().unwrap() > p["lastModified"].as_str().unwrap());
    // `_order=lastModified desc` puts the changed profile first: how a client finds changes.
    let v = get(&sb, "/profileAndServices/profile?_order=lastModified%20desc&_lineCount=5", &token).await;
    assert_eq!(v["content"][0]["PKey"], json!(pkey));
    let dates: Vec<&str> =
        v["content"].as_array().unwrap().iter().map(|p| p["lastModified"].as_str().unwrap()).collect();
    assert!(dates.windows(2).all(|w| w[0] >= w[1]));
    let next = get(&sb, v["next"]["href"].as_str().unwrap(), &token).await;
    assert!(next["content"][0]["lastModified"].as_str().unwrap() <= dates[4]);
    sb.shutdown().await;
}

#[tokio::test]
async fn campaign_answers_429_with_retry_after_past_its_licence_limit() {
    let sb = start(5).await;
    let s = control_get(&sb, "/settings").await;
    assert_eq!(s["campaign_rate_limit"], 0, "off by default");
    control_post(&sb, "/settings", json!({"campaign_rate_limit": 3, "campaign_rate_window_secs": 60})).await;
    let token = ims_token(&sb).await;
    for _ in 0..3 {
        get(&sb, "/profileAndServicesExt/profile?_lineCount=1", &token).await;
    }
    let r = acs(&sb, reqwest::Method::GET, "/profileAndServicesExt/profile", &token).send().await.unwrap();
    assert_eq!(r.status(), 429);
    let wait: u64 = r.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!(wait >= 1);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error_code"], "429050");
    assert!(body["message"].is_string());
    control_post(&sb, "/clock", json!({"advance_secs": 61})).await;
    get(&sb, "/profileAndServicesExt/profile?_lineCount=1", &token).await;
    let stats = control_get(&sb, "/stats").await;
    assert_eq!(stats["violations"]["campaign"]["429"], 1);
    sb.shutdown().await;
}
