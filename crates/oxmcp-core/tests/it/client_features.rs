//! Server-to-client requests end to end: sampling (with tools), elicitation in both modes,
//! roots, the -32042 retry helper, and the version and capability rules.

use std::collections::BTreeMap;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use oxmcp_core::client::{ClientHandler, UrlElicitationSource, UrlRetryError};
use oxmcp_core::server::client_requests::{ClientRequestError, ElicitOutcome};
use oxmcp_core::{RequestError, RequestOptions};
use oxmcp_types::elicitation::{ElicitAction, ElicitValue};
use oxmcp_types::sampling::{
    CreateMessageRequestParams, CreateMessageResult, IncludeContext, SamplingMessage, ToolChoice,
    ToolChoiceMode, stop_reason,
};
use oxmcp_types::{
    CallToolRequestParams, ElicitResult, ErrorCode, ProtocolVersion, Role, Root,
    SamplingMessageContentBlock, Tool, ToolResultContent, ToolUseContent,
};

use crate::client_support::{Profile, connect, connect_with, elicitations_of, first_text};

fn weather_tool() -> Tool {
    Tool::without_arguments("weather")
}

fn tool_use(id: &str) -> SamplingMessage {
    SamplingMessage::new(
        Role::Assistant,
        SamplingMessageContentBlock::from(ToolUseContent::new(id, "weather", Default::default())),
    )
}

fn tool_result(id: &str) -> SamplingMessage {
    SamplingMessage::new(
        Role::User,
        SamplingMessageContentBlock::from(ToolResultContent::new(id, vec![])),
    )
}

/// A host whose model calls the weather tool once, then answers.
fn sampling_host(seen: Arc<Mutex<Vec<CreateMessageRequestParams>>>) -> ClientHandler {
    ClientHandler::new()
        .with_sampling(move |req| {
            let seen = seen.clone();
            async move {
                assert_eq!(req.server.name, "fake-server");
                let answered = req.params.messages.len() > 1;
                seen.lock().unwrap().push(req.params);
                Ok(if answered {
                    CreateMessageResult::new(
                        Role::Assistant,
                        SamplingMessageContentBlock::text("sunny"),
                        "m1",
                    )
                    .with_stop_reason(stop_reason::END_TURN)
                } else {
                    CreateMessageResult::new(
                        Role::Assistant,
                        SamplingMessageContentBlock::from(ToolUseContent::new(
                            "c1",
                            "weather",
                            Default::default(),
                        )),
                        "m1",
                    )
                    .with_stop_reason(stop_reason::TOOL_USE)
                })
            }
        })
        .with_sampling_tools(true)
}

fn ask(params: &CreateMessageRequestParams) -> CallToolRequestParams {
    let args = serde_json::to_value(params)
        .unwrap()
        .as_object()
        .unwrap()
        .clone();
    CallToolRequestParams::new("sample").with_arguments(args)
}

#[tokio::test(start_paused = true)]
async fn sampling_with_tools_goes_from_a_tool_to_the_host_model() {
    let seen = Arc::default();
    let (_fake, server, client) = connect(sampling_host(Arc::clone(&seen))).await;
    let first = CreateMessageRequestParams::new(vec![SamplingMessage::user_text("weather?")], 100)
        .with_tools(
            vec![weather_tool()],
            Some(ToolChoice::new(ToolChoiceMode::Auto)),
        );
    let result = client.peer().call_tool(ask(&first)).await.unwrap();
    assert_eq!(result.is_error, None, "{}", first_text(&result));
    let answer: CreateMessageResult = serde_json::from_str(&first_text(&result)).unwrap();
    assert_eq!(answer.stop_reason.as_deref(), Some(stop_reason::TOOL_USE));

    // The loop continues with the tool result, straight from the server's peer.
    let mut second = first.clone();
    second.messages.extend([tool_use("c1"), tool_result("c1")]);
    let answer = server.peer().create_message(second).await.unwrap();
    assert_eq!(
        answer.content.blocks()[0],
        SamplingMessageContentBlock::text("sunny")
    );
    let seen = seen.lock().unwrap();
    assert_eq!(seen[0].tools.as_deref(), Some(&[weather_tool()][..]));
    assert_eq!(seen[1].messages.len(), 3);
}

#[tokio::test(start_paused = true)]
async fn unbalanced_tool_use_is_refused_on_both_sides() {
    let (_fake, server, _client) = connect(sampling_host(Arc::default())).await;
    let missing = CreateMessageRequestParams::new(
        vec![
            SamplingMessage::user_text("q"),
            tool_use("c1"),
            SamplingMessage::user_text("and?"),
        ],
        10,
    )
    .with_tools(vec![weather_tool()], None);
    let mixed = {
        let mut results = tool_result("c1");
        results.content = vec![
            SamplingMessageContentBlock::from(ToolResultContent::new("c1", vec![])),
            SamplingMessageContentBlock::text("also this"),
        ]
        .into();
        CreateMessageRequestParams::new(vec![tool_use("c1"), results], 10)
            .with_tools(vec![weather_tool()], None)
    };
    for params in [missing, mixed] {
        // The server refuses before sending...
        let local = server
            .peer()
            .create_message(params.clone())
            .await
            .unwrap_err();
        assert!(
            matches!(local, ClientRequestError::ToolBalance(_)),
            "{local}"
        );
        // ...and a client that receives it anyway answers -32602 without calling the host.
        let raw = serde_json::value::to_raw_value(&params).unwrap();
        let remote = server
            .peer()
            .request_raw("sampling/createMessage", Some(raw), RequestOptions::new())
            .await
            .unwrap_err();
        assert_eq!(
            remote.as_remote().unwrap().code,
            ErrorCode::INVALID_PARAMS,
            "{remote}"
        );
    }
}

#[tokio::test(start_paused = true)]
async fn sampling_capabilities_are_enforced() {
    let calls = Arc::new(Mutex::new(0));
    let counted = Arc::clone(&calls);
    let no_tools = ClientHandler::new().with_sampling(move |_| {
        *counted.lock().unwrap() += 1;
        async {
            Ok(CreateMessageResult::new(
                Role::Assistant,
                SamplingMessageContentBlock::text("hi"),
                "m",
            ))
        }
    });
    let (_fake, server, _client) = connect(no_tools).await;
    let with_tools = CreateMessageRequestParams::new(vec![SamplingMessage::user_text("q")], 10)
        .with_tools(vec![weather_tool()], None);
    let local = server
        .peer()
        .create_message(with_tools.clone())
        .await
        .unwrap_err();
    assert!(
        matches!(
            local,
            ClientRequestError::CapabilityMissing {
                capability: "sampling.tools"
            }
        ),
        "{local}"
    );
    let raw = serde_json::value::to_raw_value(&with_tools).unwrap();
    let remote = server
        .peer()
        .request_raw("sampling/createMessage", Some(raw), RequestOptions::new())
        .await
        .unwrap_err();
    assert_eq!(remote.as_remote().unwrap().code, ErrorCode::INVALID_PARAMS);
    assert_eq!(*calls.lock().unwrap(), 0);

    let mut context = CreateMessageRequestParams::new(vec![SamplingMessage::user_text("q")], 10);
    context.include_context = Some(IncludeContext::ThisServer);
    let local = server.peer().create_message(context).await.unwrap_err();
    assert!(matches!(
        local,
        ClientRequestError::CapabilityMissing {
            capability: "sampling.context"
        }
    ));
    let plain = CreateMessageRequestParams::new(vec![SamplingMessage::user_text("q")], 10);
    server.peer().create_message(plain.clone()).await.unwrap();
    assert_eq!(*calls.lock().unwrap(), 1);

    let (_fake, server, _client) = connect(ClientHandler::new()).await;
    let err = server.peer().create_message(plain).await.unwrap_err();
    assert!(matches!(
        err,
        ClientRequestError::CapabilityMissing {
            capability: "sampling"
        }
    ));
}

/// A host that answers forms according to the message it is shown.
fn form_host(answers: Vec<ElicitResult>, attempts: Arc<Mutex<Vec<String>>>) -> ClientHandler {
    let answers = Arc::new(Mutex::new(answers));
    ClientHandler::new().with_form_elicitation(move |form| {
        let next = answers.lock().unwrap().remove(0);
        attempts.lock().unwrap().push(
            form.previous_error
                .map(|e| e.to_string())
                .unwrap_or_default(),
        );
        async move { Ok(next) }
    })
}

fn answer(fields: &[(&str, ElicitValue)]) -> ElicitResult {
    ElicitResult::accept(
        fields
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect::<BTreeMap<_, _>>(),
    )
}

fn string(s: &str) -> ElicitValue {
    ElicitValue::String(s.to_owned())
}

#[tokio::test(start_paused = true)]
async fn typed_form_elicitation_accept_decline_cancel() {
    let valid = answer(&[
        ("name", string("Ada")),
        ("email", string("ada@example.com")),
        ("age", ElicitValue::Number(36.into())),
    ]);
    let answers = vec![
        valid,
        ElicitResult::new(ElicitAction::Decline),
        ElicitResult::new(ElicitAction::Cancel),
    ];
    let (_fake, server, client) = connect(form_host(answers, Arc::default())).await;
    let profile = client
        .peer()
        .call_tool(CallToolRequestParams::new("profile"))
        .await
        .unwrap();
    assert_eq!(first_text(&profile), r#"{"accepted":"Ada","age":36}"#);
    let declined = server.peer().elicit::<Profile>("again?").await.unwrap();
    assert_eq!(declined, ElicitOutcome::Declined);
    let cancelled = server.peer().elicit::<Profile>("again?").await.unwrap();
    assert_eq!(cancelled, ElicitOutcome::Cancelled);
}

#[tokio::test(start_paused = true)]
async fn invalid_form_answers_are_not_sent() {
    let bad = answer(&[("name", string("Ada")), ("email", string("not-an-email"))]);
    let good = answer(&[
        ("name", string("Ada")),
        ("email", string("ada@example.com")),
    ]);
    let attempts = Arc::new(Mutex::new(Vec::new()));
    let host = form_host(
        vec![bad.clone(), good, bad.clone(), bad.clone(), bad],
        Arc::clone(&attempts),
    );
    let (_fake, server, _client) = connect(host).await;
    // The host is asked again with the reason; the server only sees the valid answer.
    let outcome = server.peer().elicit::<Profile>("Who?").await.unwrap();
    assert!(
        matches!(outcome, ElicitOutcome::Accepted(Profile { ref name, age: None, .. }) if name == "Ada")
    );
    {
        let attempts = attempts.lock().unwrap();
        assert_eq!(attempts[0], "");
        assert!(
            attempts[1].contains("`email` is not a valid Email"),
            "{}",
            attempts[1]
        );
    }
    // Three invalid answers in a row: the request fails, nothing of them is sent.
    let err = server.peer().elicit::<Profile>("Who?").await.unwrap_err();
    let ClientRequestError::Request(RequestError::Remote(e)) = err else {
        panic!("{err}")
    };
    assert_eq!(e.code, ErrorCode::INTERNAL_ERROR);
    assert!(!e.to_string().contains("not-an-email"));
}

#[tokio::test(start_paused = true)]
async fn forms_that_cannot_be_expressed_are_refused_locally() {
    #[derive(Debug, schemars::JsonSchema, serde::Deserialize)]
    struct Nested {
        #[expect(dead_code, reason = "only the schema matters")]
        inner: Profile,
    }
    let (_fake, server, _client) = connect(form_host(vec![], Arc::default())).await;
    let err = server.peer().elicit::<Nested>("?").await.unwrap_err();
    assert!(err.to_string().contains("field `inner`"), "{err}");
}

/// A host that consents to every URL and records what it was shown.
fn url_host(shown: Arc<Mutex<Vec<(String, UrlElicitationSource)>>>) -> ClientHandler {
    ClientHandler::new().with_url_elicitation(move |e| {
        shown.lock().unwrap().push((e.params.url.clone(), e.source));
        async { ElicitAction::Accept }
    })
}

#[tokio::test(start_paused = true)]
async fn url_elicitation_and_completion_reach_only_the_right_client() {
    let shown_a = Arc::default();
    let (_fa, server_a, client_a) = connect(url_host(Arc::clone(&shown_a))).await;
    let (_fb, server_b, client_b) = connect(url_host(Arc::default())).await;
    let (mut done_a, mut done_b) = (
        client_a.notifications().elicitation_complete(),
        client_b.notifications().elicitation_complete(),
    );
    let url = "https://pay.example.com/checkout?id=el-1&step=2";
    let action = server_a
        .peer()
        .elicit_url("Pay", url, "el-1")
        .await
        .unwrap();
    assert_eq!(action, ElicitAction::Accept);
    assert_eq!(
        shown_a.lock().unwrap()[0],
        (url.to_owned(), UrlElicitationSource::Request)
    );

    // B never saw `el-1`: a completion for it is ignored there.
    server_b
        .peer()
        .notify_elicitation_complete("el-1")
        .await
        .unwrap();
    server_a
        .peer()
        .notify_elicitation_complete("el-1")
        .await
        .unwrap();
    let id = tokio::time::timeout(Duration::from_secs(5), done_a.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(id, "el-1");
    // A second completion of the same id is ignored too.
    server_a
        .peer()
        .notify_elicitation_complete("el-1")
        .await
        .unwrap();
    client_a.peer().ping().await.unwrap();
    client_b.peer().ping().await.unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(done_a.try_recv(), Ok(None));
    assert_eq!(done_b.try_recv(), Ok(None));
}

#[tokio::test(start_paused = true)]
async fn elicitation_modes_follow_the_declared_capabilities() {
    // `elicitation: {form: {}}` only: no URL mode.
    let (_fake, server, _client) = connect(form_host(vec![], Arc::default())).await;
    let err = server
        .peer()
        .elicit_url("m", "https://x.example", "e")
        .await
        .unwrap_err();
    assert!(matches!(
        err,
        ClientRequestError::CapabilityMissing {
            capability: "elicitation.url"
        }
    ));
    let err = server
        .peer()
        .url_elicitation_required("m", vec![])
        .unwrap_err();
    assert!(matches!(err, ClientRequestError::CapabilityMissing { .. }));
    // URL mode only: no forms.
    let (_fake, server, _client) = connect(url_host(Arc::default())).await;
    let err = server.peer().elicit::<Profile>("m").await.unwrap_err();
    assert!(matches!(
        err,
        ClientRequestError::CapabilityMissing {
            capability: "elicitation.form"
        }
    ));
    let err = server
        .peer()
        .elicit_url("m", "not a url", "e")
        .await
        .unwrap_err();
    assert!(matches!(err, ClientRequestError::InvalidUrl(_)));
    // Neither.
    let (_fake, server, _client) = connect(ClientHandler::new()).await;
    let err = server.peer().elicit::<Profile>("m").await.unwrap_err();
    assert!(matches!(
        err,
        ClientRequestError::CapabilityMissing {
            capability: "elicitation"
        }
    ));
}

#[tokio::test(start_paused = true)]
async fn older_sessions_get_nothing_newer() {
    let host = url_host(Arc::default())
        .with_form_elicitation(|_| async { Ok(ElicitResult::new(ElicitAction::Decline)) })
        .with_sampling(|_| async {
            Ok(CreateMessageResult::new(
                Role::Assistant,
                SamplingMessageContentBlock::text("x"),
                "m",
            ))
        })
        .with_sampling_tools(true);
    let (_fake, server, _client) = connect_with(host, ProtocolVersion::V2025_06_18).await;
    let err = server
        .peer()
        .elicit_url("m", "https://x.example", "e")
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            ClientRequestError::VersionTooOld {
                required: ProtocolVersion::V2025_11_25,
                ..
            }
        ),
        "{err}"
    );
    let tools = CreateMessageRequestParams::new(vec![SamplingMessage::user_text("q")], 10)
        .with_tools(vec![weather_tool()], None);
    let err = server.peer().create_message(tools).await.unwrap_err();
    assert!(
        matches!(err, ClientRequestError::VersionTooOld { .. }),
        "{err}"
    );
    // Form mode exists in 2025-06-18.
    assert_eq!(
        server.peer().elicit::<Profile>("m").await.unwrap(),
        ElicitOutcome::Declined
    );

    let (_fake, server, _client) =
        connect_with(url_host(Arc::default()), ProtocolVersion::V2025_03_26).await;
    let err = server.peer().elicit::<Profile>("m").await.unwrap_err();
    assert!(
        matches!(
            err,
            ClientRequestError::VersionTooOld {
                required: ProtocolVersion::V2025_06_18,
                ..
            }
        ),
        "{err}"
    );
}

#[tokio::test(start_paused = true)]
async fn requests_needing_url_elicitation_are_retried_after_completion() {
    let shown = Arc::new(Mutex::new(Vec::new()));
    let state: Arc<Mutex<Option<oxmcp_core::Peer<oxmcp_core::role::Server>>>> = Arc::default();
    let fake_state: Arc<Mutex<Option<Arc<crate::client_support::FakeState>>>> = Arc::default();
    let (hook_state, hook_fake, hook_shown) = (
        Arc::clone(&state),
        Arc::clone(&fake_state),
        Arc::clone(&shown),
    );
    // The user opens the URL; the server's page then reports the elicitation complete.
    let host = ClientHandler::new().with_url_elicitation(move |e| {
        hook_shown
            .lock()
            .unwrap()
            .push((e.params.elicitation_id.clone(), e.source, e.host()));
        let peer = hook_state.lock().unwrap().clone();
        let fake = hook_fake.lock().unwrap().clone();
        async move {
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_millis(20)).await;
                fake.unwrap().authorized.store(true, Ordering::SeqCst);
                peer.unwrap()
                    .notify_elicitation_complete("cal-1")
                    .await
                    .unwrap();
            });
            ElicitAction::Accept
        }
    });
    let (fake, server, client) = connect(host).await;
    *state.lock().unwrap() = Some(server.peer().clone());
    *fake_state.lock().unwrap() = Some(Arc::clone(&fake.state));

    let first = client
        .peer()
        .call_tool(CallToolRequestParams::new("calendar"))
        .await
        .unwrap_err();
    let remote = first.as_remote().unwrap();
    assert_eq!(remote.code, ErrorCode::URL_ELICITATION_REQUIRED);
    assert_eq!(elicitations_of(remote), ["cal-1"]);

    let result = client
        .retry_after_url_elicitation(|| {
            client
                .peer()
                .call_tool(CallToolRequestParams::new("calendar"))
        })
        .await
        .unwrap();
    assert_eq!(first_text(&result), "3 meetings");
    let shown = shown.lock().unwrap();
    assert_eq!(
        shown[0],
        (
            "cal-1".to_owned(),
            UrlElicitationSource::RequiredByError,
            Some("auth.example.com".to_owned())
        )
    );
}

#[tokio::test(start_paused = true)]
async fn declined_url_elicitation_stops_the_retry() {
    let host = ClientHandler::new().with_url_elicitation(|_| async { ElicitAction::Decline });
    let (_fake, _server, client) = connect(host).await;
    let err = client
        .retry_after_url_elicitation(|| {
            client
                .peer()
                .call_tool(CallToolRequestParams::new("calendar"))
        })
        .await
        .unwrap_err();
    assert!(
        matches!(err, UrlRetryError::NotAccepted { ref elicitation_id, action: ElicitAction::Decline } if elicitation_id == "cal-1"),
        "{err}"
    );
}

#[tokio::test(start_paused = true)]
async fn roots_and_their_changes() {
    let host = ClientHandler::new().with_roots(vec![Root::new("file:///work").with_name("work")]);
    let (fake, server, client) = connect(host).await;
    let roots = server.peer().list_roots().await.unwrap();
    assert_eq!(roots, [Root::new("file:///work").with_name("work")]);

    client
        .set_roots(vec![Root::new("file:///other")])
        .await
        .unwrap();
    client.peer().ping().await.unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(
        fake.state
            .notifications
            .lock()
            .unwrap()
            .contains(&"notifications/roots/list_changed".to_owned())
    );
    assert_eq!(
        server.peer().list_roots().await.unwrap(),
        [Root::new("file:///other")]
    );

    let (_fake, server, client) = connect(ClientHandler::new()).await;
    let err = server.peer().list_roots().await.unwrap_err();
    assert!(matches!(
        err,
        ClientRequestError::CapabilityMissing {
            capability: "roots"
        }
    ));
    assert!(client.set_roots(vec![]).await.is_err());
}
