//! Custom entities from Dynamics 365 to Adobe Campaign custom resources (seed 004; issue #12)
//! against the sandbox: the product interest table mapped to `cusProductInterest`, each row
//! written once and linked to its contact's profile, changes PATCHed and deletions carried, a
//! mapping naming what does not exist or what does not fit refused with the reason, a row whose
//! contact has no profile yet written by a later run, and a killed run continued without a
//! second record.

mod common;

use std::collections::BTreeMap;

use liaison_core::campaign::{
    self, CampaignLink, CampaignPhase, CampaignProgress, CampaignReport, CampaignRunOptions, ENTITY_KEY_FIELD,
    EntityMappingRequest, FieldPair, KEY_FIELD,
};
use liaison_core::connections::campaign::CampaignClient;
use liaison_core::connections::dataverse::DataverseClient;
use liaison_core::connections::dynamics;
use liaison_core::i18n::Lang;
use liaison_core::jobs::Control;
use liaison_core::runs::RunState;
use liaison_core::{Error, ErrorCode};
use serde_json::{Value, json};

use common::campaign::{World, linked as world};

const SET: &str = "lia_productinterests";
const RESOURCE: &str = "cusProductInterest";

fn options() -> CampaignRunOptions {
    CampaignRunOptions { full: false, dynamics_page_size: 3, campaign_page_size: 10 }
}

fn pair(text: &str) -> FieldPair {
    FieldPair::parse(text).unwrap()
}

fn request(set: &str, resource: &str, link: &str, fields: &[&str]) -> EntityMappingRequest {
    EntityMappingRequest {
        entity_set: set.into(),
        resource: resource.into(),
        link: campaign::parse_entity_link(link).unwrap(),
        fields: fields.iter().map(|f| pair(f)).collect(),
    }
}

async fn map(w: &World, request: EntityMappingRequest) -> Result<CampaignLink, Error> {
    campaign::map_entity(&w.ws, &w.vault, request).await
}

/// The world with the product interests mapped: product to product, linked to the profile.
async fn mapped(people: usize) -> World {
    let w = world(people).await;
    map(&w, request(SET, RESOURCE, "lia_contactid=profile", &["lia_product=product"])).await.unwrap();
    w
}

async fn run(w: &World) -> CampaignReport {
    let report =
        campaign::run(&w.ws, &w.vault, options(), &Control::default(), &|_: &CampaignProgress| {}).await.unwrap();
    assert_eq!(report.state, RunState::Succeeded, "{report:?}");
    report
}

/// A run that reads every contact and row again.
async fn run_full(w: &World) -> CampaignReport {
    let options = CampaignRunOptions { full: true, ..options() };
    campaign::run(&w.ws, &w.vault, options, &Control::default(), &|_: &CampaignProgress| {}).await.unwrap()
}

fn token(w: &World) -> String {
    let [access, _] = dynamics::secret_names(&w.dynamics);
    use secrecy::ExposeSecret;
    w.vault.get(&access).unwrap().unwrap().expose_secret().to_owned()
}

/// A Web API call to the org, as Dynamics itself takes it.
async fn dataverse(w: &World, method: reqwest::Method, path: &str, body: Option<Value>) {
    let client = DataverseClient::load(&w.ws, &w.vault, &w.dynamics).unwrap();
    let mut request = reqwest::Client::new()
        .request(method, format!("{}/api/data/v9.2/{path}", client.org_url()))
        .bearer_auth(token(w));
    if let Some(b) = body {
        request = request.json(&b);
    }
    let r = request.send().await.unwrap();
    assert!(r.status().is_success(), "{}: {}", r.status(), r.text().await.unwrap());
}

/// Every product interest row, by ID.
async fn interests(w: &World) -> BTreeMap<String, Value> {
    let client = DataverseClient::load(&w.ws, &w.vault, &w.dynamics).unwrap();
    let page = client
        .get(&format!("{SET}?$select=lia_productinterestid,lia_product,_lia_contactid_value"), &[])
        .await
        .unwrap();
    page["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["lia_productinterestid"].as_str().unwrap().to_owned(), r.clone()))
        .collect()
}

/// Every record of a Campaign resource, as Campaign lists them.
async fn records(w: &World, resource: &str) -> Vec<Value> {
    let client = CampaignClient::load(&w.ws, &w.vault, &w.campaign).unwrap();
    let mut page = client.get(&format!("profileAndServicesExt/{resource}?_lineCount=500")).await.unwrap();
    let mut out = Vec::new();
    loop {
        out.extend(page["content"].as_array().unwrap().iter().cloned());
        match page["next"]["href"].as_str() {
            Some(next) => page = client.get_url(next).await.unwrap(),
            None => return out,
        }
    }
}

/// The profile PKey of each contact that has one.
async fn profile_of_contact(w: &World) -> BTreeMap<String, String> {
    records(w, "profile")
        .await
        .into_iter()
        .filter_map(|p| Some((p[KEY_FIELD].as_str()?.to_owned(), p["PKey"].as_str()?.to_owned())))
        .filter(|(c, _)| !c.is_empty())
        .collect()
}

fn holding<'a>(records: &'a [Value], row_id: &str) -> Vec<&'a Value> {
    records.iter().filter(|r| r[ENTITY_KEY_FIELD].as_str() == Some(row_id)).collect()
}

/// Checks that each interest row has exactly one record, with its product, linked to the profile
/// of its contact.
async fn check_every_row_has_one_linked_record(w: &World) {
    let (rows, now, profiles) = (interests(w).await, records(w, RESOURCE).await, profile_of_contact(w).await);
    assert!(!rows.is_empty());
    for (id, row) in &rows {
        let found = holding(&now, id);
        assert_eq!(found.len(), 1, "one record for {id}");
        assert_eq!(found[0]["product"], row["lia_product"]);
        let contact = row["_lia_contactid_value"].as_str().unwrap();
        assert_eq!(found[0]["profile"]["PKey"].as_str(), Some(profiles[contact].as_str()), "linked to the profile");
    }
    assert_eq!(now.len(), rows.len(), "no record without its row");
}

/// A new interest of the first contact (so the world has one whatever the generator made).
async fn add_interest(w: &World, product: &str) {
    let contact = profile_of_contact_in_dynamics(w).await;
    let body = json!({"lia_name": format!("{product} interest"), "lia_product": product, "lia_interestlevel": 2,
        "lia_ContactId@odata.bind": format!("/contacts({contact})")});
    dataverse(w, reqwest::Method::POST, SET, Some(body)).await;
}

async fn profile_of_contact_in_dynamics(w: &World) -> String {
    let client = DataverseClient::load(&w.ws, &w.vault, &w.dynamics).unwrap();
    let page = client.get("contacts?$select=contactid&$top=1", &[]).await.unwrap();
    page["value"][0]["contactid"].as_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r17_a_mapped_product_interest_reaches_its_custom_resource_linked_to_the_profile() {
    let w = mapped(40).await;
    add_interest(&w, "Data Bridge").await;
    let rows = interests(&w).await;
    assert!(records(&w, RESOURCE).await.is_empty(), "Campaign starts without interests");

    let first = run(&w).await;
    assert_eq!(first.counts.entities, rows.len() as u64, "{:?}", first.counts);
    check_every_row_has_one_linked_record(&w).await;

    // Nothing changed: nothing is written again.
    let second = run(&w).await;
    assert_eq!((second.counts.entities, second.counts.entities_removed), (0, 0), "{:?}", second.counts);
    // A full run compares every row with Campaign and writes nothing unchanged either.
    let full = run_full(&w).await;
    assert_eq!((full.state, full.counts.entities), (RunState::Succeeded, 0), "{:?}", full.counts);
    check_every_row_has_one_linked_record(&w).await;
    w.sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r17_a_changed_interest_is_patched_a_deleted_one_is_deleted_in_campaign_and_an_edit_there_put_back() {
    let w = mapped(40).await;
    add_interest(&w, "Data Bridge").await;
    add_interest(&w, "Support Plus").await;
    run(&w).await;
    let rows = interests(&w).await;
    let mut ids = rows.keys();
    let (changed, gone) = (ids.next().unwrap().clone(), ids.next().unwrap().clone());
    dataverse(&w, reqwest::Method::PATCH, &format!("{SET}({changed})"), Some(json!({"lia_product": "Mobile SDK Pro"})))
        .await;
    dataverse(&w, reqwest::Method::DELETE, &format!("{SET}({gone})"), None).await;

    let report = run(&w).await;
    assert_eq!((report.counts.entities, report.counts.entities_removed), (1, 1), "{:?}", report.counts);
    let now = records(&w, RESOURCE).await;
    assert_eq!(holding(&now, &changed)[0]["product"], "Mobile SDK Pro");
    assert!(holding(&now, &gone).is_empty(), "the deleted row's record is deleted in Campaign");
    check_every_row_has_one_linked_record(&w).await;

    // Dynamics is the source of truth: an edit made in Campaign is put back when the row changes
    // or a full run reads it again.
    let record = holding(&now, &changed)[0]["PKey"].as_str().unwrap().to_owned();
    let client = CampaignClient::load(&w.ws, &w.vault, &w.campaign).unwrap();
    client.patch(&format!("profileAndServicesExt/{RESOURCE}/{record}"), &json!({"product": "Edited"})).await.unwrap();
    let full = run_full(&w).await;
    assert_eq!(full.counts.entities, 1, "{:?}", full.counts);
    assert_eq!(holding(&records(&w, RESOURCE).await, &changed)[0]["product"], "Mobile SDK Pro");
    w.sb.shutdown().await;
}

fn said(err: &Error, lang: Lang) -> String {
    err.message.render(lang)
}

#[tokio::test]
async fn r17_an_entity_mapping_naming_what_does_not_exist_is_refused_with_the_reason() {
    let w = world(5).await;
    let product = ["lia_product=product"];
    let err = map(&w, request("lia_nothings", RESOURCE, "lia_contactid=profile", &product)).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput);
    assert!(said(&err, Lang::En).contains("no entity set “lia_nothings”"), "{}", said(&err, Lang::En));
    assert!(said(&err, Lang::Ja).contains("lia_nothings"));
    let err = map(&w, request("contacts?$top=1", RESOURCE, "lia_contactid=profile", &product)).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput, "a name that is no entity set never reaches a URL");

    let err = map(&w, request(SET, "productInterest", "lia_contactid=profile", &product)).await.unwrap_err();
    assert!(said(&err, Lang::En).contains("start with “cus”"), "{}", said(&err, Lang::En));
    let err = map(&w, request(SET, "cusNothing", "lia_contactid=profile", &product)).await.unwrap_err();
    let text = said(&err, Lang::En);
    assert!(text.contains("no custom resource “cusNothing”") && text.contains("cusProductInterest"), "{text}");
    // A resource without a field for the Dynamics row ID could get a record twice: refused.
    let err =
        map(&w, request(SET, "cusProduct", "lia_contactid=profilePKey", &["lia_product=name"])).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::Conflict);
    assert!(said(&err, Lang::En).contains("“crmId”"), "{}", said(&err, Lang::En));

    let err = map(&w, request(SET, RESOURCE, "lia_contactid=profile", &["lia_colour=product"])).await.unwrap_err();
    assert!(said(&err, Lang::En).contains("no attribute “lia_colour”"), "{}", said(&err, Lang::En));
    let err = map(&w, request(SET, RESOURCE, "lia_contactid=profile", &["lia_product=colour"])).await.unwrap_err();
    assert!(said(&err, Lang::En).contains("no field “colour”"), "{}", said(&err, Lang::En));
    let err = map(&w, request(SET, RESOURCE, "lia_product=profile", &product)).await.unwrap_err();
    assert!(said(&err, Lang::En).contains("not a lookup to a contact"), "{}", said(&err, Lang::En));
    let err = map(&w, request(SET, RESOURCE, "lia_contactid=product", &product)).await.unwrap_err();
    assert!(said(&err, Lang::En).contains("not a link to the profile"), "{}", said(&err, Lang::En));
    let err = map(&w, request(SET, RESOURCE, "lia_contactid=profile", &["lia_name=crmId"])).await.unwrap_err();
    assert!(said(&err, Lang::En).contains("written by Liaison itself"), "{}", said(&err, Lang::En));
    let err = map(&w, request(SET, RESOURCE, "lia_contactid=profile", &["lia_product=created"])).await.unwrap_err();
    assert!(said(&err, Lang::En).contains("read-only"), "{}", said(&err, Lang::En));
    let twice = ["lia_product=product", "lia_name=product"];
    let err = map(&w, request(SET, RESOURCE, "lia_contactid=profile", &twice)).await.unwrap_err();
    assert!(said(&err, Lang::En).contains("mapped twice"), "{}", said(&err, Lang::En));
    // A table without change tracking: the reason and how to turn it on.
    let err = map(&w, request("tasks", RESOURCE, "regardingobjectid=profile", &[])).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::Conflict);
    let text = said(&err, Lang::En);
    assert!(text.contains("Change tracking is off") && text.contains("Track changes"), "{text}");
    assert!(said(&err, Lang::Ja).contains("変更の追跡"));
    assert!(
        campaign::parse_entity_link("lia_contactid").unwrap_err().message.render(Lang::En).contains("LOOKUP=LINKFIELD")
    );

    // Nothing refused was kept.
    assert!(campaign::link(w.ws.store()).unwrap().unwrap().entities.is_empty());
    w.sb.shutdown().await;
}

#[tokio::test]
async fn r17_an_entity_attribute_whose_type_does_not_fit_the_resource_field_is_refused() {
    let w = world(5).await;
    // A whole number (Integer) cannot become one of Campaign's enumeration values.
    let err = map(&w, request(SET, RESOURCE, "lia_contactid=profile", &["lia_interestlevel=interestLevel"]))
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput);
    let text = said(&err, Lang::En);
    assert!(text.contains("lia_interestlevel") && text.contains("Integer") && text.contains("enumeration"), "{text}");
    assert!(text.contains("types differ"), "{text}");
    assert!(said(&err, Lang::Ja).contains("型が異なります"));
    assert!(campaign::link(w.ws.store()).unwrap().unwrap().entities.is_empty());
    w.sb.shutdown().await;
}

#[tokio::test]
async fn r17_entity_mappings_are_added_replaced_and_removed_and_each_change_is_audited() {
    let w = world(5).await;
    let link = map(&w, request(SET, RESOURCE, "lia_contactid=profile", &[])).await.unwrap();
    assert_eq!(link.entities.len(), 1);
    assert_eq!(
        (link.entities[0].entity.as_str(), link.entities[0].primary_id.as_str()),
        ("lia_productinterest", "lia_productinterestid")
    );
    let link = map(&w, request(SET, RESOURCE, "lia_contactid=profile", &["lia_product=product"])).await.unwrap();
    assert_eq!(link.entities.len(), 1, "replaced, not added");
    assert_eq!(link.entities[0].fields, vec![pair("lia_product=product")]);
    // The contact mapping and setting the same link up again keep the entity mappings.
    let again =
        campaign::setup(&w.ws, &w.vault, &w.dynamics, &w.campaign, campaign::OptOutDirection::Both).await.unwrap();
    assert_eq!(again.entities, link.entities);

    let err = campaign::unmap_entity(&w.ws, "lia_nothings").unwrap_err();
    assert_eq!(err.code, ErrorCode::NotFound);
    let link = campaign::unmap_entity(&w.ws, SET).unwrap();
    assert!(link.entities.is_empty());
    let actions: Vec<String> =
        w.ws.store()
            .read(|c| {
                let mut s =
                    c.prepare("SELECT action FROM audit_log WHERE action LIKE 'campaign.entity_%' ORDER BY rowid")?;
                Ok(s.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<Vec<String>>>()?)
            })
            .unwrap();
    assert_eq!(actions, ["campaign.entity_mapped", "campaign.entity_mapped", "campaign.entity_unmapped"]);
    w.sb.shutdown().await;
}

#[tokio::test]
async fn a_link_saved_before_custom_entities_existed_still_reads() {
    let w = world(5).await;
    let mut stored = serde_json::to_value(campaign::link(w.ws.store()).unwrap().unwrap()).unwrap();
    stored.as_object_mut().unwrap().remove("entities");
    w.ws.store()
        .write(|tx| {
            tx.execute("UPDATE settings SET value = ?1 WHERE key = 'campaign_link'", [stored.to_string()])?;
            Ok(())
        })
        .unwrap();
    let link = campaign::link(w.ws.store()).unwrap().unwrap();
    assert!(link.entities.is_empty());
    assert_eq!(link.contact_fields[0].field, KEY_FIELD);
    w.sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r17_a_row_whose_contact_has_no_profile_yet_waits_and_a_later_run_writes_it() {
    let w = mapped(30).await;
    run(&w).await;
    let contact = profile_of_contact_in_dynamics(&w).await;
    // A contact Campaign refuses (an email without "@") gets no profile; its new interest waits.
    let client = DataverseClient::load(&w.ws, &w.vault, &w.dynamics).unwrap();
    let created = client
        .post(
            "contacts",
            &json!({"firstname": "Wai", "lastname": "Ting", "emailaddress1": "not-an-address"}),
            &["return=representation"],
        )
        .await
        .unwrap()
        .unwrap();
    let newcomer = created["contactid"].as_str().unwrap().to_owned();
    let body = json!({"lia_name": "Waiting", "lia_product": "CRM Connector", "lia_interestlevel": 1,
        "lia_ContactId@odata.bind": format!("/contacts({newcomer})")});
    dataverse(&w, reqwest::Method::POST, SET, Some(body)).await;
    let waiting =
        interests(&w).await.into_iter().find(|(_, r)| r["_lia_contactid_value"] == newcomer.as_str()).unwrap().0;

    let report = run(&w).await;
    assert_eq!((report.counts.entities, report.counts.errors), (0, 2), "{:?}", report.counts);
    let errors = campaign::record_errors(w.ws.store(), &report.run_id, 10).unwrap();
    let error = errors.iter().find(|e| e.code == "waiting_for_profile").expect("the row's reason");
    assert_eq!(error.contact_id, waiting);
    let text = error.message.render(Lang::En);
    assert!(text.contains(&newcomer) && text.contains("no profile in Campaign yet"), "{text}");
    assert!(holding(&records(&w, RESOURCE).await, &waiting).is_empty());

    // Nothing changed in Dynamics: the row still waits and is not reported again.
    assert_eq!(run(&w).await.counts.entities, 0);
    // Once the email is fixed, the contact gets its profile and the waiting row its record.
    dataverse(
        &w,
        reqwest::Method::PATCH,
        &format!("contacts({newcomer})"),
        Some(json!({"emailaddress1": "wai@example.org"})),
    )
    .await;
    let report = run(&w).await;
    assert_eq!((report.counts.profiles_created, report.counts.entities), (1, 1), "{:?}", report.counts);
    check_every_row_has_one_linked_record(&w).await;
    assert_ne!(contact, newcomer);
    w.sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_run_is_continued_and_creates_no_custom_resource_record_twice() {
    let w = mapped(40).await;
    for product in ["Data Bridge", "Support Plus", "Analytics Suite", "Cloud Storage"] {
        add_interest(&w, product).await;
    }
    let rows = interests(&w).await;

    // Cancelled once two records were written: it stops at the next row.
    let control = Control::default();
    let progress = |p: &CampaignProgress| {
        if p.phase == CampaignPhase::Entities && p.counts.entities >= 2 {
            control.cancel();
        }
    };
    let stopped = campaign::run(&w.ws, &w.vault, options(), &control, &progress).await.unwrap();
    assert_eq!(stopped.state, RunState::Cancelled);
    assert!(stopped.counts.entities >= 2 && stopped.counts.entities < rows.len() as u64, "{:?}", stopped.counts);

    // A kill right after Campaign created a record: the create is recorded without its PKey. The
    // continued run settles it by looking the record up, and creates nothing for it again.
    let written: Vec<String> =
        w.ws.store()
            .read(|c| {
                let mut s = c.prepare("SELECT row_id FROM campaign_entity_rows")?;
                Ok(s.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<Vec<String>>>()?)
            })
            .unwrap();
    let (pending, row) = rows.iter().find(|(id, _)| !written.contains(id)).expect("a row not yet written");
    let contact = row["_lia_contactid_value"].as_str().unwrap();
    let profile = profile_of_contact(&w).await[contact].clone();
    let client = CampaignClient::load(&w.ws, &w.vault, &w.campaign).unwrap();
    client
        .post(
            &format!("profileAndServicesExt/{RESOURCE}"),
            &json!({"crmId": pending, "product": row["lia_product"], "profile": {"PKey": profile}}),
        )
        .await
        .unwrap();
    w.ws.store()
        .write(|tx| {
            tx.execute(
                "INSERT INTO campaign_entity_rows
                        (campaign_connection, resource, row_id, entity_set, contact_id, state, pkey, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, 'creating', NULL, '2026-12-07T00:00:00Z')",
                [w.campaign.as_str(), RESOURCE, pending, SET, contact],
            )?;
            Ok(())
        })
        .unwrap();

    let resumed =
        campaign::run(&w.ws, &w.vault, options(), &Control::default(), &|_: &CampaignProgress| {}).await.unwrap();
    assert_eq!(resumed.state, RunState::Succeeded);
    assert!(resumed.resumed);
    assert_eq!(resumed.run_id, stopped.run_id, "the same run, continued");
    assert_eq!(
        resumed.counts.entities,
        rows.len() as u64 - 1,
        "every other row once; the settled create is not made again: {:?}",
        resumed.counts
    );
    check_every_row_has_one_linked_record(&w).await;
    w.sb.shutdown().await;
}
