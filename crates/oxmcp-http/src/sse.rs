//! Server-sent events: writing events (server side) and reading them (client side).
//!
//! The writer emits only what MCP needs: `id`, `data` and `retry` fields. JSON-RPC messages
//! are compact JSON and never contain a line break, so every message is one `data:` line.
//! The reader implements the parsing rules of the HTML standard (fields, comments, CR, LF and
//! CRLF line ends, multi-line data, `retry`), with a bound on the size of one event.

use bytes::{Bytes, BytesMut};

/// Appends one event with an optional `id` and one line of `data` (which must not contain a
/// line break) to `out`.
pub(crate) fn write_event(out: &mut BytesMut, id: Option<&str>, data: &[u8]) {
    out.reserve(data.len() + id.map_or(0, str::len) + 16);
    if let Some(id) = id {
        out.extend_from_slice(b"id: ");
        out.extend_from_slice(id.as_bytes());
        out.extend_from_slice(b"\n");
    }
    if data.is_empty() {
        out.extend_from_slice(b"data:\n\n");
    } else {
        out.extend_from_slice(b"data: ");
        out.extend_from_slice(data);
        out.extend_from_slice(b"\n\n");
    }
}

/// One encoded event.
pub(crate) fn event(id: Option<&str>, data: &[u8]) -> Bytes {
    let mut out = BytesMut::new();
    write_event(&mut out, id, data);
    out.freeze()
}

/// One event with an `event` type and one line of `data` (no `id`), as the legacy HTTP+SSE
/// transport sends them (`endpoint`, `message`).
pub(crate) fn named_event(name: &str, data: &[u8]) -> Bytes {
    let mut out = BytesMut::with_capacity(name.len() + data.len() + 16);
    out.extend_from_slice(b"event: ");
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b"\n");
    write_event(&mut out, None, data);
    out.freeze()
}

/// A `retry` hint (milliseconds) on its own: no event is dispatched for it.
pub(crate) fn retry(millis: u64) -> Bytes {
    Bytes::from(format!("retry: {millis}\n\n"))
}

/// A comment line, ignored by readers: keeps idle connections alive.
pub(crate) const KEEP_ALIVE: &[u8] = b": keep-alive\n\n";

/// One dispatched event, as the reader saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SseEvent {
    /// The `event` field (`"message"` when absent).
    pub event: String,
    /// The data lines joined with `\n`.
    pub data: String,
    /// The last event id after this event (it persists across events, as the standard says).
    pub id: Option<String>,
}

/// Why the reader stopped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SseError {
    /// One event (or one line) grew past the limit.
    #[error("server-sent event larger than the limit of {limit} bytes")]
    TooLarge {
        /// The configured limit in bytes.
        limit: usize,
    },
    /// The stream is not UTF-8.
    #[error("server-sent event stream is not valid UTF-8")]
    NotUtf8,
}

/// An incremental reader of a `text/event-stream` body.
///
/// ```
/// use oxmcp_http::sse::SseReader;
///
/// let mut reader = SseReader::new(1024);
/// let events = reader.feed(b"id: 7\ndata: {\"a\":1}\n\nretry: 250\n\n").unwrap();
/// assert_eq!(events.len(), 1);
/// assert_eq!(events[0].data, r#"{"a":1}"#);
/// assert_eq!(events[0].id.as_deref(), Some("7"));
/// assert_eq!(reader.retry_ms(), Some(250));
/// ```
#[derive(Debug)]
pub struct SseReader {
    limit: usize,
    buf: Vec<u8>,
    /// Whether the previous chunk ended with CR (a following LF belongs to that line end).
    after_cr: bool,
    bom_checked: bool,
    data: String,
    data_started: bool,
    event: String,
    /// The `id` field of the event being gathered (the standard's "last event ID buffer").
    id_buffer: Option<String>,
    /// The id of the last event dispatched: what a reconnection sends as `Last-Event-ID`.
    last_id: Option<String>,
    retry: Option<u64>,
    /// Bytes of the event being gathered (its data and event fields).
    event_size: usize,
}

impl SseReader {
    /// A reader that refuses events (and lines) larger than `limit` bytes.
    pub fn new(limit: usize) -> Self {
        Self {
            limit,
            buf: Vec::new(),
            after_cr: false,
            bom_checked: false,
            data: String::new(),
            data_started: false,
            event: String::new(),
            id_buffer: None,
            last_id: None,
            retry: None,
            event_size: 0,
        }
    }

    /// The id of the last complete event (set by `id` fields, also of events without data;
    /// an event cut off before its blank line does not count).
    pub fn last_event_id(&self) -> Option<&str> {
        self.last_id.as_deref()
    }

    /// The last `retry` value seen, in milliseconds.
    pub fn retry_ms(&self) -> Option<u64> {
        self.retry
    }

    /// Feeds a chunk of the body and returns the events it completed.
    pub fn feed(&mut self, mut chunk: &[u8]) -> Result<Vec<SseEvent>, SseError> {
        let events = Vec::new();
        if !self.bom_checked && (!self.buf.is_empty() || !chunk.is_empty()) {
            let mut head = std::mem::take(&mut self.buf);
            head.extend_from_slice(chunk);
            if head.len() < 3 && b"\xEF\xBB\xBF".starts_with(&head) {
                self.buf = head;
                return Ok(events);
            }
            self.bom_checked = true;
            let start = if head.starts_with(b"\xEF\xBB\xBF") {
                3
            } else {
                0
            };
            return self.feed_lines(&head[start..], events);
        }
        if self.after_cr && chunk.first() == Some(&b'\n') {
            chunk = &chunk[1..];
        }
        self.after_cr = false;
        self.feed_lines(chunk, events)
    }

    fn feed_lines(
        &mut self,
        chunk: &[u8],
        mut events: Vec<SseEvent>,
    ) -> Result<Vec<SseEvent>, SseError> {
        let mut rest = chunk;
        while let Some(pos) = rest.iter().position(|b| *b == b'\n' || *b == b'\r') {
            let (line, tail) = rest.split_at(pos);
            let cr = tail[0] == b'\r';
            rest = &tail[1..];
            if cr {
                match rest.first() {
                    Some(b'\n') => rest = &rest[1..],
                    None => self.after_cr = true,
                    Some(_) => {}
                }
            }
            let line = if self.buf.is_empty() {
                self.check(line.len())?;
                self.process_line(line)?
            } else {
                let mut whole = std::mem::take(&mut self.buf);
                whole.extend_from_slice(line);
                self.check(whole.len())?;
                self.process_line(&whole)?
            };
            if let Some(event) = line {
                events.push(event);
            }
        }
        if !rest.is_empty() {
            self.buf.extend_from_slice(rest);
            self.check(self.buf.len())?;
        }
        Ok(events)
    }

    fn check(&self, line_len: usize) -> Result<(), SseError> {
        if line_len.saturating_add(self.event_size) > self.limit {
            return Err(SseError::TooLarge { limit: self.limit });
        }
        Ok(())
    }

    fn process_line(&mut self, line: &[u8]) -> Result<Option<SseEvent>, SseError> {
        if line.is_empty() {
            return Ok(self.dispatch());
        }
        if line[0] == b':' {
            return Ok(None);
        }
        let line = std::str::from_utf8(line).map_err(|_| SseError::NotUtf8)?;
        let (field, value) = match line.find(':') {
            Some(i) => {
                let value = &line[i + 1..];
                (&line[..i], value.strip_prefix(' ').unwrap_or(value))
            }
            None => (line, ""),
        };
        match field {
            "data" => {
                if self.data_started {
                    self.data.push('\n');
                }
                self.data_started = true;
                self.data.push_str(value);
                self.event_size += value.len() + 1;
            }
            "event" => {
                self.event.clear();
                self.event.push_str(value);
                self.event_size += value.len();
            }
            "id" if !value.contains('\0') => self.id_buffer = Some(value.to_owned()),
            "retry" if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) => {
                self.retry = value.parse().ok();
            }
            _ => {}
        }
        Ok(None)
    }

    fn dispatch(&mut self) -> Option<SseEvent> {
        self.last_id.clone_from(&self.id_buffer);
        let started = std::mem::take(&mut self.data_started);
        let data = std::mem::take(&mut self.data);
        let event = std::mem::take(&mut self.event);
        self.event_size = 0;
        // An event with an empty data buffer (a priming event) only sets the last id.
        if !started || data.is_empty() {
            return None;
        }
        Some(SseEvent {
            event: if event.is_empty() {
                "message".to_owned()
            } else {
                event
            },
            data,
            id: self.last_id.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(reader: &mut SseReader, input: &[u8]) -> Vec<SseEvent> {
        reader.feed(input).unwrap()
    }

    #[test]
    fn writes_events_the_reader_reads_back() {
        let mut out = BytesMut::new();
        write_event(&mut out, Some("3-0"), b"");
        write_event(&mut out, Some("3-1"), br#"{"x":1}"#);
        write_event(&mut out, None, b"[]");
        let mut reader = SseReader::new(1 << 20);
        let events = all(&mut reader, &out);
        assert_eq!(events.len(), 2);
        assert_eq!(events[0].id.as_deref(), Some("3-1"));
        assert_eq!(events[0].data, r#"{"x":1}"#);
        assert_eq!(events[1].id.as_deref(), Some("3-1"));
    }

    #[test]
    fn named_events_carry_their_type() {
        let mut out = BytesMut::new();
        out.extend_from_slice(&named_event("endpoint", b"/messages?sessionId=ab"));
        out.extend_from_slice(&named_event("message", br#"{"x":1}"#));
        assert!(out.starts_with(b"event: endpoint\ndata: /messages?sessionId=ab\n\n"));
        let events = all(&mut SseReader::new(1 << 20), &out);
        assert_eq!(events.len(), 2);
        assert_eq!(events[0].event, "endpoint");
        assert_eq!(events[0].data, "/messages?sessionId=ab");
        assert_eq!(events[1].event, "message");
        assert_eq!(events[1].id, None);
    }

    #[test]
    fn an_event_cut_off_does_not_move_the_last_id() {
        let mut reader = SseReader::new(1 << 20);
        assert_eq!(
            all(&mut reader, b"id: 1-1\ndata: {}\n\nid: 1-2\ndata: {\"a\"").len(),
            1
        );
        assert_eq!(reader.last_event_id(), Some("1-1"));
        assert_eq!(all(&mut reader, b":1}\n\n").len(), 1);
        assert_eq!(reader.last_event_id(), Some("1-2"));
    }

    #[test]
    fn priming_event_sets_only_the_id() {
        let mut reader = SseReader::new(100);
        assert!(all(&mut reader, b"id: 1-0\ndata:\n\n").is_empty());
        assert_eq!(reader.last_event_id(), Some("1-0"));
    }

    #[test]
    fn parses_split_chunks_line_ends_comments_and_fields() {
        let input = b"\xEF\xBB\xBF: hello\r\nevent: custom\r\ndata: a\rdata:b\n\nretry: 1500\nretry: x\nid: 9\ndata: z\n\n";
        for split in 0..input.len() {
            let mut reader = SseReader::new(1000);
            let mut events = all(&mut reader, &input[..split]);
            events.extend(all(&mut reader, &input[split..]));
            assert_eq!(events.len(), 2, "split at {split}");
            assert_eq!(events[0].event, "custom");
            assert_eq!(events[0].data, "a\nb");
            assert_eq!(events[0].id, None);
            assert_eq!(events[1].event, "message");
            assert_eq!(events[1].data, "z");
            assert_eq!(events[1].id.as_deref(), Some("9"));
            assert_eq!(reader.retry_ms(), Some(1500));
        }
    }

    #[test]
    fn refuses_events_past_the_limit() {
        let mut reader = SseReader::new(16);
        assert_eq!(
            reader.feed(b"data: 0123456789abcdefgh"),
            Err(SseError::TooLarge { limit: 16 })
        );
        let mut reader = SseReader::new(16);
        assert_eq!(
            reader.feed(b"data: 012345\ndata: 6789abcd\n"),
            Err(SseError::TooLarge { limit: 16 })
        );
        let mut reader = SseReader::new(16);
        assert_eq!(all(&mut reader, b"data: 0123\n\n").len(), 1);
    }

    #[test]
    fn refuses_invalid_utf8() {
        let mut reader = SseReader::new(16);
        assert_eq!(reader.feed(b"data: \xff\n"), Err(SseError::NotUtf8));
    }
}
