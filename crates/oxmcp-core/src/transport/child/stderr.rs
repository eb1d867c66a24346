//! What happens to a child's standard error: inherited, discarded, or captured into a bounded
//! buffer of its most recent lines.

use std::collections::VecDeque;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use memchr::memchr;
use tokio::process::ChildStderr;
use tokio::task::JoinHandle;

use crate::transport::Frame;
use crate::transport::lines::{LineConfig, LineReader};

/// How many bytes of a child's most recent stderr output a capture keeps by default: 64 KiB.
pub const DEFAULT_STDERR_BUFFER: usize = 64 * 1024;

/// The longest stderr line handed to the buffer and the callback; longer lines are replaced
/// by a short notice.
const MAX_STDERR_LINE: usize = 64 * 1024;

/// A function called with each line the child writes to stderr.
pub type StderrCallback = Arc<dyn Fn(&str) + Send + Sync>;

/// Where a child's standard error goes.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub enum StderrMode {
    /// The child writes to this process's stderr (the default).
    #[default]
    Inherit,
    /// The child's stderr is discarded (`/dev/null`).
    Null,
    /// A background task reads the child's stderr line by line (see [`StderrCapture`]).
    Capture(StderrCapture),
}

impl StderrMode {
    /// Capture with the default settings: keep the last 64 KiB, log each line with
    /// `tracing::debug!`.
    pub fn capture() -> Self {
        Self::Capture(StderrCapture::new())
    }
}

/// Settings of stderr capture: the size of the buffer of recent output (whole lines, oldest
/// dropped first; memory stays bounded whatever the child prints) and what to do with each
/// line (a callback, or by default a `tracing::debug!` event). Lines made only of whitespace
/// are skipped; a line longer than 64 KiB is replaced by a notice.
#[derive(Clone)]
pub struct StderrCapture {
    buffer_size: usize,
    on_line: Option<StderrCallback>,
}

impl StderrCapture {
    /// Keeps the last [`DEFAULT_STDERR_BUFFER`] bytes and logs each line at debug level.
    pub fn new() -> Self {
        Self {
            buffer_size: DEFAULT_STDERR_BUFFER,
            on_line: None,
        }
    }

    /// Keeps at most `bytes` bytes of the most recent output (0 keeps nothing).
    pub fn buffer_size(mut self, bytes: usize) -> Self {
        self.buffer_size = bytes;
        self
    }

    /// Calls `callback` with each line (lossily decoded as UTF-8, without its newline) instead
    /// of logging it. It runs on the capture task: keep it short.
    pub fn on_line(mut self, callback: impl Fn(&str) + Send + Sync + 'static) -> Self {
        self.on_line = Some(Arc::new(callback));
        self
    }
}

impl Default for StderrCapture {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for StderrCapture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StderrCapture")
            .field("buffer_size", &self.buffer_size)
            .field("on_line", &self.on_line.as_ref().map(|_| "<callback>"))
            .finish()
    }
}

pub(super) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The most recent stderr output: whole lines, each ended by `\n`, at most `limit` bytes.
#[derive(Debug)]
pub(super) struct StderrRing {
    bytes: Mutex<VecDeque<u8>>,
    limit: usize,
}

impl StderrRing {
    pub(super) fn new(limit: usize) -> Self {
        Self {
            bytes: Mutex::new(VecDeque::new()),
            limit,
        }
    }

    /// Appends a line, dropping the oldest lines to stay within the limit. A line that does
    /// not fit on its own leaves only its end.
    pub(super) fn push_line(&self, line: &[u8]) {
        if self.limit == 0 {
            return;
        }
        let mut ring = lock(&self.bytes);
        let needed = line.len() + 1;
        if needed >= self.limit {
            ring.clear();
            ring.extend(&line[needed - self.limit..]);
            ring.push_back(b'\n');
            return;
        }
        while ring.len() + needed > self.limit {
            let (front, back) = ring.as_slices();
            let end = memchr(b'\n', front).or_else(|| memchr(b'\n', back).map(|i| front.len() + i));
            match end {
                Some(end) => drop(ring.drain(..=end)),
                None => ring.clear(),
            }
        }
        ring.extend(line);
        ring.push_back(b'\n');
    }

    /// The buffered output, lossily decoded as UTF-8.
    pub(super) fn text(&self) -> String {
        let ring = lock(&self.bytes);
        let (front, back) = ring.as_slices();
        let mut bytes = Vec::with_capacity(ring.len());
        bytes.extend_from_slice(front);
        bytes.extend_from_slice(back);
        String::from_utf8_lossy(&bytes).into_owned()
    }

    #[cfg(test)]
    pub(super) fn capacity(&self) -> usize {
        lock(&self.bytes).capacity()
    }
}

/// Starts the task that reads `stderr` until its end.
pub(super) fn spawn_capture(
    stderr: ChildStderr,
    capture: &StderrCapture,
    pid: u32,
) -> (Arc<StderrRing>, JoinHandle<()>) {
    let ring = Arc::new(StderrRing::new(capture.buffer_size));
    let task = tokio::spawn(read_stderr(
        stderr,
        Arc::clone(&ring),
        capture.on_line.clone(),
        pid,
    ));
    (ring, task)
}

async fn read_stderr(
    stderr: ChildStderr,
    ring: Arc<StderrRing>,
    on_line: Option<StderrCallback>,
    pid: u32,
) {
    let config = LineConfig::new().with_max_line_length(MAX_STDERR_LINE);
    let mut reader = LineReader::with_config(stderr, config);
    loop {
        let line = match reader.next_frame().await {
            Ok(Some(Frame::Message(bytes))) => bytes,
            // A line reader yields bytes, never decoded messages.
            Ok(Some(Frame::Decoded(message) | Frame::DecodedWith { message, .. })) => {
                message.to_vec()
            }
            Ok(Some(Frame::Oversized { limit })) => {
                format!("[a stderr line longer than {limit} bytes was discarded]").into_bytes()
            }
            Ok(None) => break,
            Err(error) => {
                tracing::debug!(pid, %error, "reading the child's stderr failed");
                break;
            }
        };
        ring.push_line(&line);
        let text = String::from_utf8_lossy(&line);
        match &on_line {
            Some(callback) => callback(&text),
            None => tracing::debug!(pid, line = %text, "child stderr"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_whole_recent_lines_within_the_limit() {
        let ring = StderrRing::new(20);
        ring.push_line(b"first line");
        ring.push_line(b"second");
        assert_eq!(ring.text(), "first line\nsecond\n");
        ring.push_line(b"third");
        assert_eq!(ring.text(), "second\nthird\n");
        for i in 0..1000 {
            ring.push_line(format!("line {i}").as_bytes());
            assert!(ring.text().len() <= 20);
        }
        assert_eq!(ring.text(), "line 998\nline 999\n");
        assert!(ring.capacity() <= 64, "{}", ring.capacity());
    }

    #[test]
    fn a_line_too_long_for_the_buffer_keeps_its_end() {
        let ring = StderrRing::new(8);
        ring.push_line(b"abc");
        ring.push_line(b"0123456789");
        assert_eq!(ring.text(), "3456789\n");
        ring.push_line(b"xy");
        assert_eq!(ring.text(), "xy\n");
    }

    #[test]
    fn a_zero_limit_keeps_nothing() {
        let ring = StderrRing::new(0);
        ring.push_line(b"abc");
        assert_eq!(ring.text(), "");
    }
}
