//! Marketo User Management API contract: bare JSON on HTTP 200 (no `success` envelope), errors
//! as non-200 statuses with the `errors` array, the token in the header only.

mod common;
use common::*;
use serde_json::{Value, json};

const USERS: &str = "/userservice/management/v1/users";

async fn get(sb: &liaison_sandbox::Sandbox, token: Option<&str>, path: &str) -> (u16, Value) {
    let mut request = client().get(format!("{}{USERS}{path}", sb.endpoints().marketo.base_url));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let r = request.send().await.unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

#[tokio::test]
async fn user_management_lists_users_as_a_bare_array_paged_by_offset_and_size() {
    let sb = start(10).await;
    let token = marketo_token(&sb).await;
    let (status, all) = get(&sb, Some(&token), "/allusers.json").await;
    assert_eq!(status, 200);
    let all = all.as_array().expect("a bare array, no success/result envelope");
    assert!(all.len() >= 6, "{all:?}");
    for user in all {
        for key in ["userid", "firstName", "lastName", "emailAddress", "id", "apiOnly"] {
            assert!(user.get(key).is_some(), "{key} missing in {user}");
        }
        assert!(user.get("success").is_none() && user.get("userRoleWorkspaces").is_none());
    }
    assert_eq!(all.iter().filter(|u| u["apiOnly"] == true).count(), 1, "one API-only user");
    let (_, page) = get(&sb, Some(&token), "/allusers.json?pageOffset=1&pageSize=2").await;
    assert_eq!(page.as_array().unwrap().as_slice(), &all[1..3]);
    let (_, past_end) = get(&sb, Some(&token), "/allusers.json?pageOffset=500").await;
    assert_eq!(past_end, json!([]));
    let (status, body) = get(&sb, Some(&token), "/allusers.json?pageSize=201").await;
    assert_eq!(status, 400, "pageSize is at most 200: {body}");
    assert!(body["errors"][0]["message"].as_str().unwrap().contains("pageSize"));
    sb.shutdown().await;
}

#[tokio::test]
async fn user_management_gives_a_user_with_roles_and_workspaces_and_the_roles_of_the_subscription() {
    let sb = start(10).await;
    let token = marketo_token(&sb).await;
    let (_, all) = get(&sb, Some(&token), "/allusers.json").await;
    let first = all[0]["userid"].as_str().unwrap().to_owned();
    let (status, user) = get(&sb, Some(&token), &format!("/{first}/user.json")).await;
    assert_eq!(status, 200);
    assert_eq!(user["userid"], first.as_str());
    assert_eq!(user["apiOnly"], false);
    assert_eq!(
        user["userRoleWorkspaces"][0],
        json!({"accessRoleId": 1, "accessRoleName": "Admin", "workspaceId": 0, "workspaceName": "AllZones"})
    );
    assert!(user["lastLoginAt"].as_str().unwrap().ends_with("t+0000"), "{user}");

    let (status, roles) = get(&sb, Some(&token), &format!("/{first}/roles.json")).await;
    assert_eq!(status, 200);
    assert_eq!(roles, user["userRoleWorkspaces"]);

    let (status, catalogue) = get(&sb, Some(&token), "/roles.json").await;
    assert_eq!(status, 200);
    let admin = catalogue.as_array().unwrap().iter().find(|r| r["id"] == 1).unwrap();
    assert_eq!(admin["name"], "Admin");
    assert_eq!(admin["onlyAllZones"], true);

    let (status, missing) = get(&sb, Some(&token), "/nobody@example.com/user.json").await;
    assert_eq!(status, 404);
    assert!(missing["errors"][0]["message"].as_str().unwrap().contains("nobody@example.com"));
    sb.shutdown().await;
}

#[tokio::test]
async fn user_management_takes_the_token_from_the_header_only_and_fails_with_http_statuses() {
    let sb = start(10).await;
    let token = marketo_token(&sb).await;
    let base = &sb.endpoints().marketo.base_url;
    let r = client().get(format!("{base}{USERS}/allusers.json?access_token={token}")).send().await.unwrap();
    assert_eq!(r.status(), 401, "no access_token query parameter on these endpoints");
    let body: Value = r.json().await.unwrap();
    assert!(body.get("success").is_none());
    assert_eq!(body["errors"][0]["code"], "601");
    let (status, _) = get(&sb, Some("not-a-token"), "/allusers.json").await;
    assert_eq!(status, 401);

    control_post(&sb, "/faults", json!({"next": [{"system": "marketo", "kind": "rate_limit"}]})).await;
    let (status, body) = get(&sb, Some(&token), "/allusers.json").await;
    assert_eq!((status, body["errors"][0]["code"].as_str()), (429, Some("606")));
    let (status, _) = get(&sb, Some(&token), "/allusers.json").await;
    assert_eq!(status, 200);
    sb.shutdown().await;
}

#[tokio::test]
async fn a_marketo_admin_can_change_a_users_roles_through_the_control_api() {
    let sb = start(10).await;
    let token = marketo_token(&sb).await;
    let (_, all) = get(&sb, Some(&token), "/allusers.json").await;
    let first = all[0]["userid"].as_str().unwrap().to_owned();
    control_post(
        &sb,
        "/marketo/user-roles",
        json!({"userid": first, "userRoleWorkspaces": [{"accessRoleId": 2, "workspaceId": 1}]}),
    )
    .await;
    let (_, roles) = get(&sb, Some(&token), &format!("/{first}/roles.json")).await;
    assert_eq!(
        roles,
        json!([{"accessRoleId": 2, "accessRoleName": "Standard User", "workspaceId": 1, "workspaceName": "Default"}])
    );
    sb.shutdown().await;
}
