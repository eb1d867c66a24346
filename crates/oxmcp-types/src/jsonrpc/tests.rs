use serde_json::json;

use super::*;

fn round_trip(text: &str) {
    let msg = Message::from_slice(text.as_bytes()).unwrap();
    let back: serde_json::Value = serde_json::from_slice(&msg.to_vec()).unwrap();
    let orig: serde_json::Value = serde_json::from_str(text).unwrap();
    assert_eq!(back, orig, "{text}");
}

fn invalid(text: &[u8]) -> (Option<RequestId>, String) {
    match Message::from_slice(text) {
        Err(DecodeError::Invalid { id, reason }) => (id, reason),
        other => panic!(
            "expected Invalid for {:?}, got {other:?}",
            String::from_utf8_lossy(text)
        ),
    }
}

#[test]
fn every_kind_round_trips() {
    round_trip(r#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#);
    round_trip(
        r#"{"jsonrpc":"2.0","id":"a-1","method":"tools/call","params":{"name":"x","arguments":{}}}"#,
    );
    round_trip(r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#);
    round_trip(
        r#"{"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":1,"progress":0.5}}"#,
    );
    round_trip(r#"{"jsonrpc":"2.0","id":-3,"result":{}}"#);
    round_trip(
        r#"{"jsonrpc":"2.0","id":3,"error":{"code":-32601,"message":"no","data":{"x":[1]}}}"#,
    );
    round_trip(r#"{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"bad"}}"#);
}

#[test]
fn error_response_without_id_is_written_with_null_id() {
    let msg = Message::Error(ErrorResponse::new(None, ErrorData::parse_error("x")));
    let v: serde_json::Value = serde_json::from_slice(&msg.to_vec()).unwrap();
    assert_eq!(
        v,
        json!({"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"x"}})
    );
}

#[test]
fn parse_errors() {
    for bad in [
        &b"{"[..],
        b"",
        b"nope",
        b"{\"jsonrpc\":\"2.0\",}",
        b"\xff\xfe",
        b"{\"a\":\"\xff\"}",
    ] {
        assert!(
            matches!(Message::from_slice(bad), Err(DecodeError::Parse(_))),
            "{:?}",
            String::from_utf8_lossy(bad)
        );
    }
}

#[test]
fn null_and_wrong_type_ids_are_refused() {
    assert_eq!(
        invalid(br#"{"jsonrpc":"2.0","id":null,"method":"ping"}"#).0,
        None
    );
    assert_eq!(
        invalid(br#"{"jsonrpc":"2.0","id":1.5,"method":"ping"}"#).0,
        None
    );
    assert_eq!(
        invalid(br#"{"jsonrpc":"2.0","id":true,"method":"ping"}"#).0,
        None
    );
    assert_eq!(
        invalid(br#"{"jsonrpc":"2.0","id":{},"method":"ping"}"#).0,
        None
    );
    assert_eq!(
        invalid(br#"{"jsonrpc":"2.0","id":99999999999999999999,"method":"ping"}"#).0,
        None
    );
    assert_eq!(
        invalid(br#"{"jsonrpc":"2.0","id":null,"result":{}}"#).0,
        None
    );
}

#[test]
fn readable_id_is_kept_in_invalid_request_errors() {
    let (id, reason) = invalid(br#"{"jsonrpc":"1.0","id":7,"method":"ping"}"#);
    assert_eq!(id, Some(RequestId::Number(7)));
    assert!(reason.contains("jsonrpc"));
    let (id, reason) = invalid(br#"{"jsonrpc":"2.0","id":"x","method":5}"#);
    assert_eq!(id, Some(RequestId::from("x")));
    assert!(reason.contains("method"));
    let (id, reason) = invalid(br#"{"jsonrpc":"2.0","id":"x","method":"a","params":[1]}"#);
    assert_eq!(id, Some(RequestId::from("x")));
    assert!(reason.contains("params"));
}

#[test]
fn structural_errors() {
    assert!(invalid(br#"{"jsonrpc":"2.0"}"#).1.contains("exactly one"));
    assert!(
        invalid(br#"{"jsonrpc":"2.0","id":1,"result":{},"error":{"code":1,"message":"x"}}"#)
            .1
            .contains("exactly one")
    );
    assert!(
        invalid(br#"{"jsonrpc":"2.0","id":1,"method":"a","result":{}}"#)
            .1
            .contains("exactly one")
    );
    assert!(
        invalid(br#"{"jsonrpc":"2.0","result":{}}"#)
            .1
            .contains("id")
    );
    assert!(
        invalid(br#"{"jsonrpc":"2.0","id":1,"error":{"code":"x"}}"#)
            .1
            .contains("error")
    );
    assert!(
        invalid(br#"{"id":1,"method":"ping"}"#)
            .1
            .contains("jsonrpc")
    );
    assert!(invalid(b"42").1.contains("JSON-RPC message object"));
    assert!(invalid(br#""str""#).1.contains("JSON-RPC message object"));
    assert!(invalid(b"null").1.contains("JSON-RPC message object"));
}

#[test]
fn duplicate_envelope_keys_are_refused() {
    for dup in [
        &br#"{"jsonrpc":"2.0","id":1,"id":2,"method":"ping"}"#[..],
        br#"{"jsonrpc":"2.0","jsonrpc":"2.0","id":1,"method":"ping"}"#,
        br#"{"jsonrpc":"2.0","id":1,"method":"a","method":"b"}"#,
        br#"{"jsonrpc":"2.0","id":1,"method":"a","params":{},"params":{}}"#,
        br#"{"jsonrpc":"2.0","id":1,"result":{},"result":{}}"#,
    ] {
        assert!(invalid(dup).1.contains("duplicate key"));
    }
}

#[test]
fn escaped_envelope_keys_are_the_same_members() {
    let msg =
        Message::from_slice(br#"{"jsonrpc":"2.0","\u0069d":1,"m\u0065thod":"ping"}"#).unwrap();
    assert_eq!(msg.method(), Some("ping"));
    let dup = br#"{"jsonrpc":"2.0","id":1,"\u0069d":2,"method":"ping"}"#;
    assert!(invalid(dup).1.contains("duplicate key `id`"));
}

#[test]
fn unknown_envelope_members_are_ignored() {
    let msg = Message::from_slice(br#"{"jsonrpc":"2.0","x":[1,{"y":2}],"id":1,"method":"ping"}"#)
        .unwrap();
    assert_eq!(msg.method(), Some("ping"));
}

#[test]
fn depth_limit_counts_only_structure_outside_strings() {
    let deep = format!(
        r#"{{"jsonrpc":"2.0","method":"x","params":{{"a":{}1{}}}}}"#,
        "[".repeat(70),
        "]".repeat(70)
    );
    assert_eq!(
        Message::from_slice(deep.as_bytes()).unwrap_err(),
        DecodeError::TooDeep {
            limit: DEFAULT_MAX_DEPTH
        }
    );
    let in_string = format!(
        r#"{{"jsonrpc":"2.0","method":"x","params":{{"a":"{}\"{}"}}}}"#,
        "[".repeat(500),
        "{".repeat(500)
    );
    assert!(Message::from_slice(in_string.as_bytes()).is_ok());
    let ok = format!(
        r#"{{"jsonrpc":"2.0","method":"x","params":{{"a":{}1{}}}}}"#,
        "[".repeat(60),
        "]".repeat(60)
    );
    assert!(decode(ok.as_bytes(), 64).is_ok());
    assert!(decode(ok.as_bytes(), 8).is_err());
}

#[test]
fn batches_only_through_decode_batch() {
    let batch = br#"[{"jsonrpc":"2.0","id":1,"method":"ping"},{"jsonrpc":"2.0","method":5},{"jsonrpc":"2.0","method":"n"}]"#;
    assert!(invalid(batch).1.contains("batches"));
    let items = decode_batch(batch, 64).unwrap();
    assert_eq!(items.len(), 3);
    assert!(items[0].is_ok() && items[1].is_err() && items[2].is_ok());
    assert!(matches!(
        decode_batch(b"[]", 64),
        Err(DecodeError::Invalid { .. })
    ));
    assert!(matches!(
        decode_batch(b"[1,", 64),
        Err(DecodeError::Parse(_))
    ));
    assert_eq!(
        decode_batch(br#"{"jsonrpc":"2.0","method":"n"}"#, 64)
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn error_responses_for_decode_errors() {
    let e = Message::from_slice(b"{").unwrap_err().to_error_response();
    assert_eq!((e.id, e.error.code), (None, ErrorCode::PARSE_ERROR));
    let e = Message::from_slice(br#"{"jsonrpc":"2.0","id":4}"#)
        .unwrap_err()
        .to_error_response();
    assert_eq!(
        (e.id, e.error.code),
        (Some(RequestId::Number(4)), ErrorCode::INVALID_REQUEST)
    );
}

#[test]
fn any_depth_limit_is_accepted_even_none() {
    let text = br#"{"jsonrpc":"2.0","method":"x","params":{"a":[[1]]}}"#;
    assert!(decode(text, usize::MAX).is_ok());
    // Four deep: the envelope, the params and two arrays.
    assert!(decode(text, 4).is_ok());
    assert_eq!(
        decode(text, 3).unwrap_err(),
        DecodeError::TooDeep { limit: 3 }
    );
}
