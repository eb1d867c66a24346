//! The shared store contract, one test per property, each on its own Redis with a fresh
//! prefix per store.

use oxmcp_tasks::store_contract as c;

use crate::server::RedisServer;
use crate::support::{fresh_options, task_store};

macro_rules! contract_tests {
    ($($name:ident),* $(,)?) => {$(
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $name() {
            let server = RedisServer::start().await;
            c::$name(&|| {
                let options = fresh_options(&server);
                async move { task_store(&options).await }
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

/// The whole contract on one server, each store under its own prefix: stores of
/// different prefixes do not see each other.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_all_on_one_server() {
    let server = RedisServer::start().await;
    c::run_all(&|| {
        let options = fresh_options(&server);
        async move { task_store(&options).await }
    })
    .await;
}
