//! `ClientSession`: requests through the pool, with redirects, a timeout
//! and one retry on a stale connection.

use std::fmt;
use std::io;
use std::rc::Rc;
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::header::{HeaderMap, HOST, LOCATION};
use hyper::{Method, Request, StatusCode, Uri};

use crate::pool::{Checkout, Origin, Pool};

/// A client that keeps connections alive between requests
/// (`aiohttp.ClientSession`): a cheap `Clone` handle, `!Send`, to share
/// between the tasks of one loop.
#[derive(Clone)]
pub struct ClientSession {
    inner: Rc<Inner>,
}

struct Inner {
    pool: Pool,
    max_redirects: usize,
    timeout: Duration,
}

/// Options of a [`ClientSession`], named after aiohttp's.
#[derive(Debug)]
pub struct ClientSessionBuilder {
    limit_per_host: usize,
    max_redirects: usize,
    timeout: Duration,
    #[cfg(feature = "tls")]
    tls: Option<std::sync::Arc<corio::rustls::ClientConfig>>,
}

impl Default for ClientSession {
    fn default() -> ClientSession {
        ClientSession::new()
    }
}

impl ClientSession {
    /// A session with aiohttp's defaults: 100 connections per origin, 10
    /// redirects, 5 minutes per request; https trusts the usual web roots.
    pub fn new() -> ClientSession {
        ClientSession::builder().build()
    }

    /// A session with options.
    pub fn builder() -> ClientSessionBuilder {
        ClientSessionBuilder {
            limit_per_host: 100,
            max_redirects: 10,
            timeout: Duration::from_secs(300),
            #[cfg(feature = "tls")]
            tls: None,
        }
    }

    /// `GET url` (`session.get(url)`).
    ///
    /// # Errors
    ///
    /// As [`request`](ClientSession::request).
    pub async fn get(&self, url: &str) -> io::Result<Response> {
        self.request(Method::GET, url, Bytes::new()).await
    }

    /// Sends a request, following redirects, and returns the response once
    /// its head came; read the body with [`Response::bytes`] or
    /// [`Response::text`] (the connection goes back to the pool then).
    ///
    /// # Errors
    ///
    /// `InvalidInput` for a URL that is not `http://` or `https://`;
    /// `TimedOut` after the session's timeout; "too many redirects"; the
    /// connection's error.
    pub async fn request(&self, method: Method, url: &str, body: Bytes) -> io::Result<Response> {
        let deadline = corio::time() + self.inner.timeout;
        let sent = corio::timeout_at(deadline, self.follow(method, parse(url)?, body)).await;
        let (url, response, checkout) = sent.map_err(|_| timed_out(self.inner.timeout))??;
        Ok(Response { url, response, checkout, deadline, timeout: self.inner.timeout })
    }

    /// Sends, and follows redirects up to the session's limit.
    async fn follow(
        &self,
        mut method: Method,
        mut url: Uri,
        mut body: Bytes,
    ) -> io::Result<(Uri, hyper::Response<Incoming>, Checkout)> {
        for _ in 0..=self.inner.max_redirects {
            let (response, checkout) = self.send_once_or_retry(&method, &url, &body).await?;
            let status = response.status();
            let redirect = matches!(status.as_u16(), 301 | 302 | 303 | 307 | 308);
            let location = response.headers().get(LOCATION).and_then(|value| value.to_str().ok());
            let Some(location) = location.filter(|_| redirect) else {
                return Ok((url, response, checkout));
            };
            url = join(&url, location)?;
            // As aiohttp: a 303 (but for a HEAD), and a 301 or 302 after a
            // POST, become a GET without a body; the rest keep both.
            if (status == StatusCode::SEE_OTHER && method != Method::HEAD)
                || (matches!(status, StatusCode::MOVED_PERMANENTLY | StatusCode::FOUND)
                    && method == Method::POST)
            {
                (method, body) = (Method::GET, Bytes::new());
            }
        }
        Err(io::Error::other(format!("too many redirects (more than {})", self.inner.max_redirects)))
    }

    /// One request; on a pooled connection that turns out stale (closed by
    /// the server while idle), once more on a new one, if the method is
    /// idempotent.
    async fn send_once_or_retry(
        &self,
        method: &Method,
        url: &Uri,
        body: &Bytes,
    ) -> io::Result<(hyper::Response<Incoming>, Checkout)> {
        let origin = origin(url)?;
        let mut fresh = false;
        loop {
            let mut checkout = self.inner.pool.checkout(&origin, fresh).await?;
            let request = build(method, url, &origin, body)?;
            // A connection that is not ready has sent nothing: any request
            // may go on a new one. One that failed while sending may have
            // been processed: only an idempotent request is sent again.
            let (sent, unsent) = match checkout.sender().ready().await {
                Ok(()) => (checkout.sender().send_request(request).await, false),
                Err(error) => (Err(error), true),
            };
            match sent {
                Ok(response) => return Ok((response, checkout)),
                Err(error) => {
                    let stale = checkout.reused
                        && (unsent
                            || error.is_closed()
                            || error.is_canceled()
                            || error.is_incomplete_message());
                    checkout.discard();
                    if stale && (unsent || is_idempotent(method)) && !fresh {
                        fresh = true;
                        continue;
                    }
                    return Err(io::Error::other(error));
                }
            }
        }
    }
}

impl ClientSessionBuilder {
    /// At most this many connections to one origin at once (aiohttp's
    /// `limit_per_host`; at least 1). Requests beyond wait for one. A
    /// [`Response`] holds its connection until its body is read or it is
    /// dropped: holding that many unread responses makes the next request
    /// to their origin wait (until the timeout), as in aiohttp.
    pub fn limit_per_host(mut self, limit: usize) -> ClientSessionBuilder {
        self.limit_per_host = limit.max(1);
        self
    }

    /// Redirects followed at most (aiohttp's `max_redirects`).
    pub fn max_redirects(mut self, max: usize) -> ClientSessionBuilder {
        self.max_redirects = max;
        self
    }

    /// How long a request may take, its body included (aiohttp's
    /// `ClientTimeout(total=…)`), on the loop's clock.
    pub fn timeout(mut self, timeout: Duration) -> ClientSessionBuilder {
        self.timeout = timeout;
        self
    }

    /// The TLS config of https:// requests (feature `tls`), instead of the
    /// usual web roots.
    #[cfg(feature = "tls")]
    pub fn tls(mut self, config: std::sync::Arc<corio::rustls::ClientConfig>) -> ClientSessionBuilder {
        self.tls = Some(config);
        self
    }

    /// The session.
    pub fn build(self) -> ClientSession {
        #[cfg(feature = "tls")]
        let pool = Pool::new(self.limit_per_host, self.tls.unwrap_or_else(corio::create_default_context));
        #[cfg(not(feature = "tls"))]
        let pool = Pool::new(self.limit_per_host);
        ClientSession {
            inner: Rc::new(Inner { pool, max_redirects: self.max_redirects, timeout: self.timeout }),
        }
    }
}

/// A response whose head came; its body is read with
/// [`bytes`](Response::bytes) or [`text`](Response::text), within the
/// request's timeout.
pub struct Response {
    url: Uri,
    response: hyper::Response<Incoming>,
    /// The connection, back to the pool once the body is read (or the
    /// response dropped).
    checkout: Checkout,
    deadline: Instant,
    timeout: Duration,
}

impl Response {
    /// The status (`resp.status`).
    pub fn status(&self) -> StatusCode {
        self.response.status()
    }

    /// The headers (`resp.headers`).
    pub fn headers(&self) -> &HeaderMap {
        self.response.headers()
    }

    /// The URL answered, after redirects (`resp.url`).
    pub fn url(&self) -> &Uri {
        &self.url
    }

    /// The whole body (`await resp.read()`).
    ///
    /// # Errors
    ///
    /// `TimedOut` after the request's timeout; the connection's error.
    pub async fn bytes(self) -> io::Result<Bytes> {
        let Response { response, checkout, deadline, timeout, .. } = self;
        let body = corio::timeout_at(deadline, response.into_body().collect()).await;
        let body = body.map_err(|_| timed_out(timeout))?.map_err(io::Error::other)?;
        drop(checkout);
        Ok(body.to_bytes())
    }

    /// The body as text (`await resp.text()`).
    ///
    /// # Errors
    ///
    /// As [`bytes`](Response::bytes); `InvalidData` if it is not UTF-8.
    pub async fn text(self) -> io::Result<String> {
        let bytes = self.bytes().await?;
        String::from_utf8(bytes.to_vec()).map_err(|err| io::Error::new(io::ErrorKind::InvalidData, err))
    }
}

fn parse(url: &str) -> io::Result<Uri> {
    url.parse().map_err(|err| io::Error::new(io::ErrorKind::InvalidInput, format!("{url:?}: {err}")))
}

fn origin(url: &Uri) -> io::Result<Origin> {
    let https = match url.scheme_str() {
        Some("http") => false,
        Some("https") => true,
        _ => {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{url}: not an http:// or https:// URL"),
            ))
        }
    };
    let host =
        url.host().ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, format!("{url}: no host")))?;
    // A port `Uri` could not read (above 65535) is left out of `port()`.
    let written_port =
        url.authority().is_some_and(|a| a.as_str().rsplit_once(':').is_some_and(|(_, p)| !p.contains(']')));
    let port = match url.port_u16() {
        Some(port) => port,
        None if written_port => {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, format!("{url}: port out of range")));
        }
        None if https => 443,
        None => 80,
    };
    Ok(Origin { https, host: host.trim_start_matches('[').trim_end_matches(']').to_owned(), port })
}

/// `location` resolved against `base`, as RFC 3986 (section 5.2) does for
/// what a `Location` header holds: an absolute URL, `//host/path`,
/// `/path`, `?query`, or a path relative to `base`'s directory. (Joined as
/// text: `Uri` would read a bare `c` as a host name.) Dot segments are
/// left as they are.
fn join(base: &Uri, location: &str) -> io::Result<Uri> {
    let scheme = base.scheme_str().unwrap_or("http");
    let has_scheme = location.split_once(':').is_some_and(|(prefix, _)| {
        !prefix.is_empty() && prefix.chars().all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
    });
    if has_scheme {
        return parse(location);
    }
    if location.starts_with("//") {
        return parse(&format!("{scheme}:{location}"));
    }
    let authority = base.authority().map_or("", |authority| authority.as_str());
    let path = if location.starts_with('/') {
        location.to_owned()
    } else if location.starts_with('?') {
        format!("{}{location}", base.path())
    } else {
        let directory = base.path().rsplit_once('/').map_or("", |(directory, _)| directory);
        format!("{directory}/{location}")
    };
    parse(&format!("{scheme}://{authority}{path}"))
}

/// The request as it goes on the wire: the path, and a `Host` header.
fn build(method: &Method, url: &Uri, origin: &Origin, body: &Bytes) -> io::Result<Request<Full<Bytes>>> {
    let path = url.path_and_query().map_or("/", |path| path.as_str());
    let default_port = if origin.https { 443 } else { 80 };
    let host = match url.port_u16() {
        Some(port) if port != default_port => format!("{}:{port}", url.host().unwrap_or_default()),
        _ => url.host().unwrap_or_default().to_owned(),
    };
    Request::builder()
        .method(method.clone())
        .uri(path)
        .header(HOST, host)
        .body(Full::new(body.clone()))
        .map_err(|err| io::Error::new(io::ErrorKind::InvalidInput, err))
}

fn is_idempotent(method: &Method) -> bool {
    matches!(
        *method,
        Method::GET | Method::HEAD | Method::PUT | Method::DELETE | Method::OPTIONS | Method::TRACE
    )
}

fn timed_out(timeout: Duration) -> io::Error {
    io::Error::new(io::ErrorKind::TimedOut, format!("the request took longer than {timeout:?}"))
}

impl fmt::Debug for ClientSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientSession").field("timeout", &self.inner.timeout).finish_non_exhaustive()
    }
}

impl fmt::Debug for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Response")
            .field("url", &self.url)
            .field("status", &self.status())
            .finish_non_exhaustive()
    }
}
