//! A segment's rules and their translation to SQL over the people cache. Values always travel
//! as parameters; only column names chosen from a fixed list and placeholders are written into
//! the SQL text.

use rusqlite::types::Value as SqlValue;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::sync::cache::PersonField;
use crate::{Error, Result, msg};

/// Whether a person must match every rule or at least one.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Match {
    #[default]
    All,
    Any,
}

/// How a rule compares a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Op {
    Is,
    IsNot,
    Contains,
    StartsWith,
    EndsWith,
    IsEmpty,
    IsNotEmpty,
    Before,
    After,
    Less,
    Greater,
    OneOf,
}

impl Op {
    /// The words of the rule (`country is Japan`), longest first so that parsing finds
    /// `is not empty` before `is`.
    pub const PHRASES: [(&'static str, Op); 14] = [
        ("is not empty", Op::IsNotEmpty),
        ("greater than", Op::Greater),
        ("starts with", Op::StartsWith),
        ("ends with", Op::EndsWith),
        ("less than", Op::Less),
        ("is empty", Op::IsEmpty),
        ("contains", Op::Contains),
        ("greater", Op::Greater),
        ("is not", Op::IsNot),
        ("before", Op::Before),
        ("one of", Op::OneOf),
        ("after", Op::After),
        ("less", Op::Less),
        ("is", Op::Is),
    ];

    fn takes_value(self) -> bool {
        !matches!(self, Op::IsEmpty | Op::IsNotEmpty)
    }

    /// The words for this operator.
    pub fn phrase(self) -> &'static str {
        Self::PHRASES.iter().find(|(_, op)| *op == self).map(|(p, _)| *p).unwrap_or("is")
    }
}

/// One condition: a field, an operator and (for most operators) a value or a list of values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Rule {
    pub field: String,
    pub op: Op,
    #[serde(default)]
    pub value: Option<String>,
    /// For `one_of`.
    #[serde(default)]
    pub values: Vec<String>,
}

impl Rule {
    /// Reads `FIELD OP [VALUE]`, as typed on the command line: `country is Japan`,
    /// `email ends with @example.co.jp`, `city is empty`, `country one of Japan, France`.
    pub fn parse(text: &str) -> Result<Self> {
        let text = text.trim();
        let (field, rest) = text.split_once(char::is_whitespace).unwrap_or((text, ""));
        let rest = rest.trim_start();
        let lower = rest.to_lowercase();
        let Some((phrase, op)) = Op::PHRASES
            .iter()
            .find(|(p, _)| lower.starts_with(p) && lower[p.len()..].chars().next().is_none_or(char::is_whitespace))
        else {
            return Err(Error::invalid_input(msg!("segment-rule-unreadable", rule = text)));
        };
        let value = rest[phrase.len()..].trim().trim_matches('"').to_owned();
        let (value, values) = match op {
            Op::OneOf => (None, value.split(',').map(|v| v.trim().to_owned()).filter(|v| !v.is_empty()).collect()),
            _ if op.takes_value() => (Some(value), Vec::new()),
            _ => (None, Vec::new()),
        };
        Ok(Self { field: field.to_owned(), op: *op, value, values })
    }

    /// The rule as words (`country is Japan`).
    pub fn describe(&self) -> String {
        match self.op {
            Op::OneOf => format!("{} {} {}", self.field, self.op.phrase(), self.values.join(", ")),
            op if op.takes_value() => format!("{} {} {}", self.field, op.phrase(), self.value.as_deref().unwrap_or("")),
            op => format!("{} {}", self.field, op.phrase()),
        }
    }
}

/// A segment's rules.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Definition {
    #[serde(rename = "match")]
    pub match_: Match,
    pub rules: Vec<Rule>,
}

/// What kind of values a field holds, which decides the operators it takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    Text,
    /// Yes or no (unsubscribed, email invalid).
    Flag,
    Date,
    /// Which systems know the person (`known_in is marketo`).
    Known,
}

impl FieldKind {
    /// The operators that fit the kind.
    pub fn ops(self) -> &'static [Op] {
        use Op::*;
        match self {
            Self::Text => &[Is, IsNot, Contains, StartsWith, EndsWith, IsEmpty, IsNotEmpty, OneOf, Less, Greater],
            Self::Flag => &[Is, IsNot],
            Self::Date => &[Before, After, IsEmpty, IsNotEmpty],
            Self::Known => &[Is, IsNot],
        }
    }
}

/// A field a rule may name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct SegmentField {
    pub key: String,
    pub label: String,
    pub kind: FieldKind,
    /// A custom sync field (stored beside the person, not in a column).
    pub custom: bool,
}

/// Where a field's value is.
enum Source {
    Column(&'static str),
    Custom(String),
    Known,
}

/// The systems a `known_in` rule names, with the test that a person is known there.
const SYSTEMS: [(&str, &str); 3] = [
    ("marketo", "p.marketo_id IS NOT NULL"),
    ("salesforce", "(p.sf_contact_id IS NOT NULL OR p.sf_lead_id IS NOT NULL)"),
    ("dynamics", "p.dyn_contact_id IS NOT NULL"),
];

/// The standard fields: email, each cached field, when the person last changed, and `known_in`.
pub fn standard_fields() -> Vec<SegmentField> {
    let field =
        |key: &str, label: &str, kind| SegmentField { key: key.into(), label: label.into(), kind, custom: false };
    let mut fields = vec![field("email", "Email", FieldKind::Text)];
    for f in PersonField::ALL {
        let kind = if matches!(f, PersonField::Unsubscribed | PersonField::EmailInvalid) {
            FieldKind::Flag
        } else {
            FieldKind::Text
        };
        fields.push(field(f.column(), &f.column().replace('_', " "), kind));
    }
    fields.push(field("updated_at", "updated at", FieldKind::Date));
    fields.push(field("known_in", "known in", FieldKind::Known));
    fields
}

fn source(field: &SegmentField) -> Option<Source> {
    if field.custom {
        return Some(Source::Custom(field.key.clone()));
    }
    match field.key.as_str() {
        "known_in" => Some(Source::Known),
        "email" => Some(Source::Column("email")),
        "updated_at" => Some(Source::Column("updated_at")),
        key => PersonField::ALL.iter().find(|f| f.column() == key).map(|f| Source::Column(f.column())),
    }
}

/// A definition as SQL: a condition over `people p` and its parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct Compiled {
    pub condition: String,
    pub params: Vec<SqlValue>,
}

/// Compiles `definition` against the fields that exist now. A rule that names a field that no
/// longer exists (a removed custom field) is refused with the field's name.
pub fn compile(definition: &Definition, fields: &[SegmentField]) -> Result<Compiled> {
    let mut params = Vec::new();
    let condition = compile_into(definition, fields, &mut params)?;
    Ok(Compiled { condition, params })
}

/// The people any of `definitions` matches (an export of several segments), as one condition.
pub fn compile_union(definitions: &[&Definition], fields: &[SegmentField]) -> Result<Compiled> {
    let mut params = Vec::new();
    let mut parts = Vec::new();
    for definition in definitions {
        parts.push(format!("({})", compile_into(definition, fields, &mut params)?));
    }
    let condition = if parts.is_empty() { "0".to_owned() } else { parts.join(" OR ") };
    Ok(Compiled { condition, params })
}

/// The SQL expression of a text field's value for the person `p` (a column, or a custom sync
/// field's value), for reading what an export delivers. `None` for a field without a value.
pub fn value_sql(field: &SegmentField, params: &mut Vec<SqlValue>) -> Option<String> {
    match source(field)? {
        Source::Column(column) => Some(format!("p.{column}")),
        Source::Custom(key) => {
            let key = push(params, SqlValue::Text(key));
            Some(format!("(SELECT c.value FROM people_custom c WHERE c.person_id = p.id AND c.key = {key})"))
        }
        Source::Known => None,
    }
}

fn compile_into(definition: &Definition, fields: &[SegmentField], params: &mut Vec<SqlValue>) -> Result<String> {
    let mut parts = Vec::new();
    for rule in &definition.rules {
        let field = fields
            .iter()
            .find(|f| f.key.eq_ignore_ascii_case(&rule.field))
            .ok_or_else(|| Error::invalid_input(msg!("segment-unknown-field", field = rule.field.as_str())))?;
        if !field.kind.ops().contains(&rule.op) {
            return Err(Error::invalid_input(msg!(
                "segment-op-not-for-field",
                field = field.key.as_str(),
                op = rule.op.phrase()
            )));
        }
        parts.push(condition(field, rule, params)?);
    }
    Ok(if parts.is_empty() {
        "1".to_owned()
    } else {
        let joiner = match definition.match_ {
            Match::All => " AND ",
            Match::Any => " OR ",
        };
        parts.iter().map(|p| format!("({p})")).collect::<Vec<_>>().join(joiner)
    })
}

fn value_of(rule: &Rule) -> Result<String> {
    rule.value
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
        .ok_or_else(|| Error::invalid_input(msg!("segment-value-missing", rule = rule.describe())))
}

fn like_pattern(value: &str, prefix: bool, suffix: bool) -> String {
    let escaped = value.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
    format!("{}{escaped}{}", if prefix { "%" } else { "" }, if suffix { "%" } else { "" })
}

fn push(params: &mut Vec<SqlValue>, value: SqlValue) -> String {
    params.push(value);
    format!("?{}", params.len())
}

/// The comparison of `expr` (a column or a custom value) for a text or date rule.
fn compare(expr: &str, kind: FieldKind, rule: &Rule, params: &mut Vec<SqlValue>) -> Result<String> {
    Ok(match rule.op {
        Op::Is => format!("{expr} = {} COLLATE NOCASE", push(params, SqlValue::Text(value_of(rule)?))),
        Op::IsNot => format!("{expr} <> {} COLLATE NOCASE", push(params, SqlValue::Text(value_of(rule)?))),
        Op::Contains => format!(
            "{expr} LIKE {} ESCAPE '\\'",
            push(params, SqlValue::Text(like_pattern(&value_of(rule)?, true, true)))
        ),
        Op::StartsWith => format!(
            "{expr} LIKE {} ESCAPE '\\'",
            push(params, SqlValue::Text(like_pattern(&value_of(rule)?, false, true)))
        ),
        Op::EndsWith => format!(
            "{expr} LIKE {} ESCAPE '\\'",
            push(params, SqlValue::Text(like_pattern(&value_of(rule)?, true, false)))
        ),
        Op::IsEmpty | Op::IsNotEmpty => unreachable!("handled by the caller"),
        Op::OneOf => {
            if rule.values.is_empty() {
                return Err(Error::invalid_input(msg!("segment-value-missing", rule = rule.describe())));
            }
            let list: Vec<String> =
                rule.values.iter().map(|v| push(params, SqlValue::Text(v.trim().to_owned()))).collect();
            format!("{expr} COLLATE NOCASE IN ({})", list.join(", "))
        }
        Op::Less | Op::Greater => {
            let raw = value_of(rule)?;
            let number: f64 = raw.parse().map_err(|_| {
                Error::invalid_input(msg!("segment-not-a-number", rule = rule.describe(), value = raw.as_str()))
            })?;
            let sign = if rule.op == Op::Less { "<" } else { ">" };
            // Only values that read as numbers take part: an empty or textual value never matches.
            format!("({expr} GLOB '*[0-9]*' AND CAST({expr} AS REAL) {sign} {})", push(params, SqlValue::Real(number)))
        }
        Op::Before | Op::After => {
            debug_assert_eq!(kind, FieldKind::Date);
            let raw = value_of(rule)?;
            let day =
                time::Date::parse(&raw, time::macros::format_description!("[year]-[month]-[day]")).map_err(|_| {
                    Error::invalid_input(msg!("segment-not-a-date", rule = rule.describe(), value = raw.as_str()))
                })?;
            // Timestamps are RFC 3339 in UTC, so their first ten characters are the day. The
            // plain comparison is implied by the day's (a text whose first ten characters sort
            // before or after the day sorts so too): it changes no result, and lets a count
            // read only that part of the index on the column.
            let sign = if rule.op == Op::Before { "<" } else { ">" };
            let day = push(params, SqlValue::Text(day.to_string()));
            format!("({expr} {sign} {day} AND substr({expr}, 1, 10) {sign} {day})")
        }
    })
}

fn condition(field: &SegmentField, rule: &Rule, params: &mut Vec<SqlValue>) -> Result<String> {
    let source =
        source(field).ok_or_else(|| Error::invalid_input(msg!("segment-unknown-field", field = field.key.as_str())))?;
    match source {
        Source::Known => {
            let system = value_of(rule)?.to_ascii_lowercase();
            let (_, known) = SYSTEMS
                .iter()
                .find(|(name, _)| *name == system)
                .ok_or_else(|| Error::invalid_input(msg!("segment-unknown-system", system = system.as_str())))?;
            Ok(if rule.op == Op::Is { (*known).to_owned() } else { format!("NOT {known}") })
        }
        Source::Column(column) if field.kind == FieldKind::Flag => {
            let raw = value_of(rule)?.to_ascii_lowercase();
            let yes = match raw.as_str() {
                "yes" | "true" | "1" | "y" => true,
                "no" | "false" | "0" | "n" => false,
                _ => return Err(Error::invalid_input(msg!("segment-not-a-flag", rule = rule.describe()))),
            };
            let wanted = yes == (rule.op == Op::Is);
            Ok(format!("coalesce(p.{column}, 0) = {}", i32::from(wanted)))
        }
        Source::Column(column) => {
            let expr = format!("p.{column}");
            Ok(match rule.op {
                Op::IsEmpty => format!("({expr} IS NULL OR {expr} = '')"),
                Op::IsNotEmpty => format!("({expr} IS NOT NULL AND {expr} <> '')"),
                // A person without the value is "not Japan" too.
                Op::IsNot => format!("({expr} IS NULL OR {})", compare(&expr, field.kind, rule, params)?),
                _ => compare(&expr, field.kind, rule, params)?,
            })
        }
        Source::Custom(key) => {
            // The set of people whose value passes, read once from the index on (key, value),
            // rather than a lookup per person: `p.id IN (...)` / `NOT IN` (a person ID is never
            // NULL, so `NOT IN` means "not among them").
            let key = push(params, SqlValue::Text(key));
            let among = |test: &str| {
                format!("p.id IN (SELECT c.person_id FROM people_custom c WHERE c.key = {key} AND {test})")
            };
            Ok(match rule.op {
                Op::IsEmpty => format!("NOT {}", among("c.value <> ''")),
                Op::IsNotEmpty => among("c.value <> ''"),
                Op::IsNot => {
                    let positive = Rule { op: Op::Is, ..rule.clone() };
                    format!("NOT {}", among(&compare("c.value", field.kind, &positive, params)?))
                }
                _ => among(&compare("c.value", field.kind, rule, params)?),
            })
        }
    }
}
