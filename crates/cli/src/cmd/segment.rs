//! `liaison segment create|list|show|count|delete`: segments over the people cache.

use clap::{Subcommand, ValueEnum};
use liaison_core::segments::{self, Definition, Match, Rule, Segment};
use liaison_core::{Error, Workspace};

use crate::output::{Exit, Output};

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum MatchArg {
    /// A person must match every rule.
    All,
    /// A person must match at least one rule.
    Any,
}

#[derive(Debug, Subcommand)]
pub enum SegmentCommand {
    /// Save a segment: rules like "country is Japan", "email ends with @example.co.jp",
    /// "city is empty", "country one of Japan, France", "known_in is marketo".
    Create {
        name: String,
        #[arg(long = "match", value_enum, default_value = "all")]
        match_: MatchArg,
        /// A rule: FIELD OPERATOR [VALUE] (repeatable).
        #[arg(long = "rule")]
        rules: Vec<String>,
    },
    /// The saved segments.
    List,
    /// One segment's rules.
    Show { name: String },
    /// How many cached people the segment matches now, with a sample of 20.
    Count { name: String },
    /// Delete a segment.
    Delete { name: String },
}

pub fn segment(ws: &Workspace, out: &Output, command: SegmentCommand) -> Result<Exit, Error> {
    match command {
        SegmentCommand::Create { name, match_, rules } => {
            let rules = rules.iter().map(|r| Rule::parse(r)).collect::<Result<Vec<_>, _>>()?;
            let match_ = match match_ {
                MatchArg::All => Match::All,
                MatchArg::Any => Match::Any,
            };
            let saved = segments::create(ws, &name, Definition { match_, rules })?;
            let preview = segments::preview(ws.store(), &saved.definition)?;
            if out.json() {
                out.json_value(&saved);
            } else {
                out.line(format!("Saved the segment {:?}: {} people match now.", saved.name, preview.count));
            }
        }
        SegmentCommand::List => {
            let list = segments::list(ws.store())?;
            if out.json() {
                out.json_value(&list);
            } else if list.is_empty() {
                out.line("No segments yet: `liaison segment create NAME --rule \"country is Japan\"`.".to_owned());
            } else {
                for s in &list {
                    out.line(format!("{:<30} {}", s.name, describe(out, s)));
                }
            }
        }
        SegmentCommand::Show { name } => {
            let s = segments::get(ws.store(), &name)?;
            if out.json() {
                out.json_value(&s);
            } else {
                out.line(format!("{}: {}", s.name, describe(out, &s)));
            }
        }
        SegmentCommand::Count { name } => {
            let s = segments::get(ws.store(), &name)?;
            let preview = segments::preview(ws.store(), &s.definition)?;
            if out.json() {
                out.json_value(&preview);
            } else {
                out.line(format!("{} people match {:?}.", preview.count, s.name));
                for p in &preview.sample {
                    let name =
                        [p.first_name.as_deref(), p.last_name.as_deref()].into_iter().flatten().collect::<Vec<_>>();
                    out.line(format!(
                        "  {:<40} {:<30} {}",
                        p.email,
                        name.join(" "),
                        p.country.as_deref().unwrap_or("")
                    ));
                }
            }
        }
        SegmentCommand::Delete { name } => {
            segments::delete(ws, &name)?;
            out.done(&format!("Deleted the segment {name:?}."));
        }
    }
    Ok(Exit::Success)
}

fn describe(out: &Output, s: &Segment) -> String {
    if let Some(problem) = &s.problem {
        return format!("(cannot be used: {})", out.text(problem));
    }
    if s.definition.rules.is_empty() {
        return "everyone in the cache".to_owned();
    }
    let joiner = match s.definition.match_ {
        Match::All => " and ",
        Match::Any => " or ",
    };
    s.definition.rules.iter().map(Rule::describe).collect::<Vec<_>>().join(joiner)
}
