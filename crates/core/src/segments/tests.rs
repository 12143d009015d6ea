use super::*;
use crate::Paths;
use crate::vault::{MemoryKeychain, Vault};

fn workspace() -> (tempfile::TempDir, Workspace) {
    let dir = tempfile::tempdir().unwrap();
    let ws = Workspace::open(Paths::in_dir(dir.path())).unwrap();
    let vault = Vault::open(ws.store(), &MemoryKeychain::default()).unwrap();
    crate::members::admin::activate(&ws, &vault, "Ada", "ada@example.com").unwrap();
    (dir, ws)
}

/// (email, country, city, unsubscribed, marketo_id, sf_contact_id, updated_at)
type Person<'a> = (&'a str, Option<&'a str>, Option<&'a str>, i64, Option<&'a str>, Option<&'a str>, &'a str);

fn people(ws: &Workspace, rows: &[Person<'_>]) {
    ws.store()
        .write(|tx| {
            for (email, country, city, unsub, mkto, sf, at) in rows {
                tx.execute(
                    "INSERT INTO people (email_key, email, country, city, unsubscribed, marketo_id, sf_contact_id, updated_at)
                     VALUES (lower(?1), ?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                    params![email, country, city, unsub, mkto, sf, at],
                )?;
            }
            Ok(())
        })
        .unwrap();
}

fn sample(ws: &Workspace) {
    people(
        ws,
        &[
            ("aiko@example.co.jp", Some("Japan"), Some("Tokyo"), 0, Some("1"), None, "2026-01-10T00:00:00Z"),
            ("ben@example.com", Some("japan"), Some("Osaka"), 1, Some("2"), Some("003A"), "2026-03-01T00:00:00Z"),
            ("chloe@example.fr", Some("France"), Some("Paris"), 0, None, Some("003B"), "2026-05-20T00:00:00Z"),
            ("dan@example.com", None, Some(""), 0, Some("4"), None, "2026-07-01T00:00:00Z"),
            ("eve_100%@example.com", Some("Japan"), None, 0, None, None, "2026-07-02T00:00:00Z"),
        ],
    );
}

fn count(ws: &Workspace, match_: Match, rules: &[&str]) -> u64 {
    let definition = Definition { match_, rules: rules.iter().map(|r| Rule::parse(r).unwrap()).collect() };
    preview(ws.store(), &definition).unwrap().count
}

#[test]
fn text_rules_match_without_regard_to_case_and_treat_a_missing_value_as_not_equal() {
    let (_dir, ws) = workspace();
    sample(&ws);
    assert_eq!(count(&ws, Match::All, &["country is Japan"]), 3);
    assert_eq!(count(&ws, Match::All, &["country is not japan"]), 2, "France and the person without a country");
    assert_eq!(count(&ws, Match::All, &["email ends with .com"]), 3);
    assert_eq!(count(&ws, Match::All, &["email starts with AIKO"]), 1);
    assert_eq!(count(&ws, Match::All, &["city contains aka"]), 1);
    assert_eq!(count(&ws, Match::All, &["city is empty"]), 2, "NULL and ''");
    assert_eq!(count(&ws, Match::All, &["city is not empty"]), 3);
    assert_eq!(count(&ws, Match::All, &["country one of France, Japan"]), 4);
}

#[test]
fn like_wildcards_in_values_are_matched_literally_and_values_never_reach_the_sql_text() {
    let (_dir, ws) = workspace();
    sample(&ws);
    assert_eq!(count(&ws, Match::All, &["email contains _100%"]), 1);
    assert_eq!(count(&ws, Match::All, &["email contains %"]), 1);
    let hostile = Definition {
        match_: Match::All,
        rules: vec![Rule { field: "country".into(), op: Op::Is, value: Some("x' OR 1=1 --".into()), values: vec![] }],
    };
    let compiled = compile(&hostile, &standard_fields()).unwrap();
    assert!(!compiled.condition.contains("OR 1=1"), "{}", compiled.condition);
    assert_eq!(preview(ws.store(), &hostile).unwrap().count, 0);
}

#[test]
fn all_and_any_combine_rules_and_no_rule_matches_everyone() {
    let (_dir, ws) = workspace();
    sample(&ws);
    assert_eq!(count(&ws, Match::All, &["country is Japan", "unsubscribed is no"]), 2);
    assert_eq!(count(&ws, Match::Any, &["country is France", "unsubscribed is yes"]), 2);
    assert_eq!(count(&ws, Match::All, &[]), 5);
}

#[test]
fn known_in_dates_and_flags_follow_the_cache() {
    let (_dir, ws) = workspace();
    sample(&ws);
    assert_eq!(count(&ws, Match::All, &["known_in is marketo"]), 3);
    assert_eq!(count(&ws, Match::All, &["known_in is salesforce"]), 2);
    assert_eq!(count(&ws, Match::All, &["known_in is marketo", "known_in is salesforce"]), 1);
    assert_eq!(count(&ws, Match::All, &["known_in is not marketo"]), 2);
    assert_eq!(count(&ws, Match::All, &["updated_at before 2026-03-01"]), 1);
    assert_eq!(count(&ws, Match::All, &["updated_at after 2026-07-01"]), 1);
    assert_eq!(count(&ws, Match::All, &["unsubscribed is yes"]), 1);
}

#[test]
fn custom_sync_fields_can_be_filtered_and_a_removed_one_is_reported_by_name() {
    let (_dir, ws) = workspace();
    sample(&ws);
    let field = crate::sync::fields::add_custom(
        ws.store(),
        crate::sync::fields::NewCustomField {
            label: "Tier".into(),
            marketo: Some("tier".into()),
            salesforce_contact: None,
            salesforce_lead: None,
            rule: crate::sync::cache::ConflictRule::MarketoWins,
        },
    )
    .unwrap();
    ws.store()
        .write(|tx| {
            tx.execute(
                "INSERT INTO people_custom (person_id, key, value, src) VALUES (1, ?1, 'Gold', 1), (2, ?1, '12', 1)",
                [&field.key],
            )?;
            Ok(())
        })
        .unwrap();
    assert_eq!(count(&ws, Match::All, &[&format!("{} is gold", field.key)]), 1);
    assert_eq!(count(&ws, Match::All, &[&format!("{} is not gold", field.key)]), 4);
    assert_eq!(count(&ws, Match::All, &[&format!("{} is empty", field.key)]), 3);
    assert_eq!(count(&ws, Match::All, &[&format!("{} greater than 10", field.key)]), 1, "only values that are numbers");
    let rule = Rule::parse(&format!("{} is Gold", field.key)).unwrap();
    create(&ws, "Gold", Definition { match_: Match::All, rules: vec![rule] }).unwrap();

    crate::sync::fields::remove_custom(ws.store(), &field.key).unwrap();
    let saved = get(ws.store(), "gold").unwrap();
    let problem = saved.problem.expect("the removed field is reported");
    assert!(problem.contains(&field.key), "{problem}");
    let err = preview(ws.store(), &saved.definition).unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput);
}

#[test]
fn an_operator_that_does_not_fit_the_field_and_bad_values_are_refused_with_the_reason() {
    let (_dir, ws) = workspace();
    let refused = |rule: &str| {
        let definition = Definition { match_: Match::All, rules: vec![Rule::parse(rule).unwrap()] };
        preview(ws.store(), &definition).unwrap_err().message.to_string()
    };
    assert!(refused("unsubscribed contains x").contains("does not fit"));
    assert!(refused("updated_at before yesterday").contains("YYYY-MM-DD"));
    assert!(refused("country less than many").contains("not a number"));
    assert!(refused("known_in is dynamics_crm").contains("marketo or salesforce"));
    assert!(refused("shoe_size is 42").contains("shoe_size"));
    assert!(Rule::parse("country resembles Japan").is_err());
}

#[test]
fn rules_read_as_typed_on_the_command_line() {
    let rule = Rule::parse("  email ends with \"@example.co.jp\" ").unwrap();
    assert_eq!((rule.field.as_str(), rule.op, rule.value.as_deref()), ("email", Op::EndsWith, Some("@example.co.jp")));
    assert_eq!(Rule::parse("city is not empty").unwrap().op, Op::IsNotEmpty);
    assert_eq!(Rule::parse("city is empty").unwrap().value, None);
    assert_eq!(Rule::parse("country one of Japan, France").unwrap().values, vec!["Japan", "France"]);
    assert_eq!(Rule::parse("country is island").unwrap().value.as_deref(), Some("island"));
}

#[test]
fn segments_are_saved_listed_renamed_and_deleted_with_an_audit_trail() {
    let (_dir, ws) = workspace();
    sample(&ws);
    let japan = Definition { match_: Match::All, rules: vec![Rule::parse("country is Japan").unwrap()] };
    create(&ws, "Japan", japan.clone()).unwrap();
    let again = create(&ws, "japan", japan.clone()).unwrap_err();
    assert_eq!(again.code, ErrorCode::Conflict);
    let france = Definition { match_: Match::Any, rules: vec![Rule::parse("country is France").unwrap()] };
    let renamed = update(&ws, "JAPAN", "France", france.clone()).unwrap();
    assert_eq!((renamed.name.as_str(), &renamed.definition), ("France", &france));
    assert_eq!(list(ws.store()).unwrap().len(), 1);
    delete(&ws, "france").unwrap();
    assert_eq!(get(ws.store(), "France").unwrap_err().code, ErrorCode::NotFound);
    let actions: Vec<String> =
        crate::audit::list(ws.store(), &crate::audit::AuditQuery { action: Some("segment.".into()), limit: Some(10) })
            .unwrap()
            .into_iter()
            .map(|e| e.action)
            .collect();
    assert_eq!(actions.len(), 3, "{actions:?}");
}

#[test]
fn a_preview_shows_twenty_people_at_most_in_cache_order() {
    let (_dir, ws) = workspace();
    let rows: Vec<String> = (0..30).map(|i| format!("p{i:02}@example.com")).collect();
    let list: Vec<Person<'_>> =
        rows.iter().map(|e| (e.as_str(), Some("Japan"), None, 0, None, None, "2026-01-01T00:00:00Z")).collect();
    people(&ws, &list);
    let p = preview(ws.store(), &Definition::default()).unwrap();
    assert_eq!(p.count, 30);
    assert_eq!(p.sample.len(), SAMPLE_SIZE);
    assert_eq!(p.sample[0].email, "p00@example.com");
}

#[test]
fn custom_field_rules_read_the_values_of_their_key_only() {
    let (_dir, ws) = workspace();
    sample(&ws);
    let add = |label: &str| {
        crate::sync::fields::add_custom(
            ws.store(),
            crate::sync::fields::NewCustomField {
                label: label.into(),
                marketo: Some(label.to_lowercase()),
                salesforce_contact: None,
                salesforce_lead: None,
                rule: crate::sync::cache::ConflictRule::MarketoWins,
            },
        )
        .unwrap()
        .key
    };
    let (tier, region) = (add("Tier"), add("Region"));
    ws.store()
        .write(|tx| {
            // Person 3 has an empty tier (empty, like no value); 4 and 5 have a region only.
            tx.execute(
                "INSERT INTO people_custom (person_id, key, value, src)
                 VALUES (1, ?1, 'Gold', 1), (2, ?1, 'silver', 1), (3, ?1, '', 1), (4, ?2, 'Gold', 1), (5, ?2, 'EMEA', 1)",
                [&tier, &region],
            )?;
            Ok(())
        })
        .unwrap();
    let n = |rule: &str| count(&ws, Match::All, &[&format!("{tier} {rule}")]);
    assert_eq!(n("is GOLD"), 1);
    assert_eq!(n("is not gold"), 4, "silver, the empty value and the two without a tier");
    assert_eq!(n("is empty"), 3, "the empty value and the two without a tier");
    assert_eq!(n("is not empty"), 2);
    assert_eq!(n("one of Gold, Silver"), 2);
    assert_eq!(n("contains IL"), 1);
    assert_eq!(n("starts with g"), 1);
    assert_eq!(count(&ws, Match::All, &[&format!("{region} is gold")]), 1, "person 4's region, not a tier");
    assert_eq!(count(&ws, Match::Any, &[&format!("{tier} is gold"), &format!("{region} is emea")]), 2);
    assert_eq!(count(&ws, Match::All, &[&format!("{tier} is not empty"), "country is japan"]), 2);
}

#[test]
fn date_rules_compare_the_day_at_the_edges() {
    let (_dir, ws) = workspace();
    people(
        &ws,
        &[
            ("a@example.com", None, None, 0, None, None, "2026-06-30T00:00:00Z"),
            ("b@example.com", None, None, 0, None, None, "2026-06-30T23:59:59Z"),
            ("c@example.com", None, None, 0, None, None, "2026-07-01T00:00:00Z"),
            ("d@example.com", None, None, 0, None, None, "2026-06-29T23:59:59Z"),
        ],
    );
    assert_eq!(count(&ws, Match::All, &["updated_at after 2026-06-30"]), 1);
    assert_eq!(count(&ws, Match::All, &["updated_at before 2026-06-30"]), 1);
    assert_eq!(count(&ws, Match::All, &["updated_at after 2026-06-29"]), 3);
    assert_eq!(count(&ws, Match::All, &["updated_at before 2026-07-01"]), 3);
}

#[test]
fn a_count_split_into_ranges_of_ids_adds_up_to_the_whole() {
    let (_dir, ws) = workspace();
    let rows: Vec<String> = (0..97).map(|i| format!("p{i:03}@example{}.com", i % 3)).collect();
    let countries = ["Japan", "France", "japan"];
    let list: Vec<Person<'_>> = rows
        .iter()
        .enumerate()
        .map(|(i, e)| (e.as_str(), Some(countries[i % 3]), None, (i % 2) as i64, None, None, "2026-01-01T00:00:00Z"))
        .collect();
    people(&ws, &list);
    let fields = fields(ws.store()).unwrap();
    for rules in
        [&["country is Japan"][..], &["email ends with example1.com"], &["country is japan", "unsubscribed is no"], &[]]
    {
        let definition =
            Definition { match_: Match::All, rules: rules.iter().map(|r| Rule::parse(r).unwrap()).collect() };
        let compiled = compile(&definition, &fields).unwrap();
        let whole = count_between(ws.store(), &compiled, None, None).unwrap();
        // `high` below the last ID: the last range is open, so people past it count too.
        for parts in [2, 3, 4] {
            assert_eq!(count_in_parts(ws.store(), &compiled, 1, 90, parts).unwrap(), whole, "{rules:?} in {parts}");
        }
        assert_eq!(preview(ws.store(), &definition).unwrap().count, whole);
    }
}

#[test]
fn the_sample_is_in_id_order_whether_the_segment_is_common_or_rare() {
    let (_dir, ws) = workspace();
    let rows: Vec<String> = (0..60).map(|i| format!("p{i:02}@example.com")).collect();
    let list: Vec<Person<'_>> = rows
        .iter()
        .enumerate()
        .map(|(i, e)| {
            (
                e.as_str(),
                Some(if i % 20 == 7 { "France" } else { "Japan" }),
                None,
                0,
                None,
                None,
                "2026-01-01T00:00:00Z",
            )
        })
        .collect();
    people(&ws, &list);
    let fields = fields(ws.store()).unwrap();
    let compiled = |rule: &str| {
        compile(&Definition { match_: Match::All, rules: vec![Rule::parse(rule).unwrap()] }, &fields).unwrap()
    };
    let emails = |s: Vec<SamplePerson>| s.into_iter().map(|p| p.email).collect::<Vec<_>>();
    let (japan, france) = (compiled("country is japan"), compiled("country is france"));
    for count in [57, 0] {
        let first = ws.store().read(|c| super::sample(c, &japan, count, 60)).unwrap();
        assert_eq!(first.len(), SAMPLE_SIZE);
        assert_eq!(emails(first)[..3], ["p00@example.com", "p01@example.com", "p02@example.com"]);
        let rare = ws.store().read(|c| super::sample(c, &france, count, 60)).unwrap();
        assert_eq!(emails(rare), ["p07@example.com", "p27@example.com", "p47@example.com"]);
    }
}

#[test]
fn is_and_one_of_on_the_common_columns_read_their_index() {
    let (_dir, ws) = workspace();
    let fields = fields(ws.store()).unwrap();
    for rule in ["country is Japan", "country one of Japan, France", "state is CA", "city is Tokyo", "company is Acme"]
    {
        let compiled =
            compile(&Definition { match_: Match::All, rules: vec![Rule::parse(rule).unwrap()] }, &fields).unwrap();
        let plan: Vec<String> = ws
            .store()
            .read(|c| {
                let mut stmt = c.prepare(&format!(
                    "EXPLAIN QUERY PLAN SELECT count(*) FROM people p WHERE {}",
                    compiled.condition
                ))?;
                Ok(stmt
                    .query_map(params_from_iter(compiled.params.iter()), |r| r.get::<_, String>(3))?
                    .collect::<rusqlite::Result<Vec<_>>>()?)
            })
            .unwrap();
        assert!(plan.iter().any(|p| p.contains("COVERING INDEX people_") && p.contains("_nocase")), "{rule}: {plan:?}");
    }
}
