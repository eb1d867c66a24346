//! The definition map.

use oxmcp_types::content::*;
use oxmcp_types::elicitation::*;
use oxmcp_types::jsonrpc::{ErrorResponse, Message};
use oxmcp_types::lifecycle::Icon;
use oxmcp_types::methods::*;
use oxmcp_types::pagination::{Cursor, PaginatedRequestParams, PaginatedResult};
use oxmcp_types::prompts::*;
use oxmcp_types::*;
use serde_json::{Value, json};

use super::features::features;
use super::messages as m;
use super::{
    Example, notification, plain, request, response, rt, rt_message, rt_notification, rt_request,
    ser, ser_all,
};
use crate::fixtures as f;

/// A data type: `ex!(definition, RustType, builder)`; `closed` when the type keeps no
/// unknown top-level members.
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
    ($def:literal, $ty:ty, $build:expr, closed) => {
        Example {
            def: $def,
            rust: stringify!($ty),
            build: $build,
            round_trip: rt::<$ty>,
            open: false,
        }
    };
}

/// A request message definition and its method marker.
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

/// A notification message definition and its method marker.
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

/// A message definition modelled by the envelope.
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

fn error_response() -> Value {
    plain(&Message::from(ErrorResponse::new(
        Some(RequestId::Number(9)),
        ErrorData::method_not_found("tools/frobnicate")
            .with_data(json!({"method": "tools/frobnicate"})),
    )))
}

fn url_elicitation_error() -> Value {
    let data = UrlElicitationRequiredData::new(vec![f::elicit_url()]);
    let err = ErrorData::url_elicitation_required("Authorization required", data);
    plain(&Message::from(ErrorResponse::new(
        Some(RequestId::from("r-7")),
        err,
    )))
}

#[expect(clippy::too_many_lines, reason = "one entry per schema definition")]
pub fn all() -> Vec<Example> {
    vec![
        // Content.
        ex!("Annotations", Annotations, |v| vec![ser(
            &f::annotations(),
            v
        )]),
        ex!("Annotated", TextContent, |v| vec![ser(&f::text(), v)]),
        ex!(
            "Role",
            Role,
            |_| vec![plain(&Role::User), plain(&Role::Assistant)],
            closed
        ),
        ex!("TextContent", TextContent, |v| vec![
            ser(&f::text(), v),
            plain(&TextContent::new(""))
        ]),
        ex!("ImageContent", ImageContent, |v| vec![ser(&f::image(), v)]),
        ex!("AudioContent", AudioContent, |v| vec![ser(&f::audio(), v)]),
        ex!("ResourceLink", ResourceLink, |v| vec![ser(&f::link(), v)]),
        ex!("EmbeddedResource", EmbeddedResource, |v| vec![
            ser(&f::embedded(f::text_contents()), v),
            ser(&f::embedded(f::blob_contents()), v)
        ]),
        ex!("ContentBlock", ContentBlock, |v| ser_all(
            &f::content_blocks(),
            v
        )),
        ex!("ToolUseContent", ToolUseContent, |v| vec![ser(
            &f::tool_use(),
            v
        )]),
        ex!("ToolResultContent", ToolResultContent, |v| vec![ser(
            &f::tool_result(),
            v
        )]),
        ex!(
            "SamplingMessageContentBlock",
            SamplingMessageContentBlock,
            |v| ser_all(&f::sampling_blocks(), v)
        ),
        ex!("TextResourceContents", TextResourceContents, |v| vec![ser(
            &f::text_contents(),
            v
        )]),
        ex!("BlobResourceContents", BlobResourceContents, |v| vec![ser(
            &f::blob_contents(),
            v
        )]),
        ex!("ResourceContents", ResourceContents, |v| vec![
            ser(&ResourceContents::from(f::text_contents()), v),
            ser(&ResourceContents::from(f::blob_contents()), v)
        ]),
        // Lifecycle and base types.
        ex!("Icon", Icon, |_| vec![
            plain(&f::icon()),
            plain(&Icon::new("data:image/png;base64,aGVsbG8="))
        ]),
        ex!("Icons", Implementation, |v| vec![ser(
            &f::implementation(),
            v
        )]),
        ex!("BaseMetadata", PromptArgument, |v| vec![ser(
            &f::prompt_argument(),
            v
        )]),
        ex!("Implementation", Implementation, |v| vec![
            ser(&f::implementation(), v),
            plain(&Implementation::new("min", "0.1"))
        ]),
        ex!("ClientCapabilities", ClientCapabilities, |v| vec![
            ser(&f::client_caps(), v),
            plain(&ClientCapabilities::default())
        ]),
        ex!("ServerCapabilities", ServerCapabilities, |v| vec![
            ser(&f::server_caps(), v),
            plain(&ServerCapabilities::default())
        ]),
        ex!(
            "InitializeRequestParams",
            InitializeRequestParams,
            |v| vec![ser(
                &InitializeRequestParams::new(v.as_str(), f::client_caps(), f::implementation()),
                v
            )]
        ),
        ex!("InitializeResult", InitializeResult, |v| vec![
            m::server_results(v)[1].clone()
        ]),
        req!("InitializeRequest", InitializeRequest, |v| vec![
            m::initialize(v)
        ]),
        note!(
            "InitializedNotification",
            InitializedNotification,
            |v| vec![notification::<InitializedNotification>(None, v)]
        ),
        ex!(
            "Cursor",
            Cursor,
            |_| vec![plain(&Cursor::from("c-1"))],
            closed
        ),
        ex!(
            "ProgressToken",
            ProgressToken,
            |_| vec![
                plain(&ProgressToken::from("p")),
                plain(&ProgressToken::from(3))
            ],
            closed
        ),
        ex!(
            "RequestId",
            RequestId,
            |_| vec![plain(&RequestId::from("a")), plain(&RequestId::from(-1))],
            closed
        ),
        ex!("RequestParams", RequestParams, |_| vec![plain(&{
            let mut p = RequestParams::default();
            p.meta = Some(f::meta());
            p
        })]),
        ex!("NotificationParams", NotificationParams, |_| vec![plain(
            &{
                let mut p = NotificationParams::default();
                p.meta = Some(f::meta());
                p
            }
        )]),
        ex!("Result", JsonObject, |v| m::server_results(v)),
        ex!("EmptyResult", EmptyResult, |v| vec![
            m::server_results(v)[0].clone()
        ]),
        ex!("PaginatedRequestParams", PaginatedRequestParams, |_| vec![
            plain(&PaginatedRequestParams::default().with_cursor("c"))
        ]),
        ex!("PaginatedResult", PaginatedResult, |_| vec![plain(
            &PaginatedResult::default()
        )]),
        req!("PaginatedRequest", ListToolsRequest, |v| m::list::<
            ListToolsRequest,
        >(v)),
        // JSON-RPC envelope.
        msg!(
            "JSONRPCRequest",
            "jsonrpc::Request",
            |v| m::client_requests(v)
        ),
        msg!("Request", "jsonrpc::Request", |v| m::server_requests(v)),
        msg!("JSONRPCNotification", "jsonrpc::Notification", |v| {
            m::server_notifications(v)
        }),
        msg!("Notification", "jsonrpc::Notification", |v| {
            m::client_notifications(v)
        }),
        msg!("JSONRPCResultResponse", "jsonrpc::Response", |v| {
            m::server_results(v).iter().map(response).collect()
        }),
        msg!("JSONRPCResponse", "Message (Response | Error)", |v| {
            let mut out: Vec<Value> = m::client_results(v).iter().map(response).collect();
            if v >= ProtocolVersion::V2025_11_25 {
                out.push(error_response());
            }
            out
        }),
        // oxmcp writes `"id": null` when it answers a request whose id it could not read, as
        // JSON-RPC 2.0 requires; the 2025-11-25 schema omits `id` there instead and the older
        // ones require a non-null id. That exception is tested in the jsonrpc unit tests;
        // here every error response has an id.
        msg!("JSONRPCErrorResponse", "jsonrpc::ErrorResponse", |_| vec![
            error_response(),
            url_elicitation_error()
        ]),
        msg!("JSONRPCError", "jsonrpc::ErrorResponse", |_| vec![
            error_response()
        ]),
        ex!(
            "Error",
            ErrorData,
            |_| vec![
                plain(&ErrorData::invalid_params("missing name")),
                plain(&ErrorData::internal_error("boom").with_data(json!([1, 2])))
            ],
            closed
        ),
        msg!(
            "URLElicitationRequiredError",
            "ErrorData::url_elicitation_required",
            |_| vec![url_elicitation_error()]
        ),
        msg!("JSONRPCMessage", "Message", |v| {
            let mut out = m::client_requests(v);
            out.extend(m::server_notifications(v));
            out.extend(m::client_results(v).iter().map(response));
            out.push(error_response());
            out
        }),
        msg!("JSONRPCBatchRequest", "jsonrpc::decode_batch", |v| vec![
            Value::Array({
                let mut out = m::client_requests(v);
                out.extend(m::client_notifications(v));
                out
            })
        ]),
        msg!("JSONRPCBatchResponse", "jsonrpc::decode_batch", |v| vec![
            Value::Array({
                let mut out: Vec<Value> = m::server_results(v).iter().map(response).collect();
                out.push(error_response());
                out
            })
        ]),
        // Unions of methods and results.
        msg!("ClientRequest", "methods::* (client requests)", |v| {
            m::client_requests(v)
        }),
        msg!("ServerRequest", "methods::* (server requests)", |v| {
            m::server_requests(v)
        }),
        msg!(
            "ClientNotification",
            "methods::* (client notifications)",
            |v| m::client_notifications(v)
        ),
        msg!(
            "ServerNotification",
            "methods::* (server notifications)",
            |v| m::server_notifications(v)
        ),
        ex!("ClientResult", JsonObject, |v| m::client_results(v)),
        ex!("ServerResult", JsonObject, |v| m::server_results(v)),
        // Utilities and logging.
        req!("PingRequest", PingRequest, |v| m::ping(v)),
        note!("CancelledNotification", CancelledNotification, |v| vec![
            m::client_notifications(v)[0].clone()
        ]),
        ex!(
            "CancelledNotificationParams",
            CancelledNotificationParams,
            |v| vec![m::client_notifications(v)[0]["params"].clone()]
        ),
        note!("ProgressNotification", ProgressNotification, |v| vec![
            m::client_notifications(v)[1].clone()
        ]),
        ex!(
            "ProgressNotificationParams",
            ProgressNotificationParams,
            |v| vec![m::client_notifications(v)[1]["params"].clone()]
        ),
        ex!(
            "LoggingLevel",
            LoggingLevel,
            |_| [
                "debug",
                "info",
                "notice",
                "warning",
                "error",
                "critical",
                "alert",
                "emergency"
            ]
            .iter()
            .map(|l| plain(&serde_json::from_value::<LoggingLevel>(json!(l)).unwrap()))
            .collect(),
            closed
        ),
        req!("SetLevelRequest", SetLevelRequest, |v| vec![request::<
            SetLevelRequest,
        >(
            Some(&SetLevelRequestParams::new(LoggingLevel::Debug)),
            v
        )]),
        ex!("SetLevelRequestParams", SetLevelRequestParams, |_| vec![
            plain(&SetLevelRequestParams::new(LoggingLevel::Alert))
        ]),
        note!(
            "LoggingMessageNotification",
            LoggingMessageNotification,
            |v| vec![m::server_notifications(v)[2].clone()]
        ),
        ex!(
            "LoggingMessageNotificationParams",
            LoggingMessageNotificationParams,
            |v| vec![
                m::server_notifications(v)[2]["params"].clone(),
                plain(&LoggingMessageNotificationParams::new(
                    LoggingLevel::Info,
                    None,
                    json!("plain text")
                ))
            ]
        ),
    ]
    .into_iter()
    .chain(features())
    .collect()
}
