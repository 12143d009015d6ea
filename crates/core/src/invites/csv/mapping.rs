//! Which column feeds which member field: header folding, aliases (English and Japanese),
//! suggestions with a confidence, the editable [`Mapping`] and its saved form.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize, Serializer};
use ts_rs::TS;

use crate::i18n::Text;
use crate::{Error, Result, msg};

/// A member field a column can feed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum MemberField {
    /// The address the invitation goes to (required).
    Email,
    /// Given name.
    FirstName,
    /// Family name.
    LastName,
    /// A whole name, split into first and last when neither of those is mapped.
    FullName,
    /// `admin` or `user` (empty means user).
    Role,
    /// One or more team names, separated by `;`, `,` or `、`.
    Teams,
}

impl MemberField {
    /// Every field, in display order.
    pub const ALL: [MemberField; 6] = [
        MemberField::Email,
        MemberField::FirstName,
        MemberField::LastName,
        MemberField::FullName,
        MemberField::Role,
        MemberField::Teams,
    ];

    /// The wire name (`first_name`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::FirstName => "first_name",
            Self::LastName => "last_name",
            Self::FullName => "full_name",
            Self::Role => "role",
            Self::Teams => "teams",
        }
    }

    /// A short label for messages ("first name").
    pub fn label(self) -> Text {
        match self {
            Self::Email => msg!("csv-field-email"),
            Self::FirstName => msg!("csv-field-first-name"),
            Self::LastName => msg!("csv-field-last-name"),
            Self::FullName => msg!("csv-field-full-name"),
            Self::Role => msg!("csv-field-role"),
            Self::Teams => msg!("csv-field-teams"),
        }
    }
}

/// Header aliases per field, compared after [`fold_text`]. "Name" and "名前" are listed
/// separately because they are ambiguous (see [`AMBIGUOUS_NAME_ALIASES`]).
const ALIASES: &[(MemberField, &[&str])] = &[
    (
        MemberField::Email,
        &[
            "email",
            "emailaddress",
            "e-mail",
            "e-mail address",
            "mail",
            "mailaddress",
            "mail address",
            "work email",
            "work email address",
            "business email",
            "primary email",
            "user email",
            "email id",
            "メールアドレス",
            "メール",
            "eメール",
            "eメールアドレス",
            "電子メール",
            "電子メールアドレス",
            "メアド",
        ],
    ),
    (
        MemberField::FirstName,
        &["first name", "firstname", "given name", "forename", "first", "fname", "名", "下の名前", "名(名前)"],
    ),
    (
        MemberField::LastName,
        &["last name", "lastname", "surname", "family name", "last", "lname", "姓", "苗字", "名字", "姓(苗字)"],
    ),
    (MemberField::FullName, &["full name", "fullname", "display name", "氏名", "フルネーム", "表示名", "お名前"]),
    (MemberField::Role, &["role", "user role", "roles", "permission", "access level", "権限", "ロール", "役割"]),
    (
        MemberField::Teams,
        &[
            "team",
            "teams",
            "group",
            "groups",
            "department",
            "dept",
            "division",
            "team name",
            "チーム",
            "部署",
            "所属",
            "グループ",
            "部門",
            "所属部署",
            "チーム名",
        ],
    ),
];

/// "Name" / "名前" mean the whole name on their own, but the given name next to a last-name
/// column ("Name" + "Surname", "姓" + "名前").
const AMBIGUOUS_NAME_ALIASES: &[&str] = &["name", "名前"];

/// Confidence of an exact alias match.
const EXACT: f32 = 1.0;
/// Confidence of an ambiguous alias resolved by the other columns.
const AMBIGUOUS: f32 = 0.8;
/// Confidence of an unnamed/unknown column whose values look like email addresses.
const VALUES: f32 = 0.5;

/// Why a column was suggested for a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum SuggestionReason {
    /// The header is one of the field's names.
    ExactAlias,
    /// The header is "Name"/"名前", read as full name or first name from the other columns.
    AmbiguousAlias,
    /// The header contains one of the field's names ("Primary work email").
    PartialAlias,
    /// The header is one typo away from one of the field's names ("Emial").
    Fuzzy,
    /// The header says nothing, but the values look like email addresses.
    EmailValues,
}

/// A suggested column → field match.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ColumnSuggestion {
    /// Zero-based column index.
    pub column: usize,
    pub field: MemberField,
    /// 1.0 for an exact alias, lower for weaker evidence.
    pub confidence: f32,
    pub reason: SuggestionReason,
}

/// Folds text for comparison, NFKC-like for the ranges that matter in spreadsheets: full-width
/// ASCII (`Ｅｍａｉｌ`) → ASCII, the ideographic space → space, half-width katakana (`ﾒｰﾙ`)
/// → full-width with voiced marks composed; then ASCII lower-case.
pub fn fold_text(text: &str) -> String {
    const HALF: &str = "ｦｧｨｩｪｫｬｭｮｯｰｱｲｳｴｵｶｷｸｹｺｻｼｽｾｿﾀﾁﾂﾃﾄﾅﾆﾇﾈﾉﾊﾋﾌﾍﾎﾏﾐﾑﾒﾓﾔﾕﾖﾗﾘﾙﾚﾛﾜﾝ";
    const FULL: &str = "ヲァィゥェォャュョッーアイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワン";
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        let mapped = match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            '\u{FF61}' => '。',
            '\u{FF62}' => '「',
            '\u{FF63}' => '」',
            '\u{FF64}' => '、',
            '\u{FF65}' => '・',
            '\u{FF66}'..='\u{FF9D}' => {
                let i = (c as u32 - 0xFF66) as usize;
                FULL.chars().nth(i).unwrap_or(c)
            }
            '\u{FF9E}' | '\u{FF9F}' => {
                let plus = if c == '\u{FF9E}' { 1 } else { 2 };
                if let Some(prev) = out.pop() {
                    out.push(compose_voiced(prev, plus));
                }
                continue;
            }
            _ => c,
        };
        out.push(mapped.to_ascii_lowercase());
    }
    debug_assert_eq!(HALF.chars().count(), FULL.chars().count());
    out
}

/// Composes a katakana with a (semi-)voiced sound mark: カ+゛ → ガ, ハ+゜ → パ, ウ+゛ → ヴ.
fn compose_voiced(base: char, plus: u32) -> char {
    const VOICEABLE: &str = "カキクケコサシスセソタチツテトハヒフヘホ";
    const SEMI: &str = "ハヒフヘホ";
    match (base, plus) {
        ('ウ', 1) => 'ヴ',
        (b, 1) if VOICEABLE.contains(b) => char::from_u32(b as u32 + 1).unwrap_or(b),
        (b, 2) if SEMI.contains(b) => char::from_u32(b as u32 + 2).unwrap_or(b),
        (b, _) => b,
    }
}

/// A header reduced to what identifies it: [`fold_text`], text in brackets dropped
/// ("Email (required)", "メールアドレス【必須】"), then spaces and punctuation removed.
pub(crate) fn header_key(header: &str) -> String {
    let folded = fold_text(header);
    let mut without_brackets = String::with_capacity(folded.len());
    let mut depth = 0usize;
    for c in folded.chars() {
        match c {
            '(' | '[' | '【' | '「' | '<' => depth += 1,
            ')' | ']' | '】' | '」' | '>' => depth = depth.saturating_sub(1),
            _ if depth == 0 => without_brackets.push(c),
            _ => {}
        }
    }
    let source = if squeeze(&without_brackets).is_empty() { folded } else { without_brackets };
    squeeze(&source)
}

fn squeeze(text: &str) -> String {
    text.chars()
        .filter(|c| !(c.is_whitespace() || c.is_ascii_punctuation() || matches!(c, '・' | '、' | '。')))
        .collect()
}

fn alias_key(alias: &str) -> String {
    squeeze(&fold_text(alias))
}

/// The field a header names exactly, if any (ambiguous "Name"/"名前" excluded).
pub(crate) fn exact_field(key: &str) -> Option<MemberField> {
    ALIASES.iter().find(|(_, aliases)| aliases.iter().any(|a| alias_key(a) == key)).map(|(f, _)| *f)
}

pub(crate) fn is_ambiguous_name(key: &str) -> bool {
    AMBIGUOUS_NAME_ALIASES.iter().any(|a| alias_key(a) == key)
}

fn is_ascii_word(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_alphanumeric())
}

fn within_one_edit(a: &str, b: &str) -> bool {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    if a.len().abs_diff(b.len()) > 1 {
        return false;
    }
    // Allow one substitution, insertion, deletion or adjacent transposition.
    let (mut i, mut j, mut edits) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        if a[i] == b[j] {
            i += 1;
            j += 1;
            continue;
        }
        edits += 1;
        if edits > 1 {
            return false;
        }
        if a.len() > b.len() {
            i += 1;
        } else if b.len() > a.len() {
            j += 1;
        } else if i + 1 < a.len() && a[i] == b[j + 1] && a[i + 1] == b[j] {
            i += 2;
            j += 2;
        } else {
            i += 1;
            j += 1;
        }
    }
    edits + (a.len() - i) + (b.len() - j) <= 1
}

/// The best header-only guess for one column.
fn header_guess(key: &str) -> Option<(MemberField, f32, SuggestionReason)> {
    if key.is_empty() {
        return None;
    }
    if let Some(field) = exact_field(key) {
        return Some((field, EXACT, SuggestionReason::ExactAlias));
    }
    let key_len = key.chars().count();
    let mut best: Option<(MemberField, f32, SuggestionReason)> = None;
    for (field, aliases) in ALIASES {
        for alias in aliases.iter().map(|a| alias_key(a)) {
            let alias_len = alias.chars().count();
            let long_enough = if is_ascii_word(&alias) { alias_len >= 4 } else { alias_len >= 2 };
            let score = if long_enough && key.contains(&alias) {
                Some((0.5 + 0.3 * alias_len as f32 / key_len as f32, SuggestionReason::PartialAlias))
            } else if is_ascii_word(&alias) && alias_len >= 5 && within_one_edit(key, &alias) {
                Some((0.6, SuggestionReason::Fuzzy))
            } else {
                None
            };
            if let Some((score, reason)) = score
                && best.is_none_or(|(_, s, _)| score > s)
            {
                best = Some((*field, score.min(0.8), reason));
            }
        }
    }
    best
}

/// Suggests a field for each column from its header and, for email, its sample values, then
/// keeps the strongest suggestion per field (each field and each column used once).
pub(crate) fn suggest(headers: &[String], email_like_share: &[f32]) -> Vec<ColumnSuggestion> {
    let keys: Vec<String> = headers.iter().map(|h| header_key(h)).collect();
    let has_last_name = keys.iter().any(|k| exact_field(k) == Some(MemberField::LastName));
    let mut candidates: Vec<ColumnSuggestion> = Vec::new();
    for (column, key) in keys.iter().enumerate() {
        let guess = if is_ambiguous_name(key) {
            if has_last_name {
                Some((MemberField::FirstName, AMBIGUOUS, SuggestionReason::AmbiguousAlias))
            } else {
                Some((MemberField::FullName, AMBIGUOUS, SuggestionReason::AmbiguousAlias))
            }
        } else {
            header_guess(key)
        };
        if let Some((field, confidence, reason)) = guess {
            candidates.push(ColumnSuggestion { column, field, confidence, reason });
        }
        let share = email_like_share.get(column).copied().unwrap_or(0.0);
        let named_otherwise = guess.is_some_and(|(f, c, _)| f != MemberField::Email && c >= EXACT);
        if share >= 0.6 && !named_otherwise && guess.is_none_or(|(f, _, _)| f != MemberField::Email) {
            candidates.push(ColumnSuggestion {
                column,
                field: MemberField::Email,
                confidence: VALUES,
                reason: SuggestionReason::EmailValues,
            });
        }
    }
    candidates.sort_by(|a, b| b.confidence.total_cmp(&a.confidence).then(a.column.cmp(&b.column)));
    let mut chosen: Vec<ColumnSuggestion> = Vec::new();
    for candidate in candidates {
        if chosen.iter().any(|c| c.field == candidate.field || c.column == candidate.column) {
            continue;
        }
        chosen.push(candidate);
    }
    chosen.sort_by_key(|c| c.column);
    chosen
}

/// A stable signature of a header list, equal for files whose headers differ only in case,
/// spacing, punctuation or full-width forms; used to offer a saved mapping again. The format
/// (`v1-<count>-<FNV-1a 64 hex>`) never depends on the Rust version or platform.
pub fn headers_signature(headers: &[String]) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for header in headers {
        for byte in header_key(header).bytes().chain(std::iter::once(0x1f)) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    format!("v1-{}-{hash:016x}", headers.len())
}

/// The saved form of a mapping: field → column header (the column's display name).
pub type MappingByName = BTreeMap<MemberField, String>;

/// Which column (zero-based index) feeds each member field, over a file's column names.
///
/// Rules ([`Mapping::validate`]): email is mapped exactly once; a field has at most one
/// column; a column feeds at most one field. When first name or last name is mapped,
/// a mapped full name is ignored (the explicit columns win; [`Mapping::uses_full_name`]
/// says which applies) rather than refused, so an admin can keep a "Name" column mapped for
/// reference while switching to separate columns.
///
/// Serialises as [`MappingByName`] (field → header), the form saved and printed by the CLI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mapping {
    fields: BTreeMap<MemberField, usize>,
    columns: Vec<String>,
}

impl Mapping {
    /// An empty mapping over these column names (see [`crate::invites::csv::Column::name`]).
    pub fn new(columns: Vec<String>) -> Self {
        Self { fields: BTreeMap::new(), columns }
    }

    /// Builds the mapping from suggestions.
    pub fn from_suggestions(columns: Vec<String>, suggestions: &[ColumnSuggestion]) -> Self {
        let mut mapping = Self::new(columns);
        for s in suggestions {
            mapping.fields.insert(s.field, s.column);
        }
        mapping
    }

    /// Loads a saved mapping against this file's column names: each header is matched exactly,
    /// then by its folded form ("E-mail" = "email"). Fails with the missing header named.
    pub fn from_names(saved: &MappingByName, columns: &[String]) -> Result<Self> {
        let keys: Vec<String> = columns.iter().map(|c| header_key(c)).collect();
        let mut mapping = Self::new(columns.to_vec());
        for (field, header) in saved {
            let index = columns
                .iter()
                .position(|c| c == header)
                .or_else(|| columns.iter().position(|c| c.trim() == header.trim()))
                .or_else(|| {
                    let key = header_key(header);
                    keys.iter().position(|k| !key.is_empty() && *k == key)
                });
            match index {
                Some(index) => {
                    mapping.fields.insert(*field, index);
                }
                None => {
                    return Err(Error::invalid_input(msg!(
                        "csv-saved-mapping-missing-column",
                        header = header,
                        field = field.label(),
                        columns = list_names(columns)
                    ))
                    .with_details(serde_json::json!({ "field": field, "column": header, "columns": columns })));
                }
            }
        }
        Ok(mapping)
    }

    /// The column feeding `field`.
    pub fn get(&self, field: MemberField) -> Option<usize> {
        self.fields.get(&field).copied()
    }

    /// Maps `field` to `column`, or unmaps it with `None`. Fails for a column the file lacks.
    pub fn set(&mut self, field: MemberField, column: Option<usize>) -> Result<()> {
        match column {
            Some(index) if index >= self.columns.len() => Err(Error::invalid_input(msg!(
                "csv-column-does-not-exist",
                column = index + 1,
                columns = self.columns.len()
            ))),
            Some(index) => {
                self.fields.insert(field, index);
                Ok(())
            }
            None => {
                self.fields.remove(&field);
                Ok(())
            }
        }
    }

    /// The file's column names this mapping refers to.
    pub fn columns(&self) -> &[String] {
        &self.columns
    }

    /// Field → column index, in field order.
    pub fn fields(&self) -> impl Iterator<Item = (MemberField, usize)> + '_ {
        self.fields.iter().map(|(f, c)| (*f, *c))
    }

    /// Whether names come from the full-name column (true when full name is mapped and
    /// neither first nor last name is).
    pub fn uses_full_name(&self) -> bool {
        self.get(MemberField::FullName).is_some()
            && self.get(MemberField::FirstName).is_none()
            && self.get(MemberField::LastName).is_none()
    }

    /// Columns that feed no field, in order.
    pub fn unmapped_columns(&self) -> Vec<usize> {
        (0..self.columns.len()).filter(|i| !self.fields.values().any(|c| c == i)).collect()
    }

    /// Field → column header, the saved form.
    pub fn by_name(&self) -> MappingByName {
        self.fields.iter().filter_map(|(f, i)| self.columns.get(*i).map(|name| (*f, name.clone()))).collect()
    }

    /// Checks the rules in the type's documentation.
    pub fn validate(&self) -> Result<()> {
        if self.get(MemberField::Email).is_none() {
            return Err(Error::invalid_input(msg!("csv-email-not-mapped", columns = list_names(&self.columns))));
        }
        for (field, index) in &self.fields {
            if *index >= self.columns.len() {
                return Err(Error::invalid_input(msg!(
                    "csv-mapping-column-gone",
                    field = field.label(),
                    column = index + 1,
                    columns = self.columns.len()
                )));
            }
            if let Some((other, _)) = self.fields.iter().find(|(f, i)| *f > field && *i == index) {
                return Err(Error::invalid_input(msg!(
                    "csv-column-mapped-twice",
                    column = &self.columns[*index],
                    field = field.label(),
                    other = other.label()
                ))
                .with_details(serde_json::json!({ "column": self.columns[*index], "fields": [field, other] })));
            }
        }
        Ok(())
    }
}

impl Serialize for Mapping {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        self.by_name().serialize(serializer)
    }
}

/// "“Email”, “Name”, “Team”" for messages (at most 20 names).
pub(crate) fn list_names(names: &[String]) -> Text {
    if names.is_empty() {
        return msg!("csv-names-none");
    }
    let listed: Vec<String> = names.iter().take(20).map(|n| format!("“{}”", super::shorten(n, 40))).collect();
    if names.len() > 20 {
        return msg!("csv-names-and-more", names = listed.join(", "), more = names.len() - 20);
    }
    Text::verbatim(listed.join(", "))
}
