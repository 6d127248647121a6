//! The seed script: fetch three URLs concurrently with `gather!`, over a
//! minimal HTTP/1.1 GET written on `open_connection`, printing "before",
//! the three results and "after".
//!
//! ```text
//! cargo run --example fetch_gather                       # serves its own three pages
//! cargo run --example fetch_gather -- http://127.0.0.1:8000/a http://… http://…
//! ```
//!
//! The asyncio original:
//!
//! ```python
//! async def main():
//!     print("before")
//!     results = await asyncio.gather(fetch(a), fetch(b), fetch(c))
//!     for r in results:
//!         print(r)
//!     print("after")
//! ```
//!
//! Without URLs on the command line, a local `start_server` on 127.0.0.1
//! serves three pages that take 30, 10 and 20 ms: the fetches overlap, so
//! the whole takes about 30 ms, not 60.

use std::io;
use std::time::{Duration, Instant};

/// `http://host:port/path` → (host, port, path).
fn parse_url(url: &str) -> io::Result<(String, u16, String)> {
    let invalid = || io::Error::new(io::ErrorKind::InvalidInput, format!("not an http:// URL: {url}"));
    let rest = url.strip_prefix("http://").ok_or_else(invalid)?;
    let (authority, path) =
        rest.split_once('/').map_or((rest, "/".to_owned()), |(a, p)| (a, format!("/{p}")));
    let (host, port) = match authority.rsplit_once(':') {
        Some((host, port)) => (host, port.parse().map_err(|_| invalid())?),
        None => (authority, 80),
    };
    Ok((host.to_owned(), port, path))
}

/// GETs `url` and returns its status line and body size.
async fn fetch(url: &str) -> io::Result<String> {
    let (host, port, path) = parse_url(url)?;
    let (mut reader, mut writer) = corio::open_connection(&host, port).await?;
    writer.write(format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").as_bytes());
    writer.drain().await?;
    let status = String::from_utf8_lossy(&reader.readline().await?).trim_end().to_owned();
    let rest = reader.read_to_end().await?;
    let body = rest.windows(4).position(|w| w == b"\r\n\r\n").map_or(0, |at| rest.len() - at - 4);
    writer.close();
    Ok(format!("{url}: {status}, {body} bytes"))
}

/// Serves /a, /b and /c, answering after a small delay; returns the URLs.
async fn serve_three_pages() -> io::Result<(corio::Server, Vec<String>)> {
    let server = corio::start_server(
        |mut reader: corio::StreamReader, mut writer: corio::StreamWriter| async move {
            let Ok(request) = reader.readline().await else { return };
            let path = String::from_utf8_lossy(&request).split(' ').nth(1).unwrap_or("/").to_owned();
            let (delay, body) = match path.as_str() {
                "/a" => (30, "page a"),
                "/b" => (10, "page b, a little longer"),
                _ => (20, "page c"),
            };
            while reader.readline().await.is_ok_and(|line| line != b"\r\n" && !line.is_empty()) {}
            corio::sleep(Duration::from_millis(delay)).await;
            writer
                .write(format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{body}", body.len()).as_bytes());
            writer.close();
        },
        "127.0.0.1",
        0,
    )
    .await?;
    let port = server.local_addrs()[0].port();
    let urls = ["a", "b", "c"].iter().map(|page| format!("http://127.0.0.1:{port}/{page}")).collect();
    Ok((server, urls))
}

#[corio::main]
async fn main() -> io::Result<()> {
    let given: Vec<String> = std::env::args().skip(1).collect();
    let (_server, urls) = if given.len() == 3 {
        (None, given)
    } else {
        let (server, urls) = serve_three_pages().await?;
        (Some(server), urls)
    };
    let started = Instant::now();
    println!("before");
    let (a, b, c) = corio::gather!(fetch(&urls[0]), fetch(&urls[1]), fetch(&urls[2])).await;
    for result in [a, b, c] {
        println!("{}", result?);
    }
    println!("after ({:.0?})", started.elapsed());
    Ok(())
}
