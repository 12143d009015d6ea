//! A time-boxed random-input run of the CSV path (#13): hostile files of up to 40 MB — random
//! bytes, an unclosed quote followed by megabytes of lines, one endless line, a row of a
//! hundred thousand cells, NUL bytes, a BOM over odd bytes — go through `liaison invite preview`
//! (detection, mapping, validation of every row). Each run ends with an answer (a report or a
//! clear refusal), never a panic or an abort, and the process's memory stays within the bound the
//! reader's limits set (a record is never buffered past 1 MiB).

mod common;

use std::process::Stdio;
use std::time::{Duration, Instant};

use common::{json, liaison, run};

/// The most memory (resident, high-water mark) one `invite preview` may take, in MiB.
const MAX_RESIDENT_MIB: u64 = 96;

/// A small deterministic generator (xorshift64*), so a failure can be replayed from its seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
}

/// One hostile file of the `kind`-th shape.
fn hostile(rng: &mut Rng, kind: u64) -> Vec<u8> {
    let mib = 1024 * 1024;
    let size = (rng.below(40) as usize + 1) * mib;
    match kind % 6 {
        0 => rng.bytes(size.min(8 * mib)),
        1 => {
            let mut f = b"Email,First name\nada@example.com,\"Ada\n".to_vec();
            while f.len() < size {
                f.extend_from_slice(b"line inside a quote that never closes,x\n");
            }
            f
        }
        2 => {
            let mut f = b"Email,Note\n".to_vec();
            f.resize(size, b'a');
            f
        }
        3 => {
            let mut f = b"Email".to_vec();
            for _ in 0..100_000 {
                f.extend_from_slice(b",c");
            }
            f.extend_from_slice(b"\nada@example.com\n");
            f
        }
        4 => {
            let mut f = b"Email,Name\n".to_vec();
            while f.len() < size.min(4 * mib) {
                f.extend_from_slice(b"a\0b@example.com,\0\0\0\n");
            }
            f
        }
        _ => {
            let mut f = vec![0xFF, 0xFE];
            f.extend(rng.bytes(size.min(6 * mib)));
            f
        }
    }
}

/// The peak resident memory of `pid` so far (`VmHWM`), in KiB.
fn high_water_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[test]
fn random_hostile_files_through_the_csv_path_get_an_answer_within_the_memory_bound() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("workspace");
    json(&run(&d, &["--json", "activate", "--name", "Ada", "--email", "ada@example.com"], ""));
    let seed = 0x5eed_1234_u64;
    let mut rng = Rng(seed);
    let file = dir.path().join("hostile.csv");
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut runs = 0u64;
    let mut peak_kib = 0u64;
    while runs < 6 || Instant::now() < deadline {
        std::fs::write(&file, hostile(&mut rng, runs)).unwrap();
        let mut child = liaison(&d)
            .args(["invite", "preview", file.to_str().unwrap()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut high = 0;
        let started = Instant::now();
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            high = high.max(high_water_kib(child.id()).unwrap_or(0));
            assert!(started.elapsed() < Duration::from_secs(60), "run {runs} (seed {seed:#x}) hangs");
            std::thread::sleep(Duration::from_millis(2));
        };
        let mut stderr = String::new();
        std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut stderr).unwrap();
        assert!(
            matches!(status.code(), Some(0 | 2 | 3)),
            "run {runs} (shape {}, seed {seed:#x}) ended with {status:?}: {stderr}",
            runs % 6
        );
        assert!(!stderr.contains("panicked"), "run {runs}: {stderr}");
        assert!(
            high <= MAX_RESIDENT_MIB * 1024,
            "run {runs} (shape {}, seed {seed:#x}) took {} MiB",
            runs % 6,
            high / 1024
        );
        peak_kib = peak_kib.max(high);
        runs += 1;
    }
    eprintln!("{runs} hostile files, the most memory one took: {} MiB", peak_kib / 1024);
}
