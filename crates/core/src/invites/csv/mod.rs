//! Reading an invitation CSV: encoding, delimiter, header row, mapping, preview, validation.
//!
//! The "Invite via CSV" wizard (choose a file → mapping review → preview and validation → send →
//! summary) runs on this module for its first three steps and for the files it writes:
//!
//! 1. [`inspect`] reads a bounded sample (the first and last [`Limits::sample_bytes`] of the file)
//!    and finds the encoding, the delimiter, the header row (even below title lines) and a
//!    suggested [`Mapping`] of columns to member fields, each with a confidence.
//! 2. The admin reviews the [`Mapping`]; it saves as field → column header ([`MappingByName`])
//!    and loads back against a header list; [`headers_signature`] recognises files with the same
//!    headers so a saved mapping can be offered again.
//! 3. [`preview`] reads only the rows a page needs; [`validate`] streams the whole file and
//!    returns totals and the first [`Limits::max_issues`] issues ([`ValidationReport`]).
//!
//! [`write_results`] and [`template`] write CSVs for spreadsheets: UTF-8 with a BOM (so Excel
//! shows Japanese correctly) and every text cell passed through [`csv_safe`].
//!
//! Nothing here holds a whole file in memory: the sample is bounded, rows are streamed, and
//! duplicate detection keeps a 16-byte digest per distinct address rather than the address.

mod check;
mod detect;
mod lines;
mod mapping;
mod rows;
mod sniff;
mod source;
mod values;
mod write;

#[cfg(test)]
mod tests;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

pub use detect::{Column, Delimiter, Inspection, TextEncoding, inspect, inspect_with};
pub use mapping::{
    ColumnSuggestion, Mapping, MappingByName, MemberField, SuggestionReason, fold_text, headers_signature,
};
pub use rows::{
    ExistingKind, ExistingMembers, IssueCode, MAX_PREVIEW_ROWS, NoExistingMembers, PreviewPage, PreviewRow, RowIssue,
    RowStatus, Severity, ValidationProgress, ValidationReport, for_each_page, for_each_record, preview,
    preview_marking, validate,
};
pub use values::{EmailProblem, check_email, normalize_email, parse_role, split_full_name, split_teams};
pub use write::{
    REASON_HEADER, RESULT_HEADER, ResultRow, ResultsWriter, TEMPLATE_HEADERS, csv_safe, template, write_results,
};

/// The largest file Liaison reads (512 MiB); bigger files are refused from their metadata.
pub const MAX_FILE_BYTES: u64 = 512 * 1024 * 1024;
/// The most data rows one file may hold.
pub const MAX_DATA_ROWS: u64 = 1_000_000;
/// How many issues a validation report keeps (the total is always counted).
pub const MAX_ISSUES: usize = 1_000;
/// How many bytes [`inspect`] reads from the start (and from the end) of the file.
pub const SAMPLE_BYTES: usize = 64 * 1024;
/// The most columns a row may have.
pub const MAX_COLUMNS: usize = 1_000;
/// The longest single row, in bytes; longer usually means a quote that is never closed.
pub const MAX_RECORD_BYTES: usize = 1024 * 1024;
/// [`validate`] reports progress at most once per this many rows.
pub const PROGRESS_EVERY_ROWS: u64 = 10_000;

/// The limits a read enforces. [`Limits::default`] holds the documented constants; tests and
/// callers with special needs can lower them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Limits {
    /// Largest accepted file size in bytes ([`MAX_FILE_BYTES`]).
    pub max_file_bytes: u64,
    /// Most data rows ([`MAX_DATA_ROWS`]).
    pub max_rows: u64,
    /// Issues kept in a report ([`MAX_ISSUES`]).
    pub max_issues: usize,
    /// Bytes sampled by [`inspect`] at each end of the file ([`SAMPLE_BYTES`]).
    pub sample_bytes: usize,
    /// Most columns per row ([`MAX_COLUMNS`]).
    pub max_columns: usize,
    /// Longest row in bytes ([`MAX_RECORD_BYTES`]).
    pub max_record_bytes: usize,
    /// Rows between two progress reports ([`PROGRESS_EVERY_ROWS`]).
    pub progress_every_rows: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_file_bytes: MAX_FILE_BYTES,
            max_rows: MAX_DATA_ROWS,
            max_issues: MAX_ISSUES,
            sample_bytes: SAMPLE_BYTES,
            max_columns: MAX_COLUMNS,
            max_record_bytes: MAX_RECORD_BYTES,
            progress_every_rows: PROGRESS_EVERY_ROWS,
        }
    }
}

/// Formats a count with thousands separators for admin-facing messages ("1,000,000").
pub(crate) fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// Formats a byte size for messages ("512 MiB", "2.0 GiB").
pub(crate) fn human_size(bytes: u64) -> String {
    const KIB: f64 = 1024.0;
    let b = bytes as f64;
    if b >= KIB * KIB * KIB {
        format!("{:.1} GiB", b / (KIB * KIB * KIB))
    } else if b >= KIB * KIB {
        let mib = b / (KIB * KIB);
        if mib.fract() == 0.0 { format!("{mib:.0} MiB") } else { format!("{mib:.1} MiB") }
    } else if b >= KIB {
        format!("{:.1} KiB", b / KIB)
    } else {
        format!("{bytes} bytes")
    }
}

/// Shortens a user-supplied value for quoting in a message.
pub(crate) fn shorten(value: &str, max_chars: usize) -> String {
    let mut chars = value.chars();
    let head: String = chars.by_ref().take(max_chars).collect();
    if chars.next().is_some() { format!("{head}…") } else { head }
}
