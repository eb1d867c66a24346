//! Target over stdio framing: newline-delimited messages read in arbitrary chunks.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use oxmcp_core::transport::{Frame, LineConfig, LineReader};
use tokio::io::{AsyncRead, ReadBuf};

/// The longest line in these runs: small, so that the oversized path is reached too.
const MAX_LINE: usize = 64;

/// Bytes handed out in chunks of the given sizes (cycling), as a pipe might.
struct Chunked {
    data: Vec<u8>,
    at: usize,
    sizes: Vec<usize>,
    turn: usize,
}

impl AsyncRead for Chunked {
    fn poll_read(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let size = self.sizes[self.turn % self.sizes.len()];
        self.turn += 1;
        let end = (self.at + size).min(self.data.len());
        let end = end.min(self.at + buf.remaining());
        let start = self.at;
        buf.put_slice(&self.data[start..end]);
        self.at = end;
        Poll::Ready(Ok(()))
    }
}

fn frames(data: &[u8], sizes: Vec<usize>) -> Vec<Frame> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        let chunked = Chunked {
            data: data.to_vec(),
            at: 0,
            sizes,
            turn: 0,
        };
        let config = LineConfig::new().with_max_line_length(MAX_LINE);
        let mut reader = LineReader::with_config(chunked, config);
        let mut frames = Vec::new();
        while let Ok(Some(frame)) = reader.next_frame().await {
            frames.push(frame);
        }
        frames
    })
}

/// The first byte picks chunk sizes (1 to 16 bytes, cycling); the rest is the stream. The
/// frames are the same whatever the chunking.
pub fn line_framing(data: &[u8]) {
    let Some((&seed, stream)) = data.split_first() else {
        return;
    };
    let sizes: Vec<usize> = (0..4)
        .map(|i| usize::from((seed >> (i * 2)) & 0x0f) + 1)
        .collect();
    let whole = frames(stream, vec![stream.len().max(1)]);
    let chunked = frames(stream, sizes);
    assert_eq!(whole, chunked, "chunking does not change the frames");
}
