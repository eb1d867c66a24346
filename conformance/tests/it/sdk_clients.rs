//! The official TypeScript and Python SDK clients against the oxmcp fixture server over
//! Streamable HTTP: every tool, resource and prompt, and a stream cut mid-call that the SDK
//! resumes with `Last-Event-ID`.

use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typescript_sdk_client_against_the_oxmcp_http_server() {
    let server = fixture().await;
    let url = server.url();
    run_checks(
        node(),
        "conformance/interop/ts/http-client.mjs",
        &[&url],
        14,
    )
    .await;
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_sdk_client_against_the_oxmcp_http_server() {
    let server = fixture().await;
    let url = server.url();
    run_checks(
        python(),
        "conformance/interop/python/http_client.py",
        &[&url],
        11,
    )
    .await;
    server.shutdown().await;
}
