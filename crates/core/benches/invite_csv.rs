//! Invitation CSV benchmarks (SPEC §9): on a generated 1,000,000-row file, `inspect` plus the
//! first preview page (target < 100 ms) and a full `validate` (target < 1 s, bounded memory).
//! Peak memory (VmHWM) is printed after validation on Linux.

use std::collections::{BTreeSet, HashMap};
use std::hint::black_box;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use liaison_core::invites::csv::{ExistingKind, inspect, preview, validate};

const ROWS: usize = 1_000_000;

const FIRST: [&str; 8] = ["Taro", "Hanako", "Ann", "José", "太郎", "花子", "Bo", "Zoë"];
const LAST: [&str; 8] = ["Yamada", "Suzuki", "Lee", "Müller", "山田", "佐藤", "Chen", "Ñúñez"];
const TEAMS: [&str; 6] = ["Sales", "Marketing;Tokyo", "営業部", "開発部、東京支社", "Ops", ""];

/// Writes a realistic file: mostly valid rows, 0.5% invalid addresses, 1% duplicates of earlier
/// rows, some Japanese names and roles, a title line above the header.
fn generate(dir: &Path) -> PathBuf {
    let path = dir.join("members-1m.csv");
    let mut out = BufWriter::with_capacity(1 << 20, std::fs::File::create(&path).unwrap());
    out.write_all(b"\xEF\xBB\xBFSales team export 2026-11\r\n\r\n").unwrap();
    out.write_all(b"Email,First Name,Last Name,Role,Team\r\n").unwrap();
    for i in 0..ROWS {
        let first = FIRST[i % FIRST.len()];
        let last = LAST[(i / 7) % LAST.len()];
        let role = match i % 50 {
            0 => "admin",
            1 => "管理者",
            2 => "",
            _ => "user",
        };
        let team = TEAMS[(i / 3) % TEAMS.len()];
        let email = if i % 200 == 199 {
            format!("broken.{i}.example.com")
        } else if i % 100 == 57 && i > 1001 {
            format!("User.{}@Example.com", i - 1001)
        } else {
            format!("user.{i}@example.com")
        };
        let team = if team.contains([',', ';', '、']) { format!("\"{team}\"") } else { team.to_string() };
        write!(out, "{email},{first},{last},{role},{team}\r\n").unwrap();
    }
    out.flush().unwrap();
    path
}

fn peak_rss() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM"))
                .map(|l| l.split_whitespace().skip(1).collect::<Vec<_>>().join(" "))
        })
        .unwrap_or_else(|| "n/a".into())
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let path = generate(dir.path());
    let size = std::fs::metadata(&path).unwrap().len();
    eprintln!(
        "generated {ROWS} rows, {:.1} MiB, in {:.2?}; VmHWM {}",
        size as f64 / 1048576.0,
        started.elapsed(),
        peak_rss()
    );

    let existing: HashMap<String, ExistingKind> = (0..2_000)
        .map(|i| {
            (
                format!("user.{}@example.com", i * 400),
                if i % 2 == 0 { ExistingKind::Member } else { ExistingKind::Invited },
            )
        })
        .collect();
    let none = BTreeSet::new();

    // One timed pass of each, printed for the record, before criterion's repeated runs.
    let t = Instant::now();
    let inspection = inspect(&path).unwrap();
    let first_page = preview(&path, &inspection, &inspection.suggested(), 0, 100).unwrap();
    eprintln!("inspect + first page ({} rows): {:.2?}", first_page.rows.len(), t.elapsed());
    let t = Instant::now();
    let report = validate(&path, &inspection, &inspection.suggested(), &existing, &none, &mut |_| {}).unwrap();
    eprintln!(
        "validate: {:.2?}; rows {} valid {} invalid {} duplicates {} existing {}; VmHWM after validation {}",
        t.elapsed(),
        report.rows,
        report.valid,
        report.invalid,
        report.duplicates,
        report.existing,
        peak_rss()
    );
    assert_eq!(report.rows, ROWS as u64);

    c.bench_function("invite_csv/inspect_and_first_page_1m", |b| {
        b.iter(|| {
            let inspection = inspect(black_box(&path)).unwrap();
            let page = preview(&path, &inspection, &inspection.suggested(), 0, 100).unwrap();
            black_box(page.rows.len())
        })
    });
    c.bench_function("invite_csv/validate_1m", |b| {
        b.iter(|| {
            let report =
                validate(black_box(&path), &inspection, &inspection.suggested(), &existing, &none, &mut |_| {})
                    .unwrap();
            black_box(report.valid)
        })
    });
    eprintln!("VmHWM at the end: {}", peak_rss());
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(8));
    targets = bench
}
criterion_main!(benches);
