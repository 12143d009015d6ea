//! Schema-driven record tables shared by every emulated system: one generic representation lets
//! describe, SOQL, OData `$filter`, Marketo filters and Campaign search share the same code.

use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// Shared immutable text: the generator reuses one allocation for a person's email or a city
/// name across every system that stores it.
pub(crate) type Text = Arc<str>;

/// A field value. Date-times are Unix milliseconds (`Int`) on fields of kind `DateTime`.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Val {
    Null,
    Bool(bool),
    Int(i64),
    Str(Text),
}

impl Val {
    pub(crate) fn as_str(&self) -> Option<&str> {
        match self {
            Val::Str(s) => Some(s),
            _ => None,
        }
    }
    pub(crate) fn as_bool(&self) -> bool {
        matches!(self, Val::Bool(true))
    }
    pub(crate) fn as_int(&self) -> Option<i64> {
        match self {
            Val::Int(i) => Some(*i),
            _ => None,
        }
    }
    pub(crate) fn is_null(&self) -> bool {
        matches!(self, Val::Null)
    }
    pub(crate) fn s(v: impl AsRef<str>) -> Val {
        Val::Str(Arc::from(v.as_ref()))
    }
    pub(crate) fn t(v: &Text) -> Val {
        Val::Str(v.clone())
    }
    pub(crate) fn opt(v: Option<String>) -> Val {
        v.map(|s| Val::Str(s.into())).unwrap_or(Val::Null)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Id,
    Str,
    Email,
    Phone,
    Text,
    Bool,
    Int,
    DateTime,
    Date,
    Ref,
    Picklist,
}

#[derive(Clone, Debug)]
pub(crate) struct FieldDef {
    pub name: String,
    pub label: String,
    pub kind: Kind,
    pub len: u32,
    pub updateable: bool,
    pub required: bool,
    pub picklist: Vec<&'static str>,
}

#[derive(Debug)]
pub(crate) struct Schema {
    pub name: String,
    pub fields: Vec<FieldDef>,
    exact: HashMap<String, usize, FnvBuild>,
    lower: HashMap<String, usize, FnvBuild>,
}

impl Schema {
    pub(crate) fn new(name: &str, defs: &[(&str, Kind, u32, bool)]) -> Schema {
        let mut fields = Vec::new();
        for (n, k, len, up) in defs {
            fields.push(FieldDef {
                name: n.to_string(),
                label: label_of(n),
                kind: *k,
                len: *len,
                updateable: *up,
                required: false,
                picklist: Vec::new(),
            });
        }
        Schema::from_fields(name, fields)
    }

    pub(crate) fn from_fields(name: &str, fields: Vec<FieldDef>) -> Schema {
        let exact = fields.iter().enumerate().map(|(i, f)| (f.name.clone(), i)).collect();
        let lower = fields.iter().enumerate().map(|(i, f)| (f.name.to_ascii_lowercase(), i)).collect();
        Schema { name: name.to_string(), fields, exact, lower }
    }

    pub(crate) fn with_required(mut self, names: &[&str]) -> Schema {
        for f in &mut self.fields {
            if names.contains(&f.name.as_str()) {
                f.required = true;
            }
        }
        self
    }

    pub(crate) fn with_picklist(mut self, name: &str, values: &[&'static str]) -> Schema {
        if let Some(f) = self.fields.iter_mut().find(|f| f.name == name) {
            f.picklist = values.to_vec();
        }
        self
    }

    pub(crate) fn idx(&self, name: &str) -> Option<usize> {
        self.exact.get(name).copied()
    }
    pub(crate) fn idx_ci(&self, name: &str) -> Option<usize> {
        self.lower.get(&name.to_ascii_lowercase()).copied()
    }
    pub(crate) fn blank_row(&self) -> Row {
        Row(vec![Val::Null; self.fields.len()])
    }
}

fn label_of(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if i > 0 && c.is_ascii_uppercase() {
            out.push(' ');
        }
        if i == 0 {
            out.extend(c.to_uppercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// FNV-1a: field-name lookups are hot in the generator and in every query; SipHash's
/// flooding resistance buys nothing for a fixed set of schema names.
#[derive(Default)]
pub(crate) struct Fnv(u64);

impl std::hash::Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 { 0xcbf2_9ce4_8422_2325 } else { self.0 };
        for b in bytes {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}

pub(crate) type FnvBuild = std::hash::BuildHasherDefault<Fnv>;

#[derive(Clone, Debug)]
pub(crate) struct Row(pub Vec<Val>);

impl Row {
    pub(crate) fn get<'a>(&'a self, schema: &Schema, name: &str) -> &'a Val {
        schema.idx(name).map(|i| &self.0[i]).unwrap_or(&Val::Null)
    }
    pub(crate) fn set(&mut self, schema: &Schema, name: &str, v: Val) {
        if let Some(i) = schema.idx(name) {
            self.0[i] = v;
        }
    }
    pub(crate) fn str<'a>(&'a self, schema: &Schema, name: &str) -> &'a str {
        self.get(schema, name).as_str().unwrap_or("")
    }
}

#[derive(Debug)]
pub(crate) struct Table<K: Ord> {
    pub schema: Arc<Schema>,
    pub rows: BTreeMap<K, Row>,
}

impl<K: Ord + Clone> Table<K> {
    pub(crate) fn new(schema: Schema) -> Self {
        Table { schema: Arc::new(schema), rows: BTreeMap::new() }
    }
}

/// How a system writes date-times in JSON.
pub(crate) type DateFmt = fn(i64) -> String;

/// Renders one field as JSON.
pub(crate) fn val_json(def: &FieldDef, v: &Val, fmt: DateFmt) -> Value {
    match (def.kind, v) {
        (_, Val::Null) => Value::Null,
        (Kind::DateTime, Val::Int(ms)) => Value::String(fmt(*ms)),
        (_, Val::Bool(b)) => Value::Bool(*b),
        (_, Val::Int(i)) => json!(i),
        (_, Val::Str(s)) => Value::String(s.to_string()),
    }
}

/// Converts incoming JSON to a field value, checking the type; `Err` names the expected type.
pub(crate) fn json_val(def: &FieldDef, v: &Value) -> Result<Val, &'static str> {
    match (def.kind, v) {
        (_, Value::Null) => Ok(Val::Null),
        (Kind::Bool, Value::Bool(b)) => Ok(Val::Bool(*b)),
        (Kind::Bool, Value::String(s)) if s == "true" || s == "false" => Ok(Val::Bool(s == "true")),
        (Kind::Bool, _) => Err("boolean"),
        (Kind::Int, Value::Number(n)) => n.as_i64().map(Val::Int).ok_or("integer"),
        (Kind::Int, Value::String(s)) => s.parse().map(Val::Int).map_err(|_| "integer"),
        (Kind::Int, _) => Err("integer"),
        (Kind::DateTime, Value::String(s)) => crate::clock::parse_datetime(s).map(Val::Int).ok_or("datetime"),
        (Kind::DateTime, _) => Err("datetime"),
        (Kind::Date, Value::String(s)) => {
            crate::clock::parse_datetime(s).map(|ms| Val::s(crate::clock::date_only(ms))).ok_or("date")
        }
        (Kind::Date, _) => Err("date"),
        (_, Value::String(s)) => Ok(Val::s(s)),
        (_, Value::Number(n)) => Ok(Val::s(n.to_string())),
        (_, Value::Bool(b)) => Ok(Val::s(b.to_string())),
        _ => Err("string"),
    }
}

/// Comparison used by every query language: numbers and dates numerically, text
/// case-insensitively (as SOQL and Dataverse collations do), `Null` first.
pub(crate) fn cmp_vals(a: &Val, b: &Val) -> std::cmp::Ordering {
    use std::cmp::Ordering::*;
    match (a, b) {
        (Val::Null, Val::Null) => Equal,
        (Val::Null, _) => Less,
        (_, Val::Null) => Greater,
        (Val::Int(x), Val::Int(y)) => x.cmp(y),
        (Val::Bool(x), Val::Bool(y)) => x.cmp(y),
        (Val::Str(x), Val::Str(y)) => {
            let (xl, yl) = (x.to_lowercase(), y.to_lowercase());
            xl.cmp(&yl)
        }
        (Val::Int(x), Val::Str(y)) => y.parse::<i64>().map(|y| x.cmp(&y)).unwrap_or(Less),
        (Val::Str(x), Val::Int(y)) => x.parse::<i64>().map(|x| x.cmp(y)).unwrap_or(Greater),
        (Val::Bool(_), _) => Less,
        (_, Val::Bool(_)) => Greater,
    }
}

/// Pattern characters `\u{1}`/`\u{2}` stand for a literal `%`/`_` (escaped by the caller).
fn literal(c: char) -> char {
    match c {
        '\u{1}' => '%',
        '\u{2}' => '_',
        other => other,
    }
}

/// SQL-style `LIKE` with `%` and `_`, case-insensitive.
pub(crate) fn like(text: &str, pattern: &str) -> bool {
    let t: Vec<char> = text.to_lowercase().chars().collect();
    let p: Vec<char> = pattern.to_lowercase().chars().collect();
    let (mut ti, mut pi) = (0usize, 0usize);
    let (mut star, mut mark) = (None::<usize>, 0usize);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '_' || literal(p[pi]) == t[ti]) {
            ti += 1;
            pi += 1;
        } else if pi < p.len() && p[pi] == '%' {
            star = Some(pi);
            pi += 1;
            mark = ti;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '%' {
        pi += 1;
    }
    pi == p.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_matches_percent_and_underscore_case_insensitively() {
        assert!(like("John.Smith@example.com", "%@EXAMPLE.com"));
        assert!(like("abc", "a_c"));
        assert!(like("abc", "%"));
        assert!(!like("abc", "ab"));
        assert!(like("東京都", "東京%"));
    }
}
