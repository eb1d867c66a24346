//! `McpServer` resources end to end: list, read (static, blob, templates), not found,
//! subscriptions, list changes, pagination, a hostile URI.

use std::time::{Duration, Instant};

use oxmcp_core::server::McpServer;
use oxmcp_core::server::completion::Completer;
use oxmcp_core::server::resources::{
    ResourceRegistrationError, ResourceRoute, ResourceTemplateRoute, UriTemplateError,
};
use oxmcp_types::{ErrorCode, Resource, ResourceTemplate, TextResourceContents};
use serde_json::json;

use crate::router_support::*;

fn template_route(template: &str) -> ResourceTemplateRoute {
    ResourceTemplateRoute::new(
        ResourceTemplate::new(template, "items").with_mime_type("text/plain"),
        |uri, vars, _cx| async move {
            let text = serde_json::to_string(&vars).unwrap();
            Ok(vec![TextResourceContents::new(uri, text).into()])
        },
    )
}

fn server() -> McpServer {
    McpServer::builder(info())
        .resource(ResourceRoute::text(
            Resource::new("file:///project/README.md", "README").with_mime_type("text/markdown"),
            "# Project",
        ))
        .resource(ResourceRoute::blob(
            Resource::new("file:///project/logo.png", "logo").with_mime_type("image/png"),
            [0x89, b'P', b'N', b'G'],
        ))
        .resource_template(
            template_route("users://{id}/posts{/post}{?format}")
                .with_completion("id", Completer::from_values(["alice", "bob", "bart"])),
        )
        .resource_template(template_route("files:///{+path}"))
        .build()
        .unwrap()
}

#[tokio::test(start_paused = true)]
async fn declares_resources_and_lists_them() {
    let server = server();
    let caps = server.capabilities();
    let resources = caps.resources.unwrap();
    assert_eq!(
        (resources.subscribe, resources.list_changed),
        (Some(true), Some(true))
    );
    assert!(caps.completions.is_some());
    let s = open(&server).await;
    let list = s.ok("resources/list", json!({})).await;
    assert_eq!(list["resources"][0]["uri"], "file:///project/README.md");
    assert_eq!(list["resources"][1]["size"], 4);
    let templates = s.ok("resources/templates/list", json!({})).await;
    assert_eq!(
        templates["resourceTemplates"][0]["uriTemplate"],
        "users://{id}/posts{/post}{?format}"
    );
    assert_eq!(
        templates["resourceTemplates"][1]["uriTemplate"],
        "files:///{+path}"
    );
    s.close().await;
}

#[tokio::test(start_paused = true)]
async fn reads_static_blob_and_templated_resources() {
    let s = open(&server()).await;
    let text = s
        .ok(
            "resources/read",
            json!({"uri": "file:///project/README.md"}),
        )
        .await;
    assert_eq!(
        text["contents"],
        json!([{"uri": "file:///project/README.md", "mimeType": "text/markdown", "text": "# Project"}])
    );
    let blob = s
        .ok("resources/read", json!({"uri": "file:///project/logo.png"}))
        .await;
    assert_eq!(blob["contents"][0]["blob"], "iVBORw==");
    let post = s
        .ok(
            "resources/read",
            json!({"uri": "users://alice/posts/7?format=md"}),
        )
        .await;
    assert_eq!(
        post["contents"][0]["text"],
        r#"{"format":"md","id":"alice","post":"7"}"#
    );
    let path = s
        .ok("resources/read", json!({"uri": "files:///a/b/c.txt"}))
        .await;
    assert_eq!(path["contents"][0]["text"], r#"{"path":"a/b/c.txt"}"#);
    s.close().await;
}

#[tokio::test(start_paused = true)]
async fn unknown_uris_are_resource_not_found() {
    let s = open(&server()).await;
    for uri in ["file:///nope", "users://alice/comments", "users:///posts"] {
        let e = s
            .err(
                "resources/read",
                json!({"uri": uri}),
                ErrorCode::RESOURCE_NOT_FOUND,
            )
            .await;
        assert_eq!(e["data"]["uri"], uri);
    }
    s.close().await;
}

// Real time: the bound is on the CPU work of matching, which paused time would not see.
#[tokio::test]
async fn a_hostile_uri_is_refused_quickly() {
    let server = McpServer::builder(info())
        .resource_template(template_route("h://{+a}x{+b}x{+c}y"))
        .resource_template(template_route("h://{a}/{b}{?q}"))
        .build()
        .unwrap();
    let s = open(&server).await;
    let uri = format!("h://{}", "x".repeat(100_000));
    let start = Instant::now();
    s.err(
        "resources/read",
        json!({"uri": uri}),
        ErrorCode::RESOURCE_NOT_FOUND,
    )
    .await;
    assert!(
        start.elapsed() < Duration::from_secs(1),
        "{:?}",
        start.elapsed()
    );
    s.close().await;
}

#[tokio::test(start_paused = true)]
async fn updates_reach_only_subscribed_sessions() {
    let server = server();
    let subscribed = open(&server).await;
    let other = open(&server).await;
    subscribed
        .ok(
            "resources/subscribe",
            json!({"uri": "file:///project/README.md"}),
        )
        .await;
    subscribed
        .ok("resources/subscribe", json!({"uri": "files:///src"}))
        .await;
    assert_eq!(
        server.notify_resource_updated("file:///project/README.md"),
        1
    );
    let p = subscribed
        .notification("notifications/resources/updated")
        .await;
    assert_eq!(p["uri"], "file:///project/README.md");
    // A sub-resource of a subscribed URI.
    assert_eq!(server.notify_resource_updated("files:///src/main.rs"), 1);
    let p = subscribed
        .notification("notifications/resources/updated")
        .await;
    assert_eq!(p["uri"], "files:///src/main.rs");
    assert_eq!(server.notify_resource_updated("files:///srcx"), 0);
    other
        .no_notification("notifications/resources/updated")
        .await;

    subscribed
        .ok(
            "resources/unsubscribe",
            json!({"uri": "file:///project/README.md"}),
        )
        .await;
    assert_eq!(
        server.notify_resource_updated("file:///project/README.md"),
        0
    );
    subscribed
        .err(
            "resources/subscribe",
            json!({"uri": "file:///unknown"}),
            ErrorCode::RESOURCE_NOT_FOUND,
        )
        .await;
    subscribed.close().await;
    other.close().await;
}

#[tokio::test(start_paused = true)]
async fn subscriptions_can_be_turned_off() {
    let server = McpServer::builder(info())
        .resource_subscriptions(false)
        .resource(ResourceRoute::text(Resource::new("a://1", "one"), "1"))
        .build()
        .unwrap();
    let s = open(&server).await;
    assert_eq!(
        server.capabilities().resources.unwrap().subscribe,
        Some(false)
    );
    s.not_declared(
        "resources/subscribe",
        json!({"uri": "a://1"}),
        "resources.subscribe",
    )
    .await;
    s.close().await;
}

#[tokio::test(start_paused = true)]
async fn changes_while_serving_send_list_changed() {
    let server = server();
    let one = open(&server).await;
    let two = open(&server).await;
    server
        .add_resource(ResourceRoute::text(Resource::new("a://new", "new"), "n"))
        .unwrap();
    one.notification("notifications/resources/list_changed")
        .await;
    two.notification("notifications/resources/list_changed")
        .await;
    assert!(server.remove_resource_template("files:///{+path}"));
    one.notification("notifications/resources/list_changed")
        .await;
    two.notification("notifications/resources/list_changed")
        .await;
    one.err(
        "resources/read",
        json!({"uri": "files:///x"}),
        ErrorCode::RESOURCE_NOT_FOUND,
    )
    .await;
    assert_eq!(
        server.add_resource(ResourceRoute::text(Resource::new("a://new", "again"), "n")),
        Err(ResourceRegistrationError::DuplicateUri(
            "a://new".to_owned()
        ))
    );
    assert!(matches!(
        server.add_resource_template(template_route("bad://{a}{b}")),
        Err(ResourceRegistrationError::InvalidTemplate {
            source: UriTemplateError::AdjacentExpressions(_),
            ..
        })
    ));
    assert!(matches!(
        server.add_resource_template(
            template_route("ok://{a}").with_completion("zzz", Completer::from_values(["x"]))
        ),
        Err(ResourceRegistrationError::UnknownVariable { .. })
    ));
    one.close().await;
    two.close().await;
}

#[tokio::test(start_paused = true)]
async fn resource_lists_are_paginated() {
    let server = McpServer::builder(info()).page_size(2).build().unwrap();
    server
        .add_resources(
            (0..3).map(|i| {
                ResourceRoute::text(Resource::new(format!("r://{i}"), format!("r{i}")), "x")
            }),
        )
        .unwrap();
    server
        .add_resource_templates((0..3).map(|i| template_route(&format!("t{i}://{{id}}"))))
        .unwrap();
    let s = open(&server).await;
    for (method, field) in [
        ("resources/list", "resources"),
        ("resources/templates/list", "resourceTemplates"),
    ] {
        let first = s.ok(method, json!({})).await;
        assert_eq!(first[field].as_array().unwrap().len(), 2);
        let cursor = first["nextCursor"].clone();
        let second = s.ok(method, json!({"cursor": cursor})).await;
        assert_eq!(second[field].as_array().unwrap().len(), 1);
        assert!(second.get("nextCursor").is_none());
    }
    let first = s.ok("resources/list", json!({})).await;
    s.err(
        "resources/templates/list",
        json!({"cursor": first["nextCursor"]}),
        ErrorCode::INVALID_PARAMS,
    )
    .await;
    s.close().await;
}

#[tokio::test(start_paused = true)]
async fn subscriptions_per_session_are_capped() {
    let server = McpServer::builder(info())
        .resource_template(template_route("files:///{+path}"))
        .max_subscriptions_per_session(3)
        .build()
        .unwrap();
    let s = open(&server).await;
    for i in 0..3 {
        s.ok(
            "resources/subscribe",
            json!({"uri": format!("files:///f{i}")}),
        )
        .await;
    }
    // Subscribing again to a URI already held is not a new subscription.
    s.ok("resources/subscribe", json!({"uri": "files:///f0"}))
        .await;
    let e = s
        .err(
            "resources/subscribe",
            json!({"uri": "files:///f3"}),
            ErrorCode::INTERNAL_ERROR,
        )
        .await;
    assert_eq!(
        e["message"],
        "too many resource subscriptions in this session (the limit is 3)"
    );
    s.ok("resources/unsubscribe", json!({"uri": "files:///f1"}))
        .await;
    s.ok("resources/subscribe", json!({"uri": "files:///f3"}))
        .await;
    s.close().await;
}

#[tokio::test(start_paused = true)]
async fn a_client_that_stopped_reading_loses_change_notifications_not_memory() {
    let mut session = oxmcp_core::SessionConfig::default();
    session.outbound_queue = 4;
    let server = McpServer::builder(info())
        .resource_template(template_route("files:///{+path}"))
        .session_config(session)
        .build()
        .unwrap();
    let mut raw = open_raw(&server, "2025-11-25").await;
    raw.send(json!({"jsonrpc":"2.0","id":1,"method":"resources/subscribe","params":{"uri":"files:///a"}}))
        .await;
    assert_eq!(raw.recv().await["id"], 1);
    // The client reads nothing more: the transport (64) and the queue (4) fill, then each
    // update is dropped for this session instead of piling up.
    let mut told = 0;
    for _ in 0..1000 {
        told += server.notify_resource_updated("files:///a");
        tokio::task::yield_now().await;
    }
    assert!((4..=4 + 64 + 2).contains(&told), "told {told} times");
    assert_eq!(server.notify_resource_updated("files:///a"), 0);
}
