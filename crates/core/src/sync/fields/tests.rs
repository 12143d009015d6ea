use super::*;

fn f(name: &str, t: &str) -> SystemField {
    SystemField { name: name.into(), label: name.into(), data_type: t.into() }
}

fn sides() -> (Vec<SystemField>, Vec<SystemField>, Vec<SystemField>) {
    (
        vec![f("email", "email"), f("firstName", "string"), f("company", "string"), f("unsubscribed", "boolean")],
        vec![f("Email", "email"), f("FirstName", "string"), f("HasOptedOutOfEmail", "boolean")],
        vec![f("Email", "email"), f("FirstName", "string"), f("Company", "string"), f("HasOptedOutOfEmail", "string")],
    )
}

#[test]
fn email_is_required_and_fields_are_matched_by_name_on_each_side() {
    let (mk, ct, ld) = sides();
    let rows = rows(&mk, &ct, &ld, &[], &[]).unwrap();
    assert!(rows[0].required && rows[0].field.is_none());
    let first = rows.iter().find(|r| r.field == Some(PersonField::FirstName)).unwrap();
    assert!(first.selected && first.compatible && first.note.is_none());
    let company = rows.iter().find(|r| r.field == Some(PersonField::Company)).unwrap();
    assert!(company.note.as_deref().unwrap().contains("Contacts"), "{:?}", company.note);
    let missing = rows.iter().find(|r| r.field == Some(PersonField::Title)).unwrap();
    assert!(!missing.selected, "a field neither side has is not selected");
}

#[test]
fn a_type_mismatch_makes_a_field_incompatible_and_unsynced() {
    let (mk, ct, ld) = sides();
    let rows = rows(&mk, &ct, &ld, &[], &[]).unwrap();
    let unsub = rows.iter().find(|r| r.field == Some(PersonField::Unsubscribed)).unwrap();
    assert!(!unsub.compatible && !unsub.selected);
    assert!(mapping(&rows).unwrap().fields.iter().all(|m| m.field != PersonField::Unsubscribed));
}

#[test]
fn saved_choices_deselect_fields_and_change_rules() {
    let (mk, ct, ld) = sides();
    let saved = [FieldChoice { field: PersonField::FirstName, selected: false, rule: ConflictRule::MostRecent }];
    let rows = rows(&mk, &ct, &ld, &saved, &[]).unwrap();
    let first = rows.iter().find(|r| r.field == Some(PersonField::FirstName)).unwrap();
    assert!(!first.selected && first.rule == ConflictRule::MostRecent);
    let mapping = mapping(&rows).unwrap();
    assert_eq!(mapping.marketo_email, "email");
    assert_eq!(mapping.marketo_fields(), vec!["company"]);
}

fn custom(marketo: Option<&str>, contact: Option<&str>) -> CustomField {
    CustomField {
        key: "custom_region".into(),
        label: "Region".into(),
        marketo: marketo.map(Into::into),
        salesforce_contact: contact.map(Into::into),
        salesforce_lead: None,
        rule: ConflictRule::MarketoWins,
        selected: true,
    }
}

#[test]
fn a_custom_field_is_matched_by_its_api_names_and_a_missing_one_is_named() {
    let (mut mk, mut ct, ld) = sides();
    mk.push(f("region", "string"));
    ct.push(f("Region__c", "picklist"));
    let rows = rows(&mk, &ct, &ld, &[], &[custom(Some("region"), Some("Region__c"))]).unwrap();
    let row = rows.last().unwrap();
    assert!(row.selected && row.compatible, "{row:?}");
    let mapping = mapping(&rows).unwrap();
    assert_eq!(mapping.custom[0].salesforce_contact.as_deref(), Some("Region__c"));
    assert!(mapping.marketo_fields().contains(&"region"));
    let gone = super::rows(&mk, &ct, &ld, &[], &[custom(Some("region"), Some("Deleted__c"))]).unwrap();
    let row = gone.last().unwrap();
    assert!(!row.selected && row.note.as_deref().unwrap().contains("\"Deleted__c\""), "{row:?}");
}

#[test]
fn custom_fields_are_validated_when_added() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&crate::Paths::in_dir(dir.path())).unwrap();
    let new = |label: &str, mk: Option<&str>| NewCustomField {
        label: label.into(),
        marketo: mk.map(Into::into),
        salesforce_contact: None,
        salesforce_lead: None,
        rule: ConflictRule::MostRecent,
    };
    let added = add_custom(&store, new("Customer tier", Some("customerTier"))).unwrap();
    assert_eq!(added.key, "custom_customer_tier");
    assert!(add_custom(&store, new("", Some("x"))).unwrap_err().message.contains("1 to 80"));
    assert!(add_custom(&store, new("Tier", Some("Customer Tier"))).unwrap_err().message.contains("API name"));
    assert!(add_custom(&store, new("Tier", None)).unwrap_err().message.contains("Marketo, Salesforce or both"));
    assert_eq!(add_custom(&store, new("customer tier", Some("x"))).unwrap_err().code, ErrorCode::Conflict);
    remove_custom(&store, "custom_customer_tier").unwrap();
    assert!(custom_fields(&store).unwrap().is_empty());
}

#[test]
fn no_email_on_the_marketo_side_is_a_clear_error() {
    let (_, ct, ld) = sides();
    let err = rows(&[f("firstName", "string")], &ct, &ld, &[], &[]).unwrap_err();
    assert!(err.message.contains("no email field"), "{}", err.message);
}
