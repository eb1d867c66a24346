//! The rig's HTTP client side: 2025-11-25 and 2026-07-28 requests to the proxy or to one
//! instance, and the SSE streams they answer with.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// How long a stream may go without an awaited event.
const EVENT_WAIT: Duration = Duration::from_secs(20);

pub(crate) fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .pool_max_idle_per_host(64)
        .build()
        .unwrap()
}

/// A POST of `body`, in `session` when one is given (2025-11-25), to send.
pub(crate) fn post_request(
    client: &reqwest::Client,
    url: &str,
    session: Option<&str>,
    body: &Value,
) -> reqwest::RequestBuilder {
    let mut req = client
        .post(url)
        .header("accept", "application/json, text/event-stream")
        .header("content-type", "application/json")
        .body(body.to_string());
    if let Some(s) = session {
        req = req
            .header("mcp-session-id", s)
            .header("mcp-protocol-version", "2025-11-25");
    }
    req
}

pub(crate) async fn post(
    client: &reqwest::Client,
    url: &str,
    session: Option<&str>,
    body: &Value,
) -> reqwest::Response {
    post_request(client, url, session, body)
        .send()
        .await
        .unwrap()
}

/// The standalone GET stream of `session`, resuming after `last_event_id` when one is given.
pub(crate) async fn get_stream(
    client: &reqwest::Client,
    url: &str,
    session: &str,
    last_event_id: Option<&str>,
) -> reqwest::Response {
    let mut req = client
        .get(url)
        .header("accept", "text/event-stream")
        .header("mcp-session-id", session)
        .header("mcp-protocol-version", "2025-11-25");
    if let Some(id) = last_event_id {
        req = req.header("last-event-id", id);
    }
    req.send().await.unwrap()
}

/// A 2026-07-28 request: the era's `_meta` in its params.
pub(crate) fn modern(id: u64, method: &str, mut params: Value) -> Value {
    params["_meta"] = json!({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {},
        "io.modelcontextprotocol/clientInfo": {"name": "rig", "version": "0"}
    });
    json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params})
}

/// POSTs a 2026-07-28 request, with its `Mcp-Method` and (for a tool call) `Mcp-Name`.
pub(crate) async fn post_modern(
    client: &reqwest::Client,
    url: &str,
    body: &Value,
) -> reqwest::Response {
    let mut req = post_request(client, url, None, body)
        .header("mcp-protocol-version", "2026-07-28")
        .header("mcp-method", body["method"].as_str().unwrap());
    if let Some(name) = body["params"]["name"].as_str() {
        req = req.header("mcp-name", name);
    }
    req.send().await.unwrap()
}

/// Opens a 2025-11-25 session (`initialize`, then `notifications/initialized`); its id.
pub(crate) async fn initialize(client: &reqwest::Client, url: &str) -> String {
    let init = json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25",
        "capabilities": {"roots": {}, "elicitation": {"form": {}}},
        "clientInfo": {"name": "rig", "version": "0"}}});
    let resp = post(client, url, None, &init).await;
    assert_eq!(resp.status(), 200);
    let session = resp.headers()["mcp-session-id"]
        .to_str()
        .unwrap()
        .to_owned();
    let initialized = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
    assert_eq!(
        post(client, url, Some(&session), &initialized)
            .await
            .status(),
        202
    );
    session
}

/// The JSON-RPC messages of a response, JSON or SSE (priming events skipped).
pub(crate) async fn messages(resp: reqwest::Response) -> Vec<Value> {
    let sse = resp.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/event-stream");
    let text = resp.text().await.unwrap();
    if !sse {
        return vec![serde_json::from_str(&text).unwrap()];
    }
    text.split("\n\n")
        .filter_map(|block| block.lines().find_map(|l| l.strip_prefix("data:")))
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .map(|d| serde_json::from_str(d).unwrap())
        .collect()
}

#[expect(
    clippy::needless_pass_by_value,
    reason = "callers pass `json!` literals"
)]
pub(crate) fn call(id: u64, name: &str, arguments: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "method": "tools/call",
           "params": {"name": name, "arguments": arguments}})
}

/// Calls `echo` of `text` (id `id`) in `session`; the response.
pub(crate) async fn echo(
    client: &reqwest::Client,
    url: &str,
    session: &str,
    id: u64,
    text: &str,
) -> reqwest::Response {
    let body = call(id, "echo", json!({"text": text}));
    post(client, url, Some(session), &body).await
}

/// Calls `echo` of `text` (id `id`) in `session`, which must answer it.
pub(crate) async fn echoed(
    client: &reqwest::Client,
    url: &str,
    session: &str,
    id: u64,
    text: &str,
) {
    let resp = echo(client, url, session, id, text).await;
    assert_eq!(resp.status(), 200, "echo {id} ({text})");
    assert_eq!(text_of(&messages(resp).await[0]), text, "echo {id}");
}

pub(crate) fn text_of(result: &Value) -> &str {
    result["result"]["content"][0]["text"]
        .as_str()
        .unwrap_or("")
}

/// One SSE event with a message (priming events have none).
pub(crate) struct Event {
    pub(crate) id: Option<String>,
    pub(crate) message: Value,
}

/// Why [`Sse::next`] gave no event.
#[derive(Debug)]
pub(crate) enum NoEvent {
    /// The stream ended.
    Ended,
    /// None came in time.
    TimedOut,
}

/// An open SSE response, read event by event.
pub(crate) struct Sse {
    resp: reqwest::Response,
    buf: String,
}

impl Sse {
    pub(crate) fn new(resp: reqwest::Response) -> Self {
        assert_eq!(resp.status(), 200);
        Self {
            resp,
            buf: String::new(),
        }
    }

    /// The next event with a message, if one comes before `deadline`.
    pub(crate) async fn next(&mut self, deadline: Instant) -> Result<Event, NoEvent> {
        loop {
            while let Some(end) = self.buf.find("\n\n") {
                let block: String = self.buf.drain(..end + 2).collect();
                let field = |name: &str| {
                    block
                        .lines()
                        .find_map(|l| l.strip_prefix(name))
                        .map(str::trim)
                };
                if let Some(data) = field("data:").filter(|d| !d.is_empty()) {
                    return Ok(Event {
                        id: field("id:").map(str::to_owned),
                        message: serde_json::from_str(data).unwrap(),
                    });
                }
            }
            let left = deadline.saturating_duration_since(Instant::now());
            match tokio::time::timeout(left, self.resp.chunk()).await {
                Ok(Ok(Some(chunk))) => self.buf.push_str(std::str::from_utf8(&chunk).unwrap()),
                Ok(_) => return Err(NoEvent::Ended),
                Err(_) => return Err(NoEvent::TimedOut),
            }
        }
    }

    /// The messages that come within `wait`; the stream must not end meanwhile.
    pub(crate) async fn within(&mut self, wait: Duration) -> Vec<Value> {
        let deadline = Instant::now() + wait;
        let mut seen = Vec::new();
        loop {
            match self.next(deadline).await {
                Ok(event) => seen.push(event.message),
                Err(NoEvent::TimedOut) => return seen,
                Err(NoEvent::Ended) => panic!("the stream ended after {seen:?}"),
            }
        }
    }

    /// The messages until one for which `wanted` holds (each within 20 s), that one last.
    pub(crate) async fn until(&mut self, wanted: impl Fn(&Value) -> bool) -> Vec<Value> {
        let mut seen = Vec::new();
        loop {
            match self.next(Instant::now() + EVENT_WAIT).await {
                Ok(event) if wanted(&event.message) => {
                    seen.push(event.message);
                    return seen;
                }
                Ok(event) => seen.push(event.message),
                Err(no) => panic!("{no:?} before the awaited message, after {seen:?}"),
            }
        }
    }

    /// The messages until one whose method is `method`, that one last.
    pub(crate) async fn until_method(&mut self, method: &str) -> Vec<Value> {
        self.until(|m| m["method"] == method).await
    }

    /// The events until `done` holds for what was read, or the stream ends (each within
    /// 20 s).
    pub(crate) async fn events_until(&mut self, done: impl Fn(&[Event]) -> bool) -> Vec<Event> {
        let mut seen = Vec::new();
        while !done(&seen) {
            match self.next(Instant::now() + EVENT_WAIT).await {
                Ok(event) => seen.push(event),
                Err(NoEvent::Ended) => break,
                Err(NoEvent::TimedOut) => panic!("no SSE event within {EVENT_WAIT:?}"),
            }
        }
        seen
    }
}
