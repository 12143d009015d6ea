//! Segment counts on a cache of 1,000,000 people (target: at most 200 ms each, so the count
//! follows the admin's edits live). The cache is filled once through plain inserts, with the
//! value mix of the sandbox's generator (countries, cities, flags, IDs of both systems, a custom
//! field on a tenth of the people).

use criterion::{Criterion, criterion_group, criterion_main};
use liaison_core::segments::{Definition, Match, Rule, preview};
use liaison_core::store::Store;
use liaison_core::{Paths, Workspace};

const PEOPLE: usize = 1_000_000;
const COUNTRIES: [&str; 8] = ["Japan", "United States", "Germany", "France", "Japan", "India", "Brazil", "Japan"];
const CITIES: [&str; 6] = ["Tokyo", "Osaka", "Berlin", "Austin", "Paris", "Sapporo"];

fn fill(store: &Store) {
    store
        .write(|tx| {
            let mut person = tx.prepare(
                "INSERT INTO people (id, email_key, email, first_name, last_name, company, city, country, unsubscribed,
                                     marketo_id, sf_contact_id, updated_at)
                 VALUES (?1, ?2, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            )?;
            let mut custom =
                tx.prepare("INSERT INTO people_custom (person_id, key, value, src) VALUES (?1, 'custom_tier', ?2, 1)")?;
            for i in 0..PEOPLE {
                let email = format!("person{i}@example{}.{}", i % 100, if i % 3 == 0 { "co.jp" } else { "com" });
                person.execute(rusqlite::params![
                    i as i64 + 1,
                    email,
                    format!("First{i}"),
                    format!("Last{}", i % 977),
                    format!("Company {}", i % 5_000),
                    CITIES[i % CITIES.len()],
                    COUNTRIES[i % COUNTRIES.len()],
                    i64::from(i % 17 == 0),
                    (i % 2 == 0).then(|| (i + 1).to_string()),
                    (i % 5 != 0).then(|| format!("003{i:015}")),
                    format!("2026-{:02}-{:02}T00:00:00Z", 1 + i % 12, 1 + i % 28),
                ])?;
                if i % 10 == 0 {
                    custom.execute(rusqlite::params![i as i64 + 1, ["Gold", "Silver", "Bronze"][i % 3]])?;
                }
            }
            Ok(())
        })
        .expect("the cache fills");
}

fn definition(match_: Match, rules: &[&str]) -> Definition {
    Definition { match_, rules: rules.iter().map(|r| Rule::parse(r).expect("a valid rule")).collect() }
}

fn counts(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let ws = Workspace::open(Paths::in_dir(dir.path())).unwrap();
    fill(ws.store());
    liaison_core::sync::fields::add_custom(
        ws.store(),
        liaison_core::sync::fields::NewCustomField {
            label: "tier".into(),
            marketo: Some("tier".into()),
            salesforce_contact: None,
            salesforce_lead: None,
            rule: liaison_core::sync::cache::ConflictRule::MarketoWins,
        },
    )
    .expect("the custom field is added");
    let cases = [
        ("country_is", definition(Match::All, &["country is Japan"])),
        ("email_ends_with", definition(Match::All, &["email ends with .co.jp"])),
        ("all_of_three", definition(Match::All, &["country is Japan", "unsubscribed is no", "known_in is marketo"])),
        ("any_of_two", definition(Match::Any, &["city contains saka", "country one of Germany, France"])),
        ("custom_field", definition(Match::All, &["custom_tier is Gold"])),
        ("date_after", definition(Match::All, &["updated_at after 2026-06-30"])),
    ];
    let mut group = c.benchmark_group("segment_count_1m");
    group.sample_size(10);
    for (name, definition) in &cases {
        group.bench_function(*name, |b| b.iter(|| preview(ws.store(), definition).expect("counts")));
    }
    group.finish();
}

criterion_group!(benches, counts);
criterion_main!(benches);
