//! Server-side state of paged and asynchronous operations.

use std::collections::BTreeMap;

#[derive(Debug, Default)]
pub(crate) struct Jobs {
    pub next_id: i64,
    pub marketo: crate::marketo_bulk::MarketoJobs,
    /// Salesforce Bulk API 2.0 query jobs by id.
    pub sf_bulk: BTreeMap<String, crate::salesforce::BulkQuery>,
    /// Salesforce query cursors (`nextRecordsUrl`): id → (cursor, batch size).
    pub sf_cursors: BTreeMap<String, (crate::salesforce::Cursor, usize)>,
}
