//! The 100 tasks: which tool each runs, with which ttl, and the state it is in at the kill.

use oxmcp::tasks::McpClientTasksExt as _;
use oxmcp::tasks::TaskRequests as _;
use std::collections::BTreeMap;

use oxmcp::McpClient;
use oxmcp::types::tasks::TaskStatus;
use oxmcp::types::{CallToolRequestParams, Task, TaskMetadata, Tool};
use serde_json::{Value, json};

use super::support::{GUARD, task_result_raw};

/// How long the interrupted `long_running` tasks work (long enough to be running when the
/// server is killed; they run again from the start after the restart).
pub(super) const WORKING_SECONDS: u64 = 10;
/// The ttl of the task that must expire after the restart.
pub(super) const SHORT_TTL_MS: u64 = 15_000;
/// The longest ttl the everything server gives (its `max_ttl`, one day).
pub(super) const MAX_TTL_MS: u64 = 86_400_000;

/// The ttls requested, in turn (`None`: the server's default; the last one is above the
/// server's maximum and is cut to it).
const TTLS: [Option<u64>; 5] = [
    None,
    Some(120_000),
    Some(600_000),
    Some(7_200_000),
    Some(2 * MAX_TTL_MS),
];

/// What a task is meant to be when the server is killed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Completed,
    Failed,
    Cancelled,
    Working,
    InputRequired,
    ShortTtl,
}

impl Kind {
    /// The status a task of this kind has at the kill.
    pub(super) fn status_at_kill(self) -> TaskStatus {
        match self {
            Self::Completed | Self::ShortTtl => TaskStatus::Completed,
            Self::Failed => TaskStatus::Failed,
            Self::Cancelled => TaskStatus::Cancelled,
            Self::Working => TaskStatus::Working,
            Self::InputRequired => TaskStatus::InputRequired,
        }
    }

    /// Whether it was terminal at the kill (and must come back untouched).
    pub(super) fn terminal(self) -> bool {
        self.status_at_kill().is_terminal()
    }
}

/// The mix: 100 tasks, the working ones last (so that they still run at the kill) and the
/// short-ttl one at the very end.
fn mix() -> Vec<Kind> {
    let mut kinds = Vec::new();
    for (kind, n) in [
        (Kind::Completed, 40),
        (Kind::Failed, 20),
        (Kind::Cancelled, 15),
        (Kind::InputRequired, 9),
        (Kind::Working, 15),
        (Kind::ShortTtl, 1),
    ] {
        kinds.extend(std::iter::repeat_n(kind, n));
    }
    kinds
}

/// The task `kind` number `i` of the mix: which tool, arguments and requested ttl.
fn plan(kind: Kind, i: usize) -> (&'static str, Value, Option<u64>) {
    let ttl = TTLS[i % TTLS.len()];
    match kind {
        Kind::Completed => ("long_running", json!({ "seconds": 0 }), ttl),
        Kind::Failed => (
            "failing_task",
            json!({ "reason": format!("failure {i}") }),
            ttl,
        ),
        Kind::Cancelled => ("long_running", json!({ "seconds": 3600 }), ttl),
        Kind::Working => ("long_running", json!({ "seconds": WORKING_SECONDS }), ttl),
        Kind::InputRequired => (
            "confirm_task",
            json!({ "action": format!("step {i}") }),
            ttl,
        ),
        Kind::ShortTtl => ("long_running", json!({ "seconds": 0 }), Some(SHORT_TTL_MS)),
    }
}

/// Creates one task of `kind` and brings it to the state it should have at the kill.
async fn create(
    client: &McpClient,
    tools: &BTreeMap<String, Tool>,
    kind: Kind,
    i: usize,
) -> String {
    let (name, arguments, ttl) = plan(kind, i);
    let mut params =
        CallToolRequestParams::new(name).with_arguments(serde_json::from_value(arguments).unwrap());
    if let Some(ttl) = ttl {
        params = params.with_task(TaskMetadata::with_ttl(ttl));
    }
    let task = client
        .call_tool_as_task(&tools[name], params)
        .await
        .expect("task created");
    match kind {
        Kind::Working => {}
        Kind::Cancelled => {
            let cancelled = task.cancel().await.expect("tasks/cancel");
            assert_eq!(cancelled.status, TaskStatus::Cancelled);
        }
        _ => {
            let reached = tokio::time::timeout(GUARD, task.wait())
                .await
                .expect("the task settles")
                .expect("tasks/get");
            assert_eq!(
                reached.status,
                kind.status_at_kill(),
                "{kind:?} {i}: {reached:?}"
            );
        }
    }
    task.task_id().to_owned()
}

/// Creates the 100 tasks of the mix, in order; their kinds and ids.
pub(super) async fn create_mix(client: &McpClient) -> Vec<(Kind, String)> {
    let tools: BTreeMap<String, Tool> = client
        .peer()
        .list_tools()
        .collect_all()
        .await
        .unwrap()
        .into_iter()
        .map(|t| (t.name.clone(), t))
        .collect();
    let mut created = Vec::new();
    for (i, kind) in mix().into_iter().enumerate() {
        created.push((kind, create(client, &tools, kind, i).await));
    }
    assert_eq!(created.len(), 100);
    created
}

/// What the protocol said about one task before the kill.
pub(super) struct Recorded {
    pub(super) kind: Kind,
    pub(super) task: Task,
    /// `tasks/result` as received, for the terminal tasks that have one.
    pub(super) result: Option<String>,
}

/// `tasks/list` (all pages), `tasks/get` of each task, `tasks/result` of the terminal ones.
pub(super) async fn record(
    client: &McpClient,
    created: &[(Kind, String)],
) -> BTreeMap<String, Recorded> {
    let listed = client.peer().list_tasks().collect_all().await.unwrap();
    assert_eq!(listed.len(), created.len(), "tasks/list shows every task");
    let mut recorded = BTreeMap::new();
    for (kind, id) in created {
        let task = client.peer().get_task(id.clone()).await.unwrap();
        let listed_task = listed.iter().find(|t| t.task_id == *id).expect("listed");
        assert_eq!(listed_task.status, task.status);
        let result = match task.status {
            TaskStatus::Completed | TaskStatus::Failed => {
                Some(task_result_raw(client, id).await.expect("tasks/result"))
            }
            _ => None,
        };
        let kind = *kind;
        recorded.insert(id.clone(), Recorded { kind, task, result });
    }
    recorded
}
