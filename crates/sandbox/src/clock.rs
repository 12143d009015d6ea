//! Virtual time: every window, expiry and daily reset is measured on this clock, which runs
//! `time_scale` times faster than the wall clock so a test can live through a 20-second window
//! or a daily quota reset in moments.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Instant;
use time::OffsetDateTime;

#[derive(Debug)]
pub(crate) struct Clock {
    origin: Instant,
    wall0_ms: i64,
    scale: f64,
    offset_ms: AtomicI64,
}

impl Clock {
    pub(crate) fn new(scale: f64) -> Self {
        let wall0_ms = (OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64;
        Clock { origin: Instant::now(), wall0_ms, scale, offset_ms: AtomicI64::new(0) }
    }

    /// Virtual now, in Unix milliseconds.
    pub(crate) fn now_ms(&self) -> i64 {
        let elapsed = self.origin.elapsed().as_secs_f64() * 1000.0 * self.scale;
        self.wall0_ms + elapsed as i64 + self.offset_ms.load(Ordering::Relaxed)
    }

    /// Jumps virtual time forward (control API `POST /clock`).
    pub(crate) fn advance(&self, ms: i64) {
        self.offset_ms.fetch_add(ms.max(0), Ordering::Relaxed);
    }

    /// Real seconds a client must wait for `virtual_ms` of virtual time to pass (for `Retry-After`).
    pub(crate) fn real_secs(&self, virtual_ms: i64) -> u64 {
        let real = virtual_ms.max(0) as f64 / 1000.0 / self.scale;
        (real.ceil() as u64).max(1)
    }
}

pub(crate) fn ms_to_dt(ms: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(ms as i128 * 1_000_000).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// `2026-01-31T12:00:00Z` (Marketo, Dataverse).
pub(crate) fn iso_z(ms: i64) -> String {
    let d = ms_to_dt(ms);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        d.year(),
        u8::from(d.month()),
        d.day(),
        d.hour(),
        d.minute(),
        d.second()
    )
}

/// `2026-01-31T12:00:00.000+0000` (Salesforce).
pub(crate) fn sf_datetime(ms: i64) -> String {
    let d = ms_to_dt(ms);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}+0000",
        d.year(),
        u8::from(d.month()),
        d.day(),
        d.hour(),
        d.minute(),
        d.second(),
        d.millisecond()
    )
}

/// `2026-01-31 12:00:00.000Z` (Adobe Campaign Standard).
pub(crate) fn acs_datetime(ms: i64) -> String {
    let d = ms_to_dt(ms);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}.{:03}Z",
        d.year(),
        u8::from(d.month()),
        d.day(),
        d.hour(),
        d.minute(),
        d.second(),
        d.millisecond()
    )
}

/// `2026-01-31`.
pub(crate) fn date_only(ms: i64) -> String {
    let d = ms_to_dt(ms);
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// Parses the ISO-8601 shapes vendors and clients send: `2026-01-31`, `2026-01-31T12:00:00Z`,
/// `...T12:00:00.000+0000`, `...T12:00:00-08:00`, `2026-01-31 12:00:00.000Z`.
pub(crate) fn parse_datetime(s: &str) -> Option<i64> {
    let s = s.trim();
    let b = s.as_bytes();
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let part = s.get(r)?;
        if part.bytes().all(|c| c.is_ascii_digit()) { part.parse().ok() } else { None }
    };
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let month = time::Month::try_from(u8::try_from(mo).ok()?).ok()?;
    let date = time::Date::from_calendar_date(y as i32, month, u8::try_from(d).ok()?).ok()?;
    let mut secs_of_day = 0i64;
    let mut millis = 0i64;
    let mut offset_secs = 0i64;
    if b.len() > 10 {
        if b[10] != b'T' && b[10] != b' ' {
            return None;
        }
        let (h, mi) = (num(11..13)?, num(14..16)?);
        let mut i = 16;
        let mut sec = 0;
        if b.get(16) == Some(&b':') {
            sec = num(17..19)?;
            i = 19;
        }
        if b.get(i) == Some(&b'.') {
            let start = i + 1;
            let mut end = start;
            while end < b.len() && b[end].is_ascii_digit() {
                end += 1;
            }
            let frac = s.get(start..end)?;
            let padded = format!("{frac:0<3}");
            millis = padded.get(0..3)?.parse().ok()?;
            i = end;
        }
        if h > 23 || mi > 59 || sec > 60 {
            return None;
        }
        secs_of_day = h * 3600 + mi * 60 + sec;
        let rest = s.get(i..)?;
        match rest {
            "" | "Z" | "z" => {}
            _ => {
                let sign = match rest.as_bytes()[0] {
                    b'+' => 1,
                    b'-' => -1,
                    _ => return None,
                };
                let digits: String = rest[1..].chars().filter(|c| *c != ':').collect();
                if digits.len() != 4 || !digits.bytes().all(|c| c.is_ascii_digit()) {
                    return None;
                }
                let oh: i64 = digits[0..2].parse().ok()?;
                let om: i64 = digits[2..4].parse().ok()?;
                offset_secs = sign * (oh * 3600 + om * 60);
            }
        }
    }
    let days = date.to_julian_day() as i64
        - time::Date::from_calendar_date(1970, time::Month::January, 1).ok()?.to_julian_day() as i64;
    Some((days * 86_400 + secs_of_day - offset_secs) * 1000 + millis)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_vendor_datetime_shapes_to_the_same_instant() {
        let z = parse_datetime("2026-01-31T12:00:00Z").unwrap();
        assert_eq!(parse_datetime("2026-01-31T12:00:00.000+0000"), Some(z));
        assert_eq!(parse_datetime("2026-01-31T04:00:00-08:00"), Some(z));
        assert_eq!(parse_datetime("2026-01-31 12:00:00.000Z"), Some(z));
        assert_eq!(iso_z(z), "2026-01-31T12:00:00Z");
        assert_eq!(sf_datetime(z), "2026-01-31T12:00:00.000+0000");
        assert!(parse_datetime("2026-13-01").is_none());
        assert!(parse_datetime("garbage").is_none());
    }

    #[test]
    fn time_scale_speeds_up_virtual_time() {
        let c = Clock::new(1000.0);
        let a = c.now_ms();
        std::thread::sleep(std::time::Duration::from_millis(20));
        assert!(c.now_ms() - a >= 19_000);
        assert_eq!(c.real_secs(300_000), 1);
    }
}
