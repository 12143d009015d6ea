//! OAuth 2.0 authorization code flow for a native app (RFC 8252) with PKCE S256 (RFC 7636):
//! the system browser signs in, and a one-shot listener on 127.0.0.1 with an ephemeral port
//! receives the redirect. `state` is compared before anything else; the listener accepts only
//! the callback path, caps request size, and gives up after a timeout.

use std::time::Duration;

use base64::Engine as _;
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::vault::random_token;
use crate::{Error, ErrorCode, Result};

/// The path the provider redirects to.
pub const CALLBACK_PATH: &str = "/callback";

/// How long the admin has to finish signing in.
pub const SIGN_IN_TIMEOUT: Duration = Duration::from_secs(300);

const MAX_REQUEST: usize = 16 * 1024;

/// A PKCE verifier and its S256 challenge.
pub struct Pkce {
    pub verifier: SecretString,
    pub challenge: String,
}

impl Pkce {
    /// A fresh random verifier (43 characters, 256 bits).
    pub fn new() -> Self {
        let verifier = random_token(32);
        let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(Sha256::digest(verifier.expose_secret().as_bytes()));
        Self { verifier, challenge }
    }
}

impl Default for Pkce {
    fn default() -> Self {
        Self::new()
    }
}

/// What the browser brought back.
pub struct Callback {
    pub code: SecretString,
    pub redirect_uri: String,
    pub verifier: SecretString,
}

/// Opens URLs in the system browser; tests substitute a fetcher.
pub trait Browser: Send + Sync {
    /// Opens `url`; returns once the browser was asked to open it.
    fn open(&self, url: &str) -> Result<()>;
}

/// The system browser (honours `$BROWSER`).
pub struct SystemBrowser;

impl Browser for SystemBrowser {
    fn open(&self, url: &str) -> Result<()> {
        webbrowser::open(url).map_err(|e| {
            Error::new(
                ErrorCode::Unavailable,
                format!("Liaison could not open your web browser to sign in ({e}). Set the BROWSER environment variable to your browser and try again."),
            )
        })
    }
}

/// Runs the browser part of the flow: binds the loopback listener, builds the authorize URL
/// with `params` plus `redirect_uri`, `state`, `code_challenge`, opens it, and waits for the
/// callback (at most `timeout`).
pub async fn authorize(
    authorize_endpoint: &str,
    params: &[(&str, &str)],
    browser: &dyn Browser,
    timeout: Duration,
    provider: &str,
) -> Result<Callback> {
    let listener = TcpListener::bind(("127.0.0.1", 0))
        .await
        .map_err(|e| Error::internal(format!("Liaison could not open a local port for the sign-in ({e}).")))?;
    let port = listener.local_addr().map_err(|e| Error::internal(e.to_string()))?.port();
    let redirect_uri = format!("http://127.0.0.1:{port}{CALLBACK_PATH}");
    let state = random_token(24);
    let pkce = Pkce::new();
    let mut url = url::Url::parse(authorize_endpoint)
        .map_err(|_| Error::invalid_input(format!("{authorize_endpoint:?} is not a valid sign-in address.")))?;
    {
        let mut query = url.query_pairs_mut();
        query.extend_pairs(params.iter().copied());
        query.append_pair("redirect_uri", &redirect_uri);
        query.append_pair("state", state.expose_secret());
        query.append_pair("code_challenge", &pkce.challenge);
        query.append_pair("code_challenge_method", "S256");
    }
    browser.open(url.as_str())?;
    let code = tokio::time::timeout(timeout, accept_callback(&listener, &state, provider)).await.map_err(|_| {
        Error::new(
            ErrorCode::Unavailable,
            format!(
                "The {provider} sign-in did not finish within {} minutes. Click Connect to try again.",
                timeout.as_secs().div_ceil(60)
            ),
        )
    })??;
    Ok(Callback { code, redirect_uri, verifier: pkce.verifier })
}

/// Serves connections until one carries a valid callback (browsers open speculative extra
/// connections, and favicon requests arrive too).
async fn accept_callback(listener: &TcpListener, state: &SecretString, provider: &str) -> Result<SecretString> {
    loop {
        let (stream, _) =
            listener.accept().await.map_err(|e| Error::internal(format!("The sign-in listener failed ({e}).")))?;
        if let Some(result) = handle(stream, state, provider).await {
            return result;
        }
    }
}

async fn handle(mut stream: TcpStream, state: &SecretString, provider: &str) -> Option<Result<SecretString>> {
    let mut buf = Vec::with_capacity(2048);
    let read = tokio::time::timeout(Duration::from_secs(10), async {
        let mut chunk = [0u8; 2048];
        loop {
            let n = stream.read(&mut chunk).await.ok()?;
            if n == 0 {
                return Some(());
            }
            buf.extend_from_slice(&chunk[..n]);
            if buf.windows(4).any(|w| w == b"\r\n\r\n") || buf.len() > MAX_REQUEST {
                return Some(());
            }
        }
    })
    .await;
    if read.ok().flatten().is_none() || buf.len() > MAX_REQUEST {
        return None;
    }
    let head = String::from_utf8_lossy(&buf);
    let target = head.lines().next()?.strip_prefix("GET ")?.split(' ').next()?.to_owned();
    let url = url::Url::parse(&format!("http://127.0.0.1{target}")).ok()?;
    if url.path() != CALLBACK_PATH {
        let _ = respond(&mut stream, "404 Not Found", "Not found").await;
        return None;
    }
    let param = |name: &str| url.query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.into_owned());
    // State first: a callback that is not ours must not be able to report anything.
    let state_ok = param("state").is_some_and(|s| constant_time_eq(s.as_bytes(), state.expose_secret().as_bytes()));
    if !state_ok {
        let _ = respond(&mut stream, "400 Bad Request", &page("Sign-in refused", "This sign-in response did not come from the request Liaison started. Return to Liaison and click Connect again.")).await;
        return Some(Err(Error::new(
            ErrorCode::Forbidden,
            format!(
                "The {provider} sign-in response did not match the request Liaison made (state mismatch), so it was refused. Click Connect to start again."
            ),
        )));
    }
    if let Some(error) = param("error") {
        let description = param("error_description").unwrap_or_default();
        let _ =
            respond(&mut stream, "200 OK", &page("Sign-in cancelled", "You can close this tab and return to Liaison."))
                .await;
        let message = if error == "access_denied" {
            format!(
                "The {provider} sign-in was denied, so nothing was connected. Click Connect and choose Allow to connect."
            )
        } else {
            format!("{provider} refused the sign-in ({error}: {description}).")
        };
        return Some(Err(
            Error::new(ErrorCode::Unauthorized, message).with_details(serde_json::json!({ "error": error }))
        ));
    }
    let Some(code) = param("code") else {
        let _ = respond(
            &mut stream,
            "400 Bad Request",
            &page("Sign-in incomplete", "The response carried no authorization code."),
        )
        .await;
        return Some(Err(Error::new(
            ErrorCode::BadResponse,
            format!("{provider} returned without an authorization code."),
        )));
    };
    let _ = respond(
        &mut stream,
        "200 OK",
        &page("Signed in", "Liaison is finishing the connection. You can close this tab and return to Liaison."),
    )
    .await;
    Some(Ok(SecretString::from(code)))
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn page(title: &str, text: &str) -> String {
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title} – Liaison</title></head>\
         <body style=\"font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto\"><h1>{title}</h1><p>{text}</p></body></html>"
    )
}

async fn respond(stream: &mut TcpStream, status: &str, body: &str) -> std::io::Result<()> {
    let response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(response.as_bytes()).await?;
    stream.shutdown().await
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    /// A browser that records the URL and then plays the provider: it calls the redirect URI
    /// with whatever query `respond` builds from the authorize URL.
    struct FakeProvider<F: Fn(&url::Url) -> String + Send + Sync> {
        respond: F,
        opened: Mutex<Option<String>>,
    }

    impl<F: Fn(&url::Url) -> String + Send + Sync> Browser for FakeProvider<F> {
        fn open(&self, url: &str) -> Result<()> {
            *self.opened.lock().unwrap() = Some(url.to_owned());
            let parsed = url::Url::parse(url).unwrap();
            let redirect = parsed.query_pairs().find(|(k, _)| k == "redirect_uri").unwrap().1.into_owned();
            let target = format!("{redirect}?{}", (self.respond)(&parsed));
            std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
                rt.block_on(async {
                    let _ = reqwest::get(target).await;
                });
            });
            Ok(())
        }
    }

    fn state_of(url: &url::Url) -> String {
        url.query_pairs().find(|(k, _)| k == "state").unwrap().1.into_owned()
    }

    #[tokio::test]
    async fn a_matching_state_yields_the_code_and_the_url_carries_pkce_s256() {
        let browser =
            FakeProvider { respond: |u| format!("code=abc123&state={}", state_of(u)), opened: Mutex::new(None) };
        let cb = authorize(
            "https://login.example.com/authorize",
            &[("client_id", "x")],
            &browser,
            Duration::from_secs(10),
            "Salesforce",
        )
        .await
        .unwrap();
        assert_eq!(cb.code.expose_secret(), "abc123");
        let opened = url::Url::parse(browser.opened.lock().unwrap().as_deref().unwrap()).unwrap();
        let q: std::collections::HashMap<_, _> = opened.query_pairs().into_owned().collect();
        assert_eq!(q["code_challenge_method"], "S256");
        let expected = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(Sha256::digest(cb.verifier.expose_secret().as_bytes()));
        assert_eq!(q["code_challenge"], expected);
        assert!(q["redirect_uri"].starts_with("http://127.0.0.1:") && q["redirect_uri"].ends_with(CALLBACK_PATH));
    }

    #[tokio::test]
    async fn a_state_mismatch_is_refused() {
        let browser = FakeProvider { respond: |_| "code=abc&state=forged".to_owned(), opened: Mutex::new(None) };
        let err = authorize("https://l.example.com/a", &[], &browser, Duration::from_secs(10), "Salesforce")
            .await
            .err()
            .unwrap();
        assert_eq!(err.code, ErrorCode::Forbidden);
        assert!(err.message.contains("state mismatch"), "{}", err.message);
    }

    #[tokio::test]
    async fn a_denied_consent_says_so() {
        let browser = FakeProvider {
            respond: |u| {
                format!("error=access_denied&error_description=end-user+denied+authorization&state={}", state_of(u))
            },
            opened: Mutex::new(None),
        };
        let err = authorize("https://l.example.com/a", &[], &browser, Duration::from_secs(10), "Salesforce")
            .await
            .err()
            .unwrap();
        assert_eq!(err.code, ErrorCode::Unauthorized);
        assert!(err.message.contains("denied"), "{}", err.message);
    }

    struct NeverReturns;
    impl Browser for NeverReturns {
        fn open(&self, _url: &str) -> Result<()> {
            Ok(())
        }
    }

    #[tokio::test]
    async fn a_callback_that_never_comes_times_out() {
        let err = authorize("https://l.example.com/a", &[], &NeverReturns, Duration::from_millis(300), "Salesforce")
            .await
            .err()
            .unwrap();
        assert_eq!(err.code, ErrorCode::Unavailable);
        assert!(err.message.contains("did not finish"), "{}", err.message);
    }
}
