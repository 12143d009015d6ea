//! `inspect`: encoding, delimiter, header row and suggested mapping, from a bounded sample.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use chardetng::{EncodingDetector, Iso2022JpDetection, Utf8Detection};
use encoding_rs::{DecoderResult, Encoding};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::mapping::{self, ColumnSuggestion, Mapping, MappingByName, MemberField, list_names};
use super::sniff::*;
use super::{Limits, human_size, thousands};
use crate::i18n::Text;
use crate::{Error, Result, msg};

/// A text encoding Liaison reads, serialised as its WHATWG label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
pub enum TextEncoding {
    #[serde(rename = "UTF-8")]
    Utf8,
    #[serde(rename = "UTF-16LE")]
    Utf16Le,
    #[serde(rename = "UTF-16BE")]
    Utf16Be,
    /// Shift_JIS as Windows writes it (CP932), which is what WHATWG's Shift_JIS decodes.
    #[serde(rename = "Shift_JIS")]
    ShiftJis,
    #[serde(rename = "windows-1252")]
    Windows1252,
}

impl TextEncoding {
    /// The WHATWG label.
    pub fn label(self) -> &'static str {
        self.encoding().name()
    }

    pub(crate) fn encoding(self) -> &'static Encoding {
        match self {
            Self::Utf8 => encoding_rs::UTF_8,
            Self::Utf16Le => encoding_rs::UTF_16LE,
            Self::Utf16Be => encoding_rs::UTF_16BE,
            Self::ShiftJis => encoding_rs::SHIFT_JIS,
            Self::Windows1252 => encoding_rs::WINDOWS_1252,
        }
    }
}

/// The character between cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Delimiter {
    Comma,
    Semicolon,
    Tab,
    Pipe,
}

impl Delimiter {
    pub(super) const ALL: [Delimiter; 4] = [Delimiter::Comma, Delimiter::Semicolon, Delimiter::Tab, Delimiter::Pipe];

    /// The byte.
    pub fn byte(self) -> u8 {
        match self {
            Self::Comma => b',',
            Self::Semicolon => b';',
            Self::Tab => b'\t',
            Self::Pipe => b'|',
        }
    }
}

/// One column of the file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct Column {
    /// Zero-based position.
    pub index: usize,
    /// The header exactly as in the file (trimmed); empty when the cell is empty.
    pub header: String,
    /// A unique display name: the header, "Column C" for an empty header or a file without a
    /// header row, and "Email (2)" for a repeated header. Mappings refer to columns by this name.
    pub name: String,
    /// Up to five non-empty values from the first rows, for the mapping review.
    pub samples: Vec<String>,
}

/// What [`inspect`] learnt about a file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct Inspection {
    /// File size in bytes.
    pub file_size: u64,
    pub encoding: TextEncoding,
    /// Whether the file starts with a byte-order mark.
    pub bom: bool,
    pub delimiter: Delimiter,
    /// The 1-based line of the header row; `None` when the file has no header row (the first
    /// row already holds addresses).
    pub header_row: Option<u64>,
    pub columns: Vec<Column>,
    /// Suggested column per field with its confidence.
    pub suggestions: Vec<ColumnSuggestion>,
    /// Columns the suggested mapping leaves unused.
    pub unmapped_columns: Vec<usize>,
    /// The suggested mapping, field → column name.
    pub suggested_mapping: MappingByName,
    /// [`super::headers_signature`] of the headers, to find a saved mapping.
    pub headers_signature: String,
    /// Data rows: exact when the whole file fit in the sample, otherwise estimated from its size.
    pub estimated_rows: u64,
    /// Whether `estimated_rows` is exact.
    pub rows_exact: bool,
    /// Things the admin should know ("the encoding was guessed …").
    pub notes: Vec<Text>,
    /// The limits the later steps enforce.
    #[serde(skip)]
    #[ts(skip)]
    pub limits: Limits,
}

impl Inspection {
    /// Column display names, in order.
    pub fn column_names(&self) -> Vec<String> {
        self.columns.iter().map(|c| c.name.clone()).collect()
    }

    /// The original header cells, in order.
    pub fn headers(&self) -> Vec<String> {
        self.columns.iter().map(|c| c.header.clone()).collect()
    }

    /// The suggested mapping, ready to edit.
    pub fn suggested(&self) -> Mapping {
        Mapping::from_suggestions(self.column_names(), &self.suggestions)
    }

    /// Lines up to and including the header row; data starts after it.
    pub(crate) fn skip_through_line(&self) -> u64 {
        self.header_row.unwrap_or(0)
    }

    /// Bytes to skip at the start (the byte-order mark).
    pub(crate) fn bom_len(&self) -> u64 {
        match (self.bom, self.encoding) {
            (false, _) => 0,
            (true, TextEncoding::Utf8) => 3,
            (true, _) => 2,
        }
    }
}

/// [`inspect_with`] and the default [`Limits`].
pub fn inspect(path: &Path) -> Result<Inspection> {
    inspect_with(path, &Limits::default())
}

pub(crate) fn file_name(path: &Path) -> String {
    path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| path.display().to_string())
}

pub(crate) fn open_error(path: &Path, err: &std::io::Error) -> Error {
    let name = file_name(path);
    match err.kind() {
        std::io::ErrorKind::NotFound => Error::not_found(msg!("csv-file-not-found", name = name)),
        std::io::ErrorKind::PermissionDenied => Error::invalid_input(msg!("csv-file-not-allowed", name = name)),
        _ => Error::invalid_input(msg!("csv-file-unreadable", name = name, reason = err.to_string())),
    }
}

/// Checks size limits from the metadata alone, so a huge file is refused before any read.
pub(crate) fn check_metadata(path: &Path, limits: &Limits) -> Result<u64> {
    let name = file_name(path);
    let meta = std::fs::metadata(path).map_err(|e| open_error(path, &e))?;
    if meta.is_dir() {
        return Err(Error::invalid_input(msg!("csv-file-is-folder", name = name)));
    }
    let size = meta.len();
    if size == 0 {
        return Err(Error::invalid_input(msg!("csv-file-empty", name = name)));
    }
    if size > limits.max_file_bytes {
        return Err(Error::invalid_input(msg!(
            "csv-file-too-large",
            name = name,
            size = human_size(size),
            max = human_size(limits.max_file_bytes),
            rows = thousands(limits.max_rows)
        ))
        .with_details(serde_json::json!({ "size": size, "max_size": limits.max_file_bytes })));
    }
    Ok(size)
}

/// Reads the file's head and tail sample, finds encoding, delimiter, header row and mapping.
pub fn inspect_with(path: &Path, limits: &Limits) -> Result<Inspection> {
    let name = file_name(path);
    let size = check_metadata(path, limits)?;
    let mut file = File::open(path).map_err(|e| open_error(path, &e))?;
    let mut head = Vec::with_capacity(limits.sample_bytes.min(size as usize));
    file.by_ref().take(limits.sample_bytes as u64).read_to_end(&mut head).map_err(|e| open_error(path, &e))?;
    let complete = head.len() as u64 >= size;
    let mut tail = Vec::new();
    if !complete {
        let start = size.saturating_sub(limits.sample_bytes as u64).max(head.len() as u64);
        file.seek(SeekFrom::Start(start)).map_err(|e| open_error(path, &e))?;
        file.take(limits.sample_bytes as u64).read_to_end(&mut tail).map_err(|e| open_error(path, &e))?;
    }
    let mut notes = Vec::new();
    let (encoding, bom) = detect_encoding(&name, &head, &tail, complete, &mut notes)?;
    let bom_len = match (bom, encoding) {
        (false, _) => 0,
        (true, TextEncoding::Utf8) => 3,
        (true, _) => 2,
    };
    let text = decode_sample(&name, &head[bom_len..], encoding, complete)?;
    if text.trim().is_empty() {
        return Err(Error::invalid_input(msg!("csv-file-blank", name = name)));
    }
    // Excel honours a first line "sep=;" naming the delimiter; so does Liaison.
    let delimiter = sep_directive(&text).unwrap_or_else(|| sniff_delimiter(&text, complete));
    let records = parse_sample(&text, delimiter, complete, limits)?;
    if records.is_empty() {
        return Err(Error::invalid_input(msg!(
            "csv-no-complete-row",
            name = name,
            size = human_size(limits.sample_bytes as u64)
        )));
    }
    let modal = modal_width(records.iter().map(|r| r.cells.len()));
    let header_index = find_header(&records, modal);
    let (header_row, headers, data): (Option<u64>, Vec<String>, &[SampleRecord]) = match header_index {
        Some(i) => {
            (Some(records[i].line), records[i].cells.iter().map(|c| c.trim().to_string()).collect(), &records[i + 1..])
        }
        None => {
            let width = records.iter().map(|r| r.cells.len()).max().unwrap_or(1);
            (None, vec![String::new(); width], &records[..])
        }
    };
    if headers.len() > limits.max_columns {
        return Err(Error::invalid_input(msg!(
            "csv-too-many-columns",
            name = name,
            columns = thousands(headers.len() as u64),
            max = thousands(limits.max_columns as u64)
        )));
    }
    if data.is_empty() && complete {
        return Err(Error::invalid_input(msg!("csv-no-data-rows", name = name, headers = list_names(&headers))));
    }
    let columns = build_columns(&headers, data);
    let shares: Vec<f32> = (0..headers.len()).map(|i| email_share(data, i)).collect();
    let suggestions = mapping::suggest(&columns.iter().map(|c| c.header.clone()).collect::<Vec<_>>(), &shares);
    if header_row.is_none() && !shares.iter().any(|s| *s >= 0.6) {
        let first: Vec<String> =
            records.first().map(|r| r.cells.iter().map(|c| c.trim().to_string()).collect()).unwrap_or_default();
        return Err(no_email_column(msg!("csv-no-header-no-email", name = &name), &first));
    }
    if !suggestions.iter().any(|s| s.field == MemberField::Email) {
        return Err(no_email_column(msg!("csv-no-email-column", name = &name), &headers));
    }
    if header_row.is_none() {
        notes.push(msg!("csv-note-no-header"));
    }
    let names: Vec<String> = columns.iter().map(|c| c.name.clone()).collect();
    let suggested = Mapping::from_suggestions(names, &suggestions);
    let (suggested_mapping, unmapped_columns) = (suggested.by_name(), suggested.unmapped_columns());
    let (estimated_rows, rows_exact) = if complete {
        (data.len() as u64, true)
    } else {
        let data_bytes: usize = data.iter().map(|r| r.bytes).sum();
        let per_row = (data_bytes as f64 / data.len().max(1) as f64).max(1.0);
        let header_bytes: usize = records[..header_index.map_or(0, |i| i + 1)].iter().map(|r| r.bytes).sum();
        // The sample is decoded text; scale the file size by the decoded/encoded ratio.
        let ratio = text.len() as f64 / (head.len() - bom_len).max(1) as f64;
        let remaining = (size as f64 - bom_len as f64) * ratio - header_bytes as f64;
        ((remaining / per_row).round().max(data.len() as f64) as u64, false)
    };
    if estimated_rows > limits.max_rows {
        notes.push(msg!("csv-note-too-many-rows", rows = thousands(estimated_rows), max = thousands(limits.max_rows)));
    }
    Ok(Inspection {
        file_size: size,
        encoding,
        bom,
        delimiter,
        header_row,
        headers_signature: mapping::headers_signature(&headers),
        columns,
        suggestions,
        unmapped_columns,
        suggested_mapping,
        estimated_rows,
        rows_exact,
        notes,
        limits: *limits,
    })
}

/// `what` names what was looked at: the first row (no header) or the columns found.
fn no_email_column(what: Text, headers: &[String]) -> Error {
    let listed = list_names(&headers.iter().filter(|h| !h.is_empty()).cloned().collect::<Vec<_>>());
    Error::invalid_input(msg!("csv-add-email-column", what = what, listed = listed))
        .with_details(serde_json::json!({ "headers": headers }))
}

/// BOM, then refusals (spreadsheet/binary files, UTF-16 without BOM), then UTF-8 validity of
/// both samples, then chardetng restricted to the encodings Liaison reads.
fn detect_encoding(
    name: &str,
    head: &[u8],
    tail: &[u8],
    complete: bool,
    notes: &mut Vec<Text>,
) -> Result<(TextEncoding, bool)> {
    if head.starts_with(b"\xEF\xBB\xBF") {
        return Ok((TextEncoding::Utf8, true));
    }
    if head.starts_with(b"\xFF\xFE") {
        return Ok((TextEncoding::Utf16Le, true));
    }
    if head.starts_with(b"\xFE\xFF") {
        return Ok((TextEncoding::Utf16Be, true));
    }
    if head.starts_with(b"PK\x03\x04") {
        return Err(Error::invalid_input(msg!("csv-file-is-xlsx", name = name)));
    }
    if head.starts_with(b"\xD0\xCF\x11\xE0") {
        return Err(Error::invalid_input(msg!("csv-file-is-xls", name = name)));
    }
    if head.starts_with(b"%PDF") {
        return Err(Error::invalid_input(msg!("csv-file-is-pdf", name = name)));
    }
    if looks_like_utf16_without_bom(head) {
        return Err(Error::invalid_input(msg!("csv-file-utf16-no-bom", name = name)));
    }
    if let Some(offset) = binary_evidence(head) {
        let line = head[..offset].iter().filter(|b| **b == b'\n').count() + 1;
        return Err(Error::invalid_input(msg!("csv-file-binary", name = name, line = line))
            .with_details(serde_json::json!({ "line": line })));
    }
    if is_utf8_prefix(head, !complete) && is_utf8_prefix(skip_continuation_bytes(tail), true) {
        return Ok((TextEncoding::Utf8, false));
    }
    let mut detector = EncodingDetector::new(Iso2022JpDetection::Deny);
    detector.feed(head, tail.is_empty());
    if !tail.is_empty() {
        detector.feed(tail, true);
    }
    let guess = detector.guess(None, Utf8Detection::Deny);
    if guess == encoding_rs::SHIFT_JIS {
        notes.push(msg!("csv-note-shift-jis"));
        return Ok((TextEncoding::ShiftJis, false));
    }
    if guess == encoding_rs::WINDOWS_1252 {
        notes.push(msg!("csv-note-windows-1252"));
        return Ok((TextEncoding::Windows1252, false));
    }
    let latin = [
        encoding_rs::WINDOWS_1250,
        encoding_rs::WINDOWS_1254,
        encoding_rs::WINDOWS_1257,
        encoding_rs::WINDOWS_1258,
        encoding_rs::ISO_8859_2,
        encoding_rs::ISO_8859_4,
        encoding_rs::ISO_8859_13,
        encoding_rs::ISO_8859_15,
    ];
    if latin.contains(&guess) {
        notes.push(msg!("csv-note-latin", encoding = guess.name()));
        return Ok((TextEncoding::Windows1252, false));
    }
    Err(Error::invalid_input(msg!("csv-unsupported-encoding", name = name, encoding = guess.name()))
        .with_details(serde_json::json!({ "guessed_encoding": guess.name() })))
}

/// Many NUL bytes at alternating positions: UTF-16 text that lost its BOM.
fn looks_like_utf16_without_bom(head: &[u8]) -> bool {
    let sample = &head[..head.len().min(4096) & !1];
    if sample.len() < 4 {
        return false;
    }
    let pairs = sample.len() / 2;
    let even = sample.iter().step_by(2).filter(|b| **b == 0).count();
    let odd = sample.iter().skip(1).step_by(2).filter(|b| **b == 0).count();
    (even * 10 > pairs * 3 && odd * 20 < pairs) || (odd * 10 > pairs * 3 && even * 20 < pairs)
}

/// The offset of the first sign of a binary file: any NUL byte, or control characters making up
/// more than 1% of the sample (tab, line breaks, form feed, escape and Ctrl-Z are allowed).
fn binary_evidence(head: &[u8]) -> Option<usize> {
    if let Some(pos) = head.iter().position(|b| *b == 0) {
        return Some(pos);
    }
    let is_control = |b: &u8| *b < 0x20 && !matches!(*b, b'\t' | b'\n' | b'\r' | 0x0C | 0x1B | 0x1A) || *b == 0x7F;
    let count = head.iter().filter(|b| is_control(b)).count();
    if count > 0 && count * 100 > head.len() { head.iter().position(is_control) } else { None }
}

fn skip_continuation_bytes(bytes: &[u8]) -> &[u8] {
    let skip = bytes.iter().take(3).take_while(|b| (**b & 0xC0) == 0x80).count();
    &bytes[skip..]
}

/// Valid UTF-8, allowing a character cut off at the end when the sample is truncated.
fn is_utf8_prefix(bytes: &[u8], truncated: bool) -> bool {
    match std::str::from_utf8(bytes) {
        Ok(_) => true,
        Err(e) => truncated && e.error_len().is_none(),
    }
}

/// Decodes the head sample strictly, naming the line of the first undecodable bytes.
fn decode_sample(name: &str, bytes: &[u8], encoding: TextEncoding, complete: bool) -> Result<String> {
    let mut decoder = encoding.encoding().new_decoder_without_bom_handling();
    let mut text = String::with_capacity(bytes.len() + bytes.len() / 2 + 16);
    let capacity = decoder.max_utf8_buffer_length_without_replacement(bytes.len()).unwrap_or(bytes.len() * 3 + 16);
    text.reserve(capacity);
    let (result, _read) = decoder.decode_to_string_without_replacement(bytes, &mut text, complete);
    match result {
        DecoderResult::InputEmpty => Ok(text),
        DecoderResult::Malformed(_, _) => Err(undecodable(name, encoding, text.matches('\n').count() as u64 + 1)),
        DecoderResult::OutputFull => Err(Error::internal(msg!("csv-decoder-full"))),
    }
}

pub(crate) fn undecodable(name: &str, encoding: TextEncoding, line: u64) -> Error {
    let hint = match encoding {
        TextEncoding::Utf8 => msg!("csv-hint-mixed-encodings"),
        _ => msg!("csv-hint-other-encoding"),
    };
    Error::invalid_input(msg!(
        "csv-undecodable",
        name = name,
        line = thousands(line),
        encoding = encoding.label(),
        hint = hint
    ))
    .with_details(serde_json::json!({ "line": line, "encoding": encoding.label() }))
}

/// One non-blank record of the sample.
#[derive(Debug)]
pub(crate) struct SampleRecord {
    pub line: u64,
    pub cells: Vec<String>,
    /// Approximate size in decoded bytes (for the row estimate).
    pub bytes: usize,
}
