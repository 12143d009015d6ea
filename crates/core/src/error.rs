//! The one error type that crosses every boundary: `{ code, message, details }`.
//!
//! `code` is a stable, machine-readable identifier the UI and scripts branch on; `message` is
//! written for the admin (what happened, why, what to do next) and must never contain a secret.

use serde::Serialize;
use ts_rs::TS;

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

/// An error for people and programs alike.
#[derive(Debug, Clone, PartialEq, Serialize, TS, thiserror::Error)]
#[ts(rename = "AppError")]
#[error("{message}")]
pub struct Error {
    pub code: ErrorCode,
    pub message: String,
    #[ts(type = "JsonValue | null")]
    pub details: Option<serde_json::Value>,
}

/// Result alias used throughout core.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// An error with a code and an admin-facing message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self { code, message: message.into(), details: None }
    }

    /// Attaches machine-readable details (never secrets).
    pub fn with_details(mut self, details: serde_json::Value) -> Self {
        self.details = Some(details);
        self
    }

    /// Shorthand for [`ErrorCode::InvalidInput`].
    pub fn invalid_input(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidInput, message)
    }

    /// Shorthand for [`ErrorCode::NotFound`].
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::NotFound, message)
    }

    /// Shorthand for [`ErrorCode::Internal`].
    pub fn internal(message: impl Into<String>) -> Self {
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
        Self::internal(format!("Liaison could not read its own stored data ({err})."))
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
