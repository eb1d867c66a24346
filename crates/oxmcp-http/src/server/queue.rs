//! The queue between a session and one SSE connection, bounded in messages
//! ([`sse_queue`](super::HttpServerConfig::sse_queue)) and in bytes
//! ([`sse_queue_bytes`](super::HttpServerConfig::sse_queue_bytes)).
//!
//! An event that would take the queued bytes over the budget is refused like one that
//! finds the queue full (the session then closes the connection), except into an empty
//! queue: an event larger than the whole budget still goes out alone.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};

use tokio::sync::mpsc;

use super::body::SseItem;

/// Why an event was not queued.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refused {
    /// The queue is full, in messages or in bytes.
    Full,
    /// The connection is gone.
    Closed,
}

/// The session's end of a connection's queue.
#[derive(Debug)]
pub(crate) struct QueueTx {
    tx: mpsc::Sender<SseItem>,
    queued: Arc<AtomicUsize>,
    budget: usize,
}

/// The connection's end.
#[derive(Debug)]
pub(crate) struct QueueRx {
    rx: mpsc::Receiver<SseItem>,
    queued: Arc<AtomicUsize>,
}

/// A queue of at most `messages` events and `bytes` bytes (at least one event each).
pub(crate) fn channel(messages: usize, bytes: usize) -> (QueueTx, QueueRx) {
    let (tx, rx) = mpsc::channel(messages.max(1));
    let queued = Arc::new(AtomicUsize::new(0));
    (
        QueueTx {
            tx,
            queued: queued.clone(),
            budget: bytes,
        },
        QueueRx { rx, queued },
    )
}

impl QueueTx {
    /// Queues `item` if it fits.
    pub(crate) fn try_send(&self, item: SseItem) -> Result<(), Refused> {
        let len = item.bytes.len();
        // Counted before it is sent, so the receiver never takes away more than was added.
        let before = self.queued.fetch_add(len, Ordering::AcqRel);
        let refused = if before > 0 && before.saturating_add(len) > self.budget {
            Some(Refused::Full)
        } else {
            match self.tx.try_send(item) {
                Ok(()) => None,
                Err(mpsc::error::TrySendError::Full(_)) => Some(Refused::Full),
                Err(mpsc::error::TrySendError::Closed(_)) => Some(Refused::Closed),
            }
        };
        match refused {
            None => Ok(()),
            Some(why) => {
                self.queued.fetch_sub(len, Ordering::AcqRel);
                Err(why)
            }
        }
    }

    /// Whether the connection is gone.
    pub(crate) fn is_closed(&self) -> bool {
        self.tx.is_closed()
    }
}

impl QueueRx {
    /// A queue whose sender is already gone: the connection ends after what it has.
    pub(crate) fn ended() -> Self {
        channel(1, 0).1
    }

    /// The next event, if any.
    pub(crate) fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<SseItem>> {
        let polled = self.rx.poll_recv(cx);
        if let Poll::Ready(Some(item)) = &polled {
            self.queued.fetch_sub(item.bytes.len(), Ordering::AcqRel);
        }
        polled
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;

    fn item(len: usize) -> SseItem {
        SseItem {
            seq: 0,
            bytes: Bytes::from(vec![b'x'; len]),
        }
    }

    #[tokio::test]
    async fn bounded_in_messages_and_in_bytes() {
        let (tx, mut rx) = channel(3, 100);
        // Alone, an event over the budget still goes.
        assert_eq!(tx.try_send(item(150)), Ok(()));
        assert_eq!(tx.try_send(item(1)), Err(Refused::Full));
        let mut cx = Context::from_waker(std::task::Waker::noop());
        assert!(matches!(rx.poll_recv(&mut cx), Poll::Ready(Some(i)) if i.bytes.len() == 150));
        assert_eq!(tx.try_send(item(60)), Ok(()));
        assert_eq!(tx.try_send(item(40)), Ok(()));
        assert_eq!(tx.try_send(item(1)), Err(Refused::Full), "100 bytes queued");
        assert!(matches!(rx.poll_recv(&mut cx), Poll::Ready(Some(_))));
        assert_eq!(tx.try_send(item(10)), Ok(()));
        assert_eq!(tx.try_send(item(10)), Ok(()));
        assert_eq!(
            tx.try_send(item(1)),
            Err(Refused::Full),
            "3 messages queued"
        );
        drop(rx);
        assert_eq!(tx.try_send(item(1)), Err(Refused::Closed));
        assert!(tx.is_closed());
    }
}
