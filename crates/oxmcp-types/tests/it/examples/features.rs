//! The definition map, part two: server and client features.

use oxmcp_types::completion::*;
use oxmcp_types::elicitation::*;
use oxmcp_types::methods::*;
use oxmcp_types::prompts::*;
use oxmcp_types::resources::*;
use oxmcp_types::roots::*;
use oxmcp_types::sampling::*;
use oxmcp_types::tasks::*;
use oxmcp_types::tools::*;
use oxmcp_types::*;
use serde_json::Value;

use super::messages as m;
use super::{Example, notification, plain, request, rt, rt_notification, rt_request, ser, ser_all};
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

fn enum_schemas(v: ProtocolVersion, keep: fn(&PrimitiveSchemaDefinition) -> bool) -> Vec<Value> {
    f::primitive_schemas()
        .into_iter()
        .filter(|s| keep(s) && (v >= ProtocolVersion::V2025_11_25 || !s.is_multi_select()))
        .map(|s| ser(&s, v))
        .collect()
}

fn ptype(v: &Value) -> (&str, bool, bool) {
    (
        v["type"].as_str().unwrap_or(""),
        v.get("oneOf").is_some() || v.pointer("/items/anyOf").is_some(),
        v.get("enumNames").is_some(),
    )
}

fn pick(v: ProtocolVersion, want: fn(&str, bool, bool, bool) -> bool) -> Vec<Value> {
    f::primitive_schemas()
        .into_iter()
        .map(|s| (s.is_enum(), serde_json::to_value(&s).unwrap()))
        .filter(|(is_enum, j)| {
            let (t, titled, legacy) = ptype(j);
            want(t, *is_enum, titled, legacy)
        })
        .map(|(_, j)| j)
        .map(|j| {
            ser(
                &serde_json::from_value::<PrimitiveSchemaDefinition>(j).unwrap(),
                v,
            )
        })
        .collect()
}

fn sampling_request(v: ProtocolVersion) -> Vec<Value> {
    vec![
        request::<CreateMessageRequest>(Some(&f::sampling_params()), v),
        request::<CreateMessageRequest>(
            Some(&CreateMessageRequestParams::new(
                vec![SamplingMessage::user_text("hi")],
                10,
            )),
            v,
        ),
    ]
}

#[expect(clippy::too_many_lines, reason = "one entry per schema definition")]
pub fn features() -> Vec<Example> {
    vec![
        // Tools.
        ex!("Tool", Tool, |v| vec![
            ser(&f::tool(), v),
            plain(&Tool::without_arguments("now"))
        ]),
        ex!("ToolAnnotations", ToolAnnotations, |v| vec![
            ser(&f::tool(), v)["annotations"].clone()
        ]),
        ex!("ToolExecution", ToolExecution, |_| [
            TaskSupport::Forbidden,
            TaskSupport::Optional,
            TaskSupport::Required
        ]
        .into_iter()
        .map(|t| plain(&Tool::without_arguments("t").with_task_support(t).execution))
        .collect()),
        ex!("ListToolsResult", ListToolsResult, |v| vec![ser(
            &ListToolsResult::new(vec![f::tool()]).with_next_cursor("n"),
            v
        )]),
        req!("ListToolsRequest", ListToolsRequest, |v| m::list::<
            ListToolsRequest,
        >(v)),
        ex!("CallToolRequestParams", CallToolRequestParams, |v| vec![
            ser(&f::call_tool_params(), v)
        ]),
        ex!(
            "TaskAugmentedRequestParams",
            CallToolRequestParams,
            |v| vec![ser(&f::call_tool_params(), v)]
        ),
        req!("CallToolRequest", CallToolRequest, |v| vec![
            request::<CallToolRequest>(Some(&f::call_tool_params()), v),
            request::<CallToolRequest>(Some(&CallToolRequestParams::new("now")), v)
        ]),
        ex!("CallToolResult", CallToolResult, |v| ser_all(
            &f::call_tool_results(),
            v
        )),
        note!(
            "ToolListChangedNotification",
            ToolListChangedNotification,
            |v| vec![m::server_notifications(v)[5].clone()]
        ),
        // Resources.
        ex!("Resource", Resource, |v| vec![ser(&f::resource(), v)]),
        ex!("ResourceTemplate", ResourceTemplate, |v| vec![ser(
            &f::template(),
            v
        )]),
        ex!("ListResourcesResult", ListResourcesResult, |v| vec![
            m::server_results(v)[2].clone()
        ]),
        ex!(
            "ListResourceTemplatesResult",
            ListResourceTemplatesResult,
            |v| vec![m::server_results(v)[3].clone()]
        ),
        ex!("ReadResourceResult", ReadResourceResult, |v| vec![
            m::server_results(v)[4].clone()
        ]),
        req!("ListResourcesRequest", ListResourcesRequest, |v| m::list::<
            ListResourcesRequest,
        >(
            v
        )),
        req!(
            "ListResourceTemplatesRequest",
            ListResourceTemplatesRequest,
            |v| m::list::<ListResourceTemplatesRequest>(v)
        ),
        ex!("ResourceRequestParams", ResourceRequestParams, |_| vec![
            plain(&m::resource_params())
        ]),
        ex!(
            "ReadResourceRequestParams",
            ReadResourceRequestParams,
            |_| vec![plain(&m::resource_params())]
        ),
        ex!("SubscribeRequestParams", SubscribeRequestParams, |_| vec![
            plain(&m::resource_params())
        ]),
        ex!(
            "UnsubscribeRequestParams",
            UnsubscribeRequestParams,
            |_| vec![plain(&m::resource_params())]
        ),
        ex!(
            "ResourceUpdatedNotificationParams",
            ResourceUpdatedNotificationParams,
            |_| vec![plain(&ResourceRequestParams::new("file:///a"))]
        ),
        req!("ReadResourceRequest", ReadResourceRequest, |v| vec![
            request::<ReadResourceRequest>(Some(&m::resource_params()), v)
        ]),
        req!("SubscribeRequest", SubscribeRequest, |v| vec![request::<
            SubscribeRequest,
        >(
            Some(&m::resource_params()),
            v
        )]),
        req!("UnsubscribeRequest", UnsubscribeRequest, |v| vec![
            request::<UnsubscribeRequest>(Some(&m::resource_params()), v)
        ]),
        note!(
            "ResourceUpdatedNotification",
            ResourceUpdatedNotification,
            |v| vec![m::server_notifications(v)[3].clone()]
        ),
        note!(
            "ResourceListChangedNotification",
            ResourceListChangedNotification,
            |v| vec![m::server_notifications(v)[4].clone()]
        ),
        // Prompts.
        ex!("Prompt", Prompt, |v| vec![
            ser(&f::prompt(), v),
            plain(&Prompt::new("p"))
        ]),
        ex!("PromptArgument", PromptArgument, |v| vec![ser(
            &f::prompt_argument(),
            v
        )]),
        ex!("PromptMessage", PromptMessage, |v| ser_all(
            &f::prompt_messages(),
            v
        )),
        ex!("ListPromptsResult", ListPromptsResult, |v| vec![
            m::server_results(v)[5].clone()
        ]),
        ex!("GetPromptResult", GetPromptResult, |v| vec![ser(
            &f::get_prompt_result(),
            v
        )]),
        ex!("GetPromptRequestParams", GetPromptRequestParams, |_| vec![
            plain(&GetPromptRequestParams::new("weather").with_argument("city", "Paris"))
        ]),
        req!("ListPromptsRequest", ListPromptsRequest, |v| m::list::<
            ListPromptsRequest,
        >(v)),
        req!("GetPromptRequest", GetPromptRequest, |v| vec![request::<
            GetPromptRequest,
        >(
            Some(&GetPromptRequestParams::new("weather")),
            v
        )]),
        note!(
            "PromptListChangedNotification",
            PromptListChangedNotification,
            |v| vec![m::server_notifications(v)[6].clone()]
        ),
        // Completion.
        ex!("PromptReference", PromptReference, |v| vec![ser(
            &CompletionReference::from(f::prompt_reference()),
            v
        )]),
        ex!(
            "ResourceTemplateReference",
            ResourceTemplateReference,
            |_| vec![plain(&ResourceTemplateReference::new(
                "file:///project/{path}"
            ))]
        ),
        ex!("ResourceReference", ResourceTemplateReference, |_| vec![
            plain(&ResourceTemplateReference::new("file:///project/{path}"))
        ]),
        ex!("CompleteRequestParams", CompleteRequestParams, |v| ser_all(
            &f::complete_params(),
            v
        )),
        req!(
            "CompleteRequest",
            CompleteRequest,
            |v| m::complete_requests(v)
        ),
        ex!("CompleteResult", CompleteResult, |v| vec![
            ser(&f::complete_result(), v),
            plain(&CompleteResult::new(vec![]))
        ]),
        // Sampling.
        ex!("ModelHint", ModelHint, |_| vec![
            plain(&ModelHint::new("sonnet")),
            plain(&ModelHint::default())
        ]),
        ex!("ModelPreferences", ModelPreferences, |v| vec![
            ser(&f::sampling_params(), v)["modelPreferences"].clone()
        ]),
        ex!("ToolChoice", ToolChoice, |_| [
            ToolChoiceMode::Auto,
            ToolChoiceMode::Required,
            ToolChoiceMode::None
        ]
        .into_iter()
        .map(|c| plain(&ToolChoice::new(c)))
        .collect()),
        ex!("SamplingMessage", SamplingMessage, |v| ser_all(
            &f::sampling_params().messages,
            v
        )),
        ex!(
            "CreateMessageRequestParams",
            CreateMessageRequestParams,
            |v| vec![ser(&f::sampling_params(), v)]
        ),
        req!(
            "CreateMessageRequest",
            CreateMessageRequest,
            sampling_request
        ),
        ex!("CreateMessageResult", CreateMessageResult, |v| ser_all(
            &f::sampling_results(),
            v
        )),
        // Roots.
        ex!("Root", Root, |v| vec![
            ser(&f::root(), v),
            plain(&Root::new("file:///tmp"))
        ]),
        ex!("ListRootsResult", ListRootsResult, |v| vec![ser(
            &ListRootsResult::new(vec![f::root()]),
            v
        )]),
        req!("ListRootsRequest", ListRootsRequest, |v| vec![request::<
            ListRootsRequest,
        >(
            None, v
        )]),
        note!(
            "RootsListChangedNotification",
            RootsListChangedNotification,
            |v| vec![m::client_notifications(v)[3].clone()]
        ),
        // Elicitation.
        ex!(
            "ElicitRequestFormParams",
            ElicitRequestFormParams,
            |v| vec![ser(&ElicitRequestParams::from(f::elicit_form()), v)]
        ),
        ex!("ElicitRequestURLParams", ElicitRequestUrlParams, |v| vec![
            ser(&ElicitRequestParams::from(f::elicit_url()), v)
        ]),
        ex!("ElicitRequestParams", ElicitRequestParams, |v| ser_all(
            &m::elicit_params(),
            v
        )),
        req!("ElicitRequest", ElicitRequest, |v| m::elicit_params()
            .iter()
            .map(|p| request::<ElicitRequest>(Some(p), v))
            .collect()),
        ex!("ElicitResult", ElicitResult, |v| ser_all(
            &f::elicit_results(),
            v
        )),
        note!(
            "ElicitationCompleteNotification",
            ElicitationCompleteNotification,
            |v| vec![notification::<ElicitationCompleteNotification>(
                Some(&ElicitationCompleteNotificationParams::new("el-1")),
                v
            )]
        ),
        ex!(
            "PrimitiveSchemaDefinition",
            PrimitiveSchemaDefinition,
            |v| enum_schemas(v, |_| true)
        ),
        ex!("EnumSchema", PrimitiveSchemaDefinition, |v| enum_schemas(
            v,
            PrimitiveSchemaDefinition::is_enum
        )),
        ex!("SingleSelectEnumSchema", PrimitiveSchemaDefinition, |v| {
            pick(v, |t, e, _, legacy| t == "string" && e && !legacy)
        }),
        ex!(
            "MultiSelectEnumSchema",
            PrimitiveSchemaDefinition,
            |v| pick(v, |t, _, _, _| t == "array")
        ),
        ex!("StringSchema", StringSchema, |v| pick(v, |t, e, _, _| t
            == "string"
            && !e)),
        ex!("NumberSchema", NumberSchema, |v| pick(v, |t, _, _, _| t
            == "number"
            || t == "integer")),
        ex!("BooleanSchema", BooleanSchema, |v| pick(v, |t, _, _, _| t
            == "boolean")),
        ex!(
            "UntitledSingleSelectEnumSchema",
            UntitledSingleSelectEnumSchema,
            |v| pick(v, |t, e, titled, legacy| t == "string"
                && e
                && !titled
                && !legacy)
        ),
        ex!(
            "TitledSingleSelectEnumSchema",
            TitledSingleSelectEnumSchema,
            |v| pick(v, |t, _, titled, _| t == "string" && titled)
        ),
        ex!(
            "UntitledMultiSelectEnumSchema",
            UntitledMultiSelectEnumSchema,
            |v| pick(v, |t, _, titled, _| t == "array" && !titled)
        ),
        ex!(
            "TitledMultiSelectEnumSchema",
            TitledMultiSelectEnumSchema,
            |v| pick(v, |t, _, titled, _| t == "array" && titled)
        ),
        ex!("LegacyTitledEnumSchema", LegacyTitledEnumSchema, |v| pick(
            v,
            |_, _, _, legacy| legacy
        )),
        // Tasks.
        ex!("Task", Task, |v| ser_all(&f::tasks(), v)),
        ex!("TaskStatus", TaskStatus, |_| f::tasks()
            .iter()
            .map(|t| plain(&t.status))
            .collect()),
        ex!("TaskMetadata", TaskMetadata, |_| vec![
            plain(&TaskMetadata::with_ttl(1000)),
            plain(&TaskMetadata::default())
        ]),
        ex!("RelatedTaskMetadata", RelatedTaskMetadata, |_| vec![plain(
            &RelatedTaskMetadata::new("task-0")
        )]),
        ex!("CreateTaskResult", CreateTaskResult, |v| vec![ser(
            &m::create_task_result(),
            v
        )]),
        ex!("GetTaskResult", GetTaskResult, |v| ser_all(&f::tasks(), v)),
        ex!("CancelTaskResult", CancelTaskResult, |v| vec![ser(
            &f::tasks()[4],
            v
        )]),
        ex!("GetTaskPayloadResult", GetTaskPayloadResult, |_| vec![
            Value::Object(m::task_payload())
        ]),
        ex!("ListTasksResult", ListTasksResult, |v| vec![ser(
            &m::list_tasks_result(),
            v
        )]),
        ex!(
            "TaskStatusNotificationParams",
            TaskStatusNotificationParams,
            |v| ser_all(&f::tasks(), v)
        ),
        req!("GetTaskRequest", GetTaskRequest, |v| vec![request::<
            GetTaskRequest,
        >(
            Some(&m::task_params()),
            v
        )]),
        req!("GetTaskPayloadRequest", GetTaskPayloadRequest, |v| vec![
            request::<GetTaskPayloadRequest>(Some(&m::task_params()), v)
        ]),
        req!("CancelTaskRequest", CancelTaskRequest, |v| vec![request::<
            CancelTaskRequest,
        >(
            Some(&m::task_params()),
            v
        )]),
        req!("ListTasksRequest", ListTasksRequest, |v| m::list::<
            ListTasksRequest,
        >(v)),
        note!("TaskStatusNotification", TaskStatusNotification, |v| vec![
            m::server_notifications(v).last().unwrap().clone()
        ]),
    ]
}
