//! A client for `echo_server`: sends a few lines and prints what comes back.
//!
//! ```text
//! cargo run --example echo_server            # first, in another terminal
//! cargo run --example echo_client -- hello world
//! ```

use std::io;

#[corio::main]
async fn main() -> io::Result<()> {
    let mut words: Vec<String> = std::env::args().skip(1).collect();
    if words.is_empty() {
        words = vec!["hello".into(), "from".into(), "corio".into()];
    }
    let (mut reader, mut writer) = corio::open_connection("127.0.0.1", 8888).await?;
    for word in &words {
        writer.write(format!("{word}\n").as_bytes());
        writer.drain().await?;
        let reply = reader.readline().await?;
        print!("echo: {}", String::from_utf8_lossy(&reply));
    }
    writer.close();
    writer.wait_closed().await
}
