//! Inviting members: one by one, or from a CSV file after a mapping review.

pub mod csv;
pub mod email;
pub mod invite;
pub mod outbox;
pub mod smtp;

use std::collections::HashMap;

use csv::{ExistingKind, ExistingMembers};

use crate::Result;
use crate::store::Store;

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
