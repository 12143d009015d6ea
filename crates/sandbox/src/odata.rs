//! The OData v4 `$filter` subset Dataverse clients use: `eq ne gt ge lt le`, `and or not`,
//! parentheses, `contains`/`startswith`/`endswith`, strings (`''` escapes), numbers, booleans,
//! `null`, GUIDs and date-times. Compiles to the same evaluator as SOQL.

use crate::clock::parse_datetime;
use crate::data::{Kind, Schema, Val};
use crate::soql::Bound;

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Word(String),
    Str(String),
    LParen,
    RParen,
    Comma,
}

fn tokenize(s: &str) -> Result<Vec<(usize, Tok)>, usize> {
    let c: Vec<char> = s.chars().collect();
    let mut i = 0;
    let mut out = Vec::new();
    while i < c.len() {
        match c[i] {
            ' ' | '\t' => i += 1,
            '(' => {
                out.push((i, Tok::LParen));
                i += 1;
            }
            ')' => {
                out.push((i, Tok::RParen));
                i += 1;
            }
            ',' => {
                out.push((i, Tok::Comma));
                i += 1;
            }
            '\'' => {
                let start = i;
                let mut v = String::new();
                i += 1;
                loop {
                    match c.get(i) {
                        None => return Err(start),
                        Some('\'') if c.get(i + 1) == Some(&'\'') => {
                            v.push('\'');
                            i += 2;
                        }
                        Some('\'') => {
                            i += 1;
                            break;
                        }
                        Some(x) => {
                            v.push(*x);
                            i += 1;
                        }
                    }
                }
                out.push((start, Tok::Str(v)));
            }
            ch if ch.is_alphanumeric() || "_-.:+/@".contains(ch) => {
                let start = i;
                while i < c.len() && (c[i].is_alphanumeric() || "_-.:+/@".contains(c[i])) {
                    i += 1;
                }
                out.push((start, Tok::Word(c[start..i].iter().collect())));
            }
            _ => return Err(i),
        }
    }
    Ok(out)
}

/// Why a filter was rejected, in Dataverse's words.
pub(crate) fn syntax_error(pos: usize, filter: &str) -> String {
    format!("Syntax error at position {pos} in '{filter}'.")
}

struct P<'a> {
    toks: Vec<(usize, Tok)>,
    pos: usize,
    schema: &'a Schema,
    entity: &'a str,
    len: usize,
}

impl P<'_> {
    fn at(&self) -> usize {
        self.toks.get(self.pos).map(|t| t.0).unwrap_or(self.len)
    }
    fn peek_word(&self, w: &str) -> bool {
        matches!(self.toks.get(self.pos), Some((_, Tok::Word(x))) if x == w)
    }
    fn expect(&mut self, t: Tok) -> Result<(), String> {
        if self.toks.get(self.pos).map(|x| &x.1) == Some(&t) {
            self.pos += 1;
            Ok(())
        } else {
            Err(format!("@{}", self.at()))
        }
    }
    fn or(&mut self) -> Result<Bound, String> {
        let mut l = self.and()?;
        while self.peek_word("or") {
            self.pos += 1;
            l = Bound::Or(Box::new(l), Box::new(self.and()?));
        }
        Ok(l)
    }
    fn and(&mut self) -> Result<Bound, String> {
        let mut l = self.unary()?;
        while self.peek_word("and") {
            self.pos += 1;
            l = Bound::And(Box::new(l), Box::new(self.unary()?));
        }
        Ok(l)
    }
    fn unary(&mut self) -> Result<Bound, String> {
        if self.peek_word("not") {
            self.pos += 1;
            return Ok(Bound::Not(Box::new(self.unary()?)));
        }
        if self.toks.get(self.pos).map(|t| &t.1) == Some(&Tok::LParen) {
            self.pos += 1;
            let e = self.or()?;
            self.expect(Tok::RParen)?;
            return Ok(e);
        }
        let Some((_, Tok::Word(w))) = self.toks.get(self.pos).cloned() else { return Err(format!("@{}", self.at())) };
        self.pos += 1;
        if matches!(w.as_str(), "contains" | "startswith" | "endswith") {
            self.expect(Tok::LParen)?;
            let f = self.field()?;
            self.expect(Tok::Comma)?;
            let Some((_, Tok::Str(s))) = self.toks.get(self.pos).cloned() else {
                return Err(format!("@{}", self.at()));
            };
            self.pos += 1;
            self.expect(Tok::RParen)?;
            // A literal `%`/`_` in the text must not act as a LIKE wildcard.
            let esc = s.replace('%', "\u{1}").replace('_', "\u{2}");
            let pattern = match w.as_str() {
                "contains" => format!("%{esc}%"),
                "startswith" => format!("{esc}%"),
                _ => format!("%{esc}"),
            };
            return Ok(Bound::Like(f, pattern));
        }
        self.pos -= 1;
        let f = self.field()?;
        let Some((_, Tok::Word(op))) = self.toks.get(self.pos).cloned() else { return Err(format!("@{}", self.at())) };
        let op: &'static str = match op.as_str() {
            "eq" => "=",
            "ne" => "!=",
            "gt" => ">",
            "ge" => ">=",
            "lt" => "<",
            "le" => "<=",
            _ => return Err(format!("@{}", self.at())),
        };
        self.pos += 1;
        let v = self.value(f)?;
        Ok(Bound::Cmp(f, op, v))
    }
    fn field(&mut self) -> Result<usize, String> {
        let Some((_, Tok::Word(w))) = self.toks.get(self.pos).cloned() else { return Err(format!("@{}", self.at())) };
        self.pos += 1;
        self.schema.idx(&w).ok_or_else(|| {
            format!("Could not find a property named '{w}' on type 'Microsoft.Dynamics.CRM.{}'.", self.entity)
        })
    }
    fn value(&mut self, f: usize) -> Result<Val, String> {
        let kind = self.schema.fields[f].kind;
        let at = self.at();
        let Some((_, t)) = self.toks.get(self.pos).cloned() else { return Err(format!("@{at}")) };
        self.pos += 1;
        Ok(match (kind, t) {
            (_, Tok::Word(w)) if w == "null" => Val::Null,
            (Kind::Bool, Tok::Word(w)) if w == "true" || w == "false" => Val::Bool(w == "true"),
            (Kind::Int, Tok::Word(w)) => Val::Int(w.parse().map_err(|_| format!("@{at}"))?),
            (Kind::DateTime, Tok::Word(w)) => Val::Int(parse_datetime(&w).ok_or_else(|| format!("@{at}"))?),
            (Kind::Id | Kind::Ref, Tok::Word(w)) if w.parse::<uuid::Uuid>().is_ok() => Val::s(w.to_lowercase()),
            (Kind::DateTime | Kind::Bool | Kind::Int, Tok::Str(_)) => {
                return Err(format!(
                    "A binary operator with incompatible types was detected. Found operand types '{}' and 'Edm.String' for operator kind 'Equal'.",
                    edm(kind)
                ));
            }
            (_, Tok::Str(s)) => Val::s(s),
            _ => return Err(format!("@{at}")),
        })
    }
}

pub(crate) fn edm(k: Kind) -> &'static str {
    match k {
        Kind::Id | Kind::Ref => "Edm.Guid",
        Kind::Bool => "Edm.Boolean",
        Kind::Int => "Edm.Int32",
        Kind::DateTime => "Edm.DateTimeOffset",
        Kind::Date => "Edm.Date",
        _ => "Edm.String",
    }
}

/// Parses `$filter`; errors are Dataverse messages.
pub(crate) fn parse(filter: &str, schema: &Schema, entity: &str) -> Result<Bound, String> {
    let toks = tokenize(filter).map_err(|p| syntax_error(p, filter))?;
    let mut p = P { toks, pos: 0, schema, entity, len: filter.chars().count() };
    let b = p.or().map_err(|e| match e.strip_prefix('@').and_then(|n| n.parse::<usize>().ok()) {
        Some(pos) => syntax_error(pos, filter),
        None => e,
    })?;
    if p.pos < p.toks.len() {
        return Err(syntax_error(p.at(), filter));
    }
    Ok(b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::world::dv_contact_schema;

    #[test]
    fn parses_dataverse_filters_and_reports_positions() {
        let s = dv_contact_schema();
        assert!(
            parse(
                "emailaddress1 eq 'a@b.com' and (donotbulkemail eq false or contains(lastname,'O''Brien'))",
                &s,
                "contact"
            )
            .is_ok()
        );
        assert!(parse("modifiedon gt 2025-01-01T00:00:00Z and statecode eq 0", &s, "contact").is_ok());
        assert_eq!(
            parse("emailaddress1 eq", &s, "contact").unwrap_err(),
            "Syntax error at position 16 in 'emailaddress1 eq'."
        );
        assert!(parse("nope eq 1", &s, "contact").unwrap_err().starts_with("Could not find a property named 'nope'"));
    }
}
