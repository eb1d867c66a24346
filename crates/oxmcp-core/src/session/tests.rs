//! Tests of the outbound queue (the sending task writes, one flush per burst) and of sessions
//! over a transport that pushes its frames (no task while idle).

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use futures_util::FutureExt;
use oxmcp_types::Implementation;
use serde_json::Value;
use tokio::sync::{Notify, Semaphore, mpsc};
use tokio_util::sync::CancellationToken;

use super::SessionEnd;
use super::outbound::{Control, Outbound};
use crate::handler::{Handler, HandlerResult, IncomingNotification, IncomingRequest, to_result};
use crate::role::Server;
use crate::server::{ServerConfig, serve_server};
use crate::transport::{
    Frame, FrameSink, OutboundMessage, Route, Transport, TransportError, TransportReader,
    TransportWriter,
};
use crate::{NotificationContext, RequestContext};

/// A generous bound on waits that should end at once: a guard against hangs, not a timing.
const GUARD: Duration = Duration::from_secs(10);

/// What a [`GatedWriter`] did.
#[derive(Debug, Default)]
struct Log {
    written: Mutex<Vec<u8>>,
    flushes: AtomicUsize,
    closed: AtomicBool,
    /// Woken when a write starts (before it waits for the gate) and when one ends.
    entered: Notify,
    wrote: Notify,
}

/// A transport writer whose every write waits for a permit of `gate`.
struct GatedWriter {
    log: Arc<Log>,
    gate: Arc<Semaphore>,
    fail: bool,
}

impl TransportWriter for GatedWriter {
    async fn write(&mut self, message: OutboundMessage) -> Result<(), TransportError> {
        self.log.entered.notify_one();
        self.gate.acquire().await.expect("open gate").forget();
        if self.fail {
            return Err(TransportError::Closed);
        }
        self.log.written.lock().unwrap().extend(message.bytes);
        self.log.wrote.notify_one();
        Ok(())
    }

    async fn flush(&mut self) -> Result<(), TransportError> {
        self.log.flushes.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }

    async fn close(&mut self) -> Result<(), TransportError> {
        self.log.closed.store(true, Ordering::SeqCst);
        Ok(())
    }
}

/// Records how the outbound queue ended the session.
#[derive(Debug, Default)]
struct Ended(Mutex<Option<SessionEnd>>);

impl Control for Ended {
    fn end_session(self: Arc<Self>, end: SessionEnd) {
        *self.0.lock().unwrap() = Some(end);
    }

    fn is_reusable(self: Arc<Self>) -> bool {
        false
    }
}

struct Setup {
    out: Arc<Outbound>,
    log: Arc<Log>,
    gate: Arc<Semaphore>,
    ended: Arc<Ended>,
    closed: CancellationToken,
}

fn setup(capacity: usize, fail: bool) -> Setup {
    setup_with(capacity, usize::MAX, fail)
}

fn setup_with(capacity: usize, max_bytes: usize, fail: bool) -> Setup {
    let log = Arc::new(Log::default());
    let gate = Arc::new(Semaphore::new(0));
    let ended = Arc::new(Ended::default());
    let control: Arc<dyn Control> = ended.clone();
    let control: Weak<dyn Control> = Arc::downgrade(&control);
    let closed = CancellationToken::new();
    let writer = GatedWriter {
        log: log.clone(),
        gate: gate.clone(),
        fail,
    };
    let out = Outbound::new(
        Box::new(writer),
        (capacity, max_bytes),
        closed.clone(),
        control,
    );
    Setup {
        out,
        log,
        gate,
        ended,
        closed,
    }
}

fn message(n: u8) -> OutboundMessage {
    OutboundMessage::new(vec![n], Route::Unrelated)
}

/// Starts a send of `n` in a task and waits until it holds the writer (blocked in a write).
async fn holder(s: &Setup, n: u8) -> tokio::task::JoinHandle<()> {
    let out = s.out.clone();
    let task = tokio::spawn(async move { out.send(message(n)).await.expect("sent") });
    tokio::time::timeout(GUARD, s.log.entered.notified())
        .await
        .expect("the first sender writes");
    task
}

async fn wait_written(log: &Log, len: usize) -> Vec<u8> {
    loop {
        let wrote = log.wrote.notified();
        let written = log.written.lock().unwrap().clone();
        if written.len() >= len {
            return written;
        }
        tokio::time::timeout(GUARD, wrote).await.expect("written");
    }
}

#[tokio::test]
async fn messages_sent_while_one_task_writes_leave_with_its_flush_in_order() {
    let s = setup(16, false);
    let first = holder(&s, 1).await;
    for n in 2..=5 {
        // The writer is busy: queued, and the send returns at once.
        let send = s.out.send(message(n));
        assert!(matches!(send.now_or_never(), Some(Ok(()))));
    }
    s.gate.add_permits(5);
    tokio::time::timeout(GUARD, first).await.unwrap().unwrap();
    assert_eq!(*s.log.written.lock().unwrap(), [1, 2, 3, 4, 5]);
    assert_eq!(s.log.flushes.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_full_queue_makes_senders_wait_for_room() {
    let s = setup(2, false);
    let first = holder(&s, 1).await;
    s.out.send(message(2)).await.unwrap();
    s.out.send(message(3)).await.unwrap();
    let mut fourth = Box::pin(s.out.send(message(4)));
    assert!((&mut fourth).now_or_never().is_none(), "the queue is full");
    s.gate.add_permits(4);
    tokio::time::timeout(GUARD, fourth).await.unwrap().unwrap();
    tokio::time::timeout(GUARD, first).await.unwrap().unwrap();
    assert_eq!(wait_written(&s.log, 4).await, [1, 2, 3, 4]);
}

fn sized(n: u8, len: usize) -> OutboundMessage {
    OutboundMessage::new(vec![n; len], Route::Unrelated)
}

#[tokio::test]
async fn the_queue_holds_no_more_bytes_than_its_budget() {
    let s = setup_with(64, 10, false);
    let first = holder(&s, 1).await;
    s.out.send(sized(2, 4)).await.unwrap();
    s.out.send(sized(3, 4)).await.unwrap();
    // 8 bytes queued: 4 more would pass the budget of 10, so the sender waits...
    let mut waiting = Box::pin(s.out.send(sized(4, 4)));
    assert!(
        (&mut waiting).now_or_never().is_none(),
        "over the byte budget"
    );
    assert!(s.out.try_send(sized(6, 4)).is_err(), "try_send refuses too");
    // ...while a message that fits is taken.
    s.out.try_send(sized(5, 1)).unwrap();
    s.gate.add_permits(16);
    tokio::time::timeout(GUARD, waiting).await.unwrap().unwrap();
    tokio::time::timeout(GUARD, first).await.unwrap().unwrap();
    let written = wait_written(&s.log, 14).await;
    assert_eq!(written, [1, 2, 2, 2, 2, 3, 3, 3, 3, 5, 4, 4, 4, 4]);
}

#[tokio::test]
async fn a_message_larger_than_the_budget_goes_alone() {
    let s = setup_with(64, 2, false);
    let first = holder(&s, 1).await;
    // The queue is empty: it takes one message, however large.
    s.out.send(sized(2, 5)).await.unwrap();
    let mut waiting = Box::pin(s.out.send(sized(3, 1)));
    assert!((&mut waiting).now_or_never().is_none(), "nothing joins it");
    s.gate.add_permits(8);
    tokio::time::timeout(GUARD, waiting).await.unwrap().unwrap();
    tokio::time::timeout(GUARD, first).await.unwrap().unwrap();
    assert_eq!(wait_written(&s.log, 7).await, [1, 2, 2, 2, 2, 2, 3]);
}

#[tokio::test]
async fn a_write_error_closes_the_queue_and_ends_the_session() {
    let s = setup(16, true);
    s.gate.add_permits(10);
    s.out.send(message(1)).await.unwrap();
    let end = s.ended.0.lock().unwrap().clone();
    assert!(
        matches!(end, Some(SessionEnd::TransportError(_))),
        "{end:?}"
    );
    assert!(s.out.send(message(2)).await.is_err());
    assert!(s.out.try_send(message(3)).is_err());
}

#[tokio::test]
async fn a_sender_stopped_while_writing_hands_the_rest_to_a_task() {
    let s = setup(16, false);
    let first = holder(&s, 1).await;
    s.out.send(message(2)).await.unwrap();
    s.out.send(message(3)).await.unwrap();
    // The first sender's future is dropped in the middle of its write.
    first.abort();
    assert!(first.await.unwrap_err().is_cancelled());
    s.gate.add_permits(10);
    assert_eq!(wait_written(&s.log, 2).await, [2, 3]);
}

#[tokio::test]
async fn closing_writes_what_is_queued_then_closes_the_transport() {
    let s = setup(16, false);
    // A detached send hands the writing to a task of its own, which is still writing.
    s.out.send_detached(message(1)).await.unwrap();
    tokio::time::timeout(GUARD, s.log.entered.notified())
        .await
        .unwrap();
    s.out.try_send(message(2)).unwrap();
    s.closed.cancel();
    let out = s.out.clone();
    let closing = tokio::spawn(async move { out.close(GUARD).await });
    s.gate.add_permits(2);
    tokio::time::timeout(GUARD, closing).await.unwrap().unwrap();
    assert_eq!(*s.log.written.lock().unwrap(), [1, 2]);
    assert!(s.log.closed.load(Ordering::SeqCst));
    assert!(s.out.send(message(3)).await.is_err());
}

#[tokio::test(start_paused = true)]
async fn closing_abandons_a_transport_that_takes_nothing_after_the_drain_time() {
    let s = setup(16, false);
    s.out.send_detached(message(1)).await.unwrap();
    s.closed.cancel();
    // The clock is paused: the drain time passes as soon as nothing else can run.
    s.out.close(Duration::from_secs(5)).await;
    assert!(!s.log.closed.load(Ordering::SeqCst));
    assert!(s.log.written.lock().unwrap().is_empty());
    assert!(s.out.send(message(2)).await.is_err());
}

/// A transport that pushes frames into the engine: the test holds the sink; outgoing
/// messages arrive on a channel.
struct PushTransport {
    sink: Arc<Mutex<Option<FrameSink>>>,
    out: mpsc::UnboundedSender<Vec<u8>>,
    /// What [`Transport::runs_requests_inline`] says.
    inline: bool,
    gate: Option<Gate>,
}

/// Holds a [`ChannelOut`]'s writes: each waits for a permit, after waking whoever waits
/// on `writing` then.
#[derive(Clone)]
struct Gate {
    permits: Arc<Semaphore>,
    writing: Arc<Notify>,
}

impl Default for Gate {
    fn default() -> Self {
        Self {
            permits: Arc::new(Semaphore::new(0)),
            writing: Arc::default(),
        }
    }
}

struct PushReader(Arc<Mutex<Option<FrameSink>>>);

impl TransportReader for PushReader {
    async fn read(&mut self) -> Result<Option<Frame>, TransportError> {
        Err(TransportError::Closed)
    }

    fn attach(&mut self, sink: &FrameSink) -> bool {
        *self.0.lock().unwrap() = Some(sink.clone());
        true
    }
}

struct ChannelOut(mpsc::UnboundedSender<Vec<u8>>, Option<Gate>);

impl TransportWriter for ChannelOut {
    async fn write(&mut self, message: OutboundMessage) -> Result<(), TransportError> {
        if let Some(gate) = &self.1 {
            gate.writing.notify_waiters();
            gate.permits.acquire().await.expect("open").forget();
        }
        self.0
            .send(message.bytes)
            .map_err(|_| TransportError::Closed)
    }

    async fn flush(&mut self) -> Result<(), TransportError> {
        Ok(())
    }

    async fn close(&mut self) -> Result<(), TransportError> {
        Ok(())
    }
}

impl Transport for PushTransport {
    type Reader = PushReader;
    type Writer = ChannelOut;

    fn runs_requests_inline(&self) -> bool {
        self.inline
    }

    fn split(self) -> (PushReader, ChannelOut) {
        (PushReader(self.sink), ChannelOut(self.out, self.gate))
    }
}

/// Answers `echo` with its params; counts notifications.
#[derive(Clone, Default)]
struct Echo {
    notified: Arc<Mutex<Vec<String>>>,
}

impl Handler<Server> for Echo {
    async fn handle_request(
        &self,
        request: IncomingRequest,
        _cx: RequestContext<Server>,
    ) -> HandlerResult {
        let params: Value = request.params()?;
        to_result(&params)
    }

    async fn handle_notification(
        &self,
        notification: IncomingNotification,
        _cx: NotificationContext<Server>,
    ) {
        self.notified.lock().unwrap().push(notification.method);
    }
}

fn frame(text: &str) -> Frame {
    Frame::Message(text.as_bytes().to_vec())
}

const INITIALIZE: &str = r#"{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}"#;
const INITIALIZED: &str = r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#;

fn alive_tasks() -> usize {
    tokio::runtime::Handle::current()
        .metrics()
        .num_alive_tasks()
}

/// Waits until the runtime runs exactly `n` tasks (tasks end asynchronously).
async fn settle(n: usize) {
    tokio::time::timeout(GUARD, async {
        while alive_tasks() != n {
            tokio::task::yield_now().await;
        }
    })
    .await
    .unwrap_or_else(|_| panic!("{} tasks instead of {n}", alive_tasks()));
}

async fn next(rx: &mut mpsc::UnboundedReceiver<Vec<u8>>) -> Value {
    let bytes = tokio::time::timeout(GUARD, rx.recv())
        .await
        .expect("an answer")
        .expect("the session is open");
    serde_json::from_slice(&bytes).unwrap()
}

#[tokio::test]
async fn a_session_over_a_pushing_transport_runs_no_task_while_idle() {
    let baseline = alive_tasks();
    let sink = Arc::new(Mutex::new(None));
    let (tx, mut rx) = mpsc::unbounded_channel();
    let handler = Echo::default();
    let config = ServerConfig::new(Implementation::new("push", "1"));
    let running = serve_server(
        PushTransport {
            sink: sink.clone(),
            out: tx,
            inline: false,
            gate: None,
        },
        config,
        handler.clone(),
    );
    assert_eq!(alive_tasks(), baseline, "no reader or writer task");
    let sink = sink.lock().unwrap().take().expect("attached");
    sink.push(frame(INITIALIZE)).await.unwrap();
    assert_eq!(next(&mut rx).await["id"], 0);
    sink.push(frame(INITIALIZED)).await.unwrap();
    for i in 1..=3 {
        let call = format!(r#"{{"jsonrpc":"2.0","id":{i},"method":"echo","params":{{"n":{i}}}}}"#);
        sink.push(frame(&call)).await.unwrap();
        let answer = next(&mut rx).await;
        assert_eq!(
            (answer["id"].clone(), answer["result"]["n"].clone()),
            (i.into(), i.into())
        );
    }
    // The requests' tasks and the notification's task have ended: idle again.
    settle(baseline).await;
    assert_eq!(
        *handler.notified.lock().unwrap(),
        ["notifications/initialized"]
    );
    // Dropping the last sink ends the input, as the end of a stream does.
    drop(sink);
    let end = tokio::time::timeout(GUARD, running.wait()).await.unwrap();
    assert_eq!(end, SessionEnd::PeerClosed);
    settle(baseline).await;
}

#[tokio::test]
async fn closing_a_session_over_a_pushing_transport_ends_it_and_refuses_frames() {
    let sink = Arc::new(Mutex::new(None));
    let (tx, _rx) = mpsc::unbounded_channel();
    let config = ServerConfig::new(Implementation::new("push", "1"));
    let running = serve_server(
        PushTransport {
            sink: sink.clone(),
            out: tx,
            inline: false,
            gate: None,
        },
        config,
        Echo::default(),
    );
    let sink = sink.lock().unwrap().take().expect("attached");
    running.handle().close();
    let end = tokio::time::timeout(GUARD, running.wait()).await.unwrap();
    assert_eq!(end, SessionEnd::Closed);
    assert!(sink.is_closed());
    assert!(matches!(
        sink.push(frame(INITIALIZE)).await,
        Err(TransportError::Closed)
    ));
}

tokio::task_local! {
    /// Set around a push by the test: a handler sees it only in the pushing task.
    static PUSHER: u8;
}

/// `where`: whether it runs in the pushing task; `wait`: waits until its request is
/// cancelled, then says so in `cancelled`; `chatty`: has a task of its own send a
/// notification, and answers once the writer is busy with it.
#[derive(Clone, Default)]
struct Inline {
    started: Arc<Notify>,
    cancelled: Arc<AtomicBool>,
    gate: Gate,
}

impl Handler<Server> for Inline {
    async fn handle_request(
        &self,
        request: IncomingRequest,
        cx: RequestContext<Server>,
    ) -> HandlerResult {
        if request.method == "wait" {
            let token = cx.cancellation_token().clone();
            let cancelled = self.cancelled.clone();
            // A task the handler started for the request: it outlives the handler's run.
            tokio::spawn(async move {
                token.cancelled().await;
                cancelled.store(true, Ordering::SeqCst);
            });
            self.started.notify_one();
            std::future::pending::<()>().await;
        }
        if request.method == "chatty" {
            let peer = cx.peer().clone();
            tokio::spawn(async move { peer.notify_raw("notifications/chat", None).await });
            self.gate.writing.notified().await;
        }
        to_result(&PUSHER.try_with(|v| *v).ok())
    }
}

/// A session over a pushing transport that runs requests inline, or not, initialized.
async fn inline_session(
    inline: bool,
    handler: Inline,
) -> (FrameSink, mpsc::UnboundedReceiver<Vec<u8>>) {
    inline_session_gated(inline, handler, None).await
}

/// The same, its writes held by `gate` when there is one (open for the handshake).
async fn inline_session_gated(
    inline: bool,
    handler: Inline,
    gate: Option<Gate>,
) -> (FrameSink, mpsc::UnboundedReceiver<Vec<u8>>) {
    if let Some(gate) = &gate {
        gate.permits.add_permits(1);
    }
    let sink = Arc::new(Mutex::new(None));
    let (tx, mut rx) = mpsc::unbounded_channel();
    let config = ServerConfig::new(Implementation::new("push", "1"));
    let _running = serve_server(
        PushTransport {
            sink: sink.clone(),
            out: tx,
            inline,
            gate,
        },
        config,
        handler,
    );
    let sink = sink.lock().unwrap().take().expect("attached");
    sink.push(frame(INITIALIZE)).await.unwrap();
    assert_eq!(next(&mut rx).await["id"], 0);
    sink.push(frame(INITIALIZED)).await.unwrap();
    (sink, rx)
}

#[tokio::test]
async fn a_transport_that_runs_requests_inline_has_them_answered_when_its_push_ends() {
    let call = frame(r#"{"jsonrpc":"2.0","id":1,"method":"where"}"#);
    let (sink, mut rx) = inline_session(true, Inline::default()).await;
    PUSHER.scope(7, sink.push(call.clone())).await.unwrap();
    // Answered already, from the pushing task.
    let answer: Value = serde_json::from_slice(&rx.try_recv().expect("answered")).unwrap();
    assert_eq!(answer["result"], 7);
    // Otherwise, in a task of its own.
    let (sink, mut rx) = inline_session(false, Inline::default()).await;
    PUSHER.scope(7, sink.push(call)).await.unwrap();
    assert_eq!(next(&mut rx).await["result"], Value::Null);
}

#[tokio::test]
async fn an_inline_request_whose_push_is_dropped_is_cancelled() {
    let handler = Inline::default();
    let (sink, mut rx) = inline_session(true, handler.clone()).await;
    let wait = frame(r#"{"jsonrpc":"2.0","id":1,"method":"wait"}"#);
    tokio::select! {
        _ = sink.push(wait.clone()) => panic!("answered"),
        () = handler.started.notified() => {}
    }
    // The pushing task gave up: the request is cancelled and no longer in flight (its id
    // can be used again).
    tokio::time::timeout(GUARD, async {
        while !handler.cancelled.load(Ordering::SeqCst) {
            tokio::task::yield_now().await;
        }
    })
    .await
    .expect("cancelled");
    let again = frame(r#"{"jsonrpc":"2.0","id":1,"method":"where"}"#);
    sink.push(again).await.unwrap();
    let answer: Value = serde_json::from_slice(&rx.try_recv().expect("answered")).unwrap();
    assert_eq!(
        (answer["id"].clone(), answer["result"].clone()),
        (1.into(), Value::Null)
    );
}

#[tokio::test]
async fn an_inline_answer_comes_back_to_a_push_that_takes_it() {
    let call = frame(r#"{"jsonrpc":"2.0","id":1,"method":"where"}"#);
    let (sink, mut rx) = inline_session(true, Inline::default()).await;
    let out = PUSHER.scope(7, sink.push_for_answer(call.clone())).await;
    let out = out.unwrap().expect("handed back");
    assert_eq!(out.route, Route::Response(1.into()));
    let answer: Value = serde_json::from_slice(&out.bytes).unwrap();
    assert_eq!(answer["result"], 7);
    assert!(rx.try_recv().is_err(), "the writer got nothing");
    // Not run inline: the writer answers, as for any push.
    let (sink, mut rx) = inline_session(false, Inline::default()).await;
    assert!(sink.push_for_answer(call).await.unwrap().is_none());
    assert_eq!(next(&mut rx).await["id"], 1);
}

#[tokio::test]
async fn an_inline_answer_overtakes_nothing_the_writer_holds() {
    let handler = Inline::default();
    let gate = handler.gate.clone();
    let (sink, mut rx) = inline_session_gated(true, handler, Some(gate.clone())).await;
    let chatty = frame(r#"{"jsonrpc":"2.0","id":1,"method":"chatty"}"#);
    // The handler answers while another task writes its notification: the answer queues
    // behind it instead of coming back.
    let out = tokio::time::timeout(GUARD, sink.push_for_answer(chatty)).await;
    assert!(out.expect("answered").unwrap().is_none());
    gate.permits.add_permits(2);
    assert_eq!(next(&mut rx).await["method"], "notifications/chat");
    assert_eq!(next(&mut rx).await["id"], 1);
}
