//! Invitations (R3, R4, setup step 5) end to end against the sandbox's SMTP sink: inviting one
//! person or a CSV, the durable outbox, at-most-once delivery across a crash, retries, refusals,
//! resend and revoke, and where secrets live.

mod common;

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use liaison_core::http::RetryPolicy;
use liaison_core::i18n::Lang;
use liaison_core::invites::csv;
use liaison_core::invites::email::set_workspace_name;
use liaison_core::invites::invite::{
    self, InvitationState, InviteRequest, RowResult, create_team, invite_one, list_invitations, queue_csv_batch,
    resend, revoke, verify_code, write_batch_results,
};
use liaison_core::invites::outbox::{
    self, DeliveryOptions, DeliveryProgress, DeliverySummary, MessageState, deliver_with, outbox_status,
};
use liaison_core::invites::smtp::{SmtpSettings, TlsMode, save_smtp_settings, send_test_email, use_sandbox_smtp};
use liaison_core::members::admin::activate;
use liaison_core::members::{self, MemberRole, MemberStatus};
use liaison_core::settings::{LanguagePreference, set_language};
use liaison_core::setup::{self, StepState};
use liaison_core::vault::Vault;
use liaison_core::{ErrorCode, Workspace, audit};
use liaison_sandbox::Sandbox;
use secrecy::SecretString;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

struct World {
    dir: tempfile::TempDir,
    ws: Workspace,
    vault: Vault,
    sandbox: Sandbox,
}

async fn world() -> World {
    let (sandbox, dir, ws, vault) = common::sandbox_and_workspace(5).await;
    activate(&ws, &vault, "Ada Admin", "ada@example.com").unwrap();
    set_workspace_name(&ws, "Acme Sales").unwrap();
    let smtp = sandbox.endpoints().smtp.clone();
    use_sandbox_smtp(&ws, &vault, &smtp.host, smtp.port).unwrap();
    World { dir, ws, vault, sandbox }
}

fn fast() -> DeliveryOptions {
    DeliveryOptions {
        retry: RetryPolicy { attempts: 2, min_delay: Duration::from_millis(10), max_delay: Duration::from_millis(40) },
        timeout: Duration::from_secs(5),
    }
}

async fn send_all(w: &World) -> DeliverySummary {
    deliver_with(&w.ws, &w.vault, &fast(), &mut |_: &DeliveryProgress| {}, &AtomicBool::new(false)).await.unwrap()
}

async fn mail(w: &World) -> Vec<serde_json::Value> {
    let url = format!("{}/mail", w.sandbox.endpoints().control_url);
    let body: serde_json::Value = reqwest::get(url).await.unwrap().json().await.unwrap();
    body["messages"].as_array().cloned().unwrap_or_default()
}

fn person(email: &str) -> InviteRequest {
    InviteRequest { email: email.into(), name: Some("Bob Builder".into()), role: MemberRole::User, teams: vec![] }
}

/// The one-time code from the join link in a received message.
fn code_in(message: &serde_json::Value) -> String {
    let text = message["text"].as_str().unwrap();
    let start = text.find("code=").expect("a join link with a code") + 5;
    text[start..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_').collect()
}

fn database_bytes(w: &World) -> Vec<u8> {
    w.ws.store().connect().unwrap().execute_batch("PRAGMA wal_checkpoint(TRUNCATE)").unwrap();
    std::fs::read(w.dir.path().join("liaison.db")).unwrap()
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle.as_bytes())
}

#[tokio::test]
async fn r4_invited_member_joins_everyone_and_the_email_names_workspace_inviter_and_code() {
    let w = world().await;
    let invitation = invite_one(&w.ws, &w.vault, &person("bob@example.com")).unwrap();
    assert_eq!((invitation.state, invitation.delivery), (InvitationState::Pending, Some(MessageState::Queued)));
    let bob = members::list(w.ws.store()).unwrap().into_iter().find(|m| m.email == "bob@example.com").unwrap();
    assert_eq!((bob.status, bob.teams.clone()), (MemberStatus::Invited, vec!["Everyone".to_owned()]));
    assert_eq!(setup::overview(w.ws.store()).unwrap().steps[4].state, StepState::NotStarted, "not sent yet");

    let summary = send_all(&w).await;
    assert_eq!((summary.sent, summary.failed, summary.remaining), (1, 0, 0));
    let received = mail(&w).await;
    assert_eq!(received.len(), 1);
    let m = &received[0];
    assert_eq!(m["to"], serde_json::json!(["bob@example.com"]));
    let subject = m["subject"].as_str().unwrap();
    assert!(subject.contains("Ada Admin") && subject.contains("Acme Sales"), "{subject}");
    let text = m["text"].as_str().unwrap();
    assert!(text.contains("Ada Admin (ada@example.com)") && text.contains("Acme Sales"), "{text}");
    assert!(text.contains("liaison://join?code="), "{text}");
    assert!(m["html"].as_str().unwrap().contains("liaison://join?code="));
    let code = code_in(m);
    assert!(code.len() >= 32, "{code}");
    assert_eq!(verify_code(w.ws.store(), &code).unwrap().email, "bob@example.com");

    assert_eq!(setup::overview(w.ws.store()).unwrap().steps[4].state, StepState::Done, "step 5 done once sent");
    let listed = list_invitations(w.ws.store()).unwrap();
    assert_eq!(listed[0].delivery, Some(MessageState::Sent));
    assert!(listed[0].sent_at.is_some());
    let audited = audit::list(w.ws.store(), &audit::AuditQuery { action: Some("member.invited".into()), limit: None });
    assert_eq!(audited.unwrap()[0].actor.as_deref(), Some("ada@example.com"));
    assert!(!contains(&database_bytes(&w), &code), "the one-time code is in the database in plain text");
    w.sandbox.shutdown().await;
}

#[tokio::test]
async fn inviting_a_member_or_a_pending_invitee_again_is_refused_with_the_reason() {
    let w = world().await;
    let err = invite_one(&w.ws, &w.vault, &person("ADA@example.com")).unwrap_err();
    assert_eq!(err.code, ErrorCode::Conflict);
    assert!(err.message.contains("already a member"), "{}", err.message);

    invite_one(&w.ws, &w.vault, &person("bob@example.com")).unwrap();
    let err = invite_one(&w.ws, &w.vault, &person(" Bob@Example.COM ")).unwrap_err();
    assert_eq!(err.code, ErrorCode::Conflict);
    assert!(err.message.contains("pending invitation") && err.message.contains("Resend"), "{}", err.message);

    let err = invite_one(&w.ws, &w.vault, &person("bob@@example.com")).unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput);
    assert!(err.message.contains("more than one @"), "{}", err.message);
    assert_eq!(send_all(&w).await.sent, 1, "exactly one email for bob");
    assert_eq!(mail(&w).await.len(), 1);
    w.sandbox.shutdown().await;
}

#[tokio::test]
async fn unknown_teams_are_refused_with_the_existing_ones_until_created() {
    let w = world().await;
    let mut request = person("carol@example.com");
    request.teams = vec!["Field Sales".into()];
    let err = invite_one(&w.ws, &w.vault, &request).unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput);
    assert!(
        err.message.contains("“Field Sales”") && err.message.contains("Existing teams: Everyone"),
        "{}",
        err.message
    );
    assert!(members::list(w.ws.store()).unwrap().iter().all(|m| m.email != "carol@example.com"), "nothing written");

    create_team(&w.ws, "Field Sales").unwrap();
    assert_eq!(create_team(&w.ws, "field sales").unwrap_err().code, ErrorCode::Conflict);
    request.teams = vec!["field sales".into()];
    let invitation = invite_one(&w.ws, &w.vault, &request).unwrap();
    assert_eq!(invitation.teams, ["Everyone", "Field Sales"]);
    w.sandbox.shutdown().await;
}

#[tokio::test]
async fn r4_assigning_teams_keeps_everyone_refuses_unknown_teams_and_is_audited() {
    let w = world().await;
    create_team(&w.ws, "Field Sales").unwrap();
    create_team(&w.ws, "営業部").unwrap();
    invite_one(&w.ws, &w.vault, &person("bob@example.com")).unwrap();

    let member = invite::assign_teams(&w.ws, "Bob@Example.com", &["field sales".into(), "営業部".into()]).unwrap();
    assert_eq!(member.teams, ["Everyone", "Field Sales", "営業部"]);
    // Setting an empty list leaves Everyone only: it cannot be taken away (R4).
    let member = invite::assign_teams(&w.ws, "bob@example.com", &[]).unwrap();
    assert_eq!(member.teams, ["Everyone"]);

    let err = invite::assign_teams(&w.ws, "bob@example.com", &["Nope".into()]).unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput);
    assert!(err.message.contains("“Nope”") && err.message.contains("Field Sales"), "{}", err.message);
    let err = invite::assign_teams(&w.ws, "nobody@example.com", &[]).unwrap_err();
    assert_eq!(err.code, ErrorCode::NotFound);

    let changes =
        audit::list(w.ws.store(), &audit::AuditQuery { action: Some("member.teams_changed".into()), limit: None })
            .unwrap();
    assert_eq!(changes.len(), 2);
    assert_eq!(changes[1].details["after"], serde_json::json!(["Everyone", "Field Sales", "営業部"]));
    assert_eq!(changes[0].details["before"], serde_json::json!(["Everyone", "Field Sales", "営業部"]));
    w.sandbox.shutdown().await;
}

#[tokio::test]
async fn internationalised_domains_are_accepted_and_delivered_as_punycode() {
    let w = world().await;
    let invitation = invite_one(&w.ws, &w.vault, &person("taro@例え.jp")).unwrap();
    assert_eq!(invitation.email, "taro@例え.jp");
    assert_eq!(send_all(&w).await.sent, 1);
    assert_eq!(mail(&w).await[0]["to"], serde_json::json!(["taro@xn--r8jz45g.jp"]));
    w.sandbox.shutdown().await;
}

#[tokio::test]
async fn a_japanese_workspace_sends_japanese_invitations() {
    let w = world().await;
    set_language(w.ws.store(), LanguagePreference::Ja).unwrap();
    invite_one(&w.ws, &w.vault, &InviteRequest { name: Some("山田 太郎".into()), ..person("taro@example.jp") })
        .unwrap();
    send_all(&w).await;
    let m = &mail(&w).await[0];
    let subject = m["subject"].as_str().unwrap();
    assert!(subject.contains("招待") && subject.contains("Acme Sales"), "{subject}");
    let text = m["text"].as_str().unwrap();
    assert!(text.contains("山田 太郎 様") && text.contains("年") && text.contains("招待"), "{text}");
    assert!(m["html"].as_str().unwrap().contains("lang=\"ja\""));
    w.sandbox.shutdown().await;
}

#[tokio::test]
async fn the_results_csv_repeats_the_files_own_columns_with_result_and_reason_per_row_formula_safe() {
    let w = world().await;
    invite_one(&w.ws, &w.vault, &person("known@example.com")).unwrap();
    // Shift_JIS with a title line, an unmapped column, a blank line and a formula in a cell.
    let text = "社員名簿 2026\r\nメールアドレス,氏名,部署,メモ\r\ntaro@example.com,山田 太郎,営業部,=HYPERLINK(\"http://x\")\r\n\r\nbroken,壊れた 行,総務部,\r\nknown@example.com,既知 の人,営業部,+1\r\nhanako@example.com,佐藤 花子,開発部,\r\n";
    let (bytes, _, _) = encoding_rs::SHIFT_JIS.encode(text);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("名簿.csv");
    std::fs::write(&path, &bytes).unwrap();
    let inspection = csv::inspect(&path).unwrap();
    let mut mapping = inspection.suggested();
    // The admin's review leaves 部署 unmapped (it would be read as teams that do not exist).
    mapping.set(csv::MemberField::Teams, None).unwrap();
    let summary = queue_csv_batch(&w.ws, &w.vault, &path, &inspection, &mapping, &BTreeSet::from([4])).unwrap();
    let mut out = Vec::new();
    write_batch_results(&mut out, &path, &inspection, &summary, Lang::En).unwrap();
    let out = String::from_utf8(out).unwrap();
    let body = out.strip_prefix('\u{FEFF}').expect("a UTF-8 BOM for Excel");
    let records: Vec<Vec<String>> = ::csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(body.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect();
    assert_eq!(records[0], ["メールアドレス", "氏名", "部署", "メモ", "Result", "Reason"]);
    assert_eq!(records.len(), 5, "a header and one line per data row: {records:?}");
    assert_eq!(records[1][..5], ["taro@example.com", "山田 太郎", "営業部", "'=HYPERLINK(\"http://x\")", "invited"]);
    assert_eq!(records[1][5], "");
    assert_eq!(records[2][..5], ["broken", "壊れた 行", "総務部", "", "invalid"]);
    assert!(!records[2][5].is_empty(), "an invalid row says why");
    assert_eq!(records[3][..5], ["known@example.com", "既知 の人", "営業部", "'+1", "skipped"]);
    assert!(records[3][5].contains("pending invitation"), "{}", records[3][5]);
    assert_eq!(records[4][..5], ["hanako@example.com", "佐藤 花子", "開発部", "", "excluded"]);
    assert!(records[4][5].contains("Excluded"), "{}", records[4][5]);
    // The original file is needed: once it is gone the admin is told so.
    std::fs::remove_file(&path).unwrap();
    let err = write_batch_results(Vec::new(), &path, &inspection, &summary, Lang::En).unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput);
    assert!(err.message.contains("can no longer be read"), "{}", err.message);
    w.sandbox.shutdown().await;
}

#[tokio::test]
async fn a_csv_batch_queues_only_the_valid_rows_and_exactly_those_are_sent() {
    let w = world().await;
    invite_one(&w.ws, &w.vault, &person("pending@example.com")).unwrap();
    send_all(&w).await;
    reqwest::Client::new().delete(format!("{}/mail", w.sandbox.endpoints().control_url)).send().await.unwrap();

    let mut file = String::from("Email,First name,Last name,Role\n");
    for i in 0..25 {
        file.push_str(&format!("user{i}@example.com,User,Number{i},user\n"));
    }
    file.push_str("not-an-email,Bad,Row,user\n"); // invalid
    file.push_str(",No,Email,user\n"); // invalid
    file.push_str("boss@example.com,Big,Boss,chief\n"); // invalid role
    file.push_str("USER3@example.com,Dup,Licate,user\n"); // duplicate of row 4
    file.push_str("ada@example.com,Ada,Admin,admin\n"); // existing member
    file.push_str("pending@example.com,Pen,Ding,user\n"); // pending invitation
    file.push_str("skipme@example.com,Skip,Me,user\n"); // excluded below (row 32)
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("users.csv");
    std::fs::write(&path, file).unwrap();

    let inspection = csv::inspect(&path).unwrap();
    let mapping = inspection.suggested();
    let excluded = BTreeSet::from([32]);
    let summary = queue_csv_batch(&w.ws, &w.vault, &path, &inspection, &mapping, &excluded).unwrap();
    assert_eq!(
        (summary.rows, summary.queued, summary.invalid, summary.duplicates, summary.existing, summary.excluded),
        (32, 25, 3, 1, 2, 1)
    );
    let dup = summary.outcomes.iter().find(|o| o.result == RowResult::Duplicate).unwrap();
    assert!(dup.reason.contains("earlier row"), "{}", dup.reason);
    let pending = summary.outcomes.iter().find(|o| o.email == "pending@example.com").unwrap();
    assert!(pending.reason.contains("pending invitation"), "{}", pending.reason);

    let run = liaison_core::runs::list(w.ws.store()).unwrap();
    assert_eq!((run[0].id.as_str(), run[0].kind), (summary.run_id.as_str(), liaison_core::runs::RunKind::Invite));
    assert_eq!(run[0].state, liaison_core::runs::RunState::Succeeded);

    let mut results = Vec::new();
    write_batch_results(&mut results, &path, &inspection, &summary, Lang::En).unwrap();
    let results = String::from_utf8(results).unwrap();
    assert!(results.starts_with("\u{FEFF}Email,First name,Last name,Role,Result,Reason"), "{results}");
    assert_eq!(results.matches(",invited,").count(), 25);

    let delivered = send_all(&w).await;
    assert_eq!((delivered.sent, delivered.failed, delivered.remaining), (25, 0, 0));
    let received = mail(&w).await;
    assert_eq!(received.len(), 25, "the sink receives exactly the valid rows");
    let mut to: Vec<String> = received.iter().map(|m| m["to"][0].as_str().unwrap().to_owned()).collect();
    to.sort();
    to.dedup();
    assert_eq!(to.len(), 25, "no address got two invitations");
    w.sandbox.shutdown().await;
}

#[tokio::test]
async fn a_delivery_is_pending_at_start_while_messages_are_queued_or_were_interrupted() {
    let w = world().await;
    assert!(!outbox::delivery_pending(w.ws.store()).unwrap(), "an empty outbox needs no delivery");
    invite_one(&w.ws, &w.vault, &person("one@example.com")).unwrap();
    assert!(outbox::delivery_pending(w.ws.store()).unwrap());
    send_all(&w).await;
    assert!(!outbox::delivery_pending(w.ws.store()).unwrap(), "everything went out");
    invite_one(&w.ws, &w.vault, &person("two@example.com")).unwrap();
    w.ws.store()
        .write(|tx| {
            tx.execute("UPDATE outbox SET state = 'sending' WHERE recipient = 'two@example.com'", [])?;
            Ok(())
        })
        .unwrap();
    assert!(outbox::delivery_pending(w.ws.store()).unwrap(), "an interrupted send must be reported as uncertain");
    let summary = send_all(&w).await;
    assert_eq!((summary.sent, summary.uncertain.len()), (0, 1));
    assert!(!outbox::delivery_pending(w.ws.store()).unwrap());
    w.sandbox.shutdown().await;
}

#[tokio::test]
async fn the_finished_notice_counts_what_happened_in_the_workspace_language() {
    let w = world().await;
    let mut summary =
        DeliverySummary { sent: 0, failed: 0, uncertain: vec![], remaining: 0, cancelled: false, stopped: None };
    assert_eq!(outbox::finished_notice(w.ws.store(), &summary).unwrap(), None, "nothing happened");
    summary.sent = 24;
    summary.failed = 1;
    summary.uncertain =
        vec![outbox::UncertainMessage { message_id: 3, recipient: "x@example.com".into(), reason: "r".into() }];
    let notice = outbox::finished_notice(w.ws.store(), &summary).unwrap().unwrap();
    assert_eq!(notice.title, "Invitations sent");
    assert_eq!(notice.body, "24 sent, 1 failed, 1 uncertain (not resent; check with the recipients).");
    summary.remaining = 5;
    summary.stopped = Some(liaison_core::Error::new(ErrorCode::Unreachable, "The mail server stopped answering."));
    set_language(w.ws.store(), LanguagePreference::Ja).unwrap();
    let notice = outbox::finished_notice(w.ws.store(), &summary).unwrap().unwrap();
    assert_eq!(notice.title, "招待の送信が止まりました");
    assert!(notice.body.starts_with("送信 24 件、失敗 1 件、送信不明 1 件"), "{}", notice.body);
    assert!(notice.body.contains("未送信 5 件") && notice.body.ends_with("The mail server stopped answering."));
    w.sandbox.shutdown().await;
}

#[tokio::test]
async fn invitations_are_sent_at_most_once_across_a_restart() {
    let w = world().await;
    for who in ["one@example.com", "two@example.com", "three@example.com"] {
        invite_one(&w.ws, &w.vault, &person(who)).unwrap();
    }
    // The app was killed after committing `sending` for the first message and before `sent`.
    w.ws.store()
        .write(|tx| {
            tx.execute("UPDATE outbox SET state = 'sending' WHERE recipient = 'one@example.com'", [])?;
            Ok(())
        })
        .unwrap();

    let summary = send_all(&w).await;
    assert_eq!(summary.sent, 2);
    assert_eq!(summary.uncertain.len(), 1);
    assert_eq!(summary.uncertain[0].recipient, "one@example.com");
    assert!(
        summary.uncertain[0].reason.contains("may or may not have been delivered"),
        "{}",
        summary.uncertain[0].reason
    );
    let to: Vec<String> = mail(&w).await.iter().map(|m| m["to"][0].as_str().unwrap().to_owned()).collect();
    assert_eq!(to, ["two@example.com", "three@example.com"]);

    // Starting again sends nothing more.
    let again = send_all(&w).await;
    assert_eq!((again.sent, again.uncertain.len(), again.remaining), (0, 0, 0));
    assert_eq!(mail(&w).await.len(), 2);
    let one = list_invitations(w.ws.store()).unwrap().into_iter().find(|i| i.email == "one@example.com").unwrap();
    assert_eq!(one.delivery, Some(MessageState::Uncertain));
    assert!(one.delivery_error.unwrap().contains("resend"));
    assert_eq!(outbox_status(w.ws.store()).unwrap().uncertain, 1);

    // The admin resends on purpose.
    resend(&w.ws, &w.vault, "one@example.com").unwrap();
    assert_eq!(send_all(&w).await.sent, 1);
    assert_eq!(mail(&w).await.len(), 3);
    w.sandbox.shutdown().await;
}

/// What a scripted SMTP server does.
#[derive(Clone, Copy)]
enum Script {
    /// Replies 451 to the first RCPT, then accepts.
    TemporaryOnce,
    /// Replies 550 to RCPT for addresses starting with "nobody".
    RejectNobody,
    /// Reads the whole message, then drops the connection without replying.
    DropAfterData,
}

#[derive(Default)]
struct Fake {
    rcpt: AtomicUsize,
    delivered: AtomicUsize,
    bodies_read: AtomicUsize,
    recipients: Mutex<Vec<String>>,
}

async fn fake_smtp(script: Script) -> (u16, Arc<Fake>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let fake = Arc::new(Fake::default());
    let state = fake.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let fake = state.clone();
            tokio::spawn(async move {
                let (read, mut write) = stream.into_split();
                let mut lines = BufReader::new(read).lines();
                write.write_all(b"220 fake ESMTP\r\n").await.ok();
                let mut to = String::new();
                while let Ok(Some(line)) = lines.next_line().await {
                    let upper = line.to_ascii_uppercase();
                    let reply: &[u8] = if upper.starts_with("EHLO") {
                        b"250-fake\r\n250 8BITMIME\r\n"
                    } else if upper.starts_with("MAIL") || upper.starts_with("RSET") {
                        b"250 2.1.0 Ok\r\n"
                    } else if upper.starts_with("RCPT") {
                        to = line[8..].trim_matches(|c| c == '<' || c == '>' || c == ' ').to_owned();
                        let n = fake.rcpt.fetch_add(1, Ordering::SeqCst);
                        match script {
                            Script::TemporaryOnce if n == 0 => b"451 4.3.0 Try again later\r\n",
                            Script::RejectNobody if to.starts_with("nobody") => b"550 5.1.1 Mailbox unknown\r\n",
                            _ => b"250 2.1.5 Ok\r\n",
                        }
                    } else if upper == "DATA" {
                        write.write_all(b"354 go ahead\r\n").await.ok();
                        while let Ok(Some(l)) = lines.next_line().await {
                            if l == "." {
                                break;
                            }
                        }
                        fake.bodies_read.fetch_add(1, Ordering::SeqCst);
                        if matches!(script, Script::DropAfterData) {
                            return;
                        }
                        fake.delivered.fetch_add(1, Ordering::SeqCst);
                        fake.recipients.lock().unwrap().push(to.clone());
                        b"250 2.0.0 Ok: queued\r\n"
                    } else if upper == "QUIT" {
                        write.write_all(b"221 Bye\r\n").await.ok();
                        return;
                    } else {
                        b"500 unknown\r\n"
                    };
                    if write.write_all(reply).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    (port, fake)
}

fn point_at(w: &World, port: u16) {
    save_smtp_settings(&w.ws, &w.vault, SmtpSettings::sandbox("127.0.0.1", port), None).unwrap();
}

#[tokio::test]
async fn a_connection_dropped_after_the_message_was_handed_over_is_uncertain_and_never_resent() {
    let w = world().await;
    let (port, fake) = fake_smtp(Script::DropAfterData).await;
    point_at(&w, port);
    invite_one(&w.ws, &w.vault, &person("dave@example.com")).unwrap();
    let summary = send_all(&w).await;
    assert_eq!((summary.sent, summary.uncertain.len()), (0, 1));
    assert!(
        summary.uncertain[0].reason.contains("may or may not have been delivered"),
        "{}",
        summary.uncertain[0].reason
    );
    send_all(&w).await;
    assert_eq!(fake.bodies_read.load(Ordering::SeqCst), 1, "handed over once, never again");
    w.sandbox.shutdown().await;
}

#[tokio::test]
async fn a_temporary_refusal_is_retried_and_a_permanent_one_fails_with_the_server_reply() {
    let w = world().await;
    let (port, fake) = fake_smtp(Script::TemporaryOnce).await;
    point_at(&w, port);
    invite_one(&w.ws, &w.vault, &person("erin@example.com")).unwrap();
    let summary = send_all(&w).await;
    assert_eq!((summary.sent, summary.failed), (1, 0));
    assert_eq!(fake.rcpt.load(Ordering::SeqCst), 2, "451, then accepted on the retry");

    let (port, fake) = fake_smtp(Script::RejectNobody).await;
    point_at(&w, port);
    invite_one(&w.ws, &w.vault, &person("nobody@example.com")).unwrap();
    invite_one(&w.ws, &w.vault, &person("frank@example.com")).unwrap();
    let summary = send_all(&w).await;
    assert_eq!((summary.sent, summary.failed, summary.remaining), (1, 1, 0));
    assert_eq!(*fake.recipients.lock().unwrap(), ["frank@example.com"]);
    let nobody = list_invitations(w.ws.store()).unwrap().into_iter().find(|i| i.email == "nobody@example.com").unwrap();
    assert_eq!(nobody.delivery, Some(MessageState::Failed));
    let reason = nobody.delivery_error.unwrap();
    assert!(reason.contains("550") && reason.contains("Mailbox unknown") && reason.contains("refused"), "{reason}");
    assert_eq!(fake.rcpt.load(Ordering::SeqCst), 2, "a permanent refusal is not retried");
    w.sandbox.shutdown().await;
}

#[tokio::test]
async fn an_unreachable_mail_server_is_retried_then_reported_and_nothing_is_lost() {
    let w = world().await;
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    point_at(&w, port);
    invite_one(&w.ws, &w.vault, &person("gina@example.com")).unwrap();
    invite_one(&w.ws, &w.vault, &person("hank@example.com")).unwrap();
    let summary = send_all(&w).await;
    let stopped = summary.stopped.expect("delivery stops with the reason");
    assert_eq!(stopped.code, ErrorCode::Unreachable);
    assert!(
        stopped.message.contains(&format!("127.0.0.1:{port}")) && stopped.message.contains("kept"),
        "{}",
        stopped.message
    );
    assert_eq!((summary.sent, summary.remaining), (0, 2));
    assert_eq!(outbox_status(w.ws.store()).unwrap().queued, 2, "still queued");

    let smtp = w.sandbox.endpoints().smtp.clone();
    use_sandbox_smtp(&w.ws, &w.vault, &smtp.host, smtp.port).unwrap();
    assert_eq!(send_all(&w).await.sent, 2);
    assert_eq!(mail(&w).await.len(), 2);
    w.sandbox.shutdown().await;
}

#[tokio::test]
async fn delivery_without_email_settings_keeps_everything_queued_and_says_what_to_do() {
    let w = world().await;
    w.ws.store()
        .write(|tx| {
            tx.execute("DELETE FROM settings WHERE key = 'smtp.settings'", [])?;
            Ok(())
        })
        .unwrap();
    invite_one(&w.ws, &w.vault, &person("ivy@example.com")).unwrap();
    let summary = send_all(&w).await;
    assert!(summary.stopped.unwrap().message.contains("Settings → Email"));
    assert_eq!(summary.remaining, 1);
    w.sandbox.shutdown().await;
}

#[tokio::test]
async fn cancelling_stops_between_messages_and_keeps_the_rest_queued() {
    let w = world().await;
    for i in 0..3 {
        invite_one(&w.ws, &w.vault, &person(&format!("c{i}@example.com"))).unwrap();
    }
    let cancel = AtomicBool::new(false);
    let mut seen = Vec::new();
    let summary = deliver_with(
        &w.ws,
        &w.vault,
        &fast(),
        &mut |p: &DeliveryProgress| {
            seen.push(*p);
            cancel.store(true, Ordering::SeqCst);
        },
        &cancel,
    )
    .await
    .unwrap();
    assert!(summary.cancelled);
    assert_eq!((summary.sent, summary.remaining), (1, 2));
    assert_eq!(seen, [DeliveryProgress { sent: 1, failed: 0, uncertain: 0, remaining: 2 }]);
    assert_eq!(send_all(&w).await.sent, 2);
    w.sandbox.shutdown().await;
}

#[tokio::test]
async fn a_second_delivery_is_refused_while_another_one_holds_the_outbox() {
    let w = world().await;
    let until = time::OffsetDateTime::now_utc().unix_timestamp() + 60;
    w.ws.store()
        .write(|tx| {
            tx.execute(
                "INSERT INTO settings (key, value) VALUES ('outbox.delivery_lease', ?1)",
                [serde_json::json!({ "holder": "other", "until": until }).to_string()],
            )?;
            Ok(())
        })
        .unwrap();
    let err = deliver_with(&w.ws, &w.vault, &fast(), &mut |_: &DeliveryProgress| {}, &AtomicBool::new(false))
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::Conflict);
    assert!(err.message.contains("another Liaison window"), "{}", err.message);
    w.sandbox.shutdown().await;
}

#[tokio::test]
async fn revoking_cancels_the_unsent_email_and_a_sent_code_stops_working() {
    let w = world().await;
    invite_one(&w.ws, &w.vault, &person("jane@example.com")).unwrap();
    let revoked = revoke(&w.ws, &w.vault, "JANE@example.com").unwrap();
    assert_eq!((revoked.state, revoked.member_status), (InvitationState::Revoked, MemberStatus::Removed));
    assert_eq!(revoked.delivery, Some(MessageState::Cancelled));
    assert_eq!(send_all(&w).await.sent, 0);
    assert!(mail(&w).await.is_empty(), "a revoked invitation is never sent");
    assert_eq!(revoke(&w.ws, &w.vault, "jane@example.com").unwrap_err().code, ErrorCode::NotFound);

    // A removed invitee can be invited again; once sent, revoking kills the link.
    invite_one(&w.ws, &w.vault, &person("jane@example.com")).unwrap();
    send_all(&w).await;
    let code = code_in(&mail(&w).await[0]);
    verify_code(w.ws.store(), &code).unwrap();
    revoke(&w.ws, &w.vault, "jane@example.com").unwrap();
    let err = verify_code(w.ws.store(), &code).unwrap_err();
    assert!(err.message.contains("withdrawn"), "{}", err.message);
    let actions: Vec<String> =
        audit::list(w.ws.store(), &audit::AuditQuery { action: Some("invitation.revoked".into()), limit: None })
            .unwrap()
            .into_iter()
            .map(|e| e.action)
            .collect();
    assert_eq!(actions.len(), 2);
    w.sandbox.shutdown().await;
}

#[tokio::test]
async fn resending_rotates_the_code_and_the_old_link_stops_working() {
    let w = world().await;
    invite_one(&w.ws, &w.vault, &person("kim@example.com")).unwrap();
    send_all(&w).await;
    let first = code_in(&mail(&w).await[0]);
    let resent = resend(&w.ws, &w.vault, "kim@example.com").unwrap();
    assert_eq!((resent.state, resent.delivery), (InvitationState::Pending, Some(MessageState::Queued)));
    send_all(&w).await;
    let received = mail(&w).await;
    assert_eq!(received.len(), 2);
    let second = code_in(&received[1]);
    assert_ne!(first, second);
    let err = verify_code(w.ws.store(), &first).unwrap_err();
    assert_eq!(err.code, ErrorCode::Forbidden);
    assert!(err.message.contains("newer invitation"), "{}", err.message);
    assert_eq!(verify_code(w.ws.store(), &second).unwrap().email, "kim@example.com");
    assert_eq!(list_invitations(w.ws.store()).unwrap().len(), 1, "one line per address");

    assert!(invite::accept(&w.ws, &first).is_err(), "the old link cannot be used to join");
    let joined = invite::accept(&w.ws, &second).unwrap();
    assert_eq!((joined.state, joined.member_status), (InvitationState::Accepted, MemberStatus::Active));
    let err = invite::accept(&w.ws, &second).unwrap_err();
    assert!(err.message.contains("already used"), "{}", err.message);
    assert_eq!(invite_one(&w.ws, &w.vault, &person("kim@example.com")).unwrap_err().code, ErrorCode::Conflict);
    w.sandbox.shutdown().await;
}

#[tokio::test]
async fn resending_before_the_first_email_went_out_sends_only_the_new_one() {
    let w = world().await;
    invite_one(&w.ws, &w.vault, &person("lee@example.com")).unwrap();
    resend(&w.ws, &w.vault, "lee@example.com").unwrap();
    assert_eq!(send_all(&w).await.sent, 1);
    let received = mail(&w).await;
    assert_eq!(received.len(), 1);
    verify_code(w.ws.store(), &code_in(&received[0])).unwrap();
    w.sandbox.shutdown().await;
}

#[tokio::test]
async fn an_expired_invitation_can_be_issued_again() {
    let w = world().await;
    invite::set_expiry_days(&w.ws, 7).unwrap();
    let first = invite_one(&w.ws, &w.vault, &person("max@example.com")).unwrap();
    let created = time::OffsetDateTime::parse(&first.created_at, &time::format_description::well_known::Rfc3339);
    let expires = time::OffsetDateTime::parse(&first.expires_at, &time::format_description::well_known::Rfc3339);
    assert_eq!((expires.unwrap() - created.unwrap()).whole_days(), 7);
    w.ws.store()
        .write(|tx| {
            tx.execute("UPDATE invitations SET expires_at = '2000-01-01T00:00:00Z'", [])?;
            Ok(())
        })
        .unwrap();
    assert_eq!(list_invitations(w.ws.store()).unwrap()[0].state, InvitationState::Expired);
    assert_eq!(send_all(&w).await.sent, 0, "an expired invitation's email is not sent");
    let again = invite_one(&w.ws, &w.vault, &person("max@example.com")).unwrap();
    assert_eq!(again.state, InvitationState::Pending);
    assert_eq!(send_all(&w).await.sent, 1);
    w.sandbox.shutdown().await;
}

#[tokio::test]
async fn the_smtp_password_lives_in_the_vault_and_never_in_the_database_in_plain_text() {
    let w = world().await;
    let control = w.sandbox.endpoints().control_url.clone();
    reqwest::Client::new()
        .post(format!("{control}/settings"))
        .json(&serde_json::json!({ "smtp_require_auth": true }))
        .send()
        .await
        .unwrap();
    let smtp = w.sandbox.endpoints().smtp.clone();
    let password = "s3cret-Pa55word-for-smtp";
    let settings = SmtpSettings {
        host: smtp.host.clone(),
        port: smtp.port,
        username: Some("mailer".into()),
        tls: TlsMode::None,
        from_address: "invites@acme.example".into(),
        from_name: Some("Acme".into()),
    };
    save_smtp_settings(&w.ws, &w.vault, settings, Some(SecretString::from(password))).unwrap();
    send_test_email(&w.ws, &w.vault, "ops@example.com").await.unwrap();
    let m = &mail(&w).await[0];
    assert_eq!(m["auth_user"], "mailer");
    assert!(m["subject"].as_str().unwrap().contains("test"), "{}", m["subject"]);
    assert!(m["from"].as_str().unwrap().contains("invites@acme.example"));

    let stored = liaison_core::invites::smtp::smtp_settings(w.ws.store()).unwrap().unwrap();
    assert_eq!(stored.username.as_deref(), Some("mailer"));
    assert!(!contains(&database_bytes(&w), password), "the SMTP password is in the database in plain text");
    let audit_text = format!("{:?}", audit::list(w.ws.store(), &audit::AuditQuery::default()).unwrap());
    assert!(!audit_text.contains(password));
    w.sandbox.shutdown().await;
}

#[tokio::test]
async fn a_test_email_to_an_unreachable_server_says_where_and_what_to_check() {
    let w = world().await;
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    point_at(&w, port);
    let err = send_test_email(&w.ws, &w.vault, "ops@example.com").await.unwrap_err();
    assert_eq!(err.code, ErrorCode::Unreachable);
    assert!(err.message.contains("Check the host, the port"), "{}", err.message);
    w.sandbox.shutdown().await;
}

#[tokio::test]
async fn a_csv_batch_queued_again_after_an_interruption_invites_nobody_twice() {
    let w = world().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("team.csv");
    let rows: String = (0..8).map(|i| format!("p{i}@example.com;Person {i}\n")).collect();
    std::fs::write(&path, format!("E-mail;Name\n{rows}")).unwrap();
    let inspection = csv::inspect(&path).unwrap();
    let mapping = inspection.suggested();
    let first = queue_csv_batch(&w.ws, &w.vault, &path, &inspection, &mapping, &BTreeSet::new()).unwrap();
    assert_eq!(first.queued, 8);
    // The admin (or a restart) queues the same file again before or after sending.
    let again = queue_csv_batch(&w.ws, &w.vault, &path, &inspection, &mapping, &BTreeSet::new()).unwrap();
    assert_eq!((again.queued, again.existing), (0, 8));
    assert_eq!(send_all(&w).await.sent, 8);
    let third = queue_csv_batch(&w.ws, &w.vault, &path, &inspection, &mapping, &BTreeSet::new()).unwrap();
    assert_eq!((third.queued, third.existing), (0, 8));
    assert_eq!(send_all(&w).await.sent, 0);
    assert_eq!(mail(&w).await.len(), 8);
    let p3 = members::list(w.ws.store()).unwrap().into_iter().find(|m| m.email == "p3@example.com").unwrap();
    assert_eq!(p3.name.as_deref(), Some("Person 3"));
    w.sandbox.shutdown().await;
}

#[tokio::test]
async fn removing_an_invited_member_cancels_their_email_and_their_link() {
    let w = world().await;
    invite_one(&w.ws, &w.vault, &person("nina@example.com")).unwrap();
    invite_one(&w.ws, &w.vault, &person("otto@example.com")).unwrap();
    send_all(&w).await;
    let code = code_in(&mail(&w).await[0]);
    liaison_core::members::admin::remove_member(&w.ws, "nina@example.com").unwrap();
    assert!(verify_code(w.ws.store(), &code).unwrap_err().message.contains("withdrawn"));
    resend(&w.ws, &w.vault, "otto@example.com").unwrap();
    liaison_core::members::admin::remove_member(&w.ws, "otto@example.com").unwrap();
    assert_eq!(send_all(&w).await.sent, 0, "the queued email of a removed member is not sent");
    let otto = list_invitations(w.ws.store()).unwrap().into_iter().find(|i| i.email == "otto@example.com").unwrap();
    assert_eq!((otto.state, otto.delivery), (InvitationState::Revoked, Some(MessageState::Cancelled)));
    w.sandbox.shutdown().await;
}

#[tokio::test]
async fn starttls_is_required_when_chosen_and_nothing_goes_out_in_plain_text() {
    let w = world().await;
    let smtp = w.sandbox.endpoints().smtp.clone();
    let settings = SmtpSettings { tls: TlsMode::Starttls, ..SmtpSettings::sandbox(&smtp.host, smtp.port) };
    save_smtp_settings(&w.ws, &w.vault, settings, None).unwrap();
    invite_one(&w.ws, &w.vault, &person("pat@example.com")).unwrap();
    let summary = send_all(&w).await;
    let stopped = summary.stopped.unwrap();
    assert!(
        stopped.message.contains("does not offer STARTTLS") && stopped.message.contains("TLS"),
        "{}",
        stopped.message
    );
    assert_eq!(summary.remaining, 1);
    assert!(mail(&w).await.is_empty());

    let settings = SmtpSettings { tls: TlsMode::Tls, ..SmtpSettings::sandbox(&smtp.host, smtp.port) };
    save_smtp_settings(&w.ws, &w.vault, settings, None).unwrap();
    let summary = send_all(&w).await;
    let stopped = summary.stopped.unwrap();
    assert!(stopped.message.contains("secure connection") && stopped.message.contains("465"), "{}", stopped.message);
    assert_eq!(summary.remaining, 1);
    assert!(mail(&w).await.is_empty());
    w.sandbox.shutdown().await;
}

/// The desktop app runs delivery on a spawned task: the futures must be `Send`.
#[allow(dead_code)]
fn delivery_futures_are_send(
    ws: &Workspace,
    vault: &Vault,
    progress: &mut (dyn FnMut(&DeliveryProgress) + Send),
    cancel: &AtomicBool,
) {
    fn send<T: Send>(_: T) {}
    send(liaison_core::invites::outbox::deliver(ws, vault, progress, cancel));
    send(send_test_email(ws, vault, "a@example.com"));
}

#[tokio::test]
async fn a_file_over_the_row_limit_is_refused_before_anything_is_queued() {
    let w = world().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.csv");
    let rows: String = (0..5).map(|i| format!("p{i}@example.com\n")).collect();
    std::fs::write(&path, format!("Email\n{rows}")).unwrap();
    let inspection = csv::inspect_with(&path, &csv::Limits { max_rows: 3, ..csv::Limits::default() }).unwrap();
    let err =
        queue_csv_batch(&w.ws, &w.vault, &path, &inspection, &inspection.suggested(), &BTreeSet::new()).unwrap_err();
    assert!(err.message.contains("more than 3 data rows"), "{}", err.message);
    // Nothing queued, and no run left behind.
    assert!(list_invitations(w.ws.store()).unwrap().is_empty());
    let runs: i64 =
        w.ws.store()
            .read(|c| Ok(c.query_row("SELECT count(*) FROM runs WHERE kind = 'invite'", [], |r| r.get(0))?))
            .unwrap();
    assert_eq!(runs, 0);
}

#[tokio::test]
async fn a_queueing_run_whose_process_was_killed_is_recovered_as_interrupted_at_the_next_start() {
    let w = world().await;
    // A process that has ended: its ID names nobody now.
    let mut child = std::process::Command::new("true").spawn().unwrap();
    let dead = child.id();
    child.wait().unwrap();
    let host = hostname::get().unwrap().to_string_lossy().into_owned();
    let alive = std::process::id();
    w.ws.store()
        .write(|tx| {
            for (id, pid) in [("killed", dead), ("alive", alive)] {
                tx.execute(
                    "INSERT INTO runs (id, kind, state, started_at, counts, checkpoint)
                     VALUES (?1, 'invite', 'running', '2026-12-07T00:00:00Z', '{\"queued\": 500}', ?2)",
                    rusqlite::params![
                        id,
                        serde_json::json!({ "next_row": 501, "process": { "host": host, "pid": pid } }).to_string()
                    ],
                )?;
            }
            Ok(())
        })
        .unwrap();
    assert_eq!(invite::recover_interrupted(w.ws.store()).unwrap(), 1);
    let (state, error): (String, String) = w
        .ws
        .store()
        .read(|c| {
            Ok(c.query_row("SELECT state, error FROM runs WHERE id = 'killed'", [], |r| Ok((r.get(0)?, r.get(1)?)))?)
        })
        .unwrap();
    assert_eq!(state, "failed");
    assert!(error.contains("after 500 invitations"), "{error}");
    let alive_state: String =
        w.ws.store().read(|c| Ok(c.query_row("SELECT state FROM runs WHERE id = 'alive'", [], |r| r.get(0))?)).unwrap();
    assert_eq!(alive_state, "running", "a run whose process lives is left to it");
    assert_eq!(invite::recover_interrupted(w.ws.store()).unwrap(), 0);
}

#[tokio::test]
async fn a_batchs_per_row_results_are_read_a_page_at_a_time_and_not_serialised_whole() {
    let w = world().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("team.csv");
    let rows: String = (0..25).map(|i| format!("p{i}@example.com\n")).collect();
    std::fs::write(&path, format!("Email\n{rows}broken\n")).unwrap();
    let inspection = csv::inspect(&path).unwrap();
    let summary =
        queue_csv_batch(&w.ws, &w.vault, &path, &inspection, &inspection.suggested(), &BTreeSet::new()).unwrap();
    assert_eq!((summary.rows, summary.queued, summary.invalid), (26, 25, 1));
    assert_eq!(summary.page(0, 10).len(), 10);
    assert_eq!(summary.page(20, 10).iter().map(|r| r.row).collect::<Vec<_>>(), (21..=26).collect::<Vec<_>>());
    assert!(summary.page(26, 10).is_empty() && summary.page(u64::MAX, 10).is_empty());
    assert_eq!(summary.page(0, u32::MAX).len(), 26, "capped at 1,000 a page");
    let json = serde_json::to_value(&summary).unwrap();
    assert!(json.get("outcomes").is_none(), "{json}");
}
