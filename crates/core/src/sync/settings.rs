//! The data sync's settings: schedule, activity logging, quota ceiling, Marketo history start.

use rusqlite::OptionalExtension;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::store::Store;
use crate::{Error, Result, msg};

/// What the admin can tune about syncing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct SyncSettings {
    /// Minutes between scheduled incremental syncs while the app runs (0: off).
    pub schedule_minutes: u32,
    /// Write Marketo email activities to Salesforce as completed Tasks.
    pub log_activities: bool,
    /// The share of a system's daily API quota one run may use, in percent.
    pub quota_ceiling_percent: u8,
    /// The subscription's daily Marketo API quota (50,000 unless Adobe raised it).
    pub marketo_daily_quota: u64,
    /// A full sync loads Marketo leads created since this date (`YYYY-MM-DD`). Marketo
    /// extracts work in 31-day windows, so an earlier date costs more calls; nothing is older
    /// than the subscription.
    pub marketo_history_from: String,
    /// On the first sync, activities of the last N days are logged.
    pub activity_history_days: u32,
    /// The Dynamics 365 connection whose contacts the sync reads; `None`: the only Dynamics
    /// connection (none when there is none, or several).
    pub dynamics_connection: Option<String>,
}

impl Default for SyncSettings {
    fn default() -> Self {
        Self {
            schedule_minutes: 15,
            log_activities: true,
            quota_ceiling_percent: 50,
            marketo_daily_quota: 50_000,
            // Marketo was founded in 2006: no subscription holds older leads.
            marketo_history_from: "2006-01-01".into(),
            activity_history_days: 30,
            dynamics_connection: None,
        }
    }
}

impl SyncSettings {
    /// Checks every value, with a message per problem.
    pub fn validate(&self) -> Result<()> {
        if self.schedule_minutes != 0 && !(5..=1440).contains(&self.schedule_minutes) {
            return Err(Error::invalid_input(msg!("sync-settings-schedule-invalid")));
        }
        if !(1..=100).contains(&self.quota_ceiling_percent) {
            return Err(Error::invalid_input(msg!("sync-settings-ceiling-invalid")));
        }
        if self.marketo_daily_quota == 0 {
            return Err(Error::invalid_input(msg!("sync-settings-quota-invalid")));
        }
        if self.activity_history_days > 365 {
            return Err(Error::invalid_input(msg!("sync-settings-activity-days-invalid")));
        }
        self.history_start()?;
        Ok(())
    }

    /// The history start as a UTC midnight.
    pub fn history_start(&self) -> Result<time::OffsetDateTime> {
        let format = time::macros::format_description!("[year]-[month]-[day]");
        let date = time::Date::parse(self.marketo_history_from.trim(), format).map_err(|_| {
            Error::invalid_input(msg!("sync-settings-history-not-a-date", value = &self.marketo_history_from))
        })?;
        if date.year() < 2006 {
            return Err(Error::invalid_input(msg!("sync-settings-history-too-early")));
        }
        Ok(date.midnight().assume_utc())
    }
}

const KEY: &str = "sync.settings";

/// The settings the admin saved, if ever.
pub fn saved(store: &Store) -> Result<Option<SyncSettings>> {
    store.read(saved_in)
}

/// [`saved`] on an open connection.
pub fn saved_in(conn: &rusqlite::Connection) -> Result<Option<SyncSettings>> {
    let raw: Option<String> =
        conn.query_row("SELECT value FROM settings WHERE key = ?1", [KEY], |r| r.get(0)).optional()?;
    Ok(raw.and_then(|r| serde_json::from_str(&r).ok()))
}

/// The stored settings (defaults where unset).
pub fn load(store: &Store) -> Result<SyncSettings> {
    Ok(saved(store)?.unwrap_or_default())
}

/// Validates and stores the settings (audited).
pub fn save(store: &Store, settings: &SyncSettings) -> Result<SyncSettings> {
    settings.validate()?;
    let value = serde_json::to_string(settings)?;
    store.write(|tx| {
        if let Some(id) = &settings.dynamics_connection {
            // Refused unless it names a live Dynamics connection.
            crate::connections::dynamics::settings(tx, id)?;
        }
        crate::settings::put(tx, KEY, value)?;
        let actor = crate::members::admin::acting_admin_in(tx)?.map(|a| a.id);
        crate::audit::record(tx, actor.as_deref(), "sync.settings_saved", None, serde_json::to_value(settings)?)?;
        Ok(())
    })?;
    Ok(settings.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_settings_are_refused_with_the_reason() {
        let bad = |f: fn(&mut SyncSettings)| {
            let mut s = SyncSettings::default();
            f(&mut s);
            s.validate().unwrap_err().message
        };
        assert!(bad(|s| s.schedule_minutes = 2).contains("5 and 1,440"));
        assert!(bad(|s| s.quota_ceiling_percent = 0).contains("1% and 100%"));
        assert!(bad(|s| s.marketo_history_from = "last year".into()).contains("YYYY-MM-DD"));
        assert!(bad(|s| s.marketo_history_from = "1999-01-01".into()).contains("2006"));
        SyncSettings::default().validate().unwrap();
    }
}
