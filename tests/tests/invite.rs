//! Issue 5's flow on the real desktop app: invite one user and a CSV batch through the UI,
//! review and change one mapping, and find the messages in the sandbox's SMTP sink.

use liaison_e2e::{Desktop, button, labelled};

/// The embedded sandbox's control API (its fixed ports start at 27610; control is the eighth).
const CONTROL_ADDR: &str = "127.0.0.1:27617";

/// `GET /mail` of the sandbox's control API, as text (plain HTTP/1.0 on loopback).
async fn mail_text() -> anyhow::Result<String> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(CONTROL_ADDR).await?;
    stream.write_all(b"GET /mail HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").await?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await?;
    Ok(String::from_utf8_lossy(&response).into_owned())
}

#[tokio::test]
async fn r4_invite_one_user_and_a_csv_batch_through_the_ui_and_find_the_mail_in_the_sink() -> anyhow::Result<()> {
    let app = Desktop::launch().await?;
    app.expect_heading("Setup").await?;

    app.open_settings("Integration info").await?;
    app.fill("Name", "Ada Admin").await?;
    app.fill("Email", "ada@example.com").await?;
    app.click(&button("Activate workspace")).await?;
    app.wait_for("//*[contains(normalize-space(), 'Acting as ada@example.com')]", 15).await?;
    app.click("//a[normalize-space()='Home'] | //button[normalize-space()='Home']").await?;
    app.click(&button("Try Liaison with the sandbox")).await?;
    app.wait_for("//*[contains(normalize-space(), 'The sandbox is running')]", 20).await?;

    // Email delivery through the sandbox's SMTP sink.
    app.open_settings("User management").await?;
    app.click(&button("Use the sandbox mail server")).await?;
    let host = app.find(&labelled("Host")).await?;
    for _ in 0..40 {
        if host.prop("value").await?.unwrap_or_default().contains("127.0.0.1") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }

    // Invite one user.
    app.click(&button("Invite user")).await?;
    app.wait_for("//*[@role='dialog']", 10).await?;
    app.fill("Email", "bea@example.com").await?;
    app.click("//*[@role='dialog']//button[normalize-space()='Invite']").await?;
    app.wait_for("//*[contains(normalize-space(), 'Invitation sent to bea@example.com')]", 20).await?;

    // Invite via CSV: choose the file (the dialog answers with the picked file under test),
    // change one mapping, preview, send.
    let csv = app.picked_file();
    std::fs::write(
        &csv,
        "E-mail Address;Full name;Dept\ncarl@example.com;Carl Doe;Sales\ndana@example.com;Dana Roe;Sales\nnot-an-email;Nobody;Sales\n",
    )?;
    app.click(&button("Invite via CSV")).await?;
    app.click(&button("Choose a file…")).await?;
    app.wait_for("//p[@role='status'][starts-with(normalize-space(), 'Opened ')]", 20).await?;
    app.click(&button("Next")).await?;
    let dept = app.find(&labelled("Field for Dept")).await?;
    dept.select_by_label("Not imported").await?;
    app.click(&button("Next")).await?;
    app.click(&button("Send 2 invitations")).await?;
    app.click("//*[@role='dialog']//button[normalize-space()='Send']").await?;
    app.wait_for("//button[normalize-space()='Download results']", 30).await?;

    // The sink received all three invitations, and not the invalid row.
    let mut text = String::new();
    for _ in 0..60 {
        text = mail_text().await?;
        if ["bea@example.com", "carl@example.com", "dana@example.com"].iter().all(|a| text.contains(a)) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    for address in ["bea@example.com", "carl@example.com", "dana@example.com"] {
        assert!(text.contains(address), "no invitation to {address} in the sink: {text}");
    }
    assert!(!text.contains("not-an-email"));
    app.screenshot("invite-summary").await?;
    app.close().await
}
