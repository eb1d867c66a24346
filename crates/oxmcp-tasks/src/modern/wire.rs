//! The extension's `Task` from a 2025-11-25 task record: `ttlMs` and `pollIntervalMs` where
//! the 2025-11-25 task has `ttl` and `pollInterval`.

use oxmcp_types::ext_tasks;
use oxmcp_types::tasks;

/// `task` as the extension shows it.
pub(crate) fn modern_task(task: &tasks::Task) -> ext_tasks::Task {
    let mut modern =
        ext_tasks::Task::new(&task.task_id, task.status, &task.created_at).with_ttl_ms(task.ttl);
    modern.last_updated_at.clone_from(&task.last_updated_at);
    modern.status_message.clone_from(&task.status_message);
    modern.poll_interval_ms = task.poll_interval;
    modern
}
