use super::*;
use crate::Paths;
use crate::store::Store;

fn record(
    email: &str,
    id: &str,
    at: &str,
    first: Option<&str>,
    company: Option<&str>,
    unsub: Option<bool>,
) -> SourceRecord {
    let mut values: [Option<Value>; 11] = Default::default();
    values[0] = first.map(|s| Value::Text(s.into()));
    values[3] = company.map(|s| Value::Text(s.into()));
    values[8] = unsub.map(Value::Bool);
    SourceRecord { email: email.into(), system_id: id.into(), modified_at: at.into(), values, custom: Vec::new() }
}

fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&Paths::in_dir(dir.path())).unwrap();
    (dir, store)
}

fn person(store: &Store, q: &str) -> Person {
    store.read(|c| search(c, q, 10)).unwrap().into_iter().next().expect("person found")
}

#[test]
fn one_person_per_email_with_both_system_ids_and_provenance() {
    let (_d, store) = store();
    let mut conn = store.connect().unwrap();
    let mut mk = CacheWriter::new(Source::Marketo, &[]);
    let (c, _) = mk
        .write(
            &mut conn,
            &[record("Ada@Example.com ", "101", "2026-01-01T00:00:00Z", Some("Ada"), Some("MK Corp"), Some(true))],
        )
        .unwrap();
    assert_eq!((c.created, c.updated), (1, 0));
    let mut sf = CacheWriter::new(Source::SalesforceContact, &[]);
    let (c, _) = sf
        .write(
            &mut conn,
            &[record("ada@example.com", "003A", "2026-01-02T00:00:00Z", Some("Ada L."), Some("SF Corp"), Some(false))],
        )
        .unwrap();
    assert_eq!((c.created, c.updated), (0, 1));
    let p = person(&store, "ada");
    assert_eq!((p.marketo_id.as_deref(), p.sf_contact_id.as_deref()), (Some("101"), Some("003A")));
    // Defaults: Salesforce wins names and company; Marketo wins unsubscribed.
    assert_eq!(
        (p.first_name.as_deref(), p.company.as_deref(), p.unsubscribed),
        (Some("Ada L."), Some("SF Corp"), Some(true))
    );
    assert_eq!(p.provenance["first_name"], "salesforce");
    assert_eq!(p.provenance["unsubscribed"], "marketo");
    assert_eq!((p.values["company"].as_str(), p.values["unsubscribed"].as_str()), ("SF Corp", "true"));
    assert!(!p.values.contains_key("city"), "empty fields are absent");
}

#[test]
fn each_conflict_rule_decides_the_winner() {
    for (rule, expected) in [
        (ConflictRule::SalesforceWins, "SF"),
        (ConflictRule::MarketoWins, "MK"),
        (ConflictRule::MostRecent, "MK"), // Marketo's record is newer below
    ] {
        let (_d, store) = store();
        let mut conn = store.connect().unwrap();
        let rules = [(PersonField::Company, rule)];
        CacheWriter::new(Source::SalesforceLead, &rules)
            .write(&mut conn, &[record("x@example.com", "00Q1", "2026-01-01T00:00:00Z", None, Some("SF"), None)])
            .unwrap();
        let (counts, _) = CacheWriter::new(Source::Marketo, &rules)
            .write(&mut conn, &[record("x@example.com", "7", "2026-03-01T00:00:00Z", None, Some("MK"), None)])
            .unwrap();
        assert_eq!(person(&store, "x@").company.as_deref(), Some(expected), "{rule:?}");
        // A value the rule turned away is a conflict; the new Marketo ID still updates the row.
        assert_eq!((counts.updated, counts.conflicts), (1, u64::from(expected == "SF")), "{rule:?}");
    }
}

#[test]
fn a_bulk_load_drops_the_id_indexes_only_for_an_empty_cache_and_builds_them_at_the_end() {
    let (_d, store) = store();
    let mut conn = store.connect().unwrap();
    let indexes = |c: &Connection| -> i64 {
        c.query_row("SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name LIKE 'people_%_id'", [], |r| {
            r.get(0)
        })
        .unwrap()
    };
    assert!(begin_bulk_load(&conn).unwrap());
    assert_eq!(indexes(&conn), 0);
    CacheWriter::new(Source::Marketo, &[])
        .write(&mut conn, &[record("a@example.com", "1", "2026-01-01T00:00:00Z", Some("A"), None, None)])
        .unwrap();
    end_bulk_load(&conn).unwrap();
    // Marketo, Salesforce contact, Salesforce lead and Dynamics contact IDs.
    assert_eq!(indexes(&conn), 4);
    assert!(!begin_bulk_load(&conn).unwrap(), "a cache with people keeps its indexes");
    assert_eq!(indexes(&conn), 4);
}

#[test]
fn rerunning_unchanged_records_counts_them_as_unchanged() {
    let (_d, store) = store();
    let mut conn = store.connect().unwrap();
    let batch = [record("a@example.com", "1", "2026-01-01T00:00:00Z", Some("A"), None, None)];
    CacheWriter::new(Source::Marketo, &[]).write(&mut conn, &batch).unwrap();
    let (c, _) = CacheWriter::new(Source::Marketo, &[]).write(&mut conn, &batch).unwrap();
    assert_eq!((c.created, c.updated, c.unchanged), (0, 0, 1));
}

#[test]
fn duplicates_inside_one_system_are_reported_not_merged() {
    let (_d, store) = store();
    let mut conn = store.connect().unwrap();
    let (c, dups) = CacheWriter::new(Source::Marketo, &[])
        .write(
            &mut conn,
            &[
                record("dup@example.com", "1", "2026-01-01T00:00:00Z", Some("First"), None, None),
                record("DUP@example.com", "2", "2026-01-01T00:00:00Z", Some("Second"), None, None),
                record("", "3", "2026-01-01T00:00:00Z", None, None, None),
            ],
        )
        .unwrap();
    assert_eq!((c.created, c.duplicates, c.without_email), (1, 1, 1));
    assert_eq!(dups[0].system_id, "2");
    assert_eq!(person(&store, "dup").first_name.as_deref(), Some("First"));
}

#[test]
fn a_bulk_load_rebuilds_the_indexes_exactly_as_the_migrations_define_them() {
    use rusqlite::OptionalExtension;
    let (_d, store) = store();
    let conn = store.connect().unwrap();
    let definitions = |c: &Connection| -> Vec<Option<String>> {
        BULK_INDEXES
            .iter()
            .map(|(name, _)| {
                c.query_row("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?1", [name], |r| r.get(0))
                    .optional()
                    .unwrap()
            })
            .collect()
    };
    let migrated = definitions(&conn);
    assert!(migrated.iter().all(Option::is_some), "{migrated:?}");
    assert!(begin_bulk_load(&conn).unwrap());
    assert!(definitions(&conn).iter().all(Option::is_none));
    end_bulk_load(&conn).unwrap();
    assert_eq!(definitions(&conn), migrated);
}

#[test]
fn dynamics_fills_empty_cells_and_ranks_below_marketo_and_salesforce_under_the_wins_rules() {
    let (_d, store) = store();
    let mut conn = store.connect().unwrap();
    let at = "2026-01-01T00:00:00Z";
    let later = "2026-03-01T00:00:00Z";
    // Dynamics first: its values fill the empty cells.
    CacheWriter::new(Source::DynamicsContact, &[])
        .write(&mut conn, &[record("a@example.com", "dyn-1", later, Some("Dyn"), Some("Dyn Co"), Some(false))])
        .unwrap();
    let p = person(&store, "a@example.com");
    assert_eq!(p.dyn_contact_id.as_deref(), Some("dyn-1"));
    assert_eq!(p.provenance["first_name"], "dynamics");
    // Marketo replaces a Dynamics value even where Salesforce wins (it would an empty cell)...
    CacheWriter::new(Source::Marketo, &[])
        .write(&mut conn, &[record("a@example.com", "1", at, Some("Mk"), None, Some(true))])
        .unwrap();
    let p = person(&store, "a@example.com");
    assert_eq!((p.first_name.as_deref(), p.provenance["first_name"].as_str()), (Some("Mk"), "marketo"));
    assert_eq!(p.unsubscribed, Some(true));
    assert_eq!(p.provenance["company"], "dynamics", "a field Marketo left empty keeps Dynamics's value");
    // ...and Dynamics, even with a newer record, does not replace Marketo's or Salesforce's.
    CacheWriter::new(Source::SalesforceContact, &[])
        .write(&mut conn, &[record("a@example.com", "003A", at, None, Some("SF Co"), None)])
        .unwrap();
    let (c, _) = CacheWriter::new(Source::DynamicsContact, &[])
        .write(
            &mut conn,
            &[record("a@example.com", "dyn-1", "2026-04-01T00:00:00Z", Some("Dyn2"), Some("Dyn2 Co"), None)],
        )
        .unwrap();
    assert_eq!(c.conflicts, 1);
    let p = person(&store, "a@example.com");
    assert_eq!((p.first_name.as_deref(), p.company.as_deref()), (Some("Mk"), Some("SF Co")));
    assert_eq!(
        (p.marketo_id.as_deref(), p.sf_contact_id.as_deref(), p.dyn_contact_id.as_deref()),
        (Some("1"), Some("003A"), Some("dyn-1"))
    );
}

#[test]
fn most_recent_compares_all_three_systems() {
    let (_d, store) = store();
    let mut conn = store.connect().unwrap();
    let rules = [(PersonField::FirstName, ConflictRule::MostRecent)];
    CacheWriter::new(Source::Marketo, &rules)
        .write(&mut conn, &[record("b@example.com", "2", "2026-02-01T00:00:00Z", Some("Mk"), None, None)])
        .unwrap();
    CacheWriter::new(Source::DynamicsContact, &rules)
        .write(&mut conn, &[record("b@example.com", "dyn-2", "2026-03-01T00:00:00Z", Some("Dyn"), None, None)])
        .unwrap();
    assert_eq!(person(&store, "b@example.com").first_name.as_deref(), Some("Dyn"), "Dynamics's record is the newest");
    CacheWriter::new(Source::SalesforceContact, &rules)
        .write(&mut conn, &[record("b@example.com", "003B", "2026-02-15T00:00:00Z", Some("Sf"), None, None)])
        .unwrap();
    assert_eq!(person(&store, "b@example.com").first_name.as_deref(), Some("Dyn"), "older than Dynamics's: kept");
}
