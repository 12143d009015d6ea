//! The invitation email: English or Japanese, plain text and HTML, rendered when it is queued.

use rusqlite::{Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use ts_rs::TS;

use crate::Result;

/// Setting: the base of the join link (`liaison://join` when unset); `?code=…` is appended.
pub const JOIN_URL_BASE_KEY: &str = "invites.join_url_base";
/// Setting: the workspace's display name used in emails (defaults to "Liaison").
pub const WORKSPACE_NAME_KEY: &str = "workspace.name";
/// The join link when no base is configured.
pub const DEFAULT_JOIN_URL_BASE: &str = "liaison://join";

/// The language of an email.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum EmailLanguage {
    En,
    Ja,
}

impl EmailLanguage {
    /// The stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::En => "en",
            Self::Ja => "ja",
        }
    }

    /// The workspace's language: `ja` when `ui.language` is `ja`, otherwise English.
    pub fn of_workspace(conn: &Connection) -> Result<Self> {
        Ok(match setting(conn, "ui.language")?.as_deref().map(str::trim) {
            Some(l) if l.eq_ignore_ascii_case("ja") => Self::Ja,
            _ => Self::En,
        })
    }
}

/// A rendered message, ready for the outbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RenderedEmail {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// What an invitation email says.
#[derive(Debug, Clone)]
pub struct InvitationContent<'a> {
    pub workspace: &'a str,
    pub inviter_name: &'a str,
    pub inviter_email: &'a str,
    pub invitee_name: Option<&'a str>,
    pub join_link: &'a str,
    pub expires_at: OffsetDateTime,
}

pub(crate) fn setting(conn: &Connection, key: &str) -> Result<Option<String>> {
    Ok(conn.query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| r.get(0)).optional()?)
}

/// The workspace name shown in emails.
pub(crate) fn workspace_name(conn: &Connection) -> Result<String> {
    Ok(setting(conn, WORKSPACE_NAME_KEY)?
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "Liaison".to_owned()))
}

/// Sets the workspace name used in emails (empty: back to "Liaison"); audited.
pub fn set_workspace_name(ws: &crate::Workspace, name: &str) -> Result<()> {
    let name = name.trim();
    if name.chars().count() > 100 {
        return Err(crate::Error::invalid_input(crate::msg!("email-workspace-name-too-long")));
    }
    ws.store().write(|tx| {
        let actor = crate::members::admin::require_actor(tx)?;
        crate::settings::put(tx, WORKSPACE_NAME_KEY, name)?;
        crate::audit::record(tx, Some(&actor.id), "workspace.renamed", Some(name), serde_json::json!({}))
    })
}

/// Sets the base of join links (empty: back to `liaison://join`); audited.
pub fn set_join_url_base(ws: &crate::Workspace, base: &str) -> Result<()> {
    let base = base.trim();
    if !base.is_empty() && url::Url::parse(base).is_err() {
        return Err(crate::Error::invalid_input(crate::msg!("email-join-base-not-a-link", base = base)));
    }
    ws.store().write(|tx| {
        let actor = crate::members::admin::require_actor(tx)?;
        crate::settings::put(tx, JOIN_URL_BASE_KEY, base)?;
        crate::audit::record(tx, Some(&actor.id), "invites.join_url_changed", Some(base), serde_json::json!({}))
    })
}

/// The join link carrying a one-time code.
pub(crate) fn join_link(conn: &Connection, code: &str) -> Result<String> {
    let base = setting(conn, JOIN_URL_BASE_KEY)?
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| DEFAULT_JOIN_URL_BASE.to_owned());
    let sep = if base.contains('?') { '&' } else { '?' };
    Ok(format!("{base}{sep}code={code}"))
}

fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn date_en(at: OffsetDateTime) -> String {
    format!("{} {} {} at {:02}:{:02} UTC", at.day(), at.month(), at.year(), at.hour(), at.minute())
}

fn date_ja(at: OffsetDateTime) -> String {
    format!("{}年{}月{}日 {:02}:{:02}（UTC）", at.year(), u8::from(at.month()), at.day(), at.hour(), at.minute())
}

/// Renders the invitation in `language`, as plain text and HTML.
pub fn render_invitation(language: EmailLanguage, c: &InvitationContent<'_>) -> RenderedEmail {
    let inviter = if c.inviter_name.trim().is_empty() || c.inviter_name == c.inviter_email {
        c.inviter_email.to_owned()
    } else {
        format!("{} ({})", c.inviter_name, c.inviter_email)
    };
    let (subject, greeting, lines, button, expiry, ignore) = match language {
        EmailLanguage::En => (
            format!("{} invited you to {} on Liaison", c.inviter_name_or_email(), c.workspace),
            match c.invitee_name {
                Some(n) if !n.trim().is_empty() => format!("Hello {},", n.trim()),
                _ => "Hello,".to_owned(),
            },
            vec![format!("{inviter} invited you to join the workspace “{}” on Liaison.", c.workspace)],
            "Join the workspace".to_owned(),
            format!("This invitation can be used once and expires on {}.", date_en(c.expires_at)),
            "If you did not expect this invitation, you can ignore this email.".to_owned(),
        ),
        EmailLanguage::Ja => (
            format!("{}さんから Liaison の「{}」への招待が届いています", c.inviter_name_or_email(), c.workspace),
            match c.invitee_name {
                Some(n) if !n.trim().is_empty() => format!("{} 様", n.trim()),
                _ => "こんにちは。".to_owned(),
            },
            vec![format!("{inviter} さんが、Liaison のワークスペース「{}」にあなたを招待しました。", c.workspace)],
            "ワークスペースに参加する".to_owned(),
            format!("この招待リンクは 1 回だけ使用でき、{} に期限切れになります。", date_ja(c.expires_at)),
            "心当たりのない場合は、このメールを破棄してください。".to_owned(),
        ),
    };
    let link_label = match language {
        EmailLanguage::En => "Open this link to join:",
        EmailLanguage::Ja => "次のリンクを開いて参加してください：",
    };
    let text = format!("{greeting}\n\n{}\n\n{link_label}\n{}\n\n{expiry}\n\n{ignore}\n", lines.join("\n"), c.join_link);
    let html = format!(
        "<!DOCTYPE html>\n<html lang=\"{lang}\"><head><meta charset=\"utf-8\"><title>{subject}</title></head>\
         <body style=\"font-family: sans-serif; line-height: 1.5\">\n<p>{greeting}</p>\n<p>{body}</p>\n\
         <p><a href=\"{link}\" style=\"display: inline-block; padding: 8px 16px; background: #2563eb; color: #fff; \
         text-decoration: none; border-radius: 4px\">{button}</a></p>\n<p>{link_label}<br><a href=\"{link}\">{link}</a></p>\n\
         <p>{expiry}</p>\n<p style=\"color: #666\">{ignore}</p>\n</body></html>\n",
        lang = language.as_str(),
        subject = escape_html(&subject),
        greeting = escape_html(&greeting),
        body = lines.iter().map(|l| escape_html(l)).collect::<Vec<_>>().join("<br>"),
        link = escape_html(c.join_link),
        button = escape_html(&button),
        link_label = escape_html(link_label),
        expiry = escape_html(&expiry),
        ignore = escape_html(&ignore),
    );
    RenderedEmail { subject, text, html }
}

/// The test message of [`super::smtp::send_test_email`].
pub fn render_test(language: EmailLanguage, workspace: &str, sent_by: &str) -> RenderedEmail {
    let (subject, text) = match language {
        EmailLanguage::En => (
            format!("Liaison test email for {workspace}"),
            format!(
                "This is a test email from Liaison, sent by {sent_by}.\n\nIf you can read it, invitations from the \
                 workspace “{workspace}” can be delivered with the current email settings.\n"
            ),
        ),
        EmailLanguage::Ja => (
            format!("Liaison テストメール（{workspace}）"),
            format!(
                "これは {sent_by} さんが Liaison から送信したテストメールです。\n\nこのメールが届いていれば、現在のメール設定で\
                 ワークスペース「{workspace}」からの招待メールを配信できます。\n"
            ),
        ),
    };
    let html = format!(
        "<!DOCTYPE html>\n<html lang=\"{}\"><head><meta charset=\"utf-8\"></head><body><p>{}</p></body></html>\n",
        language.as_str(),
        escape_html(&text).replace("\n\n", "</p><p>").replace('\n', "")
    );
    RenderedEmail { subject, text, html }
}

/// What the first admin's access-instructions email says (step 1 with a Marketo admin).
#[derive(Debug, Clone)]
pub struct AccessInstructions<'a> {
    pub workspace: &'a str,
    pub admin_name: &'a str,
    /// The Marketo instance the admin was picked from (its REST endpoint).
    pub marketo: &'a str,
}

/// Renders the access instructions in `language`: how to open Liaison and act as the admin,
/// and what the original admin can do.
pub fn render_access_instructions(language: EmailLanguage, c: &AccessInstructions<'_>) -> RenderedEmail {
    let (subject, paragraphs) = match language {
        EmailLanguage::En => (
            format!("You are the first admin of {} on Liaison", c.workspace),
            vec![
                format!("Hello {},", c.admin_name),
                format!(
                    "The Liaison workspace “{}” was activated with you as its original admin, chosen from the Marketo \
                     admins of {}.",
                    c.workspace, c.marketo
                ),
                "How to get in: open the Liaison desktop app on the computer where the workspace was set up (or run \
                 `liaison status` there). Liaison has no separate password: it acts as you on that computer, and its \
                 connections sign in to Marketo, Salesforce and the other systems with their own credentials."
                    .to_owned(),
                "What you can do: finish the setup wizard on the Home page (connect Salesforce and Marketo, start the \
                 data sync, invite users from Settings → User Management), and find the workspace's client ID and \
                 secret on the Integration info card."
                    .to_owned(),
                "Once a data sync has started, the original admin cannot be removed from the workspace.".to_owned(),
                "If you did not expect this email, tell your Marketo administrator.".to_owned(),
            ],
        ),
        EmailLanguage::Ja => (
            format!("Liaison の「{}」の最初の管理者になりました", c.workspace),
            vec![
                format!("{} 様", c.admin_name),
                format!(
                    "Liaison のワークスペース「{}」が有効化され、{} の Marketo 管理者の中からあなたが元の管理者に選ばれました。",
                    c.workspace, c.marketo
                ),
                "アクセス方法：ワークスペースを設定したコンピューターで Liaison デスクトップアプリを開いてください（またはそのコンピューター\
                 で `liaison status` を実行してください）。Liaison に専用のパスワードはありません。そのコンピューター上であなたとして操作し、\
                 各接続は Marketo、Salesforce などにそれぞれの資格情報でサインインします。"
                    .to_owned(),
                "できること：ホーム画面のセットアップウィザードを完了し（Salesforce と Marketo の接続、データ同期の開始、［設定］→\
                 ［ユーザー管理］からのユーザー招待）、統合情報カードでワークスペースのクライアント ID とシークレットを確認できます。"
                    .to_owned(),
                "データ同期を開始した後は、元の管理者をワークスペースから削除できません。".to_owned(),
                "心当たりのない場合は、Marketo の管理者に連絡してください。".to_owned(),
            ],
        ),
    };
    let text = format!("{}\n", paragraphs.join("\n\n"));
    let body: String = paragraphs.iter().map(|p| format!("<p>{}</p>\n", escape_html(p))).collect();
    let html = format!(
        "<!DOCTYPE html>\n<html lang=\"{}\"><head><meta charset=\"utf-8\"><title>{}</title></head>\
         <body style=\"font-family: sans-serif; line-height: 1.5\">\n{body}</body></html>\n",
        language.as_str(),
        escape_html(&subject),
    );
    RenderedEmail { subject, text, html }
}

impl InvitationContent<'_> {
    fn inviter_name_or_email(&self) -> &str {
        if self.inviter_name.trim().is_empty() { self.inviter_email } else { self.inviter_name.trim() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn content(link: &str) -> InvitationContent<'_> {
        InvitationContent {
            workspace: "Acme <Sales>",
            inviter_name: "Ada",
            inviter_email: "ada@example.com",
            invitee_name: Some("Bob"),
            join_link: link,
            expires_at: time::macros::datetime!(2026-11-27 10:05 UTC),
        }
    }

    #[test]
    fn english_names_workspace_inviter_link_and_expiry_and_escapes_html() {
        let m = render_invitation(EmailLanguage::En, &content("liaison://join?code=abc"));
        assert_eq!(m.subject, "Ada invited you to Acme <Sales> on Liaison");
        assert!(m.text.contains("Ada (ada@example.com)") && m.text.contains("liaison://join?code=abc"));
        assert!(m.text.contains("27 November 2026 at 10:05 UTC"), "{}", m.text);
        assert!(m.html.contains("Acme &lt;Sales&gt;") && !m.html.contains("<Sales>"));
    }

    #[test]
    fn access_instructions_say_how_to_get_in_and_what_the_admin_can_do_in_both_languages() {
        let c = AccessInstructions {
            workspace: "Acme <Sales>",
            admin_name: "美咲 田中",
            marketo: "https://x.mktorest.com",
        };
        let en = render_access_instructions(EmailLanguage::En, &c);
        assert_eq!(en.subject, "You are the first admin of Acme <Sales> on Liaison");
        assert!(en.text.contains("open the Liaison desktop app") && en.text.contains("User Management"), "{}", en.text);
        assert!(en.html.contains("Acme &lt;Sales&gt;") && !en.html.contains("<Sales>"));
        let ja = render_access_instructions(EmailLanguage::Ja, &c);
        assert!(
            ja.subject.contains("最初の管理者") && ja.text.contains("美咲 田中 様") && ja.html.contains("lang=\"ja\"")
        );
    }

    #[test]
    fn japanese_uses_japanese_dates() {
        let m = render_invitation(EmailLanguage::Ja, &content("x"));
        assert!(m.subject.contains("招待") && m.text.contains("2026年11月27日 10:05"), "{}", m.text);
    }
}
