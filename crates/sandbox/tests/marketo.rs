//! Marketo contract tests; each names the fact from the API reference (§1) it checks.

mod common;
use common::*;
use serde_json::{Value, json};

async fn get(sb: &liaison_sandbox::Sandbox, token: &str, path: &str) -> Value {
    let r = client().get(format!("{}{path}", sb.endpoints().marketo.base_url)).bearer_auth(token).send().await.unwrap();
    assert_eq!(r.status(), 200, "Marketo answers HTTP 200 even for errors");
    r.json().await.unwrap()
}

async fn post(sb: &liaison_sandbox::Sandbox, token: &str, path: &str, body: Value) -> Value {
    let r = client()
        .post(format!("{}{path}", sb.endpoints().marketo.base_url))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

fn code(v: &Value) -> &str {
    v["errors"][0]["code"].as_str().unwrap_or("")
}

#[tokio::test]
async fn marketo_identity_returns_the_same_token_with_remaining_lifetime() {
    let sb = start(50).await;
    let m = sb.endpoints().marketo.clone();
    let first: Value = client()
        .post(format!("{}/identity/oauth/token", m.base_url))
        .form(&[("grant_type", "client_credentials"), ("client_id", &m.client_id), ("client_secret", &m.client_secret)])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(first["token_type"], "bearer");
    assert!(first["expires_in"].as_i64().unwrap() <= 3599);
    assert!(first["scope"].as_str().unwrap().contains('@'));
    let again = marketo_token(&sb).await;
    assert_eq!(first["access_token"].as_str().unwrap(), again, "same token until expiry (§1.2)");
    sb.shutdown().await;
}

#[tokio::test]
async fn marketo_identity_bad_credentials_is_http_401_invalid_client() {
    let sb = start(10).await;
    let m = sb.endpoints().marketo.clone();
    let r = client()
        .get(format!(
            "{}/identity/oauth/token?grant_type=client_credentials&client_id={}&client_secret=wrong",
            m.base_url, m.client_id
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v, json!({"error": "invalid_client", "error_description": "Bad client credentials"}));
    sb.shutdown().await;
}

#[tokio::test]
async fn marketo_601_for_unknown_token_and_602_after_expiry_as_http_200() {
    let sb = start(10).await;
    let v = get(&sb, "nope:sj", "/rest/v1/leads/describe.json").await;
    assert_eq!(v["success"], false);
    assert_eq!(code(&v), "601");
    assert!(v["requestId"].as_str().unwrap().contains('#'));
    let token = marketo_token(&sb).await;
    control_post(&sb, "/clock", json!({"advance_secs": 3601})).await;
    let v = get(&sb, &token, "/rest/v1/leads/describe.json").await;
    assert_eq!(code(&v), "602");
    let fresh = marketo_token(&sb).await;
    assert_ne!(fresh, token, "a new token after expiry");
    assert_eq!(get(&sb, &fresh, "/rest/v1/leads/describe.json").await["success"], true);
    sb.shutdown().await;
}

#[tokio::test]
async fn marketo_606_after_100_calls_in_20_seconds() {
    let sb = start(10).await;
    let token = marketo_token(&sb).await;
    for i in 0..100 {
        let v = get(&sb, &token, "/rest/v1/lists.json").await;
        assert_eq!(v["success"], true, "call {i}");
    }
    let v = get(&sb, &token, "/rest/v1/lists.json").await;
    assert_eq!(code(&v), "606");
    assert_eq!(v["errors"][0]["message"], "Max rate limit '100' exceeded with in '20' secs");
    let stats = control_get(&sb, "/stats").await;
    assert_eq!(stats["violations"]["marketo"]["606"], 1);
    control_post(&sb, "/clock", json!({"advance_secs": 20})).await;
    assert_eq!(get(&sb, &token, "/rest/v1/lists.json").await["success"], true, "window slides");
    sb.shutdown().await;
}

#[tokio::test]
async fn marketo_607_when_the_daily_quota_is_used_and_reset_at_central_midnight() {
    let sb = start(10).await;
    control_post(&sb, "/settings", json!({"marketo_daily_quota": 3})).await;
    let token = marketo_token(&sb).await;
    for _ in 0..3 {
        assert_eq!(get(&sb, &token, "/rest/v1/lists.json").await["success"], true);
    }
    assert_eq!(code(&get(&sb, &token, "/rest/v1/lists.json").await), "607");
    control_post(&sb, "/clock", json!({"advance_secs": 86400})).await;
    let token = marketo_token(&sb).await;
    assert_eq!(get(&sb, &token, "/rest/v1/lists.json").await["success"], true);
    sb.shutdown().await;
}

#[tokio::test]
async fn marketo_615_beyond_10_concurrent_calls() {
    let sb = start(10).await;
    control_post(&sb, "/settings", json!({"latency_ms": 400})).await;
    let token = marketo_token(&sb).await;
    let mut handles = Vec::new();
    for _ in 0..14 {
        let url = format!("{}/rest/v1/lists.json", sb.endpoints().marketo.base_url);
        let t = token.clone();
        handles.push(tokio::spawn(async move {
            client().get(url).bearer_auth(t).send().await.unwrap().json::<Value>().await.unwrap()
        }));
    }
    let mut codes = Vec::new();
    for h in handles {
        codes.push(code(&h.await.unwrap()).to_string());
    }
    assert_eq!(codes.iter().filter(|c| c.is_empty()).count(), 10, "{codes:?}");
    assert_eq!(codes.iter().filter(|c| *c == "615").count(), 4);
    sb.shutdown().await;
}

#[tokio::test]
async fn marketo_sync_leads_reports_record_level_results_in_input_order() {
    let sb = start(10).await;
    let token = marketo_token(&sb).await;
    let v = post(
        &sb,
        &token,
        "/rest/v1/leads.json",
        json!({"action": "createOnly", "lookupField": "email", "input": [
            {"email": "new.person@example.com", "firstName": "New"},
            {"email": "NEW.PERSON@example.com"},
            {"email": "x@example.com", "nope": 1},
            {"email": "y@example.com", "unsubscribed": "maybe"}
        ]}),
    )
    .await;
    assert_eq!(v["success"], true);
    let r = v["result"].as_array().unwrap();
    assert_eq!(r[0]["status"], "created");
    assert!(r[0]["id"].as_i64().is_some());
    assert_eq!(r[1]["status"], "skipped");
    assert_eq!(r[1]["reasons"][0]["code"], "1005", "email lookup is case-insensitive");
    assert_eq!(r[2]["reasons"][0]["code"], "1006");
    assert_eq!(r[3]["reasons"][0]["code"], "1001");
    let v = post(
        &sb,
        &token,
        "/rest/v1/leads.json",
        json!({"action": "updateOnly", "input": [{"email": "nobody@example.com", "firstName": "X"}]}),
    )
    .await;
    assert_eq!(v["result"][0]["reasons"][0]["code"], "1004");
    let v = post(
        &sb,
        &token,
        "/rest/v1/leads.json",
        json!({"input": [{"email": "new.person@example.com", "lastName": "Person"}]}),
    )
    .await;
    assert_eq!(v["result"][0]["status"], "updated");
    let many: Vec<Value> = (0..301).map(|i| json!({"email": format!("p{i}@example.com")})).collect();
    let v = post(&sb, &token, "/rest/v1/leads.json", json!({"input": many})).await;
    assert_eq!(v["success"], false);
    assert_eq!(code(&v), "1003", "at most 300 records per write");
    let r = client()
        .post(format!("{}/rest/v1/leads.json", sb.endpoints().marketo.base_url))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(code(&r.json::<Value>().await.unwrap()), "609");
    sb.shutdown().await;
}

#[tokio::test]
async fn marketo_leads_by_filter_pages_with_next_page_token_and_null_fields() {
    let sb = start(400).await;
    let token = marketo_token(&sb).await;
    // Ids of the first 301 leads, fetched through the list of all ids.
    let mut ids = Vec::new();
    for id in 100_001..100_500 {
        ids.push(id.to_string());
    }
    let ids = ids[..300].join(",");
    let v = get(
        &sb,
        &token,
        &format!(
            "/rest/v1/leads.json?filterType=id&filterValues={ids}&fields=id,email,company,unsubscribed&batchSize=100"
        ),
    )
    .await;
    assert_eq!(v["success"], true);
    let first = v["result"].as_array().unwrap();
    assert_eq!(first.len(), 100);
    assert!(first[0].as_object().unwrap().contains_key("company"));
    assert_eq!(v["moreResult"], true);
    let tok = v["nextPageToken"].as_str().unwrap().to_string();
    let v2 = get(
        &sb,
        &token,
        &format!(
            "/rest/v1/leads.json?filterType=id&filterValues={ids}&fields=id,email&batchSize=100&nextPageToken={tok}"
        ),
    )
    .await;
    assert_ne!(v2["result"][0]["id"], first[0]["id"]);
    let v = get(&sb, &token, "/rest/v1/leads.json?filterType=firstName&filterValues=Ada").await;
    assert_eq!(code(&v), "1011");
    let v = get(&sb, &token, "/rest/v1/leads.json?filterType=email&filterValues=nobody@nowhere.example").await;
    assert_eq!(v["success"], true);
    assert_eq!(v["result"], json!([]));
    let v = get(&sb, &token, "/rest/v1/leads.json?filterType=id&filterValues=100001&fields=bogus").await;
    assert_eq!(code(&v), "1006");
    sb.shutdown().await;
}

#[tokio::test]
async fn marketo_static_list_create_add_ismember_remove() {
    let sb = start(20).await;
    let token = marketo_token(&sb).await;
    let base = sb.endpoints().marketo.base_url.clone();
    let v: Value = client()
        .post(format!("{base}/rest/asset/v1/staticLists.json"))
        .bearer_auth(&token)
        .form(&[("folder", "{\"id\":1034,\"type\":\"Program\"}"), ("name", "Liaison test list")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["success"], true);
    assert_eq!(v["errors"], json!([]), "asset API always carries errors[]");
    let list = v["result"][0]["id"].as_i64().unwrap();
    let lead =
        post(&sb, &token, "/rest/v1/leads.json", json!({"input": [{"email": "member@example.com"}]})).await["result"]
            [0]["id"]
            .as_i64()
            .unwrap();
    let v =
        post(&sb, &token, &format!("/rest/v1/lists/{list}/leads.json"), json!({"input": [{"id": lead}, {"id": 1}]}))
            .await;
    assert_eq!(v["result"][0], json!({"id": lead, "status": "added"}));
    assert_eq!(v["result"][1]["reasons"][0]["code"], "1004");
    let v = get(&sb, &token, &format!("/rest/v1/lists/{list}/leads/ismember.json?id={lead}")).await;
    assert_eq!(v["result"][0]["status"], "memberof");
    let v = get(&sb, &token, &format!("/rest/v1/lists/{list}/leads.json")).await;
    assert_eq!(v["result"][0]["email"], "member@example.com");
    let r: Value = client()
        .delete(format!("{base}/rest/v1/lists/{list}/leads.json?id={lead}"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(r["result"][0]["status"], "removed");
    let v = get(&sb, &token, &format!("/rest/v1/lists/{list}/leads/ismember.json?id={lead}")).await;
    assert_eq!(v["result"][0]["status"], "notmemberof");
    let v = get(&sb, &token, "/rest/asset/v1/staticList/byName.json?name=Liaison%20test%20list").await;
    assert_eq!(v["result"][0]["id"], list);
    sb.shutdown().await;
}

#[tokio::test]
async fn marketo_lead_changes_after_a_vendor_side_edit() {
    let sb = start(30).await;
    let token = marketo_token(&sb).await;
    let clock = control_get(&sb, "/clock").await;
    let since = clock["now"].as_str().unwrap().to_string();
    let v = get(&sb, &token, &format!("/rest/v1/activities/pagingtoken.json?sinceDatetime={since}")).await;
    assert!(v.get("result").is_none(), "paging-token responses carry no result");
    let tok = v["nextPageToken"].as_str().unwrap().to_string();
    control_post(&sb, "/edits", json!({"system": "marketo", "id": 100001, "fields": {"unsubscribed": true}})).await;
    let v = get(&sb, &token, &format!("/rest/v1/activities/leadchanges.json?nextPageToken={tok}&fields=unsubscribed"))
        .await;
    let r = v["result"].as_array().expect("one change");
    assert_eq!(r.len(), 1);
    assert_eq!(r[0]["leadId"], 100001);
    assert_eq!(r[0]["activityTypeId"], 13);
    assert_eq!(r[0]["fields"][0]["name"], "unsubscribed");
    assert_eq!(r[0]["fields"][0]["newValue"], "true");
    assert_eq!(v["moreResult"], false);
    let v = get(&sb, &token, &format!("/rest/v1/activities.json?nextPageToken={tok}&activityTypeIds=13")).await;
    assert_eq!(v["result"].as_array().unwrap().len(), 1);
    let v = get(&sb, &token, "/rest/v1/activities/pagingtoken.json?sinceDatetime=yesterday").await;
    assert_eq!(code(&v), "704");
    sb.shutdown().await;
}

#[tokio::test]
async fn marketo_new_lead_activities_date_every_lead_from_its_creation_and_leave_with_a_deleted_lead() {
    let sb = start(30).await;
    let token = marketo_token(&sb).await;
    let v = get(&sb, &token, "/rest/v1/activities/pagingtoken.json?sinceDatetime=2006-01-01T00:00:00Z").await;
    let tok = v["nextPageToken"].as_str().unwrap().to_string();
    let feed = format!("/rest/v1/activities.json?nextPageToken={tok}&activityTypeIds=12&batchSize=300");
    let v = get(&sb, &token, &feed).await;
    let news = v["result"].as_array().unwrap().clone();
    let leads = get(&sb, &token, "/rest/v1/leads.json?filterType=id&filterValues=100001,100002,100003").await;
    let leads = leads["result"].as_array().unwrap();
    assert_eq!(leads.len(), 3);
    // Marketo numbers leads in creation order, and each one's New Lead activity is its creation.
    for pair in leads.windows(2) {
        assert!(pair[0]["createdAt"].as_str() <= pair[1]["createdAt"].as_str(), "{pair:?}");
    }
    for lead in leads {
        let new = news.iter().find(|a| a["leadId"] == lead["id"]).expect("a New Lead activity");
        assert_eq!(new["activityDate"], lead["createdAt"]);
    }
    assert_eq!(news[0]["leadId"], 100001, "the first New Lead is the oldest lead's");
    post(&sb, &token, "/rest/v1/leads/delete.json", json!({"input": [{"id": 100001}]})).await;
    let v = get(&sb, &token, &feed).await;
    assert_eq!(v["result"][0]["leadId"], 100002, "a deleted person's activities leave with them");
    sb.shutdown().await;
}

#[tokio::test]
async fn marketo_unknown_route_is_610_and_wrong_method_605() {
    let sb = start(10).await;
    let token = marketo_token(&sb).await;
    assert_eq!(code(&get(&sb, &token, "/rest/v1/nothing.json").await), "610");
    assert_eq!(code(&get(&sb, &token, "/rest/v1/leads/delete.json").await), "605");
    sb.shutdown().await;
}

#[tokio::test]
async fn marketo_413_for_bodies_over_1mb_and_414_for_uris_over_8kb() {
    let sb = start(10).await;
    let token = marketo_token(&sb).await;
    let base = sb.endpoints().marketo.base_url.clone();
    let big = "x".repeat(1024 * 1024 + 10);
    let r = client()
        .post(format!("{base}/rest/v1/leads.json"))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    let long = "1,".repeat(5000);
    let r = client()
        .get(format!("{base}/rest/v1/leads.json?filterType=id&filterValues={long}"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 414);
    sb.shutdown().await;
}

#[tokio::test]
async fn marketo_describe_and_describe2_shapes() {
    let sb = start(10).await;
    let token = marketo_token(&sb).await;
    let v = get(&sb, &token, "/rest/v1/leads/describe.json").await;
    let email = v["result"].as_array().unwrap().iter().find(|f| f["rest"]["name"] == "email").unwrap().clone();
    assert_eq!(email["dataType"], "email");
    assert_eq!(email["rest"]["readOnly"], false);
    let v = get(&sb, &token, "/rest/v1/leads/describe2.json").await;
    assert_eq!(v["result"][0]["name"], "API Lead");
    assert!(v["result"][0]["searchableFields"][0].is_array(), "searchableFields is an array of arrays");
    let v = get(&sb, &token, "/rest/v1/stats/usage.json").await;
    assert!(v["result"][0]["total"].as_u64().unwrap() >= 2);
    sb.shutdown().await;
}

#[tokio::test]
async fn marketo_injected_faults_use_marketo_codes() {
    let sb = start(10).await;
    let token = marketo_token(&sb).await;
    control_post(
        &sb,
        "/faults",
        json!({"next": [{"system": "marketo", "kind": "rate_limit"}, {"system": "marketo", "kind": "expired_token"}]}),
    )
    .await;
    assert_eq!(code(&get(&sb, &token, "/rest/v1/lists.json").await), "606");
    assert_eq!(code(&get(&sb, &token, "/rest/v1/lists.json").await), "602");
    assert_eq!(get(&sb, &token, "/rest/v1/lists.json").await["success"], true);
    let stats = control_get(&sb, "/stats").await;
    assert_eq!(stats["faults"]["marketo"]["rate_limit"], 1);
    // An injected 606 is the sandbox's doing, not the client's overuse.
    assert!(stats["violations"]["marketo"].is_null(), "{stats}");
    sb.shutdown().await;
}

#[tokio::test]
async fn responses_carry_the_virtual_server_time_in_the_date_header() {
    let sb = start(5).await;
    control_post(&sb, "/clock", json!({"advance_secs": 2 * 86_400})).await;
    let response =
        client().get(format!("{}/rest/v1/leads/describe.json", sb.endpoints().marketo.base_url)).send().await.unwrap();
    let date = response.headers()["date"].to_str().unwrap().to_owned();
    let clock = control_get(&sb, "/clock").await;
    let now =
        time::OffsetDateTime::parse(clock["now"].as_str().unwrap(), &time::format_description::well_known::Rfc3339)
            .unwrap();
    let format = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    let served = time::PrimitiveDateTime::parse(&date, format).unwrap().assume_utc();
    assert!((now - served).whole_seconds().abs() <= 2, "{date} vs {now}");
    sb.shutdown().await;
}

#[tokio::test]
async fn a_lead_always_carries_its_id_whatever_fields_names() {
    let sb = start(5).await;
    let token = marketo_token(&sb).await;
    let page =
        get(&sb, &token, "/rest/v1/leads.json?filterType=id&filterValues=100001,100002&fields=email,firstName").await;
    let leads = page["result"].as_array().unwrap();
    assert!(!leads.is_empty(), "{page}");
    for lead in leads {
        assert!(lead["id"].as_i64().is_some(), "widely used clients read lead[\"id\"]: {lead}");
        assert!(lead.get("email").is_some());
    }
    sb.shutdown().await;
}
