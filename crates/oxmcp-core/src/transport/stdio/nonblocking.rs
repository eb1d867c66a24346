//! Standard input and output driven by the Tokio reactor (Unix).
//!
//! Each stream is a duplicate of descriptor 0 or 1 that is a pipe (or FIFO) or a Unix socket
//! (what Node-based clients give their children), put in non-blocking mode and registered
//! with the reactor through Tokio's safe constructors, so that reads and writes are plain
//! system calls on the runtime's threads instead of a hand-off to the blocking pool per call.
//! The original file status flags are restored when the stream is dropped.

use std::fs::File;
use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::os::unix::net::UnixStream as StdUnixStream;
use std::pin::Pin;
use std::task::{Context, Poll};

use nix::fcntl::{FcntlArg, OFlag, fcntl};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::UnixStream;
use tokio::net::unix::pipe;

/// A descriptor the reactor can drive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Pollable {
    /// A pipe or FIFO.
    Pipe,
    /// A Unix domain socket.
    Socket,
}

/// What kind of file a descriptor refers to, and which one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct FdInfo {
    pub(super) dev: u64,
    pub(super) ino: u64,
    /// `None` for terminals, regular files, devices and other sockets.
    pub(super) pollable: Option<Pollable>,
}

impl FdInfo {
    /// Inspects `fd`.
    pub(super) fn of(fd: BorrowedFd<'_>) -> io::Result<Self> {
        let metadata = File::from(fd.try_clone_to_owned()?).metadata()?;
        let kind = metadata.file_type();
        let pollable = if kind.is_fifo() {
            Some(Pollable::Pipe)
        } else if kind.is_socket()
            && StdUnixStream::from(fd.try_clone_to_owned()?)
                .local_addr()
                .is_ok()
        {
            Some(Pollable::Socket)
        } else {
            None
        };
        Ok(Self {
            dev: metadata.dev(),
            ino: metadata.ino(),
            pollable,
        })
    }

    /// Whether both descriptors refer to the same pipe, socket or file.
    pub(super) fn same_file(&self, other: &Self) -> bool {
        self.dev == other.dev && self.ino == other.ino
    }
}

/// The pipe end a [`NonBlocking`] stream uses when its descriptor is a pipe.
pub(super) trait PipeEnd: Sized + Unpin {
    /// Checks and registers a pipe end (in non-blocking mode).
    fn register(fd: OwnedFd) -> io::Result<Self>;
    /// Deregisters the pipe end.
    fn deregister(self) -> io::Result<OwnedFd>;
}

impl PipeEnd for pipe::Receiver {
    fn register(fd: OwnedFd) -> io::Result<Self> {
        Self::from_owned_fd(fd)
    }

    fn deregister(self) -> io::Result<OwnedFd> {
        self.into_nonblocking_fd()
    }
}

impl PipeEnd for pipe::Sender {
    fn register(fd: OwnedFd) -> io::Result<Self> {
        Self::from_owned_fd(fd)
    }

    fn deregister(self) -> io::Result<OwnedFd> {
        self.into_nonblocking_fd()
    }
}

#[derive(Debug)]
enum Io<P> {
    Pipe(P),
    Socket(UnixStream),
}

/// A duplicated standard descriptor in non-blocking mode, registered with the reactor: a
/// pipe read end (`P` = [`pipe::Receiver`]) or write end ([`pipe::Sender`]), or a socket.
#[derive(Debug)]
pub(super) struct NonBlocking<P: PipeEnd> {
    /// `None` only while dropping.
    io: Option<Io<P>>,
    /// The file status flags found before switching to non-blocking mode.
    original: OFlag,
}

fn restore(fd: BorrowedFd<'_>, flags: OFlag) {
    if let Err(error) = fcntl(fd, FcntlArg::F_SETFL(flags)) {
        tracing::debug!(%error, "could not restore the flags of a standard stream");
    }
}

impl<P: PipeEnd> NonBlocking<P> {
    /// Duplicates `fd`, switches it to non-blocking mode and registers it with the reactor.
    /// Must be called within a Tokio runtime.
    pub(super) fn new(fd: BorrowedFd<'_>, kind: Pollable) -> io::Result<Self> {
        let original = OFlag::from_bits_retain(fcntl(fd, FcntlArg::F_GETFL)?);
        let registered = fd.try_clone_to_owned().and_then(|owned| match kind {
            Pollable::Pipe => P::register(owned).map(Io::Pipe),
            Pollable::Socket => {
                let socket = StdUnixStream::from(owned);
                socket.set_nonblocking(true)?;
                UnixStream::from_std(socket).map(Io::Socket)
            }
        });
        match registered {
            Ok(io) => Ok(Self {
                io: Some(io),
                original,
            }),
            Err(error) => {
                // The flags belong to the open file description, shared with `fd`.
                restore(fd, original);
                Err(error)
            }
        }
    }

    fn io(self: Pin<&mut Self>) -> io::Result<&mut Io<P>> {
        self.get_mut()
            .io
            .as_mut()
            .ok_or_else(|| io::Error::other("standard stream already released"))
    }
}

impl<P: PipeEnd> Drop for NonBlocking<P> {
    fn drop(&mut self) {
        let fd = match self.io.take() {
            Some(Io::Pipe(pipe)) => pipe.deregister(),
            Some(Io::Socket(socket)) => socket.into_std().map(OwnedFd::from),
            None => return,
        };
        match fd {
            Ok(fd) => restore(fd.as_fd(), self.original),
            Err(error) => tracing::debug!(%error, "could not release a standard stream"),
        }
    }
}

impl AsyncRead for NonBlocking<pipe::Receiver> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.io() {
            Ok(Io::Pipe(pipe)) => Pin::new(pipe).poll_read(cx, buf),
            Ok(Io::Socket(socket)) => Pin::new(socket).poll_read(cx, buf),
            Err(error) => Poll::Ready(Err(error)),
        }
    }
}

impl AsyncWrite for NonBlocking<pipe::Sender> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.io() {
            Ok(Io::Pipe(pipe)) => Pin::new(pipe).poll_write(cx, buf),
            Ok(Io::Socket(socket)) => Pin::new(socket).poll_write(cx, buf),
            Err(error) => Poll::Ready(Err(error)),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        // Closing is the caller's business: it points descriptor 1 elsewhere, then drops this.
        Poll::Ready(Ok(()))
    }
}
