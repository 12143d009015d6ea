//! "Invite via CSV" as both front ends run it: open a file (with the mapping saved for its
//! headers), preview a page with existing members marked, validate every row, then queue the
//! valid rows and remember the mapping. Delivery is the separate job in [`super::delivery`].

use std::collections::BTreeSet;
use std::path::Path;

use serde::Serialize;
use ts_rs::TS;

use super::csv::{self, Inspection, Mapping, MappingByName, PreviewPage, ValidationProgress, ValidationReport};
use super::invite::{self, BatchSummary};
use super::{WorkspaceMembers, save_mapping, saved_mapping};
use crate::vault::Vault;
use crate::{Result, Workspace};

/// A chosen CSV file, read and mapped (the wizard's first two steps).
#[derive(Debug, Clone, Serialize, TS)]
pub struct CsvFile {
    pub path: String,
    pub inspection: Inspection,
    /// The mapping to review: the one saved for these headers, else the suggested one.
    pub mapping: MappingByName,
    pub mapping_was_saved: bool,
}

/// Reads `path` and proposes its mapping: the one saved for files with the same headers when it
/// still fits the columns, else the suggestion from the headers.
pub fn open(ws: &Workspace, path: &Path) -> Result<CsvFile> {
    let inspection = csv::inspect(path)?;
    let saved = saved_mapping(ws.store(), &inspection.headers_signature)?
        .filter(|m| Mapping::from_names(m, &inspection.column_names()).is_ok());
    let mapping_was_saved = saved.is_some();
    let mapping = saved.unwrap_or_else(|| inspection.suggested_mapping.clone());
    Ok(CsvFile { path: path.display().to_string(), inspection, mapping, mapping_was_saved })
}

/// The reviewed mapping, checked against the file's columns; email must be mapped.
pub fn mapping(inspection: &Inspection, by_name: &MappingByName) -> Result<Mapping> {
    let mapping = Mapping::from_names(by_name, &inspection.column_names())?;
    mapping.validate()?;
    Ok(mapping)
}

/// One page of rows as they will be invited; rows of people already in the workspace are
/// marked as such.
pub fn preview(
    ws: &Workspace,
    path: &Path,
    inspection: &Inspection,
    mapping: &Mapping,
    offset: u64,
    limit: usize,
) -> Result<PreviewPage> {
    let existing = WorkspaceMembers::load(ws.store())?;
    csv::preview_marking(path, inspection, mapping, &existing, offset, limit)
}

/// Checks every row against the file and the workspace's members, reporting progress.
pub fn validate(
    ws: &Workspace,
    path: &Path,
    inspection: &Inspection,
    mapping: &Mapping,
    excluded: &BTreeSet<u64>,
    progress: &mut dyn FnMut(&ValidationProgress),
) -> Result<ValidationReport> {
    let existing = WorkspaceMembers::load(ws.store())?;
    csv::validate(path, inspection, mapping, &existing, excluded, progress)
}

/// Queues the valid rows of the reviewed file and saves its mapping for files with the same
/// headers. Start (or let run) the delivery afterwards.
pub fn queue(
    ws: &Workspace,
    vault: &Vault,
    path: &Path,
    inspection: &Inspection,
    by_name: &MappingByName,
    excluded: &BTreeSet<u64>,
) -> Result<BatchSummary> {
    let mapping = mapping(inspection, by_name)?;
    save_mapping(ws, &inspection.headers_signature, by_name)?;
    invite::queue_csv_batch(ws, vault, path, inspection, &mapping, excluded)
}
