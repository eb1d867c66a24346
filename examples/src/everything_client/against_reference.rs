//! The checks against the official TypeScript everything server
//! (`@modelcontextprotocol/server-everything`): its tools, resources, prompts and
//! completions, and its sampling, elicitation and roots requests answered by our host.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use oxmcp::McpClient;
use oxmcp::RequestOptions;
use oxmcp::types::completion::{PromptReference, ResourceTemplateReference};
use oxmcp::types::elicitation::UrlElicitationRequiredData;
use oxmcp::types::{
    CallToolRequestParams, CompleteRequestParams, ErrorCode, GetPromptRequestParams, LoggingLevel,
    ResourceContents,
};
use serde_json::json;

use super::against_oxmcp::{call, list_everything, next_matching, text};
use super::{Outcome, Report, ensure, failed, host};

pub mod tasks;

/// The tools the reference server registers for a client with sampling, elicitation (both
/// modes), roots and task-augmented sampling and elicitation.
pub const TOOLS: [&str; 12] = [
    "echo",
    "get-sum",
    "get-structured-content",
    "trigger-long-running-operation",
    "toggle-simulated-logging",
    "toggle-subscriber-updates",
    "trigger-sampling-request",
    "trigger-elicitation-request",
    "trigger-url-elicitation",
    tasks::RESEARCH_TOOL,
    tasks::SAMPLING_TASK_TOOL,
    tasks::ELICITATION_TASK_TOOL,
];

/// Every check, in order.
pub async fn run(client: &McpClient, report: &mut Report) {
    list_everything(client, report).await;
    report.check("expected tools", expected_tools(client)).await;
    report.check("tools/call echo", echo(client)).await;
    report.check("tools/call get-sum", sum(client)).await;
    report.check("structured content", structured(client)).await;
    report.check("progress", progress(client)).await;
    report.check("logging", logging(client)).await;
    report.check("sampling", sampling(client)).await;
    report
        .check("elicitation (form)", elicit_form(client))
        .await;
    report.check("elicitation (url)", elicit_url(client)).await;
    report
        .check("url elicitation -32042", url_required(client))
        .await;
    report.check("roots", roots(client)).await;
    report.check("resources/read", read(client)).await;
    report
        .check("resource subscriptions", subscriptions(client))
        .await;
    report.check("prompts/get", prompts(client)).await;
    report
        .check("completion/complete", completion(client))
        .await;
    report
        .check("task: research query", tasks::research(client))
        .await;
    report
        .check("task: clarification", tasks::clarification(client))
        .await;
    report
        .check("task: sampling (receiver)", tasks::sampling_as_task(client))
        .await;
    report
        .check(
            "task: elicitation (receiver)",
            tasks::elicitation_as_task(client),
        )
        .await;
}

async fn expected_tools(client: &McpClient) -> Outcome {
    let tools = client
        .peer()
        .list_tools()
        .collect_all()
        .await
        .map_err(failed)?;
    let missing: Vec<&&str> = TOOLS
        .iter()
        .filter(|name| !tools.iter().any(|t| t.name == **name))
        .collect();
    ensure(missing.is_empty(), || format!("missing {missing:?}"))?;
    Ok(format!("all {} present", TOOLS.len()))
}

async fn echo(client: &McpClient) -> Outcome {
    let said = text(&call(client, "echo", json!({ "message": "hello" })).await?)?;
    ensure(said == "Echo: hello", || format!("said {said:?}"))?;
    Ok(said)
}

async fn sum(client: &McpClient) -> Outcome {
    let said = text(&call(client, "get-sum", json!({ "a": 2, "b": 3 })).await?)?;
    ensure(said.contains("is 5"), || format!("said {said:?}"))?;
    Ok(said)
}

async fn structured(client: &McpClient) -> Outcome {
    let result = call(
        client,
        "get-structured-content",
        json!({ "location": "Chicago" }),
    )
    .await?;
    let content = result.structured_content.ok_or("no structuredContent")?;
    ensure(content.contains_key("temperature"), || {
        format!("{content:?}")
    })?;
    Ok(serde_json::Value::Object(content).to_string())
}

async fn progress(client: &McpClient) -> Outcome {
    let seen = Arc::new(AtomicUsize::new(0));
    let counter = seen.clone();
    let options = RequestOptions::new().on_progress(move |_| {
        counter.fetch_add(1, Ordering::SeqCst);
    });
    let arguments =
        serde_json::from_value(json!({ "duration": 0.3, "steps": 3 })).map_err(failed)?;
    let params =
        CallToolRequestParams::new("trigger-long-running-operation").with_arguments(arguments);
    let result = client
        .peer()
        .call_tool_with(params, options)
        .await
        .map_err(failed)?;
    let count = seen.load(Ordering::SeqCst);
    ensure(count == 3, || format!("{count} progress notifications"))?;
    Ok(format!(
        "{count} notifications/progress, then {:?}",
        text(&result)?
    ))
}

async fn logging(client: &McpClient) -> Outcome {
    let mut logs = client.notifications().logs();
    client
        .peer()
        .set_logging_level(LoggingLevel::Debug)
        .await
        .map_err(failed)?;
    text(&call(client, "toggle-simulated-logging", json!({})).await?)?;
    let message = next_matching(&mut logs, "a simulated log message", |_| true).await;
    text(&call(client, "toggle-simulated-logging", json!({})).await?)?;
    let message = message?;
    Ok(format!("{:?}: {}", message.level, message.data))
}

async fn sampling(client: &McpClient) -> Outcome {
    let arguments = json!({ "prompt": "hello", "maxTokens": 50 });
    let said = text(&call(client, "trigger-sampling-request", arguments).await?)?;
    ensure(
        said.contains(host::MODEL) && said.contains("You said"),
        || said.clone(),
    )?;
    Ok("the fake model's answer came back in the tool result".to_owned())
}

async fn elicit_form(client: &McpClient) -> Outcome {
    let said = text(&call(client, "trigger-elicitation-request", json!({})).await?)?;
    ensure(
        said.contains("User provided the requested information"),
        || said.clone(),
    )?;
    Ok("the form answer was accepted".to_owned())
}

async fn elicit_url(client: &McpClient) -> Outcome {
    let arguments = json!({ "url": "https://example.com/everything", "elicitationId": "oxmcp-1" });
    let said = text(&call(client, "trigger-url-elicitation", arguments).await?)?;
    ensure(
        said.contains("User completed the URL elicitation flow"),
        || said.clone(),
    )?;
    Ok("consented to the URL".to_owned())
}

async fn url_required(client: &McpClient) -> Outcome {
    let arguments = json!({
        "url": "https://example.com/everything", "elicitationId": "oxmcp-2", "errorPath": true
    });
    let params = CallToolRequestParams::new("trigger-url-elicitation")
        .with_arguments(serde_json::from_value(arguments).map_err(failed)?);
    let error = match client.peer().call_tool(params.clone()).await {
        Err(e) => e.as_remote().cloned().ok_or_else(|| e.to_string())?,
        Ok(result) => return Err(format!("no -32042 error: {result:?}")),
    };
    ensure(error.code == ErrorCode::URL_ELICITATION_REQUIRED, || {
        format!("code {}", error.code.0)
    })?;
    let data = UrlElicitationRequiredData::from_error(&error).ok_or("no elicitations in data")?;
    // This server sends no elicitation/complete for the prerequisite: retry at once.
    let retried = text(&client.peer().call_tool(params).await.map_err(failed)?)?;
    ensure(retried.contains("User completed"), || retried.clone())?;
    Ok(format!(
        "-32042 listing {}, then the retry went through",
        data.elicitations[0].url
    ))
}

async fn roots(client: &McpClient) -> Outcome {
    let said = text(&call(client, "get-roots-list", json!({})).await?)?;
    let first = &host::initial_roots()[0].uri;
    ensure(said.contains(first.as_str()), || said.clone())?;
    let mut logs = client.notifications().logs();
    client
        .set_roots(host::changed_roots())
        .await
        .map_err(failed)?;
    let log = next_matching(&mut logs, "the server's log of the new roots", |m| {
        m.data.as_str().is_some_and(|d| d.contains("2 root(s)"))
    })
    .await?;
    Ok(format!(
        "get-roots-list shows {first}; after roots/list_changed: {}",
        log.data
    ))
}

async fn read(client: &McpClient) -> Outcome {
    let peer = client.peer();
    let text_uri = "demo://resource/dynamic/text/1";
    let read = peer.read_resource(text_uri).await.map_err(failed)?;
    ensure(
        matches!(read.contents.first(), Some(ResourceContents::Text(t)) if t.text.contains("Resource 1")),
        || format!("{text_uri}: {:?}", read.contents),
    )?;
    let blob = peer
        .read_resource("demo://resource/dynamic/blob/2")
        .await
        .map_err(failed)?;
    ensure(
        matches!(blob.contents.first(), Some(ResourceContents::Blob(_))),
        || format!("blob: {:?}", blob.contents),
    )?;
    let listed = peer.list_resources().collect_all().await.map_err(failed)?;
    let first = listed.first().ok_or("no static resources")?;
    peer.read_resource(first.uri.clone())
        .await
        .map_err(failed)?;
    Ok(format!("{text_uri}, a blob, and {}", first.uri))
}

async fn subscriptions(client: &McpClient) -> Outcome {
    let peer = client.peer();
    let uri = "demo://resource/dynamic/text/1";
    let mut updates = client.notifications().resource_updated();
    peer.subscribe(uri).await.map_err(failed)?;
    text(&call(client, "toggle-subscriber-updates", json!({})).await?)?;
    let update = next_matching(&mut updates, "notifications/resources/updated", |u| {
        u.uri == uri
    })
    .await;
    text(&call(client, "toggle-subscriber-updates", json!({})).await?)?;
    peer.unsubscribe(uri).await.map_err(failed)?;
    Ok(format!("updated {}", update?.uri))
}

async fn prompts(client: &McpClient) -> Outcome {
    let peer = client.peer();
    peer.get_prompt(GetPromptRequestParams::new("simple-prompt"))
        .await
        .map_err(failed)?;
    let args = GetPromptRequestParams::new("args-prompt").with_argument("city", "Paris");
    let result = peer.get_prompt(args).await.map_err(failed)?;
    let said = serde_json::to_value(&result.messages).map_err(failed)?;
    ensure(
        said[0]["content"]["text"] == "What's weather in Paris?",
        || said.to_string(),
    )?;
    Ok(format!(
        "simple-prompt, args-prompt: {}",
        said[0]["content"]["text"]
    ))
}

async fn completion(client: &McpClient) -> Outcome {
    let peer = client.peer();
    let reference = || PromptReference::new("completable-prompt");
    let departments = peer
        .complete(CompleteRequestParams::new(reference(), "department", "E"))
        .await
        .map_err(failed)?;
    ensure(departments.completion.values == ["Engineering"], || {
        format!("{departments:?}")
    })?;
    let names = CompleteRequestParams::new(reference(), "name", "A")
        .with_context_argument("department", "Engineering");
    let names = peer.complete(names).await.map_err(failed)?;
    ensure(names.completion.values == ["Alice"], || {
        format!("{names:?}")
    })?;
    let template = ResourceTemplateReference::new("demo://resource/dynamic/text/{resourceId}");
    let ids = peer
        .complete(CompleteRequestParams::new(template, "resourceId", "3"))
        .await
        .map_err(failed)?;
    ensure(ids.completion.values == ["3"], || format!("{ids:?}"))?;
    Ok("department, name with context, resourceId".to_owned())
}
