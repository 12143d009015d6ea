//! Dynamics 365 marketing-list destinations and exports (seed 003; R13, R14, R16) against the
//! sandbox's Dataverse: the list is validated (static, contacts, unlocked, active) or created,
//! deleting the destination leaves the list in Dynamics.

mod common;

use common::Fetcher;
use liaison_core::connections::access::{self, UsableBy};
use liaison_core::connections::dataverse::DataverseClient;
use liaison_core::connections::dynamics::{self, ConnectDynamics};
use liaison_core::exports::destinations::{self, NewDynamicsDestination};
use liaison_core::members::admin::{activate, add_active_admin, switch_acting_admin};
use liaison_core::vault::{MemoryKeychain, Vault};
use liaison_core::{ErrorCode, Lang, Paths, Workspace};
use liaison_sandbox::{Sandbox, SandboxConfig};

struct World {
    _dir: tempfile::TempDir,
    ws: Workspace,
    vault: Vault,
    sb: Sandbox,
    connection: String,
}

async fn world(people: usize) -> World {
    let sb = Sandbox::start(SandboxConfig { people, auto_approve: true, ..SandboxConfig::default() }).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let ws = Workspace::open(Paths::in_dir(dir.path())).unwrap();
    let vault = Vault::open(ws.store(), &MemoryKeychain::default()).unwrap();
    activate(&ws, &vault, "Ada", "ada@example.com").unwrap();
    let e = &sb.endpoints().dynamics;
    let request = ConnectDynamics {
        display_name: "Dynamics – production".into(),
        org_url: e.org_url.clone(),
        authority_url: e.authority_url.clone(),
        client_id: e.client_id.clone(),
        usable_by: UsableBy::default(),
        is_sandbox: true,
        match_by: Default::default(),
    };
    let connection = dynamics::connect(&ws, &vault, request, &Fetcher).await.unwrap().id;
    World { _dir: dir, ws, vault, sb, connection }
}

/// Creates a list in the org as an admin would in Dynamics, returning its ID.
async fn make_list(w: &World, body: serde_json::Value) -> String {
    let client = DataverseClient::load(&w.ws, &w.vault, &w.connection).unwrap();
    let created = client.post("lists", &body, &["return=representation"]).await.unwrap().unwrap();
    created["listid"].as_str().unwrap().to_owned()
}

fn destination(w: &World, name: &str, list_id: Option<&str>, new_list: Option<&str>) -> NewDynamicsDestination {
    NewDynamicsDestination {
        name: name.into(),
        connection_id: w.connection.clone(),
        list_id: list_id.map(str::to_owned),
        new_list: new_list.map(str::to_owned),
        accept_privacy_notice: true,
    }
}

#[tokio::test]
async fn r14_a_dynamics_destination_takes_only_a_static_active_unlocked_contact_list() {
    let w = world(20).await;
    let dynamic = make_list(&w, serde_json::json!({"listname": "Dynamic", "createdfromcode": 2, "type": true})).await;
    let leads = make_list(&w, serde_json::json!({"listname": "Leads", "createdfromcode": 4, "type": false})).await;
    let locked = make_list(
        &w,
        serde_json::json!({"listname": "Locked", "createdfromcode": 2, "type": false, "lockstatus": true}),
    )
    .await;
    let inactive =
        make_list(&w, serde_json::json!({"listname": "Old", "createdfromcode": 2, "type": false, "statecode": 1}))
            .await;
    for (list, words) in
        [(&dynamic, "dynamic"), (&leads, "not a contact list"), (&locked, "locked"), (&inactive, "inactive")]
    {
        let err = destinations::add_dynamics(&w.ws, &w.vault, destination(&w, "Webinar", Some(list), None))
            .await
            .unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidInput, "{list}: {}", err.message);
        assert!(err.message.contains(words), "{list}: {}", err.message);
    }
    let missing = uuid::Uuid::new_v4().to_string();
    let err = destinations::add_dynamics(&w.ws, &w.vault, destination(&w, "Webinar", Some(&missing), None))
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::NotFound, "{}", err.message);
    let err = destinations::add_dynamics(&w.ws, &w.vault, destination(&w, "Webinar", Some("list-7"), None))
        .await
        .unwrap_err();
    assert!(err.message.contains("GUID"), "{}", err.message);
    let err = destinations::add_dynamics(&w.ws, &w.vault, destination(&w, "Webinar", None, None)).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput);
    // Nothing was saved by any refusal.
    assert!(destinations::list(w.ws.store()).unwrap().is_empty());

    let good = make_list(&w, serde_json::json!({"listname": "Q3 webinar", "createdfromcode": 2, "type": false})).await;
    let saved =
        destinations::add_dynamics(&w.ws, &w.vault, destination(&w, "Webinar", Some(&good), None)).await.unwrap();
    let settings = saved.dynamics.clone().unwrap();
    assert_eq!((settings.list_id.as_str(), settings.list_name.as_str()), (good.as_str(), "Q3 webinar"));
    assert!(!settings.created_by_liaison);
    assert_eq!(saved.export_users, vec!["ada@example.com".to_owned()]);
    w.sb.shutdown().await;
}

#[tokio::test]
async fn r14_a_new_list_is_created_static_and_for_contacts_and_outlives_its_destination() {
    let w = world(20).await;
    let err = destinations::add_dynamics(&w.ws, &w.vault, {
        let mut d = destination(&w, "Spring", None, Some("Spring campaign"));
        d.accept_privacy_notice = false;
        d
    })
    .await
    .unwrap_err();
    assert_eq!(err.code, ErrorCode::Forbidden);
    let saved = destinations::add_dynamics(&w.ws, &w.vault, destination(&w, "Spring", None, Some("Spring campaign")))
        .await
        .unwrap();
    let settings = saved.dynamics.clone().unwrap();
    assert!(settings.created_by_liaison);
    let client = DataverseClient::load(&w.ws, &w.vault, &w.connection).unwrap();
    let list = client
        .get(&format!("lists({})?$select=listname,createdfromcode,type,lockstatus", settings.list_id), &[])
        .await
        .unwrap();
    assert_eq!(list["listname"], "Spring campaign");
    assert_eq!((list["createdfromcode"].as_i64(), list["type"].as_bool()), (Some(2), Some(false)));

    // R16: deleting the destination says the list stays, and it does.
    let confirmation = destinations::delete_confirmation(&saved).render(Lang::En);
    assert!(confirmation.contains("stays in Dynamics 365"), "{confirmation}");
    assert!(destinations::delete_confirmation(&saved).render(Lang::Ja).contains("Dynamics 365 にそのまま残ります"));
    destinations::delete(&w.ws, &w.vault, "Spring").unwrap();
    assert!(destinations::list(w.ws.store()).unwrap().is_empty());
    let still = client.get(&format!("lists({})?$select=listname", settings.list_id), &[]).await.unwrap();
    assert_eq!(still["listname"], "Spring campaign");
    w.sb.shutdown().await;
}

#[tokio::test]
async fn r13_an_admin_the_dynamics_connection_is_not_usable_by_cannot_add_a_destination_through_it() {
    let w = world(20).await;
    add_active_admin(&w.ws, "Ben", "ben@example.com").unwrap();
    add_active_admin(&w.ws, "Cy", "cy@example.com").unwrap();
    access::set_usable_by(&w.ws, &w.connection, UsableBy::Members { emails: vec!["cy@example.com".into()] }).unwrap();
    switch_acting_admin(&w.ws, "ben@example.com").unwrap();
    let err = destinations::add_dynamics(&w.ws, &w.vault, destination(&w, "Spring", None, Some("Spring campaign")))
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::Forbidden, "{}", err.message);
    // Refused before any call: no list was created in Dynamics, nothing saved here.
    let client = DataverseClient::load(&w.ws, &w.vault, &w.connection).unwrap();
    let lists = client.get("lists?$select=listname&$filter=listname eq 'Spring campaign'", &[]).await.unwrap();
    assert_eq!(lists["value"].as_array().map(Vec::len), Some(0));
    assert!(destinations::list(w.ws.store()).unwrap().is_empty());
    switch_acting_admin(&w.ws, "cy@example.com").unwrap();
    destinations::add_dynamics(&w.ws, &w.vault, destination(&w, "Spring", None, Some("Spring campaign")))
        .await
        .unwrap();
    w.sb.shutdown().await;
}
