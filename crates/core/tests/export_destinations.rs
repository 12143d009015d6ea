//! Marketo export destinations (R10, R16): the privacy notice first, the static list validated
//! against Marketo (the sandbox), the export users, and deletion at any time.

use liaison_core::connections::marketo::{self, ConnectMarketo, MarketoClient};
use liaison_core::exports::destinations::{self, NewMarketoDestination};
use liaison_core::members::admin::{activate, add_active_admin, switch_acting_admin};
use liaison_core::vault::{MemoryKeychain, Vault};
use liaison_core::{ErrorCode, Lang, Paths, Workspace};
use liaison_sandbox::{Sandbox, SandboxConfig};
use secrecy::SecretString;

struct World {
    _dir: tempfile::TempDir,
    ws: Workspace,
    vault: Vault,
    sb: Sandbox,
    connection: String,
    list: (i64, String),
}

async fn world() -> World {
    let sb = Sandbox::start(SandboxConfig { people: 50, ..SandboxConfig::default() }).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let ws = Workspace::open(Paths::in_dir(dir.path())).unwrap();
    let vault = Vault::open(ws.store(), &MemoryKeychain::default()).unwrap();
    activate(&ws, &vault, "Ada", "ada@example.com").unwrap();
    add_active_admin(&ws, "Ben", "ben@example.com").unwrap();
    let e = sb.endpoints().marketo.clone();
    let request = ConnectMarketo {
        display_name: String::new(),
        base_url: e.base_url.clone(),
        client_id: e.client_id.clone(),
        is_sandbox: true,
    };
    let connection =
        marketo::connect(&ws, &vault, request, SecretString::from(e.client_secret.clone())).await.unwrap().id;
    let lists = MarketoClient::load(&ws, &vault, &connection).unwrap().get("/rest/v1/lists.json", &[]).await.unwrap();
    let first = &lists["result"][0];
    let list = (first["id"].as_i64().unwrap(), first["name"].as_str().unwrap().to_owned());
    World { _dir: dir, ws, vault, sb, connection, list }
}

fn new(w: &World, list_id: &str, accept: bool) -> NewMarketoDestination {
    NewMarketoDestination {
        name: "Nurture list".into(),
        list_id: list_id.into(),
        connection_id: Some(w.connection.clone()),
        base_url: None,
        client_id: None,
        accept_privacy_notice: accept,
    }
}

#[tokio::test]
async fn r10_a_marketo_destination_needs_the_privacy_notice_accepted_and_an_existing_list() {
    let w = world().await;
    let refused =
        destinations::add_marketo(&w.ws, &w.vault, new(&w, &w.list.0.to_string(), false), None).await.unwrap_err();
    assert_eq!(refused.code, ErrorCode::Forbidden);
    assert!(refused.message.contains("compliance boundary"), "{}", refused.message);

    let missing = destinations::add_marketo(&w.ws, &w.vault, new(&w, "987654", true), None).await.unwrap_err();
    assert_eq!(missing.code, ErrorCode::NotFound);
    assert!(missing.message.contains("987654"), "{}", missing.message);
    let typo = destinations::add_marketo(&w.ws, &w.vault, new(&w, "12a", true), None).await.unwrap_err();
    assert_eq!(typo.code, ErrorCode::InvalidInput);
    assert!(destinations::list(w.ws.store()).unwrap().is_empty(), "nothing half-saved");

    let saved = destinations::add_marketo(&w.ws, &w.vault, new(&w, &w.list.0.to_string(), true), None).await.unwrap();
    let marketo = saved.marketo.clone().unwrap();
    assert_eq!(
        (marketo.list_id, marketo.list_name.as_str()),
        (w.list.0, w.list.1.as_str()),
        "the list's name is shown"
    );
    assert_eq!(saved.export_users, vec!["ada@example.com"], "the creator is the first export user");
    assert_eq!(saved.privacy_accepted_by, "ada@example.com");
    let audit = liaison_core::audit::list(
        w.ws.store(),
        &liaison_core::audit::AuditQuery { action: Some("export.".into()), limit: Some(10) },
    )
    .unwrap();
    let actions: Vec<&str> = audit.iter().map(|a| a.action.as_str()).collect();
    assert!(
        actions.contains(&"export.privacy_notice_accepted") && actions.contains(&"export.destination_added"),
        "{actions:?}"
    );
    let again =
        destinations::add_marketo(&w.ws, &w.vault, new(&w, &w.list.0.to_string(), true), None).await.unwrap_err();
    assert_eq!(again.code, ErrorCode::Conflict);
    w.sb.shutdown().await;
}

#[tokio::test]
async fn a_destination_with_its_own_credentials_keeps_the_secret_in_the_vault_and_bad_ones_are_refused() {
    let w = world().await;
    let e = w.sb.endpoints().marketo.clone();
    let own = |name: &str| NewMarketoDestination {
        name: name.into(),
        list_id: w.list.0.to_string(),
        connection_id: None,
        base_url: Some(e.base_url.clone()),
        client_id: Some(e.client_id.clone()),
        accept_privacy_notice: true,
    };
    let wrong =
        destinations::add_marketo(&w.ws, &w.vault, own("Wrong"), Some(SecretString::from("nope"))).await.unwrap_err();
    assert_eq!(wrong.code, ErrorCode::Unauthorized, "{}", wrong.message);
    let saved =
        destinations::add_marketo(&w.ws, &w.vault, own("Own"), Some(SecretString::from(e.client_secret.clone())))
            .await
            .unwrap();
    let stored = w.vault.get(&format!("export.{}.client_secret", saved.id)).unwrap();
    assert!(stored.is_some(), "the secret is in the vault, not in the settings");
    let row: String =
        w.ws.store().read(|c| Ok(c.query_row("SELECT settings FROM export_destinations", [], |r| r.get(0))?)).unwrap();
    assert!(!row.contains(&e.client_secret), "{row}");
    destinations::delete(&w.ws, &w.vault, "own").unwrap();
    assert!(w.vault.get(&format!("export.{}.client_secret", saved.id)).unwrap().is_none());
    w.sb.shutdown().await;
}

#[tokio::test]
async fn r16_export_users_may_delete_a_destination_at_any_time_and_the_list_stays_in_marketo() {
    let w = world().await;
    let saved = destinations::add_marketo(&w.ws, &w.vault, new(&w, &w.list.0.to_string(), true), None).await.unwrap();
    let confirmation = destinations::delete_confirmation(&saved);
    assert!(confirmation.contains(&w.list.1) && confirmation.contains("stays in Marketo"), "{confirmation}");
    assert!(confirmation.render(Lang::Ja).contains("Marketo にそのまま残ります"));

    switch_acting_admin(&w.ws, "ben@example.com").unwrap();
    let refused = destinations::delete(&w.ws, &w.vault, "Nurture list").unwrap_err();
    assert_eq!(refused.code, ErrorCode::Forbidden);
    switch_acting_admin(&w.ws, "ada@example.com").unwrap();
    let with_ben = destinations::add_export_user(&w.ws, "nurture list", "Ben@Example.com").unwrap();
    assert_eq!(with_ben.export_users, vec!["ada@example.com", "ben@example.com"]);
    switch_acting_admin(&w.ws, "ben@example.com").unwrap();
    destinations::delete(&w.ws, &w.vault, "Nurture list").unwrap();
    assert!(destinations::list(w.ws.store()).unwrap().is_empty());
    let lists = MarketoClient::load(&w.ws, &w.vault, &w.connection).unwrap();
    let still = lists.get(&format!("/rest/v1/lists/{}.json", w.list.0), &[]).await.unwrap();
    assert_eq!(still["result"][0]["name"], w.list.1.as_str(), "the list in Marketo is left as it is");
    w.sb.shutdown().await;
}
