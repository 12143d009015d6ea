//! Marketo bulk import/extract contract tests (API reference §1.10, §1.11).

mod common;
use common::*;
use serde_json::{Value, json};

fn code(v: &Value) -> &str {
    v["errors"][0]["code"].as_str().unwrap_or("")
}

async fn import(sb: &liaison_sandbox::Sandbox, token: &str, csv: &str, extra: &[(&str, &str)]) -> Value {
    let part =
        reqwest::multipart::Part::bytes(csv.as_bytes().to_vec()).file_name("leads.csv").mime_str("text/csv").unwrap();
    let mut form = reqwest::multipart::Form::new().part("file", part);
    for (k, v) in extra {
        form = form.text(k.to_string(), v.to_string());
    }
    client()
        .post(format!("{}/bulk/v1/leads.json?format=csv", sb.endpoints().marketo.base_url))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

async fn get(sb: &liaison_sandbox::Sandbox, token: &str, path: &str) -> reqwest::Response {
    client().get(format!("{}{path}", sb.endpoints().marketo.base_url)).bearer_auth(token).send().await.unwrap()
}

#[tokio::test]
async fn marketo_bulk_import_is_queued_then_complete_with_failures_file() {
    let sb = start(10).await;
    let token = marketo_token(&sb).await;
    let csv = "email,firstName,unsubscribed\nbulk1@example.com,One,false\nbulk2@example.com,Two,maybe\nbulk3@example.com,Three,true\n";
    let v = import(&sb, &token, csv, &[("listId", "1000")]).await;
    assert_eq!(v["success"], true, "{v}");
    assert_eq!(v["result"][0]["status"], "Queued");
    let batch = v["result"][0]["batchId"].as_i64().unwrap();
    assert_eq!(v["result"][0]["importId"], batch.to_string());
    // Jobs run on virtual time: poll, then jump past the processing time.
    let v: Value = get(&sb, &token, &format!("/bulk/v1/leads/batch/{batch}.json")).await.json().await.unwrap();
    assert_eq!(v["result"][0]["status"], "Importing");
    control_post(&sb, "/clock", json!({"advance_secs": 10})).await;
    let v: Value = get(&sb, &token, &format!("/bulk/v1/leads/batch/{batch}.json")).await.json().await.unwrap();
    let r = &v["result"][0];
    assert_eq!(r["status"], "Complete");
    assert_eq!(r["numOfLeadsProcessed"], 2);
    assert_eq!(r["numOfRowsFailed"], 1);
    assert_eq!(r["message"], "Import completed with errors, 2 records imported (2 members), 1 failed");
    let failures = get(&sb, &token, &format!("/bulk/v1/leads/batch/{batch}/failures.json")).await.text().await.unwrap();
    assert!(failures.starts_with("email,firstName,unsubscribed,Import Failure Reason\n"));
    assert!(failures.contains("bulk2@example.com"));
    let v: Value = get(
        &sb,
        &token,
        "/rest/v1/leads.json?filterType=email&filterValues=bulk3@example.com&fields=email,unsubscribed",
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(v["result"][0]["unsubscribed"], true);
    sb.shutdown().await;
}

#[tokio::test]
async fn marketo_bulk_import_limits_10_queued_and_multipart_errors() {
    let sb = start(10).await;
    let token = marketo_token(&sb).await;
    for i in 0..10 {
        let v = import(&sb, &token, &format!("email\nq{i}@example.com\n"), &[]).await;
        assert_eq!(v["success"], true);
    }
    let v = import(&sb, &token, "email\nover@example.com\n", &[]).await;
    assert_eq!(code(&v), "1016", "10 queued including running");
    let r = client()
        .post(format!("{}/bulk/v1/leads.json", sb.endpoints().marketo.base_url))
        .bearer_auth(&token)
        .header("content-type", "text/csv")
        .body("email\nx@y.com\n")
        .send()
        .await
        .unwrap();
    assert_eq!(code(&r.json::<Value>().await.unwrap()), "612");
    let big = "x".repeat(10 * 1024 * 1024 + 1);
    let part = reqwest::multipart::Part::bytes(big.into_bytes()).file_name("leads.csv");
    let r = client()
        .post(format!("{}/bulk/v1/leads.json", sb.endpoints().marketo.base_url))
        .bearer_auth(&token)
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413, "import files are capped at 10 MB");
    sb.shutdown().await;
}

#[tokio::test]
async fn marketo_bulk_extract_create_enqueue_status_file_with_31_day_window() {
    let sb = start(300).await;
    let token = marketo_token(&sb).await;
    let base = sb.endpoints().marketo.base_url.clone();
    let post = |path: &str, body: Value| {
        let c = client().post(format!("{base}{path}")).bearer_auth(&token).json(&body);
        async move { c.send().await.unwrap().json::<Value>().await.unwrap() }
    };
    let v = post(
        "/bulk/v1/leads/export/create.json",
        json!({"fields": ["id", "email"], "format": "CSV", "filter": {"createdAt": {"startAt": "2025-01-01T00:00:00Z", "endAt": "2025-03-01T00:00:00Z"}}}),
    )
    .await;
    assert_eq!(code(&v), "1003", "date windows of at most 31 days");
    let v = post("/bulk/v1/leads/export/create.json", json!({"fields": ["id"], "filter": {"smartListId": 1}})).await;
    assert_eq!(code(&v), "1035");
    let v = post(
        "/bulk/v1/leads/export/create.json",
        json!({"fields": ["id", "email"], "format": "CSV", "columnHeaderNames": {"email": "Email Address"},
            "filter": {"updatedAt": {"startAt": "2025-12-01T00:00:00Z", "endAt": "2025-12-31T23:59:59Z"}}}),
    )
    .await;
    assert_eq!(v["result"][0]["status"], "Created");
    let id = v["result"][0]["exportId"].as_str().unwrap().to_string();
    let v = post(&format!("/bulk/v1/leads/export/{id}/enqueue.json"), json!({})).await;
    assert_eq!(v["result"][0]["status"], "Queued");
    let v = post(&format!("/bulk/v1/leads/export/{id}/enqueue.json"), json!({})).await;
    assert_eq!(code(&v), "1029");
    control_post(&sb, "/clock", json!({"advance_secs": 1})).await;
    let v: Value = get(&sb, &token, &format!("/bulk/v1/leads/export/{id}/status.json")).await.json().await.unwrap();
    assert_eq!(v["result"][0]["status"], "Processing");
    control_post(&sb, "/clock", json!({"advance_secs": 10})).await;
    let v: Value = get(&sb, &token, &format!("/bulk/v1/leads/export/{id}/status.json")).await.json().await.unwrap();
    let r = &v["result"][0];
    assert_eq!(r["status"], "Completed");
    assert_eq!(r["fileChecksum"].as_str().unwrap().len(), 64, "SHA-256");
    let file = get(&sb, &token, &format!("/bulk/v1/leads/export/{id}/file.json")).await.text().await.unwrap();
    assert!(file.starts_with("id,Email Address\n"));
    assert_eq!(file.lines().count() as u64 - 1, r["numberOfRecords"].as_u64().unwrap());
    assert_eq!(file.len() as u64, r["fileSize"].as_u64().unwrap());
    sb.shutdown().await;
}
