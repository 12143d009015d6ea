//! Setting up the Adobe Campaign ↔ Dynamics 365 integration (seed 004) against the sandbox: the
//! constraints (Dynamics 365 online, Campaign Standard, a profile field for the contact ID), the
//! default mapping read from both systems' metadata, and changes to it checked for type.

mod common;

use liaison_core::audit::{self, AuditQuery};
use liaison_core::campaign::{self, FieldPair, FieldType, KEY_FIELD, OptOutDirection};
use liaison_core::connections::campaign::CampaignClient;
use liaison_core::connections::dataverse::DataverseClient;
use liaison_core::{ErrorCode, Lang};

use common::campaign::{World, connected};

async fn world() -> World {
    connected(20).await
}

#[tokio::test]
async fn r17_the_link_starts_with_the_default_mapping_read_from_both_systems_and_keeps_the_contact_id() {
    let w = world().await;
    let link = campaign::setup(&w.ws, &w.vault, &w.dynamics, &w.campaign, OptOutDirection::Both).await.unwrap();
    assert_eq!(link.contact_fields[0], FieldPair { attribute: "contactid".into(), field: KEY_FIELD.into() });
    for (attribute, field) in [("emailaddress1", "email"), ("firstname", "firstName"), ("lastname", "lastName")] {
        assert!(
            link.contact_fields.contains(&FieldPair { attribute: attribute.into(), field: field.into() }),
            "{attribute} → {field} in {:?}",
            link.contact_fields
        );
    }
    assert_eq!((link.optout, link.changed_by.as_str()), (OptOutDirection::Both, "ada@example.com"));
    assert_eq!(campaign::link(w.ws.store()).unwrap(), Some(link.clone()));
    let entries = audit::list(w.ws.store(), &AuditQuery { action: Some("campaign.link".into()), limit: None }).unwrap();
    assert_eq!(entries.len(), 1);

    // The metadata both systems describe themselves with.
    let dataverse = DataverseClient::load(&w.ws, &w.vault, &w.dynamics).unwrap();
    let client = CampaignClient::load(&w.ws, &w.vault, &w.campaign).unwrap();
    let metadata = campaign::read_metadata(&dataverse, &client).await.unwrap();
    let email = metadata.attribute("emailaddress1").unwrap();
    assert_eq!((email.field_type, email.max_length), (FieldType::Text, Some(100)));
    assert_eq!(metadata.attribute("donotbulkemail").unwrap().field_type, FieldType::Boolean);
    let key = metadata.field(KEY_FIELD).unwrap();
    assert!(key.extension && !key.read_only && key.field_type == FieldType::Text, "{key:?}");
    assert_eq!(metadata.field("blackListEmail").unwrap().field_type, FieldType::Boolean);
    w.sb.shutdown().await;
}

#[tokio::test]
async fn r17_a_mapping_is_checked_against_both_systems_before_it_is_kept() {
    let w = world().await;
    campaign::setup(&w.ws, &w.vault, &w.dynamics, &w.campaign, OptOutDirection::DynamicsToCampaign).await.unwrap();
    let pair = |text: &str| FieldPair::parse(text).unwrap();
    let refused = |pairs: Vec<FieldPair>| {
        let (ws, vault) = (&w.ws, &w.vault);
        async move { campaign::map_contact(ws, vault, pairs, None).await.unwrap_err() }
    };
    let err = refused(vec![pair("donotemail=firstName")]).await;
    assert_eq!(err.code, ErrorCode::InvalidInput);
    let said = err.message.render(Lang::En);
    assert!(said.contains("donotemail") && said.contains("firstName") && said.contains("types differ"), "{said}");
    assert!(err.message.render(Lang::Ja).contains("型が異なります"));
    let said = refused(vec![pair("nickname=firstName")]).await.message.render(Lang::En);
    assert!(said.contains("no attribute “nickname”"), "{said}");
    let said = refused(vec![pair("firstname=nickName")]).await.message.render(Lang::En);
    assert!(said.contains("no field “nickName”"), "{said}");
    let said = refused(vec![pair("firstname=age")]).await.message.render(Lang::En);
    assert!(said.contains("read-only"), "{said}");
    let said = refused(vec![pair("donotbulkemail=blackListEmail")]).await.message.render(Lang::En);
    assert!(said.contains("opt-out"), "{said}");
    let said = refused(vec![pair("firstname=firstName"), pair("lastname=firstName")]).await.message.render(Lang::En);
    assert!(said.contains("mapped twice"), "{said}");
    // Nothing refused was kept.
    let kept = campaign::link(w.ws.store()).unwrap().unwrap();
    assert!(kept.contact_fields.iter().all(|p| p.field != "age"));

    let changed = campaign::map_contact(
        &w.ws,
        &w.vault,
        vec![pair("emailaddress1=email"), pair("jobtitle=cusJobTitle"), pair("address1_country=cusCompany")],
        Some(OptOutDirection::CampaignToDynamics),
    )
    .await
    .unwrap();
    assert_eq!(changed.contact_fields.len(), 4, "the contact ID is kept first: {:?}", changed.contact_fields);
    assert_eq!(changed.contact_fields[0].field, KEY_FIELD);
    assert_eq!(changed.optout, OptOutDirection::CampaignToDynamics);
    // Setting the same link up again keeps the admin's mapping.
    let again = campaign::setup(&w.ws, &w.vault, &w.dynamics, &w.campaign, OptOutDirection::Both).await.unwrap();
    assert_eq!(again.contact_fields, changed.contact_fields);
    w.sb.shutdown().await;
}

#[tokio::test]
async fn seed_004_an_on_premises_dynamics_is_refused_with_the_reason() {
    let w = world().await;
    w.sb.update_settings(|s| s.dynamics_on_premises = true);
    let err = campaign::setup(&w.ws, &w.vault, &w.dynamics, &w.campaign, OptOutDirection::Both).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::Conflict);
    let said = err.message.render(Lang::En);
    assert!(said.contains("on-premises") && said.contains("online only"), "{said}");
    assert!(err.message.render(Lang::Ja).contains("オンプレミス"));
    assert_eq!(campaign::link(w.ws.store()).unwrap(), None, "nothing was kept");
    // A connection of the wrong kind, or none.
    let err = campaign::setup(&w.ws, &w.vault, &w.campaign, &w.campaign, OptOutDirection::Both).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::NotFound);
    assert!(err.message.render(Lang::En).contains("Dynamics 365"), "{:?}", err.message);
    let err = campaign::map_contact(&w.ws, &w.vault, Vec::new(), None).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::Conflict);
    w.sb.shutdown().await;
}
