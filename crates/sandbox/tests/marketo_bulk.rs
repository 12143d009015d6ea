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
    // Done in 5 s, but Marketo updates a job's status at most once a minute.
    let v: Value = get(&sb, &token, &format!("/bulk/v1/leads/export/{id}/status.json")).await.json().await.unwrap();
    assert_eq!(v["result"][0]["status"], "Processing");
    assert!(v["result"][0].get("numberOfRecords").is_none());
    let v = get(&sb, &token, &format!("/bulk/v1/leads/export/{id}/file.json")).await.json::<Value>().await.unwrap();
    assert_eq!(code(&v), "1003", "no file before the status says Completed");
    control_post(&sb, "/clock", json!({"advance_secs": 50})).await;
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

#[tokio::test]
async fn marketo_bulk_extracts_run_two_at_a_time_through_the_queue_and_show_done_at_the_minute() {
    let sb = start(300).await;
    let token = marketo_token(&sb).await;
    let base = sb.endpoints().marketo.base_url.clone();
    let post = |path: String, body: Value| {
        let c = client().post(format!("{base}{path}")).bearer_auth(&token).json(&body);
        async move { c.send().await.unwrap().json::<Value>().await.unwrap() }
    };
    let mut ids = Vec::new();
    for month in 1..=4 {
        let filter = json!({"createdAt": {"startAt": format!("2025-{month:02}-01T00:00:00Z"),
            "endAt": format!("2025-{month:02}-28T00:00:00Z")}});
        let v = post("/bulk/v1/leads/export/create.json".into(), json!({"fields": ["id"], "filter": filter})).await;
        let id = v["result"][0]["exportId"].as_str().unwrap().to_string();
        post(format!("/bulk/v1/leads/export/{id}/enqueue.json"), json!({})).await;
        ids.push(id);
    }
    // Nobody calls for 30 s: Marketo works through its queue all the same, two jobs at a time,
    // but no status says so before the minute.
    control_post(&sb, "/clock", json!({"advance_secs": 30})).await;
    let status = |id: &String| {
        let path = format!("/bulk/v1/leads/export/{id}/status.json");
        let (sb, token) = (&sb, &token);
        async move { get(sb, token, &path).await.json::<Value>().await.unwrap()["result"][0].clone() }
    };
    for id in &ids {
        assert_eq!(status(id).await["status"], "Processing");
    }
    control_post(&sb, "/clock", json!({"advance_secs": 31})).await;
    let mut done = Vec::new();
    for id in &ids {
        let r = status(id).await;
        assert_eq!(r["status"], "Completed", "{r}");
        done.push((r["startedAt"].as_str().unwrap().to_owned(), r["finishedAt"].as_str().unwrap().to_owned()));
    }
    // The third and fourth started when the first two finished, 5 s after they were queued.
    assert_eq!(done[2].0, done[0].1);
    assert_eq!(done[3].0, done[1].1);
    assert!(done[3].1 > done[1].1);
    sb.shutdown().await;
}

// ---------------------------------------------------------------- import at scale, lists

async fn status(sb: &liaison_sandbox::Sandbox, token: &str, batch: i64) -> Value {
    let v: Value = get(sb, token, &format!("/bulk/v1/leads/batch/{batch}.json")).await.json().await.unwrap();
    v["result"][0].clone()
}

/// `email,firstName,lastName,city,state,country` with `n` rows `{prefix}{i}@example.com`.
fn people_csv(prefix: &str, n: usize) -> String {
    let mut s = String::from("email,firstName,lastName,city,state,country\n");
    for i in 0..n {
        s.push_str(&format!("{prefix}{i}@example.com,First{i},Last{i},Springfield,IL,United States\n"));
    }
    s
}

async fn advance(sb: &liaison_sandbox::Sandbox, secs: i64) {
    control_post(sb, "/clock", json!({"advance_secs": secs})).await;
}

async fn new_list(sb: &liaison_sandbox::Sandbox, token: &str, name: &str) -> i64 {
    let v: Value = client()
        .post(format!("{}/rest/asset/v1/staticLists.json", sb.endpoints().marketo.base_url))
        .bearer_auth(token)
        .form(&[("folder", "{\"id\":1034,\"type\":\"Program\"}"), ("name", name)])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    v["result"][0]["id"].as_i64().unwrap()
}

#[tokio::test]
async fn import_of_ten_megabytes_is_refused_with_413() {
    let sb = start(10).await;
    let token = marketo_token(&sb).await;
    let rows = |bytes: usize| {
        let mut s = String::from("email\n");
        let mut i = 0;
        while s.len() < bytes {
            s.push_str(&format!("big{i:09}@example.com\n"));
            i += 1;
        }
        s.truncate(bytes);
        s
    };
    // 10,000,000 bytes: "10 MB" read the strict (decimal) way; the multipart body is larger still.
    let v = client()
        .post(format!("{}/bulk/v1/leads.json?format=csv", sb.endpoints().marketo.base_url))
        .bearer_auth(&token)
        .multipart(
            reqwest::multipart::Form::new()
                .part("file", reqwest::multipart::Part::bytes(rows(10_000_000).into_bytes()).file_name("leads.csv")),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(v.status(), 413, "a file of 10 MB is refused at the HTTP level");
    assert!(v.text().await.unwrap().contains("413 Request Entity Too Large"));
    // Just under: accepted, and the refused file was never queued (it took no batch id).
    let v = import(&sb, &token, &rows(9_990_000), &[]).await;
    assert_eq!(v["success"], true, "{v}");
    assert_eq!(v["result"][0]["batchId"], 3401, "the 413 queued nothing");
    let stats = control_get(&sb, "/stats").await;
    assert_eq!(stats["violations"]["marketo"]["413"], 1);
    sb.shutdown().await;
}

#[tokio::test]
async fn import_time_grows_with_rows() {
    let sb = start(10).await;
    let token = marketo_token(&sb).await;
    let settings = control_get(&sb, "/settings").await;
    assert_eq!(settings["marketo_import_rows_per_sec"], 1000, "documented default");
    let small = import(&sb, &token, &people_csv("small", 3), &[]).await["result"][0]["batchId"].as_i64().unwrap();
    let large = import(&sb, &token, &people_csv("large", 20_000), &[]).await["result"][0]["batchId"].as_i64().unwrap();
    advance(&sb, 6).await;
    assert_eq!(status(&sb, &token, small).await["status"], "Complete", "3 rows: the 5 s minimum");
    let r = status(&sb, &token, large).await;
    assert_eq!(r["status"], "Importing", "20,000 rows at 1,000 rows/s take 20 s: {r}");
    let done = r["numOfLeadsProcessed"].as_u64().unwrap();
    assert!((6_000..=10_000).contains(&done), "leads processed grow with time: {done} after ~6 s");
    // The leads imported so far exist already; the rest do not yet.
    let found = |email: String| {
        let (sb, token) = (&sb, &token);
        async move {
            let v: Value = get(sb, token, &format!("/rest/v1/leads.json?filterType=email&filterValues={email}"))
                .await
                .json()
                .await
                .unwrap();
            v["result"].as_array().unwrap().len()
        }
    };
    assert_eq!(found("large0@example.com".into()).await, 1);
    assert_eq!(found("large19999@example.com".into()).await, 0);
    advance(&sb, 10).await;
    let r = status(&sb, &token, large).await;
    assert_eq!(r["status"], "Importing", "still importing after ~16 s: {r}");
    assert!(r["numOfLeadsProcessed"].as_u64().unwrap() > done);
    advance(&sb, 5).await;
    let r = status(&sb, &token, large).await;
    assert_eq!(r["status"], "Complete", "{r}");
    assert_eq!(r["numOfLeadsProcessed"], 20_000);
    assert_eq!(r["message"], "Import succeeded, 20000 records imported (20000 members)");
    assert_eq!(found("large19999@example.com".into()).await, 1);
    sb.shutdown().await;
}

#[tokio::test]
async fn a_queued_import_starts_when_a_slot_frees_even_without_calls() {
    let sb = start(10).await;
    let token = marketo_token(&sb).await;
    let mut batches = Vec::new();
    for p in ["a", "b", "c"] {
        batches.push(import(&sb, &token, &people_csv(p, 10_000), &[]).await["result"][0]["batchId"].as_i64().unwrap());
    }
    assert_eq!(status(&sb, &token, batches[0]).await["status"], "Importing");
    assert_eq!(status(&sb, &token, batches[1]).await["status"], "Importing");
    let r = status(&sb, &token, batches[2]).await;
    assert_eq!(r["status"], "Queued", "at most 2 importing at once");
    assert_eq!(r["numOfLeadsProcessed"], 0);
    // Nobody calls for 21 s: the first two end at 10 s, the third runs from 10 s to 20 s.
    advance(&sb, 21).await;
    for b in &batches {
        let r = status(&sb, &token, *b).await;
        assert_eq!(r["status"], "Complete", "{r}");
        assert_eq!(r["numOfLeadsProcessed"], 10_000);
    }
    sb.shutdown().await;
}

#[tokio::test]
async fn invalid_emails_fail_with_a_reason_and_stay_off_the_list() {
    let sb = start(10).await;
    let token = marketo_token(&sb).await;
    let list = new_list(&sb, &token, "Import target").await;
    let csv = "email,firstName,lastName,city,state,country\n\
        good@example.com,Good,Row,Paris,,France\n\
        no-at-sign.example.com,\"Smith, Jr.\",NoAt,Paris,,France\n\
        名前@example.jp,Hanako,Yamada,Tokyo,,Japan\n\
        ,Empty,Email,Paris,,France\n\
        second@example.com,Second,Row,Paris,,France\n";
    let v = import(&sb, &token, csv, &[("listId", &list.to_string())]).await;
    let batch = v["result"][0]["batchId"].as_i64().unwrap();
    advance(&sb, 6).await;
    let r = status(&sb, &token, batch).await;
    assert_eq!(r["status"], "Complete");
    assert_eq!(r["numOfLeadsProcessed"], 2);
    assert_eq!(r["numOfRowsFailed"], 3);
    assert_eq!(r["numOfRowsWithWarning"], 0, "an invalid email is a failure, not a warning");
    assert_eq!(r["message"], "Import completed with errors, 2 records imported (2 members), 3 failed");
    let failures = get(&sb, &token, &format!("/bulk/v1/leads/batch/{batch}/failures.json")).await.text().await.unwrap();
    let rows: Vec<Vec<String>> = failures.lines().map(csv_fields).collect();
    assert_eq!(rows[0], ["email", "firstName", "lastName", "city", "state", "country", "Import Failure Reason"]);
    assert_eq!(rows.len(), 4, "{failures}");
    assert_eq!(rows[1][0], "no-at-sign.example.com", "the email is in its own column, as sent");
    assert_eq!(rows[1][1], "Smith, Jr.", "values with the delimiter are quoted");
    assert!(rows[1][6].starts_with("Invalid email address"), "{failures}");
    assert_eq!(rows[2][0], "名前@example.jp");
    assert!(rows[2][6].starts_with("Invalid email address"), "non-ASCII: {failures}");
    assert_eq!(rows[3][0], "");
    assert!(rows[3][6].contains("lookup field 'email'"), "{failures}");
    let warnings = get(&sb, &token, &format!("/bulk/v1/leads/batch/{batch}/warnings.json")).await.text().await.unwrap();
    assert_eq!(warnings, "email,firstName,lastName,city,state,country,Import Warning Reason\n");
    let v: Value =
        get(&sb, &token, &format!("/rest/v1/lists/{list}/leads.json?fields=email")).await.json().await.unwrap();
    let emails: Vec<&str> = v["result"].as_array().unwrap().iter().map(|l| l["email"].as_str().unwrap()).collect();
    assert_eq!(emails, ["good@example.com", "second@example.com"], "failed rows are not added to the list");
    let v: Value = get(&sb, &token, "/rest/v1/leads.json?filterType=email&filterValues=no-at-sign.example.com")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["result"], json!([]), "no lead was made from a failed row");
    sb.shutdown().await;
}

/// Splits one CSV line into fields (the test's own reader, not the sandbox's).
fn csv_fields(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => out.push(std::mem::take(&mut field)),
            (c, _) => field.push(c),
        }
    }
    out.push(field);
    out
}

#[tokio::test]
async fn imported_list_members_page_by_300_and_leads_are_found_by_email() {
    let sb = start(10).await;
    let token = marketo_token(&sb).await;
    let list = new_list(&sb, &token, "Paged").await;
    let v = import(&sb, &token, &people_csv("Paged", 700), &[("listId", &list.to_string())]).await;
    let batch = v["result"][0]["batchId"].as_i64().unwrap();
    let again = import(&sb, &token, &people_csv("other", 1), &[("listId", &list.to_string())]).await;
    assert_eq!(code(&again), "1019", "an import to the same list is in progress");
    advance(&sb, 6).await;
    assert_eq!(status(&sb, &token, batch).await["status"], "Complete");
    let mut token_param = String::new();
    let mut seen = std::collections::BTreeSet::new();
    let mut pages = Vec::new();
    loop {
        let v: Value = get(&sb, &token, &format!("/rest/v1/lists/{list}/leads.json?fields=id,email{token_param}"))
            .await
            .json()
            .await
            .unwrap();
        let page = v["result"].as_array().unwrap();
        pages.push(page.len());
        seen.extend(page.iter().map(|l| l["id"].as_i64().unwrap()));
        match v["nextPageToken"].as_str() {
            Some(t) => {
                assert_eq!(v["moreResult"], true);
                token_param = format!("&nextPageToken={t}");
            }
            None => break,
        }
    }
    assert_eq!(pages, [300, 300, 100]);
    assert_eq!(seen.len(), 700);
    // Email filter: case-insensitive, comma-separated, ≤ 300 values.
    let v: Value = get(
        &sb,
        &token,
        "/rest/v1/leads.json?filterType=email&filterValues=paged1@example.com,PAGED2@EXAMPLE.COM&fields=email",
    )
    .await
    .json()
    .await
    .unwrap();
    let mut emails: Vec<&str> = v["result"].as_array().unwrap().iter().map(|l| l["email"].as_str().unwrap()).collect();
    emails.sort();
    assert_eq!(emails, ["Paged1@example.com", "Paged2@example.com"]);
    let many: Vec<String> = (0..301).map(|i| format!("x{i}@example.com")).collect();
    let r = client()
        .post(format!("{}/rest/v1/leads.json?_method=GET", sb.endpoints().marketo.base_url))
        .bearer_auth(&token)
        .form(&[("filterType", "email"), ("filterValues", &many.join(","))])
        .send()
        .await
        .unwrap();
    assert_eq!(code(&r.json::<Value>().await.unwrap()), "1003", "at most 300 filter values");
    sb.shutdown().await;
}

#[tokio::test]
async fn list_removal_takes_at_most_300_ids() {
    let sb = start(10).await;
    let token = marketo_token(&sb).await;
    let base = sb.endpoints().marketo.base_url.clone();
    let list = new_list(&sb, &token, "Removal").await;
    let batch =
        import(&sb, &token, &people_csv("rm", 4), &[("listId", &list.to_string())]).await["result"][0]["batchId"]
            .as_i64()
            .unwrap();
    advance(&sb, 6).await;
    assert_eq!(status(&sb, &token, batch).await["status"], "Complete");
    let v: Value = get(&sb, &token, &format!("/rest/v1/lists/{list}/leads.json?fields=id")).await.json().await.unwrap();
    let ids: Vec<i64> = v["result"].as_array().unwrap().iter().map(|l| l["id"].as_i64().unwrap()).collect();
    assert_eq!(ids.len(), 4);
    let send = |r: reqwest::RequestBuilder| async move { r.send().await.unwrap().json::<Value>().await.unwrap() };
    // More than 300 ids: refused whole.
    let too_many: Vec<String> = (0..301).map(|i| format!("id={}", 1_000_000 + i)).collect();
    let v = send(
        client().delete(format!("{base}/rest/v1/lists/{list}/leads.json?{}", too_many.join("&"))).bearer_auth(&token),
    )
    .await;
    assert_eq!(code(&v), "1003", "{v}");
    // Ids in the query string, one unknown.
    let v = send(
        client()
            .delete(format!("{base}/rest/v1/lists/{list}/leads.json?id={}&id=999999999", ids[0]))
            .bearer_auth(&token),
    )
    .await;
    assert_eq!(v["result"][0], json!({"id": ids[0], "status": "removed"}));
    assert_eq!(v["result"][1]["status"], "skipped");
    assert_eq!(v["result"][1]["reasons"][0]["code"], "1004");
    assert_eq!(v["result"][1]["reasons"][0]["message"], "Lead not found");
    // A JSON body with DELETE.
    let v = send(
        client()
            .delete(format!("{base}/rest/v1/lists/{list}/leads.json"))
            .bearer_auth(&token)
            .json(&json!({"input": [{"id": ids[1]}]})),
    )
    .await;
    assert_eq!(v["result"][0], json!({"id": ids[1], "status": "removed"}));
    // POST with `_method=DELETE` and a JSON body (the 414 workaround some clients use).
    let v = send(
        client()
            .post(format!("{base}/rest/v1/lists/{list}/leads.json?_method=DELETE"))
            .bearer_auth(&token)
            .json(&json!({"input": [{"id": ids[2]}, {"id": ids[0]}]})),
    )
    .await;
    assert_eq!(v["result"][0], json!({"id": ids[2], "status": "removed"}));
    assert_eq!(v["result"][1]["reasons"][0]["code"], "1015", "no longer a member");
    let v: Value = get(
        &sb,
        &token,
        &format!("/rest/v1/lists/{list}/leads/ismember.json?id={}&id={}&id=999999999", ids[2], ids[3]),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(v["result"][0], json!({"id": ids[2], "status": "notmemberof"}));
    assert_eq!(v["result"][1], json!({"id": ids[3], "status": "memberof"}));
    assert_eq!(v["result"][2]["reasons"][0]["code"], "1004");
    let v: Value = get(&sb, &token, &format!("/rest/v1/lists/{list}/leads.json?fields=id")).await.json().await.unwrap();
    assert_eq!(v["result"], json!([{"id": ids[3]}]));
    sb.shutdown().await;
}

/// Real time to import 100,000 rows (6 columns) in one job. Run with
/// `cargo test -p liaison-sandbox --release --test marketo_bulk -- --ignored --nocapture`;
/// `IMPORT_FILES=10` imports ten such files one after another (a million people). Measured on the
/// 2-core machine, release, while other builds ran: 1.2 s for 100,000 rows (about 7 MB), 15.5 s
/// and 1.6 GB resident for the million; a debug build takes 3.9 s for 100,000.
#[tokio::test]
#[ignore = "measurement: prints the real time of a 100k-row import"]
async fn import_of_100k_rows_real_time() {
    let sb = start(1_000).await;
    let token = marketo_token(&sb).await;
    let files = std::env::var("IMPORT_FILES").ok().and_then(|f| f.parse::<usize>().ok()).unwrap_or(1);
    let mut total = std::time::Duration::ZERO;
    for f in 0..files {
        let csv = people_csv(&format!("p{f}x"), 100_000);
        assert!(csv.len() < 10_000_000, "{} bytes", csv.len());
        let t0 = std::time::Instant::now();
        let batch = import(&sb, &token, &csv, &[]).await["result"][0]["batchId"].as_i64().unwrap();
        let queued = t0.elapsed();
        advance(&sb, 101).await;
        let t1 = std::time::Instant::now();
        let r = status(&sb, &token, batch).await;
        let imported = t1.elapsed();
        assert_eq!(r["status"], "Complete", "{r}");
        assert_eq!(r["numOfLeadsProcessed"], 100_000);
        total += queued + imported;
        println!(
            "file {f}: {} bytes; upload and queue {:.3} s; import of 100,000 rows {:.3} s real",
            csv.len(),
            queued.as_secs_f64(),
            imported.as_secs_f64()
        );
    }
    println!("{files} file(s) of 100,000 rows: {:.3} s real in all", total.as_secs_f64());
    sb.shutdown().await;
}
