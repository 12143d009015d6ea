//! People cache upserts per second (target: at least 300,000). Each iteration writes 200,000
//! Marketo leads into an empty cache, then merges 200,000 Salesforce contacts over them, in
//! batches of 10,000 per transaction, through the real store (WAL, synchronous=FULL).

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use liaison_core::Paths;
use liaison_core::store::Store;
use liaison_core::sync::cache::{CacheWriter, Source, SourceRecord, Value};

const PEOPLE: usize = 200_000;
const BATCH: usize = 10_000;

fn records(source: Source) -> Vec<SourceRecord> {
    (0..PEOPLE)
        .map(|i| {
            let mut values: [Option<Value>; 11] = Default::default();
            values[0] = Some(Value::Text(format!("First{i}")));
            values[1] = Some(Value::Text(format!("Last{}", i % 977)));
            values[3] = Some(Value::Text(format!("Company {}", i % 5_000)));
            values[5] = Some(Value::Text(["Tokyo", "Osaka", "Berlin", "Austin"][i % 4].to_owned()));
            values[8] = Some(Value::Bool(i % 17 == 0));
            let id = match source {
                Source::Marketo => (i + 1).to_string(),
                _ => format!("003{i:015}"),
            };
            SourceRecord {
                email: format!("person{i}@example{}.com", i % 100),
                system_id: id,
                modified_at: "2026-11-01T00:00:00Z".into(),
                values,
                custom: Vec::new(),
            }
        })
        .collect()
}

fn upserts(c: &mut Criterion) {
    let marketo = records(Source::Marketo);
    let salesforce = records(Source::SalesforceContact);
    let mut group = c.benchmark_group("people_cache");
    group.sample_size(10);
    group.throughput(Throughput::Elements((2 * PEOPLE) as u64));
    group.bench_function("upsert_200k_marketo_then_merge_200k_salesforce", |b| {
        b.iter_batched(
            || {
                let dir = tempfile::tempdir().unwrap();
                let store = Store::open(&Paths::in_dir(dir.path())).unwrap();
                (dir, store)
            },
            |(dir, store)| {
                let mut conn = store.connect().unwrap();
                liaison_core::sync::cache::begin_bulk_load(&conn).unwrap();
                for (source, rows) in [(Source::Marketo, &marketo), (Source::SalesforceContact, &salesforce)] {
                    let mut writer = CacheWriter::new(source, &[]);
                    for chunk in rows.chunks(BATCH) {
                        writer.write(&mut conn, chunk).unwrap();
                    }
                }
                liaison_core::sync::cache::end_bulk_load(&conn).unwrap();
                drop(conn);
                drop(dir);
            },
            BatchSize::PerIteration,
        );
    });
    group.finish();
}

criterion_group!(benches, upserts);
criterion_main!(benches);
