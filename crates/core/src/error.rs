//! The one error type that crosses every boundary: `{ code, message, details }`.
//!
//! `code` is a stable, machine-readable identifier the UI and scripts branch on; `message` is
//! written for the admin (what happened, why, what to do next) and must never contain a secret.

use std::sync::Arc;

use serde::Serialize;
use ts_rs::TS;

use crate::i18n::{Lang, Text};

/// Stable error codes. The UI branches on these, never on message text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// A bug or an unexpected condition inside Liaison.
    Internal,
    /// The caller supplied a value that cannot be used.
    InvalidInput,
    /// The thing asked for does not exist.
    NotFound,
    /// The action clashes with the current state (for example a second connection).
    Conflict,
    /// The acting admin may not do this (ownership and access rules).
    Forbidden,
    /// The data directory cannot be created or written.
    DataDirUnwritable,
    /// The workspace database is damaged or is not a Liaison database.
    StoreCorrupt,
    /// The workspace database was written by a newer Liaison.
    StoreTooNew,
    /// The workspace database could not be opened (locked, I/O error).
    StoreUnavailable,
    /// The keychain holding the vault's key is locked, missing or does not match.
    VaultLocked,
    /// An external system rejected the credentials (wrong secret, expired or revoked token).
    Unauthorized,
    /// An external system's host could not be reached.
    Unreachable,
    /// An external system kept failing or timing out within the retry budget.
    Unavailable,
    /// An external system's daily API quota is used up.
    QuotaExceeded,
    /// An external system answered with something Liaison cannot read.
    BadResponse,
}

impl ErrorCode {
    /// The code as it appears on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Internal => "internal",
            Self::InvalidInput => "invalid_input",
            Self::NotFound => "not_found",
            Self::Conflict => "conflict",
            Self::Forbidden => "forbidden",
            Self::DataDirUnwritable => "data_dir_unwritable",
            Self::StoreCorrupt => "store_corrupt",
            Self::StoreTooNew => "store_too_new",
            Self::StoreUnavailable => "store_unavailable",
            Self::VaultLocked => "vault_locked",
            Self::Unauthorized => "unauthorized",
            Self::Unreachable => "unreachable",
            Self::Unavailable => "unavailable",
            Self::QuotaExceeded => "quota_exceeded",
            Self::BadResponse => "bad_response",
        }
    }
}

/// An error for people and programs alike. `message` is a [`Text`]: rendered in English for logs
/// and `Display`, and in the admin's language where it is shown. `source` keeps the cause chain
/// for the log; it is never serialised (a cause may name paths or carry a remote's raw answer).
#[derive(Debug, Clone, Serialize, TS, thiserror::Error)]
#[ts(rename = "AppError")]
#[error("{message}")]
pub struct Error {
    pub code: ErrorCode,
    #[ts(type = "string")]
    pub message: Text,
    #[ts(type = "JsonValue | null")]
    pub details: Option<serde_json::Value>,
    #[serde(skip)]
    #[ts(skip)]
    #[source]
    source: Option<Arc<dyn std::error::Error + Send + Sync + 'static>>,
}

impl PartialEq for Error {
    fn eq(&self, other: &Self) -> bool {
        self.code == other.code && self.message == other.message && self.details == other.details
    }
}

/// Result alias used throughout core.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// An error with a code and an admin-facing message (`msg!(…)` from the catalogue).
    pub fn new(code: ErrorCode, message: impl Into<Text>) -> Self {
        Self { code, message: message.into(), details: None, source: None }
    }

    /// Attaches machine-readable details (never secrets).
    pub fn with_details(mut self, details: serde_json::Value) -> Self {
        self.details = Some(details);
        self
    }

    /// Keeps `cause` as this error's source, for the log's cause chain.
    pub fn caused_by(mut self, cause: impl std::error::Error + Send + Sync + 'static) -> Self {
        self.source = Some(Arc::new(cause));
        self
    }

    /// The message and every cause below it, for the log: `message: cause: cause`.
    pub fn chain(&self) -> String {
        let mut out = self.message.as_str().to_owned();
        let mut cause = std::error::Error::source(self);
        while let Some(err) = cause {
            out.push_str(": ");
            out.push_str(&err.to_string());
            cause = err.source();
        }
        out
    }

    /// The same error with its message rendered in `lang` (what a front end shows).
    pub fn localized(&self, lang: Lang) -> Self {
        let mut err = self.clone();
        err.message = Text::verbatim(self.message.render(lang));
        err
    }

    /// Shorthand for [`ErrorCode::InvalidInput`].
    pub fn invalid_input(message: impl Into<Text>) -> Self {
        Self::new(ErrorCode::InvalidInput, message)
    }

    /// Shorthand for [`ErrorCode::NotFound`].
    pub fn not_found(message: impl Into<Text>) -> Self {
        Self::new(ErrorCode::NotFound, message)
    }

    /// Shorthand for [`ErrorCode::Internal`].
    pub fn internal(message: impl Into<Text>) -> Self {
        Self::new(ErrorCode::Internal, message)
    }
}

impl From<rusqlite::Error> for Error {
    fn from(err: rusqlite::Error) -> Self {
        crate::store::classify_sqlite_error(&err)
    }
}

impl From<serde_json::Error> for Error {
    fn from(err: serde_json::Error) -> Self {
        Self::internal(crate::msg!("error-stored-data-unreadable")).caused_by(err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialises_as_code_message_details() {
        let err = Error::new(ErrorCode::StoreTooNew, "newer").with_details(serde_json::json!({"v": 9}));
        let json = serde_json::to_value(&err).unwrap();
        assert_eq!(json, serde_json::json!({"code": "store_too_new", "message": "newer", "details": {"v": 9}}));
    }

    #[test]
    fn the_cause_chain_is_kept_for_the_log_and_never_serialised() {
        let io = std::io::Error::other("disk on fire");
        let err = Error::internal(crate::msg!("error-stored-data-unreadable")).caused_by(io);
        assert!(err.chain().ends_with(": disk on fire"), "{}", err.chain());
        let json = serde_json::to_string(&err).unwrap();
        assert!(!json.contains("disk on fire"), "{json}");
    }

    #[test]
    fn a_localized_error_keeps_its_code_and_details() {
        let err =
            Error::internal(crate::msg!("error-stored-data-unreadable")).with_details(serde_json::json!({"a": 1}));
        let ja = err.localized(Lang::Ja);
        assert_eq!((ja.code, &ja.details), (err.code, &err.details));
        assert_ne!(ja.message.as_str(), err.message.as_str());
    }

    #[test]
    fn as_str_matches_the_wire_form() {
        for code in [
            ErrorCode::Internal,
            ErrorCode::InvalidInput,
            ErrorCode::NotFound,
            ErrorCode::Conflict,
            ErrorCode::Forbidden,
            ErrorCode::DataDirUnwritable,
            ErrorCode::StoreCorrupt,
            ErrorCode::StoreTooNew,
            ErrorCode::StoreUnavailable,
            ErrorCode::VaultLocked,
            ErrorCode::Unauthorized,
            ErrorCode::Unreachable,
            ErrorCode::Unavailable,
            ErrorCode::QuotaExceeded,
            ErrorCode::BadResponse,
        ] {
            assert_eq!(serde_json::to_value(code).unwrap(), code.as_str());
        }
    }
}
