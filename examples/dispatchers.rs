//! The Kotlin coroutine example, in corio: do blocking work "on the IO
//! dispatcher" with `to_thread`, then come back to the loop's thread to
//! "update the UI", printing which thread each step ran on.
//!
//! ```text
//! cargo run --example dispatchers
//! ```
//!
//! The Kotlin original:
//!
//! ```kotlin
//! val data = withContext(Dispatchers.IO) { loadFromDisk() }  // a worker thread
//! updateUi(data)                                              // back on Main
//! ```

use std::thread;
use std::time::Duration;

fn thread_name() -> String {
    thread::current().name().unwrap_or("unnamed").to_owned()
}

/// Blocking work: must not run on the loop's thread.
fn load_from_disk(name: &str) -> String {
    thread::sleep(Duration::from_millis(20));
    format!("{name} loaded on {}", thread_name())
}

#[corio::main]
async fn main() {
    println!("main starts on {}", thread_name());
    // Two loads at once, each on a pool thread (Kotlin's Dispatchers.IO).
    let (a, b) = corio::gather!(
        corio::to_thread(|| load_from_disk("settings")),
        corio::to_thread(|| load_from_disk("profile")),
    )
    .await;
    // Back on the loop's thread (Kotlin's Dispatchers.Main).
    println!("{}", a.expect("the load panicked"));
    println!("{}", b.expect("the load panicked"));
    println!("the UI is updated on {}", thread_name());
}
