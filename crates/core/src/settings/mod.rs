//! Workspace preferences kept in the database (language, and later SMTP and schedules).

use rusqlite::OptionalExtension;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::store::Store;
use crate::{Error, Lang, Result, msg};

/// The UI language: follow the OS, or a fixed one.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum LanguagePreference {
    #[default]
    System,
    En,
    Ja,
}

impl LanguagePreference {
    fn as_str(self) -> &'static str {
        match self {
            Self::System => "system",
            Self::En => "en",
            Self::Ja => "ja",
        }
    }

    /// Parses the stored or typed form (`system`, `en`, `ja`).
    pub fn parse(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "system" => Ok(Self::System),
            "en" => Ok(Self::En),
            "ja" => Ok(Self::Ja),
            other => Err(Error::invalid_input(msg!("settings-unknown-language", value = other))),
        }
    }
}

/// Preferences the UI reads at start.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, TS)]
pub struct Preferences {
    pub language: LanguagePreference,
}

const LANGUAGE_KEY: &str = "ui.language";

/// Reads the preferences (defaults where unset).
pub fn preferences(store: &Store) -> Result<Preferences> {
    store.read(|c| {
        let language: Option<String> =
            c.query_row("SELECT value FROM settings WHERE key = ?1", [LANGUAGE_KEY], |r| r.get(0)).optional()?;
        Ok(Preferences {
            language: language.as_deref().map(LanguagePreference::parse).transpose()?.unwrap_or_default(),
        })
    })
}

impl LanguagePreference {
    /// The language this preference means on this machine.
    pub fn resolve(self) -> Lang {
        match self {
            Self::System => Lang::of_system(),
            Self::En => Lang::En,
            Self::Ja => Lang::Ja,
        }
    }
}

/// The language the admin reads in this workspace (the system's when the preference cannot be
/// read: a message must still reach the admin).
pub fn language(store: &Store) -> Lang {
    preferences(store).map(|p| p.language).unwrap_or_default().resolve()
}

/// Sets one workspace setting (`settings` holds one value a key), inside the caller's transaction
/// or connection.
pub(crate) fn put(conn: &rusqlite::Connection, key: &str, value: impl rusqlite::ToSql) -> Result<()> {
    conn.execute(
        "INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        rusqlite::params![key, value],
    )?;
    Ok(())
}

/// Stores the UI language.
pub fn set_language(store: &Store, language: LanguagePreference) -> Result<Preferences> {
    store.write(|tx| put(tx, LANGUAGE_KEY, language.as_str()))?;
    preferences(store)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Paths;

    #[test]
    fn language_defaults_to_system_and_persists() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&Paths::in_dir(dir.path())).unwrap();
        assert_eq!(preferences(&store).unwrap().language, LanguagePreference::System);
        set_language(&store, LanguagePreference::Ja).unwrap();
        assert_eq!(preferences(&store).unwrap().language, LanguagePreference::Ja);
    }

    #[test]
    fn unknown_language_is_refused_with_the_choices() {
        let err = LanguagePreference::parse("fr").unwrap_err();
        assert!(err.message.contains("system, en or ja"));
    }
}
