//! How the CLI speaks: text for people, JSON for scripts, and exit codes that tell them apart.

use std::process::ExitCode;

use std::cell::Cell;

use liaison_core::i18n::Localized;
use liaison_core::{Error, Lang};
use serde::Serialize;

/// The process outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Everything asked for was done.
    Success,
    /// Some of the work failed (rows, records, checks); the rest was done.
    Partial,
    /// Nothing was done: bad input, an unusable workspace, an unreachable system.
    Error,
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> Self {
        match exit {
            Exit::Success => ExitCode::SUCCESS,
            Exit::Partial => ExitCode::from(3),
            Exit::Error => ExitCode::from(2),
        }
    }
}

/// Writes results to stdout and errors to stderr, as text or JSON.
pub struct Output {
    json: bool,
    /// The language messages from core are shown in: the workspace's, once it is open.
    lang: Cell<Lang>,
}

impl Output {
    pub fn new(json: bool) -> Self {
        Self { json, lang: Cell::new(Lang::of_system()) }
    }

    /// Shows core's messages in `lang` from now on.
    pub fn set_lang(&self, lang: Lang) {
        self.lang.set(lang);
    }

    pub fn json(&self) -> bool {
        self.json
    }

    /// A line for people. Control characters (a CSV cell's escape sequences, say) are shown
    /// escaped, never sent to the terminal.
    pub fn line(&self, text: String) {
        println!("{}", terminal_safe(&text));
    }

    /// Confirms an action: the sentence as text, `{"ok": true, "message": …}` as JSON.
    pub fn done(&self, message: &str) {
        if self.json {
            self.json_value(&serde_json::json!({ "ok": true, "message": message }));
        } else {
            println!("{}", terminal_safe(message));
        }
    }

    /// A text from core in the admin's language.
    pub fn text(&self, text: &liaison_core::Text) -> String {
        text.render(self.lang.get())
    }

    pub fn json_value(&self, value: &impl Serialize) {
        match serde_json::to_string_pretty(&Localized { lang: self.lang.get(), value }) {
            Ok(text) => println!("{text}"),
            Err(e) => eprintln!("error: could not format the result as JSON: {e}"),
        }
    }

    /// Reports an error: `{ "error": { code, message, details } }` on stdout with `--json`
    /// (so scripts read one stream), a sentence on stderr otherwise.
    pub fn error(&self, err: &Error) {
        if self.json {
            self.json_value(&serde_json::json!({ "error": err }));
        } else {
            eprintln!("error: {}", terminal_safe(&err.message.render(self.lang.get())));
        }
    }
}

/// `text` with control characters other than line breaks and tabs escaped (`\u{1b}`), so data
/// shown on a terminal cannot move the cursor, recolour it or rewrite what was printed.
pub fn terminal_safe(text: &str) -> std::borrow::Cow<'_, str> {
    let unsafe_char = |c: char| c.is_control() && c != '\n' && c != '\t';
    if !text.chars().any(unsafe_char) {
        return std::borrow::Cow::Borrowed(text);
    }
    std::borrow::Cow::Owned(
        text.chars().map(|c| if unsafe_char(c) { c.escape_unicode().to_string() } else { c.to_string() }).collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::terminal_safe;

    #[test]
    fn escape_sequences_from_data_never_reach_the_terminal() {
        assert_eq!(terminal_safe("Yamada\tTaro\n"), "Yamada\tTaro\n");
        assert_eq!(terminal_safe("\u{1b}[2J\u{1b}]0;owned\u{7}name"), "\\u{1b}[2J\\u{1b}]0;owned\\u{7}name");
        assert_eq!(terminal_safe("a\rb\u{9b}c"), "a\\u{d}b\\u{9b}c");
    }
}
