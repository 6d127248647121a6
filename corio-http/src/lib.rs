//! aiohttp's `ClientSession` on corio: HTTP/1.1 requests through hyper's
//! connection API, with a pool of keep-alive connections per origin (at
//! most [`limit_per_host`](ClientSessionBuilder::limit_per_host) of them),
//! redirects up to a limit, a timeout per request, https through the `tls`
//! feature, and a stale pooled connection retried once for an idempotent
//! request. And [`serve`], hyper's HTTP/1.1 server on a corio listener.
//!
//! Why a crate of its own, when hyper-util has a pooled client: that pool
//! needs its connections and executor to be `Send`, and corio's sockets
//! are `!Send` by design (one loop, one thread). hyper does the protocol;
//! what is here is the pool and the session around it.
//!
//! # Examples
//!
//! The seed's script, `asyncio.gather` of fetches through one session:
//!
//! ```
//! use corio_http::ClientSession;
//!
//! corio::run(async {
//!     let listener = corio::TcpListener::bind("127.0.0.1:0").unwrap();
//!     let port = listener.local_addr().unwrap().port();
//!     corio::create_task(corio_http::serve(listener, |request| async move {
//!         hyper::Response::new(format!("page {}", request.uri().path()).into())
//!     }));
//!     let session = ClientSession::new();
//!     let urls: Vec<String> = (1..=3).map(|i| format!("http://127.0.0.1:{port}/{i}")).collect();
//!     let pages = corio::gather(urls.iter().map(|url| {
//!         let session = session.clone();
//!         async move { session.get(url).await?.text().await }
//!     }))
//!     .await;
//!     let pages: Vec<String> = pages.into_iter().map(Result::unwrap).collect();
//!     assert_eq!(pages, ["page /1", "page /2", "page /3"]);
//! });
//! ```

mod pool;
mod serve;
mod session;

pub use serve::serve;
pub use session::{ClientSession, ClientSessionBuilder, Response};
