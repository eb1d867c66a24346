//! Newline-delimited framing over any byte stream: the wire format of stdio.
//!
//! [`LineReader`] turns an [`AsyncRead`] into [`Frame`]s, one per line, with a bounded line
//! length: a longer line is skipped without being buffered and reported once as
//! [`Frame::Oversized`]. [`LineWriter`] buffers outgoing messages, one per line, and writes them
//! out on [`flush`](TransportWriter::flush). [`LineTransport`] pairs the two.

use std::io;
use std::mem;
use std::ops::Range;

use memchr::memchr;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use super::{Frame, OutboundMessage, Transport, TransportError, TransportReader, TransportWriter};

/// The default limit on the length of one line: 4 MiB.
pub const DEFAULT_MAX_LINE_LENGTH: usize = 4 * 1024 * 1024;

/// Size of the reader's reusable read buffer.
pub(crate) const READ_BUFFER_SIZE: usize = 64 * 1024;

/// The writer hands its buffer to the stream once it holds this many bytes.
const WRITE_BUFFER_SIZE: usize = 64 * 1024;

/// Above this capacity the writer gives memory back after a flush.
const WRITE_BUFFER_KEEP: usize = 4 * WRITE_BUFFER_SIZE;

/// Settings of newline-delimited framing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct LineConfig {
    /// The longest accepted line in bytes, without its `\n` or `\r\n` terminator. Longer lines
    /// are discarded and reported as [`Frame::Oversized`].
    pub max_line_length: usize,
}

impl Default for LineConfig {
    fn default() -> Self {
        Self {
            max_line_length: DEFAULT_MAX_LINE_LENGTH,
        }
    }
}

impl LineConfig {
    /// The default settings (a limit of [`DEFAULT_MAX_LINE_LENGTH`]).
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the longest accepted line in bytes.
    pub fn with_max_line_length(mut self, max_line_length: usize) -> Self {
        self.max_line_length = max_line_length;
        self
    }
}

/// Maps an I/O error to a transport error: a peer that went away becomes
/// [`TransportError::Closed`].
pub(crate) fn map_io_error(error: io::Error) -> TransportError {
    match error.kind() {
        io::ErrorKind::BrokenPipe
        | io::ErrorKind::ConnectionReset
        | io::ErrorKind::ConnectionAborted => TransportError::Closed,
        _ => TransportError::Io(error),
    }
}

/// Reads newline-delimited messages from a byte stream.
///
/// Lines end with `\n`; a `\r` before it is removed. Lines made only of ASCII whitespace are
/// skipped. A last line without a newline at the end of the stream is still a message. Memory
/// stays bounded by the read buffer (64 KiB) plus the line limit, whatever the input.
///
/// [`next_frame`](Self::next_frame) is cancel-safe: if its future is dropped, no input is lost.
#[derive(Debug)]
pub struct LineReader<R> {
    inner: R,
    buf: Box<[u8]>,
    /// Start of the unread bytes in `buf`.
    pos: usize,
    /// End of the bytes read into `buf`.
    filled: usize,
    /// The beginning of a line that continues past the end of `buf`.
    partial: Vec<u8>,
    max_line_length: usize,
    /// Inside an oversized line: skip everything up to the next newline.
    discarding: bool,
    eof: bool,
}

impl<R> LineReader<R> {
    /// A reader with the default settings.
    pub fn new(inner: R) -> Self {
        Self::with_config(inner, LineConfig::default())
    }

    /// A reader with the given settings.
    pub fn with_config(inner: R, config: LineConfig) -> Self {
        Self {
            inner,
            buf: vec![0; READ_BUFFER_SIZE].into_boxed_slice(),
            pos: 0,
            filled: 0,
            partial: Vec::new(),
            max_line_length: config.max_line_length,
            discarding: false,
            eof: false,
        }
    }

    /// The longest accepted line in bytes.
    pub fn max_line_length(&self) -> usize {
        self.max_line_length
    }

    /// The bytes of memory this reader currently holds for buffering (read buffer plus the
    /// capacity kept for an incomplete line).
    pub fn buffered_capacity(&self) -> usize {
        self.buf.len() + self.partial.capacity()
    }

    /// The underlying stream.
    pub fn get_ref(&self) -> &R {
        &self.inner
    }

    /// Gives back the underlying stream; buffered input is lost.
    pub fn into_inner(self) -> R {
        self.inner
    }

    /// Consumes unread bytes of `buf` up to the end of the next line, if any; returns a frame
    /// when a line is complete and not blank.
    fn scan(&mut self) -> Option<Frame> {
        let start = self.pos;
        match memchr(b'\n', &self.buf[start..self.filled]) {
            Some(offset) => {
                self.pos = start + offset + 1;
                if self.discarding {
                    self.discarding = false;
                    return None;
                }
                self.complete_line(start..start + offset)
            }
            None => {
                self.pos = self.filled;
                if self.discarding {
                    return None;
                }
                let len = self.partial.len() + (self.filled - start);
                // One more byte than the limit may be a `\r` that the terminator removes.
                if len > self.max_line_length.saturating_add(1) {
                    self.partial = Vec::new();
                    self.discarding = true;
                    return Some(self.oversized());
                }
                self.partial
                    .extend_from_slice(&self.buf[start..self.filled]);
                None
            }
        }
    }

    /// Ends the line made of `partial` followed by `buf[range]`.
    fn complete_line(&mut self, range: Range<usize>) -> Option<Frame> {
        if self.partial.is_empty() {
            let line = strip_cr(&self.buf[range]);
            if line.len() > self.max_line_length {
                return Some(self.oversized());
            }
            if is_blank(line) {
                return None;
            }
            return Some(Frame::Message(line.to_vec()));
        }
        let mut line = mem::take(&mut self.partial);
        if line.len() + range.len() > self.max_line_length.saturating_add(1) {
            return Some(self.oversized());
        }
        line.extend_from_slice(&self.buf[range]);
        self.finish_line(line)
    }

    /// Checks a complete line held in its own vector.
    fn finish_line(&mut self, mut line: Vec<u8>) -> Option<Frame> {
        if line.last() == Some(&b'\r') {
            line.pop();
        }
        if line.len() > self.max_line_length {
            return Some(self.oversized());
        }
        if is_blank(&line) {
            return None;
        }
        Some(Frame::Message(line))
    }

    /// The frame at the end of the stream: a last line without newline, if any.
    fn finish_stream(&mut self) -> Option<Frame> {
        if self.discarding {
            self.discarding = false;
            return None;
        }
        if self.partial.is_empty() {
            return None;
        }
        let line = mem::take(&mut self.partial);
        self.finish_line(line)
    }

    fn oversized(&self) -> Frame {
        Frame::Oversized {
            limit: self.max_line_length,
        }
    }
}

impl<R: AsyncRead + Unpin> LineReader<R> {
    /// The next frame, or `None` at the end of the stream.
    pub async fn next_frame(&mut self) -> io::Result<Option<Frame>> {
        loop {
            if self.pos < self.filled {
                if let Some(frame) = self.scan() {
                    return Ok(Some(frame));
                }
                continue;
            }
            if self.eof {
                return Ok(self.finish_stream());
            }
            match self.inner.read(&mut self.buf).await {
                Ok(0) => self.eof = true,
                Ok(n) => {
                    self.pos = 0;
                    self.filled = n;
                }
                Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
                Err(error) => return Err(error),
            }
        }
    }
}

impl<R: AsyncRead + Unpin + Send + 'static> TransportReader for LineReader<R> {
    async fn read(&mut self) -> Result<Option<Frame>, TransportError> {
        self.next_frame().await.map_err(map_io_error)
    }
}

fn strip_cr(line: &[u8]) -> &[u8] {
    match line.split_last() {
        Some((b'\r', rest)) => rest,
        _ => line,
    }
}

fn is_blank(line: &[u8]) -> bool {
    line.iter().all(u8::is_ascii_whitespace)
}

/// Writes messages to a byte stream, one per line.
///
/// [`write`](TransportWriter::write) appends the message and a newline to a buffer (and hands
/// the buffer to the stream once it holds 64 KiB); [`flush`](TransportWriter::flush) writes the
/// rest and flushes the stream; [`close`](TransportWriter::close) flushes, shuts the stream
/// down and drops it. A peer that went away gives [`TransportError::Closed`].
#[derive(Debug)]
pub struct LineWriter<W> {
    /// `None` once closed.
    inner: Option<W>,
    buf: Vec<u8>,
    /// How much of `buf` the stream has already taken.
    written: usize,
}

impl<W> LineWriter<W> {
    /// A writer over `inner`.
    pub fn new(inner: W) -> Self {
        Self {
            inner: Some(inner),
            buf: Vec::new(),
            written: 0,
        }
    }

    /// The underlying stream, unless the writer was closed.
    pub fn get_ref(&self) -> Option<&W> {
        self.inner.as_ref()
    }

    /// Whether [`close`](TransportWriter::close) was called.
    pub fn is_closed(&self) -> bool {
        self.inner.is_none()
    }

    /// Bytes buffered and not yet taken by the stream.
    pub fn buffered_len(&self) -> usize {
        self.buf.len() - self.written
    }
}

impl<W: AsyncWrite + Unpin> LineWriter<W> {
    /// Hands the whole buffer to the stream (without flushing the stream).
    async fn drain(&mut self) -> Result<(), TransportError> {
        let inner = self.inner.as_mut().ok_or(TransportError::Closed)?;
        while self.written < self.buf.len() {
            match inner.write(&self.buf[self.written..]).await {
                Ok(0) => return Err(map_io_error(io::ErrorKind::WriteZero.into())),
                Ok(n) => self.written += n,
                Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
                Err(error) => return Err(map_io_error(error)),
            }
        }
        self.buf.clear();
        self.written = 0;
        if self.buf.capacity() > WRITE_BUFFER_KEEP {
            self.buf.shrink_to(WRITE_BUFFER_SIZE);
        }
        Ok(())
    }

    async fn flush_all(&mut self) -> Result<(), TransportError> {
        self.drain().await?;
        let inner = self.inner.as_mut().ok_or(TransportError::Closed)?;
        inner.flush().await.map_err(map_io_error)
    }
}

impl<W: AsyncWrite + Unpin + Send + 'static> TransportWriter for LineWriter<W> {
    async fn write(&mut self, message: OutboundMessage) -> Result<(), TransportError> {
        if self.inner.is_none() {
            return Err(TransportError::Closed);
        }
        if memchr(b'\n', &message.bytes).is_some() {
            return Err(TransportError::Io(io::Error::new(
                io::ErrorKind::InvalidInput,
                "a newline-delimited message must not contain a newline",
            )));
        }
        self.buf.reserve(message.bytes.len() + 1);
        self.buf.extend_from_slice(&message.bytes);
        self.buf.push(b'\n');
        if self.buf.len() >= WRITE_BUFFER_SIZE {
            self.drain().await?;
        }
        Ok(())
    }

    async fn flush(&mut self) -> Result<(), TransportError> {
        self.flush_all().await
    }

    async fn close(&mut self) -> Result<(), TransportError> {
        if self.inner.is_none() {
            return Ok(());
        }
        let flushed = self.flush_all().await;
        let shut = match self.inner.as_mut() {
            Some(inner) => inner.shutdown().await.map_err(map_io_error),
            None => Ok(()),
        };
        self.inner = None;
        self.buf = Vec::new();
        self.written = 0;
        flushed.and(shut)
    }
}

/// A transport that frames messages as lines over a byte-stream pair: the reader and writer
/// of stdio, of a child process, or of any [`AsyncRead`] and [`AsyncWrite`].
#[derive(Debug)]
pub struct LineTransport<R, W> {
    reader: LineReader<R>,
    writer: LineWriter<W>,
}

impl<R, W> LineTransport<R, W> {
    /// A transport over `reader` and `writer` with the default settings.
    pub fn new(reader: R, writer: W) -> Self {
        Self::with_config(reader, writer, LineConfig::default())
    }

    /// A transport over `reader` and `writer` with the given settings.
    pub fn with_config(reader: R, writer: W, config: LineConfig) -> Self {
        Self {
            reader: LineReader::with_config(reader, config),
            writer: LineWriter::new(writer),
        }
    }

    /// The framed halves.
    pub fn into_parts(self) -> (LineReader<R>, LineWriter<W>) {
        (self.reader, self.writer)
    }
}

impl<R, W> Transport for LineTransport<R, W>
where
    R: AsyncRead + Unpin + Send + 'static,
    W: AsyncWrite + Unpin + Send + 'static,
{
    type Reader = LineReader<R>;
    type Writer = LineWriter<W>;

    fn split(self) -> (LineReader<R>, LineWriter<W>) {
        self.into_parts()
    }
}

#[cfg(test)]
mod tests;
