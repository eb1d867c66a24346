//! The server side of the stdio transport: this process's standard input and output.
//!
//! [`stdio()`] frames messages as lines (see [`lines`](super::lines)) over descriptors 0 and 1.
//! On Unix, when they are pipes, FIFOs or sockets (the usual case: the client spawned us with
//! pipes), both are put in non-blocking mode and driven by the Tokio reactor, which is several
//! times faster than Tokio's `stdin()`/`stdout()` and their hand-off to a blocking thread per
//! call. Otherwise (a terminal, a regular file, `/dev/null`, another platform) the transport
//! falls back to Tokio's streams. It also falls back when the reactor path could affect
//! another stream: when stdin and stdout are the same socket, or when stderr shares stdout's
//! pipe (`2>&1`), since non-blocking mode belongs to the shared open file and a full pipe
//! would make writes to stderr fail.
//!
//! The original file flags are restored when the streams are dropped. The end of stdin ends
//! the reader (`Ok(None)`); a client that closed our stdout makes writes fail with
//! [`TransportError::Closed`](super::TransportError::Closed). Closing the writer flushes it and
//! then, on Unix, points descriptor 1 at `/dev/null`, so that the client sees the end of our
//! output and stray prints can no longer reach it.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use super::lines::{LineConfig, LineTransport};

#[cfg(unix)]
mod nonblocking;

/// The stdio transport: line framing over this process's stdin and stdout.
pub type StdioTransport = LineTransport<Stdin, Stdout>;

/// The stdio transport with the default settings (lines of at most 4 MiB). Call it within a
/// Tokio runtime, once per process.
pub fn stdio() -> StdioTransport {
    stdio_with_config(LineConfig::default())
}

/// The stdio transport with the given framing settings. Call it within a Tokio runtime, once
/// per process.
pub fn stdio_with_config(config: LineConfig) -> StdioTransport {
    let (stdin, stdout) = open();
    LineTransport::with_config(stdin, stdout, config)
}

/// This process's standard input, as used by [`stdio()`].
#[derive(Debug)]
pub struct Stdin {
    kind: InputKind,
}

#[derive(Debug)]
enum InputKind {
    #[cfg(unix)]
    Reactor(nonblocking::NonBlocking<tokio::net::unix::pipe::Receiver>),
    Blocking(tokio::io::Stdin),
}

impl Stdin {
    /// Whether reads are non-blocking system calls driven by the reactor (rather than
    /// hand-offs to Tokio's blocking thread pool).
    pub fn is_reactor_driven(&self) -> bool {
        !matches!(self.kind, InputKind::Blocking(_))
    }
}

impl AsyncRead for Stdin {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match &mut self.get_mut().kind {
            #[cfg(unix)]
            InputKind::Reactor(input) => Pin::new(input).poll_read(cx, buf),
            InputKind::Blocking(input) => Pin::new(input).poll_read(cx, buf),
        }
    }
}

/// This process's standard output, as used by [`stdio()`].
#[derive(Debug)]
pub struct Stdout {
    kind: OutputKind,
}

#[derive(Debug)]
enum OutputKind {
    #[cfg(unix)]
    Reactor(nonblocking::NonBlocking<tokio::net::unix::pipe::Sender>),
    Blocking(tokio::io::Stdout),
}

impl Stdout {
    /// Whether writes are non-blocking system calls driven by the reactor (rather than
    /// hand-offs to Tokio's blocking thread pool).
    pub fn is_reactor_driven(&self) -> bool {
        !matches!(self.kind, OutputKind::Blocking(_))
    }

    fn inner(self: Pin<&mut Self>) -> Pin<&mut (dyn AsyncWrite + Unpin)> {
        match &mut self.get_mut().kind {
            #[cfg(unix)]
            OutputKind::Reactor(output) => Pin::new(output),
            OutputKind::Blocking(output) => Pin::new(output),
        }
    }
}

impl AsyncWrite for Stdout {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.inner().poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.inner().poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.inner().poll_shutdown(cx))?;
        Poll::Ready(close_stdout())
    }
}

/// Points descriptor 1 at `/dev/null`: the pipe to the client closes once our duplicate of it
/// is dropped too.
#[cfg(unix)]
fn close_stdout() -> io::Result<()> {
    let null = std::fs::OpenOptions::new().write(true).open("/dev/null")?;
    nix::unistd::dup2_stdout(null)?;
    Ok(())
}

#[cfg(not(unix))]
fn close_stdout() -> io::Result<()> {
    Ok(())
}

#[cfg(unix)]
fn open() -> (Stdin, Stdout) {
    use std::os::fd::AsFd;

    use nonblocking::{FdInfo, NonBlocking};

    let in_runtime = tokio::runtime::Handle::try_current().is_ok();
    let (input_kind, output_kind) = choose_reactor(
        in_runtime,
        FdInfo::of(io::stdin().as_fd()).ok(),
        FdInfo::of(io::stdout().as_fd()).ok(),
        FdInfo::of(io::stderr().as_fd()).ok(),
    );
    let input = input_kind.and_then(|kind| {
        NonBlocking::new(io::stdin().as_fd(), kind)
            .inspect_err(|error| tracing::debug!(%error, "stdin stays on the blocking pool"))
            .ok()
    });
    let output = output_kind.and_then(|kind| {
        NonBlocking::new(io::stdout().as_fd(), kind)
            .inspect_err(|error| tracing::debug!(%error, "stdout stays on the blocking pool"))
            .ok()
    });
    let stdin = Stdin {
        kind: input.map_or_else(
            || InputKind::Blocking(tokio::io::stdin()),
            InputKind::Reactor,
        ),
    };
    let stdout = Stdout {
        kind: output.map_or_else(
            || OutputKind::Blocking(tokio::io::stdout()),
            OutputKind::Reactor,
        ),
    };
    (stdin, stdout)
}

#[cfg(not(unix))]
fn open() -> (Stdin, Stdout) {
    (
        Stdin {
            kind: InputKind::Blocking(tokio::io::stdin()),
        },
        Stdout {
            kind: OutputKind::Blocking(tokio::io::stdout()),
        },
    )
}

/// Which of stdin and stdout to drive from the reactor (and as what), given what the
/// descriptors 0, 1 and 2 are (`None`: unknown).
#[cfg(unix)]
fn choose_reactor(
    in_runtime: bool,
    input: Option<nonblocking::FdInfo>,
    output: Option<nonblocking::FdInfo>,
    error: Option<nonblocking::FdInfo>,
) -> (Option<nonblocking::Pollable>, Option<nonblocking::Pollable>) {
    let same = |a: Option<nonblocking::FdInfo>, b: Option<nonblocking::FdInfo>| match (a, b) {
        (Some(a), Some(b)) => a.same_file(&b),
        _ => false,
    };
    let pollable = |info: Option<nonblocking::FdInfo>| info.and_then(|info| info.pollable);
    let use_input = in_runtime && !same(input, output);
    let use_output = in_runtime && !same(output, input) && !same(output, error);
    (
        pollable(input).filter(|_| use_input),
        pollable(output).filter(|_| use_output),
    )
}

#[cfg(all(test, unix))]
mod tests;
