//! The checks before the kill and after the restart, through the database and the protocol.

use oxmcp::tasks::McpClientTasksExt as _;
use oxmcp::tasks::TaskRequests as _;
use std::collections::BTreeMap;

use oxmcp::McpClient;
use oxmcp::sqlite::SqliteTaskStore;
use oxmcp::tasks::{StoreError, TaskOutcome, TaskOwner, TaskRecord, TaskStore};
use oxmcp::types::tasks::TaskStatus;
use oxmcp::types::{CallToolResult, ErrorCode};

use super::mix::{Kind, MAX_TTL_MS, Recorded, SHORT_TTL_MS, WORKING_SECONDS};
use super::support::{
    GUARD, check_result_matches, now_ms, outcome_text, snapshot, task_result_raw, until_record,
};

/// The statusMessage of a task the restart failed.
pub(super) const INTERRUPTED: &str = "interrupted: the server stopped while the task was running";

/// The stdio server's one task owner.
const STDIO_OWNER: &str = "fixed:everything-server-stdio";

/// What was known just before the kill.
pub(super) struct BeforeKill {
    pub(super) created: Vec<(Kind, String)>,
    pub(super) recorded: BTreeMap<String, Recorded>,
    pub(super) owner: TaskOwner,
    pub(super) records: BTreeMap<String, TaskRecord>,
    /// The record of the short-ttl task.
    pub(super) short: TaskRecord,
}

impl BeforeKill {
    fn short_id(&self) -> &str {
        &self.short.task.task_id
    }
}

/// Reads the database while the server runs and checks it against what the protocol said.
pub(super) async fn check_before_kill(
    store: &SqliteTaskStore,
    created: Vec<(Kind, String)>,
    recorded: BTreeMap<String, Recorded>,
) -> BeforeKill {
    let unfinished = store.unfinished(now_ms()).await.unwrap();
    let owner = unfinished.first().expect("unfinished tasks").owner.clone();
    assert_eq!(owner.as_str(), STDIO_OWNER, "the stdio server's one owner");
    let records = snapshot(store, &owner).await;
    assert_eq!(records.len(), 100, "every task is in the database");
    for (id, rec) in &recorded {
        let stored = &records[id];
        let expected = rec.kind.status_at_kill();
        assert_eq!(
            stored.task.status, expected,
            "{:?} {id} before the kill (a working task must still run: the machine is too slow?)",
            rec.kind
        );
        assert_eq!(rec.task.status, expected);
        assert_eq!(rec.task.created_at, stored.task.created_at);
        assert_eq!(rec.task.ttl, stored.task.ttl);
        if let Some(result) = &rec.result {
            check_result_matches(id, result, outcome_text(stored).expect("stored result"));
        }
    }
    let short_id = &created
        .iter()
        .find(|(k, _)| *k == Kind::ShortTtl)
        .unwrap()
        .1;
    let short = records[short_id].clone();
    assert_eq!(short.task.ttl, Some(SHORT_TTL_MS));
    BeforeKill {
        created,
        recorded,
        owner,
        records,
        short,
    }
}

/// After the restart, in the database: every task with its owner, times, ttl and params;
/// terminal ones untouched (results byte for byte); interrupted ones failed; resumed ones
/// running or done.
pub(super) async fn check_database_after(store: &SqliteTaskStore, before: &BeforeKill) {
    // The short-ttl task may be purged soon: read it as of its creation, first.
    let kept = store
        .get(&before.owner, before.short_id(), before.short.created_at_ms)
        .await
        .expect("the short-ttl task survived the restart");
    assert_eq!(kept, before.short);
    let after = snapshot(store, &before.owner).await;
    for (id, old) in &before.records {
        let kind = before.recorded[id].kind;
        let new = after
            .get(id)
            .or_else(|| (id == before.short_id()).then_some(&kept))
            .unwrap_or_else(|| panic!("{kind:?} {id} lost"));
        assert_eq!(new.owner, old.owner);
        assert_eq!(new.created_at_ms, old.created_at_ms);
        assert_eq!(new.task.created_at, old.task.created_at);
        assert_eq!(new.task.ttl, old.task.ttl);
        assert_eq!(new.expires_at_ms, old.expires_at_ms);
        let params = |r: &TaskRecord| r.params.as_ref().map(|p| p.get().to_owned());
        assert_eq!(params(new), params(old));
        match kind {
            k if k.terminal() => assert_eq!(new, old, "{kind:?} {id} changed"),
            Kind::InputRequired => check_interrupted(id, new),
            _ => assert!(
                matches!(new.task.status, TaskStatus::Working | TaskStatus::Completed),
                "resumed {id}: {:?}",
                new.task.status
            ),
        }
    }
    let ttls: Vec<Option<u64>> = after.values().map(|r| r.task.ttl).collect();
    assert!(ttls.contains(&Some(MAX_TTL_MS)), "a ttl cut to the maximum");
    assert!(ttls.contains(&Some(3_600_000)), "the default ttl");
}

fn check_interrupted(id: &str, record: &TaskRecord) {
    assert_eq!(record.task.status, TaskStatus::Failed, "{id}");
    assert_eq!(record.task.status_message.as_deref(), Some(INTERRUPTED));
    match &record.outcome {
        Some(TaskOutcome::Error(e)) => {
            assert_eq!(e.code, ErrorCode::INTERNAL_ERROR);
            assert_eq!(e.message, INTERRUPTED);
        }
        other => panic!("interrupted {id}: outcome {other:?}"),
    }
}

/// After the restart, through the protocol (the stdio server gives its tasks one fixed
/// owner, so the new session serves the tasks of the killed process): every task listed,
/// `tasks/get` as before, `tasks/result` byte-identical, the interrupted ones' error.
pub(super) async fn check_protocol_after(client: &McpClient, before: &BeforeKill) {
    let peer = client.peer();
    let listed = peer.list_tasks().collect_all().await.unwrap();
    for (kind, id) in &before.created {
        let found = listed.iter().any(|t| t.task_id == *id);
        assert!(found, "{kind:?} {id} not listed after the restart");
    }
    for (id, rec) in &before.recorded {
        let task = peer.get_task(id.clone()).await.unwrap();
        assert_eq!(task.created_at, rec.task.created_at, "{id}");
        assert_eq!(task.ttl, rec.task.ttl, "{id}");
        match rec.kind {
            k if k.terminal() => assert_eq!(task, rec.task, "{k:?} {id} changed"),
            Kind::InputRequired => {
                assert_eq!(task.status, TaskStatus::Failed, "{id}");
                assert_eq!(task.status_message.as_deref(), Some(INTERRUPTED));
                let error = task_result_raw(client, id).await.unwrap_err();
                let error = error.as_remote().cloned().expect("a JSON-RPC error");
                assert_eq!(error.code, ErrorCode::INTERNAL_ERROR);
                assert_eq!(error.message, INTERRUPTED);
            }
            _ => assert!(
                matches!(task.status, TaskStatus::Working | TaskStatus::Completed),
                "resumed {id}: {:?}",
                task.status
            ),
        }
        if let Some(before_kill) = &rec.result {
            let after_restart = task_result_raw(client, id).await.unwrap();
            assert_eq!(
                &after_restart, before_kill,
                "tasks/result of {id} is byte-identical across the kill"
            );
        }
    }
}

/// The resumed tasks complete (their work ran again from the stored arguments): awaits
/// `tasks/result` of each, then checks that nothing is left unfinished.
pub(super) async fn await_resumed(
    client: &McpClient,
    store: &SqliteTaskStore,
    before: &BeforeKill,
) {
    let expected = format!(
        "worked for {WORKING_SECONDS}.0 s in {} steps",
        WORKING_SECONDS * 4
    );
    let mut waits = tokio::task::JoinSet::new();
    for (kind, id) in &before.created {
        if *kind == Kind::Working {
            let task = client.task::<CallToolResult>(id.clone());
            waits.spawn(async move { (task.task_id().to_owned(), task.result().await) });
        }
    }
    let resumed = tokio::time::timeout(GUARD, waits.join_all())
        .await
        .expect("the resumed tasks complete");
    assert_eq!(resumed.len(), 15);
    for (id, result) in resumed {
        let result = result.unwrap_or_else(|e| panic!("resumed {id}: {e}"));
        assert_eq!(result.content[0].as_text(), Some(expected.as_str()));
        let done = store.get(&before.owner, &id, now_ms()).await.unwrap();
        assert_eq!(done.task.status, TaskStatus::Completed, "resumed {id}");
    }
    let left = store.unfinished(now_ms()).await.unwrap();
    assert!(left.is_empty(), "unfinished after recovery: {}", left.len());
}

/// The short-ttl task expires after the restart, the restarted server purges it, and the
/// protocol no longer knows it.
pub(super) async fn check_expiry(client: &McpClient, store: &SqliteTaskStore, before: &BeforeKill) {
    let (owner, id) = (&before.owner, before.short_id());
    let gone = |got: Result<&TaskRecord, &StoreError>| matches!(got, Err(StoreError::NotFound));
    until_record(store, owner, id, now_ms, gone).await;
    assert!(
        now_ms() >= before.short.expires_at_ms.unwrap(),
        "gone only once expired"
    );
    // Read as of its creation, only a purge makes it unknown.
    let created = before.short.created_at_ms;
    until_record(store, owner, id, || created, gone).await;
    let error = client.peer().get_task(id.to_owned()).await.unwrap_err();
    assert_eq!(
        error.as_remote().map(|e| e.code),
        Some(ErrorCode::INVALID_PARAMS),
        "an expired task is unknown: {error}"
    );
}
