//! The feature checks against the oxmcp everything server.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use oxmcp::McpClient;
use oxmcp::RequestOptions;
use oxmcp::types::completion::{PromptReference, ResourceTemplateReference};
use oxmcp::types::elicitation::UrlElicitationRequiredData;
use oxmcp::types::{
    CallToolRequestParams, CompleteRequestParams, ErrorCode, ErrorData, GetPromptRequestParams,
    LoggingLevel, ResourceContents,
};
use serde_json::json;
use tokio_util::sync::CancellationToken;

use super::{call, initial_roots_text, next_matching, text};
use crate::everything_client::{Outcome, ensure, failed, host};
use crate::everything_server::catalog::{ABOUT, PIXELS};

pub(super) async fn progress(client: &McpClient) -> Outcome {
    let seen = Arc::new(AtomicUsize::new(0));
    let counter = seen.clone();
    let options = RequestOptions::new().on_progress(move |_| {
        counter.fetch_add(1, Ordering::SeqCst);
    });
    let params = CallToolRequestParams::new("progress")
        .with_arguments(serde_json::from_value(json!({ "steps": 4 })).map_err(failed)?);
    let result = client
        .peer()
        .call_tool_with(params, options)
        .await
        .map_err(failed)?;
    let said = text(&result)?;
    let count = seen.load(Ordering::SeqCst);
    ensure(count == 4, || {
        format!("{count} progress notifications, expected 4")
    })?;
    Ok(format!("{count} notifications/progress, then {said:?}"))
}

pub(super) async fn logging(client: &McpClient) -> Outcome {
    let peer = client.peer();
    let mut logs = client.notifications().logs();
    peer.set_logging_level(LoggingLevel::Debug)
        .await
        .map_err(failed)?;
    let said = text(&call(client, "log", json!({ "level": "notice", "message": "hi" })).await?)?;
    let bridged = next_matching(&mut logs, "bridged tracing event", |m| {
        m.level == LoggingLevel::Info && m.data["message"] == "hi"
    })
    .await?;
    next_matching(&mut logs, "ctx.log message", |m| {
        m.level == LoggingLevel::Notice
    })
    .await?;
    peer.set_logging_level(LoggingLevel::Error)
        .await
        .map_err(failed)?;
    let filtered =
        text(&call(client, "log", json!({ "level": "warning", "message": "x" })).await?)?;
    ensure(filtered.contains("sent: false"), || {
        format!("at level error: {filtered}")
    })?;
    peer.set_logging_level(LoggingLevel::Debug)
        .await
        .map_err(failed)?;
    Ok(format!(
        "{said}; tracing bridge logger {:?}; warning filtered at level error",
        bridged.logger.unwrap_or_default()
    ))
}

pub(super) async fn cancellation(client: &McpClient) -> Outcome {
    let before = cancelled_count(client).await?;
    let token = CancellationToken::new();
    let params = CallToolRequestParams::new("slow")
        .with_arguments(serde_json::from_value(json!({ "seconds": 30 })).map_err(failed)?);
    let options = RequestOptions::new().cancel_on(token.clone());
    let canceller = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(200)).await;
        token.cancel();
    });
    let outcome = client.peer().call_tool_with(params, options).await;
    canceller.await.map_err(failed)?;
    ensure(outcome.is_err(), || {
        "the cancelled call returned a result".to_owned()
    })?;
    for _ in 0..50 {
        let after = cancelled_count(client).await?;
        if after > before {
            return Ok(format!("`slow` cancelled; the server counted {after}"));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Err("the server never saw the cancellation".to_owned())
}

async fn cancelled_count(client: &McpClient) -> Result<u64, String> {
    let result = call(client, "cancelled_count", json!({})).await?;
    result
        .structured_content
        .and_then(|s| s.get("cancelled").and_then(serde_json::Value::as_u64))
        .ok_or_else(|| "no `cancelled` in the result".to_owned())
}

pub(super) async fn sampling(client: &McpClient) -> Outcome {
    let question = json!({ "question": "What is the weather in Paris?" });
    let said = text(&call(client, "ask_model", question).await?)?;
    ensure(
        said.contains(host::MODEL) && said.contains("get_weather") && said.contains("sunny"),
        || format!("answer: {said}"),
    )?;
    Ok(said)
}

pub(super) async fn elicit_form(client: &McpClient) -> Outcome {
    let said = text(&call(client, "elicit_profile", json!({})).await?)?;
    ensure(said.starts_with("accepted: name=Ada"), || {
        format!("answer: {said}")
    })?;
    Ok(said)
}

pub(super) async fn elicit_url(client: &McpClient) -> Outcome {
    let mut completions = client.notifications().elicitation_complete();
    let said = text(&call(client, "elicit_url", json!({})).await?)?;
    ensure(said.starts_with("accept"), || format!("answer: {said}"))?;
    let id = next_matching(
        &mut completions,
        "notifications/elicitation/complete",
        |_| true,
    )
    .await?;
    ensure(said.contains(&id), || {
        format!("completed {id}, but the tool said {said}")
    })?;
    Ok(format!(
        "{said}; then notifications/elicitation/complete {id}"
    ))
}

pub(super) async fn url_required(client: &McpClient) -> Outcome {
    let first_error: Arc<Mutex<Option<ErrorData>>> = Arc::default();
    let result = client
        .retry_after_url_elicitation(|| {
            let peer = client.peer().clone();
            let seen = first_error.clone();
            async move {
                let outcome = peer
                    .call_tool(CallToolRequestParams::new("connect_account"))
                    .await;
                if let Err(e) = &outcome {
                    let mut seen = seen.lock().unwrap_or_else(PoisonError::into_inner);
                    if seen.is_none() {
                        *seen = e.as_remote().cloned();
                    }
                }
                outcome
            }
        })
        .await
        .map_err(failed)?;
    let error = first_error
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .take()
        .ok_or("the first call did not fail")?;
    ensure(error.code == ErrorCode::URL_ELICITATION_REQUIRED, || {
        format!("code {}", error.code.0)
    })?;
    let data = UrlElicitationRequiredData::from_error(&error).ok_or("no elicitations in data")?;
    let said = text(&result)?;
    ensure(said == "account connected", || {
        format!("after the retry: {said}")
    })?;
    Ok(format!(
        "-32042 with {} elicitation(s), consent, elicitation/complete, retry: {said}",
        data.elicitations.len()
    ))
}

pub(super) async fn roots(client: &McpClient) -> Outcome {
    let said = text(&call(client, "list_roots", json!({})).await?)?;
    ensure(said == initial_roots_text(), || format!("roots: {said}"))?;
    let mut logs = client.notifications().logs();
    client
        .set_roots(host::changed_roots())
        .await
        .map_err(failed)?;
    let message = next_matching(&mut logs, "a log about the new roots", |m| {
        m.logger.as_deref() == Some("roots")
    })
    .await?;
    let count = message.data["roots"].as_array().map_or(0, Vec::len);
    ensure(count == 2, || {
        format!("after roots/list_changed the server saw {}", message.data)
    })?;
    Ok(format!(
        "{said}; after roots/list_changed the server listed {count} roots"
    ))
}

pub(super) async fn read_resources(client: &McpClient) -> Outcome {
    let peer = client.peer();
    let about = peer.read_resource("info://about").await.map_err(failed)?;
    match about.contents.first() {
        Some(ResourceContents::Text(t)) if t.text == ABOUT => {}
        other => return Err(format!("info://about: {other:?}")),
    }
    let pixels = peer.read_resource("info://pixels").await.map_err(failed)?;
    let bytes = match pixels.contents.first() {
        Some(ResourceContents::Blob(b)) => STANDARD.decode(&b.blob).map_err(failed)?,
        other => return Err(format!("info://pixels: {other:?}")),
    };
    ensure(bytes == PIXELS, || format!("info://pixels bytes {bytes:?}"))?;
    let note = peer.read_resource("note://1").await.map_err(failed)?;
    let missing = peer.read_resource("note://99").await;
    let code = missing.err().and_then(|e| e.as_remote().map(|r| r.code));
    ensure(code == Some(ErrorCode::RESOURCE_NOT_FOUND), || {
        format!("note://99: {code:?}")
    })?;
    let note_text = match note.contents.first() {
        Some(ResourceContents::Text(t)) => t.text.clone(),
        other => return Err(format!("note://1: {other:?}")),
    };
    Ok(format!(
        "text, {}-byte blob, note://1 {note_text:?}, note://99 -32002",
        bytes.len()
    ))
}

pub(super) async fn subscriptions(client: &McpClient) -> Outcome {
    let peer = client.peer();
    let mut updates = client.notifications().resource_updated();
    peer.subscribe("note://1").await.map_err(failed)?;
    let said = text(
        &call(
            client,
            "update_note",
            json!({ "id": "1", "text": "Buy oat milk" }),
        )
        .await?,
    )?;
    next_matching(&mut updates, "notifications/resources/updated", |u| {
        u.uri == "note://1"
    })
    .await?;
    let note = peer.read_resource("note://1").await.map_err(failed)?;
    let fresh = matches!(note.contents.first(), Some(ResourceContents::Text(t)) if t.text == "Buy oat milk");
    ensure(fresh, || "note://1 did not change".to_owned())?;
    peer.unsubscribe("note://1").await.map_err(failed)?;
    let after = text(
        &call(
            client,
            "update_note",
            json!({ "id": "1", "text": "Buy milk" }),
        )
        .await?,
    )?;
    ensure(after.contains("0 subscriber"), || {
        format!("after unsubscribe: {after}")
    })?;
    Ok(format!(
        "{said}; updated received; after unsubscribe: {after}"
    ))
}

pub(super) async fn prompts(client: &McpClient) -> Outcome {
    let peer = client.peer();
    let greet = GetPromptRequestParams::new("greet")
        .with_argument("name", "Ada")
        .with_argument("style", "pirate");
    let result = peer.get_prompt(greet).await.map_err(failed)?;
    let said = serde_json::to_value(&result.messages).map_err(failed)?;
    ensure(
        said[0]["content"]["text"] == "Greet Ada in a pirate way.",
        || format!("{said}"),
    )?;
    let missing = peer.get_prompt(GetPromptRequestParams::new("greet")).await;
    let code = missing.err().and_then(|e| e.as_remote().map(|r| r.code));
    ensure(code == Some(ErrorCode::INVALID_PARAMS), || {
        format!("without `name`: {code:?}")
    })?;
    let review = GetPromptRequestParams::new("code_review").with_argument("language", "rust");
    peer.get_prompt(review).await.map_err(failed)?;
    Ok(format!(
        "greet: {}; without the required argument: -32602",
        said[0]["content"]["text"]
    ))
}

pub(super) async fn completion(client: &McpClient) -> Outcome {
    let peer = client.peer();
    let names = peer
        .complete(CompleteRequestParams::new(
            PromptReference::new("greet"),
            "name",
            "A",
        ))
        .await
        .map_err(failed)?;
    ensure(names.completion.values == ["Ada", "Alan"], || {
        format!("names {:?}", names.completion.values)
    })?;
    let frameworks =
        CompleteRequestParams::new(PromptReference::new("code_review"), "framework", "a")
            .with_context_argument("language", "rust");
    let frameworks = peer.complete(frameworks).await.map_err(failed)?;
    ensure(
        frameworks.completion.values == ["axum", "actix-web"],
        || format!("frameworks {:?}", frameworks.completion.values),
    )?;
    let ids = CompleteRequestParams::new(ResourceTemplateReference::new("note://{id}"), "id", "");
    let ids = peer.complete(ids).await.map_err(failed)?;
    ensure(ids.completion.values == ["1", "2"], || {
        format!("ids {:?}", ids.completion.values)
    })?;
    Ok(format!(
        "name A -> {:?}; framework a (rust) -> {:?}; note id -> {:?}",
        names.completion.values, frameworks.completion.values, ids.completion.values
    ))
}

pub(super) async fn list_changed(client: &McpClient) -> Outcome {
    let n = client.notifications();
    let (mut tools, mut resources, mut prompts) = (
        n.tool_list_changed(),
        n.resource_list_changed(),
        n.prompt_list_changed(),
    );
    let said = text(&call(client, "toggle_extras", json!({})).await?)?;
    next_matching(&mut tools, "tools/list_changed", |()| true).await?;
    next_matching(&mut resources, "resources/list_changed", |()| true).await?;
    next_matching(&mut prompts, "prompts/list_changed", |()| true).await?;
    let extra = text(&call(client, "extra", json!({})).await?)?;
    let removed = text(&call(client, "toggle_extras", json!({})).await?)?;
    next_matching(&mut tools, "tools/list_changed", |()| true).await?;
    let listed = client
        .peer()
        .list_tools()
        .collect_all()
        .await
        .map_err(failed)?;
    ensure(!listed.iter().any(|t| t.name == "extra"), || {
        "`extra` still listed".to_owned()
    })?;
    Ok(format!(
        "{said} (3 list_changed), extra said {extra:?}, {removed}"
    ))
}
