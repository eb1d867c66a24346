//! Example messages: every request and notification method, and results.

use oxmcp_types::completion::CompleteRequestParams;
use oxmcp_types::elicitation::{ElicitRequestParams, ElicitationCompleteNotificationParams};
use oxmcp_types::methods::*;
use oxmcp_types::pagination::PaginatedRequestParams;
use oxmcp_types::resources::ResourceRequestParams;
use oxmcp_types::tasks::{
    CreateTaskResult, ListTasksResult, RelatedTaskMetadata, TaskRequestParams,
};
use oxmcp_types::tools::ListToolsResult;
use oxmcp_types::*;
use serde_json::{Value, json};

use super::{for_version, notification, request, ser, ser_all};
use crate::fixtures as f;

pub fn initialize(v: ProtocolVersion) -> Value {
    let p = InitializeRequestParams::new(v.as_str(), f::client_caps(), f::implementation());
    request::<InitializeRequest>(Some(&p), v)
}

pub fn ping(v: ProtocolVersion) -> Vec<Value> {
    let mut p = EmptyParams::default();
    p.meta = Some(f::meta());
    vec![
        request::<PingRequest>(None, v),
        request::<PingRequest>(Some(&p), v),
    ]
}

fn paginated() -> PaginatedRequestParams {
    let mut p = PaginatedRequestParams::default().with_cursor("c-2");
    p.meta = Some(f::meta());
    p
}

/// A paginated request of `M`, without and with params.
pub fn list<M: RequestMethod<Params = PaginatedRequestParams>>(v: ProtocolVersion) -> Vec<Value> {
    vec![request::<M>(None, v), request::<M>(Some(&paginated()), v)]
}

pub fn resource_params() -> ResourceRequestParams {
    let mut p = ResourceRequestParams::new("file:///project/readme.md");
    p.meta = Some(f::meta());
    p
}

pub fn task_params() -> TaskRequestParams {
    TaskRequestParams::new("task-0")
}

pub fn elicit_params() -> Vec<ElicitRequestParams> {
    vec![f::elicit_form().into(), f::elicit_url().into()]
}

pub fn client_requests(v: ProtocolVersion) -> Vec<Value> {
    let mut out = vec![initialize(v)];
    out.extend(ping(v));
    out.extend(list::<ListToolsRequest>(v));
    out.extend(list::<ListResourcesRequest>(v));
    out.extend(list::<ListResourceTemplatesRequest>(v));
    out.extend(list::<ListPromptsRequest>(v));
    out.extend(list::<ListTasksRequest>(v));
    out.push(request::<CallToolRequest>(Some(&f::call_tool_params()), v));
    out.push(request::<ReadResourceRequest>(Some(&resource_params()), v));
    out.push(request::<SubscribeRequest>(Some(&resource_params()), v));
    out.push(request::<UnsubscribeRequest>(Some(&resource_params()), v));
    out.push(request::<GetPromptRequest>(
        Some(&GetPromptRequestParams::new("weather").with_argument("city", "Paris")),
        v,
    ));
    for p in f::complete_params() {
        out.push(request::<CompleteRequest>(Some(&p), v));
    }
    out.push(request::<SetLevelRequest>(
        Some(&SetLevelRequestParams::new(LoggingLevel::Warning)),
        v,
    ));
    out.extend(task_requests(v));
    for_version(out, v)
}

pub fn task_requests(v: ProtocolVersion) -> Vec<Value> {
    vec![
        request::<GetTaskRequest>(Some(&task_params()), v),
        request::<GetTaskPayloadRequest>(Some(&task_params()), v),
        request::<CancelTaskRequest>(Some(&task_params()), v),
    ]
}

pub fn server_requests(v: ProtocolVersion) -> Vec<Value> {
    let mut out = ping(v);
    out.push(request::<CreateMessageRequest>(
        Some(&f::sampling_params()),
        v,
    ));
    out.push(request::<ListRootsRequest>(None, v));
    for p in elicit_params() {
        out.push(request::<ElicitRequest>(Some(&p), v));
    }
    out.extend(task_requests(v));
    out.extend(list::<ListTasksRequest>(v));
    for_version(out, v)
}

fn progress() -> ProgressNotificationParams {
    ProgressNotificationParams::new(
        RequestId::from("p-1"),
        0.5,
        Some(1.0),
        Some("halfway".into()),
    )
}

fn cancelled() -> CancelledNotificationParams {
    CancelledNotificationParams::new(RequestId::Number(4), Some("no longer needed".into()))
}

fn empty_notification_params() -> EmptyParams {
    let mut p = EmptyParams::default();
    p.meta = Some(f::meta());
    p
}

pub fn client_notifications(v: ProtocolVersion) -> Vec<Value> {
    let out = vec![
        notification::<CancelledNotification>(Some(&cancelled()), v),
        notification::<ProgressNotification>(Some(&progress()), v),
        notification::<InitializedNotification>(None, v),
        notification::<RootsListChangedNotification>(Some(&empty_notification_params()), v),
        notification::<TaskStatusNotification>(Some(&f::tasks()[1]), v),
    ];
    for_version(out, v)
}

pub fn server_notifications(v: ProtocolVersion) -> Vec<Value> {
    let out = vec![
        notification::<CancelledNotification>(Some(&cancelled()), v),
        notification::<ProgressNotification>(Some(&progress()), v),
        notification::<LoggingMessageNotification>(
            Some(&LoggingMessageNotificationParams::new(
                LoggingLevel::Error,
                Some("db".into()),
                json!({"error": "connection lost"}),
            )),
            v,
        ),
        notification::<ResourceUpdatedNotification>(Some(&resource_params()), v),
        notification::<ResourceListChangedNotification>(None, v),
        notification::<ToolListChangedNotification>(None, v),
        notification::<PromptListChangedNotification>(Some(&empty_notification_params()), v),
        notification::<ElicitationCompleteNotification>(
            Some(&ElicitationCompleteNotificationParams::new("el-1")),
            v,
        ),
        notification::<TaskStatusNotification>(Some(&f::tasks()[0]), v),
    ];
    for_version(out, v)
}

pub fn create_task_result() -> CreateTaskResult {
    CreateTaskResult::new(f::tasks()[0].clone()).with_model_immediate_response("Working on it.")
}

pub fn task_payload() -> JsonObject {
    let mut result = serde_json::to_value(&f::call_tool_results()[0]).unwrap();
    let mut meta = Meta::new();
    RelatedTaskMetadata::new("task-0").insert_into(&mut meta);
    result["_meta"] = Value::Object(meta);
    f::obj(result)
}

pub fn list_tasks_result() -> ListTasksResult {
    ListTasksResult::new(f::tasks()).with_next_cursor("c-3")
}

fn empty_result() -> EmptyResult {
    let mut r = EmptyResult::default();
    r.meta = Some(f::meta());
    r
}

fn task_results(v: ProtocolVersion) -> Vec<Value> {
    if v < ProtocolVersion::V2025_11_25 {
        return vec![];
    }
    let mut out = ser_all(&f::tasks(), v);
    out.push(Value::Object(task_payload()));
    out.push(ser(&list_tasks_result(), v));
    out.push(ser(&create_task_result(), v));
    out
}

pub fn client_results(v: ProtocolVersion) -> Vec<Value> {
    let mut out = vec![ser(&empty_result(), v)];
    out.extend(ser_all(&f::sampling_results(), v));
    out.push(ser(&ListRootsResult::new(vec![f::root()]), v));
    if v >= ProtocolVersion::V2025_06_18 {
        out.extend(ser_all(&f::elicit_results(), v));
    }
    out.extend(task_results(v));
    out
}

pub fn server_results(v: ProtocolVersion) -> Vec<Value> {
    let mut init = InitializeResult::new(v.as_str(), f::server_caps(), f::implementation());
    init.instructions = Some("Use the weather tool.".into());
    init.meta = Some(f::meta());
    let mut out = vec![ser(&empty_result(), v), ser(&init, v)];
    out.push(ser(
        &ListResourcesResult::new(vec![f::resource()]).with_next_cursor("n"),
        v,
    ));
    out.push(ser(
        &ListResourceTemplatesResult::new(vec![f::template()]),
        v,
    ));
    out.push(ser(
        &ReadResourceResult::new(vec![f::text_contents().into(), f::blob_contents().into()]),
        v,
    ));
    out.push(ser(&ListPromptsResult::new(vec![f::prompt()]), v));
    out.push(ser(&f::get_prompt_result(), v));
    out.push(ser(
        &ListToolsResult::new(vec![f::tool()]).with_next_cursor("n"),
        v,
    ));
    out.extend(ser_all(&f::call_tool_results(), v));
    out.push(ser(&f::complete_result(), v));
    out.extend(task_results(v));
    out
}

/// The completion params for a revision: the prompt reference and the resource one.
pub fn complete_requests(v: ProtocolVersion) -> Vec<Value> {
    f::complete_params()
        .iter()
        .map(|p: &CompleteRequestParams| request::<CompleteRequest>(Some(p), v))
        .collect()
}
