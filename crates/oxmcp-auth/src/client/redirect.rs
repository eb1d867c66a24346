//! How the user authorizes: the host opens the authorization URL and the client receives the
//! redirect. [`LoopbackRedirect`] listens on 127.0.0.1 for the redirect and hands the URL
//! to a hook of the host (which opens a browser without a shell); [`HeadlessRedirect`]
//! fetches the authorization URL itself and reads the redirect from `Location` (for
//! authorization servers that answer at once, as test servers do, and for automation).

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use oxmcp_http::event_store::BoxFuture;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpListener;
use url::Url;

use super::error::OAuthError;
use super::fetch::Fetcher;

/// What a handler may use: fetching a URL once without following its redirect.
#[derive(Debug)]
pub struct UserAgent<'a> {
    pub(crate) fetcher: &'a Fetcher,
}

impl UserAgent<'_> {
    /// GETs `url` (checked by the client's URL policy) and returns the `Location` it
    /// redirects to, if it does.
    pub async fn redirect_of(&self, url: &Url) -> Result<Option<String>, OAuthError> {
        let fetched = self.fetcher.get_redirect(url).await?;
        if !fetched.status.is_redirection() {
            return Ok(None);
        }
        Ok(fetched
            .headers
            .get(http::header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned))
    }
}

/// Has the user authorize, and returns the URL the authorization server redirected to.
pub trait AuthorizationHandler: Send + Sync + fmt::Debug + 'static {
    /// The redirect URI (registered for the client; the authorization server sends the user
    /// back there).
    fn redirect_uri(&self) -> String;

    /// Takes the user to `url` (already checked: `https:`, or `http:` on loopback) and
    /// returns the redirect URL with the authorization response in its query.
    fn authorize<'a>(
        &'a self,
        url: &'a Url,
        agent: UserAgent<'a>,
    ) -> BoxFuture<'a, Result<Url, OAuthError>>;
}

/// Fetches the authorization URL and reads the response from the redirect, without a user.
#[derive(Debug, Clone)]
pub struct HeadlessRedirect {
    redirect_uri: String,
}

impl HeadlessRedirect {
    /// A handler that registers `redirect_uri` (nothing needs to listen there).
    pub fn new(redirect_uri: impl Into<String>) -> Self {
        Self {
            redirect_uri: redirect_uri.into(),
        }
    }
}

impl AuthorizationHandler for HeadlessRedirect {
    fn redirect_uri(&self) -> String {
        self.redirect_uri.clone()
    }

    fn authorize<'a>(
        &'a self,
        url: &'a Url,
        agent: UserAgent<'a>,
    ) -> BoxFuture<'a, Result<Url, OAuthError>> {
        Box::pin(async move {
            let location = agent.redirect_of(url).await?.ok_or_else(|| {
                OAuthError::Interaction(
                    "the authorization endpoint did not redirect (it wants a user)".into(),
                )
            })?;
            let target = url.join(&location).map_err(|e| OAuthError::InvalidUrl {
                url: location.clone(),
                reason: e.to_string(),
            })?;
            if !target.as_str().starts_with(&self.redirect_uri) {
                return Err(OAuthError::Interaction(format!(
                    "the authorization endpoint redirected elsewhere than the redirect URI ({})",
                    target.origin().ascii_serialization()
                )));
            }
            Ok(target)
        })
    }
}

/// The host's hook that opens a URL for the user (a browser, a printed link). It must not
/// pass the URL through a shell.
pub type OpenUrl = Arc<dyn Fn(&Url) -> Result<(), String> + Send + Sync>;

/// Receives the redirect on `http://127.0.0.1:<port>/callback`.
pub struct LoopbackRedirect {
    listener: tokio::sync::Mutex<TcpListener>,
    redirect_uri: String,
    open: OpenUrl,
    timeout: Duration,
}

impl fmt::Debug for LoopbackRedirect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoopbackRedirect")
            .field("redirect_uri", &self.redirect_uri)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl LoopbackRedirect {
    /// Listens on 127.0.0.1:`port` (0 picks a free port); `open` shows the user the
    /// authorization URL. The user has 5 minutes (see [`with_timeout`](Self::with_timeout)).
    pub async fn bind(port: u16, open: OpenUrl) -> Result<Self, OAuthError> {
        let listener = TcpListener::bind(("127.0.0.1", port)).await.map_err(|e| {
            OAuthError::Interaction(format!("cannot listen on 127.0.0.1:{port}: {e}"))
        })?;
        let port = listener
            .local_addr()
            .map_err(|e| OAuthError::Interaction(e.to_string()))?
            .port();
        Ok(Self {
            listener: tokio::sync::Mutex::new(listener),
            redirect_uri: format!("http://127.0.0.1:{port}/callback"),
            open,
            timeout: Duration::from_secs(300),
        })
    }

    /// How long to wait for the redirect.
    #[must_use]
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    async fn wait(&self) -> Result<Url, OAuthError> {
        let listener = self.listener.lock().await;
        loop {
            let (mut stream, _) = listener
                .accept()
                .await
                .map_err(|e| OAuthError::Interaction(e.to_string()))?;
            let Some(target) = read_request_target(&mut stream).await else {
                continue;
            };
            if !target.starts_with("/callback") {
                let _ = stream
                    .write_all(
                        b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
                    )
                    .await;
                continue;
            }
            let page = "<!doctype html><title>Authorized</title><p>You can close this window.</p>";
            let answer = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: text/html; charset=utf-8\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{page}",
                page.len()
            );
            let _ = stream.write_all(answer.as_bytes()).await;
            let base = Url::parse(&self.redirect_uri)
                .map_err(|e| OAuthError::Interaction(e.to_string()))?;
            return base
                .join(&target)
                .map_err(|e| OAuthError::Interaction(e.to_string()));
        }
    }
}

/// The target of a `GET <target> HTTP/1.x` request (the head read within 16 KiB and 10 s).
async fn read_request_target(stream: &mut tokio::net::TcpStream) -> Option<String> {
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    let read = async {
        while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 16 * 1024 {
            let n = stream.read(&mut buf).await.ok()?;
            if n == 0 {
                break;
            }
            head.extend_from_slice(&buf[..n]);
        }
        Some(())
    };
    tokio::time::timeout(Duration::from_secs(10), read)
        .await
        .ok()??;
    let line = String::from_utf8_lossy(&head);
    let mut parts = line.lines().next()?.split(' ');
    (parts.next()? == "GET").then_some(())?;
    parts.next().map(str::to_owned)
}

impl AuthorizationHandler for LoopbackRedirect {
    fn redirect_uri(&self) -> String {
        self.redirect_uri.clone()
    }

    fn authorize<'a>(
        &'a self,
        url: &'a Url,
        _agent: UserAgent<'a>,
    ) -> BoxFuture<'a, Result<Url, OAuthError>> {
        Box::pin(async move {
            (self.open)(url).map_err(OAuthError::Interaction)?;
            tokio::time::timeout(self.timeout, self.wait())
                .await
                .map_err(|_| {
                    OAuthError::Interaction(format!("no redirect within {:?}", self.timeout))
                })?
        })
    }
}

/// The authorization response of a redirect URL.
#[derive(Debug)]
pub(crate) struct AuthorizationResponse {
    pub(crate) code: String,
}

/// Reads and checks the redirect's query: an error, the `state`, RFC 9207 `iss`.
pub(crate) fn parse_response(
    redirect: &Url,
    state: &str,
    issuer: &str,
    iss_required: bool,
) -> Result<AuthorizationResponse, OAuthError> {
    let get = |name: &str| {
        redirect
            .query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    };
    if get("state").as_deref() != Some(state) {
        return Err(OAuthError::ResponseMismatch(
            "the state does not match".into(),
        ));
    }
    match get("iss") {
        Some(iss) if iss.trim_end_matches('/') != issuer.trim_end_matches('/') => {
            return Err(OAuthError::IssuerMismatch {
                expected: issuer.to_owned(),
                found: iss,
            });
        }
        None if iss_required => {
            return Err(OAuthError::ResponseMismatch(
                "no `iss` although the server promises it (RFC 9207)".into(),
            ));
        }
        _ => {}
    }
    if let Some(error) = get("error") {
        return Err(OAuthError::AuthorizationDenied {
            error,
            description: get("error_description"),
        });
    }
    let code = get("code")
        .filter(|c| !c.is_empty())
        .ok_or_else(|| OAuthError::ResponseMismatch("no code".into()))?;
    Ok(AuthorizationResponse { code })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn responses_are_checked() {
        let ok = parse_response(
            &url("http://127.0.0.1/cb?code=c&state=s&iss=https%3A%2F%2Fas"),
            "s",
            "https://as",
            true,
        )
        .unwrap();
        assert_eq!(ok.code, "c");
        assert!(matches!(
            parse_response(
                &url("http://127.0.0.1/cb?code=c&state=x"),
                "s",
                "https://as",
                false
            ),
            Err(OAuthError::ResponseMismatch(_))
        ));
        assert!(matches!(
            parse_response(
                &url("http://127.0.0.1/cb?code=c&state=s&iss=https%3A%2F%2Fevil"),
                "s",
                "https://as",
                false
            ),
            Err(OAuthError::IssuerMismatch { .. })
        ));
        assert!(
            parse_response(
                &url("http://127.0.0.1/cb?code=c&state=s"),
                "s",
                "https://as",
                true
            )
            .is_err()
        );
        assert!(
            parse_response(
                &url("http://127.0.0.1/cb?code=c&state=s"),
                "s",
                "https://as",
                false
            )
            .is_ok()
        );
        assert!(matches!(
            parse_response(
                &url("http://127.0.0.1/cb?error=access_denied&state=s"),
                "s",
                "https://as",
                false
            ),
            Err(OAuthError::AuthorizationDenied { .. })
        ));
    }

    #[tokio::test]
    async fn the_loopback_listener_receives_the_redirect() {
        let opened = Arc::new(std::sync::Mutex::new(None::<String>));
        let seen = opened.clone();
        let handler = LoopbackRedirect::bind(
            0,
            Arc::new(move |u: &Url| {
                *seen.lock().unwrap() = Some(u.to_string());
                Ok(())
            }),
        )
        .await
        .unwrap();
        let redirect = handler.redirect_uri();
        assert!(redirect.starts_with("http://127.0.0.1:"));
        let browser = tokio::spawn({
            let redirect = redirect.clone();
            async move {
                tokio::time::sleep(Duration::from_millis(50)).await;
                let base = redirect.trim_end_matches("/callback");
                let http = reqwest::Client::new();
                assert_eq!(
                    http.get(format!("{base}/favicon.ico"))
                        .send()
                        .await
                        .unwrap()
                        .status(),
                    404
                );
                http.get(format!("{redirect}?code=abc&state=xyz"))
                    .send()
                    .await
                    .unwrap()
                    .status()
            }
        });
        let fetcher = Fetcher::new(
            url("http://127.0.0.1/"),
            &Default::default(),
            Default::default(),
            Default::default(),
        )
        .unwrap();
        let target = handler
            .authorize(
                &url("https://as.example.com/authorize"),
                UserAgent { fetcher: &fetcher },
            )
            .await
            .unwrap();
        assert_eq!(browser.await.unwrap(), 200);
        assert_eq!(
            opened.lock().unwrap().as_deref(),
            Some("https://as.example.com/authorize")
        );
        assert_eq!(
            parse_response(&target, "xyz", "x", false).unwrap().code,
            "abc"
        );
    }

    #[tokio::test]
    async fn the_loopback_listener_gives_up_after_its_timeout() {
        let handler = LoopbackRedirect::bind(0, Arc::new(|_: &Url| Ok(())))
            .await
            .unwrap()
            .with_timeout(Duration::from_millis(100));
        let fetcher = Fetcher::new(
            url("http://127.0.0.1/"),
            &Default::default(),
            Default::default(),
            Default::default(),
        )
        .unwrap();
        let error = handler
            .authorize(
                &url("https://as.example.com/authorize"),
                UserAgent { fetcher: &fetcher },
            )
            .await
            .expect_err("no redirect came");
        assert!(error.to_string().contains("no redirect within"), "{error}");
        let refusing = LoopbackRedirect::bind(0, Arc::new(|_: &Url| Err("no browser".to_owned())))
            .await
            .unwrap();
        let error = refusing
            .authorize(
                &url("https://as.example.com/authorize"),
                UserAgent { fetcher: &fetcher },
            )
            .await
            .expect_err("the hook failed");
        assert!(error.to_string().contains("no browser"), "{error}");
    }
}
