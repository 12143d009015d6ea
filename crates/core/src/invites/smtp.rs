//! The email server invitations go out through: settings (JSON in `settings`, password in the
//! vault), a test message, and the SMTP client the outbox uses.
//!
//! The client speaks SMTP step by step (MAIL, RCPT, DATA, then the message) rather than through
//! a one-call transport, because at-most-once delivery needs to know *where* a failure happened:
//! a refusal or a dropped connection before the message body was handed over means "not sent,
//! safe to retry"; a dropped connection after it means "perhaps delivered", which is never
//! retried automatically.

use std::net::IpAddr;
use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, TlsParameters};
use lettre::transport::smtp::commands::{Data, Mail, Rcpt};
use lettre::transport::smtp::extension::{ClientId, MailBodyParameter, MailParameter};
use lettre::{Address, Message};
use rusqlite::Connection;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::email::{self, EmailLanguage, RenderedEmail};
use crate::members::admin::{normalize_email, require_actor};
use crate::store::Store;
use crate::vault::Vault;
use crate::{Error, ErrorCode, Result, Workspace, audit, msg};

/// The `settings` key holding [`SmtpSettings`] as JSON.
pub const SETTINGS_KEY: &str = "smtp.settings";
/// The vault name of the SMTP password.
pub const PASSWORD_SECRET: &str = "smtp.password";

/// How the connection to the mail server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum TlsMode {
    /// Plain connection upgraded with STARTTLS; refused if the server does not offer it (port 587).
    Starttls,
    /// TLS from the first byte (SMTPS, port 465).
    Tls,
    /// No encryption: only for a local relay or the sandbox.
    None,
}

/// The email server settings (the password is kept apart, in the vault).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    /// Sign-in name; `None` for a relay that needs no sign-in.
    pub username: Option<String>,
    pub tls: TlsMode,
    /// The sender address invitations come from.
    pub from_address: String,
    /// The sender name shown to recipients (defaults to "Liaison").
    pub from_name: Option<String>,
}

impl SmtpSettings {
    /// Settings for the sandbox's SMTP sink at `host:port` (no TLS, no sign-in).
    pub fn sandbox(host: &str, port: u16) -> Self {
        Self {
            host: host.to_owned(),
            port,
            username: None,
            tls: TlsMode::None,
            from_address: "invitations@liaison-sandbox.test".to_owned(),
            from_name: Some("Liaison (sandbox)".to_owned()),
        }
    }

    /// Checks and tidies the settings; the message says which field to fix.
    pub fn validated(mut self) -> Result<Self> {
        self.host = self.host.trim().to_owned();
        if self.host.is_empty() || self.host.contains(char::is_whitespace) || self.host.contains('/') {
            return Err(
                Error::invalid_input(msg!("smtp-host-required")).with_details(serde_json::json!({ "field": "host" }))
            );
        }
        if self.port == 0 {
            return Err(
                Error::invalid_input(msg!("smtp-port-required")).with_details(serde_json::json!({ "field": "port" }))
            );
        }
        self.username = self.username.map(|u| u.trim().to_owned()).filter(|u| !u.is_empty());
        self.from_name = self.from_name.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty());
        self.from_address = normalize_email(&self.from_address)
            .map_err(|e| {
                Error::invalid_input(msg!("smtp-sender-unusable", reason = e.message))
                    .with_details(serde_json::json!({ "field": "from_address" }))
            })?
            .to_owned();
        if self.tls == TlsMode::None && self.username.is_some() && !is_loopback(&self.host) {
            return Err(Error::invalid_input(msg!("smtp-plain-password", host = &self.host))
                .with_details(serde_json::json!({ "field": "tls" })));
        }
        Ok(self)
    }
}

fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost") || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// The stored settings, if the email server has been set up.
pub fn smtp_settings(store: &Store) -> Result<Option<SmtpSettings>> {
    store.read(settings_in)
}

pub(crate) fn settings_in(conn: &Connection) -> Result<Option<SmtpSettings>> {
    email::setting(conn, SETTINGS_KEY)?.map(|json| Ok(serde_json::from_str(&json)?)).transpose()
}

/// Saves the settings (validated) and, when given, the password into the vault, in one
/// transaction; `None` keeps the stored password and an empty password removes it. Audited
/// without the password.
pub fn save_smtp_settings(
    ws: &Workspace,
    vault: &Vault,
    settings: SmtpSettings,
    password: Option<SecretString>,
) -> Result<SmtpSettings> {
    let settings = settings.validated()?;
    let json = serde_json::to_string(&settings)?;
    ws.store().write(|tx| {
        let actor = require_actor(tx)?;
        crate::settings::put(tx, SETTINGS_KEY, json)?;
        let password_changed = match &password {
            Some(p) if p.expose_secret().is_empty() => {
                vault.delete_in(tx, PASSWORD_SECRET)?;
                true
            }
            Some(p) => {
                vault.put_in(tx, PASSWORD_SECRET, p)?;
                true
            }
            None => false,
        };
        audit::record(
            tx,
            Some(&actor.id),
            "smtp.settings_saved",
            Some(&settings.host),
            serde_json::json!({
                "port": settings.port, "tls": settings.tls, "from": settings.from_address,
                "username": settings.username, "password_changed": password_changed,
            }),
        )
    })?;
    Ok(settings)
}

/// Points the email settings at a running sandbox's SMTP sink (sandbox mode default).
pub fn use_sandbox_smtp(ws: &Workspace, vault: &Vault, host: &str, port: u16) -> Result<SmtpSettings> {
    save_smtp_settings(ws, vault, SmtpSettings::sandbox(host, port), Some(SecretString::from(String::new())))
}

/// Sends a real test message to `to` with the stored settings; audited.
pub async fn send_test_email(ws: &Workspace, vault: &Vault, to: &str) -> Result<()> {
    let to = normalize_email(to)?;
    let (settings, actor, language, workspace) = ws.store().read(|c| {
        let settings = settings_in(c)?.ok_or_else(not_configured)?;
        Ok((settings, require_actor(c)?, EmailLanguage::of_workspace(c)?, email::workspace_name(c)?))
    })?;
    let password = vault.get(PASSWORD_SECRET)?;
    let sent_by = actor.name.clone().unwrap_or_else(|| actor.email.clone());
    let message = render_message(&settings, &to, &email::render_test(language, &workspace, &sent_by))?;
    let mut client = SmtpClient::new(settings.clone(), password, Duration::from_secs(30));
    let result = match client.connect().await {
        Ok(()) => client.send(&message).await.map_err(|f| f.error().clone()),
        Err(f) => Err(f.error),
    };
    client.close().await;
    let outcome = match &result {
        Ok(reply) => serde_json::json!({ "ok": true, "reply": reply }),
        Err(e) => serde_json::json!({ "ok": false, "code": e.code, "message": e.message }),
    };
    ws.store().write(|tx| audit::record(tx, Some(&actor.id), "smtp.test_sent", Some(&to), outcome))?;
    result.map(|_| ())
}

pub(crate) fn not_configured() -> Error {
    Error::new(ErrorCode::Conflict, msg!("smtp-not-configured"))
}

/// A message ready for the wire.
#[derive(Debug)]
pub(crate) struct WireMessage {
    pub from: Address,
    pub to: Address,
    pub raw: Vec<u8>,
}

/// The address as mail servers need it: an internationalised domain in its ASCII (punycode)
/// form, so no SMTPUTF8 support is needed (the part before @ is ASCII by the import rules).
pub(crate) fn wire_address(address: &str) -> Result<Address> {
    let (local, domain) = address
        .trim()
        .rsplit_once('@')
        .ok_or_else(|| Error::invalid_input(msg!("smtp-address-invalid", address = address)))?;
    let ascii = idna::domain_to_ascii(domain)
        .map_err(|_| Error::invalid_input(msg!("smtp-address-bad-domain", address = address)))?;
    Address::new(local, ascii)
        .map_err(|e| Error::invalid_input(msg!("smtp-address-unusable", address = address, reason = e.to_string())))
}

/// Builds the MIME message (plain text and HTML alternatives) for `to`.
pub(crate) fn render_message(settings: &SmtpSettings, to: &str, body: &RenderedEmail) -> Result<WireMessage> {
    let from = wire_address(&settings.from_address)?;
    let to = wire_address(to)?;
    let from_name = settings.from_name.clone().unwrap_or_else(|| "Liaison".to_owned());
    let message = Message::builder()
        .from(Mailbox::new(Some(from_name), from.clone()))
        .to(Mailbox::new(None, to.clone()))
        .subject(body.subject.clone())
        .date_now()
        .multipart(
            MultiPart::alternative()
                .singlepart(SinglePart::builder().header(ContentType::TEXT_PLAIN).body(body.text.clone()))
                .singlepart(SinglePart::builder().header(ContentType::TEXT_HTML).body(body.html.clone())),
        )
        .map_err(|e| Error::internal(msg!("smtp-build-failed", reason = e.to_string())))?;
    Ok(WireMessage { from, to, raw: message.formatted() })
}

/// The message content as one write: dot-stuffed, ending with `CRLF . CRLF`.
///
/// lettre's own `message()` writes the end marker separately; with Nagle's algorithm and
/// delayed ACKs that second small write waits about 40 ms for every message.
struct DataPayload(String);

impl DataPayload {
    fn of(raw: &[u8]) -> Self {
        let text = String::from_utf8_lossy(raw);
        let mut out = String::with_capacity(text.len() + 16);
        if text.starts_with('.') {
            out.push('.');
        }
        out.push_str(&text.replace("\n.", "\n.."));
        if !out.ends_with("\r\n") {
            out.push_str("\r\n");
        }
        out.push_str(".\r\n");
        Self(out)
    }
}

impl std::fmt::Display for DataPayload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Why a connection could not be made, and whether trying again later may help.
#[derive(Debug)]
pub(crate) struct ConnectFailure {
    pub error: Error,
    pub retryable: bool,
}

/// Why a message did not go out.
#[derive(Debug)]
pub(crate) enum SendFailure {
    /// The server did not take the message; `retryable` for 4xx replies and dropped connections.
    NotSent { error: Error, retryable: bool },
    /// The connection broke after the message was handed over: it may have been delivered.
    Uncertain(Error),
}

impl SendFailure {
    pub fn error(&self) -> &Error {
        match self {
            Self::NotSent { error, .. } | Self::Uncertain(error) => error,
        }
    }
}

/// One SMTP session, reused across messages and reopened after any failure.
pub(crate) struct SmtpClient {
    settings: SmtpSettings,
    password: Option<SecretString>,
    timeout: Duration,
    conn: Option<AsyncSmtpConnection>,
}

fn server_said(e: &lettre::transport::smtp::Error) -> String {
    // lettre formats replies as "permanent error (550): 5.1.1 …"; keep the code and the text.
    e.to_string()
}

impl SmtpClient {
    pub fn new(settings: SmtpSettings, password: Option<SecretString>, timeout: Duration) -> Self {
        Self { settings, password, timeout, conn: None }
    }

    fn server(&self) -> String {
        format!("{}:{}", self.settings.host, self.settings.port)
    }

    /// Opens the session if none is open: connect, TLS as configured, EHLO, sign-in.
    pub async fn connect(&mut self) -> Result<(), ConnectFailure> {
        if self.conn.as_ref().is_some_and(|c| !c.has_broken()) {
            return Ok(());
        }
        self.conn = None;
        let server = self.server();
        let tls = || {
            TlsParameters::new(self.settings.host.clone()).map_err(|e| ConnectFailure {
                error: Error::invalid_input(msg!(
                    "smtp-tls-setup-failed",
                    host = &self.settings.host,
                    reason = e.to_string()
                )),
                retryable: false,
            })
        };
        let implicit = if self.settings.tls == TlsMode::Tls { Some(tls()?) } else { None };
        let hello = ClientId::default();
        let mut conn = AsyncSmtpConnection::connect_tokio1(
            (self.settings.host.as_str(), self.settings.port),
            Some(self.timeout),
            &hello,
            implicit,
            None,
        )
        .await
        .map_err(|e| self.connect_failure(&e))?;
        if self.settings.tls == TlsMode::Starttls {
            if !conn.can_starttls() {
                conn.abort().await;
                return Err(ConnectFailure {
                    error: Error::new(ErrorCode::Unavailable, msg!("smtp-no-starttls", server = &server)),
                    retryable: false,
                });
            }
            conn.starttls(tls()?, &hello).await.map_err(|e| self.connect_failure(&e))?;
        }
        if let Some(user) = &self.settings.username {
            let password = self.password.as_ref().map(|p| p.expose_secret().to_owned()).unwrap_or_default();
            let credentials = Credentials::new(user.clone(), password);
            if let Err(e) = conn.auth(&[Mechanism::Plain, Mechanism::Login], &credentials).await {
                conn.abort().await;
                let transient = e.is_transient();
                return Err(ConnectFailure {
                    error: Error::new(
                        if transient { ErrorCode::Unavailable } else { ErrorCode::Unauthorized },
                        msg!("smtp-sign-in-refused", server = &server, user = user, reply = server_said(&e)),
                    ),
                    retryable: transient,
                });
            }
        }
        self.conn = Some(conn);
        Ok(())
    }

    /// Whether a connection failure is the TLS handshake (a wrong mode or port, an untrusted
    /// certificate): trying again will not help. lettre reports handshake failures of implicit
    /// TLS as connection errors, so the cause chain is inspected too.
    fn is_tls_failure(&self, e: &lettre::transport::smtp::Error) -> bool {
        if e.is_tls() {
            return true;
        }
        if self.settings.tls == TlsMode::None {
            return false;
        }
        let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
        while let Some(err) = source {
            if let Some(io) = err.downcast_ref::<std::io::Error>()
                && io.kind() == std::io::ErrorKind::InvalidData
            {
                return true;
            }
            source = err.source();
        }
        let text = e.to_string().to_ascii_lowercase();
        ["tls", "certificate", "handshake", "corrupt message"].iter().any(|w| text.contains(w))
    }

    fn connect_failure(&self, e: &lettre::transport::smtp::Error) -> ConnectFailure {
        let server = self.server();
        if self.is_tls_failure(e) {
            return ConnectFailure {
                error: Error::new(
                    ErrorCode::Unreachable,
                    msg!("smtp-tls-failed", server = &server, reason = e.to_string()),
                ),
                retryable: false,
            };
        }
        if e.is_permanent() {
            return ConnectFailure {
                error: Error::new(
                    ErrorCode::Unavailable,
                    msg!("smtp-connection-refused", server = &server, reply = server_said(e)),
                ),
                retryable: false,
            };
        }
        ConnectFailure {
            error: Error::new(
                ErrorCode::Unreachable,
                msg!("smtp-unreachable", server = &server, reason = e.to_string()),
            )
            .with_details(serde_json::json!({ "host": self.settings.host, "port": self.settings.port })),
            retryable: true,
        }
    }

    /// Sends one message over the open session (call [`Self::connect`] first).
    pub async fn send(&mut self, message: &WireMessage) -> Result<String, SendFailure> {
        let server = self.server();
        // Taken out for the exchange and put back only when it ended cleanly: after any failure
        // the session is in an unknown state and the next message opens a new one.
        let Some(mut conn) = self.conn.take() else {
            return Err(SendFailure::NotSent { error: Error::internal(msg!("smtp-no-connection")), retryable: true });
        };
        let not_sent = |e: lettre::transport::smtp::Error, to: &Address| {
            let retryable = !e.is_permanent();
            let to = to.to_string();
            let message = if e.is_permanent() {
                msg!("smtp-message-refused", server = &server, to = to, reply = server_said(&e))
            } else if e.is_transient() {
                msg!("smtp-message-try-later", server = &server, to = to, reply = server_said(&e))
            } else {
                msg!("smtp-broke-before-handover", server = &server, to = to, reason = e.to_string())
            };
            let code = if e.is_permanent() { ErrorCode::BadResponse } else { ErrorCode::Unavailable };
            SendFailure::NotSent { error: Error::new(code, message), retryable }
        };
        let mut params = Vec::new();
        if !message.raw.is_ascii() {
            params.push(MailParameter::Body(MailBodyParameter::EightBitMime));
        }
        let envelope = async {
            conn.command(Mail::new(Some(message.from.clone()), params)).await?;
            conn.command(Rcpt::new(message.to.clone(), vec![])).await?;
            conn.command(Data).await?;
            Ok::<_, lettre::transport::smtp::Error>(())
        };
        if let Err(e) = envelope.await {
            conn.abort().await;
            return Err(not_sent(e, &message.to));
        }
        match conn.command(DataPayload::of(&message.raw)).await {
            Ok(reply) => {
                self.conn = Some(conn);
                Ok(format!("{} {}", reply.code(), reply.message().collect::<Vec<_>>().join(" ")))
            }
            // The server answered: whatever it said, it did not take the message.
            Err(e) if e.is_transient() || e.is_permanent() => {
                conn.abort().await;
                Err(not_sent(e, &message.to))
            }
            Err(e) => {
                conn.abort().await;
                Err(SendFailure::Uncertain(Error::new(
                    ErrorCode::Unavailable,
                    msg!(
                        "smtp-broke-after-handover",
                        server = &server,
                        to = message.to.to_string(),
                        reason = e.to_string()
                    ),
                )))
            }
        }
    }

    /// Ends the session politely.
    pub async fn close(&mut self) {
        if let Some(mut conn) = self.conn.take()
            && conn.quit().await.is_err()
        {
            conn.abort().await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_are_checked_field_by_field() {
        let ok = SmtpSettings {
            host: " smtp.example.com ".into(),
            port: 587,
            username: Some("  ".into()),
            tls: TlsMode::Starttls,
            from_address: "invites@例え.jp".into(),
            from_name: None,
        };
        let v = ok.clone().validated().unwrap();
        assert_eq!((v.host.as_str(), v.username), ("smtp.example.com", None));
        let bad_from = SmtpSettings { from_address: "nope".into(), ..ok.clone() }.validated().unwrap_err();
        assert_eq!(bad_from.details.unwrap()["field"], "from_address");
        let plain_password =
            SmtpSettings { tls: TlsMode::None, username: Some("u".into()), ..ok.clone() }.validated().unwrap_err();
        assert!(plain_password.message.contains("plain text"), "{}", plain_password.message);
        let local = SmtpSettings { tls: TlsMode::None, username: Some("u".into()), host: "127.0.0.1".into(), ..ok };
        assert!(local.validated().is_ok());
    }

    #[test]
    fn message_content_is_dot_stuffed_and_terminated_in_one_piece() {
        assert_eq!(DataPayload::of(b".a\r\nb\r\n.c\r\n").0, "..a\r\nb\r\n..c\r\n.\r\n");
        assert_eq!(DataPayload::of(b"x").0, "x\r\n.\r\n");
    }

    #[test]
    fn idn_domains_go_on_the_wire_as_punycode() {
        assert_eq!(wire_address("taro@例え.jp").unwrap().to_string(), "taro@xn--r8jz45g.jp");
    }
}
