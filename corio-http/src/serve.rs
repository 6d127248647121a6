//! `serve`: hyper's HTTP/1.1 server on a corio listener, a task per
//! connection.

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::rc::Rc;

use corio::hyper::{CorioIo, CorioTimer};
use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response};

/// Accepts connections on `listener` for ever and answers each request
/// with `handler`: what `aiohttp.web` or hyper-util's accept loop do.
/// Keep-alive is on; hyper's timers run on the loop's clock.
///
/// # Errors
///
/// When accepting fails (the listener's error).
///
/// # Examples
///
/// See the [crate's example](crate).
pub async fn serve<H, F>(listener: corio::TcpListener, handler: H) -> io::Result<()>
where
    H: Fn(Request<Incoming>) -> F + 'static,
    F: Future<Output = Response<Full<Bytes>>> + 'static,
{
    let handler = Rc::new(handler);
    loop {
        let (stream, _) = listener.accept().await?;
        stream.set_nodelay(true)?;
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
