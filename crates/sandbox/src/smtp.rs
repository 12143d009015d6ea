//! SMTP sink: EHLO/HELO, AUTH PLAIN/LOGIN, SIZE, MAIL/RCPT/DATA, RSET, NOOP, QUIT. Every
//! accepted message is parsed (mail-parser) and kept for `GET {control_url}/mail`.

use crate::state::{Mail, Shared, lock};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

const MAX_LINE: u64 = 4096;
const IDLE: Duration = Duration::from_secs(300);

pub(crate) async fn run(listener: TcpListener, sh: Arc<Shared>, mut stop: watch::Receiver<bool>) {
    loop {
        tokio::select! {
            _ = stop.wait_for(|s| *s) => break,
            accepted = listener.accept() => {
                if let Ok((stream, _)) = accepted {
                    let sh = sh.clone();
                    tokio::spawn(async move {
                        if let Err(e) = session(stream, sh).await {
                            tracing::debug!(error = %e, "smtp session ended");
                        }
                    });
                }
            }
        }
    }
}

async fn read_line<R: tokio::io::AsyncBufRead + Unpin>(r: &mut R) -> std::io::Result<Option<String>> {
    let mut buf = Vec::new();
    let n = tokio::time::timeout(IDLE, r.take(MAX_LINE).read_until(b'\n', &mut buf))
        .await
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::TimedOut, "idle"))??;
    if n == 0 {
        return Ok(None);
    }
    while buf.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
        buf.pop();
    }
    Ok(Some(String::from_utf8_lossy(&buf).into_owned()))
}

fn address(arg: &str) -> String {
    let a = arg.trim();
    match (a.find('<'), a.find('>')) {
        (Some(s), Some(e)) if e > s => a[s + 1..e].to_string(),
        _ => a.split_whitespace().next().unwrap_or("").to_string(),
    }
}

fn decode(b64: &str) -> Option<String> {
    STANDARD.decode(b64.trim()).ok().and_then(|b| String::from_utf8(b).ok())
}

async fn session(stream: TcpStream, sh: Arc<Shared>) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut r = BufReader::new(read);
    write.write_all(b"220 liaison-sandbox ESMTP ready\r\n").await?;
    let max = sh.settings().smtp_max_size;
    let mut auth_user: Option<String> = None;
    let mut from: Option<String> = None;
    let mut to: Vec<String> = Vec::new();
    while let Some(line) = read_line(&mut r).await? {
        let (verb, arg) = line.split_once(' ').unwrap_or((line.as_str(), ""));
        let reply: String = match verb.to_ascii_uppercase().as_str() {
            "EHLO" => format!(
                "250-liaison-sandbox greets {}\r\n250-SIZE {max}\r\n250-AUTH PLAIN LOGIN\r\n250-8BITMIME\r\n250 PIPELINING\r\n",
                arg.trim()
            ),
            "HELO" => "250 liaison-sandbox\r\n".into(),
            "AUTH" => {
                let mut parts = arg.split_whitespace();
                match parts.next().map(str::to_ascii_uppercase).as_deref() {
                    Some("PLAIN") => {
                        let payload = match parts.next() {
                            Some(p) => p.to_string(),
                            None => {
                                write.write_all(b"334 \r\n").await?;
                                read_line(&mut r).await?.unwrap_or_default()
                            }
                        };
                        match decode(&payload).and_then(|s| s.split('\0').nth(1).map(String::from)) {
                            Some(user) => {
                                auth_user = Some(user);
                                "235 2.7.0 Authentication successful\r\n".into()
                            }
                            None => "535 5.7.8 Authentication credentials invalid\r\n".into(),
                        }
                    }
                    Some("LOGIN") => {
                        let user = match parts.next() {
                            Some(u) => decode(u),
                            None => {
                                write.write_all(b"334 VXNlcm5hbWU6\r\n").await?;
                                decode(&read_line(&mut r).await?.unwrap_or_default())
                            }
                        };
                        write.write_all(b"334 UGFzc3dvcmQ6\r\n").await?;
                        let pass = decode(&read_line(&mut r).await?.unwrap_or_default());
                        match (user, pass) {
                            (Some(u), Some(_)) if !u.is_empty() => {
                                auth_user = Some(u);
                                "235 2.7.0 Authentication successful\r\n".into()
                            }
                            _ => "535 5.7.8 Authentication credentials invalid\r\n".into(),
                        }
                    }
                    _ => "504 5.5.4 Unrecognized authentication type\r\n".into(),
                }
            }
            "MAIL" => {
                let upper = arg.to_ascii_uppercase();
                let size = upper
                    .split_whitespace()
                    .find_map(|p| p.strip_prefix("SIZE=").and_then(|n| n.parse::<usize>().ok()));
                if !upper.starts_with("FROM:") {
                    "501 5.5.4 Syntax: MAIL FROM:<address>\r\n".into()
                } else if sh.settings().smtp_require_auth && auth_user.is_none() {
                    "530 5.7.0 Authentication required\r\n".into()
                } else if size.is_some_and(|s| s > max) {
                    "552 5.3.4 Message size exceeds fixed maximum message size\r\n".into()
                } else {
                    from = Some(address(&arg[5..]));
                    to.clear();
                    "250 2.1.0 Ok\r\n".into()
                }
            }
            "RCPT" => {
                if from.is_none() {
                    "503 5.5.1 Error: need MAIL command\r\n".into()
                } else if !arg.to_ascii_uppercase().starts_with("TO:") {
                    "501 5.5.4 Syntax: RCPT TO:<address>\r\n".into()
                } else {
                    to.push(address(&arg[3..]));
                    "250 2.1.5 Ok\r\n".into()
                }
            }
            "DATA" => {
                if to.is_empty() {
                    "503 5.5.1 Error: need RCPT command\r\n".into()
                } else {
                    write.write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n").await?;
                    let mut raw = String::new();
                    let mut too_big = false;
                    loop {
                        let Some(l) = read_line(&mut r).await? else { return Ok(()) };
                        if l == "." {
                            break;
                        }
                        let l = l.strip_prefix('.').unwrap_or(&l);
                        if raw.len() + l.len() + 2 > max {
                            too_big = true;
                        } else {
                            raw.push_str(l);
                            raw.push_str("\r\n");
                        }
                    }
                    if too_big {
                        "552 5.3.4 Message size exceeds fixed maximum message size\r\n".into()
                    } else {
                        let id = store(
                            &sh,
                            from.take().unwrap_or_default(),
                            std::mem::take(&mut to),
                            raw,
                            auth_user.clone(),
                        );
                        format!("250 2.0.0 Ok: queued as {id:08X}\r\n")
                    }
                }
            }
            "RSET" => {
                from = None;
                to.clear();
                "250 2.0.0 Ok\r\n".into()
            }
            "NOOP" => "250 2.0.0 Ok\r\n".into(),
            "VRFY" => "252 2.0.0 Cannot VRFY user\r\n".into(),
            "QUIT" => {
                write.write_all(b"221 2.0.0 Bye\r\n").await?;
                return Ok(());
            }
            _ => "500 5.5.2 Error: command not recognized\r\n".into(),
        };
        write.write_all(reply.as_bytes()).await?;
    }
    Ok(())
}

fn store(sh: &Shared, from: String, to: Vec<String>, raw: String, auth_user: Option<String>) -> usize {
    let parsed = mail_parser::MessageParser::default().parse(raw.as_bytes());
    let mut headers = std::collections::BTreeMap::new();
    let (mut subject, mut text, mut html) = (None, None, None);
    if let Some(m) = &parsed {
        subject = m.subject().map(String::from);
        text = m.body_text(0).map(|t| t.into_owned());
        html = m.body_html(0).map(|t| t.into_owned());
        for h in m.headers() {
            let value = raw_header(&raw, h.name.as_str());
            headers.insert(h.name.as_str().to_string(), value.unwrap_or_default());
        }
    }
    let mut mail = lock(&sh.mail);
    let id = mail.len() + 1;
    mail.push(Mail {
        id,
        from,
        to,
        subject,
        text,
        html,
        headers,
        size: raw.len(),
        auth_user,
        received_at: crate::clock::iso_z(sh.now_ms()),
        raw,
    });
    id
}

/// The unfolded raw value of the first header called `name`.
fn raw_header(raw: &str, name: &str) -> Option<String> {
    let mut lines = raw.split("\r\n").take_while(|l| !l.is_empty()).peekable();
    while let Some(l) = lines.next() {
        if let Some((n, v)) = l.split_once(':')
            && n.eq_ignore_ascii_case(name)
        {
            let mut value = v.trim().to_string();
            while lines.peek().is_some_and(|n| n.starts_with(' ') || n.starts_with('\t')) {
                value.push(' ');
                value.push_str(lines.next().unwrap_or("").trim());
            }
            return Some(value);
        }
    }
    None
}
