//! Line numbers for records. The csv crate's own line count skips blank lines, so Liaison
//! tracks line breaks in the (decoded) stream itself and maps each record's start to its line.

use std::collections::VecDeque;
use std::io::Read;

/// Line breaks seen so far (`\n`, `\r\n` or a lone `\r`), as byte ranges, with the count of
/// those already passed. Memory stays bounded: breaks are dropped once a record starts after
/// them, so at most one read buffer's worth is kept.
#[derive(Debug, Default)]
pub(crate) struct LineMarks {
    breaks: VecDeque<(u64, u64)>,
    pos: u64,
    pending_cr: Option<u64>,
    passed: u64,
}

impl LineMarks {
    /// Records the line breaks in the next chunk of the stream.
    pub fn feed(&mut self, chunk: &[u8]) {
        let base = self.pos;
        let mut rest = chunk;
        let mut offset = 0u64;
        if let Some(cr) = self.pending_cr.take() {
            if chunk.first() == Some(&b'\n') {
                self.breaks.push_back((cr, base + 1));
                rest = &chunk[1..];
                offset = 1;
            } else if !chunk.is_empty() {
                self.breaks.push_back((cr, cr + 1));
            } else {
                self.pending_cr = Some(cr);
            }
        }
        let mut i = 0;
        while i < rest.len() {
            match rest[i] {
                b'\n' => {
                    let at = base + offset + i as u64;
                    self.breaks.push_back((at, at + 1));
                }
                b'\r' => {
                    let at = base + offset + i as u64;
                    match rest.get(i + 1) {
                        Some(b'\n') => {
                            self.breaks.push_back((at, at + 2));
                            i += 1;
                        }
                        Some(_) => self.breaks.push_back((at, at + 1)),
                        None => self.pending_cr = Some(at),
                    }
                }
                _ => {}
            }
            i += 1;
        }
        self.pos += chunk.len() as u64;
    }

    /// The 1-based line of a record whose reading started at byte `start` (the end of the
    /// previous record): breaks before it are passed, and blank lines the parser skipped at its
    /// beginning move it down.
    pub fn line_of(&mut self, start: u64) -> u64 {
        let mut pos = start;
        while let Some(&(begin, end)) = self.breaks.front() {
            if begin >= start {
                break;
            }
            // A record may start inside the previous one's `\r\n`.
            pos = pos.max(end);
            self.breaks.pop_front();
            self.passed += 1;
        }
        while let Some(&(begin, end)) = self.breaks.front() {
            if begin != pos {
                break;
            }
            pos = end;
            self.breaks.pop_front();
            self.passed += 1;
        }
        self.passed + 1
    }
}

/// A reader that notes line breaks as the csv parser pulls bytes through it, and refuses to
/// feed a record past a size limit: the parser buffers a whole record (after an unclosed quote,
/// the rest of the file), so the limit has to hold while it reads, not after.
pub(crate) struct LineReader<R> {
    pub inner: R,
    pub marks: LineMarks,
    /// Where the record being read started (the end of the one before).
    pub record_start: u64,
    /// The most bytes one record may take, read-ahead included; `u64::MAX` for none.
    pub record_limit: u64,
}

/// The error a [`LineReader`] stops with when a record outgrows its limit.
#[derive(Debug)]
pub(crate) struct RecordTooLong;

impl std::fmt::Display for RecordTooLong {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a record is longer than the limit")
    }
}

impl std::error::Error for RecordTooLong {}

impl<R> LineReader<R> {
    pub fn new(inner: R, record_limit: u64) -> Self {
        Self { inner, marks: LineMarks::default(), record_start: 0, record_limit }
    }
}

impl<R: Read> Read for LineReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.marks.pos.saturating_sub(self.record_start) > self.record_limit {
            return Err(std::io::Error::new(std::io::ErrorKind::InvalidData, RecordTooLong));
        }
        let n = self.inner.read(buf)?;
        self.marks.feed(&buf[..n]);
        Ok(n)
    }
}
