//! Streaming the data rows: `preview` (one page) and `validate` (the whole file).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use std::path::Path;
use std::sync::atomic::Ordering;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::check::*;
use super::detect::{Delimiter, Inspection, TextEncoding, file_name};
use super::mapping::{Mapping, MappingByName, MemberField};
use super::source::*;
use super::values::{parse_role, split_full_name, split_teams};
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
