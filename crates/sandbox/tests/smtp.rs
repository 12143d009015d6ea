//! SMTP sink: a real SMTP dialogue (EHLO, AUTH PLAIN/LOGIN, SIZE, DATA) and the control API list.

mod common;
use common::*;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

async fn expect(r: &mut BufReader<tokio::net::tcp::OwnedReadHalf>, code: &str) -> String {
    let mut all = String::new();
    loop {
        let mut line = String::new();
        r.read_line(&mut line).await.unwrap();
        all.push_str(&line);
        assert!(line.starts_with(code), "expected {code}, got {line:?}");
        if line.as_bytes().get(3) == Some(&b' ') {
            return all;
        }
    }
}

#[tokio::test]
async fn smtp_accepts_auth_plain_and_login_and_keeps_parsed_messages() {
    let sb = start(5).await;
    let s = sb.endpoints().smtp.clone();
    let (read, mut w) = TcpStream::connect((s.host.as_str(), s.port)).await.unwrap().into_split();
    let mut r = BufReader::new(read);
    expect(&mut r, "220").await;
    w.write_all(b"EHLO liaison.test\r\n").await.unwrap();
    let ehlo = expect(&mut r, "250").await;
    assert!(ehlo.contains("AUTH PLAIN LOGIN") && ehlo.contains("SIZE "));
    // AUTH PLAIN \0user\0pass
    w.write_all(b"AUTH PLAIN AHVzZXIAcGFzcw==\r\n").await.unwrap();
    expect(&mut r, "235").await;
    w.write_all(b"MAIL FROM:<admin@liaison.test> SIZE=999999999\r\n").await.unwrap();
    expect(&mut r, "552").await;
    w.write_all(b"RCPT TO:<x@y.z>\r\n").await.unwrap();
    expect(&mut r, "503").await;
    w.write_all(b"MAIL FROM:<admin@liaison.test>\r\n").await.unwrap();
    expect(&mut r, "250").await;
    w.write_all(b"RCPT TO:<invitee@example.com>\r\n").await.unwrap();
    expect(&mut r, "250").await;
    w.write_all(b"DATA\r\n").await.unwrap();
    expect(&mut r, "354").await;
    w.write_all(
        "From: Admin <admin@liaison.test>\r\nTo: invitee@example.com\r\nSubject: =?UTF-8?B?5oub5b6F?= invite\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHello 田中\r\n..dot-stuffed line\r\n.\r\n"
            .as_bytes(),
    )
    .await
    .unwrap();
    expect(&mut r, "250").await;
    // AUTH LOGIN on the same session, then QUIT.
    w.write_all(b"AUTH LOGIN\r\n").await.unwrap();
    expect(&mut r, "334").await;
    w.write_all(b"dXNlcjI=\r\n").await.unwrap();
    expect(&mut r, "334").await;
    w.write_all(b"cGFzcw==\r\n").await.unwrap();
    expect(&mut r, "235").await;
    w.write_all(b"BOGUS\r\n").await.unwrap();
    expect(&mut r, "500").await;
    w.write_all(b"QUIT\r\n").await.unwrap();
    expect(&mut r, "221").await;
    let mail = control_get(&sb, "/mail").await;
    let m = &mail["messages"][0];
    assert_eq!(m["from"], "admin@liaison.test");
    assert_eq!(m["to"][0], "invitee@example.com");
    assert_eq!(m["subject"], "招待 invite");
    assert!(m["text"].as_str().unwrap().contains("Hello 田中"));
    assert!(m["text"].as_str().unwrap().contains("\n.dot-stuffed line"));
    assert_eq!(m["auth_user"], "user");
    sb.shutdown().await;
}

#[tokio::test]
async fn smtp_enforces_size_and_optional_auth() {
    let sb = start(5).await;
    control_post(&sb, "/settings", serde_json::json!({"smtp_max_size": 100, "smtp_require_auth": true})).await;
    let s = sb.endpoints().smtp.clone();
    let (read, mut w) = TcpStream::connect((s.host.as_str(), s.port)).await.unwrap().into_split();
    let mut r = BufReader::new(read);
    expect(&mut r, "220").await;
    w.write_all(b"HELO x\r\n").await.unwrap();
    expect(&mut r, "250").await;
    w.write_all(b"MAIL FROM:<a@b.c>\r\n").await.unwrap();
    expect(&mut r, "530").await;
    w.write_all(b"AUTH PLAIN\r\n").await.unwrap();
    expect(&mut r, "334").await;
    w.write_all(b"AHVzZXIAcGFzcw==\r\n").await.unwrap();
    expect(&mut r, "235").await;
    w.write_all(b"MAIL FROM:<a@b.c>\r\nRCPT TO:<d@e.f>\r\nDATA\r\n").await.unwrap();
    expect(&mut r, "250").await;
    expect(&mut r, "250").await;
    expect(&mut r, "354").await;
    let big = format!("Subject: big\r\n\r\n{}\r\n.\r\n", "x".repeat(500));
    w.write_all(big.as_bytes()).await.unwrap();
    expect(&mut r, "552").await;
    w.write_all(b"QUIT\r\n").await.unwrap();
    expect(&mut r, "221").await;
    assert_eq!(control_get(&sb, "/mail").await["messages"], serde_json::json!([]));
    sb.shutdown().await;
}
