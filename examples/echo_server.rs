//! An echo server: every line a client sends comes back.
//!
//! ```text
//! cargo run --example echo_server            # listens on 127.0.0.1:8888
//! cargo run --example echo_client            # in another terminal
//! ```

use std::io;

async fn echo(mut reader: corio::StreamReader, mut writer: corio::StreamWriter) {
    let peer = writer.peer_addr().map_or("?".to_owned(), |addr| addr.to_string());
    println!("{peer} connected");
    loop {
        match reader.readline().await {
            Ok(line) if !line.is_empty() => {
                writer.write(&line);
                if writer.drain().await.is_err() {
                    break;
                }
            }
            _ => break,
        }
    }
    writer.close();
    println!("{peer} left");
}

#[corio::main]
async fn main() -> io::Result<()> {
    let port = std::env::args().nth(1).and_then(|port| port.parse().ok()).unwrap_or(8888);
    let server = corio::start_server(echo, "127.0.0.1", port).await?;
    println!("serving on {:?}", server.local_addrs());
    server.serve_forever().await;
    Ok(())
}
