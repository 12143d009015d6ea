//! Step 1 as seed 000 has it (R2): the first admin is picked from Marketo's own admin users
//! (User Management API, read from the sandbox) and receives access instructions through the
//! invitation outbox and SMTP; typing a name and email stays the fallback.

mod common;

use std::sync::atomic::AtomicBool;
use std::time::Duration;

use liaison_core::http::RetryPolicy;
use liaison_core::invites::outbox::{DeliveryOptions, DeliveryProgress, MessageState, deliver_with};
use liaison_core::invites::smtp::use_sandbox_smtp;
use liaison_core::members::admin::{acting_admin, activate};
use liaison_core::members::first_admin::{MarketoSource, access_email, activate_from_marketo, marketo_admins};
use liaison_core::members::{self};
use liaison_core::settings::{LanguagePreference, set_language};
use liaison_core::setup::{self, StepState};
use liaison_core::vault::Vault;
use liaison_core::{ErrorCode, Workspace, audit};
use liaison_sandbox::Sandbox;
use secrecy::SecretString;
use serde_json::{Value, json};

struct World {
    _dir: tempfile::TempDir,
    ws: Workspace,
    vault: Vault,
    sandbox: Sandbox,
}

async fn world() -> World {
    let (sandbox, dir, ws, vault) = common::sandbox_and_workspace(5).await;
    World { _dir: dir, ws, vault, sandbox }
}

impl World {
    fn source(&self) -> (MarketoSource, Option<SecretString>) {
        let m = &self.sandbox.endpoints().marketo;
        (
            MarketoSource::Credentials { base_url: m.base_url.clone(), client_id: m.client_id.clone() },
            Some(SecretString::from(m.client_secret.clone())),
        )
    }

    async fn admins(&self) -> liaison_core::Result<Vec<liaison_core::members::first_admin::MarketoAdmin>> {
        let (source, secret) = self.source();
        marketo_admins(&self.ws, &self.vault, &source, secret).await
    }

    async fn pick(&self, who: &str) -> liaison_core::Result<liaison_core::members::first_admin::FirstAdminActivation> {
        let (source, secret) = self.source();
        activate_from_marketo(&self.ws, &self.vault, &source, secret, who).await
    }

    async fn deliver(&self) {
        let options = DeliveryOptions {
            retry: RetryPolicy {
                attempts: 1,
                min_delay: Duration::from_millis(10),
                max_delay: Duration::from_millis(20),
            },
            timeout: Duration::from_secs(5),
        };
        deliver_with(&self.ws, &self.vault, &options, &mut |_: &DeliveryProgress| {}, &AtomicBool::new(false))
            .await
            .unwrap();
    }

    async fn mail(&self) -> Vec<Value> {
        let url = format!("{}/mail", self.sandbox.endpoints().control_url);
        let body: Value = reqwest::get(url).await.unwrap().json().await.unwrap();
        body["messages"].as_array().cloned().unwrap_or_default()
    }

    async fn set_roles(&self, userid: &str, roles: Value) {
        let url = format!("{}/marketo/user-roles", self.sandbox.endpoints().control_url);
        let r = reqwest::Client::new()
            .post(url)
            .json(&json!({"userid": userid, "userRoleWorkspaces": roles}))
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success());
    }
}

#[tokio::test]
async fn r2_first_admin_is_picked_from_marketo_admins_and_receives_access_instructions() {
    let w = world().await;
    let admins = w.admins().await.unwrap();
    let names: Vec<&str> = admins.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["Ada Admin", "Hiro Sato", "美咲 田中"], "admins only, no API-only user: {admins:?}");
    assert_eq!(admins[0].roles, ["Admin (AllZones)"]);
    assert!(admins[2].roles.len() == 2 && admins[2].roles[0] == "Admin (AllZones)", "{:?}", admins[2].roles);

    let hiro = admins[1].clone();
    let done = w.pick(&hiro.email).await.unwrap();
    assert_eq!((done.admin.email.as_str(), done.admin.name.as_deref()), (hiro.email.as_str(), Some("Hiro Sato")));
    assert!(done.admin.is_original_admin);
    // Activation is as with a typed name: original, acting admin, in Everyone, step 1 done.
    assert_eq!(acting_admin(&w.ws).unwrap().unwrap().email, hiro.email);
    let list = members::list(w.ws.store()).unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].teams, ["Everyone"]);
    assert_eq!(setup::overview(w.ws.store()).unwrap().steps[0].state, StepState::Done);

    // No email server yet (only an admin can set one up): the email waits in the outbox.
    assert_eq!(done.email.state, MessageState::Queued);
    assert!(done.email.waiting_for_email_settings);
    let smtp = w.sandbox.endpoints().smtp.clone();
    use_sandbox_smtp(&w.ws, &w.vault, &smtp.host, smtp.port).unwrap();
    assert!(!access_email(w.ws.store()).unwrap().unwrap().waiting_for_email_settings);
    w.deliver().await;

    let status = access_email(w.ws.store()).unwrap().unwrap();
    assert_eq!(status.state, MessageState::Sent);
    assert!(status.sent_at.is_some());
    let mail = w.mail().await;
    assert_eq!(mail.len(), 1);
    assert_eq!(mail[0]["to"], json!([hiro.email]));
    assert_eq!(mail[0]["subject"], "You are the first admin of Liaison on Liaison");
    let text = mail[0]["text"].as_str().unwrap();
    assert!(text.contains("Hello Hiro Sato") && text.contains("open the Liaison desktop app"), "{text}");
    assert!(text.contains(&w.sandbox.endpoints().marketo.base_url), "names the Marketo instance: {text}");
    // The invitation step is about inviting users: this email does not complete it.
    assert_eq!(setup::overview(w.ws.store()).unwrap().steps[4].state, StepState::NotStarted);

    let entries = audit::list(
        w.ws.store(),
        &audit::AuditQuery { action: Some("workspace.first_admin_from_marketo".into()), limit: None },
    )
    .unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].details["marketo_userid"], hiro.userid.as_str());
    w.sandbox.shutdown().await;
}

#[tokio::test]
async fn r2_a_marketo_user_without_the_admin_role_cannot_be_picked() {
    let w = world().await;
    // Grace holds Marketing User only; the API-only user cannot sign in.
    let err = w.pick("grace.2@sandbox.example.com").await.unwrap_err();
    assert_eq!(err.code, ErrorCode::Forbidden);
    assert!(err.message.to_string().contains("Marketing User (Default)"), "{}", err.message);
    let err = w.pick("liaison-api@sandbox.example.com").await.unwrap_err();
    assert_eq!(err.code, ErrorCode::Forbidden);
    assert!(err.message.to_string().contains("API-only"), "{}", err.message);
    let err = w.pick("nobody@example.com").await.unwrap_err();
    assert_eq!(err.code, ErrorCode::NotFound);

    // Listed as an admin, then demoted in Marketo before the pick: refused, checked afresh.
    let ada = w.admins().await.unwrap().into_iter().find(|a| a.name == "Ada Admin").unwrap();
    w.set_roles(&ada.userid, json!([{"accessRoleId": 2, "workspaceId": 1}])).await;
    let err = w.pick(&ada.userid).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::Forbidden);
    assert!(err.message.to_string().contains("no longer"), "{}", err.message);
    assert!(acting_admin(&w.ws).unwrap().is_none(), "nothing was activated");
    assert!(access_email(w.ws.store()).unwrap().is_none());
    w.sandbox.shutdown().await;
}

#[tokio::test]
async fn r2_without_a_marketo_connection_the_typed_name_and_email_is_the_way() {
    let w = world().await;
    let err = marketo_admins(&w.ws, &w.vault, &MarketoSource::Connection, None).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::Conflict);
    assert!(err.message.to_string().contains("Marketo is not connected"), "{}", err.message);
    let (source, _) = w.source();
    let err = marketo_admins(&w.ws, &w.vault, &source, None).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput, "no secret: {}", err.message);
    let m = &w.sandbox.endpoints().marketo;
    let wrong = Some(SecretString::from("wrong".to_owned()));
    let source = MarketoSource::Credentials { base_url: m.base_url.clone(), client_id: m.client_id.clone() };
    assert_eq!(marketo_admins(&w.ws, &w.vault, &source, wrong).await.unwrap_err().code, ErrorCode::Unauthorized);

    activate(&w.ws, &w.vault, "Ada Admin", "ada@example.com").unwrap();
    assert!(access_email(w.ws.store()).unwrap().is_none(), "no access email for a typed first admin");
    let err = w.pick("hiro.1@sandbox.example.com").await.unwrap_err();
    assert_eq!(err.code, ErrorCode::Conflict, "already activated: {}", err.message);
    w.sandbox.shutdown().await;
}

#[tokio::test]
async fn r2_access_instructions_follow_the_workspace_language() {
    let w = world().await;
    set_language(w.ws.store(), LanguagePreference::Ja).unwrap();
    let done = w.pick("user.3@sandbox.example.com").await.unwrap();
    assert_eq!(done.admin.name.as_deref(), Some("美咲 田中"));
    let smtp = w.sandbox.endpoints().smtp.clone();
    use_sandbox_smtp(&w.ws, &w.vault, &smtp.host, smtp.port).unwrap();
    w.deliver().await;
    let mail = w.mail().await;
    assert_eq!(mail.len(), 1);
    assert!(mail[0]["subject"].as_str().unwrap().contains("最初の管理者"), "{}", mail[0]["subject"]);
    assert!(mail[0]["text"].as_str().unwrap().contains("美咲 田中 様"));
    w.sandbox.shutdown().await;
}
