//! What the host's callbacks receive for the server's requests, and the bookkeeping of
//! URL-mode elicitations the user consented to.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use oxmcp_types::elicitation::{ElicitRequestFormParams, ElicitRequestUrlParams, ElicitValue};
use oxmcp_types::sampling::CreateMessageRequestParams;
use oxmcp_types::tasks::RelatedTaskMetadata;
use oxmcp_types::{Implementation, Meta, ProtocolVersion};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use crate::session::state::lock;
use crate::validate::{FormAnswerError, validate_form_answer};

/// A `sampling/createMessage` request for the host's model. The tool-use balance rules
/// have been checked; the host should let the user review the request and the answer.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct SamplingRequest {
    /// The request, as the server sent it.
    pub params: CreateMessageRequestParams,
    /// Who is asking.
    pub server: Implementation,
    /// The session's protocol version.
    pub protocol_version: ProtocolVersion,
    /// Cancelled when the server cancels the request.
    pub cancellation: CancellationToken,
    /// The task this request serves, when the server asks it for a task this client
    /// created (the related-task `_meta`): a host can show it next to the request.
    pub related_task_id: Option<String>,
}

/// A form-mode `elicitation/create` for the host to show. The answer the host returns is
/// checked against the form before it is sent; an invalid one is not sent, and the host is
/// asked again with [`previous_error`](Self::previous_error) set.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct FormElicitation {
    /// The request, as the server sent it.
    pub params: ElicitRequestFormParams,
    /// Who is asking (the host must show it).
    pub server: Implementation,
    /// 1 for the first call, then 2, 3... when earlier answers were invalid.
    pub attempt: usize,
    /// Why the previous answer was refused.
    pub previous_error: Option<FormAnswerError>,
    /// The task this request serves, when the server asks it for a task this client
    /// created (the related-task `_meta`).
    pub related_task_id: Option<String>,
}

impl FormElicitation {
    /// Checks an answer against the form, as will be done before it is sent.
    pub fn validate(&self, content: &BTreeMap<String, ElicitValue>) -> Result<(), FormAnswerError> {
        validate_form_answer(&self.params.requested_schema, content)
    }
}

/// Where a URL-mode elicitation came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum UrlElicitationSource {
    /// An `elicitation/create` request of the server.
    Request,
    /// The `data` of a -32042 error that a request of this client received.
    RequiredByError,
}

/// A URL the server asks the user to open (URL-mode elicitation). The consent hook must show
/// the full URL (and should highlight [`host`](Self::host)) and the server's name, and open
/// it only after explicit consent, outside the client (a system browser, never an embedded
/// view the client or model can read, never through a shell). oxmcp never fetches it.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct UrlElicitation {
    /// The request: `message`, `url`, `elicitationId`.
    pub params: ElicitRequestUrlParams,
    /// Who is asking.
    pub server: Implementation,
    /// Where it came from.
    pub source: UrlElicitationSource,
    /// The task this request serves, when the server asks it for a task this client
    /// created (the related-task `_meta`).
    pub related_task_id: Option<String>,
}

impl UrlElicitation {
    /// The host of the URL, parsed as browsers parse it (WHATWG URL), to show prominently;
    /// `None` when the URL does not parse or has no host.
    ///
    /// ```
    /// # use oxmcp_core::client::UrlElicitation;
    /// assert_eq!(UrlElicitation::host_of("https://user@pay.example.com:8443/x?y").as_deref(), Some("pay.example.com"));
    /// // A browser goes to evil.example here, so that is what the user must see.
    /// assert_eq!(UrlElicitation::host_of("https://evil.example\\@bank.example/").as_deref(), Some("evil.example"));
    /// assert_eq!(UrlElicitation::host_of("mailto:a@b.c"), None);
    /// ```
    pub fn host(&self) -> Option<String> {
        Self::host_of(&self.params.url)
    }

    /// The host of `url` (see [`host`](Self::host)).
    pub fn host_of(url: &str) -> Option<String> {
        url::Url::parse(url).ok()?.host_str().map(str::to_owned)
    }

    /// Whether the host is an internationalized (punycode, `xn--`) name, which a consent
    /// screen should point out: it may imitate another domain.
    pub fn is_punycode(&self) -> bool {
        self.host()
            .is_some_and(|h| h.split('.').any(|label| label.starts_with("xn--")))
    }
}

/// The task id of the related-task `_meta` of a request's params, if any.
pub(crate) fn related_task_id(meta: Option<&Meta>) -> Option<String> {
    RelatedTaskMetadata::from_meta(meta?).map(|r| r.task_id)
}

/// Refuses URLs a user must never be asked to open: anything but `https`, or `http` to a
/// loopback host; URLs that do not parse; URLs with credentials in them.
pub(crate) fn check_elicitation_url(url: &str) -> Result<(), String> {
    let parsed = url::Url::parse(url).map_err(|e| format!("the URL does not parse: {e}"))?;
    let loopback = match parsed.host() {
        Some(url::Host::Domain(d)) => d == "localhost",
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    match parsed.scheme() {
        "https" => {}
        "http" if loopback => {}
        other => return Err(format!("URL scheme `{other}` is not allowed (https only)")),
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err("the URL carries credentials".to_owned());
    }
    Ok(())
}

/// URL-mode elicitations the user consented to, awaiting `notifications/elicitation/complete`.
#[derive(Debug, Default)]
pub(crate) struct UrlTracker {
    pending: Mutex<HashMap<String, (u64, watch::Sender<bool>)>>,
    next: Mutex<u64>,
}

/// The most URL elicitations tracked at once; the oldest are forgotten beyond it.
const MAX_TRACKED: usize = 1024;

impl UrlTracker {
    /// Starts tracking `id`; the receiver turns `true` when it completes.
    pub(crate) fn register(&self, id: &str) -> watch::Receiver<bool> {
        let seq = {
            let mut next = lock(&self.next);
            *next += 1;
            *next
        };
        let (tx, rx) = watch::channel(false);
        let mut pending = lock(&self.pending);
        if pending.len() >= MAX_TRACKED
            && let Some(oldest) = pending
                .iter()
                .min_by_key(|(_, (s, _))| *s)
                .map(|(k, _)| k.clone())
        {
            pending.remove(&oldest);
        }
        pending.insert(id.to_owned(), (seq, tx));
        rx
    }

    /// Stops tracking `id` (the user did not consent).
    pub(crate) fn forget(&self, id: &str) {
        lock(&self.pending).remove(id);
    }

    /// Marks `id` complete; false when it is unknown or already complete.
    pub(crate) fn complete(&self, id: &str) -> bool {
        match lock(&self.pending).remove(id) {
            Some((_, tx)) => {
                tx.send_replace(true);
                true
            }
            None => false,
        }
    }
}

#[cfg(test)]
mod url_tests {
    use super::check_elicitation_url;

    #[test]
    fn only_https_or_loopback_http_without_credentials() {
        assert!(check_elicitation_url("https://example.com/auth?x=1").is_ok());
        assert!(check_elicitation_url("http://127.0.0.1:8080/cb").is_ok());
        assert!(check_elicitation_url("http://localhost/cb").is_ok());
        assert!(check_elicitation_url("http://[::1]/cb").is_ok());
        for bad in [
            "http://example.com/",
            "javascript:alert(1)",
            "file:///etc/passwd",
            "data:text/html,hi",
            "ftp://example.com/",
            "https://user:pw@example.com/",
            "not a url",
        ] {
            assert!(check_elicitation_url(bad).is_err(), "{bad}");
        }
    }
}
