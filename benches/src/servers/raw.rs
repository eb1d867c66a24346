//! The ceiling on this machine: servers that answer exactly what the load generator sends,
//! with no MCP library at all (hyper for HTTP, a blocking line loop for stdio). Their numbers
//! are what the transport alone costs.

use std::io::{BufRead, Write};
use std::net::SocketAddr;

use bytes::Bytes;
use http::{Request, Response, StatusCode, header};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;

/// The answer to every request: an `echo` result (also taken as an `initialize` result).
fn answer(id: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(128);
    out.extend_from_slice(b"{\"jsonrpc\":\"2.0\",\"id\":");
    out.extend_from_slice(id);
    out.extend_from_slice(
        b",\"result\":{\"content\":[{\"type\":\"text\",\"text\":\"hello, bench\"}]}}",
    );
    out
}

/// The bytes of the first `"id":` value (a number), if any.
fn id_of(message: &[u8]) -> Option<&[u8]> {
    let at = memchr::memmem::find(message, b"\"id\":")? + 5;
    let len = message[at..]
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .count();
    (len > 0).then(|| &message[at..at + len])
}

async fn respond(request: Request<Incoming>) -> Result<Response<Full<Bytes>>, hyper::Error> {
    let body = request.into_body().collect().await?.to_bytes();
    let response = match id_of(&body) {
        Some(id) => Response::builder()
            .header(header::CONTENT_TYPE, "application/json")
            .header("mcp-session-id", "raw")
            .body(Full::new(Bytes::from(answer(id)))),
        None => Response::builder()
            .status(StatusCode::ACCEPTED)
            .body(Full::new(Bytes::new())),
    };
    Ok(response.expect("a valid response"))
}

/// Serves HTTP on `addr` until killed.
pub(crate) async fn serve_http(addr: SocketAddr) -> Result<(), Box<dyn std::error::Error>> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    super::print_port(listener.local_addr()?).await?;
    loop {
        let (stream, _) = listener.accept().await?;
        stream.set_nodelay(true)?;
        tokio::spawn(async move {
            let service = hyper::service::service_fn(respond);
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

/// Answers stdin's lines on stdout until stdin ends, flushing when no input is buffered.
pub(crate) async fn serve_stdio() -> Result<(), Box<dyn std::error::Error>> {
    tokio::task::spawn_blocking(|| -> std::io::Result<()> {
        let mut input = std::io::BufReader::with_capacity(64 * 1024, std::io::stdin().lock());
        let mut output = std::io::BufWriter::with_capacity(64 * 1024, std::io::stdout().lock());
        let mut line = Vec::new();
        loop {
            line.clear();
            if input.read_until(b'\n', &mut line)? == 0 {
                return output.flush();
            }
            if let Some(id) = id_of(&line) {
                output.write_all(&answer(id))?;
                output.write_all(b"\n")?;
            }
            if input.buffer().is_empty() {
                output.flush()?;
            }
        }
    })
    .await??;
    Ok(())
}
