use std::collections::VecDeque;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncReadExt, ReadBuf};

use super::*;
use crate::transport::Route;

/// Hands out predetermined chunks, one per read.
struct Chunks(VecDeque<Vec<u8>>);

impl Chunks {
    fn of(input: &[u8], size: usize) -> Self {
        Self(input.chunks(size).map(<[u8]>::to_vec).collect())
    }
}

impl AsyncRead for Chunks {
    fn poll_read(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if let Some(mut chunk) = self.0.pop_front() {
            let n = chunk.len().min(buf.remaining());
            buf.put_slice(&chunk[..n]);
            if n < chunk.len() {
                self.0.push_front(chunk.split_off(n));
            }
        }
        Poll::Ready(Ok(()))
    }
}

/// `len` bytes of `x` followed by `tail`, generated on the fly.
struct LongLine {
    remaining: usize,
    tail: VecDeque<u8>,
}

impl AsyncRead for LongLine {
    fn poll_read(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if self.remaining > 0 {
            let n = self.remaining.min(buf.remaining());
            buf.put_slice(&vec![b'x'; n]);
            self.remaining -= n;
        } else {
            let n = self.tail.len().min(buf.remaining());
            let bytes: Vec<u8> = self.tail.drain(..n).collect();
            buf.put_slice(&bytes);
        }
        Poll::Ready(Ok(()))
    }
}

struct Failing;

impl AsyncRead for Failing {
    fn poll_read(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        _buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Poll::Ready(Err(io::Error::other("boom")))
    }
}

fn msg(bytes: &[u8]) -> Frame {
    Frame::Message(bytes.to_vec())
}

async fn collect<R: AsyncRead + Unpin>(mut reader: LineReader<R>) -> Vec<Frame> {
    let mut frames = Vec::new();
    while let Some(frame) = reader.next_frame().await.unwrap() {
        frames.push(frame);
    }
    // The end of the stream is sticky.
    assert_eq!(reader.next_frame().await.unwrap(), None);
    frames
}

async fn frames_of(input: &[u8], chunk: usize, limit: usize) -> Vec<Frame> {
    let config = LineConfig::new().with_max_line_length(limit);
    collect(LineReader::with_config(Chunks::of(input, chunk), config)).await
}

#[tokio::test]
async fn strips_terminators_and_keeps_a_last_line_without_newline() {
    let frames = frames_of(b"a\nb\r\nc", 64, 100).await;
    assert_eq!(frames, [msg(b"a"), msg(b"b"), msg(b"c")]);
}

#[tokio::test]
async fn skips_blank_lines_and_keeps_inner_carriage_returns() {
    let frames = frames_of(b"\n\n  \r\n\t\n{\"a\":1}\n \na\rb\n\r\n", 64, 100).await;
    assert_eq!(frames, [msg(b"{\"a\":1}"), msg(b"a\rb")]);
}

#[tokio::test]
async fn empty_input_is_the_end() {
    assert!(frames_of(b"", 1, 100).await.is_empty());
    assert!(frames_of(b"\n \r\n", 1, 100).await.is_empty());
}

#[tokio::test]
async fn same_frames_whatever_the_read_boundaries() {
    let input = b"{\"id\":1}\r\n\n{\"id\":22}\n   \n{\"id\":333}\r\n{\"id\":4444}";
    let expected = [
        msg(b"{\"id\":1}"),
        msg(b"{\"id\":22}"),
        msg(b"{\"id\":333}"),
        msg(b"{\"id\":4444}"),
    ];
    for chunk in 1..=input.len() {
        assert_eq!(
            frames_of(input, chunk, 100).await,
            expected,
            "chunk {chunk}"
        );
    }
}

#[tokio::test]
async fn oversized_lines_at_every_read_boundary() {
    // The limit is 5; "12345\r" is 5 bytes of message plus the carriage return.
    let input = b"123456\nabc\n12345\n12345\r\n1234567890\nend\n123456";
    let expected = [
        Frame::Oversized { limit: 5 },
        msg(b"abc"),
        msg(b"12345"),
        msg(b"12345"),
        Frame::Oversized { limit: 5 },
        msg(b"end"),
        Frame::Oversized { limit: 5 },
    ];
    for chunk in 1..=input.len() {
        assert_eq!(frames_of(input, chunk, 5).await, expected, "chunk {chunk}");
    }
}

#[tokio::test]
async fn lines_longer_than_the_read_buffer() {
    let long = vec![b'y'; 3 * READ_BUFFER_SIZE + 17];
    let mut input = long.clone();
    input.extend_from_slice(b"\r\nnext\n");
    let frames = frames_of(&input, 10_000, DEFAULT_MAX_LINE_LENGTH).await;
    assert_eq!(frames, [Frame::Message(long), msg(b"next")]);
}

#[tokio::test]
async fn limit_applies_across_reads() {
    let limit = 100_000;
    for (len, cr, oversized) in [
        (limit, false, false),
        (limit, true, false),
        (limit + 1, false, true),
        (limit + 1, true, true),
    ] {
        let mut input = vec![b'z'; len];
        if cr {
            input.push(b'\r');
        }
        input.extend_from_slice(b"\nok\n");
        let frames = frames_of(&input, 7_000, limit).await;
        let first = if oversized {
            Frame::Oversized { limit }
        } else {
            Frame::Message(vec![b'z'; len])
        };
        assert_eq!(frames, [first, msg(b"ok")], "len {len} cr {cr}");
    }
}

#[tokio::test]
async fn ten_mib_line_gives_one_oversized_frame_and_bounded_memory() {
    let source = LongLine {
        remaining: 10 * 1024 * 1024,
        tail: b"\n{\"next\":true}\n".iter().copied().collect(),
    };
    let mut reader = LineReader::new(source);
    assert_eq!(reader.max_line_length(), DEFAULT_MAX_LINE_LENGTH);

    let first = reader.next_frame().await.unwrap();
    assert_eq!(
        first,
        Some(Frame::Oversized {
            limit: DEFAULT_MAX_LINE_LENGTH
        })
    );
    // The discarded prefix was released; the rest of the line is skipped without buffering.
    assert_eq!(reader.buffered_capacity(), READ_BUFFER_SIZE);

    let second = reader.next_frame().await.unwrap();
    assert_eq!(second, Some(msg(b"{\"next\":true}")));
    assert_eq!(reader.buffered_capacity(), READ_BUFFER_SIZE);
    assert_eq!(reader.get_ref().remaining, 0);
    assert_eq!(reader.next_frame().await.unwrap(), None);
}

#[tokio::test]
async fn read_errors_are_reported() {
    let mut reader = LineReader::new(Failing);
    let error = reader.next_frame().await.unwrap_err();
    assert_eq!(error.to_string(), "boom");
    let mut reader = LineReader::new(Failing);
    assert!(matches!(
        TransportReader::read(&mut reader).await,
        Err(TransportError::Io(_))
    ));
}

fn out(bytes: &[u8]) -> OutboundMessage {
    OutboundMessage::new(bytes.to_vec(), Route::Unrelated)
}

#[tokio::test]
async fn writer_buffers_until_flush() {
    let mut writer = LineWriter::new(Vec::new());
    writer.write(out(b"{\"a\":1}")).await.unwrap();
    writer.write(out(b"{\"b\":2}")).await.unwrap();
    assert_eq!(writer.get_ref().unwrap().len(), 0);
    assert_eq!(writer.buffered_len(), 16);
    writer.flush().await.unwrap();
    assert_eq!(
        writer.get_ref().unwrap().as_slice(),
        b"{\"a\":1}\n{\"b\":2}\n"
    );
    assert_eq!(writer.buffered_len(), 0);
}

#[tokio::test]
async fn writer_hands_big_bursts_to_the_stream_early() {
    let mut writer = LineWriter::new(Vec::new());
    let message = vec![b'm'; 1000];
    for _ in 0..100 {
        writer.write(out(&message)).await.unwrap();
    }
    let written = writer.get_ref().unwrap().len();
    assert!(written >= WRITE_BUFFER_SIZE, "{written}");
    writer.flush().await.unwrap();
    assert_eq!(writer.get_ref().unwrap().len(), 100 * 1001);
}

#[tokio::test]
async fn writer_refuses_embedded_newlines() {
    let mut writer = LineWriter::new(Vec::new());
    let error = writer.write(out(b"{\"a\":\n1}")).await.unwrap_err();
    assert!(matches!(error, TransportError::Io(e) if e.kind() == io::ErrorKind::InvalidInput));
    writer.flush().await.unwrap();
    assert!(writer.get_ref().unwrap().is_empty());
}

#[tokio::test]
async fn close_flushes_shuts_down_and_refuses_more() {
    let (ours, mut theirs) = tokio::io::duplex(1024);
    let mut writer = LineWriter::new(ours);
    writer.write(out(b"last")).await.unwrap();
    writer.close().await.unwrap();
    assert!(writer.is_closed());
    let mut received = Vec::new();
    theirs.read_to_end(&mut received).await.unwrap();
    assert_eq!(received, b"last\n");
    assert!(matches!(
        writer.write(out(b"more")).await,
        Err(TransportError::Closed)
    ));
    assert!(matches!(writer.flush().await, Err(TransportError::Closed)));
    writer.close().await.unwrap();
}

#[tokio::test]
async fn a_gone_peer_is_closed() {
    let (ours, theirs) = tokio::io::duplex(1024);
    drop(theirs);
    let mut writer = LineWriter::new(ours);
    writer.write(out(b"hello")).await.unwrap();
    assert!(matches!(writer.flush().await, Err(TransportError::Closed)));
}

#[tokio::test]
async fn line_transport_over_duplex_pipes() {
    // Small pipes, so that bursts need the other side to keep reading.
    let (client_out, server_in) = tokio::io::duplex(512);
    let (server_out, client_in) = tokio::io::duplex(512);
    let (mut server_reader, mut server_writer) = LineTransport::new(server_in, server_out).split();
    let (mut client_reader, mut client_writer) = LineTransport::with_config(
        client_in,
        client_out,
        LineConfig::new().with_max_line_length(64),
    )
    .split();

    // The server echoes every message back until its input ends, then closes.
    let server = tokio::spawn(async move {
        while let Some(frame) = server_reader.read().await.unwrap() {
            let Frame::Message(bytes) = frame else {
                panic!("unexpected {frame:?}")
            };
            server_writer.write(out(&bytes)).await.unwrap();
            server_writer.flush().await.unwrap();
        }
        server_writer.close().await.unwrap();
    });

    let count = 2_000;
    let client = tokio::spawn(async move {
        for i in 0..count {
            client_writer
                .write(out(format!("{{\"id\":{i}}}").as_bytes()))
                .await
                .unwrap();
        }
        client_writer.write(out(&[b'w'; 100])).await.unwrap();
        client_writer.close().await.unwrap();
    });

    for i in 0..count {
        let frame = client_reader.read().await.unwrap();
        assert_eq!(
            frame,
            Some(Frame::Message(format!("{{\"id\":{i}}}").into()))
        );
    }
    // The echo of the 100-byte message exceeds the client's 64-byte limit.
    assert_eq!(
        client_reader.read().await.unwrap(),
        Some(Frame::Oversized { limit: 64 })
    );
    assert_eq!(client_reader.read().await.unwrap(), None);
    client.await.unwrap();
    server.await.unwrap();
}
