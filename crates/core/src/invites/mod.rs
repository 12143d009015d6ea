//! Inviting members: one by one, or from a CSV file after a mapping review.

mod batches;
pub mod csv;
pub mod delivery;
pub mod email;
pub mod import;
pub mod invite;
mod lifecycle;
pub mod outbox;
pub mod smtp;
mod teams;

use std::collections::HashMap;

use csv::{ExistingKind, ExistingMembers, MappingByName};
use rusqlite::OptionalExtension;

use crate::store::Store;
use crate::{Result, Workspace};

fn mapping_key(signature: &str) -> String {
    format!("csv.mapping.{signature}")
}

/// The mapping saved for files with these headers (see `csv::headers_signature`), if any.
pub fn saved_mapping(store: &Store, signature: &str) -> Result<Option<MappingByName>> {
    let text: Option<String> = store.read(|c| {
        Ok(c.query_row("SELECT value FROM settings WHERE key = ?1", [mapping_key(signature)], |r| r.get(0))
            .optional()?)
    })?;
    Ok(text.map(|t| serde_json::from_str(&t)).transpose()?)
}

/// Saves the mapping the admin reviewed, to offer it again for files with the same headers.
pub fn save_mapping(ws: &Workspace, signature: &str, mapping: &MappingByName) -> Result<()> {
    let text = serde_json::to_string(mapping)?;
    ws.store().write(|tx| crate::settings::put(tx, &mapping_key(signature), text))
}

/// Who is already in the workspace, keyed by normalised email (removed members may be invited
/// again, so they are not listed).
#[derive(Debug, Default)]
pub struct WorkspaceMembers {
    by_email: HashMap<String, ExistingKind>,
}

impl WorkspaceMembers {
    /// Loads the current members and pending invitations.
    pub fn load(store: &Store) -> Result<Self> {
        store.read(|c| {
            let mut stmt = c.prepare("SELECT email, status FROM members WHERE status != 'removed'")?;
            let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
            let mut by_email = HashMap::new();
            for row in rows {
                let (email, status) = row?;
                let kind = if status == "invited" { ExistingKind::Invited } else { ExistingKind::Member };
                by_email.insert(csv::normalize_email(&email), kind);
            }
            Ok(Self { by_email })
        })
    }
}

impl ExistingMembers for WorkspaceMembers {
    fn lookup(&self, normalized_email: &str) -> Option<ExistingKind> {
        self.by_email.get(normalized_email).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::csv::MemberField;
    use super::*;
    use crate::Paths;

    #[test]
    fn a_saved_mapping_is_offered_again_for_the_same_headers() {
        let dir = tempfile::tempdir().unwrap();
        let ws = Workspace::open(Paths::in_dir(dir.path())).unwrap();
        let signature = csv::headers_signature(&["Work Email".to_owned(), "Name".to_owned()]);
        assert!(saved_mapping(ws.store(), &signature).unwrap().is_none());
        let mapping: MappingByName = [(MemberField::Email, "Work Email".to_owned())].into_iter().collect();
        save_mapping(&ws, &signature, &mapping).unwrap();
        assert_eq!(saved_mapping(ws.store(), &signature).unwrap(), Some(mapping));
    }
}
