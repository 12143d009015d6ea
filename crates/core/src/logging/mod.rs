//! Tracing to a daily-rotating log file in the workspace's log directory, with every line passed
//! through a redactor so that tokens, secrets and passwords never reach the disk even if a
//! careless `debug!` prints a URL or a header.

use std::io::{self, Write};
use std::sync::LazyLock;

use regex::Regex;
use tracing_appender::rolling::{RollingFileAppender, Rotation};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::{EnvFilter, fmt, prelude::*};

use crate::{Error, ErrorCode, Paths, Result, msg};

/// Environment variable holding a tracing filter (default `info`).
pub const LOG_FILTER_ENV: &str = "LIAISON_LOG";

/// How many daily log files are kept.
pub const KEPT_LOG_FILES: usize = 14;

/// Lines that may wait for the background writer before new ones are dropped. The queue is
/// allocated and written in full when logging starts: `tracing-appender`'s default of 128,000 lines
/// held 4 MB of every process (issue #14); 16,384 (0.5 MB) still absorbs bursts far beyond what
/// Liaison logs.
const BUFFERED_LINES: usize = 16_384;

/// Names whose values are secrets, in snake, camel and kebab case (`access_token`, `accessToken`).
const SECRET_NAMES: &str = r"(?:access[_-]?token|refresh[_-]?token|id[_-]?token|token|client[_-]?secret|code[_-]?verifier|password|passwd|secret|session[_-]?id|api[_-]?key|x-api-key|authorization)";

static PATTERNS: LazyLock<Vec<(Regex, &'static str)>> = LazyLock::new(|| {
    let named = |pattern: &str| Regex::new(&pattern.replace("NAME", SECRET_NAMES)).expect("valid regex");
    vec![
        // Escaped JSON inside a string: \"access_token\":\"…\"
        (named(r#"(?i)\b(NAME\\"\s*:\s*\\")(?:[^\\]|\\[^"])*(\\")"#), "${1}[redacted]${2}"),
        // Quoted values, spaces included: "password": "a b c", secret='x y'
        (named(r#"(?i)\b(NAME"?\s*[=:]\s*")[^"]*(")"#), "${1}[redacted]${2}"),
        (named(r#"(?i)\b(NAME'?\s*[=:]\s*')[^']*(')"#), "${1}[redacted]${2}"),
        // key=value and key: value (a bearer or basic scheme included).
        (named(r#"(?i)\b(NAME\s*[=:]\s*)(?:(?:bearer|basic)\s+)?[^\s&"',;}\\]+"#), "${1}[redacted]"),
        // Bearer tokens anywhere else in a line.
        (Regex::new(r"(?i)\b(bearer\s+)[A-Za-z0-9\-._~+/=:!]+").expect("valid regex"), "${1}[redacted]"),
        // OAuth authorization codes and state in callback and authorize URLs.
        (Regex::new(r"([?&](?:code|state)=)[^\s&#]+").expect("valid regex"), "${1}[redacted]"),
        // Passwords in URLs: scheme://user:password@host
        (Regex::new(r"(://[^/\s:@]+:)[^@\s/]+@").expect("valid regex"), "${1}[redacted]@"),
        // SMTP AUTH PLAIN / LOGIN with its credentials.
        (Regex::new(r"(?i)\b(AUTH\s+(?:PLAIN|LOGIN)\s+)\S+").expect("valid regex"), "${1}[redacted]"),
    ]
});

/// Replaces anything that looks like a credential with `[redacted]`.
pub fn redact(line: &str) -> std::borrow::Cow<'_, str> {
    let mut out = std::borrow::Cow::Borrowed(line);
    for (re, replacement) in PATTERNS.iter() {
        if re.is_match(&out) {
            out = std::borrow::Cow::Owned(re.replace_all(&out, *replacement).into_owned());
        }
    }
    out
}

/// A writer that redacts each formatted event before passing it on.
#[derive(Debug)]
pub struct Redacting<W>(pub W);

impl<W: Write> Write for Redacting<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        // The fmt layer hands over one whole event per call, so patterns never straddle calls.
        let text = String::from_utf8_lossy(buf);
        self.0.write_all(redact(&text).as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

/// Makes [`Redacting`] writers around another `MakeWriter`.
#[derive(Debug, Clone)]
pub struct RedactingMakeWriter<M>(pub M);

impl<'a, M: MakeWriter<'a>> MakeWriter<'a> for RedactingMakeWriter<M> {
    type Writer = Redacting<M::Writer>;

    fn make_writer(&'a self) -> Self::Writer {
        Redacting(self.0.make_writer())
    }
}

/// Keeps the background log writer alive; drop it at exit to flush.
pub struct LogGuard {
    _guard: tracing_appender::non_blocking::WorkerGuard,
}

/// Starts logging to `<log dir>/<component>.log.YYYY-MM-DD`. Fails with a clear message when the
/// log directory cannot be written; returns `Ok(None)` if a global subscriber already exists.
pub fn init(paths: &Paths, component: &str) -> Result<Option<LogGuard>> {
    init_with(paths, component, "info")
}

/// [`init`] with another default filter (used when `LIAISON_LOG` is unset).
pub fn init_with(paths: &Paths, component: &str, default_filter: &str) -> Result<Option<LogGuard>> {
    paths.ensure_log_dir()?;
    restrict_to_owner(&paths.log_dir);
    let appender = RollingFileAppender::builder()
        .rotation(Rotation::DAILY)
        .filename_prefix(component)
        .filename_suffix("log")
        .max_log_files(KEPT_LOG_FILES)
        .build(&paths.log_dir)
        .map_err(|e| {
            Error::new(
                ErrorCode::DataDirUnwritable,
                msg!("logging-cannot-create", path = paths.log_dir.display().to_string(), reason = e.to_string()),
            )
            .caused_by(e)
        })?;
    let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .buffered_lines_limit(BUFFERED_LINES)
        .finish(appender);
    let filter = EnvFilter::try_from_env(LOG_FILTER_ENV).unwrap_or_else(|_| EnvFilter::new(default_filter));
    let layer = fmt::layer().with_ansi(false).with_writer(RedactingMakeWriter(writer));
    match tracing_subscriber::registry().with(filter).with(layer).try_init() {
        Ok(()) => Ok(Some(LogGuard { _guard: guard })),
        Err(_) => Ok(None),
    }
}

#[cfg(unix)]
fn restrict_to_owner(dir: &std::path::Path) {
    use std::os::unix::fs::PermissionsExt;
    // Logs may name customers' email addresses: only the user may read them.
    let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700));
}

#[cfg(not(unix))]
fn restrict_to_owner(_dir: &std::path::Path) {}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    #[test]
    fn redacts_bearer_tokens_and_secret_parameters() {
        let cases = [
            ("Authorization: Bearer 00Dxx0000001gPL!AR8AQJXg", "Authorization: [redacted]"),
            ("GET /x?access_token=abc123&fields=email", "GET /x?access_token=[redacted]&fields=email"),
            (r#"{"refresh_token":"5Aep861","scope":"api"}"#, r#"{"refresh_token":"[redacted]","scope":"api"}"#),
            (
                "client_secret=s3cr3t grant_type=client_credentials",
                "client_secret=[redacted] grant_type=client_credentials",
            ),
            ("callback /cb?code=aPrx4s&state=xyz", "callback /cb?code=[redacted]&state=[redacted]"),
            ("error code=601 message=Unauthorized", "error code=601 message=Unauthorized"),
            (
                r#"body: "{\"access_token\":\"tok 123\",\"expires_in\":3599}""#,
                r#"body: "{\"access_token\":\"[redacted]\",\"expires_in\":3599}""#,
            ),
            (
                "revoke form: token=5Aep861KX&token_type_hint=refresh_token",
                "revoke form: token=[redacted]&token_type_hint=refresh_token",
            ),
            (
                r#"{"accessToken":"abc","clientSecret":"def"}"#,
                r#"{"accessToken":"[redacted]","clientSecret":"[redacted]"}"#,
            ),
            ("proxy https://ada:hunter2@proxy.example.com/x", "proxy https://ada:[redacted]@proxy.example.com/x"),
            ("C: AUTH PLAIN AGFkYQBodW50ZXIy", "C: AUTH PLAIN [redacted]"),
            (r#"{"password": "correct horse battery"}"#, r#"{"password": "[redacted]"}"#),
            ("secret='two words'", "secret='[redacted]'"),
            (
                "authorize https://login/x?client_id=abc&state=s7t4&code_challenge=c",
                "authorize https://login/x?client_id=abc&state=[redacted]&code_challenge=c",
            ),
        ];
        for (input, expected) in cases {
            assert_eq!(redact(input), expected, "input: {input}");
        }
    }

    #[derive(Clone, Default)]
    struct Capture(Arc<Mutex<Vec<u8>>>);

    impl Write for Capture {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn log_lines_written_through_tracing_never_contain_the_secret() {
        let capture = Capture::default();
        let sink = capture.clone();
        let subscriber = tracing_subscriber::registry()
            .with(fmt::layer().with_ansi(false).with_writer(RedactingMakeWriter(move || sink.clone())));
        tracing::subscriber::with_default(subscriber, || {
            tracing::info!(header = "Bearer tok_live_123", "calling Marketo");
            tracing::warn!("token response: access_token=tok_live_456&expires_in=3599");
        });
        let text = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
        assert!(text.contains("calling Marketo") && text.contains("expires_in=3599"), "{text}");
        assert!(!text.contains("tok_live_123") && !text.contains("tok_live_456"), "{text}");
    }
}
