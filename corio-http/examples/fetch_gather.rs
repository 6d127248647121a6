//! The seed script, for real: `aiohttp.ClientSession` and `asyncio.gather`
//! over https, printing "before", the results and "after".
//!
//! ```text
//! cargo run -p corio-http --features tls --example fetch_gather             # serves its own three pages
//! cargo run -p corio-http --features tls --example fetch_gather -- https://example.com/ http://…
//! ```
//!
//! The asyncio original:
//!
//! ```python
//! async def fetch(session, url):
//!     async with session.get(url) as response:
//!         return f"{url}: {response.status}, {len(await response.read())} bytes"
//!
//! async def main(urls):
//!     async with aiohttp.ClientSession() as session:
//!         print("before")
//!         results = await asyncio.gather(*(fetch(session, url) for url in urls))
//!         for r in results:
//!             print(r)
//!         print("after")
//! ```
//!
//! Without URLs on the command line it serves three pages over HTTPS on
//! 127.0.0.1, with a certificate made at start-up that the session trusts
//! explicitly; they answer after 30, 10 and 20 ms, so the fetches overlap
//! and the whole takes about 30 ms, not 60.

use std::io;
use std::sync::Arc;
use std::time::{Duration, Instant};

use corio::rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use corio::rustls::{ClientConfig, RootCertStore, ServerConfig};
use corio_http::ClientSession;

async fn fetch(session: &ClientSession, url: &str) -> io::Result<String> {
    let response = session.get(url).await?;
    let status = response.status();
    let body = response.bytes().await?;
    Ok(format!("{url}: {status}, {} bytes", body.len()))
}

/// Serves /a, /b and /c over HTTPS, each after a small delay; returns the
/// URLs and a client config that trusts the server's certificate.
async fn serve_three_pages() -> io::Result<(corio::Server, Vec<String>, Arc<ClientConfig>)> {
    let certified =
        rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).map_err(io::Error::other)?;
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(certified.key_pair.serialize_der()));
    let certificate = certified.cert.der().clone();
    let server_config = ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(vec![certificate.clone()], key)
        .map_err(io::Error::other)?;
    let server = corio::start_server(
        |mut reader: corio::StreamReader, mut writer: corio::StreamWriter| async move {
            let Ok(request) = reader.readuntil(b"\r\n\r\n").await else { return };
            let path = String::from_utf8_lossy(&request).split(' ').nth(1).unwrap_or("/").to_owned();
            let (delay, body) = match path.as_str() {
                "/a" => (30, "page a"),
                "/b" => (10, "page b, a little longer"),
                _ => (20, "page c"),
            };
            corio::sleep(Duration::from_millis(delay)).await;
            writer
                .write(format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{body}", body.len()).as_bytes());
            writer.close();
        },
        "127.0.0.1",
        0,
    )
    .ssl(Arc::new(server_config))
    .await?;
    let port = server.local_addrs()[0].port();
    let urls = ["a", "b", "c"].iter().map(|page| format!("https://localhost:{port}/{page}")).collect();
    let mut roots = RootCertStore::empty();
    roots.add(certificate).map_err(io::Error::other)?;
    let client_config = ClientConfig::builder().with_root_certificates(roots).with_no_client_auth();
    Ok((server, urls, Arc::new(client_config)))
}

#[corio::main]
async fn main() -> io::Result<()> {
    let given: Vec<String> = std::env::args().skip(1).collect();
    let (_server, urls, session) = if given.is_empty() {
        let (server, urls, trusted) = serve_three_pages().await?;
        (Some(server), urls, ClientSession::builder().tls(trusted).build())
    } else {
        (None, given, ClientSession::new())
    };
    let started = Instant::now();
    println!("before");
    let results = corio::gather(urls.iter().map(|url| fetch(&session, url))).await;
    for result in results {
        println!("{}", result?);
    }
    println!("after ({:.0?})", started.elapsed());
    Ok(())
}
