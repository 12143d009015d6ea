//! CSVs Liaison writes for spreadsheets: the results file and the template.

use std::borrow::Cow;
use std::io::Write;

use crate::{Error, Result};

/// The byte-order mark that makes Excel read the file as UTF-8 (Japanese names intact).
const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// Header of the result column appended to the original columns.
pub const RESULT_HEADER: &str = "Result";
/// Header of the reason column appended after [`RESULT_HEADER`].
pub const REASON_HEADER: &str = "Reason";
/// The template's headers; each is an exact alias, so a filled-in template maps itself.
pub const TEMPLATE_HEADERS: [&str; 5] = ["Email", "First name", "Last name", "Role", "Teams"];

/// Neutralises spreadsheet formula injection (OWASP's rule): a cell whose first character is
/// `=`, `+`, `-`, `@`, TAB, CR or LF (or their full-width forms, which Japanese Excel also
/// evaluates) gets a leading `'`, and so does one where such a character follows leading spaces,
/// line breaks or `|` (DDE payloads such as ` =cmd|…` or `|=…`). The spreadsheet shows it as text
/// instead of running it.
pub fn csv_safe(cell: &str) -> Cow<'_, str> {
    let formula = |c: char| matches!(c, '=' | '+' | '-' | '@' | '＝' | '＋' | '－' | '＠');
    let control = |c: char| matches!(c, '\t' | '\r' | '\n');
    let Some(first) = cell.chars().next() else { return Cow::Borrowed(cell) };
    let padded = cell.trim_start_matches(|c: char| matches!(c, ' ' | '\u{3000}' | '|') || control(c));
    if formula(first) || control(first) || (padded.len() < cell.len() && padded.chars().next().is_some_and(formula)) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

/// One row of the results file: the original cells and what happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResultRow {
    /// The row's cells as read from the file.
    pub cells: Vec<String>,
    /// The outcome ("invited", "skipped", "failed", …), chosen by the sender.
    pub result: String,
    /// Why, for the admin ("Already a member.").
    pub reason: String,
}

fn write_error(err: impl std::fmt::Display) -> Error {
    Error::invalid_input(crate::msg!("csv-write-failed", reason = err.to_string()))
}

/// Writes a results CSV row by row, so a million-row file never sits in memory: UTF-8 with BOM,
/// the original headers plus [`RESULT_HEADER`] and [`REASON_HEADER`], every cell through
/// [`csv_safe`]. Short rows are padded so the result columns line up; cells beyond the header
/// (extra cells) are kept after the reason column rather than dropped.
pub struct ResultsWriter<W: Write> {
    writer: csv::Writer<W>,
    width: usize,
}

impl<W: Write> ResultsWriter<W> {
    /// Starts the file with the BOM and the header row.
    pub fn new(mut out: W, headers: &[String]) -> Result<Self> {
        out.write_all(UTF8_BOM).map_err(write_error)?;
        let mut writer = csv::WriterBuilder::new().flexible(true).from_writer(out);
        let header_row =
            headers.iter().map(|h| csv_safe(h)).chain([Cow::Borrowed(RESULT_HEADER), Cow::Borrowed(REASON_HEADER)]);
        writer.write_record(header_row.map(|c| c.into_owned())).map_err(write_error)?;
        Ok(Self { writer, width: headers.len() })
    }

    /// Appends one row: its original cells, then its result and reason.
    pub fn row<'a>(&mut self, cells: impl IntoIterator<Item = &'a str>, result: &str, reason: &str) -> Result<()> {
        let cells: Vec<&str> = cells.into_iter().collect();
        let own = (0..self.width).map(|i| cells.get(i).copied().unwrap_or(""));
        let extra = cells.iter().skip(self.width).copied();
        let record: Vec<Cow<'_, str>> = own.chain([result, reason]).chain(extra).map(csv_safe).collect();
        self.writer.write_record(record.iter().map(|c| c.as_bytes())).map_err(write_error)
    }

    /// Flushes the file.
    pub fn finish(mut self) -> Result<()> {
        self.writer.flush().map_err(write_error)
    }
}

/// Writes a whole results CSV (see [`ResultsWriter`]).
pub fn write_results<W: Write>(out: W, headers: &[String], rows: impl IntoIterator<Item = ResultRow>) -> Result<()> {
    let mut writer = ResultsWriter::new(out, headers)?;
    for row in rows {
        writer.row(row.cells.iter().map(String::as_str), &row.result, &row.reason)?;
    }
    writer.finish()
}

/// The blank template offered for download: UTF-8 with BOM and the [`TEMPLATE_HEADERS`].
/// No example row, so nothing fictitious is invited if it is left in.
pub fn template() -> Vec<u8> {
    let mut out = UTF8_BOM.to_vec();
    out.extend_from_slice(TEMPLATE_HEADERS.join(",").as_bytes());
    out.extend_from_slice(b"\r\n");
    out
}
