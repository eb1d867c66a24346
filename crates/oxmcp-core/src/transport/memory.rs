//! An in-memory transport for tests and for embedding a server in the same process.
//!
//! [`duplex`] makes two connected ends. Each message travels whole, as the `Vec<u8>` the
//! writer was given, over a bounded channel: no framing and no copies. Dropping or closing
//! one end ends the other's input ([`TransportReader::read`] returns `None`) and makes its
//! writes fail with [`TransportError::Closed`].

use tokio::sync::mpsc;

use super::lines::DEFAULT_MAX_LINE_LENGTH;
use super::{Frame, OutboundMessage, Transport, TransportError, TransportReader, TransportWriter};

/// Two connected in-memory ends, each with `capacity` messages of room in its inbound queue
/// (at least one) and a message limit of [`DEFAULT_MAX_LINE_LENGTH`].
pub fn duplex(capacity: usize) -> (MemoryTransport, MemoryTransport) {
    duplex_with_limit(capacity, DEFAULT_MAX_LINE_LENGTH)
}

/// Like [`duplex`], with `max_message_length` as the longest message (in bytes) either end
/// accepts; a longer one is read as [`Frame::Oversized`].
pub fn duplex_with_limit(
    capacity: usize,
    max_message_length: usize,
) -> (MemoryTransport, MemoryTransport) {
    let capacity = capacity.max(1);
    let (a_tx, a_rx) = mpsc::channel(capacity);
    let (b_tx, b_rx) = mpsc::channel(capacity);
    let end = |rx, tx| MemoryTransport {
        reader: MemoryReader {
            rx,
            max_message_length,
        },
        writer: MemoryWriter { tx: Some(tx) },
    };
    (end(a_rx, b_tx), end(b_rx, a_tx))
}

/// One end of an in-memory transport, made by [`duplex`].
#[derive(Debug)]
pub struct MemoryTransport {
    reader: MemoryReader,
    writer: MemoryWriter,
}

impl Transport for MemoryTransport {
    type Reader = MemoryReader;
    type Writer = MemoryWriter;

    fn split(self) -> (MemoryReader, MemoryWriter) {
        (self.reader, self.writer)
    }
}

/// The receiving half of a [`MemoryTransport`].
#[derive(Debug)]
pub struct MemoryReader {
    rx: mpsc::Receiver<Vec<u8>>,
    max_message_length: usize,
}

impl TransportReader for MemoryReader {
    async fn read(&mut self) -> Result<Option<Frame>, TransportError> {
        Ok(self.rx.recv().await.map(|bytes| {
            if bytes.len() > self.max_message_length {
                Frame::Oversized {
                    limit: self.max_message_length,
                }
            } else {
                Frame::Message(bytes)
            }
        }))
    }
}

/// The sending half of a [`MemoryTransport`].
#[derive(Debug)]
pub struct MemoryWriter {
    /// `None` once closed.
    tx: Option<mpsc::Sender<Vec<u8>>>,
}

impl MemoryWriter {
    fn sender(&self) -> Result<&mpsc::Sender<Vec<u8>>, TransportError> {
        self.tx.as_ref().ok_or(TransportError::Closed)
    }
}

impl TransportWriter for MemoryWriter {
    async fn write(&mut self, message: OutboundMessage) -> Result<(), TransportError> {
        self.sender()?
            .send(message.bytes)
            .await
            .map_err(|_| TransportError::Closed)
    }

    async fn flush(&mut self) -> Result<(), TransportError> {
        if self.sender()?.is_closed() {
            return Err(TransportError::Closed);
        }
        Ok(())
    }

    async fn close(&mut self) -> Result<(), TransportError> {
        self.tx = None;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::transport::Route;

    fn out(bytes: &[u8]) -> OutboundMessage {
        OutboundMessage::new(bytes.to_vec(), Route::Unrelated)
    }

    fn msg(bytes: &[u8]) -> Option<Frame> {
        Some(Frame::Message(bytes.to_vec()))
    }

    #[tokio::test]
    async fn messages_travel_whole_both_ways() {
        let (a, b) = duplex(8);
        let (mut a_reader, mut a_writer) = a.split();
        let (mut b_reader, mut b_writer) = b.split();
        a_writer.write(out(b"{\"a\":1}")).await.unwrap();
        a_writer.write(out(b"no\nframing")).await.unwrap();
        a_writer.flush().await.unwrap();
        b_writer.write(out(b"back")).await.unwrap();
        assert_eq!(b_reader.read().await.unwrap(), msg(b"{\"a\":1}"));
        assert_eq!(b_reader.read().await.unwrap(), msg(b"no\nframing"));
        assert_eq!(a_reader.read().await.unwrap(), msg(b"back"));
    }

    #[tokio::test]
    async fn oversized_messages_are_reported() {
        let (a, b) = duplex_with_limit(4, 10);
        let (_a_reader, mut a_writer) = a.split();
        let (mut b_reader, _b_writer) = b.split();
        a_writer.write(out(&[b'x'; 11])).await.unwrap();
        a_writer.write(out(&[b'y'; 10])).await.unwrap();
        assert_eq!(
            b_reader.read().await.unwrap(),
            Some(Frame::Oversized { limit: 10 })
        );
        assert_eq!(b_reader.read().await.unwrap(), msg(&[b'y'; 10]));
    }

    #[tokio::test]
    async fn dropping_an_end_ends_the_other() {
        let (a, b) = duplex(4);
        let (mut a_reader, mut a_writer) = a.split();
        drop(b);
        assert_eq!(a_reader.read().await.unwrap(), None);
        assert!(matches!(
            a_writer.write(out(b"x")).await,
            Err(TransportError::Closed)
        ));
        assert!(matches!(
            a_writer.flush().await,
            Err(TransportError::Closed)
        ));
    }

    #[tokio::test]
    async fn closing_delivers_what_was_queued_then_ends() {
        let (a, b) = duplex(4);
        let (_a_reader, mut a_writer) = a.split();
        let (mut b_reader, _b_writer) = b.split();
        a_writer.write(out(b"1")).await.unwrap();
        a_writer.write(out(b"2")).await.unwrap();
        a_writer.close().await.unwrap();
        a_writer.close().await.unwrap();
        assert!(matches!(
            a_writer.write(out(b"3")).await,
            Err(TransportError::Closed)
        ));
        assert_eq!(b_reader.read().await.unwrap(), msg(b"1"));
        assert_eq!(b_reader.read().await.unwrap(), msg(b"2"));
        assert_eq!(b_reader.read().await.unwrap(), None);
    }

    #[tokio::test]
    async fn the_queue_is_bounded() {
        // A capacity of 0 still gives a usable queue of one.
        let (a, b) = duplex(0);
        let (_a_reader, mut a_writer) = a.split();
        let (mut b_reader, _b_writer) = b.split();
        a_writer.write(out(b"1")).await.unwrap();
        let blocked = tokio::time::timeout(Duration::from_millis(50), a_writer.write(out(b"2")));
        assert!(blocked.await.is_err());
        assert_eq!(b_reader.read().await.unwrap(), msg(b"1"));
        a_writer.write(out(b"3")).await.unwrap();
        assert_eq!(b_reader.read().await.unwrap(), msg(b"3"));
    }
}
