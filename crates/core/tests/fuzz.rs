//! Property tests (#13's standing suite): hostile input never panics the CSV reader (encoding and
//! delimiter detection, mapping, preview, validation); a file written with any delimiter in any
//! encoding is detected as written; the log redactor never lets a secret through, whatever
//! surrounds it; OData and SOQL string literals hold any value whole (nothing escapes into the
//! query); segment rules compile to SQL that never holds a value. Each runs a bounded number of
//! cases. The time-boxed random run of the CSV path under a memory bound is
//! `crates/cli/tests/csv_memory.rs`.

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

/// Reads the OData string literal at the start of `text` as Dataverse does (`''` is a quote, a
/// lone quote ends it): the value, and what follows the literal.
fn read_odata_literal(text: &str) -> Option<(String, &str)> {
    let rest = text.strip_prefix('\'')?;
    let mut value = String::new();
    let mut chars = rest.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c == '\'' {
            if chars.peek().is_some_and(|(_, n)| *n == '\'') {
                chars.next();
                value.push('\'');
            } else {
                return Some((value, &rest[i + 1..]));
            }
        } else {
            value.push(c);
        }
    }
    None
}

/// Reads the SOQL string literal at the start of `text` as Salesforce does (backslash escapes,
/// an unescaped quote ends it): the value, and what follows the literal.
fn read_soql_literal(text: &str) -> Option<(String, &str)> {
    let rest = text.strip_prefix('\'')?;
    let mut value = String::new();
    let mut chars = rest.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => value.push(match chars.next()?.1 {
                'n' => '\n',
                'r' => '\r',
                't' => '\t',
                'b' => '\u{8}',
                'f' => '\u{c}',
                other @ ('\\' | '\'' | '"') => other,
                _ => return None,
            }),
            '\'' => return Some((value, &rest[i + 1..])),
            c => value.push(c),
        }
    }
    None
}

/// Builds a random segment rule over the standard fields, with a value that may hold anything.
fn rule() -> impl Strategy<Value = liaison_core::segments::Rule> {
    use liaison_core::segments::{Op, Rule};
    let fields = prop::sample::select(vec![
        "email",
        "first_name",
        "last_name",
        "country",
        "city",
        "unsubscribed",
        "updated_at",
        "known_in",
        "no_such_field",
    ]);
    let ops = prop::sample::select(vec![
        Op::Is,
        Op::IsNot,
        Op::Contains,
        Op::StartsWith,
        Op::EndsWith,
        Op::IsEmpty,
        Op::IsNotEmpty,
        Op::Before,
        Op::After,
        Op::Less,
        Op::Greater,
        Op::OneOf,
    ]);
    // Marked at both ends, so a value is never found in the SQL by chance.
    let value = "(\\PC|['\";%_\\\\]){0,24}".prop_map(|v| format!("«{v}»"));
    (fields, ops, proptest::option::of(value.clone()), proptest::collection::vec(value, 0..4))
        .prop_map(|(field, op, value, values)| Rule { field: field.to_owned(), op, value, values })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn an_odata_string_literal_holds_any_value_whole(value in "(\\PC|['\"()])*") {
        let literal = liaison_core::connections::dataverse::odata_string(&value);
        let (read, rest) = read_odata_literal(&literal).expect("a whole literal");
        prop_assert_eq!(read, value);
        prop_assert_eq!(rest, "", "nothing escapes the literal");
    }

    #[test]
    fn a_soql_string_literal_holds_any_value_whole(value in "(\\PC|['\"\\\\\n\r\t\u{8}\u{c}])*") {
        let literal = liaison_core::connections::salesforce::soql_string(&value);
        let (read, rest) = read_soql_literal(&literal).expect("a whole literal");
        prop_assert_eq!(read, value);
        prop_assert_eq!(rest, "", "nothing escapes the literal");
    }

    /// Segment rules are compiled to parameterised SQL: whatever a value holds, it is never part
    /// of the SQL text, and counting runs or is refused with a reason — never a SQL error.
    #[test]
    fn segment_rules_compile_to_sql_that_never_holds_a_value(
        rules in proptest::collection::vec(rule(), 0..5),
        any in any::<bool>(),
    ) {
        use liaison_core::segments::{self, Definition, Match};
        thread_local! {
            static WORKSPACE: (tempfile::TempDir, liaison_core::Workspace) = {
                let dir = tempfile::tempdir().unwrap();
                let ws = liaison_core::Workspace::open(liaison_core::Paths::in_dir(dir.path())).unwrap();
                (dir, ws)
            };
        }
        let definition = Definition { match_: if any { Match::Any } else { Match::All }, rules };
        WORKSPACE.with(|(_, ws)| -> Result<(), TestCaseError> {
            let fields = segments::fields(ws.store()).unwrap();
            if let Ok(compiled) = segments::compile(&definition, &fields) {
                for rule in &definition.rules {
                    for value in rule.value.iter().chain(&rule.values) {
                        prop_assert!(!compiled.condition.contains(value.as_str()), "{value:?} in {}", compiled.condition);
                    }
                }
            }
            if let Err(err) = segments::preview(ws.store(), &definition) {
                prop_assert!(err.code != liaison_core::ErrorCode::Internal, "{err:?}");
            }
            Ok(())
        })?;
    }
}

/// One cell: Latin and Japanese text, spaces, quotes and the file's own delimiter and line
/// breaks (which the writer quotes).
fn cell(delimiter: char) -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        "[A-Za-z0-9 .@-]{1,8}",
        Just("山田".to_owned()),
        Just("カタカナ".to_owned()),
        Just("\"".to_owned()),
        Just(delimiter.to_string()),
        Just("\r\n".to_owned()),
    ];
    proptest::collection::vec(piece, 1..4).prop_map(|p| p.concat())
}

type Table = (char, Vec<[String; 2]>);

fn table() -> impl Strategy<Value = Table> {
    prop::sample::select(vec![',', ';', '\t', '|'])
        .prop_flat_map(|d| (Just(d), proptest::collection::vec([cell(d), cell(d)], 2..25)))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, failure_persistence: None, ..ProptestConfig::default() })]

    /// A file written with any of the delimiters, in any of the encodings Excel and others save
    /// (UTF-8 with or without a BOM, UTF-16 with a BOM, Shift_JIS), is read back with the
    /// delimiter, the encoding and the header it was written with.
    #[test]
    fn the_delimiter_and_encoding_a_file_was_written_with_are_detected((delimiter, rows) in table(), encoding in 0..4usize) {
        use liaison_core::invites::csv::{Delimiter, TextEncoding};
        let mut writer = ::csv::WriterBuilder::new().delimiter(delimiter as u8).from_writer(Vec::new());
        writer.write_record(["Email", "氏名", "メモ"]).unwrap();
        for (i, [name, note]) in rows.iter().enumerate() {
            writer.write_record([format!("person{i}@example.co.jp"), name.clone(), note.clone()]).unwrap();
        }
        let text = String::from_utf8(writer.into_inner().unwrap()).unwrap();
        let (bytes, expected) = match encoding {
            0 => (text.clone().into_bytes(), TextEncoding::Utf8),
            1 => ([b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat(), TextEncoding::Utf8),
            2 => {
                let mut b = vec![0xFF, 0xFE];
                b.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
                (b, TextEncoding::Utf16Le)
            }
            _ => (encoding_rs::SHIFT_JIS.encode(&text).0.into_owned(), TextEncoding::ShiftJis),
        };
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("team.csv");
        std::fs::write(&path, bytes).unwrap();
        let inspection = csv::inspect(&path).unwrap();
        let delimiter = match delimiter {
            ',' => Delimiter::Comma,
            ';' => Delimiter::Semicolon,
            '\t' => Delimiter::Tab,
            _ => Delimiter::Pipe,
        };
        prop_assert_eq!(inspection.delimiter, delimiter);
        prop_assert_eq!(inspection.encoding, expected);
        prop_assert_eq!(inspection.headers(), vec!["Email".to_owned(), "氏名".to_owned(), "メモ".to_owned()]);
    }
}
