//! Rich 2025-11-25 instances of the wire types: every optional member set.

use oxmcp_types::capabilities::*;
use oxmcp_types::completion::*;
use oxmcp_types::content::*;
use oxmcp_types::elicitation::*;
use oxmcp_types::lifecycle::{Icon, IconTheme};
use oxmcp_types::prompts::*;
use oxmcp_types::resources::*;
use oxmcp_types::roots::*;
use oxmcp_types::sampling::*;
use oxmcp_types::tasks::*;
use oxmcp_types::tools::*;
use oxmcp_types::*;
use serde_json::{Value, json};

pub fn obj(v: Value) -> JsonObject {
    match v {
        Value::Object(o) => o,
        other => panic!("not an object: {other}"),
    }
}

pub fn meta() -> Meta {
    obj(json!({"com.example/trace": "abc", "progressToken": 7}))
}

pub fn icon() -> Icon {
    let mut i = Icon::new("https://example.com/icon.png");
    i.mime_type = Some("image/png".into());
    i.sizes = Some(vec!["48x48".into(), "any".into()]);
    i.theme = Some(IconTheme::Dark);
    i
}

pub fn implementation() -> Implementation {
    Implementation::new("demo", "1.2.3")
        .with_title("Demo")
        .with_description("A demo implementation")
        .with_icons(vec![icon()])
        .with_website_url("https://example.com")
}

pub fn client_caps() -> ClientCapabilities {
    serde_json::from_value(json!({
        "experimental": {"com.example/x": {"on": true}},
        "roots": {"listChanged": true},
        "sampling": {"context": {}, "tools": {}},
        "elicitation": {"form": {}, "url": {}},
        "tasks": {"list": {}, "cancel": {}, "requests": {
            "sampling": {"createMessage": {}}, "elicitation": {"create": {}}
        }}
    }))
    .unwrap()
}

pub fn server_caps() -> ServerCapabilities {
    serde_json::from_value(json!({
        "experimental": {"com.example/x": {}},
        "logging": {},
        "completions": {},
        "prompts": {"listChanged": true},
        "resources": {"subscribe": true, "listChanged": true},
        "tools": {"listChanged": true},
        "tasks": {"list": {}, "cancel": {}, "requests": {"tools": {"call": {}}}}
    }))
    .unwrap()
}

pub fn annotations() -> Annotations {
    Annotations::default()
        .with_audience(vec![Role::User, Role::Assistant])
        .with_priority(0.5)
        .with_last_modified("2025-11-25T10:00:00Z")
}

pub fn text() -> TextContent {
    TextContent::new("hello")
        .with_annotations(annotations())
        .with_meta(meta())
}

pub fn image() -> ImageContent {
    ImageContent::new("aGVsbG8=", "image/png")
        .with_annotations(annotations())
        .with_meta(meta())
}

pub fn audio() -> AudioContent {
    AudioContent::new("aGVsbG8=", "audio/wav")
        .with_annotations(annotations())
        .with_meta(meta())
}

pub fn resource() -> Resource {
    let mut r = Resource::new("file:///project/readme.md", "readme")
        .with_title("Read me")
        .with_description("The project's read-me")
        .with_mime_type("text/markdown")
        .with_size(1024)
        .with_annotations(annotations())
        .with_icons(vec![icon()]);
    r.meta = Some(meta());
    r
}

pub fn template() -> ResourceTemplate {
    let mut t = ResourceTemplate::new("file:///project/{path}", "files")
        .with_title("Project files")
        .with_description("Any file")
        .with_mime_type("text/plain");
    t.annotations = Some(annotations());
    t.icons = Some(vec![icon()]);
    t.meta = Some(meta());
    t
}

pub fn link() -> ResourceLink {
    ResourceLink::from(resource())
}

pub fn text_contents() -> TextResourceContents {
    let mut c = TextResourceContents::new("file:///project/readme.md", "# Hi")
        .with_mime_type("text/markdown");
    c.meta = Some(meta());
    c
}

pub fn blob_contents() -> BlobResourceContents {
    let mut c = BlobResourceContents::new("file:///project/logo.png", "aGVsbG8=")
        .with_mime_type("image/png");
    c.meta = Some(meta());
    c
}

pub fn embedded(contents: impl Into<ResourceContents>) -> EmbeddedResource {
    EmbeddedResource::new(contents)
        .with_annotations(annotations())
        .with_meta(meta())
}

pub fn content_blocks() -> Vec<ContentBlock> {
    vec![
        text().into(),
        image().into(),
        audio().into(),
        link().into(),
        embedded(text_contents()).into(),
        embedded(blob_contents()).into(),
    ]
}

pub fn tool_use() -> ToolUseContent {
    let mut t = ToolUseContent::new("use-1", "get_weather", obj(json!({"city": "Paris"})));
    t.meta = Some(meta());
    t
}

pub fn tool_result() -> ToolResultContent {
    let mut t = ToolResultContent::new("use-1", content_blocks());
    t.structured_content = Some(obj(json!({"temperature": 21})));
    t.is_error = Some(false);
    t.meta = Some(meta());
    t
}

pub fn sampling_blocks() -> Vec<SamplingMessageContentBlock> {
    vec![
        text().into(),
        image().into(),
        audio().into(),
        tool_use().into(),
        tool_result().into(),
    ]
}

pub fn tool() -> Tool {
    let mut t = Tool::new(
        "get_weather",
        obj(json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "type": "object",
            "properties": {"city": {"type": "string", "description": "City name"}},
            "required": ["city"],
            "additionalProperties": false
        })),
    )
    .with_title("Weather")
    .with_description("Current weather")
    .with_output_schema(obj(json!({
        "type": "object",
        "properties": {"temperature": {"type": "number"}},
        "required": ["temperature"]
    })))
    .with_annotations(
        ToolAnnotations::default()
            .read_only(true)
            .destructive(false)
            .idempotent(true)
            .open_world(true),
    )
    .with_task_support(TaskSupport::Optional)
    .with_icons(vec![icon()]);
    t.annotations.as_mut().unwrap().title = Some("Weather tool".into());
    t.meta = Some(meta());
    t
}

pub fn call_tool_params() -> CallToolRequestParams {
    let mut p = CallToolRequestParams::new("get_weather")
        .with_arguments(obj(json!({"city": "Paris"})))
        .with_task(TaskMetadata::with_ttl(60_000));
    p.meta = Some(meta());
    p
}

pub fn call_tool_results() -> Vec<CallToolResult> {
    let mut rich = CallToolResult::success(content_blocks());
    rich.structured_content = Some(obj(json!({"temperature": 21})));
    rich.is_error = Some(false);
    rich.meta = Some(meta());
    let mut structured_only = CallToolResult::structured(obj(json!({"temperature": 21})));
    structured_only.content.clear();
    vec![
        rich,
        CallToolResult::error_text("bad city"),
        structured_only,
    ]
}

pub fn prompt_argument() -> PromptArgument {
    PromptArgument::new("city")
        .with_title("City")
        .with_description("Where")
        .with_required(true)
}

pub fn prompt() -> Prompt {
    let mut p = Prompt::new("weather")
        .with_title("Weather report")
        .with_description("Asks for a report")
        .with_arguments(vec![prompt_argument()])
        .with_icons(vec![icon()]);
    p.meta = Some(meta());
    p
}

pub fn prompt_messages() -> Vec<PromptMessage> {
    content_blocks()
        .into_iter()
        .map(|b| PromptMessage::new(Role::User, b))
        .collect()
}

pub fn get_prompt_result() -> GetPromptResult {
    let mut r = GetPromptResult::new(prompt_messages()).with_description("A report");
    r.meta = Some(meta());
    r
}

pub fn prompt_reference() -> PromptReference {
    let mut r = PromptReference::new("weather");
    r.title = Some("Weather report".into());
    r
}

pub fn complete_params() -> Vec<CompleteRequestParams> {
    vec![
        CompleteRequestParams::new(prompt_reference(), "city", "Pa")
            .with_context_argument("country", "FR"),
        CompleteRequestParams::new(
            ResourceTemplateReference::new("file:///project/{path}"),
            "path",
            "src/",
        ),
    ]
}

pub fn complete_result() -> CompleteResult {
    CompleteResult::new((0..150).map(|i| format!("Paris{i}")).collect())
}

pub fn sampling_params() -> CreateMessageRequestParams {
    let mut prefs = ModelPreferences::default();
    prefs.hints = Some(vec![ModelHint::new("claude"), ModelHint::new("sonnet")]);
    prefs.cost_priority = Some(0.3);
    prefs.speed_priority = Some(0.5);
    prefs.intelligence_priority = Some(0.9);
    let messages = vec![
        SamplingMessage::user_text("What is the weather?"),
        SamplingMessage::new(
            Role::Assistant,
            vec![SamplingMessageContentBlock::from(tool_use())],
        ),
        {
            let mut m = SamplingMessage::new(
                Role::User,
                vec![SamplingMessageContentBlock::from(tool_result())],
            );
            m.meta = Some(meta());
            m
        },
        SamplingMessage::new(Role::User, audio()),
        SamplingMessage::new(
            Role::User,
            vec![text().into(), SamplingMessageContentBlock::text("more")],
        ),
    ];
    let mut p = CreateMessageRequestParams::new(messages, 500)
        .with_system_prompt("Be brief")
        .with_model_preferences(prefs)
        .with_tools(vec![tool()], Some(ToolChoice::new(ToolChoiceMode::Auto)))
        .with_task(TaskMetadata::with_ttl(30_000));
    p.include_context = Some(IncludeContext::ThisServer);
    p.temperature = Some(0.7);
    p.stop_sequences = Some(vec!["STOP".into()]);
    p.metadata = Some(obj(json!({"provider": {"x": 1}})));
    p.meta = Some(meta());
    p
}

pub fn sampling_results() -> Vec<CreateMessageResult> {
    let mut multi = CreateMessageResult::new(
        Role::Assistant,
        vec![
            SamplingMessageContentBlock::text("Let me check."),
            tool_use().into(),
        ],
        "claude-sonnet",
    )
    .with_stop_reason(stop_reason::TOOL_USE);
    multi.meta = Some(meta());
    vec![
        CreateMessageResult::new(Role::Assistant, text(), "claude-sonnet")
            .with_stop_reason(stop_reason::END_TURN),
        CreateMessageResult::new(Role::Assistant, image(), "m"),
        CreateMessageResult::new(Role::Assistant, audio(), "m"),
        multi,
    ]
}

pub fn enum_options() -> Vec<EnumOption> {
    vec![EnumOption::new("r", "Red"), EnumOption::new("g", "Green")]
}

pub fn primitive_schemas() -> Vec<PrimitiveSchemaDefinition> {
    let colors = || vec!["r".to_owned(), "g".to_owned()];
    vec![
        StringSchema::new()
            .with_title("Email")
            .with_description("Your email")
            .with_format(StringFormat::Email)
            .with_length(Some(3), Some(100))
            .with_default("a@example.com")
            .into(),
        NumberSchema::new(NumberType::Integer)
            .with_title("Age")
            .with_range(Some(0.into()), Some(150.into()))
            .with_default(30)
            .into(),
        NumberSchema::new(NumberType::Number)
            .with_range(serde_json::Number::from_f64(0.5), None)
            .with_default(serde_json::Number::from_f64(1.5).unwrap())
            .into(),
        BooleanSchema::new()
            .with_title("Agree")
            .with_description("Do you?")
            .with_default(true)
            .into(),
        UntitledSingleSelectEnumSchema::new(colors())
            .with_title("Color")
            .with_default("r")
            .into(),
        TitledSingleSelectEnumSchema::new(enum_options())
            .with_description("Pick")
            .with_default("g")
            .into(),
        UntitledMultiSelectEnumSchema::new(colors())
            .with_default(vec!["r".to_owned()])
            .into(),
        {
            let mut s = TitledMultiSelectEnumSchema::new(enum_options()).with_title("Colors");
            s.min_items = Some(1);
            s.max_items = Some(2);
            s.into()
        },
        LegacyTitledEnumSchema::new(colors(), Some(vec!["Red".into(), "Green".into()]))
            .with_default("r")
            .into(),
    ]
}

pub fn form_schema() -> ElicitationSchema {
    let mut s = ElicitationSchema::new();
    s.schema = Some("https://json-schema.org/draft/2020-12/schema".into());
    for (i, p) in primitive_schemas().into_iter().enumerate() {
        s = s.with_field(format!("field{i}"), p, i % 2 == 0);
    }
    s
}

pub fn elicit_form() -> ElicitRequestFormParams {
    let mut p = ElicitRequestFormParams::new("Tell us about you", form_schema());
    p.task = Some(TaskMetadata::with_ttl(10_000));
    p.meta = Some(meta());
    p
}

pub fn elicit_url() -> ElicitRequestUrlParams {
    let mut p = ElicitRequestUrlParams::new(
        "Connect your account",
        "el-1",
        "https://example.com/connect?s=1",
    );
    p.task = Some(TaskMetadata::default());
    p.meta = Some(meta());
    p
}

pub fn elicit_results() -> Vec<ElicitResult> {
    let content = [
        ("name", ElicitValue::String("Al".into())),
        ("age", ElicitValue::Number(30.into())),
        ("agree", ElicitValue::Boolean(true)),
        ("colors", ElicitValue::StringArray(vec!["r".into()])),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    let mut accept = ElicitResult::accept(content);
    accept.meta = Some(meta());
    vec![
        accept,
        ElicitResult::new(ElicitAction::Decline),
        ElicitResult::new(ElicitAction::Cancel),
    ]
}

pub fn tasks() -> Vec<Task> {
    [
        TaskStatus::Working,
        TaskStatus::InputRequired,
        TaskStatus::Completed,
        TaskStatus::Failed,
        TaskStatus::Cancelled,
    ]
    .into_iter()
    .enumerate()
    .map(|(i, s)| {
        let t = Task::new(format!("task-{i}"), s, "2025-11-25T10:00:00Z");
        if i % 2 == 0 {
            t.with_ttl(Some(60_000))
                .with_poll_interval(500)
                .with_status_message("going")
        } else {
            t
        }
    })
    .collect()
}

pub fn root() -> Root {
    let mut r = Root::new("file:///home/user/project").with_name("project");
    r.meta = Some(meta());
    r
}
