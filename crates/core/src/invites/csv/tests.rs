//! Behaviour of the invitation CSV reader. Every fixture is generated here, into a temp dir.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use tempfile::TempDir;

use super::*;
use crate::ErrorCode;
use crate::members::MemberRole;

fn file_with(bytes: &[u8]) -> (TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("members.csv");
    std::fs::write(&path, bytes).unwrap();
    (dir, path)
}

fn inspected(text: &str) -> (TempDir, PathBuf, Inspection) {
    let (dir, path) = file_with(text.as_bytes());
    let inspection = inspect(&path).unwrap_or_else(|e| panic!("inspect failed: {}", e.message));
    (dir, path, inspection)
}

fn report_for(path: &Path, inspection: &Inspection) -> ValidationReport {
    validate(path, inspection, &inspection.suggested(), &NoExistingMembers, &BTreeSet::new(), &mut |_| {}).unwrap()
}

fn page(path: &Path, inspection: &Inspection) -> Vec<PreviewRow> {
    preview(path, inspection, &inspection.suggested(), 0, 100).unwrap().rows
}

fn inspect_error(bytes: &[u8]) -> crate::Error {
    let (_dir, path) = file_with(bytes);
    inspect(&path).expect_err("inspect should refuse this file")
}

fn codes(report: &ValidationReport) -> Vec<(u64, IssueCode)> {
    report.issues.iter().map(|i| (i.row, i.code)).collect()
}

const BASIC: &str = "Email,First Name,Last Name,Role,Team\n\
taro@example.com,Taro,Yamada,admin,Sales\n\
hanako@example.com,Hanako,Suzuki,user,Marketing;Tokyo\n";

// ---------------------------------------------------------------- encodings

#[test]
fn utf8_without_bom_is_read_as_utf8() {
    let (_d, path, inspection) = inspected("Email,Name\ntaro@example.com,Jürgen Groß\n");
    assert_eq!(inspection.encoding, TextEncoding::Utf8);
    assert!(!inspection.bom);
    assert_eq!(page(&path, &inspection)[0].first_name, "Jürgen");
}

#[test]
fn utf8_bom_is_detected_and_not_part_of_the_first_header() {
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend_from_slice("メールアドレス,氏名\ntaro@example.com,山田 太郎\n".as_bytes());
    let (_d, path) = file_with(&bytes);
    let inspection = inspect(&path).unwrap();
    assert_eq!((inspection.encoding, inspection.bom), (TextEncoding::Utf8, true));
    assert_eq!(inspection.columns[0].header, "メールアドレス");
    assert_eq!(inspection.suggested_mapping[&MemberField::Email], "メールアドレス");
    let rows = page(&path, &inspection);
    assert_eq!((rows[0].last_name.as_str(), rows[0].first_name.as_str()), ("山田", "太郎"));
}

fn utf16(text: &str, little_endian: bool) -> Vec<u8> {
    let mut bytes = if little_endian { vec![0xFF, 0xFE] } else { vec![0xFE, 0xFF] };
    for unit in text.encode_utf16() {
        let pair = if little_endian { unit.to_le_bytes() } else { unit.to_be_bytes() };
        bytes.extend_from_slice(&pair);
    }
    bytes
}

#[test]
fn utf16le_with_bom_tab_delimited_excel_unicode_text_is_read() {
    let text = "Email\tFull name\tTeam\r\ntaro@example.com\t山田 太郎\t営業部\r\nann@example.com\tAnn Lee\tSales\r\n";
    let (_d, path) = file_with(&utf16(text, true));
    let inspection = inspect(&path).unwrap();
    assert_eq!((inspection.encoding, inspection.bom), (TextEncoding::Utf16Le, true));
    assert_eq!(inspection.delimiter, Delimiter::Tab);
    let rows = page(&path, &inspection);
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].teams, vec!["営業部"]);
    assert_eq!(rows[1].last_name, "Lee");
    assert_eq!(report_for(&path, &inspection).valid, 2);
}

#[test]
fn utf16be_with_bom_is_read() {
    let (_d, path) = file_with(&utf16("email,name\nann@example.com,Ann Lee\n", false));
    let inspection = inspect(&path).unwrap();
    assert_eq!(inspection.encoding, TextEncoding::Utf16Be);
    assert_eq!(page(&path, &inspection)[0].email, "ann@example.com");
    assert_eq!(serde_json::to_value(inspection.encoding).unwrap(), "UTF-16BE");
}

#[test]
fn shift_jis_file_with_japanese_headers_maps_email_and_full_name() {
    let text = "氏名,メールアドレス,部署\r\n山田 太郎,taro@example.co.jp,営業部\r\n鈴木　花子,hanako@example.co.jp,マーケティング部、東京支社\r\n佐藤 一郎,ichiro@example.co.jp,開発部\r\n";
    let (bytes, _, unmappable) = encoding_rs::SHIFT_JIS.encode(text);
    assert!(!unmappable);
    let (_d, path) = file_with(&bytes);
    let inspection = inspect(&path).unwrap();
    assert_eq!(inspection.encoding, TextEncoding::ShiftJis);
    assert_eq!(serde_json::to_value(inspection.encoding).unwrap(), "Shift_JIS");
    let mapping = &inspection.suggested_mapping;
    assert_eq!(mapping[&MemberField::Email], "メールアドレス");
    assert_eq!(mapping[&MemberField::FullName], "氏名");
    assert_eq!(mapping[&MemberField::Teams], "部署");
    let rows = page(&path, &inspection);
    assert_eq!(rows[1].last_name, "鈴木");
    assert_eq!(rows[1].first_name, "花子");
    assert_eq!(rows[1].teams, vec!["マーケティング部", "東京支社"]);
    assert_eq!(report_for(&path, &inspection).valid, 3);
}

#[test]
fn windows_1252_file_with_accented_names_is_read() {
    let text = "Email;Prénom;Nom;Équipe\r\njose@example.com;José;Müller;Ventes\r\nfrancois@example.com;François;Béranger;Marketing\r\nzoe@example.com;Zoë;Façade;Ventes\r\n";
    let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(text);
    let (_d, path) = file_with(&bytes);
    let inspection = inspect(&path).unwrap();
    assert_eq!(inspection.encoding, TextEncoding::Windows1252);
    assert_eq!(serde_json::to_value(inspection.encoding).unwrap(), "windows-1252");
    assert_eq!(inspection.delimiter, Delimiter::Semicolon);
    assert!(!inspection.notes.is_empty(), "the guessed encoding is explained");
    let rows = page(&path, &inspection);
    assert_eq!(rows[0].email, "jose@example.com");
    assert_eq!(inspection.columns[1].header, "Prénom");
    assert_eq!(inspection.columns[2].samples[0], "Müller");
}

#[test]
fn invalid_utf8_after_the_sample_names_the_line() {
    let mut text = String::from("email,name\n");
    for i in 0..200 {
        text.push_str(&format!("user{i}@example.com,User {i}\n"));
    }
    let mut bytes = text.into_bytes();
    bytes.extend_from_slice(b"bad@example.com,Ren\xE9\n"); // line 202, windows-1252 é
    for i in 0..200 {
        bytes.extend_from_slice(format!("late{i}@example.com,Late {i}\n").as_bytes());
    }
    let (_d, path) = file_with(&bytes);
    let limits = Limits { sample_bytes: 1024, ..Limits::default() };
    let inspection = inspect_with(&path, &limits).unwrap();
    assert_eq!(inspection.encoding, TextEncoding::Utf8);
    let err = validate(&path, &inspection, &inspection.suggested(), &NoExistingMembers, &BTreeSet::new(), &mut |_| {})
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput);
    assert!(err.message.contains("Line 202"), "{}", err.message);
    assert!(err.message.contains("UTF-8"), "{}", err.message);
}

#[test]
fn undecodable_shift_jis_bytes_after_the_sample_name_the_line() {
    let mut text = String::from("氏名,メールアドレス\r\n");
    for i in 0..100 {
        text.push_str(&format!("山田 太郎{i},taro{i}@example.jp\r\n"));
    }
    let mut bytes = encoding_rs::SHIFT_JIS.encode(&text).0.into_owned();
    bytes.extend_from_slice(b"\x81\x20bad,x@example.jp\r\n"); // line 102: a lead byte without its trail byte
    bytes.extend_from_slice(
        &encoding_rs::SHIFT_JIS.encode(&text.replace("taro", "late")[text.find('\n').unwrap() + 1..]).0,
    );
    let (_d, path) = file_with(&bytes);
    let inspection = inspect_with(&path, &Limits { sample_bytes: 1024, ..Limits::default() }).unwrap();
    assert_eq!(inspection.encoding, TextEncoding::ShiftJis);
    let err = validate(&path, &inspection, &inspection.suggested(), &NoExistingMembers, &BTreeSet::new(), &mut |_| {})
        .unwrap_err();
    assert!(err.message.contains("Line 102") && err.message.contains("Shift_JIS"), "{}", err.message);
}

#[test]
fn utf16_without_bom_is_refused_with_advice() {
    let bytes: Vec<u8> = "email,name\nann@example.com,Ann\n".encode_utf16().flat_map(|u| u.to_le_bytes()).collect();
    let err = inspect_error(&bytes);
    assert_eq!(err.code, ErrorCode::InvalidInput);
    assert!(err.message.contains("UTF-16 without a byte-order mark"), "{}", err.message);
    assert!(err.message.contains("UTF-8"), "{}", err.message);
}

// ---------------------------------------------------------------- delimiters and structure

#[test]
fn every_delimiter_is_detected() {
    for (delimiter, sep) in
        [(Delimiter::Comma, ","), (Delimiter::Semicolon, ";"), (Delimiter::Tab, "\t"), (Delimiter::Pipe, "|")]
    {
        let text = ["Email", "First name", "Last name", "Role"].join(sep)
            + "\n"
            + &["taro@example.com", "Taro", "Yamada", "admin"].join(sep)
            + "\n"
            + &["ann@example.com", "Ann", "Lee", ""].join(sep)
            + "\n";
        let (_d, path, inspection) = inspected(&text);
        assert_eq!(inspection.delimiter, delimiter, "{sep:?}");
        assert_eq!(inspection.columns.len(), 4);
        let rows = page(&path, &inspection);
        assert_eq!(rows[0].role, Some(MemberRole::Admin));
        assert_eq!(rows[1].role, Some(MemberRole::User));
    }
}

#[test]
fn semicolon_file_with_commas_inside_names_picks_semicolon() {
    let (_d, path, inspection) = inspected(
        "Name;Email;Team\nYamada, Taro;taro@example.com;Sales\nLee, Ann;ann@example.com;Ops\nBo;bo@example.com;Ops\n",
    );
    assert_eq!(inspection.delimiter, Delimiter::Semicolon);
    let rows = page(&path, &inspection);
    assert_eq!((rows[0].first_name.as_str(), rows[0].last_name.as_str()), ("Taro", "Yamada"));
}

#[test]
fn single_column_email_list_is_read() {
    let (_d, path, inspection) = inspected("Email\nann@example.com\nbo@example.com\n");
    assert_eq!(inspection.columns.len(), 1);
    assert_eq!(report_for(&path, &inspection).valid, 2);
}

#[test]
fn header_below_title_and_blank_lines_is_found() {
    let text = "Sales team export 2026-11\n\nEmail,First Name,Last Name,Role,Team\ntaro@example.com,Taro,Yamada,admin,Sales\nann@example.com,Ann,Lee,user,Ops\n";
    let (_d, path, inspection) = inspected(text);
    assert_eq!(inspection.header_row, Some(3));
    assert_eq!(inspection.columns[0].name, "Email");
    let rows = page(&path, &inspection);
    assert_eq!((rows[0].row, rows[0].line), (1, 4));
    assert_eq!((rows[1].row, rows[1].line), (2, 5));
    let report = report_for(&path, &inspection);
    assert_eq!((report.rows, report.valid, report.header_row), (2, 2, Some(3)));
}

#[test]
fn excel_padded_title_row_is_not_taken_for_the_header() {
    let text = "Member list,,,\r\n,,,\r\nメールアドレス,姓,名,権限\r\ntaro@example.jp,山田,太郎,管理者\r\n";
    let (_d, path, inspection) = inspected(text);
    assert_eq!(inspection.header_row, Some(3));
    let rows = page(&path, &inspection);
    assert_eq!((rows[0].last_name.as_str(), rows[0].first_name.as_str()), ("山田", "太郎"));
    assert_eq!(rows[0].role, Some(MemberRole::Admin));
}

#[test]
fn file_without_header_row_is_recognised_by_its_email_values() {
    let (_d, path, inspection) = inspected("taro@example.com,Taro Yamada\nann@example.com,Ann Lee\n");
    assert_eq!(inspection.header_row, None);
    assert_eq!(inspection.columns[0].name, "Column A");
    assert_eq!(inspection.suggested_mapping[&MemberField::Email], "Column A");
    assert_eq!(inspection.suggestions[0].reason, SuggestionReason::EmailValues);
    let report = report_for(&path, &inspection);
    assert_eq!((report.rows, report.valid), (2, 2));
}

#[test]
fn quoted_fields_with_delimiters_quotes_and_newlines_are_read() {
    let text = "Email,Full name,Team\n\
\"taro@example.com\",\"Yamada, Taro\",\"Sales, Tokyo\"\n\
ann@example.com,\"Ann \"\"Annie\"\" Lee\",\"Ops\nNight shift\"\n\
bo@example.com,Bo Chen,Ops\n";
    let (_d, path, inspection) = inspected(text);
    let rows = page(&path, &inspection);
    assert_eq!(rows.len(), 3);
    assert_eq!((rows[0].first_name.as_str(), rows[0].last_name.as_str()), ("Taro", "Yamada"));
    assert_eq!(rows[0].teams, vec!["Sales", "Tokyo"]);
    assert_eq!(rows[1].first_name, "Ann \"Annie\"");
    assert_eq!(rows[1].teams, vec!["Ops\nNight shift"]);
    assert_eq!((rows[2].row, rows[2].line), (3, 5), "the quoted newline moves the next row down one line");
}

#[test]
fn ragged_rows_are_padded_and_extra_cells_are_warnings() {
    let text = "Email,First Name,Last Name,Role\n\
taro@example.com,Taro\n\
ann@example.com,Ann,Lee,user,surprise,second\n\
bo@example.com,Bo,Chen,user,,\n";
    let (_d, path, inspection) = inspected(text);
    let rows = page(&path, &inspection);
    assert_eq!(rows[0].last_name, "");
    assert_eq!(rows[0].role, Some(MemberRole::User));
    assert_eq!(rows[0].status, RowStatus::Valid);
    assert_eq!(rows[1].status, RowStatus::Valid, "extra cells only warn");
    assert_eq!(rows[1].issues[0].code, IssueCode::ExtraCells);
    assert_eq!(rows[1].issues[0].severity, Severity::Warning);
    assert!(rows[1].issues[0].message.contains("“surprise”"), "{}", rows[1].issues[0].message);
    assert!(rows[2].issues.is_empty(), "empty trailing cells are not extra cells");
    let report = report_for(&path, &inspection);
    assert_eq!((report.valid, report.warnings, report.issue_count), (3, 1, 1));
}

#[test]
fn blank_lines_are_skipped_and_not_counted() {
    let text = "Email,Name\r\n\r\ntaro@example.com,Taro\r\n   \r\n,\r\n\r\nann@example.com,Ann\r\n\r\n";
    let (_d, path, inspection) = inspected(text);
    let rows = page(&path, &inspection);
    assert_eq!(rows.iter().map(|r| (r.row, r.line)).collect::<Vec<_>>(), vec![(1, 3), (2, 7)]);
    assert_eq!(report_for(&path, &inspection).rows, 2);
}

// ---------------------------------------------------------------- mapping

fn suggested_field(header: &str) -> Option<(MemberField, f32)> {
    let headers = vec![header.to_string()];
    mapping::suggest(&headers, &[0.0]).first().map(|s| (s.field, s.confidence))
}

#[test]
fn english_and_japanese_aliases_map_exactly() {
    let table: &[(&str, MemberField)] = &[
        ("E-mail Address", MemberField::Email),
        ("Work Email", MemberField::Email),
        ("Email", MemberField::Email),
        ("mail", MemberField::Email),
        ("メールアドレス", MemberField::Email),
        ("メール", MemberField::Email),
        ("Eメール", MemberField::Email),
        ("First Name", MemberField::FirstName),
        ("Given name", MemberField::FirstName),
        ("名", MemberField::FirstName),
        ("Last Name", MemberField::LastName),
        ("Surname", MemberField::LastName),
        ("Family name", MemberField::LastName),
        ("姓", MemberField::LastName),
        ("苗字", MemberField::LastName),
        ("Name", MemberField::FullName),
        ("Full name", MemberField::FullName),
        ("氏名", MemberField::FullName),
        ("名前", MemberField::FullName),
        ("Role", MemberField::Role),
        ("権限", MemberField::Role),
        ("ロール", MemberField::Role),
        ("Team", MemberField::Teams),
        ("Teams", MemberField::Teams),
        ("Group", MemberField::Teams),
        ("Department", MemberField::Teams),
        ("チーム", MemberField::Teams),
        ("部署", MemberField::Teams),
        ("所属", MemberField::Teams),
    ];
    for (header, field) in table {
        let (got, confidence) = suggested_field(header).unwrap_or_else(|| panic!("no suggestion for {header}"));
        assert_eq!(got, *field, "{header}");
        let expected = if ["Name", "名前"].contains(header) { 0.8 } else { 1.0 };
        assert_eq!(confidence, expected, "{header}");
    }
}

#[test]
fn headers_match_regardless_of_case_spacing_punctuation_and_width() {
    for header in
        ["EMAIL", " e_mail ", "Ｅｍａｉｌ", "ﾒｰﾙｱﾄﾞﾚｽ", "E-Mail Address *", "Email (required)", "メールアドレス【必須】"]
    {
        assert_eq!(suggested_field(header), Some((MemberField::Email, 1.0)), "{header}");
    }
    assert_eq!(fold_text("ﾊﾟｽﾜｰﾄﾞ　ＡＢＣ"), "パスワード abc");
}

#[test]
fn name_next_to_a_surname_column_is_the_first_name() {
    let headers: Vec<String> = ["姓", "名前", "メール"].iter().map(|s| s.to_string()).collect();
    let suggestions = mapping::suggest(&headers, &[0.0, 0.0, 0.0]);
    let fields: Vec<MemberField> = suggestions.iter().map(|s| s.field).collect();
    assert_eq!(fields, vec![MemberField::LastName, MemberField::FirstName, MemberField::Email]);
}

#[test]
fn partial_and_misspelt_headers_get_lower_confidence() {
    let (field, confidence) = suggested_field("Primary work email (SSO)").unwrap();
    assert_eq!(field, MemberField::Email);
    assert!((0.5..1.0).contains(&confidence), "{confidence}");
    assert_eq!(suggested_field("Emial"), Some((MemberField::Email, 0.6)));
    assert_eq!(suggested_field("Favourite colour"), None);
}

#[test]
fn unnamed_column_whose_values_are_emails_is_suggested_with_medium_confidence() {
    let (_d, _path, inspection) = inspected("Person,Contact,Notes\nTaro,taro@example.com,x\nAnn,ann@example.com,y\n");
    let email = inspection.suggestions.iter().find(|s| s.field == MemberField::Email).unwrap();
    assert_eq!((email.column, email.confidence, email.reason), (1, 0.5, SuggestionReason::EmailValues));
}

#[test]
fn two_email_columns_prefer_the_exact_alias() {
    let (_d, _p, inspection) = inspected("Personal email,Work Email\na@home.example,a@work.example\n");
    assert_eq!(inspection.suggested_mapping[&MemberField::Email], "Work Email");
}

#[test]
fn mapping_requires_email_once_and_one_field_per_column() {
    let columns: Vec<String> = ["Email", "Name", "Team"].iter().map(|s| s.to_string()).collect();
    let mut mapping = Mapping::new(columns);
    let err = mapping.validate().unwrap_err();
    assert!(err.message.contains("No column is mapped to email"), "{}", err.message);
    mapping.set(MemberField::Email, Some(0)).unwrap();
    mapping.set(MemberField::FullName, Some(1)).unwrap();
    mapping.validate().unwrap();
    mapping.set(MemberField::Teams, Some(1)).unwrap();
    let err = mapping.validate().unwrap_err();
    assert!(err.message.contains("“Name” is mapped to both full name and teams"), "{}", err.message);
    mapping.set(MemberField::Teams, Some(2)).unwrap();
    assert!(mapping.set(MemberField::Role, Some(7)).is_err(), "a column the file lacks");
    assert_eq!(mapping.unmapped_columns(), Vec::<usize>::new());
    mapping.set(MemberField::Teams, None).unwrap();
    assert_eq!(mapping.unmapped_columns(), vec![2]);
}

#[test]
fn first_or_last_name_columns_take_precedence_over_full_name() {
    let (_d, path, inspection) = inspected("Email,Name,First name\ntaro@example.com,Yamada Taro,Taro\n");
    let mapping = inspection.suggested();
    assert!(mapping.get(MemberField::FullName).is_some() && !mapping.uses_full_name());
    let rows = preview(&path, &inspection, &mapping, 0, 10).unwrap().rows;
    assert_eq!((rows[0].first_name.as_str(), rows[0].last_name.as_str()), ("Taro", ""));
}

#[test]
fn full_names_split_western_comma_and_japanese_orders() {
    let table = [
        ("Taro Yamada", ("Taro", "Yamada")),
        ("Mary Ann Smith", ("Mary Ann", "Smith")),
        ("Yamada, Taro", ("Taro", "Yamada")),
        ("山田 太郎", ("太郎", "山田")),
        ("山田　太郎", ("太郎", "山田")),
        ("  Cher  ", ("Cher", "")),
        ("", ("", "")),
    ];
    for (full, (first, last)) in table {
        assert_eq!(split_full_name(full), (first.to_string(), last.to_string()), "{full}");
    }
}

#[test]
fn saved_mapping_reloads_for_a_file_with_the_same_headers() {
    let (_d1, _p1, first) = inspected("E-mail Address,Name,Dept\na@example.com,A B,X\n");
    let mut mapping = first.suggested();
    mapping.set(MemberField::Teams, Some(2)).unwrap();
    let saved = serde_json::to_string(&mapping).unwrap();
    assert_eq!(saved, r#"{"email":"E-mail Address","full_name":"Name","teams":"Dept"}"#);

    let (_d2, p2, second) = inspected("e-mail address,NAME,Dept\nb@example.com,C D,Y\n");
    assert_eq!(first.headers_signature, second.headers_signature, "case and spacing do not change the signature");
    assert_eq!(headers_signature(&second.headers()), second.headers_signature);
    let loaded: MappingByName = serde_json::from_str(&saved).unwrap();
    let reloaded = Mapping::from_names(&loaded, &second.column_names()).unwrap();
    assert_eq!(reloaded.fields().collect::<Vec<_>>(), mapping.fields().collect::<Vec<_>>());
    assert_eq!(preview(&p2, &second, &reloaded, 0, 1).unwrap().rows[0].teams, vec!["Y"]);

    let (_d3, _p3, other) = inspected("Mail,Team\nc@example.com,Z\n");
    assert_ne!(other.headers_signature, first.headers_signature);
    let err = Mapping::from_names(&loaded, &other.column_names()).unwrap_err();
    assert!(err.message.contains("“E-mail Address”") && err.message.contains("“Mail”, “Team”"), "{}", err.message);
}

#[test]
fn repeated_and_empty_headers_get_unique_names() {
    let (_d, _p, inspection) = inspected("Email,Email,,Team\na@example.com,b@example.com,x,y\n");
    let names = inspection.column_names();
    assert_eq!(names, vec!["Email", "Email (2)", "Column C", "Team"]);
}

// ---------------------------------------------------------------- validation

struct Directory(HashMap<String, ExistingKind>);

impl ExistingMembers for Directory {
    fn lookup(&self, normalized_email: &str) -> Option<ExistingKind> {
        self.0.get(normalized_email).copied()
    }
}

#[test]
fn every_validation_code_is_reported_with_row_and_line() {
    let text = "Email,Name,Role\n\
ok@example.com,Ok,admin\n\
,No Email,user\n\
not-an-address,Bad,user\n\
 OK@Example.com ,Dup,user\n\
member@example.com,Member,user\n\
invited@example.com,Invited,user\n\
role@example.com,Role,owner\n\
extra@example.com,Extra,user,surplus\n";
    let (_d, path, inspection) = inspected(text);
    let existing = Directory(HashMap::from([
        ("member@example.com".to_string(), ExistingKind::Member),
        ("invited@example.com".to_string(), ExistingKind::Invited),
    ]));
    let report =
        validate(&path, &inspection, &inspection.suggested(), &existing, &BTreeSet::new(), &mut |_| {}).unwrap();
    assert_eq!(
        codes(&report),
        vec![
            (2, IssueCode::MissingEmail),
            (3, IssueCode::InvalidEmail),
            (4, IssueCode::DuplicateInFile),
            (5, IssueCode::AlreadyMember),
            (6, IssueCode::AlreadyInvited),
            (7, IssueCode::UnknownRole),
            (8, IssueCode::ExtraCells),
        ]
    );
    assert_eq!(report.issues[0].line, 3);
    assert_eq!(
        report.issues[2].message,
        "OK@Example.com already appears on row 1; only the first row with this address is invited."
    );
    assert!(report.issues[1].message.contains("“not-an-address” is not a valid email address: it has no @"));
    assert!(report.issues[5].message.contains("“owner”"));
    assert_eq!(
        (report.rows, report.valid, report.invalid, report.duplicates, report.existing, report.excluded),
        (8, 2, 3, 1, 2, 0)
    );
    assert_eq!(report.issue_counts[&IssueCode::AlreadyMember], 1);
    assert!(!report.issues_truncated);
}

#[test]
fn report_serialises_to_the_cli_json_shape() {
    let (_d, path, inspection) = inspected(BASIC);
    let json = serde_json::to_value(report_for(&path, &inspection)).unwrap();
    for key in [
        "encoding",
        "delimiter",
        "header_row",
        "rows",
        "mapping",
        "valid",
        "invalid",
        "duplicates",
        "existing",
        "issues",
    ] {
        assert!(json.get(key).is_some(), "missing {key}");
    }
    assert_eq!(json["encoding"], "UTF-8");
    assert_eq!(json["delimiter"], "comma");
    assert_eq!(json["header_row"], 1);
    assert_eq!(json["rows"], 2);
    assert_eq!(json["mapping"]["email"], "Email");
    assert_eq!(json["mapping"]["teams"], "Team");
}

#[test]
fn excluded_rows_are_counted_apart_and_do_not_claim_their_address() {
    let text = "Email\nsame@example.com\nsame@example.com\nbad\nother@example.com\n";
    let (_d, path, inspection) = inspected(text);
    let excluded = BTreeSet::from([1, 3]);
    let report =
        validate(&path, &inspection, &inspection.suggested(), &NoExistingMembers, &excluded, &mut |_| {}).unwrap();
    assert_eq!((report.valid, report.excluded, report.duplicates, report.invalid), (2, 2, 0, 0));
    assert!(report.issues.is_empty());
}

#[test]
fn issues_are_capped_but_all_counted() {
    let mut text = String::from("Email\n");
    for i in 0..50 {
        text.push_str(&format!("broken{i}\n"));
    }
    let (_d, path) = file_with(text.as_bytes());
    let limits = Limits { max_issues: 10, ..Limits::default() };
    let inspection = inspect_with(&path, &limits).unwrap();
    let report = report_for(&path, &inspection);
    assert_eq!((report.issues.len(), report.issue_count, report.issues_truncated), (10, 50, true));
    assert_eq!(report.issues[9].row, 10);
    assert_eq!(report.invalid, 50);
}

#[test]
fn progress_is_reported_every_n_rows_and_at_the_end() {
    let mut text = String::from("Email\n");
    for i in 0..25 {
        text.push_str(&format!("u{i}@example.com\n"));
    }
    let (_d, path) = file_with(text.as_bytes());
    let inspection = inspect_with(&path, &Limits { progress_every_rows: 10, ..Limits::default() }).unwrap();
    let mut seen = Vec::new();
    validate(&path, &inspection, &inspection.suggested(), &NoExistingMembers, &BTreeSet::new(), &mut |p| {
        seen.push(p.rows);
        assert!(p.bytes_read <= p.total_bytes);
    })
    .unwrap();
    assert_eq!(seen, vec![10, 20, 25]);
}

#[test]
fn preview_pages_through_the_file_and_finds_earlier_duplicates() {
    let mut text = String::from("Email,Name\n");
    for i in 0..30 {
        text.push_str(&format!("user{}@example.com,User {i}\n", i % 25));
    }
    let (_d, path, inspection) = inspected(&text);
    let mapping = inspection.suggested();
    let first = preview(&path, &inspection, &mapping, 0, 10).unwrap();
    assert_eq!((first.rows.len(), first.end_of_file), (10, false));
    assert_eq!(first.rows[0].row, 1);
    let last = preview(&path, &inspection, &mapping, 20, 10).unwrap();
    assert_eq!((last.rows.len(), last.end_of_file), (10, true));
    assert_eq!(last.rows[0].row, 21);
    assert_eq!(last.rows[5].status, RowStatus::Duplicate, "row 26 repeats row 1, before the page");
    assert_eq!(
        last.rows[5].issues[0].message,
        "user0@example.com already appears on row 1; only the first row with this address is invited."
    );
}

#[test]
fn preview_shows_the_values_that_will_be_sent() {
    let (_d, path, inspection) = inspected(
        "Email,First Name,Last Name,Role,Team\n  Taro.Yamada@Example.COM ,Taro , Yamada,ＡＤＭＩＮ,Sales; Tokyo ;sales\n",
    );
    let row = &page(&path, &inspection)[0];
    assert_eq!(row.email, "Taro.Yamada@Example.COM", "trimmed, case kept");
    assert_eq!((row.first_name.as_str(), row.last_name.as_str()), ("Taro", "Yamada"));
    assert_eq!(row.role, Some(MemberRole::Admin));
    assert_eq!(row.teams, vec!["Sales", "Tokyo"]);
    assert_eq!(row.status, RowStatus::Valid);
}

#[test]
fn email_addresses_are_validated_properly() {
    let valid = [
        "taro@example.com",
        "first.last+tag@sub.example.co.jp",
        "o'brien@example.ie",
        "user@bücher.example",
        "user@例え.テスト",
        "x@a-b.example",
    ];
    for address in valid {
        assert_eq!(check_email(address), Ok(()), "{address}");
    }
    let local64 = "a".repeat(64);
    let local65 = "a".repeat(65);
    let long_domain = format!("{}.{}.{}.{}.com", "a".repeat(63), "b".repeat(63), "c".repeat(63), "d".repeat(60));
    assert_eq!(check_email(&format!("{local64}@example.com")), Ok(()));
    let invalid = [
        ("taro.example.com", "no @"),
        ("taro@@example.com", "more than one @"),
        ("@example.com", "nothing before"),
        ("taro@", "nothing after"),
        ("ta ro@example.com", "space"),
        ("taro＠example.com", "full-width"),
        (".taro@example.com", "dot"),
        ("ta..ro@example.com", "dot"),
        ("ta(ro@example.com", "“(”"),
        ("たろう@example.com", "ASCII"),
        ("taro@localhost", "no dot"),
        ("taro@example..com", "two dots"),
        ("taro@-example.com", "hyphen"),
        ("taro@exa_mple.com", "character other"),
        ("taro@[192.0.2.1]", "IP address"),
        ("taro@example.123", "number"),
        (local65.as_str(), "no @"),
    ];
    for (address, why) in invalid {
        let problem = check_email(address).expect_err(address);
        assert!(problem.explain().contains(why), "{address}: {}", problem.explain());
    }
    assert_eq!(check_email(&format!("{local65}@example.com")), Err(values::EmailProblem::LocalTooLong));
    assert!(check_email(&format!("me@{long_domain}")).is_err());
    assert_eq!(normalize_email("  Taro@Example.COM "), "taro@example.com");
}

#[test]
fn roles_accept_english_and_japanese_in_any_case() {
    for (cell, role) in [
        ("admin", Some(MemberRole::Admin)),
        ("ADMIN", Some(MemberRole::Admin)),
        (" Administrator ", Some(MemberRole::Admin)),
        ("管理者", Some(MemberRole::Admin)),
        ("user", Some(MemberRole::User)),
        ("User", Some(MemberRole::User)),
        ("ユーザー", Some(MemberRole::User)),
        ("", Some(MemberRole::User)),
        ("owner", None),
        ("superadmin", None),
    ] {
        assert_eq!(parse_role(cell), role, "{cell}");
    }
}

#[test]
fn teams_split_on_semicolons_commas_and_japanese_commas() {
    assert_eq!(split_teams("Sales;Tokyo"), vec!["Sales", "Tokyo"]);
    assert_eq!(split_teams("Sales, Tokyo ,"), vec!["Sales", "Tokyo"]);
    assert_eq!(split_teams("営業部、東京支社"), vec!["営業部", "東京支社"]);
    assert_eq!(split_teams("Ops;ops; OPS"), vec!["Ops"]);
    assert!(split_teams("  ").is_empty());
}

// ---------------------------------------------------------------- bad input

#[test]
fn empty_file_is_refused() {
    let err = inspect_error(b"");
    assert_eq!(err.code, ErrorCode::InvalidInput);
    assert!(err.message.contains("is empty"), "{}", err.message);
    let err = inspect_error(b"\n\r\n  \n");
    assert!(err.message.contains("only blank lines"), "{}", err.message);
}

#[test]
fn header_only_file_is_refused() {
    let err = inspect_error(b"Email,First Name,Last Name\r\n");
    assert!(err.message.contains("no data rows"), "{}", err.message);
    assert!(err.message.contains("“Email”"), "{}", err.message);
}

#[test]
fn binary_files_are_refused() {
    let err = inspect_error(b"Email,Name\nabc\x00\x01\x02\x03@example.com\n");
    assert!(err.message.contains("does not look like a text file"), "{}", err.message);
    let mut noisy = b"Email\n".to_vec();
    noisy.extend((0..400u32).map(|i| if i % 5 == 0 { 0x02 } else { b'a' }));
    let err = inspect_error(&noisy);
    assert!(err.message.contains("control characters"), "{}", err.message);
    let err = inspect_error(b"PK\x03\x04\x14\x00\x06\x00rest-of-a-workbook");
    assert!(err.message.contains("Excel workbook"), "{}", err.message);
}

#[test]
fn file_without_an_email_column_lists_the_headers_found() {
    let err = inspect_error("Name,Team,Phone\nTaro,Sales,03-1234-5678\n".as_bytes());
    assert_eq!(err.code, ErrorCode::InvalidInput);
    assert!(err.message.contains("“Name”, “Team”, “Phone”"), "{}", err.message);
    assert_eq!(err.details.unwrap()["headers"][2], "Phone");
}

#[test]
fn two_gigabyte_file_is_refused_from_its_metadata() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge.csv");
    let file = std::fs::File::create(&path).unwrap();
    file.set_len(2 * 1024 * 1024 * 1024).unwrap(); // sparse: nothing is written or read
    let err = inspect(&path).unwrap_err();
    assert!(err.message.contains("2.0 GiB") && err.message.contains("512 MiB"), "{}", err.message);
}

#[test]
fn too_many_rows_are_refused_with_the_limit() {
    let (_d, path) = file_with(b"Email\na@example.com\nb@example.com\nc@example.com\nd@example.com\n");
    let inspection = inspect_with(&path, &Limits { max_rows: 3, ..Limits::default() }).unwrap();
    let err = validate(&path, &inspection, &inspection.suggested(), &NoExistingMembers, &BTreeSet::new(), &mut |_| {})
        .unwrap_err();
    assert!(err.message.contains("more than 3 data rows"), "{}", err.message);
}

#[test]
fn a_quote_that_never_closes_is_reported_with_its_line() {
    let mut text = String::from("Email,Name\na@example.com,A\nb@example.com,\"B\n");
    for i in 0..200 {
        text.push_str(&format!("x{i}@example.com,X\n"));
    }
    let (_d, path) = file_with(text.as_bytes());
    let inspection = inspect_with(&path, &Limits { max_record_bytes: 512, sample_bytes: 64, ..Limits::default() });
    let inspection = match inspection {
        Ok(inspection) => inspection,
        Err(err) => panic!("{}", err.message),
    };
    let err = validate(&path, &inspection, &inspection.suggested(), &NoExistingMembers, &BTreeSet::new(), &mut |_| {})
        .unwrap_err();
    assert!(err.message.contains("line 3") && err.message.contains("never"), "{}", err.message);
}

#[test]
fn nothing_panics_on_arbitrary_bytes() {
    // A cheap deterministic fuzz: every prefix-mutation of a realistic file must give Ok or a
    // clear InvalidInput error.
    let base =
        "Sales export\n\nEmail;Name;Role\n\"a@example.com\";\"Yamada, Taro\";admin\nb@example.com;B;\n".as_bytes();
    let mut seed: u32 = 12345;
    for _ in 0..300 {
        let mut bytes = base.to_vec();
        for _ in 0..4 {
            seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
            let pos = (seed as usize >> 8) % bytes.len();
            bytes[pos] = (seed >> 16) as u8;
        }
        let (_d, path) = file_with(&bytes);
        if let Ok(inspection) = inspect(&path) {
            let mapping = inspection.suggested();
            let _ = preview(&path, &inspection, &mapping, 0, 10);
            let _ = validate(&path, &inspection, &mapping, &NoExistingMembers, &BTreeSet::new(), &mut |_| {});
        }
    }
}

// ---------------------------------------------------------------- writing

#[test]
fn csv_safe_neutralises_formula_payloads() {
    let table = [
        ("=HYPERLINK(\"http://evil.example\",\"click\")", "'=HYPERLINK(\"http://evil.example\",\"click\")"),
        ("@SUM(1)", "'@SUM(1)"),
        ("-2+3", "'-2+3"),
        ("+81 3 1234", "'+81 3 1234"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("＝1+1", "'＝1+1"),
        ("taro@example.com", "taro@example.com"),
        ("Yamada", "Yamada"),
        ("", ""),
        ("a=b", "a=b"),
        ("\n=1", "'\n=1"),
        (" =cmd|' /C calc'!A0", "' =cmd|' /C calc'!A0"),
        ("|=1+1", "'|=1+1"),
        ("\n\n@SUM(1)", "'\n\n@SUM(1)"),
        ("　＝1", "'　＝1"),
        (" Yamada", " Yamada"),
        ("|pipe", "|pipe"),
    ];
    for (input, expected) in table {
        assert_eq!(csv_safe(input), expected, "{input:?}");
    }
}

#[test]
fn results_csv_has_bom_original_columns_and_guarded_cells() {
    let headers: Vec<String> = ["Email", "氏名"].iter().map(|s| s.to_string()).collect();
    let rows = vec![
        ResultRow {
            cells: vec!["taro@example.com".into(), "山田 太郎".into()],
            result: "invited".into(),
            reason: String::new(),
        },
        ResultRow {
            cells: vec!["=cmd|' /C calc'!A0".into()],
            result: "invalid".into(),
            reason: "-not an address".into(),
        },
        ResultRow {
            cells: vec!["b@example.com".into(), "B".into(), "extra".into()],
            result: "skipped".into(),
            reason: "Already a member.".into(),
        },
    ];
    let mut out = Vec::new();
    write_results(&mut out, &headers, rows).unwrap();
    assert!(out.starts_with(b"\xEF\xBB\xBF"));
    let mut reader = ::csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(&out[3..]);
    let records: Vec<Vec<String>> = reader.records().map(|r| r.unwrap().iter().map(str::to_string).collect()).collect();
    assert_eq!(records[0], vec!["Email", "氏名", "Result", "Reason"]);
    assert_eq!(records[1], vec!["taro@example.com", "山田 太郎", "invited", ""]);
    assert_eq!(records[2], vec!["'=cmd|' /C calc'!A0", "", "invalid", "'-not an address"]);
    assert_eq!(records[3], vec!["b@example.com", "B", "skipped", "Already a member.", "extra"]);
}

#[test]
fn template_has_bom_and_maps_itself() {
    let bytes = template();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
    let mut filled = bytes.clone();
    filled.extend_from_slice("taro@example.com,太郎,山田,admin,営業部\r\n".as_bytes());
    let (_d, path) = file_with(&filled);
    let inspection = inspect(&path).unwrap();
    assert_eq!(inspection.suggested_mapping.len(), 5);
    assert!(inspection.suggestions.iter().all(|s| s.confidence == 1.0));
    assert_eq!(report_for(&path, &inspection).valid, 1);
}

// ---------------------------------------------------------------- streaming

#[test]
fn large_file_is_estimated_from_the_sample_and_counted_exactly_by_validation() {
    let mut text = String::from("Email,First Name,Last Name\n");
    for i in 0..20_000 {
        text.push_str(&format!("user{i}@example.com,First{i},Last{i}\n"));
    }
    let (_d, path) = file_with(text.as_bytes());
    let inspection = inspect(&path).unwrap();
    assert!(!inspection.rows_exact);
    let estimate = inspection.estimated_rows as f64;
    assert!((estimate - 20_000.0).abs() < 2_000.0, "{estimate}");
    let page = preview(&path, &inspection, &inspection.suggested(), 0, 50).unwrap();
    assert_eq!(page.rows.len(), 50);
    let report = report_for(&path, &inspection);
    assert_eq!((report.rows, report.valid), (20_000, 20_000));
}

#[test]
fn line_numbers_follow_lf_crlf_and_lone_cr_even_split_across_reads() {
    let text = b"a\r\n\r\nb\rc\n\nd\r\n";
    // Record starts as the csv parser reports them: after each record's terminator.
    for chunk_size in [1, 2, 3, text.len()] {
        let mut marks = lines::LineMarks::default();
        for chunk in text.chunks(chunk_size) {
            marks.feed(chunk);
        }
        assert_eq!(marks.line_of(0), 1, "a, chunks of {chunk_size}");
        assert_eq!(marks.line_of(2), 3, "b after a blank CRLF line");
        assert_eq!(marks.line_of(7), 4, "c after a lone CR");
        assert_eq!(marks.line_of(9), 6, "d after a blank LF line");
    }
}

#[test]
fn classic_mac_line_endings_are_read() {
    let (_d, path, inspection) = inspected("Email,Name\rtaro@example.com,Taro\r\rann@example.com,Ann\r");
    let rows = page(&path, &inspection);
    assert_eq!(rows.iter().map(|r| (r.row, r.line)).collect::<Vec<_>>(), vec![(1, 2), (2, 4)]);
}

#[test]
fn excel_sep_directive_and_title_lines_with_an_address_are_skipped() {
    let (_d, path, inspection) = inspected("sep=,\nExported by admin@example.com\nEmail,Name\ntaro@example.com,Taro\n");
    assert_eq!((inspection.delimiter, inspection.header_row), (Delimiter::Comma, Some(3)));
    assert_eq!(page(&path, &inspection)[0].email, "taro@example.com");
    let (_d, _p, inspection) = inspected("sep=;\nEmail;Name\ntaro@example.com;Yamada, Taro\n");
    assert_eq!((inspection.delimiter, inspection.header_row), (Delimiter::Semicolon, Some(2)));
}

#[test]
fn a_file_changed_after_inspection_must_be_chosen_again() {
    let (_d, path, inspection) = inspected(BASIC);
    std::fs::write(&path, format!("{BASIC}late@example.com,Late,Row,user,Ops\n")).unwrap();
    let err = preview(&path, &inspection, &inspection.suggested(), 0, 10).unwrap_err();
    assert!(err.message.contains("changed after it was checked"), "{}", err.message);
}

#[test]
fn a_folder_is_not_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let err = inspect(dir.path()).unwrap_err();
    assert!(err.message.contains("is a folder"), "{}", err.message);
    let err = inspect(&dir.path().join("missing.csv")).unwrap_err();
    assert_eq!(err.code, ErrorCode::NotFound);
}

#[test]
fn ui_types_export_to_typescript_in_snake_case() {
    use ts_rs::TS;
    let cfg = ts_rs::Config::default();
    let inspection = Inspection::decl(&cfg);
    assert!(
        inspection.contains("header_row: number | null") || inspection.contains("header_row: bigint | null"),
        "{inspection}"
    );
    assert!(!inspection.contains("limits"), "{inspection}");
    let report = ValidationReport::decl(&cfg);
    assert!(
        report.contains("issue_counts") && report.contains("mapping: { [key in MemberField]?: string }"),
        "{report}"
    );
    assert!(TextEncoding::decl(&cfg).contains("\"Shift_JIS\""));
    assert!(IssueCode::decl(&cfg).contains("\"duplicate_in_file\""));
    assert_eq!(serde_json::to_value(Delimiter::Tab).unwrap(), "tab");
}

#[test]
fn for_each_page_streams_every_row_once_in_pages_with_the_preview_values() {
    let mut text = String::from("Email,First name\n");
    for i in 0..1_234 {
        text.push_str(&format!("person{i}@example.com,P{i}\n"));
    }
    text.push_str("person7@example.com,Again\n");
    let (_dir, path, inspection) = inspected(&text);
    let mapping = inspection.suggested();
    let mut sizes = Vec::new();
    let mut all = Vec::new();
    let rows = for_each_page(&path, &inspection, &mapping, 500, &mut |page| {
        sizes.push(page.len());
        all.extend_from_slice(page);
        Ok(())
    })
    .unwrap();
    assert_eq!((rows, sizes), (1_235, vec![500, 500, 235]));
    assert_eq!(all[..100], preview(&path, &inspection, &mapping, 0, 100).unwrap().rows[..]);
    assert_eq!(all[1_234].status, RowStatus::Duplicate);
}

// ---------------------------------------------------------------- languages

/// Every issue code, so a new one cannot be added without a row here.
fn every_issue_code() -> Vec<IssueCode> {
    let all = [
        IssueCode::MissingEmail,
        IssueCode::InvalidEmail,
        IssueCode::DuplicateInFile,
        IssueCode::AlreadyMember,
        IssueCode::AlreadyInvited,
        IssueCode::UnknownRole,
        IssueCode::ExtraCells,
    ];
    for code in all {
        match code {
            IssueCode::MissingEmail
            | IssueCode::InvalidEmail
            | IssueCode::DuplicateInFile
            | IssueCode::AlreadyMember
            | IssueCode::AlreadyInvited
            | IssueCode::UnknownRole
            | IssueCode::ExtraCells => {}
        }
    }
    all.to_vec()
}

#[test]
fn the_japanese_ui_shows_no_english_text_for_any_issue_code() {
    let (_d, path, inspection) = inspected(
        "Email,First Name,Role\n\
         ,Nomail,user\n\
         bad@,Bad,user\n\
         dup@example.com,A,user\n\
         dup@example.com,B,user\n\
         member@example.com,M,user\n\
         invited@example.com,I,user\n\
         role@example.com,R,chief\n\
         extra@example.com,E,user,x,y\n",
    );
    let existing: HashMap<String, ExistingKind> = [
        ("member@example.com".to_owned(), ExistingKind::Member),
        ("invited@example.com".to_owned(), ExistingKind::Invited),
    ]
    .into();
    let report =
        validate(&path, &inspection, &inspection.suggested(), &existing, &BTreeSet::new(), &mut |_| {}).unwrap();
    let japanese = regex::Regex::new(r"[\p{Hiragana}\p{Katakana}\p{Han}]").unwrap();
    // Words of three or more Latin letters that are not the row's own values or product names.
    let address = regex::Regex::new(r"\S+@\S*").unwrap();
    let english = regex::Regex::new(r"\b(?:the|is|row|email|address|already|member|role|cell|ignored)\b").unwrap();
    for code in every_issue_code() {
        let issue = report.issues.iter().find(|i| i.code == code).unwrap_or_else(|| panic!("no {code:?} issue"));
        let ja = issue.message.render(crate::Lang::Ja);
        assert!(issue.message.key().is_some(), "{code:?} is not a catalogue message: {}", issue.message);
        assert!(japanese.is_match(&ja), "{code:?} is not Japanese: {ja}");
        let without_values = address.replace_all(&ja, "").to_lowercase();
        assert!(!english.is_match(&without_values), "{code:?} shows English in Japanese: {ja}");
    }
}

#[test]
fn an_unclosed_quote_stops_the_read_at_the_record_limit_not_at_the_end_of_the_file() {
    // After the quote opened on line 3, 20 MiB of lines follow: the parser would buffer them all
    // as one record. The reader refuses to feed it past the limit (plus its read-ahead).
    let mut text = String::from("Email,Name\na@example.com,A\nb@example.com,\"B\n");
    let line = "x@example.com,X\n";
    text.push_str(&line.repeat(20 * 1024 * 1024 / line.len()));
    let (_d, path) = file_with(text.as_bytes());
    let limits = Limits { max_record_bytes: 4096, sample_bytes: 64, ..Limits::default() };
    let inspection = inspect_with(&path, &limits).unwrap();
    let err = validate(&path, &inspection, &inspection.suggested(), &NoExistingMembers, &BTreeSet::new(), &mut |_| {})
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput);
    assert!(err.message.contains("line 3") && err.message.contains("longer than"), "{}", err.message);
    assert_eq!(err.details.as_ref().and_then(|d| d["line"].as_u64()), Some(3));
}

#[test]
fn the_line_reader_feeds_a_record_no_further_than_its_limit() {
    struct Counted<R>(R, std::rc::Rc<std::cell::Cell<u64>>);
    impl<R: std::io::Read> std::io::Read for Counted<R> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = self.0.read(buf)?;
            self.1.set(self.1.get() + n as u64);
            Ok(n)
        }
    }
    let consumed = std::rc::Rc::new(std::cell::Cell::new(0));
    let endless = std::io::Read::chain(&b"a,b\n\"open"[..], std::io::Read::take(std::io::repeat(b'\n'), 1 << 30));
    let reader = super::lines::LineReader::new(Counted(endless, consumed.clone()), 1 << 20);
    let mut csv = csv::ReaderBuilder::new().has_headers(false).buffer_capacity(64 * 1024).from_reader(reader);
    let mut record = csv::ByteRecord::new();
    assert!(csv.read_byte_record(&mut record).unwrap());
    csv.get_mut().record_start = csv.position().byte();
    let err = csv.read_byte_record(&mut record).unwrap_err();
    assert!(
        matches!(err.kind(), csv::ErrorKind::Io(e) if e.get_ref().is_some_and(|i| i.is::<super::lines::RecordTooLong>()))
    );
    // What was read (and so at most what was buffered) stays within the limit and one read-ahead.
    assert!(consumed.get() <= (1 << 20) + 2 * 64 * 1024, "read {} bytes", consumed.get());
}
