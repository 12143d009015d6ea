//! Rule R13 (seed 003): who may use a Dynamics 365 connection — administrators by default, or
//! named members — enforced in core for destinations and exports, audited, and kept by old
//! settings.

use liaison_core::connections::access::{self, UsableBy};
use liaison_core::connections::dynamics::DynamicsSettings;
use liaison_core::connections::ownership::{NewConnection, register};
use liaison_core::connections::{self, ConnectionKind};
use liaison_core::exports::destinations::{self, NewMarketoDestination};
use liaison_core::exports::{definition, run};
use liaison_core::jobs::Control;
use liaison_core::members::admin::{activate, add_active_admin, switch_acting_admin};
use liaison_core::vault::{MemoryKeychain, Vault};
use liaison_core::{ErrorCode, Paths, Workspace, audit, segments};

struct World {
    _dir: tempfile::TempDir,
    ws: Workspace,
    vault: std::sync::Arc<Vault>,
}

/// Admins A (original, acting), B and C; an active user U and a removed member R.
fn world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let ws = Workspace::open(Paths::in_dir(dir.path())).unwrap();
    let vault = Vault::open(ws.store(), &MemoryKeychain::default()).unwrap();
    activate(&ws, &vault, "Admin A", "a@example.com").unwrap();
    add_active_admin(&ws, "Admin B", "b@example.com").unwrap();
    add_active_admin(&ws, "Admin C", "c@example.com").unwrap();
    ws.store()
        .write(|tx| {
            tx.execute_batch(
                "INSERT INTO members (id, email, role, status, invited_at, joined_at)
                 VALUES ('u', 'u@example.com', 'user', 'active', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z'),
                        ('r', 'r@example.com', 'admin', 'removed', '2026-01-01T00:00:00Z', NULL);",
            )?;
            Ok(())
        })
        .unwrap();
    World { _dir: dir, ws, vault: std::sync::Arc::new(vault) }
}

fn act_as(w: &World, email: &str) {
    switch_acting_admin(&w.ws, email).unwrap();
}

fn member_id(w: &World, email: &str) -> String {
    w.ws.store().read(|c| Ok(c.query_row("SELECT id FROM members WHERE email = ?1", [email], |r| r.get(0))?)).unwrap()
}

/// A Dynamics connection owned by the acting admin, with these stored settings.
fn dynamics(w: &World, name: &str, settings: serde_json::Value) -> String {
    let new = NewConnection { kind: ConnectionKind::Dynamics, display_name: name.into(), settings, is_sandbox: true };
    w.ws.store().write(|tx| register(tx, &new)).unwrap()
}

fn marketo(w: &World) -> String {
    let new = NewConnection {
        kind: ConnectionKind::Marketo,
        display_name: "Marketo".into(),
        settings: serde_json::json!({}),
        is_sandbox: true,
    };
    w.ws.store().write(|tx| register(tx, &new)).unwrap()
}

fn members(emails: &[&str]) -> UsableBy {
    UsableBy::Members { emails: emails.iter().map(|e| (*e).to_owned()).collect() }
}

fn may_use(w: &World, email: &str, connection: &str) -> bool {
    let member = member_id(w, email);
    w.ws.store().read(|c| access::may_use(c, &member, connection)).unwrap()
}

fn usable(w: &World, email: &str) -> Vec<String> {
    let member = member_id(w, email);
    w.ws.store()
        .read(|c| access::usable_connections(c, &member, ConnectionKind::Dynamics))
        .unwrap()
        .into_iter()
        .map(|c| c.display_name)
        .collect()
}

fn audit_entries(w: &World, action: &str) -> Vec<audit::AuditEntry> {
    audit::list(w.ws.store(), &audit::AuditQuery { action: Some(action.into()), limit: None }).unwrap()
}

#[test]
fn r13_a_dynamics_connection_is_usable_by_every_admin_by_default_and_by_no_sales_user() {
    let w = world();
    let id = dynamics(&w, "Dynamics", serde_json::json!({ "org_url": "https://contoso.crm.dynamics.com" }));
    for admin in ["a@example.com", "b@example.com", "c@example.com"] {
        assert!(may_use(&w, admin, &id), "{admin}");
        assert_eq!(usable(&w, admin), ["Dynamics"]);
    }
    assert!(!may_use(&w, "u@example.com", &id));
    assert!(!may_use(&w, "r@example.com", &id), "a removed member uses nothing");
    assert!(usable(&w, "u@example.com").is_empty(), "the export section is hidden from U");
    let listed = connections::list(w.ws.store()).unwrap();
    assert_eq!(listed[0].usable_by, Some(UsableBy::Administrators));
}

#[test]
fn r13_a_member_named_on_the_dynamics_connection_can_use_it() {
    let w = world();
    let id = dynamics(&w, "Dynamics", serde_json::json!({}));
    access::set_usable_by(&w.ws, &id, members(&["B@Example.com"])).unwrap();
    act_as(&w, "b@example.com");
    w.ws.store().write(|tx| access::require_usable(tx, &id)).unwrap();
    assert_eq!(usable(&w, "b@example.com"), ["Dynamics"]);
    assert_eq!(access::usable_by_actor(&w.ws, ConnectionKind::Dynamics).unwrap()[0].id, id);
    assert!(audit_entries(&w, access::USE_REFUSED).is_empty());
    let listed = connections::list(w.ws.store()).unwrap();
    assert_eq!(listed[0].usable_by, Some(members(&["b@example.com"])), "stored as the members table spells it");
}

#[test]
fn r13_member_without_access_cannot_use_the_dynamics_connection() {
    let w = world();
    let id = dynamics(&w, "Dynamics – production", serde_json::json!({}));
    access::set_usable_by(&w.ws, &id, members(&["b@example.com"])).unwrap();
    act_as(&w, "c@example.com");
    assert!(!may_use(&w, "c@example.com", &id));
    assert!(usable(&w, "c@example.com").is_empty(), "the export section is hidden from C");
    assert!(access::usable_by_actor(&w.ws, ConnectionKind::Dynamics).unwrap().is_empty());

    let err = access::check_usable(w.ws.store(), &id).unwrap_err();
    assert_eq!(err.code, ErrorCode::Forbidden);
    assert!(err.message.contains("Dynamics – production") && err.message.contains("a@example.com"), "{}", err.message);
    assert_eq!(err.details.as_ref().unwrap()["rule"], "R13");
    let refused = audit_entries(&w, access::USE_REFUSED);
    assert_eq!(refused.len(), 1);
    assert_eq!((refused[0].actor.as_deref(), refused[0].target.as_deref()), (Some("c@example.com"), Some(id.as_str())));
    let ja = err.localized(liaison_core::Lang::Ja);
    assert!(ja.message.contains("使用できません"), "{}", ja.message);

    // Refused inside a transaction that rolls back: the entry is written again, once.
    let rolled_back = w.ws.store().write(|tx| access::require_usable(tx, &id));
    assert!(access::keep_refusal_audited(w.ws.store(), rolled_back).is_err());
    assert_eq!(audit_entries(&w, access::USE_REFUSED).len(), 2);
    // And a refusal whose transaction committed is not recorded twice.
    let committed = w.ws.store().write(|tx| Ok(access::require_usable(tx, &id))).unwrap();
    assert!(access::keep_refusal_audited(w.ws.store(), committed).is_err());
    assert_eq!(audit_entries(&w, access::USE_REFUSED).len(), 3);
}

#[test]
fn r13_the_admin_who_connected_it_can_always_use_it() {
    let w = world();
    let id = dynamics(&w, "Dynamics", serde_json::json!({}));
    access::set_usable_by(&w.ws, &id, members(&["u@example.com"])).unwrap();
    assert!(may_use(&w, "a@example.com", &id));
    assert!(may_use(&w, "u@example.com", &id), "a named sales user may, should users ever act");
    assert!(!may_use(&w, "b@example.com", &id));
    w.ws.store().write(|tx| access::require_usable(tx, &id)).unwrap();
}

#[test]
fn r13_every_admin_can_use_connections_of_the_other_kinds() {
    let w = world();
    let id = marketo(&w);
    assert!(may_use(&w, "b@example.com", &id) && may_use(&w, "c@example.com", &id));
    assert!(!may_use(&w, "u@example.com", &id));
    act_as(&w, "c@example.com");
    access::check_usable(w.ws.store(), &id).unwrap();
    assert_eq!(connections::list(w.ws.store()).unwrap()[0].usable_by, None);
    act_as(&w, "a@example.com");
    let err = access::set_usable_by(&w.ws, &id, members(&["b@example.com"])).unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput);
}

#[test]
fn r13_changing_who_may_use_it_is_audited_with_before_and_after_and_only_its_owner_may() {
    let w = world();
    let id = dynamics(&w, "Dynamics", serde_json::json!({ "org_url": "https://contoso.crm.dynamics.com" }));
    act_as(&w, "b@example.com");
    let err = access::set_usable_by(&w.ws, &id, members(&["b@example.com"])).unwrap_err();
    assert_eq!(err.code, ErrorCode::Forbidden);
    assert!(err.message.contains("a@example.com"), "{}", err.message);
    act_as(&w, "a@example.com");
    access::set_usable_by(&w.ws, &id, members(&["b@example.com", "c@example.com", "B@example.com"])).unwrap();
    access::set_usable_by(&w.ws, &id, members(&["b@example.com", "c@example.com"])).unwrap();
    access::set_usable_by(&w.ws, &id, UsableBy::Administrators).unwrap();
    let changes = audit_entries(&w, access::ACCESS_CHANGED);
    assert_eq!(changes.len(), 2, "setting what is set records nothing");
    assert_eq!(changes[1].details["before"], serde_json::json!({ "kind": "administrators" }));
    assert_eq!(
        changes[1].details["after"],
        serde_json::json!({ "kind": "members", "emails": ["b@example.com", "c@example.com"] })
    );
    assert_eq!(changes[0].details["after"], serde_json::json!({ "kind": "administrators" }));
    assert_eq!(changes[0].actor.as_deref(), Some("a@example.com"));
    let settings: String =
        w.ws.store()
            .read(|c| Ok(c.query_row("SELECT settings FROM connections WHERE id = ?1", [&id], |r| r.get(0))?))
            .unwrap();
    let settings: serde_json::Value = serde_json::from_str(&settings).unwrap();
    assert_eq!(settings["org_url"], "https://contoso.crm.dynamics.com", "the other settings are kept");
}

#[test]
fn r13_only_members_of_the_workspace_can_be_named() {
    let w = world();
    let id = dynamics(&w, "Dynamics", serde_json::json!({}));
    for (who, named) in [
        (members(&["b@example.com", "nobody@example.com"]), "nobody@example.com"),
        (members(&["r@example.com"]), "r@example.com"),
    ] {
        let err = access::set_usable_by(&w.ws, &id, who).unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidInput);
        assert!(err.message.contains(named), "{}", err.message);
    }
    let empty = access::set_usable_by(&w.ws, &id, members(&[" "])).unwrap_err();
    assert_eq!(empty.code, ErrorCode::InvalidInput);
    assert!(audit_entries(&w, access::ACCESS_CHANGED).is_empty());
    assert_eq!(connections::list(w.ws.store()).unwrap()[0].usable_by, Some(UsableBy::Administrators));
}

#[test]
fn r13_legacy_everyone_settings_still_load_as_administrators() {
    let w = world();
    let stored = serde_json::json!({
        "org_url": "https://contoso.crm.dynamics.com",
        "authority_url": "https://login.microsoftonline.com/organizations",
        "client_id": "app",
        "usable_by": "everyone",
        "user_id": "u1",
        "organization_id": "o1",
    });
    let settings: DynamicsSettings = serde_json::from_value(stored.clone()).unwrap();
    assert_eq!(settings.usable_by, UsableBy::Administrators);
    let id = dynamics(&w, "Old Dynamics", stored);
    assert_eq!(connections::list(w.ws.store()).unwrap()[0].usable_by, Some(UsableBy::Administrators));
    assert!(may_use(&w, "b@example.com", &id) && !may_use(&w, "u@example.com", &id));
    access::set_usable_by(&w.ws, &id, members(&["b@example.com"])).unwrap();
    let change = &audit_entries(&w, access::ACCESS_CHANGED)[0];
    assert_eq!(change.details["before"], serde_json::json!({ "kind": "administrators" }));
}

/// A Dynamics destination as the Dynamics list export stores one (`settings.connection_id`),
/// with C and B among its export users, an export "Japan to Dynamics" of one segment.
fn dynamics_export(w: &World, connection: &str) {
    let definition = serde_json::from_value(serde_json::json!({
        "match": "all", "rules": [{ "field": "country", "op": "is", "value": "Japan" }]
    }))
    .unwrap();
    let segment = segments::create(&w.ws, "Japan", definition).unwrap();
    let settings =
        serde_json::json!({ "connection_id": connection, "list_id": "00000000-0000-0000-0000-000000000001" });
    let (a, b, c) = (member_id(w, "a@example.com"), member_id(w, "b@example.com"), member_id(w, "c@example.com"));
    w.ws.store()
        .write(|tx| {
            tx.execute(
                "INSERT INTO export_destinations (id, kind, name, settings, privacy_accepted_by, privacy_accepted_at, created_by, created_at)
                 VALUES ('d1', 'dynamics', 'Dynamics list', ?1, ?2, '2026-01-01T00:00:00Z', ?2, '2026-01-01T00:00:00Z')",
                rusqlite::params![settings.to_string(), a],
            )?;
            for m in [&a, &b, &c] {
                tx.execute(
                    "INSERT INTO export_destination_users (destination_id, member_id, added_at) VALUES ('d1', ?1, '2026-01-01T00:00:00Z')",
                    [m],
                )?;
            }
            tx.execute(
                "INSERT INTO exports (id, name, destination_id, mapping, schedule, created_by, created_at, updated_at)
                 VALUES ('e1', 'Japan to Dynamics', 'd1', '[]', 'manual', ?1, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')",
                [&a],
            )?;
            tx.execute("INSERT INTO export_segments (export_id, segment_id) VALUES ('e1', ?1)", [&segment.id])?;
            Ok(())
        })
        .unwrap();
}

fn new_export(name: &str) -> definition::NewExport {
    definition::NewExport {
        name: name.into(),
        destination: "Dynamics list".into(),
        segments: vec!["Japan".into()],
        fields: Vec::new(),
        schedule: definition::Schedule::Manual,
    }
}

#[tokio::test]
async fn r13_member_without_access_cannot_create_edit_or_run_an_export_through_the_dynamics_connection() {
    let w = world();
    let id = dynamics(&w, "Dynamics – production", serde_json::json!({}));
    access::set_usable_by(&w.ws, &id, members(&["b@example.com"])).unwrap();
    dynamics_export(&w, &id);
    act_as(&w, "c@example.com");

    let created = definition::create(&w.ws, &w.vault, new_export("Another")).await.unwrap_err();
    let edited = definition::update(&w.ws, &w.vault, "Japan to Dynamics", new_export("Renamed")).await.unwrap_err();
    let ran = run::run(&w.ws, &w.vault, "Japan to Dynamics", Default::default(), &Control::default(), &|_| {})
        .await
        .unwrap_err();
    for err in [&created, &edited, &ran] {
        assert_eq!(err.code, ErrorCode::Forbidden, "{}", err.message);
        assert!(err.message.contains("Dynamics – production"), "{}", err.message);
    }
    assert_eq!(audit_entries(&w, access::USE_REFUSED).len(), 3, "each refusal is audited");
    assert!(audit_entries(&w, "export.run_started").is_empty(), "no run began");
    assert_eq!(definition::get(w.ws.store(), "Japan to Dynamics").unwrap().segments, ["Japan"], "unchanged");

    // B is named: the same run gets past the check (and stops at what only Marketo lists do today).
    act_as(&w, "b@example.com");
    let ran = run::run(&w.ws, &w.vault, "Japan to Dynamics", Default::default(), &Control::default(), &|_| {})
        .await
        .unwrap_err();
    assert_ne!(ran.code, ErrorCode::Forbidden, "{}", ran.message);
    assert_eq!(audit_entries(&w, access::USE_REFUSED).len(), 3);
}

#[tokio::test]
async fn r13_a_destination_cannot_be_added_through_a_connection_the_admin_may_not_use() {
    let w = world();
    let id = dynamics(&w, "Dynamics – production", serde_json::json!({}));
    access::set_usable_by(&w.ws, &id, members(&["b@example.com"])).unwrap();
    act_as(&w, "c@example.com");
    let new = NewMarketoDestination {
        name: "List".into(),
        list_id: "1001".into(),
        connection_id: Some(id.clone()),
        base_url: None,
        client_id: None,
        accept_privacy_notice: true,
    };
    let err = destinations::add_marketo(&w.ws, &w.vault, new, None).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::Forbidden, "{}", err.message);
    assert_eq!(audit_entries(&w, access::USE_REFUSED).len(), 1);
    assert!(destinations::list(w.ws.store()).unwrap().is_empty());
}

/// Collects what a job reports.
#[derive(Default)]
struct Collect {
    notices: std::sync::Mutex<Vec<String>>,
}

impl liaison_core::jobs::Reporter<liaison_core::exports::ExportProgress, liaison_core::exports::ExportFinished>
    for Collect
{
    fn progress(&self, _: &liaison_core::exports::ExportProgress) {}
    fn notice(&self, notice: &liaison_core::invites::outbox::Notice) {
        self.notices.lock().unwrap().push(notice.body.clone());
    }
    fn finished(&self, _: &liaison_core::exports::ExportFinished) {}
}

#[test]
fn r13_a_scheduled_run_refused_to_the_signed_in_admin_is_a_failed_run_and_waits_for_its_next_turn() {
    let w = world();
    let id = dynamics(&w, "Dynamics – production", serde_json::json!({}));
    access::set_usable_by(&w.ws, &id, members(&["b@example.com"])).unwrap();
    dynamics_export(&w, &id);
    w.ws.store()
        .write(|tx| {
            tx.execute("UPDATE exports SET schedule = 'hours:1' WHERE id = 'e1'", [])?;
            Ok(())
        })
        .unwrap();
    assert_eq!(liaison_core::exports::schedule::due(w.ws.store()).unwrap(), ["Japan to Dynamics"]);
    act_as(&w, "c@example.com");
    let reporter = std::sync::Arc::new(Collect::default());
    liaison_core::exports::job::start(
        w.ws.clone(),
        w.vault.clone(),
        "Japan to Dynamics".into(),
        Default::default(),
        &std::sync::Arc::new(liaison_core::exports::ExportSlot::default()),
        reporter.clone(),
        true,
    )
    .unwrap()
    .join()
    .unwrap();
    assert!(liaison_core::exports::schedule::due(w.ws.store()).unwrap().is_empty(), "not again at the next tick");
    let history = liaison_core::exports::history::history(w.ws.store(), Some("Japan to Dynamics"), 10).unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].state, liaison_core::runs::RunState::Failed);
    assert!(history[0].error.as_ref().unwrap().contains("Dynamics – production"), "{:?}", history[0].error);
    assert_eq!(audit_entries(&w, access::USE_REFUSED).len(), 1);
}
