//! Targets over the parsers: JSON-RPC decoding, the client's SSE reader, URI templates,
//! elicitation form schemas and `WWW-Authenticate` challenges.

use oxmcp_auth::client::challenge::parse_bearer;
use oxmcp_core::server::resources::UriTemplate;
use oxmcp_core::validate::form_schema_from_json;
use oxmcp_http::sse::SseReader;
use oxmcp_types::jsonrpc;

/// Decodes a message and a batch; a decoded message encodes to bytes that decode to the
/// same encoding again.
pub fn jsonrpc_decode(data: &[u8]) {
    if let Ok(message) = jsonrpc::decode(data, jsonrpc::DEFAULT_MAX_DEPTH) {
        let bytes = message.to_vec();
        let again = jsonrpc::decode(&bytes, jsonrpc::DEFAULT_MAX_DEPTH)
            .expect("an encoded message decodes");
        assert_eq!(again.to_vec(), bytes, "encoding is stable");
    }
    let _ = jsonrpc::batch_len(data, 65);
    let _ = jsonrpc::decode_batch(data, jsonrpc::DEFAULT_MAX_DEPTH);
}

/// Feeds the SSE reader the input in two chunks split where the first byte says: the
/// events are the same as when it is fed whole (or both fail).
pub fn sse_reader(data: &[u8]) {
    let Some((&split, rest)) = data.split_first() else {
        return;
    };
    let whole = SseReader::new(64 * 1024).feed(rest);
    let at = usize::from(split).min(rest.len());
    let mut reader = SseReader::new(64 * 1024);
    let first = reader.feed(&rest[..at]);
    let second = first.and_then(|mut events| {
        events.extend(reader.feed(&rest[at..])?);
        Ok(events)
    });
    match (whole, second) {
        (Ok(a), Ok(b)) => assert_eq!(a, b, "chunking does not change the events"),
        (Err(_), Err(_)) => {}
        (a, b) => panic!("whole {a:?} but split {b:?}"),
    }
}

/// Parses a template from the text before the first newline and matches the rest against
/// it: a match never panics, and the variables it finds are ones the template names.
pub fn uri_template(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (template, uri) = text.split_once('\n').unwrap_or((text, ""));
    let Ok(template) = UriTemplate::parse(template) else {
        return;
    };
    if let Some(variables) = template.matches(uri) {
        for (name, _) in variables.iter() {
            assert!(template.has_variable(name), "{name} is not in {template:?}");
        }
    }
}

/// Checks a JSON value as an elicitation form schema.
pub fn elicitation_schema(data: &[u8]) {
    if let Ok(value) = serde_json::from_slice::<serde_json::Value>(data) {
        let _ = form_schema_from_json(&value);
    }
}

/// Parses the lines of the input as `WWW-Authenticate` header values: the `Bearer`
/// challenge found, if any, answers its accessors, and its parameter names are lowercase.
pub fn www_authenticate(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let values: Vec<String> = text.lines().map(str::to_owned).collect();
    if let Some(challenge) = parse_bearer(&values) {
        let _ = (
            challenge.resource_metadata(),
            challenge.scopes(),
            challenge.error(),
        );
        for name in challenge.params.keys() {
            assert_eq!(*name, name.to_lowercase(), "parameter names are lowercased");
        }
    }
}
