//! Matching cached people to Dynamics 365 contacts (R13): by email, or by a cached person field
//! that equals a contact attribute the sync reads. Exports to Dynamics marketing lists use this
//! to add only existing contacts (R14): a person matched to two contacts is reported as
//! ambiguous, never guessed.

use std::collections::HashMap;

use rusqlite::{Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::connections::dynamics::{self, MatchBy};
use crate::sync::cache::PersonField;
use crate::{Error, Result, msg};

/// What a person matches among a connection's synced contacts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ContactMatch {
    /// Exactly one active contact.
    Matched { contact_id: String },
    /// No contact (or no cached person, or the person has no value for the key field).
    NoContact,
    /// Two or more contacts: reported, never guessed.
    Ambiguous { contact_ids: Vec<String> },
    /// The only contact is inactive (statecode 1).
    Inactive { contact_id: String },
}

/// A person's match as the People view shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct PersonMatch {
    pub connection_id: String,
    /// How the connection matches (email or a key).
    pub by: MatchBy,
    pub result: ContactMatch,
}

/// The sync cursor of a connection's contacts (a delta link or `modifiedon:<time>`).
pub(crate) fn cursor_name(connection_id: &str) -> String {
    format!("dynamics.{connection_id}.contacts")
}

/// Drops the connection's contacts cursor, so the next sync reads its contacts in full.
pub(crate) fn forget_cursor(conn: &Connection, connection_id: &str) -> Result<()> {
    conn.execute("DELETE FROM sync_cursors WHERE name = ?1", [cursor_name(connection_id)])?;
    Ok(())
}

/// The SQL giving a person's (`p`) value of a cached field: a column of `people` or a custom
/// field's value (bound as `?3`).
fn person_value(conn: &Connection, field: &str) -> Result<(String, Option<String>)> {
    const IDS: [&str; 4] = ["marketo_id", "sf_contact_id", "sf_lead_id", "dyn_contact_id"];
    let lower = field.to_ascii_lowercase();
    if IDS.contains(&lower.as_str()) || PersonField::ALL.iter().any(|f| f.column() == lower) {
        return Ok((format!("p.{lower}"), None));
    }
    let custom: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM settings s, json_each(s.value) j
                         WHERE s.key = 'sync.custom_fields' AND json_extract(j.value, '$.key') = ?1)",
        [field],
        |r| r.get(0),
    )?;
    if !custom {
        return Err(Error::invalid_input(msg!("dynamics-match-field-unknown", field = field)));
    }
    Ok(("(SELECT value FROM people_custom WHERE person_id = p.id AND key = ?3)".to_owned(), Some(field.to_owned())))
}

/// Matches people (by `people.email_key`) to the contacts of a Dynamics connection. Every key
/// asked for is in the result. One query for all keys, however many.
pub fn match_people(
    conn: &Connection,
    connection_id: &str,
    email_keys: &[&str],
) -> Result<HashMap<String, ContactMatch>> {
    let settings = dynamics::settings(conn, connection_id)?;
    let keys = serde_json::to_string(email_keys)?;
    // `json_each` feeds the keys to one join: no temporary table, no query per person.
    let mut found: HashMap<String, Vec<(String, i64)>> = HashMap::with_capacity(email_keys.len());
    let mut collect = |row: &rusqlite::Row<'_>| -> rusqlite::Result<()> {
        let key: String = row.get(0)?;
        let contact: Option<String> = row.get(1)?;
        let state: Option<i64> = row.get(2)?;
        let entry = found.entry(key).or_default();
        if let Some(contact) = contact {
            entry.push((contact, state.unwrap_or(0)));
        }
        Ok(())
    };
    match &settings.match_by {
        MatchBy::Email => {
            let mut stmt = conn.prepare(
                "SELECT k.value, c.contact_id, c.statecode
                   FROM json_each(?1) k
                   LEFT JOIN dynamics_contacts c ON c.connection_id = ?2 AND c.email_key = k.value",
            )?;
            let mut rows = stmt.query(rusqlite::params![keys, connection_id])?;
            while let Some(row) = rows.next()? {
                collect(row)?;
            }
        }
        MatchBy::Key { field, .. } => {
            let (value, custom) = person_value(conn, field)?;
            let mut stmt = conn.prepare(&format!(
                "SELECT k.value, c.contact_id, c.statecode
                   FROM json_each(?1) k
                   LEFT JOIN people p ON p.email_key = k.value
                   LEFT JOIN dynamics_contacts c ON c.connection_id = ?2 AND c.match_value = {value}
                        AND c.match_value IS NOT NULL"
            ))?;
            let mut rows = match &custom {
                Some(key) => stmt.query(rusqlite::params![keys, connection_id, key])?,
                None => stmt.query(rusqlite::params![keys, connection_id])?,
            };
            while let Some(row) = rows.next()? {
                collect(row)?;
            }
        }
    }
    Ok(found
        .into_iter()
        .map(|(key, mut contacts)| {
            contacts.sort();
            contacts.dedup();
            let result = match contacts.len() {
                0 => ContactMatch::NoContact,
                1 => {
                    let (contact_id, state) = contacts.remove(0);
                    if state == 1 {
                        ContactMatch::Inactive { contact_id }
                    } else {
                        ContactMatch::Matched { contact_id }
                    }
                }
                _ => ContactMatch::Ambiguous { contact_ids: contacts.into_iter().map(|(id, _)| id).collect() },
            };
            (key, result)
        })
        .collect())
}

/// The Dynamics connection the data sync reads contacts from: the one the sync settings name,
/// else the only live Dynamics connection; none when there is none (or several, unnamed).
pub fn source_connection(conn: &Connection) -> Result<Option<String>> {
    let named = crate::sync::settings::saved_in(conn)?.and_then(|s| s.dynamics_connection);
    let live = |id: &str| -> Result<bool> {
        Ok(conn
            .query_row(
                "SELECT 1 FROM connections WHERE id = ?1 AND kind = 'dynamics' AND disconnected_at IS NULL",
                [id],
                |_| Ok(()),
            )
            .optional()?
            .is_some())
    };
    if let Some(id) = named {
        return Ok(if live(&id)? { Some(id) } else { None });
    }
    let mut stmt = conn.prepare("SELECT id FROM connections WHERE kind = 'dynamics' AND disconnected_at IS NULL")?;
    let ids: Vec<String> = stmt.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
    Ok(if ids.len() == 1 { ids.into_iter().next() } else { None })
}

/// Refuses a key matching whose person field the cache does not have.
pub(crate) fn check(conn: &Connection, by: &MatchBy) -> Result<()> {
    match by {
        MatchBy::Email => Ok(()),
        MatchBy::Key { field, .. } => person_value(conn, field).map(|_| ()),
    }
}

/// The matches of these people against the sync's Dynamics connection (empty without one, or
/// when its matching names a field that has since gone: the People view still shows people).
pub(crate) fn for_people(conn: &Connection, email_keys: &[&str]) -> Result<HashMap<String, PersonMatch>> {
    let Some(connection_id) = source_connection(conn)? else { return Ok(HashMap::new()) };
    let by = dynamics::settings(conn, &connection_id)?.match_by;
    if check(conn, &by).is_err() {
        return Ok(HashMap::new());
    }
    Ok(match_people(conn, &connection_id, email_keys)?
        .into_iter()
        .map(|(key, result)| (key, PersonMatch { connection_id: connection_id.clone(), by: by.clone(), result }))
        .collect())
}
