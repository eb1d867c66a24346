//! Example messages and payloads of 2026-07-28, built from the shared fixtures adapted to
//! the modern era.

use oxmcp_types::completion::CompleteRequestParams;
use oxmcp_types::jsonrpc::{ErrorResponse, Message};
use oxmcp_types::meta::RequestParams;
use oxmcp_types::methods::*;
use oxmcp_types::modern::meta::SERVER_INFO_KEY;
use oxmcp_types::modern::subscriptions::subscription_meta;
use oxmcp_types::modern::*;
use oxmcp_types::pagination::PaginatedRequestParams;
use oxmcp_types::resources::ResourceRequestParams;
use oxmcp_types::tools::ListToolsResult;
use oxmcp_types::*;
use serde_json::{Value, json};

use crate::examples::{notification, plain, request, response, ser, ser_all};
use crate::fixtures as f;

/// The revision of this table.
pub const V: ProtocolVersion = ProtocolVersion::V2026_07_28;

/// A full request `_meta`: the required keys, client info, log level, progress token and a
/// trace context key.
pub fn request_meta() -> Meta {
    let mut caps = f::client_caps().adapted_to(V);
    caps.extensions = Some(f::obj(json!({"io.modelcontextprotocol/tasks": {}})));
    let mut meta = RequestMeta::new(V, caps)
        .with_client_info(f::implementation())
        .with_log_level(LoggingLevel::Info);
    meta.progress_token = Some(ProgressToken::from(7));
    meta.extra.insert(
        "traceparent".into(),
        json!("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
    );
    meta.into_meta()
}

/// The smallest valid request `_meta`.
pub fn minimal_meta() -> Meta {
    RequestMeta::new(V, ClientCapabilities::default()).into_meta()
}

/// A result `_meta` naming the server.
pub fn result_meta() -> Meta {
    let mut meta = Meta::new();
    meta.insert(
        SERVER_INFO_KEY.into(),
        serde_json::to_value(f::implementation()).unwrap(),
    );
    meta
}

/// `existing` with the modern request members added.
fn with_meta(existing: Option<Meta>, meta: Meta) -> Option<Meta> {
    let mut m = existing.unwrap_or_default();
    m.extend(meta);
    Some(m)
}

pub fn request_params(meta: Meta) -> RequestParams {
    let mut p = RequestParams::default();
    p.meta = Some(meta);
    p
}

pub fn paginated() -> Vec<PaginatedRequestParams> {
    let mut first = PaginatedRequestParams::default();
    first.meta = Some(minimal_meta());
    let mut next = PaginatedRequestParams::default().with_cursor("c-2");
    next.meta = Some(request_meta());
    vec![first, next]
}

pub fn call_tool_params() -> Vec<CallToolRequestParams> {
    let mut first = f::call_tool_params().adapted_to(V);
    first.meta = with_meta(first.meta, request_meta());
    let mut retry = first.clone();
    retry.input_responses = Some(input_responses());
    retry.request_state = Some("c3RhdGU".into());
    vec![first, retry]
}

pub fn read_params() -> Vec<ResourceRequestParams> {
    let mut first = ResourceRequestParams::new("file:///project/readme.md");
    first.meta = Some(request_meta());
    let mut retry = first.clone();
    retry.request_state = Some("c3RhdGU".into());
    vec![first, retry]
}

pub fn get_prompt_params() -> Vec<GetPromptRequestParams> {
    let mut first = GetPromptRequestParams::new("weather").with_argument("city", "Paris");
    first.meta = Some(minimal_meta());
    let mut retry = first.clone();
    retry.input_responses = Some(input_responses());
    vec![first, retry]
}

pub fn complete_params() -> Vec<CompleteRequestParams> {
    f::complete_params()
        .into_iter()
        .map(|mut p| {
            p.meta = Some(minimal_meta());
            p
        })
        .collect()
}

pub fn filter() -> SubscriptionFilter {
    SubscriptionFilter::default()
        .with_tools_list_changed()
        .with_prompts_list_changed()
        .with_resources_list_changed()
        .with_resource("file:///project/readme.md")
}

pub fn listen_params() -> SubscriptionsListenRequestParams {
    let mut p = SubscriptionsListenRequestParams::new(filter());
    p.meta = Some(minimal_meta());
    p
}

pub fn acknowledged() -> SubscriptionsAcknowledgedNotificationParams {
    SubscriptionsAcknowledgedNotificationParams::new(&RequestId::from("sub-1"), filter())
}

pub fn client_requests() -> Vec<Value> {
    let mut out = vec![
        request::<DiscoverRequest>(Some(&request_params(minimal_meta())), V),
        request::<SubscriptionsListenRequest>(Some(&listen_params()), V),
    ];
    for p in paginated() {
        out.push(request::<ListToolsRequest>(Some(&p), V));
        out.push(request::<ListResourcesRequest>(Some(&p), V));
        out.push(request::<ListResourceTemplatesRequest>(Some(&p), V));
        out.push(request::<ListPromptsRequest>(Some(&p), V));
    }
    for p in call_tool_params() {
        out.push(request::<CallToolRequest>(Some(&p), V));
    }
    for p in read_params() {
        out.push(request::<ReadResourceRequest>(Some(&p), V));
    }
    for p in get_prompt_params() {
        out.push(request::<GetPromptRequest>(Some(&p), V));
    }
    for p in complete_params() {
        out.push(request::<CompleteRequest>(Some(&p), V));
    }
    out
}

pub fn cancelled() -> CancelledNotificationParams {
    CancelledNotificationParams::new(RequestId::Number(4), Some("no longer needed".into()))
}

pub fn progress() -> ProgressNotificationParams {
    ProgressNotificationParams::new(
        RequestId::from("p-1"),
        0.5,
        Some(1.0),
        Some("halfway".into()),
    )
}

pub fn log_message() -> LoggingMessageNotificationParams {
    LoggingMessageNotificationParams::new(
        LoggingLevel::Error,
        Some("db".into()),
        json!({"error": "connection lost"}),
    )
}

/// Params of a notification delivered on subscription `sub-1`.
pub fn on_subscription() -> NotificationParams {
    let mut p = NotificationParams::default();
    p.meta = Some(subscription_meta(&RequestId::from("sub-1")));
    p
}

pub fn resource_updated() -> ResourceRequestParams {
    let mut p = ResourceRequestParams::new("file:///project/readme.md");
    p.meta = Some(subscription_meta(&RequestId::from("sub-1")));
    p
}

pub fn client_notifications() -> Vec<Value> {
    vec![notification::<CancelledNotification>(Some(&cancelled()), V)]
}

pub fn server_notifications() -> Vec<Value> {
    vec![
        notification::<CancelledNotification>(Some(&cancelled()), V),
        notification::<ProgressNotification>(Some(&progress()), V),
        notification::<LoggingMessageNotification>(Some(&log_message()), V),
        notification::<SubscriptionsAcknowledgedNotification>(Some(&acknowledged()), V),
        notification::<ResourceUpdatedNotification>(Some(&resource_updated()), V),
        notification::<ResourceListChangedNotification>(Some(&on_subscription()), V),
        notification::<ToolListChangedNotification>(Some(&on_subscription()), V),
        notification::<PromptListChangedNotification>(None, V),
    ]
}

pub fn input_requests() -> InputRequests {
    let mut roots_params = RequestParams::default();
    roots_params.meta = Some(f::meta());
    let mut out = InputRequests::new();
    out.insert("sample".into(), f::sampling_params().adapted_to(V).into());
    out.insert("roots".into(), InputRequest::ListRoots(None));
    out.insert(
        "roots-2".into(),
        InputRequest::ListRoots(Some(roots_params)),
    );
    out.insert(
        "form".into(),
        ElicitRequestParams::from(f::elicit_form())
            .adapted_to(V)
            .into(),
    );
    out.insert(
        "url".into(),
        ElicitRequestParams::from(f::elicit_url())
            .adapted_to(V)
            .into(),
    );
    out
}

pub fn input_responses() -> InputResponses {
    let mut out = InputResponses::new();
    for (i, r) in f::sampling_results().into_iter().enumerate() {
        out.insert(format!("sample-{i}"), r.adapted_to(V).into());
    }
    let roots = ListRootsResult::new(vec![f::root()]).adapted_to(V);
    out.insert("roots".into(), roots.into());
    for (i, r) in f::elicit_results().into_iter().enumerate() {
        out.insert(format!("form-{i}"), r.adapted_to(V).into());
    }
    out
}

pub fn input_required() -> Vec<InputRequiredResult> {
    let mut full = InputRequiredResult::new().with_request_state("c3RhdGU");
    full.input_requests = Some(input_requests());
    full.meta = Some(result_meta());
    let state_only = InputRequiredResult::new().with_request_state("b25seQ");
    let mut requests_only = InputRequiredResult::new();
    requests_only.input_requests = Some(input_requests());
    vec![full, state_only, requests_only]
}

pub fn discover() -> DiscoverResult {
    let mut caps = f::server_caps().adapted_to(V);
    caps.extensions = Some(f::obj(json!({"io.modelcontextprotocol/tasks": {}})));
    let mut d = DiscoverResult::new(&ProtocolVersion::MODERN, caps)
        .with_instructions("Use the weather tool.")
        .with_cache(60_000, CacheScope::Public);
    d.meta = Some(result_meta());
    d
}

pub fn listen_result() -> SubscriptionsListenResult {
    let mut r = SubscriptionsListenResult::new(&RequestId::from("sub-1"));
    r.meta.extend(result_meta());
    r
}

pub fn list_tools() -> Vec<Value> {
    let mut page = ListToolsResult::new(vec![f::tool()]).with_next_cursor("n");
    page.meta = Some(result_meta());
    let cached = ListToolsResult::new(vec![])
        .with_cache(result::CacheHints::new(300_000, CacheScope::Public));
    vec![ser(&page, V), ser(&cached, V)]
}

pub fn list_resources() -> Value {
    ser(
        &ListResourcesResult::new(vec![f::resource()]).with_next_cursor("n"),
        V,
    )
}

pub fn list_templates() -> Value {
    ser(&ListResourceTemplatesResult::new(vec![f::template()]), V)
}

pub fn read_resource() -> Value {
    let contents = vec![f::text_contents().into(), f::blob_contents().into()];
    ser(&ReadResourceResult::new(contents), V)
}

pub fn list_prompts() -> Value {
    ser(&ListPromptsResult::new(vec![f::prompt()]), V)
}

pub fn empty_result() -> Value {
    let mut r = EmptyResult::default();
    r.meta = Some(result_meta());
    ser(&r, V)
}

pub fn call_tool_results() -> Vec<Value> {
    ser_all(&f::call_tool_results(), V)
}

pub fn server_results() -> Vec<Value> {
    let mut out = vec![empty_result(), plain(&discover())];
    out.push(list_resources());
    out.push(list_templates());
    out.push(read_resource());
    out.push(plain(&listen_result()));
    out.push(list_prompts());
    out.push(ser(&f::get_prompt_result(), V));
    out.extend(list_tools());
    out.extend(call_tool_results());
    out.push(ser(&f::complete_result(), V));
    out.extend(input_required().iter().map(plain));
    out
}

pub fn error(code: ErrorData) -> Value {
    plain(&Message::from(ErrorResponse::new(
        Some(RequestId::Number(9)),
        code,
    )))
}

pub fn errors() -> Vec<Value> {
    vec![
        error(ErrorData::unsupported_protocol_version(
            "2099-01-01",
            &ProtocolVersion::MODERN,
        )),
        error(ErrorData::header_mismatch(
            "Mcp-Name header `a` does not match params.name `b`",
        )),
        error(ErrorData::missing_required_client_capability(
            serde_json::from_value(json!({"extensions": {"io.modelcontextprotocol/tasks": {}}}))
                .unwrap(),
        )),
        error(ErrorData::method_not_found("ping")),
    ]
}

/// Success responses to the client's requests.
pub fn responses() -> Vec<Value> {
    server_results().iter().map(response).collect()
}
