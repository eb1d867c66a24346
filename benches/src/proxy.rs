//! A round-robin HTTP/1.1 proxy with no affinity, for the scale-out rows: every request goes
//! to the next instance, whatever session it belongs to (`oxmcp-bench proxy PORT,PORT,...`
//! prints its own port on stdout). Each accepted connection keeps one keep-alive connection
//! to every instance; bodies stream both ways (SSE included).

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use http::{Request, Response, StatusCode};
use http_body_util::{BodyExt, Full, combinators::BoxBody};
use hyper::body::{Bytes, Incoming};
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Mutex;

type Body = BoxBody<Bytes, hyper::Error>;

/// One accepted connection's connections to the instances, opened on first use.
struct Upstreams {
    addrs: Vec<SocketAddr>,
    senders: Vec<Mutex<Option<SendRequest<Incoming>>>>,
    next: Arc<AtomicUsize>,
}

impl Upstreams {
    async fn forward(&self, request: Request<Incoming>) -> Result<Response<Body>, String> {
        let i = self.next.fetch_add(1, Ordering::Relaxed) % self.addrs.len();
        let mut slot = self.senders[i].lock().await;
        if slot.as_ref().is_none_or(SendRequest::is_closed) {
            let stream = TcpStream::connect(self.addrs[i])
                .await
                .map_err(|e| e.to_string())?;
            stream.set_nodelay(true).map_err(|e| e.to_string())?;
            let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
                .await
                .map_err(|e| e.to_string())?;
            tokio::spawn(connection);
            *slot = Some(sender);
        }
        let sender = slot.as_mut().expect("just opened");
        sender.ready().await.map_err(|e| e.to_string())?;
        let response = sender
            .send_request(request)
            .await
            .map_err(|e| e.to_string())?;
        Ok(response.map(BodyExt::boxed))
    }
}

fn bad_gateway(why: String) -> Response<Body> {
    let body = Full::new(Bytes::from(why)).map_err(|never| match never {});
    let mut response = Response::new(BodyExt::boxed(body));
    *response.status_mut() = StatusCode::BAD_GATEWAY;
    response
}

/// Proxies 127.0.0.1:(ephemeral) to `addrs`, round robin per request, until killed.
pub(crate) async fn serve(addrs: Vec<SocketAddr>) -> Result<(), Box<dyn std::error::Error>> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    crate::servers::print_port(listener.local_addr()?).await?;
    let next = Arc::new(AtomicUsize::new(0));
    loop {
        let (stream, _) = listener.accept().await?;
        stream.set_nodelay(true)?;
        let upstreams = Arc::new(Upstreams {
            senders: addrs.iter().map(|_| Mutex::new(None)).collect(),
            addrs: addrs.clone(),
            next: next.clone(),
        });
        let service = hyper::service::service_fn(move |request| {
            let upstreams = upstreams.clone();
            async move {
                Ok::<_, std::convert::Infallible>(
                    upstreams.forward(request).await.unwrap_or_else(bad_gateway),
                )
            }
        });
        tokio::spawn(async move {
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}
