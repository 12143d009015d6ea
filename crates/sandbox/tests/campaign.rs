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
