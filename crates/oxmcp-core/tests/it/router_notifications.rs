//! `McpServer::on_notification`: client notifications reach the server's hook, in order.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use oxmcp_core::server::McpServer;
use oxmcp_core::transport::memory;
use oxmcp_core::{ClientConfig, NoHandler, connect};
use oxmcp_types::Implementation;

#[tokio::test(start_paused = true)]
async fn client_notifications_reach_the_hook_in_order() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = seen.clone();
    let server = McpServer::builder(Implementation::new("s", "1"))
        .on_notification(move |n, cx| {
            let sink = sink.clone();
            async move {
                let session = cx.session().map(|s| s.peer_info.name.clone());
                sink.lock().unwrap().push((n.method, session));
            }
        })
        .build()
        .unwrap();
    let (a, b) = memory::duplex(16);
    let _running = server.serve(a);
    let mut config = ClientConfig::new(Implementation::new("c", "1"));
    config.capabilities =
        serde_json::from_value(serde_json::json!({"roots": {"listChanged": true}})).unwrap();
    let client = connect(b, config, NoHandler).await.unwrap();
    for _ in 0..3 {
        client
            .peer()
            .notify_raw("notifications/roots/list_changed", None)
            .await
            .unwrap();
    }
    client.peer().ping().await.unwrap();
    for _ in 0..100 {
        if seen.lock().unwrap().len() >= 4 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let seen = seen.lock().unwrap().clone();
    let c = Some("c".to_owned());
    assert_eq!(
        seen,
        vec![
            ("notifications/initialized".to_owned(), c.clone()),
            ("notifications/roots/list_changed".to_owned(), c.clone()),
            ("notifications/roots/list_changed".to_owned(), c.clone()),
            ("notifications/roots/list_changed".to_owned(), c),
        ]
    );
}
