//! Streaming the data rows: `preview` (one page) and `validate` (the whole file).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fs::File;
use std::hash::{BuildHasherDefault, DefaultHasher, Hasher};
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use encoding_rs_io::DecodeReaderBytesBuilder;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::detect::{Delimiter, Inspection, TextEncoding, check_metadata, file_name, open_error, undecodable};
use super::lines::{LineMarks, LineReader};
use super::mapping::{Mapping, MappingByName, MemberField};
use super::values::{EmailProblem, check_email, normalize_email_into, parse_role, split_full_name, split_teams};
use super::{Limits, human_size, shorten, thousands};
use crate::i18n::Text;
use crate::members::MemberRole;
use crate::{Error, Result, msg};

/// Whether an address already belongs to the workspace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ExistingKind {
    /// A member (active or otherwise present).
    Member,
    /// Someone with a pending invitation.
    Invited,
}

/// The caller's view of who is already in the workspace.
pub trait ExistingMembers {
    /// Looks up an address normalised with [`super::normalize_email`] (trimmed, lower-cased).
    fn lookup(&self, normalized_email: &str) -> Option<ExistingKind>;
}

/// Nobody exists yet (a new workspace, or tests).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoExistingMembers;

impl ExistingMembers for NoExistingMembers {
    fn lookup(&self, _normalized_email: &str) -> Option<ExistingKind> {
        None
    }
}

impl<S: std::hash::BuildHasher> ExistingMembers for HashMap<String, ExistingKind, S> {
    fn lookup(&self, normalized_email: &str) -> Option<ExistingKind> {
        self.get(normalized_email).copied()
    }
}

impl ExistingMembers for BTreeMap<String, ExistingKind> {
    fn lookup(&self, normalized_email: &str) -> Option<ExistingKind> {
        self.get(normalized_email).copied()
    }
}

/// What is wrong with a row (or worth a warning).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum IssueCode {
    /// The email cell is empty.
    MissingEmail,
    /// The email cell is not a usable address.
    InvalidEmail,
    /// The address appeared on an earlier row (case and surrounding spaces ignored).
    DuplicateInFile,
    /// The address belongs to a member already.
    AlreadyMember,
    /// The address has a pending invitation already.
    AlreadyInvited,
    /// The role cell is not admin/user (管理者/ユーザー).
    UnknownRole,
    /// The row has non-empty cells beyond the header's columns (a warning: they are ignored).
    ExtraCells,
}

impl IssueCode {
    /// Whether the issue keeps the row from being invited.
    pub fn severity(self) -> Severity {
        match self {
            Self::ExtraCells => Severity::Warning,
            _ => Severity::Error,
        }
    }
}

/// Errors skip the row; warnings do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Error,
    Warning,
}

/// One problem on one row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct RowIssue {
    /// 1-based data row (blank lines and the header are not counted).
    pub row: u64,
    /// 1-based line in the file where the row starts.
    pub line: u64,
    /// The field concerned, when there is one.
    pub field: Option<MemberField>,
    pub code: IssueCode,
    pub severity: Severity,
    /// For the admin: what is wrong and what happens to the row.
    pub message: Text,
}

/// What will happen to a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum RowStatus {
    /// Will be invited.
    Valid,
    /// Missing or invalid email, or unknown role.
    Invalid,
    /// Same address as an earlier row.
    Duplicate,
    /// Already a member or already invited.
    Existing,
    /// Excluded by the admin.
    Excluded,
}

/// One row as the invitation will use it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct PreviewRow {
    /// 1-based data row.
    pub row: u64,
    /// 1-based line in the file where the row starts.
    pub line: u64,
    /// The address as it will be sent (trimmed; case kept).
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    /// `None` when the role cell is not a known role.
    pub role: Option<MemberRole>,
    pub teams: Vec<String>,
    pub status: RowStatus,
    pub issues: Vec<RowIssue>,
}

/// A page of rows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct PreviewPage {
    /// Data rows skipped before this page.
    pub offset: u64,
    pub rows: Vec<PreviewRow>,
    /// True when no row follows this page.
    pub end_of_file: bool,
}

/// Progress of [`validate`], reported at most every [`Limits::progress_every_rows`] rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ValidationProgress {
    pub rows: u64,
    pub bytes_read: u64,
    pub total_bytes: u64,
}

/// The outcome of [`validate`]; serialises to the object `liaison invite preview FILE --json`
/// prints. `valid + invalid + duplicates + existing + excluded == rows`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ValidationReport {
    pub encoding: TextEncoding,
    pub delimiter: Delimiter,
    /// 1-based line of the header row (`None`: the file has none).
    pub header_row: Option<u64>,
    /// Data rows read (blank lines not counted).
    pub rows: u64,
    /// The mapping used, field → column header.
    pub mapping: MappingByName,
    /// Rows that will be invited.
    pub valid: u64,
    /// Rows with a missing or invalid email or an unknown role.
    pub invalid: u64,
    /// Rows repeating an earlier row's address.
    pub duplicates: u64,
    /// Rows whose address is already a member or invited.
    pub existing: u64,
    /// Rows the admin excluded.
    pub excluded: u64,
    /// Rows with warnings only (they are still invited).
    pub warnings: u64,
    /// The first issues, in file order (at most [`Limits::max_issues`]).
    pub issues: Vec<RowIssue>,
    /// All issues found, including those not kept.
    pub issue_count: u64,
    /// True when `issues` holds fewer than `issue_count`.
    pub issues_truncated: bool,
    /// Issues per code.
    pub issue_counts: BTreeMap<IssueCode, u64>,
}

/// Counts bytes read from the file, for progress.
struct CountingReader<R> {
    inner: R,
    count: Arc<AtomicU64>,
}

impl<R: Read> Read for CountingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// The data records of a file, after the header, blank lines skipped, limits enforced.
struct RecordSource {
    reader: csv::Reader<LineReader<Box<dyn Read + Send>>>,
    record: csv::StringRecord,
    bytes_read: Arc<AtomicU64>,
    name: String,
    encoding: TextEncoding,
    skip_through_line: u64,
    limits: Limits,
    rows: u64,
    line: u64,
}

impl RecordSource {
    fn open(path: &Path, inspection: &Inspection) -> Result<Self> {
        let limits = inspection.limits;
        if check_metadata(path, &limits)? != inspection.file_size {
            return Err(Error::invalid_input(msg!("csv-file-changed", name = file_name(path))));
        }
        let mut file = File::open(path).map_err(|e| open_error(path, &e))?;
        file.seek(SeekFrom::Start(inspection.bom_len())).map_err(|e| open_error(path, &e))?;
        let bytes_read = Arc::new(AtomicU64::new(inspection.bom_len()));
        let counting = CountingReader { inner: file, count: Arc::clone(&bytes_read) };
        let source: Box<dyn Read + Send> = match inspection.encoding {
            TextEncoding::Utf8 => Box::new(counting),
            other => Box::new(
                DecodeReaderBytesBuilder::new().encoding(Some(other.encoding())).bom_sniffing(false).build(counting),
            ),
        };
        let reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(inspection.delimiter.byte())
            .buffer_capacity(64 * 1024)
            .from_reader(LineReader { inner: source, marks: LineMarks::default() });
        Ok(Self {
            reader,
            record: csv::StringRecord::new(),
            bytes_read,
            name: file_name(path),
            encoding: inspection.encoding,
            skip_through_line: inspection.skip_through_line(),
            limits,
            rows: 0,
            line: 0,
        })
    }

    /// Advances to the next data row; returns its (row, line).
    fn next_row(&mut self) -> Result<Option<(u64, u64)>> {
        loop {
            match self.reader.read_record(&mut self.record) {
                Ok(true) => {}
                Ok(false) => return Ok(None),
                Err(e) => return Err(self.csv_error(e)),
            }
            let start = self.record.position().map_or(0, |p| p.byte());
            let line = self.reader.get_mut().marks.line_of(start);
            self.line = line;
            if line <= self.skip_through_line || self.record.as_slice().trim().is_empty() {
                continue;
            }
            if self.record.as_slice().len() > self.limits.max_record_bytes {
                return Err(Error::invalid_input(msg!(
                    "csv-row-too-long",
                    line = thousands(line),
                    name = &self.name,
                    size = human_size(self.limits.max_record_bytes as u64)
                ))
                .with_details(serde_json::json!({ "line": line })));
            }
            if self.encoding != TextEncoding::Utf8 && self.record.as_slice().contains('\u{FFFD}') {
                return Err(undecodable(&self.name, self.encoding, line));
            }
            if self.record.len() > self.limits.max_columns {
                return Err(Error::invalid_input(msg!(
                    "csv-line-too-many-cells",
                    line = thousands(line),
                    name = &self.name,
                    cells = thousands(self.record.len() as u64),
                    max = thousands(self.limits.max_columns as u64)
                ))
                .with_details(serde_json::json!({ "line": line })));
            }
            self.rows += 1;
            if self.rows > self.limits.max_rows {
                return Err(Error::invalid_input(msg!(
                    "csv-too-many-rows",
                    name = &self.name,
                    max = thousands(self.limits.max_rows)
                ))
                .with_details(serde_json::json!({ "max_rows": self.limits.max_rows, "line": line })));
            }
            return Ok(Some((self.rows, line)));
        }
    }

    fn csv_error(&mut self, error: csv::Error) -> Error {
        match error.kind() {
            csv::ErrorKind::Utf8 { pos, .. } => {
                let line = match pos {
                    Some(p) => self.reader.get_mut().marks.line_of(p.byte()),
                    None => self.line + 1,
                };
                undecodable(&self.name, self.encoding, line)
            }
            csv::ErrorKind::Io(io) => Error::invalid_input(msg!(
                "csv-read-interrupted",
                name = &self.name,
                line = thousands(self.line),
                reason = io.to_string()
            )),
            _ => Error::invalid_input(msg!(
                "csv-parse-failed",
                name = &self.name,
                line = thousands(self.line),
                reason = error.to_string()
            )),
        }
    }

    fn cell(&self, index: Option<usize>) -> &str {
        index.and_then(|i| self.record.get(i)).unwrap_or("")
    }
}

/// A 128-bit digest of a normalised address: two independent SipHash runs. Collisions are
/// astronomically unlikely (about 10⁻²⁶ for a million rows), and the duplicate table stays at
/// 24 bytes per distinct address however long the addresses are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Digest(u64, u64);

impl Digest {
    fn of(normalized: &str) -> Self {
        let mut a = DefaultHasher::new();
        a.write(normalized.as_bytes());
        let mut b = DefaultHasher::new();
        b.write_u8(0xA5);
        b.write(normalized.as_bytes());
        Self(a.finish(), b.finish())
    }
}

impl std::hash::Hash for Digest {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(self.0);
    }
}

/// The keys are already uniform digests; hashing them again would only cost time.
#[derive(Default)]
struct DigestHasher(u64);

impl Hasher for DigestHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*b);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

#[derive(Debug)]
enum EmailFinding {
    Missing,
    Invalid(EmailProblem),
    Ok,
}

/// What the checks found on one row.
#[derive(Debug)]
struct Findings {
    excluded: bool,
    email: EmailFinding,
    duplicate_of: Option<u64>,
    existing: Option<ExistingKind>,
    unknown_role: bool,
    extra_cells: usize,
}

impl Findings {
    fn status(&self) -> RowStatus {
        if self.excluded {
            RowStatus::Excluded
        } else if !matches!(self.email, EmailFinding::Ok) || self.unknown_role {
            RowStatus::Invalid
        } else if self.duplicate_of.is_some() {
            RowStatus::Duplicate
        } else if self.existing.is_some() {
            RowStatus::Existing
        } else {
            RowStatus::Valid
        }
    }

    fn codes(&self) -> impl Iterator<Item = IssueCode> {
        let email = match self.email {
            EmailFinding::Missing => Some(IssueCode::MissingEmail),
            EmailFinding::Invalid(_) => Some(IssueCode::InvalidEmail),
            EmailFinding::Ok => None,
        };
        let existing = self.existing.map(|k| match k {
            ExistingKind::Member => IssueCode::AlreadyMember,
            ExistingKind::Invited => IssueCode::AlreadyInvited,
        });
        [
            email,
            self.duplicate_of.map(|_| IssueCode::DuplicateInFile),
            existing,
            self.unknown_role.then_some(IssueCode::UnknownRole),
            (self.extra_cells > 0).then_some(IssueCode::ExtraCells),
        ]
        .into_iter()
        .flatten()
        .filter(move |_| !self.excluded)
    }
}

/// The per-row checks shared by preview and validation.
struct Checker<'a> {
    email: usize,
    role: Option<usize>,
    width: usize,
    /// First data row (as u32: rows are capped far below 4 billion) per distinct address.
    seen: HashMap<Digest, u32, BuildHasherDefault<DigestHasher>>,
    existing: &'a dyn ExistingMembers,
    excluded: &'a BTreeSet<u64>,
    normalized: String,
}

impl<'a> Checker<'a> {
    fn new(
        mapping: &Mapping,
        existing: &'a dyn ExistingMembers,
        excluded: &'a BTreeSet<u64>,
        expected_rows: u64,
    ) -> Result<Self> {
        mapping.validate()?;
        Ok(Self {
            email: mapping.get(MemberField::Email).unwrap_or(0),
            role: mapping.get(MemberField::Role),
            width: mapping.columns().len(),
            // Sized up front from the estimate: growing the table would briefly hold two copies.
            seen: HashMap::with_capacity_and_hasher(expected_rows as usize, BuildHasherDefault::default()),
            existing,
            excluded,
            normalized: String::new(),
        })
    }

    fn check(&mut self, row: u64, record: &csv::StringRecord) -> Findings {
        let excluded = self.excluded.contains(&row);
        let raw = record.get(self.email).unwrap_or("").trim();
        let email = if raw.is_empty() {
            EmailFinding::Missing
        } else {
            match check_email(raw) {
                Ok(()) => EmailFinding::Ok,
                Err(problem) => EmailFinding::Invalid(problem),
            }
        };
        let mut duplicate_of = None;
        let mut existing = None;
        if matches!(email, EmailFinding::Ok) && !excluded {
            normalize_email_into(raw, &mut self.normalized);
            match self.seen.entry(Digest::of(&self.normalized)) {
                std::collections::hash_map::Entry::Occupied(first) => duplicate_of = Some(u64::from(*first.get())),
                std::collections::hash_map::Entry::Vacant(slot) => {
                    slot.insert(u32::try_from(row).unwrap_or(u32::MAX));
                }
            }
            existing = self.existing.lookup(&self.normalized);
        }
        let unknown_role = self.role.is_some_and(|i| parse_role(record.get(i).unwrap_or("")).is_none());
        let extra_cells = if record.len() > self.width {
            record.iter().skip(self.width).filter(|c| !c.trim().is_empty()).count()
        } else {
            0
        };
        Findings { excluded, email, duplicate_of, existing, unknown_role, extra_cells }
    }

    fn issues(&self, findings: &Findings, row: u64, line: u64, record: &csv::StringRecord) -> Vec<RowIssue> {
        let email = shorten(record.get(self.email).unwrap_or("").trim(), 80);
        findings
            .codes()
            .map(|code| {
                let (field, message) = match code {
                    IssueCode::MissingEmail => (Some(MemberField::Email), msg!("csv-issue-missing-email")),
                    IssueCode::InvalidEmail => {
                        let why = match &findings.email {
                            EmailFinding::Invalid(problem) => problem.explain(),
                            _ => Text::verbatim(""),
                        };
                        (Some(MemberField::Email), msg!("csv-issue-invalid-email", email = &email, reason = why))
                    }
                    IssueCode::DuplicateInFile => (
                        Some(MemberField::Email),
                        msg!(
                            "csv-issue-duplicate-in-file",
                            email = &email,
                            row = thousands(findings.duplicate_of.unwrap_or(0))
                        ),
                    ),
                    IssueCode::AlreadyMember => {
                        (Some(MemberField::Email), msg!("csv-issue-already-member", email = &email))
                    }
                    IssueCode::AlreadyInvited => {
                        (Some(MemberField::Email), msg!("csv-issue-already-invited", email = &email))
                    }
                    IssueCode::UnknownRole => (
                        Some(MemberField::Role),
                        msg!(
                            "csv-issue-unknown-role",
                            role = shorten(record.get(self.role.unwrap_or(0)).unwrap_or("").trim(), 40)
                        ),
                    ),
                    IssueCode::ExtraCells => {
                        let extras: Vec<String> = record
                            .iter()
                            .skip(self.width)
                            .map(str::trim)
                            .filter(|c| !c.is_empty())
                            .take(3)
                            .map(|c| format!("“{}”", shorten(c, 30)))
                            .collect();
                        (None, msg!("csv-issue-extra-cells", count = findings.extra_cells, cells = extras.join(", ")))
                    }
                };
                RowIssue { row, line, field, code, severity: code.severity(), message }
            })
            .collect()
    }
}

/// The largest page [`preview`] returns.
pub const MAX_PREVIEW_ROWS: usize = 1_000;

/// Reads the data rows `offset + 1 ..= offset + limit` (at most [`MAX_PREVIEW_ROWS`]) as the
/// invitation will use them, with their problems. Only the rows up to the page are read.
/// Duplicates are found against every earlier row; existing members are checked by
/// [`validate`], which knows them.
pub fn preview(
    path: &Path,
    inspection: &Inspection,
    mapping: &Mapping,
    offset: u64,
    limit: usize,
) -> Result<PreviewPage> {
    preview_marking(path, inspection, mapping, &NoExistingMembers, offset, limit)
}

/// Like [`preview`], with rows whose address is already a member or invited marked
/// [`RowStatus::Existing`], as the validation will count them.
pub fn preview_marking(
    path: &Path,
    inspection: &Inspection,
    mapping: &Mapping,
    existing: &dyn ExistingMembers,
    offset: u64,
    limit: usize,
) -> Result<PreviewPage> {
    let none = BTreeSet::new();
    let mut checker = Checker::new(mapping, existing, &none, 0)?;
    let mut source = RecordSource::open(path, inspection)?;
    let limit = limit.min(MAX_PREVIEW_ROWS);
    let mut rows = Vec::with_capacity(limit);
    while let Some((row, line)) = source.next_row()? {
        if row <= offset {
            checker.check(row, &source.record);
            continue;
        }
        if rows.len() == limit {
            return Ok(PreviewPage { offset, rows, end_of_file: false });
        }
        rows.push(preview_row(&mut checker, &source, mapping, row, line));
    }
    Ok(PreviewPage { offset, rows, end_of_file: true })
}

/// Streams every data row as the invitation will use it (the same values and checks as
/// [`preview`]), handing them to `f` in pages of `page_size`, in one pass over the file.
/// Returns the number of data rows.
pub fn for_each_page(
    path: &Path,
    inspection: &Inspection,
    mapping: &Mapping,
    page_size: usize,
    f: &mut dyn FnMut(&[PreviewRow]) -> Result<()>,
) -> Result<u64> {
    let none = BTreeSet::new();
    let mut checker = Checker::new(mapping, &NoExistingMembers, &none, inspection.estimated_rows)?;
    let mut source = RecordSource::open(path, inspection)?;
    let page_size = page_size.max(1);
    let mut rows = Vec::with_capacity(page_size);
    let mut count = 0;
    while let Some((row, line)) = source.next_row()? {
        count = row;
        rows.push(preview_row(&mut checker, &source, mapping, row, line));
        if rows.len() == page_size {
            f(&rows)?;
            rows.clear();
        }
    }
    if !rows.is_empty() {
        f(&rows)?;
    }
    Ok(count)
}

/// Streams every data row's cells exactly as read (decoded, not trimmed), with its 1-based data
/// row number: the same rows, in the same order and numbering, as [`for_each_page`]. The results
/// CSV uses it to repeat the file's original columns. Returns the number of data rows.
pub fn for_each_record(
    path: &Path,
    inspection: &Inspection,
    f: &mut dyn FnMut(u64, &csv::StringRecord) -> Result<()>,
) -> Result<u64> {
    let mut source = RecordSource::open(path, inspection)?;
    let mut count = 0;
    while let Some((row, _line)) = source.next_row()? {
        count = row;
        f(row, &source.record)?;
    }
    Ok(count)
}

fn preview_row(checker: &mut Checker<'_>, source: &RecordSource, mapping: &Mapping, row: u64, line: u64) -> PreviewRow {
    let findings = checker.check(row, &source.record);
    let (first_name, last_name) = if mapping.uses_full_name() {
        split_full_name(source.cell(mapping.get(MemberField::FullName)))
    } else {
        (
            source.cell(mapping.get(MemberField::FirstName)).trim().to_string(),
            source.cell(mapping.get(MemberField::LastName)).trim().to_string(),
        )
    };
    PreviewRow {
        row,
        line,
        email: source.cell(mapping.get(MemberField::Email)).trim().to_string(),
        first_name,
        last_name,
        role: parse_role(source.cell(mapping.get(MemberField::Role))),
        teams: split_teams(source.cell(mapping.get(MemberField::Teams))),
        status: findings.status(),
        issues: checker.issues(&findings, row, line, &source.record),
    }
}

/// Streams the whole file and checks every row: email present and valid, not repeated in the
/// file (the first occurrence counts), not already a member or invited (`existing`), role
/// known; extra cells are warnings. Rows in `excluded` (data row numbers) are counted as
/// excluded and neither checked nor claim their address. `progress` is called every
/// [`Limits::progress_every_rows`] rows and once at the end.
pub fn validate(
    path: &Path,
    inspection: &Inspection,
    mapping: &Mapping,
    existing: &dyn ExistingMembers,
    excluded: &BTreeSet<u64>,
    progress: &mut dyn FnMut(&ValidationProgress),
) -> Result<ValidationReport> {
    let expected = inspection.estimated_rows.min(inspection.limits.max_rows);
    let mut checker = Checker::new(mapping, existing, excluded, expected)?;
    let mut source = RecordSource::open(path, inspection)?;
    let limits = inspection.limits;
    let mut report = ValidationReport {
        encoding: inspection.encoding,
        delimiter: inspection.delimiter,
        header_row: inspection.header_row,
        rows: 0,
        mapping: mapping.by_name(),
        valid: 0,
        invalid: 0,
        duplicates: 0,
        existing: 0,
        excluded: 0,
        warnings: 0,
        issues: Vec::new(),
        issue_count: 0,
        issues_truncated: false,
        issue_counts: BTreeMap::new(),
    };
    let every = limits.progress_every_rows.max(1);
    let progress_now = |source: &RecordSource, rows| ValidationProgress {
        rows,
        bytes_read: source.bytes_read.load(Ordering::Relaxed).min(inspection.file_size),
        total_bytes: inspection.file_size,
    };
    while let Some((row, line)) = source.next_row()? {
        let findings = checker.check(row, &source.record);
        let status = findings.status();
        match status {
            RowStatus::Valid => report.valid += 1,
            RowStatus::Invalid => report.invalid += 1,
            RowStatus::Duplicate => report.duplicates += 1,
            RowStatus::Existing => report.existing += 1,
            RowStatus::Excluded => report.excluded += 1,
        }
        let mut found = 0;
        for code in findings.codes() {
            found += 1;
            *report.issue_counts.entry(code).or_default() += 1;
        }
        if found > 0 {
            if status == RowStatus::Valid {
                report.warnings += 1;
            }
            report.issue_count += found;
            if report.issues.len() < limits.max_issues {
                let room = limits.max_issues - report.issues.len();
                report.issues.extend(checker.issues(&findings, row, line, &source.record).into_iter().take(room));
            }
        }
        report.rows = row;
        if row % every == 0 {
            progress(&progress_now(&source, row));
        }
    }
    progress(&progress_now(&source, report.rows));
    report.issues_truncated = (report.issues.len() as u64) < report.issue_count;
    if report.rows == 0 {
        return Err(Error::invalid_input(msg!("csv-header-but-no-rows", name = file_name(path))));
    }
    Ok(report)
}
