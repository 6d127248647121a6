//! `serve`: hyper's HTTP/1.1 server on a corio listener, a task per
//! connection.

use std::convert::Infallible;
use std::future::Future;
use std::rc::Rc;
use std::time::Duration;

use corio::hyper::{CorioIo, CorioTimer};
use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response};

/// Accepts connections on `listener` for ever and answers each request
/// with `handler`: what `aiohttp.web` or hyper-util's accept loop do.
/// Keep-alive is on; hyper's timers run on the loop's clock. A failed
/// accept (`EMFILE`: out of descriptors, say) waits a little and goes on,
/// as corio's own servers do.
///
/// # Examples
///
/// See the [crate's example](crate).
pub async fn serve<H, F>(listener: corio::TcpListener, handler: H)
where
    H: Fn(Request<Incoming>) -> F + 'static,
    F: Future<Output = Response<Full<Bytes>>> + 'static,
{
    let handler = Rc::new(handler);
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(_) => {
                corio::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        // Fails only on a connection already reset, which hyper then ends.
        let _ = stream.set_nodelay(true);
        let handler = handler.clone();
        let service = hyper::service::service_fn(move |request| {
            let answer = handler(request);
            async move { Ok::<_, Infallible>(answer.await) }
        });
        drop(corio::create_task(async move {
            // A connection that fails (a reset, a bad request) ends alone.
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder.timer(CorioTimer);
            let _ = builder.serve_connection(CorioIo::new(stream), service).await;
        }));
    }
}
