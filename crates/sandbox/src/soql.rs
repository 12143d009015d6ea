//! The SOQL subset real clients use: field lists, `COUNT()`, `WHERE` with `= != <> < <= > >=`,
//! `LIKE`, `IN`/`NOT IN`, `AND`/`OR`/`NOT`, parentheses, date-time literals and a few date
//! literals, `ORDER BY … ASC|DESC NULLS FIRST|LAST`, `LIMIT`, `OFFSET`.

use crate::clock::parse_datetime;
use crate::data::{Kind, Row, Schema, Val, cmp_vals, like};
use std::cmp::Ordering;

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Word(String),
    Str(String),
    Num(String),
    Comma,
    LParen,
    RParen,
    Op(&'static str),
}

#[derive(Debug)]
pub(crate) enum SoqlError {
    Malformed(String),
    InvalidField(String),
    InvalidType(String),
}

fn tokenize(q: &str) -> Result<Vec<Tok>, SoqlError> {
    let c: Vec<char> = q.chars().collect();
    let mut i = 0;
    let mut out = Vec::new();
    while i < c.len() {
        let ch = c[i];
        if ch.is_whitespace() {
            i += 1;
        } else if ch == ',' {
            out.push(Tok::Comma);
            i += 1;
        } else if ch == '(' {
            out.push(Tok::LParen);
            i += 1;
        } else if ch == ')' {
            out.push(Tok::RParen);
            i += 1;
        } else if ch == '\'' {
            let mut s = String::new();
            i += 1;
            loop {
                match c.get(i) {
                    None => return Err(SoqlError::Malformed("unexpected end of query: unterminated string".into())),
                    Some('\\') => {
                        let e = c.get(i + 1).copied().unwrap_or('\\');
                        s.push(match e {
                            'n' => '\n',
                            't' => '\t',
                            other => other,
                        });
                        i += 2;
                    }
                    Some('\'') => {
                        i += 1;
                        break;
                    }
                    Some(x) => {
                        s.push(*x);
                        i += 1;
                    }
                }
            }
            out.push(Tok::Str(s));
        } else if "=!<>".contains(ch) {
            let two: String = c[i..(i + 2).min(c.len())].iter().collect();
            let op = match two.as_str() {
                "!=" => "!=",
                "<>" => "!=",
                "<=" => "<=",
                ">=" => ">=",
                _ => match ch {
                    '=' => "=",
                    '<' => "<",
                    '>' => ">",
                    _ => return Err(SoqlError::Malformed(format!("unexpected token: '{ch}'"))),
                },
            };
            i += if op.len() == 2 || two == "<>" { 2 } else { 1 };
            out.push(Tok::Op(op));
        } else if ch.is_ascii_digit() || (ch == '-' && c.get(i + 1).is_some_and(|d| d.is_ascii_digit())) {
            let start = i;
            i += 1;
            while i < c.len() && (c[i].is_ascii_alphanumeric() || ":.+-".contains(c[i])) {
                i += 1;
            }
            out.push(Tok::Num(c[start..i].iter().collect()));
        } else if ch.is_alphabetic() || ch == '_' {
            let start = i;
            while i < c.len() && (c[i].is_alphanumeric() || c[i] == '_' || c[i] == '.' || c[i] == ':') {
                i += 1;
            }
            out.push(Tok::Word(c[start..i].iter().collect()));
        } else {
            return Err(SoqlError::Malformed(format!("unexpected token: '{ch}'")));
        }
    }
    Ok(out)
}

#[derive(Debug, Clone)]
pub(crate) enum Lit {
    Null,
    Bool(bool),
    Text(String),
    Num(String),
}

#[derive(Debug, Clone)]
pub(crate) enum Cond {
    And(Box<Cond>, Box<Cond>),
    Or(Box<Cond>, Box<Cond>),
    Not(Box<Cond>),
    Cmp(usize, &'static str, Lit),
    Like(usize, String),
    In(usize, bool, Vec<Lit>),
}

#[derive(Debug, Clone)]
pub(crate) struct Query {
    pub object: String,
    pub count_only: bool,
    pub fields: Vec<usize>,
    pub filter: Option<Cond>,
    pub order: Vec<(usize, bool, Option<bool>)>,
    pub limit: Option<usize>,
    pub offset: usize,
}

struct Parser<'a> {
    toks: Vec<Tok>,
    pos: usize,
    schema: Option<&'a Schema>,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }
    fn next(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.pos).cloned();
        self.pos += 1;
        t
    }
    fn kw(&mut self, k: &str) -> bool {
        if let Some(Tok::Word(w)) = self.peek()
            && w.eq_ignore_ascii_case(k)
        {
            self.pos += 1;
            return true;
        }
        false
    }
    fn unexpected(&self) -> SoqlError {
        match self.peek() {
            Some(Tok::Word(w)) | Some(Tok::Num(w)) => SoqlError::Malformed(format!("unexpected token: '{w}'")),
            Some(Tok::Str(s)) => SoqlError::Malformed(format!("unexpected token: ''{s}''")),
            Some(t) => SoqlError::Malformed(format!("unexpected token: '{t:?}'")),
            None => SoqlError::Malformed("unexpected token: '<EOF>'".into()),
        }
    }
    fn field(&mut self) -> Result<usize, SoqlError> {
        let Some(Tok::Word(w)) = self.next() else {
            self.pos -= 1;
            return Err(self.unexpected());
        };
        let schema = self.schema.expect("schema set before fields are parsed");
        schema.idx_ci(&w).ok_or_else(|| {
            SoqlError::InvalidField(format!(
                "No such column '{w}' on entity '{}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.",
                schema.name
            ))
        })
    }
    fn literal(&mut self) -> Result<Lit, SoqlError> {
        match self.next() {
            Some(Tok::Str(s)) => Ok(Lit::Text(s)),
            Some(Tok::Num(n)) => Ok(Lit::Num(n)),
            Some(Tok::Word(w)) if w.eq_ignore_ascii_case("null") => Ok(Lit::Null),
            Some(Tok::Word(w)) if w.eq_ignore_ascii_case("true") => Ok(Lit::Bool(true)),
            Some(Tok::Word(w)) if w.eq_ignore_ascii_case("false") => Ok(Lit::Bool(false)),
            Some(Tok::Word(w)) => Ok(Lit::Num(w.to_ascii_uppercase())),
            _ => {
                self.pos -= 1;
                Err(self.unexpected())
            }
        }
    }
    fn expr(&mut self) -> Result<Cond, SoqlError> {
        let mut left = self.term()?;
        while self.kw("OR") {
            let right = self.term()?;
            left = Cond::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }
    fn term(&mut self) -> Result<Cond, SoqlError> {
        let mut left = self.factor()?;
        while self.kw("AND") {
            let right = self.factor()?;
            left = Cond::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }
    fn factor(&mut self) -> Result<Cond, SoqlError> {
        if self.kw("NOT") {
            return Ok(Cond::Not(Box::new(self.factor()?)));
        }
        if self.peek() == Some(&Tok::LParen) {
            self.pos += 1;
            let e = self.expr()?;
            if self.next() != Some(Tok::RParen) {
                self.pos -= 1;
                return Err(self.unexpected());
            }
            return Ok(e);
        }
        let f = self.field()?;
        if self.kw("LIKE") {
            return match self.next() {
                Some(Tok::Str(s)) => Ok(Cond::Like(f, s)),
                _ => {
                    self.pos -= 1;
                    Err(self.unexpected())
                }
            };
        }
        let negate = self.kw("NOT");
        if self.kw("IN") {
            if self.next() != Some(Tok::LParen) {
                self.pos -= 1;
                return Err(self.unexpected());
            }
            let mut vals = vec![self.literal()?];
            while self.peek() == Some(&Tok::Comma) {
                self.pos += 1;
                vals.push(self.literal()?);
            }
            if self.next() != Some(Tok::RParen) {
                self.pos -= 1;
                return Err(self.unexpected());
            }
            return Ok(Cond::In(f, negate, vals));
        }
        if negate {
            return Err(self.unexpected());
        }
        match self.next() {
            Some(Tok::Op(op)) => Ok(Cond::Cmp(f, op, self.literal()?)),
            _ => {
                self.pos -= 1;
                Err(self.unexpected())
            }
        }
    }
}

/// Parses `q`; `schema_of` maps an object name to its schema (or `None` if unsupported).
pub(crate) fn parse<'a>(q: &str, schema_of: impl Fn(&str) -> Option<&'a Schema>) -> Result<Query, SoqlError> {
    let toks = tokenize(q)?;
    let mut p = Parser { toks, pos: 0, schema: None };
    if !p.kw("SELECT") {
        return Err(p.unexpected());
    }
    // Field names are resolved after FROM is known: remember their positions first.
    let mut raw_fields = Vec::new();
    let mut count_only = false;
    loop {
        match p.next() {
            Some(Tok::Word(w)) if w.eq_ignore_ascii_case("COUNT") && p.peek() == Some(&Tok::LParen) => {
                p.pos += 1;
                if p.next() != Some(Tok::RParen) {
                    p.pos -= 1;
                    return Err(p.unexpected());
                }
                count_only = true;
            }
            Some(Tok::Word(w)) => raw_fields.push(w),
            _ => {
                p.pos -= 1;
                return Err(p.unexpected());
            }
        }
        if p.peek() == Some(&Tok::Comma) {
            p.pos += 1;
        } else {
            break;
        }
    }
    if !p.kw("FROM") {
        return Err(p.unexpected());
    }
    let object = match p.next() {
        Some(Tok::Word(w)) => w,
        _ => {
            p.pos -= 1;
            return Err(p.unexpected());
        }
    };
    let schema = schema_of(&object).ok_or_else(|| {
        SoqlError::InvalidType(format!(
            "\n{q}\n^\nERROR at Row:1:Column:1\nsObject type '{object}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names."
        ))
    })?;
    p.schema = Some(schema);
    let mut fields = Vec::new();
    for f in raw_fields {
        let i = schema.idx_ci(&f).ok_or_else(|| {
            SoqlError::InvalidField(format!(
                "\n{q}\n^\nERROR at Row:1:Column:1\nNo such column '{f}' on entity '{}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.",
                schema.name
            ))
        })?;
        if !fields.contains(&i) {
            fields.push(i);
        }
    }
    let filter = if p.kw("WHERE") { Some(p.expr()?) } else { None };
    let mut order = Vec::new();
    if p.kw("ORDER") {
        if !p.kw("BY") {
            return Err(p.unexpected());
        }
        loop {
            let f = p.field()?;
            let desc = if p.kw("DESC") {
                true
            } else {
                p.kw("ASC");
                false
            };
            let nulls = if p.kw("NULLS") {
                if p.kw("FIRST") {
                    Some(true)
                } else if p.kw("LAST") {
                    Some(false)
                } else {
                    return Err(p.unexpected());
                }
            } else {
                None
            };
            order.push((f, desc, nulls));
            if p.peek() == Some(&Tok::Comma) {
                p.pos += 1;
            } else {
                break;
            }
        }
    }
    let mut limit = None;
    let mut offset = 0;
    if p.kw("LIMIT") {
        match p.next() {
            Some(Tok::Num(n)) => {
                limit = Some(n.parse().map_err(|_| SoqlError::Malformed(format!("unexpected token: '{n}'")))?)
            }
            _ => {
                p.pos -= 1;
                return Err(p.unexpected());
            }
        }
    }
    if p.kw("OFFSET") {
        match p.next() {
            Some(Tok::Num(n)) => {
                offset = n.parse().map_err(|_| SoqlError::Malformed(format!("unexpected token: '{n}'")))?
            }
            _ => {
                p.pos -= 1;
                return Err(p.unexpected());
            }
        }
    }
    if p.peek().is_some() {
        return Err(p.unexpected());
    }
    Ok(Query { object: schema.name.clone(), count_only, fields, filter, order, limit, offset })
}

const DAY: i64 = 86_400_000;

/// Converts a literal to a value of the field's kind; date literals are resolved against `now`.
fn lit_val(kind: Kind, lit: &Lit, now: i64) -> Result<Val, SoqlError> {
    Ok(match (kind, lit) {
        (_, Lit::Null) => Val::Null,
        (Kind::Bool, Lit::Bool(b)) => Val::Bool(*b),
        (Kind::DateTime, Lit::Num(n)) => match n.as_str() {
            "TODAY" => Val::Int(now - now.rem_euclid(DAY)),
            "YESTERDAY" => Val::Int(now - now.rem_euclid(DAY) - DAY),
            "TOMORROW" => Val::Int(now - now.rem_euclid(DAY) + DAY),
            s if s.starts_with("LAST_N_DAYS:") => {
                let n: i64 = s[12..].parse().map_err(|_| SoqlError::Malformed(format!("unexpected token: '{s}'")))?;
                Val::Int(now - now.rem_euclid(DAY) - n * DAY)
            }
            s => {
                Val::Int(parse_datetime(s).ok_or_else(|| {
                    SoqlError::Malformed(format!("line 1:0 no viable alternative at character '{s}'"))
                })?)
            }
        },
        (Kind::Date, Lit::Num(n)) => Val::s(n),
        (Kind::Int, Lit::Num(n)) => {
            Val::Int(n.parse().map_err(|_| SoqlError::Malformed(format!("unexpected token: '{n}'")))?)
        }
        (Kind::DateTime | Kind::Bool | Kind::Int, Lit::Text(t)) => {
            return Err(SoqlError::Malformed(format!(
                "\n'{t}'\n^\nERROR at Row:1:Column:1\nvalue of filter criterion for field must be of type {} and should not be enclosed in quotes",
                match kind {
                    Kind::DateTime => "dateTime",
                    Kind::Bool => "boolean",
                    _ => "int",
                }
            )));
        }
        (_, Lit::Text(t)) => Val::s(t),
        (_, Lit::Bool(b)) => Val::Bool(*b),
        (_, Lit::Num(n)) => Val::s(n),
    })
}

/// Resolves every literal once so evaluation over many rows is cheap.
#[derive(Debug)]
pub(crate) enum Bound {
    And(Box<Bound>, Box<Bound>),
    Or(Box<Bound>, Box<Bound>),
    Not(Box<Bound>),
    Cmp(usize, &'static str, Val),
    Like(usize, String),
    In(usize, bool, Vec<Val>),
}

pub(crate) fn bind(c: &Cond, schema: &Schema, now: i64) -> Result<Bound, SoqlError> {
    Ok(match c {
        Cond::And(a, b) => Bound::And(Box::new(bind(a, schema, now)?), Box::new(bind(b, schema, now)?)),
        Cond::Or(a, b) => Bound::Or(Box::new(bind(a, schema, now)?), Box::new(bind(b, schema, now)?)),
        Cond::Not(a) => Bound::Not(Box::new(bind(a, schema, now)?)),
        Cond::Cmp(f, op, l) => Bound::Cmp(*f, op, lit_val(schema.fields[*f].kind, l, now)?),
        Cond::Like(f, p) => Bound::Like(*f, p.clone()),
        Cond::In(f, neg, ls) => {
            Bound::In(*f, *neg, ls.iter().map(|l| lit_val(schema.fields[*f].kind, l, now)).collect::<Result<_, _>>()?)
        }
    })
}

fn eq(a: &Val, b: &Val) -> bool {
    match (a, b) {
        (Val::Str(x), Val::Str(y)) => x.eq_ignore_ascii_case(y) || x.to_lowercase() == y.to_lowercase(),
        _ => a == b,
    }
}

pub(crate) fn eval(c: &Bound, row: &Row) -> bool {
    match c {
        Bound::And(a, b) => eval(a, row) && eval(b, row),
        Bound::Or(a, b) => eval(a, row) || eval(b, row),
        Bound::Not(a) => !eval(a, row),
        Bound::Cmp(f, op, v) => {
            let x = &row.0[*f];
            match *op {
                "=" => eq(x, v),
                "!=" => !eq(x, v),
                _ if x.is_null() || v.is_null() => false,
                "<" => cmp_vals(x, v) == Ordering::Less,
                "<=" => cmp_vals(x, v) != Ordering::Greater,
                ">" => cmp_vals(x, v) == Ordering::Greater,
                ">=" => cmp_vals(x, v) != Ordering::Less,
                _ => false,
            }
        }
        Bound::Like(f, p) => row.0[*f].as_str().is_some_and(|s| like(s, p)),
        Bound::In(f, neg, vs) => vs.iter().any(|v| eq(&row.0[*f], v)) != *neg,
    }
}

pub(crate) fn order_rows(rows: &mut [(&String, &Row)], order: &[(usize, bool, Option<bool>)]) {
    if order.is_empty() {
        return;
    }
    rows.sort_by(|a, b| {
        for (f, desc, nulls_first) in order {
            let (x, y) = (&a.1.0[*f], &b.1.0[*f]);
            let nf = nulls_first.unwrap_or(!desc);
            let o = match (x.is_null(), y.is_null()) {
                (true, true) => Ordering::Equal,
                (true, false) => {
                    if nf {
                        Ordering::Less
                    } else {
                        Ordering::Greater
                    }
                }
                (false, true) => {
                    if nf {
                        Ordering::Greater
                    } else {
                        Ordering::Less
                    }
                }
                _ => {
                    let o = cmp_vals(x, y);
                    if *desc { o.reverse() } else { o }
                }
            };
            if o != Ordering::Equal {
                return o;
            }
        }
        Ordering::Equal
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::world::sf_contact_schema;

    #[test]
    fn parses_the_subset_real_clients_send() {
        let s = sf_contact_schema();
        let q = parse(
            "SELECT Id, Email, HasOptedOutOfEmail FROM Contact WHERE (Email IN ('a@x.com','b@y.com') OR LastName LIKE 'Sm%') AND HasOptedOutOfEmail = false AND LastModifiedDate > 2025-01-01T00:00:00Z ORDER BY LastModifiedDate DESC NULLS LAST, Id LIMIT 10 OFFSET 5",
            |o| o.eq_ignore_ascii_case("contact").then_some(&s),
        )
        .unwrap();
        assert_eq!(q.fields.len(), 3);
        assert_eq!(q.limit, Some(10));
        assert_eq!(q.offset, 5);
        assert!(bind(q.filter.as_ref().unwrap(), &s, 0).is_ok());
    }

    #[test]
    fn rejects_unknown_fields_objects_and_garbage() {
        let s = sf_contact_schema();
        let f = |o: &str| o.eq_ignore_ascii_case("contact").then_some(&s);
        assert!(matches!(parse("SELECT Nope FROM Contact", f), Err(SoqlError::InvalidField(_))));
        assert!(matches!(parse("SELECT Id FROM Nope", f), Err(SoqlError::InvalidType(_))));
        assert!(matches!(parse("SELEC Id FROM Contact", f), Err(SoqlError::Malformed(_))));
        assert!(matches!(parse("SELECT Id FROM Contact WHERE", f), Err(SoqlError::Malformed(_))));
        assert!(matches!(parse("SELECT Id FROM Contact WHERE Email = 'x", f), Err(SoqlError::Malformed(_))));
    }
}
