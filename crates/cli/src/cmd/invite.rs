//! `liaison invite preview FILE`: what an invitation CSV will do, before anything is sent.

use std::collections::BTreeSet;
use std::path::PathBuf;

use clap::Subcommand;
use liaison_core::invites::WorkspaceMembers;
use liaison_core::invites::csv::{self, Mapping, MappingByName};
use liaison_core::{Error, Workspace};

use crate::output::{Exit, Output};

#[derive(Debug, Subcommand)]
pub enum InviteCommand {
    /// Read a CSV, map its columns, and validate every row (nothing is sent).
    Preview {
        /// The CSV file.
        file: PathBuf,
        /// A saved mapping (JSON: field → column header), instead of the suggested one.
        #[arg(long)]
        mapping: Option<PathBuf>,
    },
}

pub fn invite(ws: &Workspace, out: &Output, command: InviteCommand) -> Result<Exit, Error> {
    let InviteCommand::Preview { file, mapping } = command;
    let inspection = csv::inspect(&file)?;
    let mapping = match mapping {
        Some(path) => {
            let text = std::fs::read_to_string(&path).map_err(|e| {
                Error::invalid_input(format!("Could not read the mapping file {} ({e}).", path.display()))
            })?;
            let saved: MappingByName = serde_json::from_str(&text).map_err(|e| {
                Error::invalid_input(format!(
                    "{} is not a mapping file (JSON of field → column header): {e}.",
                    path.display()
                ))
            })?;
            Mapping::from_names(&saved, &inspection.column_names())?
        }
        None => inspection.suggested(),
    };
    mapping.validate()?;
    let existing = WorkspaceMembers::load(ws.store())?;
    let report = csv::validate(&file, &inspection, &mapping, &existing, &BTreeSet::new(), &mut |_| {})?;
    if out.json() {
        out.json_value(&report);
    } else {
        out.line(format!(
            "{}: {} rows, {} encoding, delimiter {:?}, header on line {}",
            file.display(),
            report.rows,
            report.encoding.label(),
            report.delimiter.byte() as char,
            report.header_row.map_or("-".to_owned(), |l| l.to_string())
        ));
        out.line(format!(
            "  valid {}  invalid {}  duplicates {}  already in the workspace {}",
            report.valid, report.invalid, report.duplicates, report.existing
        ));
        for issue in &report.issues {
            out.line(format!("  row {}: {}", issue.row, issue.message));
        }
        if report.issues_truncated {
            out.line(format!("  … and {} more issues", report.issue_count - report.issues.len() as u64));
        }
    }
    Ok(if report.valid == report.rows { Exit::Success } else { Exit::Partial })
}
