//! Helpers for the task engine tests: a server with task tools, gates that hold a tool until
//! the test lets it go, and task requests over the wire.

use oxmcp_tasks::TasksServerBuilderExt as _;
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use oxmcp_core::server::McpServer;
use oxmcp_core::server::tools::{ToolError, ToolRoute};
use oxmcp_core::transport::memory::{self, MemoryTransport};
use oxmcp_core::transport::{OutboundMessage, Route, Transport, TransportError, TransportWriter};
use oxmcp_core::{RequestError, RequestOptions, RunningServer};
use oxmcp_tasks::{MemoryTaskStore, TaskConfig, TaskEngine};
use oxmcp_types::tools::TaskSupport;
use oxmcp_types::{CallToolResult, ErrorCode, ErrorData};
use serde_json::value::RawValue;
use serde_json::{Value, json};
use tokio::sync::Semaphore;

use crate::router_support::{EchoArgs, Session, info};

/// What a server wrote, with each message's route.
pub(crate) type Log = Arc<Mutex<Vec<(Value, Route)>>>;

/// Records what the server writes, with its route.
pub(crate) struct Recording<W> {
    pub(crate) inner: W,
    pub(crate) log: Log,
}

impl<W: TransportWriter> TransportWriter for Recording<W> {
    async fn write(&mut self, message: OutboundMessage) -> Result<(), TransportError> {
        let value = serde_json::from_slice(&message.bytes).unwrap();
        self.log
            .lock()
            .unwrap()
            .push((value, message.route.clone()));
        self.inner.write(message).await
    }

    async fn flush(&mut self) -> Result<(), TransportError> {
        self.inner.flush().await
    }

    async fn close(&mut self) -> Result<(), TransportError> {
        self.inner.close().await
    }
}

/// Serves `server` on a transport whose writes are recorded; returns the client's end,
/// the running server and the log.
pub(crate) fn serve_recorded(server: &McpServer) -> (MemoryTransport, RunningServer, Log) {
    let log: Log = Arc::default();
    let (a, b) = memory::duplex(64);
    let (reader, writer) = a.split();
    let running = server.serve((
        reader,
        Recording {
            inner: writer,
            log: log.clone(),
        },
    ));
    (b, running, log)
}

/// The messages of `log` with `method`.
pub(crate) fn sent(log: &Log, method: &str) -> Vec<Value> {
    log.lock()
        .unwrap()
        .iter()
        .filter(|(m, _)| m["method"] == method)
        .map(|(m, _)| m.clone())
        .collect()
}

/// Gates by name: the `keyed` tool called with text `k` waits for the gate of `k`.
#[derive(Debug, Clone, Default)]
pub(crate) struct KeyedGates(Arc<Mutex<HashMap<String, Gate>>>);

impl KeyedGates {
    /// The gate of `key`.
    pub(crate) fn gate(&self, key: &str) -> Gate {
        self.0
            .lock()
            .unwrap()
            .entry(key.to_owned())
            .or_default()
            .clone()
    }
}

/// `keyed` (optional): waits for the gate of its text in `gates`, then returns
/// "done <text>".
pub(crate) fn keyed_tool(gates: &KeyedGates) -> ToolRoute {
    let gates = gates.clone();
    ToolRoute::new("keyed", move |a: EchoArgs, _cx| {
        let gate = gates.gate(&a.text);
        async move {
            gate.pass().await;
            format!("done {}", a.text)
        }
    })
    .with_task_support(TaskSupport::Optional)
}

/// Holds a tool until the test opens it.
#[derive(Debug, Clone)]
pub(crate) struct Gate(Arc<Semaphore>);

impl Default for Gate {
    fn default() -> Self {
        Self(Arc::new(Semaphore::new(0)))
    }
}

impl Gate {
    /// Lets one waiting (or the next) tool run go on.
    pub(crate) fn open(&self) {
        self.0.add_permits(1);
    }

    pub(crate) async fn pass(&self) {
        self.0.acquire().await.expect("gate closed").forget();
    }
}

/// What the gated tools report to the test.
#[derive(Debug)]
pub(crate) struct Probe {
    /// Runs of `gated` that started.
    pub(crate) started: AtomicUsize,
    /// Runs that saw their cancellation token fire.
    pub(crate) saw_cancel: AtomicUsize,
    /// Runs that returned after their cancellation (their result must be discarded).
    pub(crate) returned_late: AtomicUsize,
    /// Runs that were dropped before they returned.
    pub(crate) dropped: AtomicUsize,
    /// Signalled when a run starts and when a run sees its cancellation.
    pub(crate) events: Semaphore,
}

impl Default for Probe {
    fn default() -> Self {
        Self {
            started: AtomicUsize::new(0),
            saw_cancel: AtomicUsize::new(0),
            returned_late: AtomicUsize::new(0),
            dropped: AtomicUsize::new(0),
            events: Semaphore::new(0),
        }
    }
}

/// Counts a run of `gated` as dropped unless it was disarmed (it returned).
struct Unfinished {
    probe: Arc<Probe>,
    armed: bool,
}

impl Drop for Unfinished {
    fn drop(&mut self) {
        if self.armed {
            self.probe.dropped.fetch_add(1, Ordering::SeqCst);
        }
    }
}

impl Probe {
    pub(crate) async fn wait_event(&self) {
        tokio::time::timeout(Duration::from_secs(10), self.events.acquire())
            .await
            .expect("no event from the tool")
            .expect("closed")
            .forget();
    }
}

/// Settings that keep the tests fast: short polling of the store.
pub(crate) fn fast_config() -> TaskConfig {
    TaskConfig::default()
        .with_store_poll_interval(Duration::from_millis(20))
        .with_poll_interval(Duration::from_millis(100))
        .with_cancel_grace(Duration::from_secs(5))
}

/// The tools of the task tests:
/// - `echo` (optional) returns its text; `echo_plain` forbids tasks; `echo_required` requires one;
/// - `fail` (optional) returns a tool execution error; `error` a JSON-RPC error (-32602);
/// - `panic` (optional) panics;
/// - `gated` (optional, resumable) waits for the gate, reporting progress, then returns
///   "gated <text>"; it reports its start, its cancellation, a late return and its drop
///   (before returning) on the probe;
/// - `held` (optional, not resumable) waits for the gate, then returns "held <text>".
pub(crate) fn task_tools(gate: &Gate, probe: &Arc<Probe>) -> Vec<ToolRoute> {
    let echo = |name: &str, support: Option<TaskSupport>| {
        let route = ToolRoute::new(name, |a: EchoArgs, _cx| async move { a.text });
        match support {
            Some(s) => route.with_task_support(s),
            None => route,
        }
    };
    let held_gate = gate.clone();
    let gate = gate.clone();
    let probe = probe.clone();
    let gated = ToolRoute::new("gated", move |a: EchoArgs, cx| {
        let (gate, probe) = (gate.clone(), probe.clone());
        async move {
            let mut unfinished = Unfinished {
                probe: probe.clone(),
                armed: true,
            };
            probe.started.fetch_add(1, Ordering::SeqCst);
            probe.events.add_permits(1);
            cx.progress(1.0, Some(2.0), Some("started".into()))
                .await
                .ok();
            tokio::select! {
                () = gate.pass() => {}
                () = cx.cancellation_token().cancelled() => {
                    probe.saw_cancel.fetch_add(1, Ordering::SeqCst);
                    probe.events.add_permits(1);
                    // Finish anyway, as careless work does: the result must be discarded.
                    gate.pass().await;
                    probe.returned_late.fetch_add(1, Ordering::SeqCst);
                    probe.events.add_permits(1);
                    unfinished.armed = false;
                    return format!("late {}", a.text);
                }
            }
            cx.progress(2.0, Some(2.0), Some("done".into())).await.ok();
            unfinished.armed = false;
            format!("gated {}", a.text)
        }
    })
    .with_task_support(TaskSupport::Optional)
    .resumable()
    .with_immediate_response("started; poll for the result");
    let held = ToolRoute::new("held", move |a: EchoArgs, _cx| {
        let gate = held_gate.clone();
        async move {
            gate.pass().await;
            format!("held {}", a.text)
        }
    })
    .with_task_support(TaskSupport::Optional);
    vec![
        echo("echo", Some(TaskSupport::Optional)),
        echo("echo_plain", None),
        echo("echo_required", Some(TaskSupport::Required)),
        ToolRoute::new("fail", |_: EchoArgs, _cx| async move {
            Err::<String, _>(ToolError::execution("the API rate limit was exceeded"))
        })
        .with_task_support(TaskSupport::Optional),
        ToolRoute::new("error", |_: EchoArgs, _cx| async move {
            Err::<String, _>(ToolError::protocol(
                ErrorData::invalid_params("no such city").with_data(json!({"city": "Atlantis"})),
            ))
        })
        .with_task_support(TaskSupport::Optional),
        ToolRoute::new("panic", |_: EchoArgs, _cx| async move {
            if true {
                panic!("deliberate panic in a task");
            }
            CallToolResult::text("unreachable")
        })
        .with_task_support(TaskSupport::Optional),
        gated,
        held,
    ]
}

/// A server with the task tools over `engine`.
pub(crate) fn task_server(engine: TaskEngine, gate: &Gate, probe: &Arc<Probe>) -> McpServer {
    McpServer::builder(info())
        .tools(task_tools(gate, probe))
        .tasks(engine)
        .build()
        .unwrap()
}

/// An engine over a fresh memory store with [`fast_config`].
pub(crate) fn memory_engine() -> TaskEngine {
    TaskEngine::new(MemoryTaskStore::new(), fast_config())
}

pub(crate) fn task_call(name: &str, text: &str) -> Value {
    json!({ "name": name, "arguments": { "text": text }, "task": { "ttl": 60_000 } })
}

/// Sends a request and returns the raw result text.
pub(crate) async fn raw(s: &Session, method: &str, params: Value) -> Result<String, RequestError> {
    let params: Box<RawValue> = serde_json::value::to_raw_value(&params).unwrap();
    s.client
        .peer()
        .request_raw(method, Some(params), RequestOptions::default())
        .await
        .map(|r| r.get().to_owned())
}

/// Calls `name` as a task and returns the task id (the result must be a `CreateTaskResult`).
pub(crate) async fn start(s: &Session, name: &str, text: &str) -> String {
    let created = s.ok("tools/call", task_call(name, text)).await;
    let task = &created["task"];
    assert_eq!(task["status"], "working", "{created}");
    task["taskId"].as_str().expect("taskId").to_owned()
}

pub(crate) async fn get(s: &Session, id: &str) -> Value {
    s.ok("tasks/get", json!({ "taskId": id })).await
}

/// `tasks/result`, as raw text or the JSON-RPC error.
pub(crate) async fn result(s: &Session, id: &str) -> Result<String, ErrorData> {
    match tokio::time::timeout(
        Duration::from_secs(10),
        raw(s, "tasks/result", json!({ "taskId": id })),
    )
    .await
    .expect("tasks/result did not answer")
    {
        Ok(text) => Ok(text),
        Err(RequestError::Remote(e)) => Err(e),
        Err(other) => panic!("tasks/result failed locally: {other}"),
    }
}

/// `value` without `_meta["io.modelcontextprotocol/related-task"]` (and without `_meta`
/// when that was all it held); asserts the key named `id`.
pub(crate) fn without_related_task(text: &str, id: &str) -> Value {
    let mut value: Value = serde_json::from_str(text).unwrap();
    let meta = value["_meta"].as_object_mut().expect("_meta");
    let related = meta
        .remove("io.modelcontextprotocol/related-task")
        .expect("related-task");
    assert_eq!(related, json!({ "taskId": id }));
    if meta.is_empty() {
        value.as_object_mut().unwrap().remove("_meta");
    }
    value
}

/// Asserts that `tasks/get` of `id` is refused as an unknown task.
pub(crate) async fn unknown(s: &Session, id: &str) {
    let e = s
        .err(
            "tasks/get",
            json!({ "taskId": id }),
            ErrorCode::INVALID_PARAMS,
        )
        .await;
    assert_eq!(e["message"], "Failed to retrieve task: Task not found");
}
