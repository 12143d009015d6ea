//! Property tests (#13's standing suite): hostile input never panics the CSV reader (encoding and
//! delimiter detection, mapping, preview, validation), and the log redactor never lets a secret
//! through, whatever surrounds it. Each runs a bounded number of cases.

use std::collections::BTreeSet;

use liaison_core::invites::csv::{self, NoExistingMembers};
use liaison_core::invites::import;
use liaison_core::logging::redact;
use proptest::prelude::*;

/// Bytes that look like a CSV often enough to reach the deeper paths: separators, quotes, line
/// breaks, BOMs, Shift_JIS and UTF-16 fragments, e-mail-like cells.
fn csvish() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        Just(b",".to_vec()),
        Just(b";".to_vec()),
        Just(b"\t".to_vec()),
        Just(b"\"".to_vec()),
        Just(b"\r\n".to_vec()),
        Just(b"\n".to_vec()),
        Just(b"\xEF\xBB\xBF".to_vec()),
        Just(b"\xFF\xFE".to_vec()),
        Just("メールアドレス".as_bytes().to_vec()),
        Just(b"\x83\x81\x81[\x83\x8b".to_vec()),
        Just(b"Email,Name,Role\n".to_vec()),
        Just(b"taro@example.com".to_vec()),
        Just(b"=HYPERLINK(".to_vec()),
        proptest::collection::vec(any::<u8>(), 0..12),
    ];
    proptest::collection::vec(piece, 0..60).prop_map(|parts| parts.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn the_csv_reader_never_panics_on_hostile_bytes(bytes in csvish()) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hostile.csv");
        std::fs::write(&path, &bytes).unwrap();
        let Ok(inspection) = csv::inspect(&path) else { return Ok(()) };
        let Ok(mapping) = import::mapping(&inspection, &inspection.suggested_mapping) else { return Ok(()) };
        let _ = csv::preview(&path, &inspection, &mapping, 0, 50);
        let _ = csv::validate(&path, &inspection, &mapping, &NoExistingMembers, &BTreeSet::new(), &mut |_| {});
    }

    #[test]
    fn the_redactor_never_lets_a_secret_through(
        before in "[ -~]{0,40}",
        after in "[ -~&,;]{0,40}",
        name in prop::sample::select(vec!["access_token", "refresh_token", "client_secret", "password", "accessToken", "clientSecret", "token"]),
        style in 0..4usize,
        secret in "[A-Za-z0-9._~+/-]{12,40}",
    ) {
        let line = match style {
            0 => format!("{before} {name}={secret}&{after}"),
            1 => format!("{before} {{\"{name}\":\"{secret}\"}} {after}"),
            2 => format!("{before} \\\"{name}\\\":\\\"{secret}\\\" {after}"),
            _ => format!("{before} Authorization: Bearer {secret} {after}"),
        };
        let redacted = redact(&line);
        prop_assert!(!redacted.contains(&secret), "{line} → {redacted}");
    }
}
