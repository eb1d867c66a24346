//! The server as task requestor: task-augmented sampling and elicitation sent to a
//! test-double client receiver, followed with the same handle API (`tasks/*` sent to the
//! client), and the local refusals.

use oxmcp_tasks::ServerTaskRequests as _;
use oxmcp_tasks::TaskRequests as _;
use std::time::Duration;

use oxmcp_core::RequestError;
use oxmcp_core::server::client_requests::ClientRequestError;
use oxmcp_tasks::PollPolicy;
use oxmcp_types::elicitation::{
    ElicitAction, ElicitRequestFormParams, ElicitationSchema, StringSchema,
};
use oxmcp_types::sampling::{CreateMessageRequestParams, SamplingMessage};
use oxmcp_types::{ElicitRequestParams, ErrorCode, ProtocolVersion, TaskMetadata, TaskStatus};
use serde_json::json;

use crate::client_tasks_support::{TaskBoard, task_client_capabilities, task_client_with};

const GUARD: Duration = Duration::from_secs(20);

fn fast_polls() -> PollPolicy {
    PollPolicy::new()
        .with_min_interval(Duration::from_millis(5))
        .with_default_interval(Duration::from_millis(20))
}

fn sampling() -> CreateMessageRequestParams {
    CreateMessageRequestParams::new(vec![SamplingMessage::user_text("Summarize.")], 100)
}

fn name_form() -> ElicitRequestParams {
    let schema = ElicitationSchema::new().with_field("name", StringSchema::new(), true);
    ElicitRequestFormParams::new("Your name?", schema).into()
}

#[tokio::test(start_paused = true)]
async fn a_sampling_task_is_followed_to_its_result() {
    let board = TaskBoard::new(true, Some(10));
    let (double, server, _client, feed) =
        task_client_with(board, task_client_capabilities(), ProtocolVersion::LATEST).await;
    let params = sampling().with_task(TaskMetadata::with_ttl(30_000));
    let task = server
        .peer()
        .create_message_as_task(params)
        .await
        .unwrap()
        .with_status_feed(feed)
        .with_poll_policy(fast_polls());
    assert_eq!(double.board.created()[0]["task"], json!({"ttl": 30_000}));
    assert_eq!(double.board.created()[0]["maxTokens"], 100);
    let mut stream = task.status_stream();
    let first = tokio::time::timeout(GUARD, stream.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(first.status, TaskStatus::Working);
    let answer =
        json!({"role": "assistant", "content": {"type": "text", "text": "Short."}, "model": "m"});
    double
        .board
        .finish(task.task_id(), TaskStatus::Completed, Ok(answer))
        .await;
    let last = tokio::time::timeout(GUARD, stream.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(last.status, TaskStatus::Completed);
    let result = task.result().await.unwrap();
    assert_eq!(result.model, "m");
}

#[tokio::test(start_paused = true)]
async fn an_elicitation_task_checks_the_answer_against_the_form() {
    let board = TaskBoard::new(false, Some(10));
    let (double, server, _client, _feed) =
        task_client_with(board, task_client_capabilities(), ProtocolVersion::LATEST).await;
    let bad = server.peer().elicit_as_task(name_form()).await.unwrap();
    assert_eq!(double.board.created()[0]["task"], json!({}));
    assert_eq!(double.board.created()[0]["mode"], "form");
    let no_name = json!({"action": "accept", "content": {}});
    double
        .board
        .finish(bad.task_id(), TaskStatus::Completed, Ok(no_name))
        .await;
    match bad.with_poll_policy(fast_polls()).wait_for_result().await {
        Err(ClientRequestError::InvalidAnswer(_)) => {}
        other => panic!("expected the answer to be refused, got {other:?}"),
    }
    let good = server.peer().elicit_as_task(name_form()).await.unwrap();
    let named = json!({"action": "accept", "content": {"name": "Ada"}});
    double
        .board
        .finish(good.task_id(), TaskStatus::Completed, Ok(named))
        .await;
    let answer = good.result().await.unwrap();
    assert_eq!(answer.action, ElicitAction::Accept);
    assert_eq!(
        serde_json::to_value(answer.content).unwrap(),
        json!({"name": "Ada"})
    );
}

#[tokio::test(start_paused = true)]
async fn the_server_lists_and_cancels_the_clients_tasks() {
    let board = TaskBoard::new(true, Some(10));
    let (_double, server, _client, feed) =
        task_client_with(board, task_client_capabilities(), ProtocolVersion::LATEST).await;
    let mut tasks = Vec::new();
    for _ in 0..3 {
        tasks.push(
            server
                .peer()
                .create_message_as_task(sampling())
                .await
                .unwrap(),
        );
    }
    let listed = server.peer().list_tasks().collect_all().await.unwrap();
    let ids: Vec<&str> = listed.iter().map(|t| t.task_id.as_str()).collect();
    assert_eq!(ids, ["task-1", "task-2", "task-3"]);
    let mut announced = feed.subscribe();
    let cancelled = tasks[1].cancel().await.unwrap();
    assert_eq!(cancelled.status, TaskStatus::Cancelled);
    let heard = tokio::time::timeout(GUARD, announced.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (heard.task_id.as_str(), heard.status),
        ("task-2", TaskStatus::Cancelled)
    );
    let again = tasks[1].cancel().await.unwrap_err();
    assert_eq!(again.as_remote().unwrap().code, ErrorCode::INVALID_PARAMS);
    let unknown = server.peer().get_task("task-404").await.unwrap_err();
    assert_eq!(unknown.as_remote().unwrap().code, ErrorCode::INVALID_PARAMS);
}

#[tokio::test(start_paused = true)]
async fn task_requests_are_refused_locally_without_the_clients_capabilities() {
    // Sampling and elicitation, but no tasks at all.
    let caps = json!({"sampling": {}, "elicitation": {}});
    let (double, server, _c, _f) =
        task_client_with(TaskBoard::new(false, None), caps, ProtocolVersion::LATEST).await;
    let missing = |e: ClientRequestError| match e {
        ClientRequestError::CapabilityMissing { capability } => capability,
        other => panic!("{other:?}"),
    };
    let e = server
        .peer()
        .create_message_as_task(sampling())
        .await
        .unwrap_err();
    assert_eq!(missing(e), "tasks.requests.sampling.createMessage");
    let e = server.peer().elicit_as_task(name_form()).await.unwrap_err();
    assert_eq!(missing(e), "tasks.requests.elicitation.create");
    assert!(double.board.created().is_empty());

    // Tasks for sampling only, and no elicitation.
    let caps = json!({"sampling": {}, "tasks": {"requests": {"sampling": {"createMessage": {}}}}});
    let (_d, server, _c, _f) =
        task_client_with(TaskBoard::new(false, None), caps, ProtocolVersion::LATEST).await;
    let e = server.peer().elicit_as_task(name_form()).await.unwrap_err();
    assert_eq!(missing(e), "elicitation");
    match server.peer().list_tasks().collect_all().await {
        Err(oxmcp_core::client::PaginationError::Request(
            RequestError::CapabilityNotNegotiated { capability, .. },
        )) => assert_eq!(capability, "tasks.list"),
        other => panic!("{other:?}"),
    }

    // An old session.
    let (_d, server, _c, _f) = task_client_with(
        TaskBoard::new(false, None),
        task_client_capabilities(),
        ProtocolVersion::V2025_06_18,
    )
    .await;
    match server.peer().create_message_as_task(sampling()).await {
        Err(ClientRequestError::VersionTooOld { negotiated, .. }) => {
            assert_eq!(negotiated, ProtocolVersion::V2025_06_18);
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test(start_paused = true)]
async fn the_waiting_helpers_still_refuse_task_params() {
    let (double, server, _c, _f) = task_client_with(
        TaskBoard::new(false, None),
        task_client_capabilities(),
        ProtocolVersion::LATEST,
    )
    .await;
    let params = sampling().with_task(TaskMetadata::default());
    match server.peer().create_message(params).await {
        Err(ClientRequestError::TaskAugmented) => {}
        other => panic!("{other:?}"),
    }
    assert!(double.board.created().is_empty());
}
