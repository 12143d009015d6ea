//! Which exports are due by their schedule (R15: saving never runs one): after each data sync
//! that finished since their last run, or every N hours since their last run (or since they were
//! saved, for one that never ran).

use crate::Result;
use crate::store::Store;

/// The names of the exports due now, oldest last run first.
pub fn due(store: &Store) -> Result<Vec<String>> {
    store.read(|c| {
        let mut stmt = c.prepare(
            "WITH last_run AS (SELECT subject, max(started_at) AS at FROM runs WHERE kind = 'export' GROUP BY subject),
                  last_sync AS (SELECT max(finished_at) AS at FROM runs WHERE kind = 'sync' AND state = 'succeeded')
             SELECT e.name FROM exports e LEFT JOIN last_run l ON l.subject = e.id, last_sync s
              WHERE e.deleted_at IS NULL AND (
                    (e.schedule = 'after-sync' AND s.at IS NOT NULL AND s.at > max(e.updated_at, coalesce(l.at, '')))
                 OR (e.schedule LIKE 'hours:%' AND
                     strftime('%s', 'now') - strftime('%s', coalesce(l.at, e.updated_at))
                        >= 3600 * CAST(substr(e.schedule, 7) AS INTEGER)))
              ORDER BY coalesce(l.at, ''), e.name",
        )?;
        Ok(stmt.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?)
    })
}
