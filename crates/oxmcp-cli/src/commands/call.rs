//! `call`, `read`, `prompt`, `complete`.

use std::collections::BTreeMap;

use oxmcp_core::RequestOptions;
use oxmcp_core::client::{McpClient, UrlRetryError};
use oxmcp_types::{
    CallToolRequestParams, CallToolResult, CompleteRequestParams, GetPromptRequestParams,
};
use serde_json::{Map, Value, json};

use super::{Ctx, Done, collect};
use crate::args;
use crate::cli::CallArgs;
use crate::error::{Exit, Failure};
use crate::interact;
use crate::output;

/// `call [TARGET] TOOL [K=V]... [--args JSON]`.
pub(super) async fn call(
    client: McpClient,
    cx: &Ctx,
    words: &[String],
    opts: &CallArgs,
) -> Result<Done, Failure> {
    let (name, pairs) = words
        .split_first()
        .ok_or_else(|| Failure::usage("call needs a tool name"))?;
    let tools = collect(&client, "tools").await?;
    let Some(tool) = tools
        .iter()
        .find(|t| t["name"] == Value::String(name.clone()))
    else {
        let known: Vec<&str> = tools.iter().filter_map(|t| t["name"].as_str()).collect();
        return Err(Failure::usage(format!(
            "the server has no tool `{name}` (it has: {})",
            known.join(", ")
        )));
    };
    let schema = tool
        .get("inputSchema")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let mut arguments = match &opts.args {
        Some(text) => match serde_json::from_str::<Value>(text) {
            Ok(Value::Object(map)) => map,
            Ok(_) => return Err(Failure::usage("--args must be a JSON object")),
            Err(e) => return Err(Failure::usage(format!("--args is not JSON: {e}"))),
        },
        None => Map::new(),
    };
    let mut typed_schema = schema.clone();
    if opts.args.is_some() {
        // Required arguments may come from --args.
        typed_schema.remove("required");
    }
    let typed = args::typed_arguments(pairs, &typed_schema).map_err(Failure::usage)?;
    arguments.extend(typed);
    let result = if opts.task {
        let mut params = CallToolRequestParams::new(name.clone());
        params.arguments = Some(arguments);
        super::tasks::call_as_task(&client, cx, tool, params).await?
    } else {
        call_now(&client, cx, name, &arguments).await?
    };
    let json = serde_json::to_value(&result).unwrap_or(Value::Null);
    let mut human = output::content(
        json["content"].as_array().map_or(&[][..], Vec::as_slice),
        opts.save_media.as_deref(),
        cx.style,
    )
    .map_err(|e| Failure::new(Exit::Protocol, e))?;
    if let Some(structured) = json.get("structuredContent") {
        human.push_str(&format!(
            "{}\n{}\n",
            cx.style.dim("structured content:"),
            output::pretty(structured)
        ));
    }
    let exit = if result.is_error == Some(true) {
        Exit::ToolError
    } else {
        Exit::Ok
    };
    Ok(Done { json, human, exit })
}

/// `read [TARGET] URI`.
pub(super) async fn read(client: McpClient, cx: &Ctx, words: &[String]) -> Result<Done, Failure> {
    let [uri] = words else {
        return Err(Failure::usage("read needs exactly one URI"));
    };
    let result = client
        .peer()
        .read_resource(uri.clone())
        .await
        .map_err(|e| Failure::request(&format!("reading {uri}"), &e))?;
    let json = serde_json::to_value(&result).unwrap_or(Value::Null);
    let human = json["contents"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| format!("{}\n", output::resource_contents(c, cx.style)))
        .collect();
    Ok(Done::ok(json, human))
}

/// `prompt [TARGET] NAME [K=V]...`.
pub(super) async fn prompt(client: McpClient, cx: &Ctx, words: &[String]) -> Result<Done, Failure> {
    let (name, pairs) = words
        .split_first()
        .ok_or_else(|| Failure::usage("prompt needs a prompt name"))?;
    let arguments: BTreeMap<String, String> = args::string_arguments(pairs)
        .map_err(Failure::usage)?
        .into_iter()
        .collect();
    let mut params = GetPromptRequestParams::new(name.clone());
    if !arguments.is_empty() {
        params.arguments = Some(arguments);
    }
    let result = client
        .peer()
        .get_prompt(params)
        .await
        .map_err(|e| Failure::request(&format!("getting prompt `{name}`"), &e))?;
    let json = serde_json::to_value(&result).unwrap_or(Value::Null);
    let mut human = String::new();
    if let Some(d) = json["description"].as_str() {
        human.push_str(&format!("{}\n", cx.style.dim(d)));
    }
    for message in json["messages"].as_array().into_iter().flatten() {
        let block = std::slice::from_ref(&message["content"]);
        let text =
            output::content(block, None, cx.style).map_err(|e| Failure::new(Exit::Protocol, e))?;
        human.push_str(&format!(
            "{}: {text}",
            cx.style.bold(message["role"].as_str().unwrap_or("?"))
        ));
    }
    Ok(Done::ok(json, human))
}

/// `complete [TARGET] (prompt:NAME | resource:URI) ARGUMENT [VALUE] [K=V]...`.
pub(super) async fn complete(client: McpClient, words: &[String]) -> Result<Done, Failure> {
    let params = complete_params(words).map_err(Failure::usage)?;
    let result = client
        .peer()
        .complete(params)
        .await
        .map_err(|e| Failure::request("completion/complete", &e))?;
    let json = serde_json::to_value(&result).unwrap_or(Value::Null);
    let human = json["completion"]["values"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(|v| format!("{v}\n"))
        .collect();
    Ok(Done::ok(json, human))
}

/// The params of `completion/complete` from the command's words.
pub(crate) fn complete_params(words: &[String]) -> Result<CompleteRequestParams, String> {
    let usage = "complete needs (prompt:NAME | resource:URI) ARGUMENT [VALUE] [KEY=VALUE]...";
    let [reference, argument, rest @ ..] = words else {
        return Err(usage.to_owned());
    };
    let reference = if let Some(name) = reference.strip_prefix("prompt:") {
        json!({"type": "ref/prompt", "name": name})
    } else if let Some(uri) = reference.strip_prefix("resource:") {
        json!({"type": "ref/resource", "uri": uri})
    } else {
        return Err(format!("`{reference}`: {usage}"));
    };
    let (value, context) = match rest.split_first() {
        Some((first, more)) if !first.contains('=') => (first.clone(), more),
        _ => (String::new(), rest),
    };
    let context: BTreeMap<String, String> = args::string_arguments(context)?.into_iter().collect();
    let mut params = json!({"ref": reference, "argument": {"name": argument, "value": value}});
    if !context.is_empty() {
        params["context"] = json!({"arguments": context});
    }
    serde_json::from_value(params).map_err(|e| e.to_string())
}

/// `tools/call`, with progress, cancellation, and retries after URL elicitations.
async fn call_now(
    client: &McpClient,
    cx: &Ctx,
    name: &str,
    arguments: &Map<String, Value>,
) -> Result<CallToolResult, Failure> {
    let bar = interact::progress_bar();
    let feed = bar.clone();
    let options = RequestOptions::new()
        .timeout(cx.global.timeout)
        .cancel_on(cx.cancel.clone())
        .on_progress(move |p| interact::show_progress(&feed, &p));
    let peer = client.peer().clone();
    let result = client
        .retry_after_url_elicitation(|| {
            let mut params = CallToolRequestParams::new(name);
            params.arguments = Some(arguments.clone());
            peer.call_tool_with(params, options.clone())
        })
        .await;
    bar.finish_and_clear();
    result.map_err(|e| match e {
        UrlRetryError::Request(r)
        | UrlRetryError::MalformedError(r)
        | UrlRetryError::UrlModeNotEnabled(r) => Failure::request(&format!("calling `{name}`"), &r),
        e @ UrlRetryError::NotAccepted { .. } => {
            Failure::new(Exit::Authorization, format!("calling `{name}`: {e}"))
        }
        other => Failure::new(Exit::Protocol, format!("calling `{name}`: {other}")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn completion_words() {
        let p = serde_json::to_value(
            complete_params(&s(&["prompt:greet", "name", "Ad", "tone=warm"])).unwrap(),
        )
        .unwrap();
        assert_eq!(p["ref"], json!({"type": "ref/prompt", "name": "greet"}));
        assert_eq!(p["argument"], json!({"name": "name", "value": "Ad"}));
        assert_eq!(p["context"], json!({"arguments": {"tone": "warm"}}));
        let p = serde_json::to_value(complete_params(&s(&["resource:note://{id}", "id"])).unwrap())
            .unwrap();
        assert_eq!(p["ref"]["uri"], "note://{id}");
        assert_eq!(p["argument"]["value"], "");
        assert!(complete_params(&s(&["greet", "x"])).is_err());
        assert!(complete_params(&s(&["prompt:greet"])).is_err());
    }
}
