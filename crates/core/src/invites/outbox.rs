//! The durable outbox: messages are queued in the same transaction as the invitation they carry
//! and delivered later, at most once.
//!
//! A message's subject and recipient sit in the `outbox` table; its body (which holds the
//! one-time join code) sits in the vault, encrypted, and is deleted once the message reaches a
//! final state. Delivery marks a message `sending` in a committed transaction before handing it
//! to the mail server and `sent` right after. A message still `sending` when delivery starts was
//! interrupted (the app was killed mid-send): it becomes `uncertain` and is reported, never sent
//! again on its own. One delivery runs at a time per workspace (a lease in `settings`), so the
//! desktop app and the CLI never both send, and never mistake each other's `sending` for a crash.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use backon::BackoffBuilder;
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::email::{EmailLanguage, RenderedEmail};
use super::smtp::{self, SendFailure, SmtpClient};
use crate::http::RetryPolicy;
use crate::i18n::{Lang, Text};
use crate::setup::{self, SetupStepKey, StepState};
use crate::store::{Store, now};
use crate::vault::Vault;
use crate::{Error, ErrorCode, Result, Workspace, audit, msg};

const LEASE_KEY: &str = "outbox.delivery_lease";
/// How long a delivery's claim lasts without renewal; renewed before every network step.
const LEASE_SECONDS: i64 = 90;

/// Where a message is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum MessageState {
    Queued,
    Sending,
    Sent,
    Failed,
    /// Delivery was interrupted after the message may have reached the server; not retried.
    Uncertain,
    Cancelled,
}

/// Options of a delivery.
#[derive(Debug, Clone)]
pub struct DeliveryOptions {
    /// Backoff for transient failures (connection refused or reset, 4xx replies).
    pub retry: RetryPolicy,
    /// Timeout of each SMTP step.
    pub timeout: Duration,
}

impl Default for DeliveryOptions {
    fn default() -> Self {
        Self {
            retry: RetryPolicy { attempts: 5, min_delay: Duration::from_secs(1), max_delay: Duration::from_secs(30) },
            timeout: Duration::from_secs(60),
        }
    }
}

/// Progress of [`deliver`], reported after every message (the caller throttles).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
pub struct DeliveryProgress {
    pub sent: u64,
    pub failed: u64,
    pub uncertain: u64,
    pub remaining: u64,
}

/// A message that may or may not have been delivered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct UncertainMessage {
    pub message_id: i64,
    pub recipient: String,
    pub reason: Text,
}

/// What a delivery did.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct DeliverySummary {
    pub sent: u64,
    /// Refused for good by the server (5xx), with the reason on the invitation.
    pub failed: u64,
    /// Interrupted messages found at start plus messages whose connection broke mid-send.
    pub uncertain: Vec<UncertainMessage>,
    /// Still queued (cancelled, or delivery stopped on an error).
    pub remaining: u64,
    pub cancelled: bool,
    /// Why delivery stopped early (mail server unreachable, sign-in refused…); queued messages are kept.
    pub stopped: Option<Error>,
}

impl DeliverySummary {
    /// A delivery that could not run at all.
    pub fn failed(err: Error) -> Self {
        Self { sent: 0, failed: 0, uncertain: Vec::new(), remaining: 0, cancelled: false, stopped: Some(err) }
    }
}

/// Counts of messages per state, for the UI.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, TS)]
pub struct OutboxStatus {
    pub queued: u64,
    pub sending: u64,
    pub sent: u64,
    pub failed: u64,
    pub uncertain: u64,
    pub cancelled: u64,
}

fn body_secret(id: i64) -> String {
    format!("outbox.message.{id}")
}

/// Queues a rendered message inside the caller's transaction; the body goes to the vault.
pub(crate) fn queue_in(
    tx: &Connection,
    vault: &Vault,
    invitation_id: Option<&str>,
    recipient: &str,
    language: EmailLanguage,
    message: &RenderedEmail,
) -> Result<i64> {
    let at = now();
    tx.execute(
        "INSERT INTO outbox (invitation_id, recipient, subject, language, state, queued_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, 'queued', ?5, ?5)",
        params![invitation_id, recipient, message.subject, language.as_str(), at],
    )?;
    let id = tx.last_insert_rowid();
    vault.put_in(tx, &body_secret(id), &SecretString::from(serde_json::to_string(message)?))?;
    Ok(id)
}

/// Cancels the queued messages of an invitation (revoked or superseded) inside the caller's
/// transaction; returns how many were cancelled.
pub(crate) fn cancel_for_invitation(tx: &Connection, vault: &Vault, invitation_id: &str, why: Text) -> Result<usize> {
    let ids: Vec<i64> = {
        let mut stmt = tx.prepare("SELECT id FROM outbox WHERE invitation_id = ?1 AND state = 'queued'")?;
        stmt.query_map([invitation_id], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?
    };
    for id in &ids {
        finish(tx, vault, *id, MessageState::Cancelled, Some(&why), None)?;
    }
    Ok(ids.len())
}

fn state_str(state: MessageState) -> &'static str {
    match state {
        MessageState::Queued => "queued",
        MessageState::Sending => "sending",
        MessageState::Sent => "sent",
        MessageState::Failed => "failed",
        MessageState::Uncertain => "uncertain",
        MessageState::Cancelled => "cancelled",
    }
}

/// Moves a message to a final state and forgets its body.
fn finish(
    tx: &Connection,
    vault: &Vault,
    id: i64,
    state: MessageState,
    error: Option<&Text>,
    reply: Option<&str>,
) -> Result<()> {
    let at = now();
    let error = error.map(Text::to_stored);
    tx.execute(
        "UPDATE outbox SET state = ?2, last_error = coalesce(?3, last_error), smtp_reply = coalesce(?4, smtp_reply),
                updated_at = ?5, sent_at = CASE WHEN ?2 = 'sent' THEN ?5 ELSE sent_at END
          WHERE id = ?1",
        params![id, state_str(state), error, reply, at],
    )?;
    vault.delete_in(tx, &body_secret(id))
}

/// Counts messages per state.
pub fn outbox_status(store: &Store) -> Result<OutboxStatus> {
    store.read(|c| {
        let mut status = OutboxStatus::default();
        let mut stmt = c.prepare("SELECT state, count(*) FROM outbox GROUP BY state")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
        for row in rows {
            let (state, n) = row?;
            let n = n as u64;
            match state.as_str() {
                "queued" => status.queued = n,
                "sending" => status.sending = n,
                "sent" => status.sent = n,
                "failed" => status.failed = n,
                "uncertain" => status.uncertain = n,
                _ => status.cancelled = n,
            }
        }
        Ok(status)
    })
}

/// Whether a delivery should run: messages are queued, or a killed delivery left some `sending`
/// (the next delivery reports those as uncertain and never resends them). The desktop app asks
/// at start to resume where it stopped.
pub fn delivery_pending(store: &Store) -> Result<bool> {
    let status = outbox_status(store)?;
    Ok(status.queued + status.sending > 0)
}

/// A desktop notification, already worded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub title: String,
    pub body: String,
}

/// The notification for a finished delivery, in the workspace's language; `None` when the
/// delivery did nothing worth telling (no message was sent, failed or found uncertain).
pub fn finished_notice(store: &Store, summary: &DeliverySummary) -> Result<Option<Notice>> {
    let uncertain = summary.uncertain.len() as u64;
    if summary.sent + summary.failed + uncertain == 0 && summary.stopped.is_none() {
        return Ok(None);
    }
    let lang: Lang = crate::settings::language(store);
    let stopped = summary.stopped.is_some() || summary.cancelled;
    let mut body = msg!(
        "outbox-notice-body",
        sent = summary.sent,
        failed = summary.failed,
        uncertain = uncertain,
        remaining = summary.remaining
    )
    .render(lang);
    if let Some(err) = &summary.stopped {
        body.push(' ');
        body.push_str(&err.message.render(lang));
    }
    let title = if stopped { msg!("outbox-notice-stopped") } else { msg!("outbox-notice-sent") };
    Ok(Some(Notice { title: title.render(lang), body }))
}

fn unix_now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// Takes or renews the delivery lease for `holder`; refuses while another holder's is live.
fn claim_lease(tx: &Connection, holder: &str) -> Result<()> {
    let current: Option<String> =
        tx.query_row("SELECT value FROM settings WHERE key = ?1", [LEASE_KEY], |r| r.get(0)).optional()?;
    if let Some(current) = current {
        let lease: serde_json::Value = serde_json::from_str(&current).unwrap_or_default();
        let other = lease["holder"].as_str().is_some_and(|h| h != holder);
        let live = lease["until"].as_i64().is_some_and(|until| until > unix_now());
        // A holder killed on this machine is gone now, not when its lease runs out.
        let gone =
            serde_json::from_value::<crate::jobs::ProcessId>(lease["process"].clone()).is_ok_and(|p| p.is_gone());
        if other && live && !gone {
            return Err(Error::new(ErrorCode::Conflict, msg!("outbox-busy")));
        }
    }
    let lease = serde_json::json!({ "holder": holder, "until": unix_now() + LEASE_SECONDS, "process": crate::jobs::ProcessId::this() });
    crate::settings::put(tx, LEASE_KEY, lease.to_string())
}

fn release_lease(store: &Store, holder: &str) {
    let released = store.write(|tx| {
        tx.execute(
            "DELETE FROM settings WHERE key = ?1 AND json_extract(value, '$.holder') = ?2",
            params![LEASE_KEY, holder],
        )?;
        Ok(())
    });
    if let Err(e) = released {
        tracing::warn!(error = %e, "could not release the outbox delivery lease; it expires by itself");
    }
}

/// Turns messages left in `sending` (a delivery was killed mid-send) into `uncertain`.
fn recover_interrupted(tx: &Transaction<'_>, vault: &Vault) -> Result<Vec<UncertainMessage>> {
    let stuck: Vec<(i64, String, Option<String>)> = {
        let mut stmt =
            tx.prepare("SELECT id, recipient, invitation_id FROM outbox WHERE state = 'sending' ORDER BY id")?;
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?.collect::<rusqlite::Result<_>>()?
    };
    let reason = msg!("outbox-interrupted");
    let mut out = Vec::with_capacity(stuck.len());
    for (id, recipient, invitation_id) in stuck {
        finish(tx, vault, id, MessageState::Uncertain, Some(&reason), None)?;
        audit::record(
            tx,
            None,
            "invitation.delivery_uncertain",
            Some(&recipient),
            serde_json::json!({ "message_id": id, "invitation_id": invitation_id, "interrupted": true }),
        )?;
        out.push(UncertainMessage { message_id: id, recipient, reason: reason.clone() });
    }
    Ok(out)
}

/// A queued message with its invitation's state, expiry and member status.
type QueuedRow = (i64, String, Option<String>, Option<String>, Option<String>, Option<String>);

/// The next message to send, cancelling on the way those whose invitation is no longer pending.
struct Next {
    id: i64,
    recipient: String,
    invitation_id: Option<String>,
    body: Option<RenderedEmail>,
}

fn next_message(store: &Store, vault: &Vault, holder: &str) -> Result<Option<Next>> {
    store
        .write(|tx| {
            claim_lease(tx, holder)?;
            loop {
                let row: Option<QueuedRow> = tx
                    .query_row(
                        "SELECT o.id, o.recipient, o.invitation_id, i.state, i.expires_at, m.status
                       FROM outbox o
                       LEFT JOIN invitations i ON i.id = o.invitation_id
                       LEFT JOIN members m ON m.id = i.member_id
                      WHERE o.state = 'queued' ORDER BY o.id LIMIT 1",
                        [],
                        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)),
                    )
                    .optional()?;
                let Some((id, recipient, invitation_id, inv_state, expires_at, member_status)) = row else {
                    return Ok(None);
                };
                if invitation_id.is_some() {
                    let expired = expires_at.as_deref().is_some_and(|e| e <= now().as_str());
                    let why = if inv_state.as_deref() != Some("pending") {
                        Some(msg!("outbox-cancelled-replaced"))
                    } else if member_status.as_deref() != Some("invited") {
                        Some(msg!("outbox-cancelled-member-changed"))
                    } else if expired {
                        Some(msg!("outbox-cancelled-expired"))
                    } else {
                        None
                    };
                    if let Some(why) = why {
                        finish(tx, vault, id, MessageState::Cancelled, Some(&why), None)?;
                        continue;
                    }
                }
                return Ok(Some(Next { id, recipient, invitation_id, body: None }));
            }
        })?
        .map(|mut next| {
            next.body = vault
                .get(&body_secret(next.id))?
                .map(|s| serde_json::from_str::<RenderedEmail>(s.expose_secret()))
                .transpose()?;
            Ok(next)
        })
        .transpose()
}

fn remaining(store: &Store) -> Result<u64> {
    store.read(|c| {
        Ok(c.query_row("SELECT count(*) FROM outbox WHERE state = 'queued'", [], |r| r.get::<_, i64>(0))? as u64)
    })
}

/// Sends the queued messages with the default [`DeliveryOptions`].
pub async fn deliver(
    ws: &Workspace,
    vault: &Vault,
    progress: &mut (dyn FnMut(&DeliveryProgress) + Send),
    cancel: &AtomicBool,
) -> Result<DeliverySummary> {
    deliver_with(ws, vault, &DeliveryOptions::default(), progress, cancel).await
}

/// Sends the queued messages in queue order, at most once each. Transient failures are retried
/// with exponential backoff; when they persist, delivery stops with the reason in
/// [`DeliverySummary::stopped`] and the rest stays queued. `cancel` is checked between messages.
pub async fn deliver_with(
    ws: &Workspace,
    vault: &Vault,
    options: &DeliveryOptions,
    progress: &mut (dyn FnMut(&DeliveryProgress) + Send),
    cancel: &AtomicBool,
) -> Result<DeliverySummary> {
    let store = ws.store();
    let holder = uuid::Uuid::new_v4().to_string();
    let (recovered, settings) = store.write(|tx| {
        claim_lease(tx, &holder)?;
        super::invite::expire_due(tx)?;
        Ok((recover_interrupted(tx, vault)?, smtp::settings_in(tx)?))
    })?;
    let mut summary =
        DeliverySummary { sent: 0, failed: 0, uncertain: recovered, remaining: 0, cancelled: false, stopped: None };
    let result = match settings {
        None => {
            summary.stopped = Some(smtp::not_configured());
            Ok(())
        }
        Some(settings) => {
            let password = vault.get(smtp::PASSWORD_SECRET)?;
            let mut client = SmtpClient::new(settings.clone(), password, options.timeout);
            let result =
                run(store, vault, &holder, &settings, options, &mut client, &mut summary, progress, cancel).await;
            client.close().await;
            result
        }
    };
    summary.remaining = remaining(store).unwrap_or(summary.remaining);
    let recorded = store.write(|tx| {
        if summary.sent + summary.failed > 0 || !summary.uncertain.is_empty() || summary.stopped.is_some() {
            audit::record(
                tx,
                None,
                "invites.delivered",
                None,
                serde_json::json!({
                    "sent": summary.sent, "failed": summary.failed, "uncertain": summary.uncertain.len(),
                    "remaining": summary.remaining, "cancelled": summary.cancelled,
                    "stopped": summary.stopped.as_ref().map(|e| &e.message),
                }),
            )?;
        }
        Ok(())
    });
    release_lease(store, &holder);
    result?;
    recorded?;
    Ok(summary)
}

#[allow(clippy::too_many_arguments)]
async fn run(
    store: &Store,
    vault: &Vault,
    holder: &str,
    settings: &smtp::SmtpSettings,
    options: &DeliveryOptions,
    client: &mut SmtpClient,
    summary: &mut DeliverySummary,
    progress: &mut (dyn FnMut(&DeliveryProgress) + Send),
    cancel: &AtomicBool,
) -> Result<()> {
    let report = |summary: &DeliverySummary, progress: &mut (dyn FnMut(&DeliveryProgress) + Send)| -> Result<()> {
        progress(&DeliveryProgress {
            sent: summary.sent,
            failed: summary.failed,
            uncertain: summary.uncertain.len() as u64,
            remaining: remaining(store)?,
        });
        Ok(())
    };
    'messages: loop {
        if cancel.load(Ordering::SeqCst) {
            summary.cancelled = true;
            break;
        }
        let Some(next) = next_message(store, vault, holder)? else { break };
        let Some(body) = next.body else {
            store.write(|tx| {
                finish(tx, vault, next.id, MessageState::Failed, Some(&msg!("outbox-body-missing")), None)
            })?;
            summary.failed += 1;
            report(summary, progress)?;
            continue;
        };
        let wire = match smtp::render_message(settings, &next.recipient, &body) {
            Ok(w) => w,
            Err(e) => {
                store.write(|tx| finish(tx, vault, next.id, MessageState::Failed, Some(&e.message), None))?;
                summary.failed += 1;
                report(summary, progress)?;
                continue;
            }
        };
        let mut delays = backon::ExponentialBuilder::default()
            .with_min_delay(options.retry.min_delay)
            .with_max_delay(options.retry.max_delay)
            .with_max_times(options.retry.attempts)
            .with_jitter()
            .build();
        loop {
            if let Err(failure) = client.connect().await {
                let delay = if failure.retryable {
                    delays.next().ok_or_else(|| failure.error.clone())
                } else {
                    Err(failure.error.clone())
                };
                match delay {
                    Ok(d) => {
                        tracing::info!(wait_ms = d.as_millis() as u64, error = %failure.error, "mail server not ready, retrying");
                        store.write(|tx| claim_lease(tx, holder))?;
                        tokio::time::sleep(d).await;
                        continue;
                    }
                    Err(error) => {
                        store.write(|tx| note_error(tx, next.id, &error.message))?;
                        summary.stopped = Some(error);
                        break 'messages;
                    }
                }
            }
            // The point of no return: committed before the message is handed over.
            let claimed = store.write(|tx| {
                claim_lease(tx, holder)?;
                Ok(tx.execute(
                    "UPDATE outbox SET state = 'sending', attempts = attempts + 1, updated_at = ?2 WHERE id = ?1 AND state = 'queued'",
                    params![next.id, now()],
                )? == 1)
            })?;
            if !claimed {
                continue 'messages;
            }
            match client.send(&wire).await {
                Ok(reply) => {
                    store.write(|tx| {
                        finish(tx, vault, next.id, MessageState::Sent, None, Some(&reply))?;
                        if next.invitation_id.is_some()
                            && setup::step_state(tx, SetupStepKey::InviteUsers)? != StepState::Done
                        {
                            setup::set_step(
                                tx,
                                SetupStepKey::InviteUsers,
                                StepState::Done,
                                Some(msg!("setup-first-invitation-sent", email = &next.recipient)),
                            )?;
                        }
                        Ok(())
                    })?;
                    summary.sent += 1;
                }
                Err(SendFailure::NotSent { error, retryable: true }) => {
                    store.write(|tx| {
                        tx.execute(
                            "UPDATE outbox SET state = 'queued', last_error = ?2, updated_at = ?3 WHERE id = ?1",
                            params![next.id, error.message.to_stored(), now()],
                        )?;
                        Ok(())
                    })?;
                    match delays.next().ok_or(error) {
                        Ok(d) => {
                            tracing::info!(wait_ms = d.as_millis() as u64, "mail server asked to retry later");
                            store.write(|tx| claim_lease(tx, holder))?;
                            tokio::time::sleep(d).await;
                            continue;
                        }
                        Err(error) => {
                            summary.stopped = Some(Error::new(
                                ErrorCode::Unavailable,
                                msg!("outbox-gave-up", error = &error.message, attempts = options.retry.attempts + 1),
                            ));
                            break 'messages;
                        }
                    }
                }
                Err(SendFailure::NotSent { error, retryable: false }) => {
                    store.write(|tx| {
                        finish(tx, vault, next.id, MessageState::Failed, Some(&error.message), None)?;
                        audit::record(
                            tx,
                            None,
                            "invitation.delivery_failed",
                            Some(&next.recipient),
                            serde_json::json!({ "message_id": next.id, "reason": error.message }),
                        )
                    })?;
                    summary.failed += 1;
                }
                Err(SendFailure::Uncertain(error)) => {
                    store.write(|tx| {
                        finish(tx, vault, next.id, MessageState::Uncertain, Some(&error.message), None)?;
                        audit::record(
                            tx,
                            None,
                            "invitation.delivery_uncertain",
                            Some(&next.recipient),
                            serde_json::json!({ "message_id": next.id, "interrupted": false }),
                        )
                    })?;
                    summary.uncertain.push(UncertainMessage {
                        message_id: next.id,
                        recipient: next.recipient.clone(),
                        reason: error.message.clone(),
                    });
                }
            }
            report(summary, progress)?;
            continue 'messages;
        }
    }
    Ok(())
}

fn note_error(tx: &Connection, id: i64, message: &Text) -> Result<()> {
    let message = message.to_stored();
    tx.execute("UPDATE outbox SET last_error = ?2, updated_at = ?3 WHERE id = ?1", params![id, message, now()])?;
    Ok(())
}
