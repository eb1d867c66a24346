//! initialize / initialized, version negotiation, pre-initialization rules.

use oxmcp_core::transport::memory;
use oxmcp_core::{InitializeError, NoHandler, SessionEnd, connect, serve_server};
use oxmcp_types::ProtocolVersion;
use serde_json::json;

use crate::support::*;

#[tokio::test(start_paused = true)]
async fn handshake_exchanges_info_capabilities_and_instructions() {
    let (_h, server, client) = pair().await;
    let session = client.session();
    assert_eq!(session.protocol_version, ProtocolVersion::LATEST);
    assert_eq!(session.peer_info, server_info());
    assert_eq!(session.instructions.as_deref(), Some("Use echo."));
    assert!(session.peer_capabilities.tools.is_some());
    let result = client.initialize_result();
    assert_eq!(
        result.server_info.website_url.as_deref(),
        Some("https://example.com")
    );
    // The server learned who the client is.
    let server_side = server.session().expect("initialized");
    assert_eq!(server_side.peer_info.name, "test-client");
    assert_eq!(client.close().await, SessionEnd::Closed);
    assert_eq!(server.wait().await, SessionEnd::PeerClosed);
}

#[tokio::test(start_paused = true)]
async fn server_echoes_every_supported_version() {
    for version in ProtocolVersion::ALL {
        let (a, b) = memory::duplex(8);
        let _server = serve_server(a, full_server_config(), TestServer::default());
        let client = connect(b, client_config().with_protocol_version(version), NoHandler)
            .await
            .unwrap();
        assert_eq!(client.session().protocol_version, version);
        client.close().await;
    }
}

#[tokio::test(start_paused = true)]
async fn server_answers_an_unknown_version_with_its_latest() {
    let (a, b) = memory::duplex(8);
    let _server = serve_server(a, full_server_config(), TestServer::default());
    let mut raw = RawPeer::new(b);
    let answer = raw.initialize("2099-01-01").await;
    assert_eq!(answer["id"], "init");
    assert_eq!(
        answer["result"]["protocolVersion"],
        ProtocolVersion::LATEST.as_str()
    );
    assert_eq!(answer["result"]["instructions"], "Use echo.");
    assert_eq!(answer["result"]["serverInfo"]["title"], "Test Server");
}

#[tokio::test(start_paused = true)]
async fn client_refuses_a_version_it_does_not_support() {
    let (a, b) = memory::duplex(8);
    let fake_server = tokio::spawn(async move {
        let mut raw = RawPeer::new(a);
        let init = raw.recv().await;
        raw.send(json!({"jsonrpc":"2.0","id":init["id"],"result":{
            "protocolVersion":"1999-01-01","capabilities":{},"serverInfo":{"name":"old","version":"0"}}}))
            .await;
        // The client gives up and closes: end of stream.
        tokio::time::timeout(std::time::Duration::from_secs(5), async {
            while let Ok(Some(_)) =
                oxmcp_core::transport::TransportReader::read(&mut raw.reader).await
            {}
        })
        .await
        .unwrap();
    });
    let err = connect(b, client_config(), NoHandler).await.unwrap_err();
    assert!(matches!(err, InitializeError::UnsupportedVersion(v) if v == "1999-01-01"));
    fake_server.await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn client_sends_initialize_first_and_initialized_after() {
    let (a, b) = memory::duplex(8);
    let client = tokio::spawn(async move { connect(b, client_config(), NoHandler).await });
    let mut raw = RawPeer::new(a);
    let init = raw.recv().await;
    assert_eq!(init["method"], "initialize");
    assert_eq!(init["params"]["protocolVersion"], "2025-11-25");
    assert_eq!(init["params"]["clientInfo"]["name"], "test-client");
    raw.send(json!({"jsonrpc":"2.0","id":init["id"],"result":{
        "protocolVersion":"2025-06-18","capabilities":{},"serverInfo":{"name":"s","version":"1"}}}))
        .await;
    let initialized = raw.recv().await;
    assert_eq!(initialized["method"], "notifications/initialized");
    assert!(initialized.get("id").is_none());
    let client = client.await.unwrap().unwrap();
    assert_eq!(
        client.session().protocol_version,
        ProtocolVersion::V2025_06_18
    );
}

#[tokio::test(start_paused = true)]
async fn requests_before_initialize_are_refused_but_ping_is_answered() {
    let (a, b) = memory::duplex(8);
    let _server = serve_server(a, full_server_config(), TestServer::default());
    let mut raw = RawPeer::new(b);
    raw.send(json!({"jsonrpc":"2.0","id":1,"method":"tools/list"}))
        .await;
    let answer = raw.recv().await;
    assert_eq!(answer["id"], 1);
    assert_eq!(answer["error"]["code"], -32600);
    assert!(
        answer["error"]["message"]
            .as_str()
            .unwrap()
            .contains("before the session was initialized")
    );
    raw.send(json!({"jsonrpc":"2.0","id":2,"method":"ping"}))
        .await;
    assert_eq!(
        raw.recv().await,
        json!({"jsonrpc":"2.0","id":2,"result":{}})
    );
    // Notifications before initialize are ignored, not answered.
    raw.send(json!({"jsonrpc":"2.0","method":"notifications/roots/list_changed"}))
        .await;
    raw.expect_silence(100).await;
    raw.initialize("2025-11-25").await;
    raw.send(json!({"jsonrpc":"2.0","id":3,"method":"tools/list"}))
        .await;
    assert_eq!(raw.recv().await["result"], json!({"tools": []}));
}

#[tokio::test(start_paused = true)]
async fn a_second_initialize_is_refused() {
    let (a, b) = memory::duplex(8);
    let _server = serve_server(a, full_server_config(), TestServer::default());
    let mut raw = RawPeer::new(b);
    raw.initialize("2025-11-25").await;
    raw.send(json!({"jsonrpc":"2.0","id":9,"method":"initialize","params":{
        "protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"raw","version":"0"}}}))
        .await;
    let answer = raw.recv().await;
    assert_eq!(answer["error"]["code"], -32600);
    assert_eq!(
        answer["error"]["message"],
        "the session is already initialized"
    );
}

#[tokio::test(start_paused = true)]
async fn initialize_with_bad_params_is_invalid_params_and_can_be_retried() {
    let (a, b) = memory::duplex(8);
    let _server = serve_server(a, full_server_config(), TestServer::default());
    let mut raw = RawPeer::new(b);
    raw.send(json!({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25"}})).await;
    let answer = raw.recv().await;
    assert_eq!(answer["error"]["code"], -32602);
    assert!(
        answer["error"]["message"]
            .as_str()
            .unwrap()
            .contains("capabilities")
    );
    let answer = raw.initialize("2025-11-25").await;
    assert_eq!(answer["result"]["protocolVersion"], "2025-11-25");
}

#[tokio::test(start_paused = true)]
async fn server_does_not_send_requests_before_initialized() {
    let (a, b) = memory::duplex(8);
    let server = serve_server(a, full_server_config(), TestServer::default());
    let mut raw = RawPeer::new(b);
    raw.send(json!({"jsonrpc":"2.0","id":"init","method":"initialize","params":{
        "protocolVersion":"2025-11-25","capabilities":{"roots":{}},"clientInfo":{"name":"raw","version":"0"}}}))
        .await;
    raw.recv().await;
    let err = server
        .peer()
        .request_raw("roots/list", None, Default::default())
        .await
        .unwrap_err();
    assert!(
        matches!(err, oxmcp_core::RequestError::NotInitialized(_)),
        "{err}"
    );
    // Logging is allowed before `initialized`.
    let sent = server
        .peer()
        .log(oxmcp_types::LoggingLevel::Warning, None, json!("early"))
        .await
        .unwrap();
    assert!(sent);
    assert_eq!(raw.recv().await["method"], "notifications/message");
}

#[tokio::test(start_paused = true)]
async fn the_initialize_result_fits_the_negotiated_version() {
    let mut config = full_server_config();
    config.info =
        server_info().with_icons(vec![oxmcp_types::Icon::new("https://example.com/i.png")]);
    config.capabilities = serde_json::from_value(json!({
        "tools": {}, "completions": {}, "tasks": {"list": {}, "cancel": {}, "requests": {"tools": {"call": {}}}}
    }))
    .unwrap();
    let expectations = [
        ("2025-11-25", true, true, true, true),
        ("2025-06-18", false, true, false, true),
        ("2025-03-26", false, false, false, true),
        ("2024-11-05", false, false, false, false),
    ];
    for (version, new_fields, title, tasks, completions) in expectations {
        let (a, b) = memory::duplex(8);
        let _server = serve_server(a, config.clone(), TestServer::default());
        let mut raw = RawPeer::new(b);
        let result = raw.initialize(version).await["result"].clone();
        assert_eq!(result["protocolVersion"], version);
        let info = &result["serverInfo"];
        assert_eq!(
            info.get("description").is_some(),
            new_fields,
            "{version}: {info}"
        );
        assert_eq!(info.get("icons").is_some(), new_fields, "{version}: {info}");
        assert_eq!(
            info.get("websiteUrl").is_some(),
            new_fields,
            "{version}: {info}"
        );
        assert_eq!(info.get("title").is_some(), title, "{version}: {info}");
        let caps = &result["capabilities"];
        assert_eq!(caps.get("tasks").is_some(), tasks, "{version}: {caps}");
        assert_eq!(
            caps.get("completions").is_some(),
            completions,
            "{version}: {caps}"
        );
        assert!(caps.get("tools").is_some());
    }
}

#[tokio::test(start_paused = true)]
async fn a_client_asking_for_an_old_version_sends_only_what_it_defines() {
    let (a, b) = memory::duplex(8);
    let mut config = client_config().with_protocol_version(ProtocolVersion::V2025_03_26);
    config.info = config
        .info
        .with_title("Client")
        .with_description("new in 2025-11-25");
    config.capabilities = serde_json::from_value(json!({"elicitation": {}, "roots": {}})).unwrap();
    let client = tokio::spawn(async move { connect(b, config, NoHandler).await });
    let mut raw = RawPeer::new(a);
    let init = raw.recv().await;
    assert_eq!(
        init["params"]["clientInfo"],
        json!({"name": "test-client", "version": "0.1.0"})
    );
    assert_eq!(init["params"]["capabilities"], json!({"roots": {}}));
    drop(raw);
    assert!(client.await.unwrap().is_err());
}

#[tokio::test(start_paused = true)]
async fn the_client_keeps_log_messages_sent_right_after_the_initialize_answer() {
    let (a, b) = memory::duplex(8);
    let handler = TestClient::default();
    let seen = handler.notifications.clone();
    let client = tokio::spawn(async move { connect(b, client_config(), handler).await });
    let mut raw = RawPeer::new(a);
    let init = raw.recv().await;
    raw.send(json!({"jsonrpc":"2.0","id":init["id"],"result":{
        "protocolVersion":"2025-11-25","capabilities":{"logging":{}},"serverInfo":{"name":"s","version":"1"}}}))
        .await;
    raw.send(json!({"jsonrpc":"2.0","method":"notifications/message","params":{"level":"info","data":"early"}}))
        .await;
    assert_eq!(raw.recv().await["method"], "notifications/initialized");
    let _client = client.await.unwrap().unwrap();
    for _ in 0..100 {
        if !seen.lock().unwrap().is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert_eq!(seen.lock().unwrap()[0].0, "notifications/message");
}
