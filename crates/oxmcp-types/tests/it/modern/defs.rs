//! The modern entries of the definition map.

use oxmcp_types::meta::RequestParams;
use oxmcp_types::methods::*;
use oxmcp_types::modern::meta::SUBSCRIPTION_ID_KEY;
use oxmcp_types::modern::subscriptions::subscription_meta;
use oxmcp_types::modern::*;
use oxmcp_types::pagination::{PaginatedRequestParams, PaginatedResult};
use oxmcp_types::prompts::GetPromptResult;
use oxmcp_types::resources::ResourceRequestParams;
use oxmcp_types::*;
use serde_json::{Value, json};

use super::messages::{self as m, V};
use crate::examples::{
    Example, notification, plain, response, rt, rt_message, rt_notification, rt_request, ser,
};
use crate::fixtures as f;

macro_rules! ex {
    ($def:literal, $ty:ty, $build:expr) => {
        Example {
            def: $def,
            rust: stringify!($ty),
            build: $build,
            round_trip: rt::<$ty>,
            open: true,
        }
    };
}

macro_rules! req {
    ($def:literal, $m:ty, $build:expr) => {
        Example {
            def: $def,
            rust: concat!("methods::", stringify!($m)),
            build: $build,
            round_trip: rt_request::<$m>,
            open: false,
        }
    };
}

macro_rules! note {
    ($def:literal, $m:ty, $build:expr) => {
        Example {
            def: $def,
            rust: concat!("methods::", stringify!($m)),
            build: $build,
            round_trip: rt_notification::<$m>,
            open: false,
        }
    };
}

macro_rules! msg {
    ($def:literal, $rust:literal, $build:expr) => {
        Example {
            def: $def,
            rust: $rust,
            build: $build,
            round_trip: rt_message,
            open: false,
        }
    };
}

/// The requests of one method among the client's requests.
fn of(method: &str) -> Vec<Value> {
    m::client_requests()
        .into_iter()
        .filter(|r| r["method"] == method)
        .collect()
}

fn input_request(key: &str) -> Value {
    plain(&m::input_requests()[key])
}

#[expect(clippy::too_many_lines, reason = "one entry per schema definition")]
pub fn all() -> Vec<Example> {
    let mut out = vec![
        // Base types whose `_meta` or `resultType` changed.
        ex!("RequestParams", RequestParams, |_| vec![plain(
            &m::request_params(m::request_meta())
        )]),
        ex!("PaginatedRequestParams", PaginatedRequestParams, |_| {
            m::paginated().iter().map(plain).collect()
        }),
        ex!("PaginatedResult", PaginatedResult, |_| vec![plain(&{
            let mut r = PaginatedResult::default();
            r.result_type = Some(ResultType::Complete);
            r.next_cursor = Some("n".into());
            r
        })]),
        ex!("Result", JsonObject, |_| m::server_results()),
        ex!("ServerResult", JsonObject, |_| m::server_results()),
        ex!("ClientResult", JsonObject, |_| vec![m::empty_result()]),
        ex!("EmptyResult", EmptyResult, |_| vec![m::empty_result()]),
        ex!("CacheableResult", JsonObject, |_| {
            let mut out = m::list_tools();
            out.push(m::read_resource());
            out.push(plain(&m::discover()));
            out
        }),
        ex!("ResultType", ResultType, |_| [
            "complete",
            "input_required",
            "task"
        ]
        .iter()
        .map(|t| plain(&ResultType::from(*t)))
        .collect()),
        // `_meta` objects.
        ex!("MetaObject", JsonObject, |_| vec![
            Value::Object(f::meta()),
            Value::Object(JsonObject::new())
        ]),
        ex!("RequestMetaObject", RequestMeta, |_| vec![
            Value::Object(m::request_meta()),
            Value::Object(m::minimal_meta())
        ]),
        ex!("ResultMetaObject", JsonObject, |_| vec![Value::Object(
            m::result_meta()
        )]),
        ex!("NotificationMetaObject", JsonObject, |_| vec![
            Value::Object(subscription_meta(&RequestId::from(3)))
        ]),
        ex!("SubscriptionsListenResultMetaObject", JsonObject, |_| vec![
            Value::Object(m::listen_result().meta)
        ]),
        // JSON values.
        ex!("JSONValue", Value, |_| vec![
            json!({"a": [1, "two", true]}),
            json!([]),
            json!("s")
        ]),
        ex!("JSONObject", JsonObject, |_| vec![json!({"a": {"b": [1]}})]),
        ex!("JSONArray", Vec<Value>, |_| vec![
            json!([1, "two", {"three": false}])
        ]),
        // Discovery.
        req!("DiscoverRequest", DiscoverRequest, |_| of(
            "server/discover"
        )),
        ex!("DiscoverResult", DiscoverResult, |_| vec![
            plain(&m::discover()),
            plain(&DiscoverResult::new(
                &ProtocolVersion::MODERN,
                ServerCapabilities::default()
            ))
        ]),
        msg!("DiscoverResultResponse", "jsonrpc::Response", |_| vec![
            response(&plain(&m::discover()))
        ]),
        // Tools, resources, prompts, completion: params with the modern `_meta`.
        ex!("CallToolRequestParams", CallToolRequestParams, |_| {
            m::call_tool_params().iter().map(plain).collect()
        }),
        req!("CallToolRequest", CallToolRequest, |_| of("tools/call")),
        msg!("CallToolResultResponse", "jsonrpc::Response", |_| {
            let mut out: Vec<Value> = m::call_tool_results().iter().map(response).collect();
            out.extend(m::input_required().iter().map(|r| response(&plain(r))));
            out
        }),
        req!("ListToolsRequest", ListToolsRequest, |_| of("tools/list")),
        req!("PaginatedRequest", ListToolsRequest, |_| of("tools/list")),
        msg!("ListToolsResultResponse", "jsonrpc::Response", |_| {
            m::list_tools().iter().map(response).collect()
        }),
        req!("ListResourcesRequest", ListResourcesRequest, |_| of(
            "resources/list"
        )),
        msg!(
            "ListResourcesResultResponse",
            "jsonrpc::Response",
            |_| vec![response(&m::list_resources())]
        ),
        req!(
            "ListResourceTemplatesRequest",
            ListResourceTemplatesRequest,
            |_| of("resources/templates/list")
        ),
        msg!(
            "ListResourceTemplatesResultResponse",
            "jsonrpc::Response",
            |_| vec![response(&m::list_templates())]
        ),
        ex!("ResourceRequestParams", ResourceRequestParams, |_| {
            m::read_params()[..1].iter().map(plain).collect()
        }),
        ex!("ReadResourceRequestParams", ResourceRequestParams, |_| {
            m::read_params().iter().map(plain).collect()
        }),
        req!("ReadResourceRequest", ReadResourceRequest, |_| of(
            "resources/read"
        )),
        msg!("ReadResourceResultResponse", "jsonrpc::Response", |_| vec![
            response(&m::read_resource()),
            response(&plain(&m::input_required()[1]))
        ]),
        req!("ListPromptsRequest", ListPromptsRequest, |_| of(
            "prompts/list"
        )),
        msg!("ListPromptsResultResponse", "jsonrpc::Response", |_| vec![
            response(&m::list_prompts())
        ]),
        ex!("GetPromptRequestParams", GetPromptRequestParams, |_| {
            m::get_prompt_params().iter().map(plain).collect()
        }),
        req!("GetPromptRequest", GetPromptRequest, |_| of("prompts/get")),
        ex!("GetPromptResult", GetPromptResult, |_| vec![ser(
            &f::get_prompt_result(),
            V
        )]),
        msg!("GetPromptResultResponse", "jsonrpc::Response", |_| vec![
            response(&ser(&f::get_prompt_result(), V)),
            response(&plain(&m::input_required()[0]))
        ]),
        ex!("CompleteRequestParams", CompleteRequestParams, |_| {
            m::complete_params().iter().map(plain).collect()
        }),
        req!("CompleteRequest", CompleteRequest, |_| of(
            "completion/complete"
        )),
        ex!("CompleteResult", CompleteResult, |_| vec![ser(
            &f::complete_result(),
            V
        )]),
        msg!("CompleteResultResponse", "jsonrpc::Response", |_| vec![
            response(&ser(&f::complete_result(), V))
        ]),
    ];
    out.extend(mrtr());
    out.extend(subscriptions());
    out.extend(messages());
    out
}

/// Multi round-trip requests.
fn mrtr() -> Vec<Example> {
    vec![
        ex!("InputRequest", InputRequest, |_| m::input_requests()
            .values()
            .map(plain)
            .collect()),
        ex!("InputRequests", InputRequests, |_| vec![plain(
            &m::input_requests()
        )]),
        ex!("CreateMessageRequest", InputRequest, |_| vec![
            input_request("sample")
        ]),
        ex!(
            "CreateMessageRequestParams",
            CreateMessageRequestParams,
            |_| vec![input_request("sample")["params"].clone()]
        ),
        ex!("ListRootsRequest", InputRequest, |_| vec![
            input_request("roots"),
            input_request("roots-2")
        ]),
        ex!("ElicitRequest", InputRequest, |_| vec![
            input_request("form"),
            input_request("url")
        ]),
        ex!("InputResponse", InputResponse, |_| m::input_responses()
            .values()
            .map(plain)
            .collect()),
        ex!("InputResponses", InputResponses, |_| vec![plain(
            &m::input_responses()
        )]),
        ex!("InputRequiredResult", InputRequiredResult, |_| {
            m::input_required().iter().map(plain).collect()
        }),
        ex!(
            "InputResponseRequestParams",
            InputResponseRequestParams,
            |_| {
                let mut p = InputResponseRequestParams::default();
                p.input_responses = Some(m::input_responses());
                p.request_state = Some("c3RhdGU".into());
                p.meta = Some(m::minimal_meta());
                vec![plain(&p)]
            }
        ),
    ]
}

/// `subscriptions/listen`.
fn subscriptions() -> Vec<Example> {
    vec![
        ex!("SubscriptionFilter", SubscriptionFilter, |_| vec![
            plain(&m::filter()),
            plain(&SubscriptionFilter::default())
        ]),
        ex!(
            "SubscriptionsListenRequestParams",
            SubscriptionsListenRequestParams,
            |_| vec![plain(&m::listen_params())]
        ),
        req!(
            "SubscriptionsListenRequest",
            SubscriptionsListenRequest,
            |_| of("subscriptions/listen")
        ),
        ex!(
            "SubscriptionsListenResult",
            SubscriptionsListenResult,
            |_| vec![
                plain(&m::listen_result()),
                plain(&SubscriptionsListenResult::new(&RequestId::from(5)))
            ]
        ),
        msg!(
            "SubscriptionsListenResultResponse",
            "jsonrpc::Response",
            |_| {
                let r = m::listen_result();
                let id = r.meta[SUBSCRIPTION_ID_KEY].clone();
                let mut out = response(&plain(&r));
                out["id"] = id;
                vec![out]
            }
        ),
        ex!(
            "SubscriptionsAcknowledgedNotificationParams",
            SubscriptionsAcknowledgedNotificationParams,
            |_| vec![plain(&m::acknowledged())]
        ),
        note!(
            "SubscriptionsAcknowledgedNotification",
            SubscriptionsAcknowledgedNotification,
            |_| vec![notification::<SubscriptionsAcknowledgedNotification>(
                Some(&m::acknowledged()),
                V
            )]
        ),
    ]
}

/// Envelopes, unions and errors.
fn messages() -> Vec<Example> {
    vec![
        msg!(
            "JSONRPCRequest",
            "jsonrpc::Request",
            |_| m::client_requests()
        ),
        msg!("Request", "jsonrpc::Request", |_| m::client_requests()),
        msg!("ClientRequest", "methods::* (client requests)", |_| {
            m::client_requests()
        }),
        msg!("JSONRPCNotification", "jsonrpc::Notification", |_| {
            m::server_notifications()
        }),
        msg!("Notification", "jsonrpc::Notification", |_| {
            m::server_notifications()
        }),
        msg!(
            "ServerNotification",
            "methods::* (server notifications)",
            |_| { m::server_notifications() }
        ),
        msg!(
            "ClientNotification",
            "methods::* (client notifications)",
            |_| { m::client_notifications() }
        ),
        note!(
            "ResourceUpdatedNotification",
            ResourceUpdatedNotification,
            |_| vec![m::server_notifications()[4].clone()]
        ),
        ex!(
            "ResourceUpdatedNotificationParams",
            ResourceRequestParams,
            |_| vec![plain(&m::resource_updated())]
        ),
        ex!("NotificationParams", NotificationParams, |_| vec![plain(
            &m::on_subscription()
        )]),
        msg!("JSONRPCResultResponse", "jsonrpc::Response", |_| {
            m::responses()
        }),
        msg!("JSONRPCResponse", "Message (Response | Error)", |_| {
            let mut out = m::responses();
            out.extend(m::errors());
            out
        }),
        msg!("JSONRPCErrorResponse", "jsonrpc::ErrorResponse", |_| {
            m::errors()
        }),
        msg!("JSONRPCMessage", "Message", |_| {
            let mut out = m::client_requests();
            out.extend(m::server_notifications());
            out.extend(m::responses());
            out.extend(m::errors());
            out
        }),
        msg!(
            "UnsupportedProtocolVersionError",
            "ErrorData::unsupported_protocol_version",
            |_| vec![m::errors()[0].clone()]
        ),
        msg!(
            "HeaderMismatchError",
            "ErrorData::header_mismatch",
            |_| vec![m::errors()[1].clone()]
        ),
        msg!(
            "MissingRequiredClientCapabilityError",
            "ErrorData::missing_required_client_capability",
            |_| vec![m::errors()[2].clone()]
        ),
        ex!("ParseError", ErrorData, |_| vec![plain(
            &ErrorData::parse_error("unexpected end of input")
        )]),
        ex!("InvalidRequestError", ErrorData, |_| vec![plain(
            &ErrorData::invalid_request("missing `method`")
        )]),
        ex!("MethodNotFoundError", ErrorData, |_| vec![plain(
            &ErrorData::method_not_found("ping").with_data(json!({"method": "ping"}))
        )]),
        ex!("InvalidParamsError", ErrorData, |_| vec![plain(
            &ErrorData::invalid_params("unknown tool")
        )]),
        ex!("InternalError", ErrorData, |_| vec![plain(
            &ErrorData::internal_error("boom")
        )]),
    ]
}

#[test]
fn requests_of_the_table_carry_the_modern_meta() {
    for r in m::client_requests() {
        let meta = &r["params"]["_meta"];
        assert_eq!(
            meta["io.modelcontextprotocol/protocolVersion"], "2026-07-28",
            "{r}"
        );
        assert!(
            meta["io.modelcontextprotocol/clientCapabilities"].is_object(),
            "{r}"
        );
    }
}
