//! Disconnecting a connection, as the desktop and the CLI both do it: the ownership rules are
//! checked and the connection is removed locally first, and only then is the sign-in ended at
//! the remote system, so a refused disconnect (R6, R8) never cuts a live session.
//!
//! What is revoked where:
//! - Salesforce: the refresh token (or, without one, the access token) through RFC 7009
//!   revocation, which ends every session of the sign-in.
//! - Dynamics 365: nothing. The Microsoft identity platform has no endpoint that revokes one
//!   app's refresh token (RFC 7009 is not offered); the only remote step is Microsoft Graph's
//!   `revokeSignInSessions`, which needs a Graph permission Liaison does not ask for and signs
//!   the admin out of every application, not just Liaison. The tokens are deleted locally and
//!   the refresh token lapses after its inactivity window. The sandbox does not emulate it either.
//! - Marketo and Adobe Campaign: nothing to revoke; they use client credentials that stay in
//!   the vendor's admin console, and Liaison deletes its copy.

use serde::Serialize;
use ts_rs::TS;

use super::salesforce::Revocation;
use super::{ConnectionKind, ownership};
use crate::members::parse_enum;
use crate::vault::Vault;
use crate::{Error, Result, Workspace, msg};

/// The outcome of a disconnect that went through locally.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct Disconnected {
    pub connection_id: String,
    pub kind: ConnectionKind,
    /// The sign-in was ended at the remote system (Salesforce). False where there is nothing to
    /// revoke (Marketo, Dynamics 365, Campaign, a Salesforce connection without stored tokens),
    /// and when the revocation failed.
    pub revoked: bool,
    /// Why the revocation failed; the connection is disconnected in Liaison all the same, and
    /// the admin can end the sign-in at the remote system.
    pub revoke_error: Option<Error>,
}

/// Disconnects a connection (owner only, R6; last step of a handover, R8), deleting its secrets
/// and then ending its Salesforce sign-in at Salesforce. Refused: nothing is sent anywhere.
/// A revocation that fails does not undo the disconnect; it is logged and returned.
pub async fn disconnect(ws: &Workspace, vault: &Vault, connection_id: &str) -> Result<Disconnected> {
    // Read before the secrets are deleted; sends nothing. A vault that cannot be read must not
    // keep the admin from disconnecting, so its error is only reported.
    let Some(kind) = live_kind(ws, connection_id)? else {
        // Not live: ownership::disconnect says so in its own words.
        ownership::disconnect(ws, vault, connection_id)?;
        return Err(Error::not_found(msg!("disconnect-not-found")));
    };
    let revocation = match kind {
        ConnectionKind::Salesforce => Revocation::read(ws, vault, connection_id),
        _ => Ok(None),
    };
    ownership::disconnect(ws, vault, connection_id)?;
    let outcome = match revocation {
        Ok(None) => {
            return Ok(Disconnected {
                connection_id: connection_id.to_owned(),
                kind,
                revoked: false,
                revoke_error: None,
            });
        }
        Ok(Some(revocation)) => revocation.send_default().await,
        Err(err) => Err(err),
    };
    let revoke_error = outcome.err().map(|cause| {
        tracing::warn!(connection = connection_id, error = %cause.chain(), "disconnected, but the Salesforce sign-in was not revoked");
        Error::new(cause.code, msg!("disconnect-salesforce-not-revoked"))
            .with_details(serde_json::json!({ "cause_code": cause.code, "cause": cause.message.as_str() }))
            .caused_by(cause)
    });
    Ok(Disconnected { connection_id: connection_id.to_owned(), kind, revoked: revoke_error.is_none(), revoke_error })
}

/// The kind of a live connection, `None` if there is none with that id.
fn live_kind(ws: &Workspace, connection_id: &str) -> Result<Option<ConnectionKind>> {
    use rusqlite::OptionalExtension as _;
    let kind: Option<String> = ws.store().read(|c| {
        Ok(c.query_row(
            "SELECT kind FROM connections WHERE id = ?1 AND disconnected_at IS NULL",
            [connection_id],
            |r| r.get(0),
        )
        .optional()?)
    })?;
    kind.map(|k| parse_enum(&k)).transpose()
}
