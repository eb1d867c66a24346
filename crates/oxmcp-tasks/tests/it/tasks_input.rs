//! The `input_required` flow: a task's tool asks a real client for elicitation; the task
//! shows `input_required` while the client answers; the request carries the related-task
//! `_meta` and goes with the waiting `tasks/result`; the task is `working` again after the
//! answer, then completes.

use oxmcp_tasks::TaskContextExt as _;
use oxmcp_tasks::TasksServerBuilderExt as _;
use std::sync::{Arc, Mutex};

use oxmcp_core::role::Client;
use oxmcp_core::server::McpServer;
use oxmcp_core::server::client_requests::ElicitOutcome;
use oxmcp_core::server::tools::ToolRoute;
use oxmcp_core::transport::{Route, Transport, memory};
use oxmcp_core::{
    Handler, HandlerResult, IncomingNotification, IncomingRequest, NotificationContext,
    RequestContext, RequestError, RequestOptions, connect, to_result,
};
use oxmcp_types::tools::TaskSupport;
use oxmcp_types::{ClientCapabilities, ErrorData, RequestId};
use serde_json::{Value, json};
use tokio::sync::mpsc;

use crate::router_support::{EchoArgs, Session, info};
use crate::support::{TestClient, client_config};
use crate::tasks_support::*;

/// What the client saw while answering an elicitation.
#[derive(Debug)]
struct Seen {
    params: Value,
    status_meanwhile: Value,
}

/// A client that answers elicitations with a name, checking the task's status first.
#[derive(Clone)]
struct Answering {
    seen: mpsc::UnboundedSender<Seen>,
    notes: Arc<Mutex<Vec<Value>>>,
}

impl Handler<Client> for Answering {
    async fn handle_request(
        &self,
        req: IncomingRequest,
        cx: RequestContext<Client>,
    ) -> HandlerResult {
        if req.method != "elicitation/create" {
            return Err(ErrorData::method_not_found(&req.method));
        }
        let params: Value = req.params()?;
        let id = &params["_meta"]["io.modelcontextprotocol/related-task"]["taskId"];
        let get = serde_json::value::to_raw_value(&json!({ "taskId": id })).unwrap();
        let status = cx
            .peer()
            .request_raw("tasks/get", Some(get), RequestOptions::default())
            .await
            .map_err(|e| ErrorData::internal_error(e.to_string()))?;
        let status_meanwhile = serde_json::from_str(status.get()).unwrap();
        self.seen
            .send(Seen {
                params,
                status_meanwhile,
            })
            .unwrap();
        to_result(&json!({ "action": "accept", "content": { "name": "Ada" } }))
    }

    async fn handle_notification(&self, n: IncomingNotification, _cx: NotificationContext<Client>) {
        if n.method == "notifications/tasks/status" {
            self.notes.lock().unwrap().push(n.params().unwrap());
        }
    }
}

#[derive(Debug, serde::Deserialize, schemars::JsonSchema)]
struct NameForm {
    name: String,
}

fn ask_tool(gate: &Gate, probe: &Arc<Probe>, task_ids: &Arc<Mutex<Vec<String>>>) -> ToolRoute {
    let (gate, probe, task_ids) = (gate.clone(), probe.clone(), task_ids.clone());
    ToolRoute::new("ask", move |_: EchoArgs, cx| {
        let (gate, probe, task_ids) = (gate.clone(), probe.clone(), task_ids.clone());
        async move {
            task_ids
                .lock()
                .unwrap()
                .push(cx.task_id().unwrap_or("none").to_owned());
            gate.pass().await;
            let answer = cx.elicit::<NameForm>("Your name?").await;
            probe.events.add_permits(1);
            gate.pass().await;
            match answer {
                Ok(ElicitOutcome::Accepted(form)) => format!("hello {}", form.name),
                other => format!("no name: {other:?}"),
            }
        }
    })
    .with_task_support(TaskSupport::Optional)
}

#[tokio::test(start_paused = true)]
async fn a_task_waits_in_input_required_for_a_real_client() {
    let (gate, probe, task_ids) = (Gate::default(), Arc::new(Probe::default()), Arc::default());
    let engine = memory_engine();
    let server = McpServer::builder(info())
        .tool(ask_tool(&gate, &probe, &task_ids))
        .tasks(engine.clone())
        .build()
        .unwrap();
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
    let (seen_tx, mut seen_rx) = mpsc::unbounded_channel();
    let notes = Arc::new(Mutex::new(Vec::new()));
    let handler = Answering {
        seen: seen_tx,
        notes: notes.clone(),
    };
    let caps: ClientCapabilities =
        serde_json::from_value(json!({"elicitation": {"form": {}}})).unwrap();
    let client = connect(b, client_config().with_capabilities(caps), handler)
        .await
        .unwrap();
    let s = Session {
        server: running,
        client,
        notes: Arc::default(),
    };

    let id = start(&s, "ask", "").await;
    // The requestor waits on the result before the tool asks (as the spec suggests).
    let waiting = {
        let peer = s.client.peer().clone();
        let params = serde_json::value::to_raw_value(&json!({ "taskId": id })).unwrap();
        tokio::spawn(async move {
            peer.request_raw("tasks/result", Some(params), RequestOptions::default())
                .await
        })
    };
    tokio::time::timeout(std::time::Duration::from_secs(10), async {
        while engine.waiting(&id) == 0 {
            tokio::time::sleep(std::time::Duration::from_millis(2)).await;
        }
    })
    .await
    .expect("tasks/result never waited");
    gate.open();

    let seen = seen_rx.recv().await.unwrap();
    assert_eq!(seen.status_meanwhile["status"], "input_required");
    assert_eq!(
        seen.params["_meta"]["io.modelcontextprotocol/related-task"],
        json!({ "taskId": id })
    );
    assert_eq!(seen.params["message"], "Your name?");
    probe.wait_event().await; // the tool has its answer
    assert_eq!(get(&s, &id).await["status"], "working");
    gate.open();

    let answer = waiting.await.unwrap().unwrap();
    let payload = without_related_task(answer.get(), &id);
    assert_eq!(payload["content"][0]["text"], "hello Ada");
    assert_eq!(get(&s, &id).await["status"], "completed");
    assert_eq!(*task_ids.lock().unwrap(), vec![id.clone()]);

    // The elicitation went with the waiting tasks/result (its stream, over Streamable HTTP).
    let log = log.lock().unwrap().clone();
    let elicitation = log
        .iter()
        .find(|(m, _)| m["method"] == "elicitation/create")
        .unwrap();
    let result_id: RequestId = match &elicitation.1 {
        Route::Related(id) => id.clone(),
        other => panic!("the elicitation went {other:?}"),
    };
    let (answered, _) = log
        .iter()
        .find(|(_, route)| *route == Route::Response(result_id.clone()))
        .unwrap();
    assert_eq!(
        answered["result"]["_meta"]["io.modelcontextprotocol/related-task"]["taskId"],
        id.as_str()
    );
    // Status notifications: each change, in order.
    let statuses: Vec<Value> = notes
        .lock()
        .unwrap()
        .iter()
        .map(|n| n["status"].clone())
        .collect();
    assert_eq!(
        statuses,
        vec![
            json!("input_required"),
            json!("working"),
            json!("completed")
        ]
    );
    s.close().await;
}

#[tokio::test(start_paused = true)]
async fn without_a_waiting_result_task_messages_are_unrelated() {
    let (gate, probe, task_ids) = (Gate::default(), Arc::new(Probe::default()), Arc::default());
    let server = McpServer::builder(info())
        .tool(ask_tool(&gate, &probe, &task_ids))
        .tasks(memory_engine())
        .build()
        .unwrap();
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
    let (seen_tx, mut seen_rx) = mpsc::unbounded_channel();
    let handler = Answering {
        seen: seen_tx,
        notes: Arc::default(),
    };
    let caps: ClientCapabilities = serde_json::from_value(json!({"elicitation": {}})).unwrap();
    let client = connect(b, client_config().with_capabilities(caps), handler)
        .await
        .unwrap();
    let s = Session {
        server: running,
        client,
        notes: Arc::default(),
    };
    let id = start(&s, "ask", "").await;
    gate.open();
    let seen = seen_rx.recv().await.unwrap();
    assert_eq!(seen.status_meanwhile["status"], "input_required");
    probe.wait_event().await;
    gate.open();
    let payload = result(&s, &id).await.unwrap();
    assert!(payload.contains("hello Ada"));
    let log = log.lock().unwrap().clone();
    let (_, route) = log
        .iter()
        .find(|(m, _)| m["method"] == "elicitation/create")
        .unwrap();
    assert_eq!(*route, Route::Unrelated);
    s.close().await;
}

#[tokio::test(start_paused = true)]
async fn a_tasks_request_that_times_out_is_cancelled_with_the_related_task() {
    // `impatient` asks the client something it takes 5 s to answer, and gives up after 50 ms.
    let impatient = ToolRoute::new("impatient", |_: EchoArgs, cx| async move {
        let options = RequestOptions::new().timeout(std::time::Duration::from_millis(50));
        let asked = cx.peer().request_raw("client/slow", None, options).await;
        format!(
            "timed out: {}",
            matches!(asked, Err(RequestError::Timeout(_)))
        )
    })
    .with_task_support(TaskSupport::Optional);
    let server = McpServer::builder(info())
        .tool(impatient)
        .tasks(memory_engine())
        .build()
        .unwrap();
    let (b, running, log) = serve_recorded(&server);
    let client = connect(b, client_config(), TestClient::default())
        .await
        .unwrap();
    let s = Session {
        server: running,
        client,
        notes: Arc::default(),
    };
    let id = start(&s, "impatient", "").await;
    let payload = result(&s, &id).await.unwrap();
    assert!(payload.contains("timed out: true"), "{payload}");
    let asked = sent(&log, "client/slow");
    assert_eq!(asked.len(), 1);
    let cancelled = sent(&log, "notifications/cancelled");
    assert_eq!(cancelled.len(), 1, "{cancelled:?}");
    let params = &cancelled[0]["params"];
    assert_eq!(params["requestId"], asked[0]["id"]);
    assert_eq!(
        params["_meta"]["io.modelcontextprotocol/related-task"],
        json!({ "taskId": id }),
        "a notification of a task carries its related-task meta"
    );
    s.close().await;
}
