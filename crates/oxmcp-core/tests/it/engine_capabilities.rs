//! Capabilities are enforced both ways.

use oxmcp_core::transport::memory;
use oxmcp_core::{NotifyError, RequestError, ServerConfig, serve_server};
use oxmcp_types::methods::SetLevelRequest;
use oxmcp_types::{LoggingLevel, SetLevelRequestParams};
use serde_json::json;

use crate::support::*;

#[tokio::test(start_paused = true)]
async fn the_client_never_sends_what_the_server_did_not_declare() {
    let bare = ServerConfig::new(server_info());
    let (_h, _server, client) = pair_with(bare, client_config()).await;
    let err = client
        .peer()
        .request_raw("tools/list", None, Default::default())
        .await
        .unwrap_err();
    assert!(
        matches!(
            &err,
            RequestError::CapabilityNotNegotiated {
                capability: "tools",
                ..
            }
        ),
        "{err}"
    );
    let err = client
        .peer()
        .request::<SetLevelRequest>(&SetLevelRequestParams::new(LoggingLevel::Info))
        .await
        .unwrap_err();
    assert!(matches!(
        &err,
        RequestError::CapabilityNotNegotiated {
            capability: "logging",
            ..
        }
    ));
    let err = client
        .peer()
        .request_raw("roots/list", None, Default::default())
        .await
        .unwrap_err();
    assert!(matches!(&err, RequestError::WrongDirection { .. }), "{err}");
    // Custom methods are not gated.
    let answer = client
        .peer()
        .request_raw("echo", None, Default::default())
        .await
        .unwrap();
    assert_eq!(answer.get(), "{}");
}

#[tokio::test(start_paused = true)]
async fn the_server_answers_undeclared_methods_with_method_not_found() {
    let (a, b) = memory::duplex(8);
    let _server = serve_server(a, ServerConfig::new(server_info()), TestServer::default());
    let mut raw = RawPeer::new(b);
    raw.initialize("2025-11-25").await;
    for (id, method) in [
        (1, "tools/list"),
        (2, "resources/read"),
        (3, "logging/setLevel"),
        (4, "tasks/list"),
        (5, "sampling/createMessage"),
    ] {
        raw.send(json!({"jsonrpc":"2.0","id":id,"method":method,"params":{}}))
            .await;
        let answer = raw.recv().await;
        assert_eq!(answer["id"], id);
        assert_eq!(answer["error"]["code"], -32601, "{method}: {answer}");
    }
}

#[tokio::test(start_paused = true)]
async fn the_server_never_sends_what_the_client_did_not_declare() {
    let (_h, server, client) = pair().await;
    let err = server
        .peer()
        .request_raw("sampling/createMessage", None, Default::default())
        .await
        .unwrap_err();
    assert!(
        matches!(
            &err,
            RequestError::CapabilityNotNegotiated {
                capability: "sampling",
                ..
            }
        ),
        "{err}"
    );
    let err = server
        .peer()
        .request_raw("roots/list", None, Default::default())
        .await
        .unwrap_err();
    assert!(matches!(
        &err,
        RequestError::CapabilityNotNegotiated {
            capability: "roots",
            ..
        }
    ));
    let err = server
        .peer()
        .request_raw("tools/call", None, Default::default())
        .await
        .unwrap_err();
    assert!(matches!(&err, RequestError::WrongDirection { .. }));
    // Notifications gated by the server's own capabilities.
    let err = server
        .peer()
        .notify_raw("notifications/resources/list_changed", None)
        .await
        .unwrap_err();
    assert!(
        matches!(
            &err,
            NotifyError::CapabilityNotNegotiated {
                capability: "resources.listChanged",
                ..
            }
        ),
        "{err}"
    );
    server
        .peer()
        .notify_raw("notifications/tools/list_changed", None)
        .await
        .unwrap();
    let err = server
        .peer()
        .notify_raw("notifications/elicitation/complete", None)
        .await
        .unwrap_err();
    assert!(matches!(
        &err,
        NotifyError::CapabilityNotNegotiated {
            capability: "elicitation.url",
            ..
        }
    ));
    // The client side, the same.
    let err = client
        .peer()
        .notify_raw("notifications/roots/list_changed", None)
        .await
        .unwrap_err();
    assert!(matches!(
        &err,
        NotifyError::CapabilityNotNegotiated {
            capability: "roots.listChanged",
            ..
        }
    ));
    let err = client
        .peer()
        .notify_raw("notifications/message", None)
        .await
        .unwrap_err();
    assert!(matches!(&err, NotifyError::WrongDirection { .. }));
}

#[tokio::test(start_paused = true)]
async fn the_client_answers_undeclared_methods_with_method_not_found() {
    let (a, b) = memory::duplex(8);
    let client = tokio::spawn(async move { connect_plain(b).await });
    let mut raw_server = RawPeer::new(a);
    let init = raw_server.recv().await;
    raw_server
        .send(json!({"jsonrpc":"2.0","id":init["id"],"result":{"protocolVersion":"2025-11-25","capabilities":{},"serverInfo":{"name":"s","version":"1"}}}))
        .await;
    raw_server.recv().await;
    let _client = client.await.unwrap();
    raw_server
        .send(json!({"jsonrpc":"2.0","id":"s1","method":"roots/list"}))
        .await;
    let answer = raw_server.recv().await;
    assert_eq!(answer["id"], "s1");
    assert_eq!(answer["error"]["code"], -32601);
    raw_server
        .send(json!({"jsonrpc":"2.0","id":"s2","method":"ping"}))
        .await;
    assert_eq!(
        raw_server.recv().await,
        json!({"jsonrpc":"2.0","id":"s2","result":{}})
    );
}
