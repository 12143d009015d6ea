//! Rules R6–R9: connection ownership, access grants, the handover, and removing admins.

use liaison_core::connections::ownership::{
    self, HandoverState, NewConnection, access_list, cancel_handover, connect_permission, disconnect, grant_access,
    handover_status, register, revoke_access, start_handover,
};
use liaison_core::connections::{self, ConnectionKind};
use liaison_core::members::admin::{activate, add_active_admin, remove_member, switch_acting_admin};
use liaison_core::setup::{self, StepState};
use liaison_core::vault::{MemoryKeychain, Vault};
use liaison_core::{ErrorCode, Paths, Workspace, audit};
use secrecy::SecretString;

struct World {
    _dir: tempfile::TempDir,
    ws: Workspace,
    vault: Vault,
}

/// A workspace with admins A (original), B and C; A is acting.
fn world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let ws = Workspace::open(Paths::in_dir(dir.path())).unwrap();
    let vault = Vault::open(ws.store(), &MemoryKeychain::default()).unwrap();
    activate(&ws, &vault, "Admin A", "a@example.com").unwrap();
    add_active_admin(&ws, "Admin B", "b@example.com").unwrap();
    add_active_admin(&ws, "Admin C", "c@example.com").unwrap();
    World { _dir: dir, ws, vault }
}

fn act_as(w: &World, email: &str) {
    switch_acting_admin(&w.ws, email).unwrap();
}

fn connect(w: &World, kind: ConnectionKind) -> liaison_core::Result<String> {
    w.ws.store().write(|tx| {
        let id = register(
            tx,
            &NewConnection {
                kind,
                display_name: "Marketo (prod)".into(),
                settings: serde_json::json!({}),
                is_sandbox: false,
            },
        )?;
        w.vault.put_in(tx, &format!("connection.{id}.client_secret"), &SecretString::from("s3cret"))?;
        Ok(id)
    })
}

fn audit_actions(w: &World, filter: &str) -> Vec<String> {
    let mut actions: Vec<String> =
        audit::list(w.ws.store(), &audit::AuditQuery { action: Some(filter.into()), limit: None })
            .unwrap()
            .into_iter()
            .map(|e| e.action)
            .collect();
    actions.reverse();
    actions
}

#[test]
fn r6_the_admin_who_connects_owns_the_connection_and_step_3_is_done() {
    let w = world();
    let id = connect(&w, ConnectionKind::Marketo).unwrap();
    let list = connections::list(w.ws.store()).unwrap();
    assert_eq!((list[0].id.as_str(), list[0].owner.as_deref()), (id.as_str(), Some("a@example.com")));
    assert_eq!(setup::overview(w.ws.store()).unwrap().steps[2].state, StepState::Done);
}

#[test]
fn r6_only_owner_can_disconnect() {
    let w = world();
    let id = connect(&w, ConnectionKind::Marketo).unwrap();
    act_as(&w, "b@example.com");
    let err = disconnect(&w.ws, &w.vault, &id).unwrap_err();
    assert_eq!(err.code, ErrorCode::Forbidden);
    assert!(err.message.contains("a@example.com") && err.message.contains("R6"), "{}", err.message);
    act_as(&w, "a@example.com");
    disconnect(&w.ws, &w.vault, &id).unwrap();
    assert!(connections::list(w.ws.store()).unwrap().is_empty());
    assert!(
        w.vault.get(&format!("connection.{id}.client_secret")).unwrap().is_none(),
        "secrets go with the connection"
    );
    assert_eq!(setup::overview(w.ws.store()).unwrap().steps[2].state, StepState::NotStarted);
}

#[test]
fn r7_no_other_admin_can_connect_while_a_connection_exists() {
    let w = world();
    connect(&w, ConnectionKind::Marketo).unwrap();
    act_as(&w, "c@example.com");
    let permission = connect_permission(&w.ws, ConnectionKind::Marketo).unwrap();
    assert!(!permission.allowed && permission.reason.unwrap().contains("a@example.com owns"));
    let err = connect(&w, ConnectionKind::Marketo).unwrap_err();
    assert_eq!(err.code, ErrorCode::Forbidden);
    assert_eq!(connections::list(w.ws.store()).unwrap().len(), 1);
}

#[test]
fn r7_granted_admin_cannot_connect() {
    let w = world();
    let id = connect(&w, ConnectionKind::Marketo).unwrap();
    grant_access(&w.ws, &id, "b@example.com").unwrap();
    act_as(&w, "b@example.com");
    let permission = connect_permission(&w.ws, ConnectionKind::Marketo).unwrap();
    assert!(!permission.allowed);
    assert!(permission.reason.as_deref().unwrap().contains("granted access"), "{permission:?}");
    assert_eq!(connect(&w, ConnectionKind::Marketo).unwrap_err().code, ErrorCode::Forbidden);
}

#[test]
fn r7_dynamics_and_campaign_may_have_several_connections() {
    let w = world();
    connect(&w, ConnectionKind::Dynamics).unwrap();
    act_as(&w, "b@example.com");
    connect(&w, ConnectionKind::Dynamics).unwrap();
    assert_eq!(connections::list(w.ws.store()).unwrap().len(), 2);
}

#[test]
fn only_the_owner_grants_and_revokes_access() {
    let w = world();
    let id = connect(&w, ConnectionKind::Marketo).unwrap();
    grant_access(&w.ws, &id, "b@example.com").unwrap();
    assert_eq!(grant_access(&w.ws, &id, "b@example.com").unwrap_err().code, ErrorCode::Conflict);
    act_as(&w, "b@example.com");
    assert_eq!(grant_access(&w.ws, &id, "c@example.com").unwrap_err().code, ErrorCode::Forbidden);
    assert_eq!(revoke_access(&w.ws, &id, "b@example.com").unwrap_err().code, ErrorCode::Forbidden);
    act_as(&w, "a@example.com");
    revoke_access(&w.ws, &id, "b@example.com").unwrap();
    assert!(access_list(&w.ws, &id).unwrap().is_empty());
}

#[test]
fn r8_handover_in_order_keeps_other_members_connected() {
    let w = world();
    let old = connect(&w, ConnectionKind::Marketo).unwrap();
    grant_access(&w.ws, &old, "b@example.com").unwrap();
    grant_access(&w.ws, &old, "c@example.com").unwrap();

    // Step 1: A removes B's access.
    let h = start_handover(&w.ws, ConnectionKind::Marketo, "b@example.com").unwrap();
    assert_eq!(h.state, HandoverState::GrantRemoved);
    assert_eq!(
        access_list(&w.ws, &old).unwrap().iter().map(|g| g.member.as_str()).collect::<Vec<_>>(),
        ["c@example.com"]
    );

    // Out of order: A may not disconnect before B connected.
    let err = disconnect(&w.ws, &w.vault, &old).unwrap_err();
    assert_eq!(err.code, ErrorCode::Conflict);
    assert!(err.message.contains("b@example.com has not connected yet"), "{}", err.message);

    // Only B, not C, may connect now.
    act_as(&w, "c@example.com");
    assert_eq!(connect(&w, ConnectionKind::Marketo).unwrap_err().code, ErrorCode::Forbidden);

    // Step 2: B connects.
    act_as(&w, "b@example.com");
    assert!(connect_permission(&w.ws, ConnectionKind::Marketo).unwrap().allowed);
    let new = connect(&w, ConnectionKind::Marketo).unwrap();
    assert_eq!(handover_status(&w.ws, ConnectionKind::Marketo).unwrap().unwrap().state, HandoverState::NewConnected);
    // B cannot finish it for A.
    assert_eq!(disconnect(&w.ws, &w.vault, &old).unwrap_err().code, ErrorCode::Forbidden);

    // Step 3: A disconnects; C's access moves to B's connection.
    act_as(&w, "a@example.com");
    disconnect(&w.ws, &w.vault, &old).unwrap();
    assert!(handover_status(&w.ws, ConnectionKind::Marketo).unwrap().is_none());
    let live = connections::list(w.ws.store()).unwrap();
    assert_eq!((live.len(), live[0].id.as_str(), live[0].owner.as_deref()), (1, new.as_str(), Some("b@example.com")));
    assert_eq!(
        access_list(&w.ws, &new).unwrap().iter().map(|g| g.member.as_str()).collect::<Vec<_>>(),
        ["c@example.com"]
    );
    assert_eq!(
        setup::overview(w.ws.store()).unwrap().steps[2].state,
        StepState::Done,
        "the integration stayed connected"
    );

    // Every step is in the audit log, in order.
    assert_eq!(
        audit_actions(&w, "handover"),
        ["handover.grant_removed", "handover.new_connected", "handover.completed"]
    );
}

#[test]
fn r8_handover_to_an_admin_already_connected_needs_only_the_first_step() {
    let w = world();
    let old = connect(&w, ConnectionKind::Marketo).unwrap();
    grant_access(&w.ws, &old, "b@example.com").unwrap();
    grant_access(&w.ws, &old, "c@example.com").unwrap();
    // B already has a live Marketo connection of their own (R7 keeps a second admin from making
    // one today; a workspace can still hold one, e.g. from before R7 was enforced or restored from
    // a backup), newer than A's, so A's is still the integration's.
    let b_id: String =
        w.ws.store()
            .read(|c| Ok(c.query_row("SELECT id FROM members WHERE email = 'b@example.com'", [], |r| r.get(0))?))
            .unwrap();
    w.ws.store()
        .write(|tx| {
            tx.execute(
                "INSERT INTO connections (id, kind, display_name, owner_member_id, settings, is_sandbox, created_at)
                 VALUES ('b-own', 'marketo', 'Marketo (B)', ?1, '{}', 0, '2999-01-01T00:00:00Z')",
                [&b_id],
            )?;
            Ok(())
        })
        .unwrap();

    // Step 1 is all it takes: B's own connection stands for step 2.
    let h = start_handover(&w.ws, ConnectionKind::Marketo, "b@example.com").unwrap();
    assert_eq!((h.state, h.already_connected), (HandoverState::NewConnected, true));
    let status = handover_status(&w.ws, ConnectionKind::Marketo).unwrap().unwrap();
    assert_eq!((status.state, status.already_connected), (HandoverState::NewConnected, true));
    assert_eq!(
        access_list(&w.ws, &old).unwrap().iter().map(|g| g.member.as_str()).collect::<Vec<_>>(),
        ["c@example.com"],
        "B's grant is removed"
    );
    // B has nothing left to do; A finishes by disconnecting, and C moves to B's connection.
    act_as(&w, "b@example.com");
    assert!(!connect_permission(&w.ws, ConnectionKind::Marketo).unwrap().allowed);
    act_as(&w, "a@example.com");
    disconnect(&w.ws, &w.vault, &old).unwrap();
    assert!(handover_status(&w.ws, ConnectionKind::Marketo).unwrap().is_none());
    let live = connections::list(w.ws.store()).unwrap();
    assert_eq!((live.len(), live[0].id.as_str(), live[0].owner.as_deref()), (1, "b-own", Some("b@example.com")));
    assert_eq!(
        access_list(&w.ws, "b-own").unwrap().iter().map(|g| g.member.as_str()).collect::<Vec<_>>(),
        ["c@example.com"]
    );
    assert_eq!(
        audit_actions(&w, "handover"),
        ["handover.grant_removed", "handover.new_connected", "handover.completed"]
    );
    // R9: with the handover done, A owns nothing and may be removed.
    act_as(&w, "b@example.com");
    remove_member(&w.ws, "a@example.com").unwrap();
}

#[test]
fn r8_a_handover_to_an_admin_not_yet_connected_still_waits_for_step_2() {
    let w = world();
    connect(&w, ConnectionKind::Marketo).unwrap();
    let h = start_handover(&w.ws, ConnectionKind::Marketo, "b@example.com").unwrap();
    assert_eq!((h.state, h.already_connected), (HandoverState::GrantRemoved, false));
    act_as(&w, "b@example.com");
    connect(&w, ConnectionKind::Marketo).unwrap();
    let status = handover_status(&w.ws, ConnectionKind::Marketo).unwrap().unwrap();
    assert_eq!((status.state, status.already_connected), (HandoverState::NewConnected, false));
}

#[test]
fn r8_a_handover_can_be_cancelled_before_b_connects() {
    let w = world();
    connect(&w, ConnectionKind::Marketo).unwrap();
    start_handover(&w.ws, ConnectionKind::Marketo, "b@example.com").unwrap();
    assert_eq!(start_handover(&w.ws, ConnectionKind::Marketo, "c@example.com").unwrap_err().code, ErrorCode::Conflict);
    cancel_handover(&w.ws, ConnectionKind::Marketo).unwrap();
    act_as(&w, "b@example.com");
    assert!(!connect_permission(&w.ws, ConnectionKind::Marketo).unwrap().allowed);
}

#[test]
fn r8_only_the_owner_starts_a_handover() {
    let w = world();
    connect(&w, ConnectionKind::Marketo).unwrap();
    act_as(&w, "b@example.com");
    assert_eq!(start_handover(&w.ws, ConnectionKind::Marketo, "b@example.com").unwrap_err().code, ErrorCode::Forbidden);
}

#[test]
fn r9_removing_an_admin_who_owns_a_connection_is_refused_until_handover() {
    let w = world();
    let old = connect(&w, ConnectionKind::Marketo).unwrap();
    act_as(&w, "b@example.com");
    let err = remove_member(&w.ws, "a@example.com").unwrap_err();
    assert_eq!(err.code, ErrorCode::Forbidden);
    assert!(err.message.contains("R9") && err.message.contains("Hand each connection over"), "{}", err.message);

    act_as(&w, "a@example.com");
    start_handover(&w.ws, ConnectionKind::Marketo, "b@example.com").unwrap();
    act_as(&w, "b@example.com");
    connect(&w, ConnectionKind::Marketo).unwrap();
    act_as(&w, "a@example.com");
    disconnect(&w.ws, &w.vault, &old).unwrap();
    act_as(&w, "b@example.com");
    remove_member(&w.ws, "a@example.com").unwrap();
    assert_eq!(audit_actions(&w, "member.removed").len(), 1);
}

#[test]
fn r9_every_ownership_step_is_audited() {
    let w = world();
    let id = connect(&w, ConnectionKind::Marketo).unwrap();
    grant_access(&w.ws, &id, "b@example.com").unwrap();
    revoke_access(&w.ws, &id, "b@example.com").unwrap();
    disconnect(&w.ws, &w.vault, &id).unwrap();
    let actions: Vec<String> = audit_actions(&w, ".")
        .into_iter()
        .filter(|a| a.starts_with("connection.") || a.starts_with("access."))
        .collect();
    assert_eq!(actions, ["connection.connected", "access.granted", "access.revoked", "connection.disconnected"]);
    assert!(ownership::is_single(ConnectionKind::Marketo) && !ownership::is_single(ConnectionKind::Campaign));
}
