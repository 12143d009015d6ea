//! OAuth 2.0 authorization code flow for a native app (RFC 8252) with PKCE S256 (RFC 7636),
//! built on the `oauth2` crate: it makes the authorize URL, the PKCE pair and the token,
//! refresh and revocation requests; [`OAuthHttp`] sends them through Liaison's HTTP layer. The
//! system browser signs in, and a one-shot listener on 127.0.0.1 with an ephemeral port
//! receives the redirect. `state` is compared before anything else; the listener accepts only
//! the callback path, caps request size, and gives up after a timeout.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU16, Ordering};
use std::time::Duration;

use oauth2::basic::{
    BasicErrorResponse, BasicRevocationErrorResponse, BasicTokenIntrospectionResponse, BasicTokenType,
};
use oauth2::http::StatusCode;
use oauth2::{
    AuthType, AuthUrl, ClientId, ClientSecret, CsrfToken, EmptyExtraTokenFields, EndpointNotSet, ErrorResponseType,
    ExtraTokenFields, HttpRequest, HttpResponse, PkceCodeChallenge, RedirectUrl, RequestTokenError, RevocationUrl,
    Scope, StandardErrorResponse, StandardRevocableToken, StandardTokenResponse,
};
use secrecy::{ExposeSecret, SecretString};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::http::{Http, Outcome, retry_after};
use crate::i18n::{Lang, Text};
use crate::{Error, ErrorCode, Result, msg};

/// The path the provider redirects to.
pub const CALLBACK_PATH: &str = "/callback";

/// How long the admin has to finish signing in.
pub const SIGN_IN_TIMEOUT: Duration = Duration::from_secs(300);

const MAX_REQUEST: usize = 16 * 1024;

/// A token answer with the provider's extra fields `EF`.
pub type TokenResponse<EF> = StandardTokenResponse<EF, BasicTokenType>;

/// An `oauth2` client with the standard error and token types; the type parameters say which
/// endpoints are set (authorize, revocation, token).
pub type OAuthClient<EF, HasAuthUrl = EndpointNotSet, HasRevocationUrl = EndpointNotSet, HasTokenUrl = EndpointNotSet> =
    oauth2::Client<
        BasicErrorResponse,
        TokenResponse<EF>,
        BasicTokenIntrospectionResponse,
        StandardRevocableToken,
        BasicRevocationErrorResponse,
        HasAuthUrl,
        EndpointNotSet,
        EndpointNotSet,
        HasRevocationUrl,
        HasTokenUrl,
    >;

/// A client for `client_id` that sends its credentials in the form body, as Liaison always has
/// (the crate's default is HTTP Basic).
pub fn client<EF: ExtraTokenFields>(client_id: &str, secret: Option<&SecretString>) -> OAuthClient<EF> {
    let client = oauth2::Client::new(ClientId::new(client_id.to_owned())).set_auth_type(AuthType::RequestBody);
    match secret {
        Some(secret) => client.set_client_secret(ClientSecret::new(secret.expose_secret().to_owned())),
        None => client,
    }
}

/// Parses an endpoint address for `oauth2`.
pub fn endpoint<T>(address: &str, parse: impl FnOnce(String) -> std::result::Result<T, url::ParseError>) -> Result<T> {
    parse(address.to_owned())
        .map_err(|_| Error::invalid_input(msg!("oauth-invalid-address", address = format!("{address:?}"))))
}

/// The revocation endpoint for `oauth2`, which insists on https (RFC 7009 §2). An http address
/// on the loopback interface (the sandbox, a local proxy) never leaves the machine; it is handed
/// to `oauth2` as https and sent as http by an [`OAuthHttp`] made with `plain_loopback` (the
/// `bool` returned). Any other http address is refused.
pub fn revocation_url(address: &str) -> Result<(RevocationUrl, bool)> {
    let mut url = url::Url::parse(address)
        .map_err(|_| Error::invalid_input(msg!("oauth-invalid-address", address = format!("{address:?}"))))?;
    let plain = url.scheme() == "http";
    if plain {
        if !crate::http::is_loopback(&url) {
            return Err(Error::invalid_input(msg!("oauth-revocation-needs-https", address = address)));
        }
        let port = url.port_or_known_default();
        // Both are special schemes, so switching cannot fail; the port is kept explicit.
        let _ = url.set_scheme("https");
        let _ = url.set_port(port);
    }
    Ok((RevocationUrl::from_url(url), plain))
}

/// `oauth2`'s HTTP client: every request goes through [`Http::execute`], so the system's
/// budget, retries (5xx, 429, cut-off answers), timeouts and the no-redirect policy apply to
/// the token, refresh and revocation calls as to any other. The status of the last answer is
/// kept, because `oauth2`'s errors do not carry it.
pub struct OAuthHttp<'a> {
    http: &'a Http,
    what: Text,
    plain_loopback: bool,
    status: AtomicU16,
}

impl<'a> OAuthHttp<'a> {
    /// A client for calls described as `what` in errors and logs ("revoking the … sign-in").
    pub fn new(http: &'a Http, what: Text) -> Self {
        Self { http, what, plain_loopback: false, status: AtomicU16::new(0) }
    }

    /// Sends https requests to loopback hosts as http (see [`revocation_url`]).
    pub fn plain_loopback(mut self, plain: bool) -> Self {
        self.plain_loopback = plain;
        self
    }

    /// The HTTP status of the last answer, if one came.
    pub fn status(&self) -> Option<StatusCode> {
        StatusCode::from_u16(self.status.load(Ordering::Relaxed)).ok()
    }

    async fn send(&self, request: HttpRequest) -> Result<HttpResponse> {
        let (parts, body) = request.into_parts();
        let mut url = url::Url::parse(&parts.uri.to_string())
            .map_err(|e| Error::internal(msg!("oauth-request-not-sent")).caused_by(e))?;
        if self.plain_loopback && url.scheme() == "https" && crate::http::is_loopback(&url) {
            let port = url.port_or_known_default();
            let _ = url.set_scheme("http");
            let _ = url.set_port(port);
        }
        self.http
            .execute(
                self.what.clone(),
                || {
                    self.http
                        .client()
                        .request(parts.method.clone(), url.clone())
                        .headers(parts.headers.clone())
                        .body(body.clone())
                },
                |response| async move {
                    let status = response.status();
                    self.status.store(status.as_u16(), Ordering::Relaxed);
                    if status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS {
                        return Outcome::Retry {
                            after: retry_after(&response),
                            reason: Text::verbatim(format!("HTTP {status}")),
                        };
                    }
                    let headers = response.headers().clone();
                    let Ok(bytes) = response.bytes().await else {
                        return Outcome::Retry { after: None, reason: msg!("http-reason-cut-off") };
                    };
                    let mut answer = HttpResponse::new(bytes.to_vec());
                    *answer.status_mut() = status;
                    *answer.headers_mut() = headers;
                    Outcome::Done(answer)
                },
                || async { Ok(()) },
            )
            .await
    }

    /// What a failed `oauth2` request means.
    pub fn refusal<T: ErrorResponseType + std::fmt::Display>(
        &self,
        err: RequestTokenError<Error, StandardErrorResponse<T>>,
    ) -> Refusal {
        let status = self.status();
        match err {
            RequestTokenError::Request(err) => Refusal::Transport(err),
            RequestTokenError::ServerResponse(r) => Refusal::Refused {
                error: Some(r.error().to_string()),
                description: r.error_description().cloned().unwrap_or_default(),
                status,
            },
            RequestTokenError::Parse(..) | RequestTokenError::Other(_) => match status {
                Some(s) if s.is_success() => Refusal::Unreadable,
                Some(_) => Refusal::Refused { error: None, description: String::new(), status },
                None => Refusal::Transport(Error::internal(msg!("oauth-request-not-sent"))),
            },
        }
    }
}

impl<'c> oauth2::AsyncHttpClient<'c> for OAuthHttp<'_> {
    type Error = Error;
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse>> + Send + 'c>>;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(self.send(request))
    }
}

/// Why an OAuth endpoint did not give what was asked.
#[derive(Debug)]
pub enum Refusal {
    /// The request did not get through (unreachable, kept failing): the HTTP layer's error.
    Transport(Error),
    /// A successful answer that is not what the protocol says.
    Unreadable,
    /// An error answer: its OAuth `error` code and description if it had them, and its status.
    Refused { error: Option<String>, description: String, status: Option<StatusCode> },
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
            Error::new(ErrorCode::Unavailable, msg!("oauth-browser-failed", reason = e.to_string())).caused_by(e)
        })
    }
}

/// Runs the browser part of the flow: binds the loopback listener, builds the authorize URL for
/// `client_id` and `scope` (space-separated) plus `extra` parameters, with `redirect_uri`,
/// `state` and the PKCE S256 challenge, opens it, and waits for the callback (at most `timeout`).
pub async fn authorize(
    authorize_endpoint: &str,
    client_id: &str,
    scope: &str,
    extra: &[(&str, &str)],
    browser: &dyn Browser,
    timeout: Duration,
    provider: &str,
) -> Result<Callback> {
    let listener = TcpListener::bind(("127.0.0.1", 0))
        .await
        .map_err(|e| Error::internal(msg!("oauth-no-local-port", reason = e.to_string())).caused_by(e))?;
    let port = listener
        .local_addr()
        .map_err(|e| Error::internal(msg!("oauth-no-local-port", reason = e.to_string())).caused_by(e))?
        .port();
    let redirect_uri = format!("http://127.0.0.1:{port}{CALLBACK_PATH}");
    let client = client::<EmptyExtraTokenFields>(client_id, None)
        .set_auth_uri(endpoint(authorize_endpoint, AuthUrl::new)?)
        .set_redirect_uri(endpoint(&redirect_uri, RedirectUrl::new)?);
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let mut request = client
        .authorize_url(CsrfToken::new_random)
        .add_scopes(scope.split_whitespace().map(|s| Scope::new(s.to_owned())))
        .set_pkce_challenge(challenge);
    for (name, value) in extra {
        request = request.add_extra_param(*name, *value);
    }
    let (url, state) = request.url();
    browser.open(url.as_str())?;
    let code = tokio::time::timeout(timeout, accept_callback(&listener, &state, provider)).await.map_err(|_| {
        Error::new(
            ErrorCode::Unavailable,
            msg!("oauth-sign-in-timed-out", provider = provider, minutes = timeout.as_secs().div_ceil(60)),
        )
    })??;
    Ok(Callback { code, redirect_uri, verifier: SecretString::from(verifier.secret().to_owned()) })
}

/// Serves connections, each on its own task, until one carries a valid callback: browsers open
/// speculative extra connections that may stay idle, and favicon requests arrive too. A request
/// with a wrong `state` (not ours) is refused and ignored; the sign-in goes on waiting.
async fn accept_callback(listener: &TcpListener, state: &CsrfToken, provider: &str) -> Result<SecretString> {
    let mut handlers = tokio::task::JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (stream, _) =
                    accepted.map_err(|e| Error::internal(msg!("oauth-listener-failed", reason = e.to_string())))?;
                let (state, provider) = (state.clone(), provider.to_owned());
                handlers.spawn(async move { handle(stream, &state, &provider).await });
            }
            Some(done) = handlers.join_next(), if !handlers.is_empty() => {
                if let Ok(Some(result)) = done {
                    return result;
                }
            }
        }
    }
}

async fn handle(mut stream: TcpStream, state: &CsrfToken, provider: &str) -> Option<Result<SecretString>> {
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
    let state_ok = param("state").is_some_and(|s| constant_time_eq(s.as_bytes(), state.secret().as_bytes()));
    if !state_ok {
        let _ = respond(
            &mut stream,
            "400 Bad Request",
            &page(msg!("oauth-page-refused-title"), msg!("oauth-page-refused")),
        )
        .await;
        tracing::warn!(provider, "a sign-in callback with a state that is not ours was refused and ignored");
        return None;
    }
    if let Some(error) = param("error") {
        let description = param("error_description").unwrap_or_default();
        let page = page(msg!("oauth-page-cancelled-title"), msg!("oauth-page-close-tab"));
        let _ = respond(&mut stream, "200 OK", &page).await;
        let message = if error == "access_denied" {
            msg!("oauth-consent-denied", provider = provider)
        } else {
            msg!("oauth-sign-in-refused", provider = provider, error = &error, description = description)
        };
        return Some(Err(
            Error::new(ErrorCode::Unauthorized, message).with_details(serde_json::json!({ "error": error }))
        ));
    }
    let Some(code) = param("code") else {
        let _ = respond(
            &mut stream,
            "400 Bad Request",
            &page(msg!("oauth-page-incomplete-title"), msg!("oauth-page-incomplete")),
        )
        .await;
        return Some(Err(Error::new(ErrorCode::BadResponse, msg!("oauth-no-code", provider = provider))));
    };
    let _ =
        respond(&mut stream, "200 OK", &page(msg!("oauth-page-signed-in-title"), msg!("oauth-page-signed-in"))).await;
    Some(Ok(SecretString::from(code)))
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The page the system browser shows after the callback. The workspace language is not known
/// to the browser, so the page says it in every language Liaison speaks, English first.
fn page(title: Text, text: Text) -> String {
    let escape = |s: String| s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
    let sections: String = Lang::ALL
        .iter()
        .map(|&lang| {
            format!(
                "<section lang=\"{}\"><h1>{}</h1><p>{}</p></section>",
                lang.tag(),
                escape(title.render(lang)),
                escape(text.render(lang))
            )
        })
        .collect();
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{} – Liaison</title></head>\
         <body style=\"font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto\">{sections}</body></html>",
        escape(title.render(Lang::En))
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
    use base64::Engine as _;
    use sha2::{Digest, Sha256};
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
            "x",
            "",
            &[],
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

    /// A browser that first sends a forged callback (or opens an idle connection), then the real one.
    struct Noisy {
        idle_first: bool,
        forged_status: std::sync::Arc<Mutex<Option<u16>>>,
    }

    impl Browser for Noisy {
        fn open(&self, url: &str) -> Result<()> {
            let parsed = url::Url::parse(url).unwrap();
            let redirect = parsed.query_pairs().find(|(k, _)| k == "redirect_uri").unwrap().1.into_owned();
            let real = format!("{redirect}?code=abc&state={}", state_of(&parsed));
            let forged = format!("{redirect}?code=evil&state=forged");
            let (idle_first, seen) = (self.idle_first, self.forged_status.clone());
            std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
                rt.block_on(async {
                    let _idle = if idle_first {
                        let port = url::Url::parse(&redirect).unwrap().port().unwrap();
                        Some(tokio::net::TcpStream::connect(("127.0.0.1", port)).await.unwrap())
                    } else {
                        *seen.lock().unwrap() = Some(reqwest::get(forged).await.unwrap().status().as_u16());
                        None
                    };
                    let _ = reqwest::get(real).await;
                });
            });
            Ok(())
        }
    }

    #[tokio::test]
    async fn a_callback_with_a_forged_state_is_refused_and_ignored_and_the_real_one_still_signs_in() {
        let browser = Noisy { idle_first: false, forged_status: Default::default() };
        let cb = authorize("https://l.example.com/a", "x", "", &[], &browser, Duration::from_secs(10), "Salesforce")
            .await
            .unwrap();
        assert_eq!(cb.code.expose_secret(), "abc");
        assert_eq!(*browser.forged_status.lock().unwrap(), Some(400), "the forged callback was refused");
    }

    #[tokio::test]
    async fn an_idle_connection_to_the_callback_port_does_not_delay_the_sign_in() {
        let browser = Noisy { idle_first: true, forged_status: Default::default() };
        let started = std::time::Instant::now();
        let cb = authorize("https://l.example.com/a", "x", "", &[], &browser, Duration::from_secs(30), "Salesforce")
            .await
            .unwrap();
        assert_eq!(cb.code.expose_secret(), "abc");
        assert!(started.elapsed() < Duration::from_secs(5), "took {:?}", started.elapsed());
    }

    #[tokio::test]
    async fn a_denied_consent_says_so() {
        let browser = FakeProvider {
            respond: |u| {
                format!("error=access_denied&error_description=end-user+denied+authorization&state={}", state_of(u))
            },
            opened: Mutex::new(None),
        };
        let err = authorize("https://l.example.com/a", "x", "", &[], &browser, Duration::from_secs(10), "Salesforce")
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
        let err =
            authorize("https://l.example.com/a", "x", "", &[], &NeverReturns, Duration::from_millis(300), "Salesforce")
                .await
                .err()
                .unwrap();
        assert_eq!(err.code, ErrorCode::Unavailable);
        assert!(err.message.contains("did not finish"), "{}", err.message);
    }

    #[test]
    fn the_page_in_the_system_browser_speaks_english_and_japanese() {
        let page = page(msg!("oauth-page-signed-in-title"), msg!("oauth-page-signed-in"));
        assert!(page.contains("You can close this tab and return to Liaison."), "{page}");
        assert!(page.contains("このタブを閉じて Liaison に戻ってください。"), "{page}");
        assert!(page.find("Signed in") < page.find("サインインしました"), "English comes first: {page}");
    }
}
