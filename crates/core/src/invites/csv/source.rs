//! The data records of a CSV file as the rows code reads them: decoded, after the header,
//! blank lines skipped, the size limits enforced while reading.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use encoding_rs_io::DecodeReaderBytesBuilder;

use super::detect::{Inspection, TextEncoding, check_metadata, file_name, open_error, undecodable};
use super::lines::{LineReader, RecordTooLong};
use super::{Limits, human_size, thousands};
use crate::{Error, Result, msg};

/// Counts bytes read from the file, for progress.
pub(super) struct CountingReader<R> {
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

/// The csv parser's buffer: how far it reads ahead of the record it parses.
const READ_AHEAD: u64 = 64 * 1024;

/// The data records of a file, after the header, blank lines skipped, limits enforced.
pub(super) struct RecordSource {
    reader: csv::Reader<LineReader<Box<dyn Read + Send>>>,
    pub(super) record: csv::StringRecord,
    pub(super) bytes_read: Arc<AtomicU64>,
    name: String,
    encoding: TextEncoding,
    skip_through_line: u64,
    limits: Limits,
    rows: u64,
    line: u64,
}

impl RecordSource {
    pub(super) fn open(path: &Path, inspection: &Inspection) -> Result<Self> {
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
            .buffer_capacity(READ_AHEAD as usize)
            .from_reader(LineReader::new(source, (limits.max_record_bytes as u64).saturating_add(2 * READ_AHEAD)));
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
    pub(super) fn next_row(&mut self) -> Result<Option<(u64, u64)>> {
        loop {
            match self.reader.read_record(&mut self.record) {
                Ok(true) => {}
                Ok(false) => return Ok(None),
                Err(e) => return Err(self.csv_error(e)),
            }
            let end = self.reader.position().byte();
            self.reader.get_mut().record_start = end;
            let start = self.record.position().map_or(0, |p| p.byte());
            let line = self.reader.get_mut().marks.line_of(start);
            self.line = line;
            if line <= self.skip_through_line || self.record.as_slice().trim().is_empty() {
                continue;
            }
            if self.record.as_slice().len() > self.limits.max_record_bytes {
                return Err(self.too_long(line));
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

    fn too_long(&self, line: u64) -> Error {
        Error::invalid_input(msg!(
            "csv-row-too-long",
            line = thousands(line),
            name = &self.name,
            size = human_size(self.limits.max_record_bytes as u64)
        ))
        .with_details(serde_json::json!({ "line": line }))
    }

    pub(super) fn csv_error(&mut self, error: csv::Error) -> Error {
        if let csv::ErrorKind::Io(io) = error.kind()
            && io.get_ref().is_some_and(|inner| inner.is::<RecordTooLong>())
        {
            // The record the parser was in started where the last one ended.
            let start = self.reader.get_ref().record_start;
            let line = self.reader.get_mut().marks.line_of(start);
            return self.too_long(line);
        }
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

    pub(super) fn cell(&self, index: Option<usize>) -> &str {
        index.and_then(|i| self.record.get(i)).unwrap_or("")
    }
}
