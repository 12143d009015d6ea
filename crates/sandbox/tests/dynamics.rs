//! Dataverse Web API contract tests (API reference §3).

mod common;
use common::*;
use liaison_sandbox::SandboxConfig;
use serde_json::{Value, json};

async fn boot(people: usize) -> (liaison_sandbox::Sandbox, String, String) {
    let sb = start_with(SandboxConfig { people, auto_approve: true, ..SandboxConfig::default() }).await;
    let token = dv_token(&sb).await;
    let api = format!("{}/api/data/v9.2", sb.endpoints().dynamics.org_url);
    (sb, token, api)
}

#[tokio::test]
async fn dataverse_401_carries_www_authenticate_with_authorization_uri() {
    let sb = start(5).await;
    let d = sb.endpoints().dynamics.clone();
    let r = client().get(format!("{}/api/data/v9.2/WhoAmI", d.org_url)).send().await.unwrap();
    assert_eq!(r.status(), 401);
    let h = r.headers()["www-authenticate"].to_str().unwrap();
    assert!(h.starts_with("Bearer ") && h.contains(&format!("authorization_uri={}/oauth2/authorize", d.authority_url)));
    sb.shutdown().await;
}

#[tokio::test]
async fn dataverse_who_am_i_and_unknown_segment_404() {
    let (sb, token, api) = boot(5).await;
    let v: Value =
        client().get(format!("{api}/WhoAmI")).bearer_auth(&token).send().await.unwrap().json().await.unwrap();
    assert!(v["@odata.context"].as_str().unwrap().ends_with("$metadata#Microsoft.Dynamics.CRM.WhoAmIResponse"));
    assert!(v["UserId"].is_string() && v["BusinessUnitId"].is_string() && v["OrganizationId"].is_string());
    let r = client().get(format!("{api}/nothings")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(r.status(), 404);
    assert_eq!(
        r.json::<Value>().await.unwrap(),
        json!({"error": {"code": "0x8006088a", "message": "Resource not found for the segment 'nothings'."}})
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn dataverse_maxpagesize_pages_with_next_link_and_filter_select() {
    let (sb, token, api) = boot(400).await;
    let r = client()
        .get(format!("{api}/contacts?$select=contactid,emailaddress1,donotbulkemail&$filter=statecode eq 0 and contains(emailaddress1,'example')"))
        .bearer_auth(&token)
        .header("Prefer", "odata.maxpagesize=50")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["preference-applied"], "odata.maxpagesize=50");
    let v: Value = r.json().await.unwrap();
    assert!(
        v["@odata.context"].as_str().unwrap().ends_with("$metadata#contacts(contactid,emailaddress1,donotbulkemail)")
    );
    let first = v["value"].as_array().unwrap();
    assert_eq!(first.len(), 50);
    assert!(first[0]["@odata.etag"].as_str().unwrap().starts_with("W/\""));
    assert_eq!(first[0].as_object().unwrap().len(), 4, "etag + the 3 selected columns");
    let mut next = v["@odata.nextLink"].as_str().unwrap().to_string();
    assert!(next.contains("$skiptoken="));
    let mut total = first.len();
    loop {
        let v: Value = client()
            .get(&next)
            .bearer_auth(&token)
            .header("Prefer", "odata.maxpagesize=50")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        total += v["value"].as_array().unwrap().len();
        match v["@odata.nextLink"].as_str() {
            Some(n) => next = n.to_string(),
            None => break,
        }
    }
    let all: Value = client()
        .get(format!("{api}/contacts?$select=contactid&$count=true"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(total as u64, all["@odata.count"].as_u64().unwrap());
    let email = first[0]["emailaddress1"].as_str().unwrap();
    let v: Value = client()
        .get(format!("{api}/contacts?$filter=emailaddress1 eq '{email}'&$select=emailaddress1"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["value"].as_array().unwrap().len(), 1);
    let r = client().get(format!("{api}/contacts?$skip=10")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(r.status(), 400);
    let r = client().get(format!("{api}/contacts?$filter=emailaddress1 eq")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(r.json::<Value>().await.unwrap()["error"]["code"], "0x80060888");
    sb.shutdown().await;
}

#[tokio::test]
async fn dataverse_create_is_204_with_odata_entity_id_and_missing_is_0x80040217() {
    let (sb, token, api) = boot(5).await;
    let r = client()
        .post(format!("{api}/contacts"))
        .bearer_auth(&token)
        .json(&json!({"firstname": "Bo", "lastname": "Ye", "emailaddress1": "b@y.com"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let id_url = r.headers()["odata-entityid"].to_str().unwrap().to_string();
    assert!(id_url.starts_with(&format!("{api}/contacts(")));
    let v: Value = client().get(&id_url).bearer_auth(&token).send().await.unwrap().json().await.unwrap();
    assert_eq!(v["fullname"], "Bo Ye");
    let r = client()
        .patch(&id_url)
        .bearer_auth(&token)
        .header("Prefer", "return=representation")
        .json(&json!({"donotbulkemail": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap()["donotbulkemail"], true);
    let missing = format!("{api}/contacts(00000000-0000-0000-0000-000000000001)");
    let r = client().get(&missing).bearer_auth(&token).send().await.unwrap();
    assert_eq!(r.status(), 404);
    assert_eq!(
        r.json::<Value>().await.unwrap(),
        json!({"error": {"code": "0x80040217", "message": "contact With Id = 00000000-0000-0000-0000-000000000001 Does Not Exist"}})
    );
    let r = client()
        .patch(&missing)
        .bearer_auth(&token)
        .header("If-Match", "*")
        .json(&json!({"lastname": "X"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404, "If-Match: * prevents the upsert from creating");
    let r = client().delete(&id_url).bearer_auth(&token).send().await.unwrap();
    assert_eq!(r.status(), 204);
    sb.shutdown().await;
}

#[tokio::test]
async fn dataverse_marketing_list_members_add_and_remove() {
    let (sb, token, api) = boot(20).await;
    let c = client();
    let r = c
        .post(format!("{api}/lists"))
        .bearer_auth(&token)
        .json(&json!({"listname": "Q3 webinar", "createdfromcode": 2, "type": false}))
        .send()
        .await
        .unwrap();
    let list_url = r.headers()["odata-entityid"].to_str().unwrap().to_string();
    let list_id = list_url.rsplit('(').next().unwrap().trim_end_matches(')').to_string();
    let v: Value = c
        .get(format!("{api}/contacts?$select=contactid&$top=3"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let ids: Vec<String> =
        v["value"].as_array().unwrap().iter().map(|c| c["contactid"].as_str().unwrap().to_string()).collect();
    let v: Value = c
        .post(format!("{list_url}/Microsoft.Dynamics.CRM.AddMemberList"))
        .bearer_auth(&token)
        .json(&json!({"EntityId": ids[0]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(v["Id"].is_string());
    let r = c
        .post(format!("{api}/AddListMembersList"))
        .bearer_auth(&token)
        .json(&json!({"List": {"@odata.type": "Microsoft.Dynamics.CRM.list", "listid": list_id},
            "Members": [{"@odata.type": "Microsoft.Dynamics.CRM.contact", "contactid": ids[1]}, {"@odata.type": "Microsoft.Dynamics.CRM.contact", "contactid": ids[2]}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let v: Value = c
        .get(format!("{list_url}?$select=membercount"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["membercount"], 3);
    let r = c
        .post(format!("{list_url}/Microsoft.Dynamics.CRM.RemoveMemberList"))
        .bearer_auth(&token)
        .json(&json!({"EntityId": ids[0]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let v: Value = c
        .get(format!("{list_url}/listcontact_association?$select=contactid"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["value"].as_array().unwrap().len(), 2);
    sb.shutdown().await;
}

#[tokio::test]
async fn dataverse_429_with_retry_after_after_6000_requests_in_300_seconds() {
    let (sb, token, api) = boot(5).await;
    control_post(&sb, "/settings", json!({"dynamics_requests_per_window": 5})).await;
    for _ in 0..5 {
        assert_eq!(client().get(format!("{api}/WhoAmI")).bearer_auth(&token).send().await.unwrap().status(), 200);
    }
    let r = client().get(format!("{api}/WhoAmI")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(r.status(), 429);
    assert!(r.headers()["retry-after"].to_str().unwrap().parse::<u64>().unwrap() >= 1);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"]["code"], "0x80072322");
    assert_eq!(v["error"]["message"], "Number of requests exceeded the limit of 5 over time window of 300 seconds.");
    sb.shutdown().await;
}

#[tokio::test]
async fn dataverse_batch_change_set_is_atomic_and_content_id_references_work() {
    let (sb, token, api) = boot(5).await;
    let b = "batch_AAA";
    let cs = "changeset_BBB";
    let body = format!(
        "--{b}\r\nContent-Type: multipart/mixed; boundary={cs}\r\n\r\n\
--{cs}\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\nContent-ID: 1\r\n\r\n\
POST /api/data/v9.2/contacts HTTP/1.1\r\nContent-Type: application/json; type=entry\r\n\r\n{{\"lastname\":\"Batch\",\"emailaddress1\":\"batch@x.com\"}}\r\n\
--{cs}\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\nContent-ID: 2\r\n\r\n\
POST /api/data/v9.2/tasks HTTP/1.1\r\nContent-Type: application/json; type=entry\r\n\r\n{{\"subject\":\"Email sent\",\"regardingobjectid_contact@odata.bind\":\"$1\"}}\r\n\
--{cs}--\r\n\
--{b}\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\n\
GET /api/data/v9.2/contacts?$select=lastname&$filter=lastname eq 'Batch' HTTP/1.1\r\nAccept: application/json\r\n\r\n\
--{b}--\r\n"
    );
    let r = client()
        .post(format!("{api}/$batch"))
        .bearer_auth(&token)
        .header("Content-Type", format!("multipart/mixed; boundary=\"{b}\""))
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("multipart/mixed; boundary=batchresponse_"));
    let text = r.text().await.unwrap();
    assert_eq!(text.matches("HTTP/1.1 204 No Content").count(), 2, "{text}");
    assert!(text.contains("changesetresponse_") && text.contains("\"lastname\":\"Batch\""), "{text}");
    // A failing change set rolls back its earlier requests.
    let body = format!(
        "--{b}\r\nContent-Type: multipart/mixed; boundary={cs}\r\n\r\n\
--{cs}\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\nContent-ID: 1\r\n\r\n\
POST /api/data/v9.2/contacts HTTP/1.1\r\nContent-Type: application/json\r\n\r\n{{\"lastname\":\"Rolled\"}}\r\n\
--{cs}\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\nContent-ID: 2\r\n\r\n\
POST /api/data/v9.2/contacts HTTP/1.1\r\nContent-Type: application/json\r\n\r\n{{\"nope\":1}}\r\n\
--{cs}--\r\n--{b}--\r\n"
    );
    let text = client()
        .post(format!("{api}/$batch"))
        .bearer_auth(&token)
        .header("Content-Type", format!("multipart/mixed; boundary={b}"))
        .body(body)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(text.contains("HTTP/1.1 400 Bad Request"), "{text}");
    let v: Value = client()
        .get(format!("{api}/contacts?$filter=lastname eq 'Rolled'"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["value"], json!([]), "change sets are atomic");
    sb.shutdown().await;
}

#[tokio::test]
async fn dataverse_429_beyond_52_concurrent_requests() {
    let (sb, token, api) = boot(5).await;
    control_post(&sb, "/settings", json!({"dynamics_concurrency": 3, "latency_ms": 300})).await;
    let mut handles = Vec::new();
    for _ in 0..5 {
        let (url, t) = (format!("{api}/WhoAmI"), token.clone());
        handles.push(tokio::spawn(async move { client().get(url).bearer_auth(t).send().await.unwrap() }));
    }
    let mut throttled = 0;
    for h in handles {
        let r = h.await.unwrap();
        if r.status() == 429 {
            assert!(r.headers().contains_key("retry-after"));
            assert_eq!(r.json::<Value>().await.unwrap()["error"]["code"], "0x80072326");
            throttled += 1;
        }
    }
    assert_eq!(throttled, 2);
    sb.shutdown().await;
}

/// Follows `@odata.nextLink` to the end; returns every row and the final `@odata.deltaLink`.
async fn read_all(first: &str, token: &str, prefer: &str) -> (Vec<Value>, String, usize) {
    let (mut rows, mut url, mut pages) = (Vec::new(), first.to_owned(), 0);
    loop {
        let r = client().get(&url).bearer_auth(token).header("Prefer", prefer).send().await.unwrap();
        assert_eq!(r.status(), 200, "{url}");
        assert!(r.headers().contains_key("date"), "the server clock is in every response");
        let v: Value = r.json().await.unwrap();
        pages += 1;
        rows.extend(v["value"].as_array().unwrap().iter().cloned());
        match (v["@odata.nextLink"].as_str(), v["@odata.deltaLink"].as_str()) {
            (Some(next), None) => url = next.to_owned(),
            (None, Some(delta)) => return (rows, delta.to_owned(), pages),
            other => panic!("a page has a next link or (the last) a delta link: {other:?}"),
        }
    }
}

#[tokio::test]
async fn dataverse_change_tracking_pages_to_a_delta_link_that_returns_changes_and_deletions() {
    let (sb, token, api) = boot(300).await;
    let prefer = "odata.track-changes, odata.maxpagesize=40";
    let (rows, delta, pages) =
        read_all(&format!("{api}/contacts?$select=contactid,emailaddress1,modifiedon"), &token, prefer).await;
    let count = client().get(format!("{api}/contacts/$count")).bearer_auth(&token).send().await.unwrap();
    let total: usize = count.text().await.unwrap().parse().unwrap();
    assert_eq!(rows.len(), total);
    assert_eq!(pages, total.div_ceil(40));
    assert!(delta.starts_with(&format!("{api}/contacts?$select=contactid")), "{delta}");
    assert!(delta.contains("$deltatoken="), "{delta}");
    // Nothing changed: the delta is empty and hands out a new link.
    let (none, delta, _) = read_all(&delta, &token, "odata.maxpagesize=40").await;
    assert!(none.is_empty(), "{none:?}");
    // One edit, one delete, one create.
    let edited = rows[3]["contactid"].as_str().unwrap().to_owned();
    let gone = rows[7]["contactid"].as_str().unwrap().to_owned();
    let r = client()
        .patch(format!("{api}/contacts({edited})"))
        .bearer_auth(&token)
        .json(&json!({"jobtitle": "CTO"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let r = client().delete(format!("{api}/contacts({gone})")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(r.status(), 204);
    let r = client()
        .post(format!("{api}/contacts"))
        .bearer_auth(&token)
        .json(&json!({"firstname": "新", "lastname": "規", "emailaddress1": "new.person@example.com"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let (changes, next, _) = read_all(&delta, &token, "odata.maxpagesize=2").await;
    assert_eq!(changes.len(), 3, "{changes:?}");
    let deleted: Vec<&Value> = changes.iter().filter(|c| c["reason"] == "deleted").collect();
    assert_eq!(deleted.len(), 1);
    assert_eq!(deleted[0]["id"], gone.as_str());
    assert!(
        deleted[0]["@odata.context"].as_str().unwrap().ends_with("/api/data/v9.2/$metadata#contacts/$deletedEntity")
    );
    assert!(changes.iter().any(|c| c["contactid"] == edited.as_str()));
    assert!(changes.iter().any(|c| c["emailaddress1"] == "new.person@example.com"));
    // The new link starts after these changes.
    let (none, _, _) = read_all(&next, &token, "odata.maxpagesize=2").await;
    assert!(none.is_empty());
    sb.shutdown().await;
}

#[tokio::test]
async fn dataverse_an_expired_or_invalid_delta_token_asks_for_a_full_sync() {
    let (sb, token, api) = boot(20).await;
    let (_, delta, _) = read_all(&format!("{api}/contacts?$select=contactid"), &token, "odata.track-changes").await;
    let bad = client().get(format!("{api}/contacts?$deltatoken=nonsense")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(bad.status(), 400);
    let expected = json!({"error": {"code": "0x80044352", "message": "Version stamp associated with the client has expired. Please perform a full sync."}});
    assert_eq!(bad.json::<Value>().await.unwrap(), expected);
    control_post(&sb, "/clock", json!({"advance_secs": 31 * 86_400})).await;
    let token = dv_token(&sb).await;
    let old = client().get(&delta).bearer_auth(&token).send().await.unwrap();
    assert_eq!(old.status(), 400);
    assert_eq!(old.json::<Value>().await.unwrap(), expected);
    sb.shutdown().await;
}

#[tokio::test]
async fn dataverse_change_tracking_off_refuses_track_changes_with_0x80072491() {
    let (sb, token, api) = boot(20).await;
    sb.update_settings(|s| s.dynamics_contacts_change_tracking = false);
    let r = client()
        .get(format!("{api}/contacts?$select=contactid"))
        .bearer_auth(&token)
        .header("Prefer", "odata.track-changes")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(
        r.json::<Value>().await.unwrap(),
        json!({"error": {"code": "0x80072491", "message": "Entity contact isn't enabled for change tracking."}})
    );
    // A plain read still works, with the server clock for a `modifiedon` cursor.
    let r = client().get(format!("{api}/contacts?$select=contactid")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers().contains_key("date"));
    sb.shutdown().await;
}

async fn dv_get(url: &str, token: &str) -> Value {
    let r = client().get(url).bearer_auth(token).send().await.unwrap();
    assert_eq!(r.status(), 200, "{url}");
    r.json().await.unwrap()
}

#[tokio::test]
async fn entity_definitions_describe_contact_attributes_and_custom_tables() {
    let (sb, token, api) = boot(300).await;
    let v = dv_get(
        &format!(
            "{api}/EntityDefinitions?$select=LogicalName,EntitySetName,IsCustomEntity&$filter=IsCustomEntity eq true"
        ),
        &token,
    )
    .await;
    let custom: Vec<(&str, &str)> = v["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["LogicalName"].as_str().unwrap(), e["EntitySetName"].as_str().unwrap()))
        .collect();
    assert_eq!(custom, [("lia_emailevent", "lia_emailevents"), ("lia_productinterest", "lia_productinterests")]);
    assert!(v["value"][0].get("PrimaryIdAttribute").is_none(), "$select keeps only what was asked");
    let all = dv_get(&format!("{api}/EntityDefinitions?$select=LogicalName"), &token).await;
    assert!(all["value"].as_array().unwrap().iter().any(|e| e["LogicalName"] == "contact"));
    let c = dv_get(
        &format!("{api}/EntityDefinitions(LogicalName='contact')?$select=LogicalName,EntitySetName,PrimaryIdAttribute&$expand=Attributes($select=LogicalName,AttributeType,IsValidForRead)"),
        &token,
    )
    .await;
    assert_eq!((c["EntitySetName"].as_str(), c["PrimaryIdAttribute"].as_str()), (Some("contacts"), Some("contactid")));
    let attrs = c["Attributes"].as_array().unwrap();
    let email = attrs.iter().find(|a| a["LogicalName"] == "emailaddress1").unwrap();
    assert_eq!((email["AttributeType"].as_str(), email["IsValidForRead"].as_bool()), (Some("String"), Some(true)));
    assert!(attrs.iter().any(|a| a["LogicalName"] == "donotbulkemail" && a["AttributeType"] == "Boolean"));
    // MaxLength lives on the derived type: the whole attribute carries it, a cast selects it.
    let list = dv_get(&format!("{api}/EntityDefinitions(LogicalName='contact')/Attributes"), &token).await;
    let email = list["value"].as_array().unwrap().iter().find(|a| a["LogicalName"] == "emailaddress1").unwrap();
    assert_eq!(email["MaxLength"], 100);
    assert_eq!(email["@odata.type"], "#Microsoft.Dynamics.CRM.StringAttributeMetadata");
    let r = client()
        .get(format!("{api}/EntityDefinitions(LogicalName='contact')/Attributes?$select=LogicalName,MaxLength"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let strings = dv_get(
        &format!("{api}/EntityDefinitions(LogicalName='contact')/Attributes/Microsoft.Dynamics.CRM.StringAttributeMetadata?$select=LogicalName,MaxLength"),
        &token,
    )
    .await;
    assert!(strings["value"].as_array().unwrap().iter().all(|a| a["MaxLength"].is_number()));
    let pi = dv_get(&format!("{api}/EntityDefinitions(LogicalName='lia_productinterest')/Attributes"), &token).await;
    let lookup = pi["value"].as_array().unwrap().iter().find(|a| a["LogicalName"] == "lia_contactid").unwrap();
    assert_eq!((lookup["AttributeType"].as_str(), lookup["Targets"][0].as_str()), (Some("Lookup"), Some("contact")));
    sb.shutdown().await;
}

#[tokio::test]
async fn the_custom_table_has_generated_rows_a_contact_lookup_and_change_tracking() {
    let (sb, token, api) = boot(600).await;
    let (rows, delta, _) = read_all(
        &format!("{api}/lia_productinterests?$select=lia_name,lia_product,_lia_contactid_value"),
        &token,
        "odata.track-changes, odata.maxpagesize=20",
    )
    .await;
    assert!(!rows.is_empty(), "the generator made product interests");
    assert!(rows[0]["_lia_contactid_value"].is_string());
    let contact = dv_get(&format!("{api}/contacts?$select=contactid&$top=1"), &token).await["value"][0]["contactid"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = client()
        .post(format!("{api}/lia_productinterests"))
        .bearer_auth(&token)
        .json(&json!({"lia_name": "CRM Connector interest", "lia_product": "CRM Connector", "lia_interestlevel": 3,
            "lia_ContactId@odata.bind": format!("/contacts({contact})")}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let mine = dv_get(&format!("{api}/lia_productinterests?$filter=_lia_contactid_value eq {contact}"), &token).await;
    assert!(mine["value"].as_array().unwrap().iter().any(|p| p["lia_product"] == "CRM Connector"));
    let (changes, _, _) = read_all(&delta, &token, "odata.maxpagesize=20").await;
    assert_eq!(changes.len(), 1);
    assert_eq!(changes[0]["lia_name"], "CRM Connector interest");
    sb.shutdown().await;
}

#[tokio::test]
async fn email_events_are_found_by_their_event_id() {
    let (sb, token, api) = boot(100).await;
    let contact = dv_get(&format!("{api}/contacts?$select=contactid&$top=1"), &token).await["value"][0]["contactid"]
        .as_str()
        .unwrap()
        .to_owned();
    let event_id = "@Tr4ckingLogPKey-0001";
    let r = client()
        .post(format!("{api}/lia_emailevents"))
        .bearer_auth(&token)
        .json(&json!({"subject": "Clicked: 春のキャンペーン", "lia_eventtype": "clicked", "lia_eventid": event_id,
            "lia_url": "https://www.example.com/offer/1", "lia_deliverylabel": "春のキャンペーン",
            "actualend": "2026-02-01T10:05:00Z",
            "regardingobjectid_contact@odata.bind": format!("/contacts({contact})")}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let found = dv_get(
        &format!("{api}/lia_emailevents?$select=activityid,lia_url,actualend,_regardingobjectid_value&$filter=lia_eventid eq '{event_id}'"),
        &token,
    )
    .await;
    let found = found["value"].as_array().unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0]["_regardingobjectid_value"], contact.as_str());
    assert_eq!(found[0]["lia_url"], "https://www.example.com/offer/1");
    assert_eq!(found[0]["actualend"], "2026-02-01T10:05:00Z");
    let none = dv_get(&format!("{api}/lia_emailevents?$filter=lia_eventid eq 'other'"), &token).await;
    assert_eq!(none["value"], json!([]));
    // The contact's timeline: every activity regarding it.
    let timeline = dv_get(
        &format!("{api}/activitypointers?$select=activityid,activitytypecode,subject,actualend&$filter=_regardingobjectid_value eq {contact}"),
        &token,
    )
    .await;
    let t = timeline["value"].as_array().unwrap();
    assert!(t.iter().any(|a| a["activitytypecode"] == "lia_emailevent" && a["subject"] == "Clicked: 春のキャンペーン"));
    sb.shutdown().await;
}

#[tokio::test]
async fn an_on_premises_org_says_so() {
    let (sb, token, api) = boot(5).await;
    let url = format!(
        "{api}/RetrieveCurrentOrganization(AccessType=@p)?@p=Microsoft.Dynamics.CRM.EndpointAccessType'Default'"
    );
    let online = dv_get(&url, &token).await;
    assert!(
        online["@odata.context"]
            .as_str()
            .unwrap()
            .ends_with("$metadata#Microsoft.Dynamics.CRM.RetrieveCurrentOrganizationResponse")
    );
    assert_eq!(online["Detail"]["Geo"], "NA");
    assert!(!online["Detail"]["EnvironmentId"].as_str().unwrap().is_empty());
    assert_eq!(online["Detail"]["Endpoints"]["Keys"][0], "WebApplication");
    let bad =
        client().get(format!("{api}/RetrieveCurrentOrganization(AccessType=@p)")).bearer_auth(&token).send().await;
    assert_eq!(bad.unwrap().status(), 400);
    control_post(&sb, "/settings", json!({"dynamics_on_premises": true})).await;
    let onprem = dv_get(&url, &token).await;
    assert_eq!(onprem["Detail"]["Geo"], "");
    assert_eq!(onprem["Detail"]["EnvironmentId"], "");
    assert_eq!(onprem["Detail"]["DatacenterId"], "00000000-0000-0000-0000-000000000000");
    assert!(onprem["Detail"]["OrganizationVersion"].as_str().unwrap().starts_with("9.1."));
    let v = dv_get(&format!("{api}/RetrieveVersion()"), &token).await;
    assert!(v["Version"].as_str().unwrap().starts_with("9.1."));
    sb.shutdown().await;
}
