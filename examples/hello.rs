//! The asyncio tutorial's first program, ported: two tasks that sleep and
//! print, run concurrently on one thread, printing in asyncio's order.
//!
//! ```text
//! cargo run --release --example hello
//! ```
//!
//! The Python original:
//!
//! ```python
//! import asyncio, time
//!
//! async def say_after(delay, what):
//!     await asyncio.sleep(delay)
//!     print(what)
//!
//! async def main():
//!     task1 = asyncio.create_task(say_after(0.1, 'hello'))
//!     task2 = asyncio.create_task(say_after(0.2, 'world'))
//!     print(f"started at {time.strftime('%X')}")
//!     await task1
//!     await task2
//!     print(f"finished at {time.strftime('%X')}")
//!
//! asyncio.run(main())
//! ```

use std::time::{Duration, Instant};

async fn say_after(delay: Duration, what: &str) {
    corio::sleep(delay).await;
    println!("{what}");
}

fn main() {
    corio::run(async {
        let task1 = corio::create_task(say_after(Duration::from_millis(100), "hello"));
        let task2 = corio::create_task(say_after(Duration::from_millis(200), "world"));
        let start = Instant::now();
        println!("started");
        task1.await.expect("say_after(hello) panicked");
        task2.await.expect("say_after(world) panicked");
        // Concurrent, so about 200 ms rather than 300.
        println!("finished in {:.0?}", start.elapsed());
    });
}
