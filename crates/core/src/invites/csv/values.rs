//! Cell values: email addresses, roles, names and teams as the invitation will use them.

use std::borrow::Cow;

use idna::uts46::{AsciiDenyList, DnsLength, Hyphens, Uts46};

use super::mapping::fold_text;
use crate::i18n::Text;
use crate::members::MemberRole;
use crate::msg;

/// Why an email address cannot be used. [`EmailProblem::explain`] gives the admin-facing reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EmailProblem {
    /// Contains a space or other whitespace inside the address.
    Whitespace,
    /// Uses full-width characters (typed with a Japanese input method).
    FullWidth,
    /// No `@` at all.
    NoAt,
    /// More than one `@` (quoted local parts are not accepted).
    SeveralAt,
    /// Nothing before the `@`.
    EmptyLocal,
    /// Nothing after the `@`.
    EmptyDomain,
    /// The part before `@` is longer than 64 characters.
    LocalTooLong,
    /// The whole address is longer than 254 characters.
    TooLong,
    /// The part before `@` contains a character mail servers do not accept.
    LocalChar(char),
    /// The part before `@` starts or ends with a dot, or has two dots in a row.
    LocalDots,
    /// The domain is an IP address literal such as `[192.0.2.1]`.
    IpLiteral,
    /// The domain is not a valid (internationalised) domain name; the text says why.
    Domain(Text),
}

impl EmailProblem {
    /// The reason, completing "… is not a valid email address: ".
    pub fn explain(&self) -> Text {
        match self {
            Self::Whitespace => msg!("csv-email-whitespace"),
            Self::FullWidth => msg!("csv-email-full-width"),
            Self::NoAt => msg!("csv-email-no-at"),
            Self::SeveralAt => msg!("csv-email-several-at"),
            Self::EmptyLocal => msg!("csv-email-empty-local"),
            Self::EmptyDomain => msg!("csv-email-empty-domain"),
            Self::LocalTooLong => msg!("csv-email-local-too-long"),
            Self::TooLong => msg!("csv-email-too-long"),
            Self::LocalChar(c) if !c.is_ascii() => msg!("csv-email-local-non-ascii", char = c.to_string()),
            Self::LocalChar(c) => msg!("csv-email-local-char", char = c.to_string()),
            Self::LocalDots => msg!("csv-email-local-dots"),
            Self::IpLiteral => msg!("csv-email-ip-literal"),
            Self::Domain(why) => why.clone(),
        }
    }
}

/// Characters RFC 5322 allows unquoted in the part before `@` (besides letters and digits).
const ATEXT_SPECIALS: &[u8] = b"!#$%&'*+-/=?^_`{|}~";

/// Checks an already-trimmed address. Rules: exactly one `@`; the part before it is an ASCII
/// dot-atom of at most 64 characters (quoted or non-ASCII local parts are refused: few mail
/// systems deliver them); the domain has at least two labels of letters, digits and inner
/// hyphens, 1–63 characters each, a non-numeric top-level label, no IP literal; internationalised
/// domains are accepted and checked in their punycode form (UTS #46), which also counts for the
/// 254-character limit.
pub fn check_email(address: &str) -> Result<(), EmailProblem> {
    if address.chars().any(|c| c.is_whitespace() || c == '\u{200B}') {
        return Err(EmailProblem::Whitespace);
    }
    if address.chars().any(|c| ('\u{FF01}'..='\u{FF5E}').contains(&c)) {
        return Err(EmailProblem::FullWidth);
    }
    let (local, domain) = match address.split_once('@') {
        None => return Err(EmailProblem::NoAt),
        Some((_, rest)) if rest.contains('@') => return Err(EmailProblem::SeveralAt),
        Some(parts) => parts,
    };
    if local.is_empty() {
        return Err(EmailProblem::EmptyLocal);
    }
    if domain.is_empty() {
        return Err(EmailProblem::EmptyDomain);
    }
    if let Some(c) = local
        .chars()
        .find(|&c| !(c.is_ascii_alphanumeric() || c == '.' || (c.is_ascii() && ATEXT_SPECIALS.contains(&(c as u8)))))
    {
        return Err(EmailProblem::LocalChar(c));
    }
    if local.len() > 64 {
        return Err(EmailProblem::LocalTooLong);
    }
    if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
        return Err(EmailProblem::LocalDots);
    }
    if domain.starts_with('[') {
        return Err(EmailProblem::IpLiteral);
    }
    let ascii_domain: Cow<'_, str> = if domain.is_ascii() {
        Cow::Borrowed(domain)
    } else {
        match Uts46::new().to_ascii(domain.as_bytes(), AsciiDenyList::STD3, Hyphens::Check, DnsLength::Verify) {
            Ok(ascii) => Cow::Owned(ascii.into_owned()),
            Err(_) => return Err(EmailProblem::Domain(msg!("csv-email-domain-idn"))),
        }
    };
    check_ascii_domain(&ascii_domain)?;
    if local.len() + 1 + ascii_domain.len() > 254 {
        return Err(EmailProblem::TooLong);
    }
    Ok(())
}

fn check_ascii_domain(domain: &str) -> Result<(), EmailProblem> {
    if domain.len() > 253 {
        return Err(EmailProblem::Domain(msg!("csv-email-domain-too-long")));
    }
    if domain.ends_with('.') || domain.starts_with('.') || domain.contains("..") {
        return Err(EmailProblem::Domain(msg!("csv-email-domain-dots")));
    }
    let mut labels = 0;
    let mut last = "";
    for label in domain.split('.') {
        labels += 1;
        if label.len() > 63 {
            return Err(EmailProblem::Domain(msg!("csv-email-domain-label-too-long")));
        }
        if !label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
            return Err(EmailProblem::Domain(msg!("csv-email-domain-chars")));
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err(EmailProblem::Domain(msg!("csv-email-domain-hyphen")));
        }
        last = label;
    }
    if labels < 2 {
        return Err(EmailProblem::Domain(msg!("csv-email-domain-no-dot")));
    }
    if last.bytes().all(|b| b.is_ascii_digit()) {
        return Err(EmailProblem::Domain(msg!("csv-email-domain-numeric-tld")));
    }
    Ok(())
}

/// The form used to compare addresses (duplicates, existing members): trimmed and lower-cased.
pub fn normalize_email(address: &str) -> String {
    address.trim().to_lowercase()
}

/// Like [`normalize_email`] into a reused buffer (no allocation per row on the hot path).
pub(crate) fn normalize_email_into(address: &str, out: &mut String) {
    out.clear();
    let trimmed = address.trim();
    if trimmed.is_ascii() {
        out.push_str(trimmed);
        out.make_ascii_lowercase();
    } else {
        out.extend(trimmed.chars().flat_map(char::to_lowercase));
    }
}

/// Reads a role cell: `admin`/`administrator`/`管理者` → admin; `user`/`ユーザー`/`ユーザ`/`一般`
/// or an empty cell → user. Case, surrounding spaces and full-width letters are ignored.
/// `None` means the value is not a role Liaison knows.
pub fn parse_role(cell: &str) -> Option<MemberRole> {
    let trimmed = cell.trim();
    if trimmed.is_empty() {
        return Some(MemberRole::User);
    }
    if trimmed.eq_ignore_ascii_case("admin") || trimmed.eq_ignore_ascii_case("administrator") {
        return Some(MemberRole::Admin);
    }
    if trimmed.eq_ignore_ascii_case("user") {
        return Some(MemberRole::User);
    }
    match fold_text(trimmed).as_str() {
        "admin" | "administrator" | "管理者" => Some(MemberRole::Admin),
        "user" | "ユーザー" | "ユーザ" | "一般" | "一般ユーザー" => Some(MemberRole::User),
        _ => None,
    }
}

/// Splits a team cell on `;`, `,`, `、` (and their full-width forms), trimming each name and
/// dropping empty and repeated names (compared without case), in order.
pub fn split_teams(cell: &str) -> Vec<String> {
    let mut teams: Vec<String> = Vec::new();
    for part in cell.split([';', ',', '、', '；', '，']) {
        let name = part.trim();
        if name.is_empty() || teams.iter().any(|t| t.to_lowercase() == name.to_lowercase()) {
            continue;
        }
        teams.push(name.to_string());
    }
    teams
}

fn is_cjk(c: char) -> bool {
    matches!(c,
        '\u{3040}'..='\u{30FF}' // hiragana, katakana
        | '\u{3400}'..='\u{4DBF}' | '\u{4E00}'..='\u{9FFF}' | '\u{F900}'..='\u{FAFF}' // kanji
        | '\u{FF66}'..='\u{FF9F}' // half-width katakana
        | '\u{AC00}'..='\u{D7AF}' // hangul
        | '\u{20000}'..='\u{2FA1F}')
}

/// Splits a full name into (first, last):
/// - "Last, First" (a comma) → last before the comma, first after;
/// - Japanese and other CJK names ("山田 太郎", "山田　太郎") → family name first;
/// - otherwise "First Middle Last" → last word is the last name, the rest the first name;
/// - a single word becomes the first name (there is nothing to split on).
pub fn split_full_name(full: &str) -> (String, String) {
    let full = full.trim();
    if let Some((last, first)) = full.split_once([',', '，']) {
        return (first.trim().to_string(), last.trim().to_string());
    }
    let words: Vec<&str> = full.split_whitespace().collect();
    match words.as_slice() {
        [] => (String::new(), String::new()),
        [only] => ((*only).to_string(), String::new()),
        [first_word, rest @ ..] if first_word.chars().next().is_some_and(is_cjk) => {
            (rest.join(" "), (*first_word).to_string())
        }
        [init @ .., last_word] => (init.join(" "), (*last_word).to_string()),
    }
}

/// True when a cell looks like an email address (used to recognise an email column by its
/// values and to tell header rows from data rows); far looser than [`check_email`].
pub(crate) fn looks_like_email(cell: &str) -> bool {
    let cell = cell.trim();
    match cell.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !cell.chars().any(char::is_whitespace)
        }
        None => false,
    }
}
