//! The shared store contract: one test per property, each on fresh database files with the
//! default options (`synchronous=FULL`, group commit), and the whole suite once more with
//! `synchronous=NORMAL`, a queue of one and no group commit.

use oxmcp_store_sqlite::{SqliteOptions, SqliteTaskStore, Synchronous};
use oxmcp_tasks::store_contract as c;

use crate::support::TempDir;

macro_rules! contract_tests {
    ($($name:ident),* $(,)?) => {$(
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $name() {
            let dir = TempDir::new();
            c::$name(&|| {
                let path = dir.db();
                async move { SqliteTaskStore::open(path).await.expect("open") }
            })
            .await;
        }
    )*};
}

contract_tests!(
    create_get_round_trip,
    summary_leaves_out_params_and_outcome,
    owner_isolation,
    transitions,
    terminal_stays_terminal,
    outcome_only_when_finished,
    limit_per_owner,
    concurrent_creates_respect_limit,
    limit_of_all_tasks_per_owner,
    time_never_goes_back,
    duplicate_ids,
    paging,
    paging_with_concurrent_creates,
    expiry,
    purge_expired,
    unfinished,
    concurrent_cancel,
);

/// Callers wait for room in a full queue instead of failing or growing it; every operation
/// commits on its own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_all_normal_with_a_queue_of_one_and_no_batching() {
    let dir = TempDir::new();
    let options = SqliteOptions::new()
        .synchronous(Synchronous::Normal)
        .queue_capacity(0)
        .max_batch(0);
    c::run_all(&|| {
        let (path, options) = (dir.db(), options.clone());
        async move {
            SqliteTaskStore::open_with(path, options)
                .await
                .expect("open")
        }
    })
    .await;
}
