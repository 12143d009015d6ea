//! Reading the sample at the head of a file: the delimiter, the record widths, the header row
//! and the columns with what they seem to hold.

use super::detect::*;
use super::lines::LineMarks;
use super::mapping::*;
use super::values::*;
use super::*;
use crate::{Error, Result, msg};

pub(super) fn sample_reader(text: &str, delimiter: Delimiter) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new().has_headers(false).flexible(true).delimiter(delimiter.byte()).from_reader(text.as_bytes())
}

pub(super) fn is_blank(record: &csv::StringRecord) -> bool {
    record.iter().all(|c| c.trim().is_empty())
}

/// Widths of the non-blank records of the first 200, for delimiter scoring.
pub(super) fn widths(text: &str, delimiter: Delimiter, complete: bool) -> Vec<usize> {
    let mut reader = sample_reader(text, delimiter);
    let mut out = Vec::new();
    let mut record = csv::StringRecord::new();
    while out.len() < 200 {
        match reader.read_record(&mut record) {
            Ok(true) if !is_blank(&record) => out.push(record.len()),
            Ok(true) => {}
            _ => break,
        }
    }
    if !complete && out.len() > 1 && out.len() < 200 {
        out.pop();
    }
    out
}

pub(super) fn modal_width(widths: impl Iterator<Item = usize>) -> usize {
    let mut counts: std::collections::BTreeMap<usize, usize> = std::collections::BTreeMap::new();
    for w in widths {
        *counts.entry(w).or_default() += 1;
    }
    counts.into_iter().max_by(|a, b| a.1.cmp(&b.1).then(a.0.cmp(&b.0))).map_or(1, |(w, _)| w)
}

/// The delimiter giving the most records of one consistent width above 1 (quote-aware: the
/// sample is parsed with each candidate); ties go to the wider split, then to the comma.
pub(super) fn sniff_delimiter(text: &str, complete: bool) -> Delimiter {
    let mut best = (Delimiter::Comma, 0usize, 0usize);
    for delimiter in Delimiter::ALL {
        let widths = widths(text, delimiter, complete);
        let modal = modal_width(widths.iter().copied().filter(|w| *w > 1));
        let score = widths.iter().filter(|w| **w == modal && modal > 1).count();
        if score > best.1 || (score == best.1 && score > 0 && modal > best.2) {
            best = (delimiter, score, modal);
        }
    }
    best.0
}

pub(super) fn parse_sample(
    text: &str,
    delimiter: Delimiter,
    complete: bool,
    limits: &Limits,
) -> Result<Vec<SampleRecord>> {
    let mut reader = sample_reader(text, delimiter);
    let mut records = Vec::new();
    let mut record = csv::StringRecord::new();
    let mut marks = LineMarks::default();
    marks.feed(text.as_bytes());
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {
                let line = marks.line_of(record.position().map_or(0, |p| p.byte()));
                let start = record.position().map_or(0, |p| p.byte() as usize);
                let end = reader.position().byte() as usize;
                if !is_blank(&record) {
                    records.push(SampleRecord {
                        line,
                        cells: record.iter().take(limits.max_columns + 1).map(str::to_string).collect(),
                        bytes: end.saturating_sub(start),
                    });
                }
            }
            Ok(false) => break,
            Err(e) => {
                return Err(Error::invalid_input(msg!("csv-start-unreadable", reason = e.to_string())));
            }
        }
    }
    if !complete {
        // The last record may be cut off by the end of the sample.
        records.pop();
    }
    Ok(records)
}

/// The delimiter named by an Excel `sep=X` first line.
pub(super) fn sep_directive(text: &str) -> Option<Delimiter> {
    let first = text.lines().next()?.trim_end();
    let named = first.strip_prefix("sep=")?;
    Delimiter::ALL.into_iter().find(|d| named.as_bytes() == [d.byte()])
}

pub(super) fn is_sep_directive(cells: &[String]) -> bool {
    cells.first().is_some_and(|c| c.starts_with("sep=")) && cells.iter().map(String::len).sum::<usize>() <= 5
}

pub(super) fn is_texty(cell: &str) -> bool {
    cell.chars().any(char::is_alphabetic)
}

/// The first record that looks like a header: mostly non-empty, distinct text cells, no email
/// addresses, and either an email header or the width of most rows (or a known header name).
/// `None` when the first rows already hold data (a file without a header row).
pub(super) fn find_header(records: &[SampleRecord], modal: usize) -> Option<usize> {
    for (i, record) in records.iter().enumerate().take(50) {
        let cells: Vec<&str> = record.cells.iter().map(|c| c.trim()).collect();
        if i == 0 && is_sep_directive(&record.cells) {
            continue;
        }
        if cells.iter().any(|c| looks_like_email(c)) {
            if cells.len() == 1 && modal > 1 {
                // A title line such as "Exported by admin@example.com".
                continue;
            }
            // Data has started; a header never comes after it.
            return None;
        }
        let non_empty: Vec<&str> = cells.iter().copied().filter(|c| !c.is_empty()).collect();
        if non_empty.is_empty() || non_empty.len() * 2 < cells.len() {
            continue;
        }
        let keys: Vec<String> = non_empty.iter().map(|c| mapping::header_key(c)).collect();
        let distinct = keys.iter().enumerate().all(|(j, k)| !keys[..j].contains(k));
        let texty = non_empty.iter().filter(|c| is_texty(c)).count() * 2 >= non_empty.len();
        let has_email_header = keys.iter().any(|k| mapping::exact_field(k) == Some(MemberField::Email));
        // A repeated header ("Email", "Email") is tolerated next to an email header only.
        if !(distinct || has_email_header) || !texty {
            continue;
        }
        let known = keys.iter().any(|k| mapping::exact_field(k).is_some() || mapping::is_ambiguous_name(k));
        if has_email_header || (cells.len() >= 2 && (cells.len() == modal || known)) {
            return Some(i);
        }
    }
    None
}

pub(super) fn column_letters(mut index: usize) -> String {
    let mut letters = Vec::new();
    loop {
        letters.push((b'A' + (index % 26) as u8) as char);
        if index < 26 {
            break;
        }
        index = index / 26 - 1;
    }
    letters.iter().rev().collect()
}

pub(super) fn build_columns(headers: &[String], data: &[SampleRecord]) -> Vec<Column> {
    let mut columns: Vec<Column> = Vec::with_capacity(headers.len());
    for (index, header) in headers.iter().enumerate() {
        let base = if header.is_empty() { format!("Column {}", column_letters(index)) } else { header.clone() };
        let mut name = base.clone();
        let mut n = 2;
        while columns.iter().any(|c| c.name == name) {
            name = format!("{base} ({n})");
            n += 1;
        }
        let samples = data
            .iter()
            .filter_map(|r| r.cells.get(index).map(|c| c.trim()))
            .filter(|c| !c.is_empty())
            .take(5)
            .map(|c| shorten(c, 80))
            .collect();
        columns.push(Column { index, header: header.clone(), name, samples });
    }
    columns
}

pub(super) fn email_share(data: &[SampleRecord], index: usize) -> f32 {
    let values: Vec<&str> =
        data.iter().filter_map(|r| r.cells.get(index)).map(|c| c.trim()).filter(|c| !c.is_empty()).take(200).collect();
    if values.is_empty() {
        return 0.0;
    }
    values.iter().filter(|v| looks_like_email(v)).count() as f32 / values.len() as f32
}
